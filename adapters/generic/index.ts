/**
 * Generic adapter: the canonical dossier as JSON over HTTP, and canonical status reports back.
 * For agencies that have no native format of their own (or accept the hub's): police residence
 * registration, social insurance, the tax authority… A new agency of this kind needs a few lines
 * of hub config (endpoint, auth), not code.
 *
 * The delivered body is `{ step, dossier }`: which step of a linked route this delivery is for
 * (one agency may get several: the land office before and after the tax authority) and the
 * canonical dossier (schemas/dossier.schema.json), with earlier steps' result documents.
 *
 * A withdrawal (the applicant withdrew the dossier) is the canonical notice with `type:
 * 'withdrawal'`, posted to <endpoint>/withdrawals; a supplement (the papers the agency asked
 * for) is the canonical notice with `type: 'supplement'` and canonical attachments, posted to
 * <endpoint>/supplements. A payment notice (the applicant paid online what the step asked for) is the
 * canonical notice with `type: 'payment'`, posted to <endpoint>/payments (generic-payment).
 */
import type { AgencyAdapter, DossierSubmission, OutboundRequest, PaymentNotice, StatusReport, SupplementNotice, WithdrawalNotice } from '../contract.ts'
import { receiptField } from '../shared/receipt.ts'
import type { GenericPayment, GenericRequest, GenericSupplement, GenericWithdrawal } from './native.generated.ts'
import { paymentFields } from '../shared/payment.ts'
import { withdrawalReason } from '../shared/withdrawal.ts'
import { noticeReference } from '../shared/notice-fields.ts'
import { supplementNote, supplementPapers, supplementSequence } from '../shared/supplement.ts'
import requestSchema from './schemas/request.schema.json' with { type: 'json' }
import supplementSchema from './schemas/supplement.schema.json' with { type: 'json' }
import withdrawalSchema from './schemas/withdrawal.schema.json' with { type: 'json' }
import paymentSchema from './schemas/payment.schema.json' with { type: 'json' }

/** Where a withdrawal notice goes, relative to the agency's endpoint (the hub appends it). */
export const WITHDRAWAL_PATH = 'withdrawals'

/** Where a payment notice (the applicant paid online) goes, relative to the agency's endpoint. */
export const PAYMENT_PATH = 'payments'

/** The applicant paid online: the canonical notice, `type: 'payment'`, with the transaction and the e-receipt. */
function payment (notice: PaymentNotice): OutboundRequest & { body: GenericPayment } {
  const f = paymentFields(notice, (l) => ({ ...(l.code !== undefined && { code: l.code }), name: l.name, amount: l.amount }))
  const body: GenericPayment = {
    type: 'payment',
    dossierCode: notice.dossierCode,
    step: notice.step,
    ...(f.agencyReference !== undefined && { agencyReference: f.agencyReference }),
    reference: notice.reference,
    ...(f.noticeReference !== undefined && { noticeReference: f.noticeReference }),
    amount: f.amount,
    lines: f.lines,
    provider: notice.provider,
    ...(f.transactionNo !== undefined && { transactionNo: f.transactionNo }),
    ...(f.receiptNumber !== undefined && { receiptNumber: f.receiptNumber }),
    paidAt: notice.paidAt
  }
  return { method: 'POST', path: PAYMENT_PATH, body }
}

/** Where a supplement notice goes, relative to the agency's endpoint (the hub appends it). */
export const SUPPLEMENT_PATH = 'supplements'

function withdrawal (notice: WithdrawalNotice): OutboundRequest & { body: GenericWithdrawal } {
  const reference = noticeReference(notice.agencyReference)
  const body: GenericWithdrawal = {
    type: 'withdrawal',
    dossierCode: notice.dossierCode,
    step: notice.step,
    ...(reference !== undefined && { agencyReference: reference }),
    reason: withdrawalReason(notice.reason, 2000),
    withdrawnAt: notice.withdrawnAt
  }
  return { method: 'POST', path: WITHDRAWAL_PATH, body }
}

function supplement (notice: SupplementNotice): OutboundRequest & { body: GenericSupplement } {
  const reference = noticeReference(notice.agencyReference)
  const note = supplementNote(notice.note, 2000)
  const body: GenericSupplement = {
    type: 'supplement',
    dossierCode: notice.dossierCode,
    step: notice.step,
    ...(reference !== undefined && { agencyReference: reference }),
    sequence: supplementSequence(notice.sequence),
    attachments: supplementPapers(notice, (a) => a),
    ...(note !== undefined && { note }),
    submittedAt: notice.submittedAt
  }
  return { method: 'POST', path: SUPPLEMENT_PATH, body }
}

export const genericAdapter: AgencyAdapter<DossierSubmission, GenericRequest, StatusReport> = {
  name: 'generic',
  description: 'Canonical dossier JSON over HTTP (định dạng chuẩn của trục liên thông).',
  nativeSchemas: {
    submission: { $ref: 'dossier-submission#' },
    request: requestSchema,
    status: { $ref: 'status-report#' },
    withdrawal: withdrawalSchema,
    supplement: supplementSchema,
    payment: paymentSchema
  },
  inbound: (native) => native,
  outbound: (dossier, context) => ({ method: 'POST', body: { step: context.step, dossier: dossier as GenericRequest['dossier'] } }),
  status: (native) => ({ report: native }),
  receipt: (response) => receiptField(response, 'reference', 'receiptNumber', 'id'),
  withdrawal,
  supplement,
  payment
}

export default genericAdapter
