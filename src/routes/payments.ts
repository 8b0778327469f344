/**
 * /v1/payments/:provider/callback — the payment platform's signed result (IPN), and
 * /v1/dossiers/:code/payments — a dossier's payment requests (address, state, e-receipt).
 */
import type { FastifyInstance } from 'fastify'
import { codeParam, problem } from './common.ts'
import { PaymentsNotConfiguredError } from '../errors.ts'

const callbackAnswer = {
  type: 'object',
  description: 'Đã ghi nhận — what the result did. RspCode/Message are what the platform expects (VNPay: 00 confirmed, 02 already confirmed).',
  required: ['RspCode', 'Message', 'reference', 'dossier', 'state', 'changed', 'paid'],
  properties: {
    RspCode: { description: 'Mã phản hồi cho nền tảng — 00 confirmed, 02 already confirmed.', type: 'string' },
    Message: { description: 'Thông điệp cho nền tảng.', type: 'string' },
    reference: { description: 'Mã thanh toán — the hub\'s payment reference (vnp_TxnRef).', type: 'string' },
    dossier: { description: 'Mã hồ sơ.', type: 'string' },
    state: { description: 'Trạng thái thanh toán — creating, open, paid, failed, cancelled.', type: 'string' },
    changed: { description: 'Có thay đổi — false for a replay, or for an attempt the platform reports failed (the payment stays open).', type: 'boolean' },
    paid: { description: 'Đã thanh toán.', type: 'boolean' },
    receiptNumber: { description: 'Số biên lai điện tử.', type: 'string' },
    status: { description: 'Trạng thái hồ sơ — the dossier\'s status now.', type: 'string' },
    statusCode: { description: 'Mã trạng thái 1–10.', type: 'integer' },
    dueAt: { description: 'Hạn xử lý — the due date, moved by the time the dossier waited for the payment.', type: 'string', format: 'date-time' }
  }
} as const

export const paymentView = {
  type: 'object',
  required: ['reference', 'dossier', 'step', 'agency', 'provider', 'amount', 'lines', 'state', 'createdAt', 'expiresAt', 'attempts'],
  properties: {
    reference: { description: 'Mã thanh toán (vnp_TxnRef).', type: 'string' },
    dossier: { description: 'Mã hồ sơ.', type: 'string' },
    step: { description: 'Bước liên thông that asked.', type: 'string' },
    agency: { description: 'Cơ quan yêu cầu.', type: 'string' },
    provider: { description: 'Nền tảng thanh toán.', type: 'string' },
    requestedAt: { type: 'string', format: 'date-time' },
    amount: { description: 'Số tiền (đồng).', type: 'integer' },
    lines: { description: 'Các khoản phí, lệ phí.', type: 'array', items: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' }, amount: { type: 'integer' } } } },
    note: { type: 'string' },
    noticeReference: { description: 'Số thông báo của cơ quan.', type: 'string' },
    state: { description: 'creating (being created on the platform), open (address given), paid, failed (the platform could not create it: lastError), cancelled.', type: 'string' },
    url: { description: 'Địa chỉ thanh toán.', type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    openedAt: { type: 'string', format: 'date-time' },
    paidAt: { type: 'string', format: 'date-time' },
    transactionNo: { description: 'Mã giao dịch của nền tảng.', type: 'string' },
    receiptNumber: { description: 'Số biên lai điện tử.', type: 'string' },
    bankCode: { type: 'string' },
    attempts: { type: 'integer' },
    lastError: { type: 'string' },
    remindedAt: { description: 'Khi đã nhắc thanh toán.', type: 'string', format: 'date-time' },
    agencyNotice: {
      description: 'Thông báo cho cơ quan — how telling the agency went.',
      type: 'object',
      properties: { state: { type: 'string' }, attempts: { type: 'integer' }, at: { type: 'string' }, lastError: { type: 'string' } }
    }
  }
} as const

export default async function paymentRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Params: { provider: string }, Body: Record<string, unknown> }>('/v1/payments/:provider/callback', {
    config: { audit: 'payment-callback' },
    schema: {
      tags: ['payments'],
      operationId: 'paymentCallback',
      summary: 'The payment platform\'s signed result (kết quả thanh toán, IPN)',
      description: 'The payment platform posts the result of a payment: its parameters (VNPay: vnp_TxnRef, vnp_Amount × 100, vnp_ResponseCode, vnp_TransactionNo, vnp_PayDate, vnp_ReceiptNo…) signed with vnp_SecureHash (hex HMAC-SHA512 with the shared hash secret over the other vnp_* parameters sorted by name, URL-encoded, joined k=v&k=v). No API key: the signature is the authentication. A paid result records the payment and its electronic receipt, resumes the dossier (the step goes back to processing, the due date moves by the time waited) and tells the agency. The same result again answers 200 and changes nothing; every refusal changes nothing and is kept on the callbacks trail (and on the dossier\'s audit trail when the payment is known).',
      params: { type: 'object', required: ['provider'], properties: { provider: { description: 'Nền tảng thanh toán — the payments.provider of the hub config, e.g. vnpay.', type: 'string', maxLength: 32 } } },
      body: { type: 'object', maxProperties: 40, additionalProperties: { type: 'string', maxLength: 512 } },
      response: {
        200: { ...callbackAnswer, description: 'Recorded (paid, a failed attempt, or a replay that changed nothing).' },
        400: problem('Not the platform\'s format, another merchant\'s result, or a wrong amount; nothing changed.'),
        401: problem('The signature is not the platform\'s; nothing changed.'),
        404: problem('No such payment platform, or no payment has this reference; nothing changed.'),
        409: problem('The payment was paid already by another transaction; nothing changed.'),
        503: problem('The record cannot be reached now, or the dossier is being changed by many reports at once; nothing changed: the platform repeats its result.')
      }
    }
  }, async (request) => {
    const service = app.hub.payments
    if (service === undefined) throw new PaymentsNotConfiguredError()
    const provider = request.params.provider
    // who claims to be the platform: on the dossier's audit trail, refused or not
    request.auditActor = { id: `payment-platform:${provider.slice(0, 32)}`, role: 'payment-platform' }
    const answer = await service.callback(provider, request.body, (code) => { request.dossierCode = code })
    const { ack, ...rest } = answer
    return { ...ack, ...rest }
  })

  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/payments', {
    config: { roles: ['portal', 'admin', 'auditor'], audit: 'read-payments' },
    schema: {
      tags: ['payments'],
      operationId: 'getDossierPayments',
      summary: 'A dossier\'s online payments (thanh toán trực tuyến)',
      description: 'Every payment request an agency made on the dossier: amount and fee lines, the payment address, its state, the platform\'s transaction, the electronic receipt, the reminder and how telling the agency went.',
      params: codeParam,
      response: {
        200: { description: 'The payments, oldest first.', type: 'object', required: ['dossier', 'payments'], properties: { dossier: { type: 'string' }, payments: { type: 'array', items: paymentView } } },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    await app.hub.dossiers.get(request.params.code, request.client)
    return { dossier: request.params.code, payments: await app.hub.payments?.forDossier(request.params.code) ?? [] }
  })
}
