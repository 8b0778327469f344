/**
 * /v1/admin/notices, /v1/admin/payments, /v1/admin/postal-pickups — the citizen services that
 * failed for good, for administrators: notices to applicants (SMS, Zalo, e-mail), payment requests
 * the payment platform never created, notices to agencies that the applicant paid (payments/notices),
 * postal pickup requests the post office never took. Each list
 * is oldest first, with the last error; each retry is one item, audited, and makes it owed again with
 * its full attempts and the same key at the provider (a retry of one that has not failed is a 400
 * and changes nothing). Reads and writes the record; the job is queued after (the relay queues it
 * when Redis is away). Admin role only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Requester } from '../services/admin-service.ts'
import type { NoticeChannel } from '../domain/notice.ts'
import { codeParam, problem } from './common.ts'
import { paymentView } from './payments.ts'
import { pickupView } from './postal.ts'

const ADMIN = { roles: ['admin'] } as const

const page = {
  type: 'object',
  additionalProperties: false,
  properties: {
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0, description: 'Bỏ qua — skip this many.' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'Số lượng tối đa.' }
  }
} as const

const noticeView = {
  type: 'object',
  description: 'Thông báo cho người nộp hồ sơ — one notice on one channel (its text and recipient are in the dossier\'s notice log, masked).',
  required: ['code', 'sequence', 'channel', 'kind', 'state', 'attempts', 'createdAt', 'updatedAt'],
  properties: {
    code: { type: 'string', description: 'Mã hồ sơ.' },
    sequence: { type: 'integer', description: 'Số thứ tự thông báo — the notification of the dossier this notice is for.' },
    channel: { type: 'string', enum: ['sms', 'zalo', 'email'], description: 'Kênh — sms, zalo, email.' },
    kind: { type: 'string', description: 'Loại thông báo — received, supplement-requested, payment-requested…' },
    state: { type: 'string', description: 'Trạng thái — failed (thất bại), or queued once retried.' },
    segments: { type: 'integer', description: 'Số tin SMS.' },
    attempts: { type: 'integer', description: 'Số lần thử — attempts of the current round (0 once retried).' },
    providerId: { type: 'string', description: 'Mã tin của nhà cung cấp.' },
    error: { type: 'string', description: 'Lỗi gần nhất — the provider\'s answer or the network error.' },
    notBefore: { type: 'string', format: 'date-time', description: 'Không gửi trước — quiet hours.' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' }
  }
} as const

const listOf = (name: string, items: object, what: string): object => ({
  type: 'object',
  description: what,
  required: ['total', name],
  properties: { total: { type: 'integer', description: 'Tổng số — how many failed for good.' }, [name]: { type: 'array', items } }
})

const requester = (request: FastifyRequest): Requester => ({
  client: request.client as NonNullable<FastifyRequest['client']>,
  requestId: String(request.id),
  route: request.routeOptions.url ?? '',
  method: request.method
})

const NOT_CONFIGURED = 'The service is not configured (notices, payments or pickupAgency in the hub config).'

export default async function citizenRetryRoutes (app: FastifyInstance): Promise<void> {
  const admin = (): NonNullable<typeof app.hub.citizenRetries> => app.hub.citizenRetries

  app.get<{ Querystring: { offset: number, limit: number } }>('/v1/admin/notices/failed', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'listFailedNotices',
      summary: 'Notices to applicants that failed for good (SMS, Zalo, e-mail), oldest first',
      description: 'A notice fails for good when its provider refused it (a 4xx, an SMTP 5xx, an eSMS or ZNS error code) or its attempts ran out. Retry one with POST /v1/admin/dossiers/{code}/notices/{sequence}/{channel}/retry.',
      querystring: page,
      response: { 200: listOf('notices', noticeView, 'Thông báo thất bại.'), 404: problem(NOT_CONFIGURED) }
    }
  }, async (request) => await admin().failedNotices(request.query.offset, request.query.limit))

  app.post<{ Params: { code: string, sequence: number, channel: NoticeChannel } }>('/v1/admin/dossiers/:code/notices/:sequence/:channel/retry', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryNotice',
      summary: 'Retry one failed notice to the applicant (full attempts again)',
      description: 'The notice is queued again with the same key: the provider\'s request id (eSMS RequestId, ZNS tracking_id) and the e-mail\'s Message-ID stay the same, so a provider that drops repeats drops it. Only a failed notice; written to the dossier\'s audit trail.',
      params: {
        type: 'object',
        required: ['code', 'sequence', 'channel'],
        properties: {
          ...codeParam.properties,
          sequence: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Số thứ tự thông báo.' },
          channel: { type: 'string', enum: ['sms', 'zalo', 'email'], description: 'Kênh.' }
        }
      },
      response: { 200: noticeView, 400: problem('The notice has not failed, or a parameter is malformed.'), 404: problem('No such notice, or notices are not configured.') }
    }
  }, async (request) => {
    const { code, sequence, channel } = request.params
    request.dossierCode = code
    return await admin().retryNotice(code, sequence, channel, requester(request))
  })

  app.get<{ Querystring: { offset: number, limit: number } }>('/v1/admin/payments/failed', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'listFailedPayments',
      summary: 'Payment requests the payment platform never created, oldest first',
      description: 'A payment request fails for good when the platform refused it or its attempts ran out: the applicant got no payment address. Retry one with POST /v1/admin/payments/{reference}/retry.',
      querystring: page,
      response: { 200: listOf('payments', paymentView, 'Yêu cầu thanh toán không tạo được.'), 404: problem(NOT_CONFIGURED) }
    }
  }, async (request) => await admin().failedPayments(request.query.offset, request.query.limit))

  app.post<{ Params: { reference: string } }>('/v1/admin/payments/:reference/retry', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryPayment',
      summary: 'Retry creating one failed payment request on the payment platform (full attempts again)',
      description: 'The same reference (vnp_TxnRef) and Idempotency-Key; valid for payments.expireMinutes from now at least. Only a failed one whose step still waits for the payment; the address then goes to the applicant and the portal as usual. Written to the dossier\'s audit trail.',
      params: {
        type: 'object',
        required: ['reference'],
        properties: { reference: { type: 'string', pattern: '^[A-Za-z0-9]{1,100}$', description: 'Mã thanh toán — the hub\'s payment reference.' } }
      },
      response: { 200: paymentView, 400: problem('The payment request has not failed, or its step no longer waits for it.'), 404: problem('No payment has this reference, or payments are not configured.') }
    }
  }, async (request) => await admin().retryPayment(request.params.reference, requester(request), (code) => { request.dossierCode = code }))

  app.get<{ Querystring: { offset: number, limit: number } }>('/v1/admin/payments/notices/failed', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'listFailedPaymentNotices',
      summary: 'Paid payments whose notice to the agency failed for good, oldest first',
      description: 'After a payment the hub tells the step\'s agency through its adapter (its own format, Idempotency-Key <code>/<step>/payment-<reference>). The notice fails for good when the agency refused it (a 4xx), its attempts ran out, or it cannot be built: agencyNotice.state is failed, with agencyNotice.lastError. The payment itself is recorded and the dossier resumed. Retry one with POST /v1/admin/payments/{reference}/notice/retry.',
      querystring: page,
      response: { 200: listOf('payments', paymentView, 'Thông báo đã thanh toán chưa gửi được cho cơ quan.'), 404: problem(NOT_CONFIGURED) }
    }
  }, async (request) => await admin().failedPaymentNotices(request.query.offset, request.query.limit))

  app.post<{ Params: { reference: string } }>('/v1/admin/payments/:reference/notice/retry', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryPaymentNotice',
      summary: 'Retry one failed notice to the agency that the applicant paid (full attempts again)',
      description: 'Sent again through the agency\'s adapter with the same Idempotency-Key (<code>/<step>/payment-<reference>), so an agency that keeps keys drops a repeat. Only a notice that failed; written to the dossier\'s audit trail (a refused retry too).',
      params: {
        type: 'object',
        required: ['reference'],
        properties: { reference: { type: 'string', pattern: '^[A-Za-z0-9]{1,100}$', description: 'Mã thanh toán — the hub\'s payment reference.' } }
      },
      response: { 200: paymentView, 400: problem('The notice has not failed (delivered, pending, retrying, or the payment is not paid).'), 404: problem('No payment has this reference, or payments are not configured.') }
    }
  }, async (request) => await admin().retryPaymentNotice(request.params.reference, requester(request), (code) => { request.dossierCode = code }))

  app.get<{ Querystring: { offset: number, limit: number } }>('/v1/admin/postal-pickups/failed', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'listFailedPickups',
      summary: 'Postal pickups that failed, oldest first',
      description: 'A pickup fails when its request could not be sent to the post office (attempts ran out, or refused) — retry it with POST /v1/admin/postal-pickups/{code}/retry — or when the post office reported it not collected (an item code and the reason: the applicant asks again).',
      querystring: page,
      response: { 200: listOf('pickups', pickupView, 'Thu gom thất bại.'), 404: problem(NOT_CONFIGURED) }
    }
  }, async (request) => await admin().failedPickups(request.query.offset, request.query.limit))

  app.post<{ Params: { code: string } }>('/v1/admin/postal-pickups/:code/retry', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryPickup',
      summary: 'Retry one failed postal pickup request (full attempts again)',
      description: 'Sent again with the same Idempotency-Key (<code>/pickup) and the same PostagePaidBy. Only a request the post office never took, for a dossier still new (1). Written to the dossier\'s audit trail.',
      params: codeParam,
      response: { 200: pickupView, 400: problem('The pickup has not failed, the post office took it, or the dossier is no longer new.'), 404: problem('The dossier has no postal pickup, or no postal agency collects dossiers.') }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await admin().retryPickup(request.params.code, requester(request))
  })
}
