/**
 * The adapter contract. An adapter translates between the hub's canonical dossier and one
 * agency system's native format. It is pure: it depends only on the canonical types and on its
 * own native schemas (beside it, in adapters/<name>/schemas/), never on Fastify, Redis or HTTP.
 * The hub validates native payloads against the adapter's schemas before calling it, sends what
 * `outbound` returns, and keeps the state.
 */
import type { Attachment, Dossier, DossierSubmission, ResultDocument, StatusReport } from '../src/types/schemas.generated.ts'

/** The id of a route's last step when the result goes back by post (bưu chính công ích): the postal service carries it. */
export const RETURN_STEP = 'return'

export type { Attachment, Dossier, DossierSubmission, ResultDocument, StatusReport }
export type CanonicalStatus = Dossier['status']
/** What an agency can report about its step: accepted … resolved / rejected (schemas/status-report.schema.json). */
export type StepStatus = StatusReport['status']

/**
 * The canonical dossier as delivered to an agency: without the hub's routing state. In a linked
 * route, `results` carries the result documents of the steps resolved before this one (e.g. the
 * tax notice the land office needs to issue the certificate).
 */
export type DeliverableDossier = Omit<Dossier, 'routing'>

/** The step of a linked route a delivery is for. */
export interface StepContext {
  /** the step id (the agency id unless the routing table names steps) */
  id: string
  /** 0 for the first stage */
  stage: number
  /** what the agency does in this step, from the routing table */
  task?: string
  /** whether this agency leads the dossier (cơ quan chủ trì) */
  lead: boolean
}

export interface OutboundContext {
  /** the hub's id of the agency being delivered to (from the hub config) */
  agencyId: string
  /** that agency's QCVN 102:2016 code, when configured */
  agencyCode?: string
  /** stable across retries of this delivery; also sent as the Idempotency-Key header */
  idempotencyKey: string
  /** the $id of the procedure's data schema (schemas/procedures/): tells the adapter which kind of dossier it maps */
  dataSchema: string
  step: StepContext
  /** the province pays the postage (postal.provincePaysPostage): the postal adapter carries it in every request */
  provincePaysPostage?: boolean
}

export interface InboundContext {
  /** the hub's id of the agency whose software submitted the payload: becomes source.system */
  agencyId: string
}

/** What to send. The hub adds Content-Type, Idempotency-Key and its own headers. */
export interface OutboundRequest {
  method: 'POST' | 'PUT'
  /** appended to the agency's configured endpoint; omit to use the endpoint as it is */
  path?: string
  headers?: Record<string, string>
  /** serialized as JSON */
  body: unknown
}

/** The agency's answer to a delivery, as far as the adapter needs it. */
export interface AgencyResponse {
  status: number
  /** parsed JSON, or the text when the answer was not JSON, or undefined when empty */
  body: unknown
}

/**
 * What `status` returns: the canonical report, plus the dossier code when the native format
 * carries one (the hub checks it against the dossier the report was posted to).
 */
export interface MappedStatus {
  report: StatusReport
  dossierCode?: string
  /**
   * the step the report is about, when the native format names it (it echoes the step id the
   * delivery carried): needed when one agency handles several steps of a dossier
   */
  step?: string
}

/** JSON Schemas of the agency's native formats, by role. */
export interface NativeSchemas {
  /** what the agency's software submits to the hub (inbound) */
  submission?: object
  /** what the hub sends to the agency (outbound) */
  request: object
  /** what the agency reports as progress (status) */
  status?: object
  /** what the hub sends to tell the agency a dossier it holds was withdrawn (withdrawal) */
  withdrawal?: object
  /** what the hub sends when the applicant supplies the papers the agency asked for (supplement) */
  supplement?: object
  /** what the hub sends when the applicant paid online what the agency asked for (payment) */
  payment?: object
  /** what the hub sends to ask the post office to collect a dossier's papers (pickup) */
  pickup?: object
  /** what the post office reports about a collection (pickupStatus) */
  pickupStatus?: object
}

/**
 * Yêu cầu thu gom hồ sơ — the hub asks the post office to collect a dossier's papers at the
 * applicant's address and hand them to the one-stop desk (Decision 45/2016/QĐ-TTg).
 */
export interface PickupOrder {
  dossierCode: string
  procedureName: string
  /** the one-stop desk that receives the papers */
  desk: { code: string, name?: string }
  contactName: string
  phone: string
  address: { provinceCode: string, districtCode?: string, wardCode: string, line: string, fullText?: string }
  preferredDate?: string
  note?: string
  provincePaysPostage: boolean
}

/** What the post office reports about a collection, read: collected, handed over to the desk, or not collected. */
export interface PickupUpdate {
  event: 'collected' | 'handed-over' | 'failed'
  dossierCode: string
  itemCode: string
  /** ISO 8601, Vietnam time */
  at: string
  postage?: number
  note: string
}

/**
 * Hồ sơ bổ sung — the applicant supplied what the agency asked for (its step was
 * supplement-requested); the portal forwarded the papers and the hub carries them to the agency.
 */
export interface SupplementNotice {
  dossierCode: string
  /** the step of the route that asked */
  step: string
  /** the agency's own reference for the dossier (its receipt number), when it gave one */
  agencyReference?: string
  /** 1 for the dossier's first supplement, then 2, 3… */
  sequence: number
  /** the papers, canonical attachments (schemas/attachment.schema.json): by url, or inline as base64 */
  attachments: Attachment[]
  /** the applicant's or the desk's note */
  note?: string
  /** when the applicant supplied them (ISO 8601 with offset, Vietnam time) */
  submittedAt: string
}

/**
 * Thông báo rút hồ sơ — the applicant withdrew the dossier (status 7): the hub tells every agency
 * that already holds it (its step was delivered) to stop work on it.
 */
export interface WithdrawalNotice {
  dossierCode: string
  /** the step of the route the agency holds */
  step: string
  /** the agency's own reference for the dossier (its receipt number), when it gave one */
  agencyReference?: string
  /** the applicant's reason, as the portal forwarded it */
  reason: string
  /** when the applicant withdrew (ISO 8601 with offset, Vietnam time) */
  withdrawnAt: string
}

/**
 * Thông báo đã nộp phí — the applicant paid online what the agency asked for (its step was
 * payment-requested); the hub tells the agency, with the platform's transaction and the
 * electronic receipt.
 */
export interface PaymentNotice {
  dossierCode: string
  step: string
  agencyReference?: string
  /** the hub's payment reference */
  reference: string
  /** the agency's notice number (số thông báo), when it gave one */
  noticeReference?: string
  /** đồng */
  amount: number
  lines: Array<{ code?: string, name: string, amount: number }>
  /** the payment platform (adapters/<provider>) */
  provider: string
  transactionNo?: string
  /** số biên lai điện tử */
  receiptNumber?: string
  paidAt: string
}

export interface AgencyAdapter<NativeSubmission = unknown, NativeRequest = unknown, NativeStatus = unknown> {
  /** folder name under adapters/, referenced by the hub config's `adapter` */
  readonly name: string
  readonly description: string
  readonly nativeSchemas: NativeSchemas
  /**
   * where, in a native submission, the fields the hub checks only once mapped come from (JSON
   * pointers into the native body, by canonical pointer): a problem with the dossier code or the
   * receipt time the desk gave points at the field the agency's software sent
   */
  readonly submissionPointers?: Readonly<Partial<Record<'/code' | '/receivedAt', string>>>
  /** native submission (already validated against nativeSchemas.submission) → canonical submission */
  inbound(native: NativeSubmission, context: InboundContext): DossierSubmission
  /** canonical dossier → the request the agency's system expects */
  outbound(dossier: DeliverableDossier, context: OutboundContext): OutboundRequest & { body: NativeRequest }
  /** native status report (already validated against nativeSchemas.status) → canonical report */
  status(native: NativeStatus): MappedStatus
  /** the agency's own reference (receipt number) from its answer to a delivery, when it gives one */
  receipt(response: AgencyResponse): string | undefined
  /**
   * the request that tells the agency a dossier it holds was withdrawn (checked against
   * nativeSchemas.withdrawal when the adapter has one); its Idempotency-Key is "<code>/<step>/withdrawal"
   */
  withdrawal(notice: WithdrawalNotice, context: OutboundContext): OutboundRequest
  /**
   * the request that carries the applicant's supplementary papers to the agency (checked against
   * nativeSchemas.supplement when the adapter has one); its Idempotency-Key is
   * "<code>/<step>/supplement-<sequence>". An agency that takes none throws AdapterMappingError.
   */
  supplement(notice: SupplementNotice, context: OutboundContext): OutboundRequest
  /**
   * the request that tells the agency the applicant paid online (checked against
   * nativeSchemas.payment when the adapter has one); its Idempotency-Key is
   * "<code>/<step>/payment-<reference>". An agency that never asks for payment throws AdapterMappingError.
   */
  payment(notice: PaymentNotice, context: OutboundContext): OutboundRequest
  /** the request that asks the post office to collect a dossier (checked against nativeSchemas.pickup); only a postal adapter has it */
  pickup?(order: PickupOrder, context: { agencyId: string, agencyCode?: string }): OutboundRequest
  /** the post office's report on a collection (already validated against nativeSchemas.pickupStatus), read */
  pickupStatus?(native: unknown): PickupUpdate
}

/** Thrown by an adapter when a dossier cannot be expressed in the agency's format: not retryable. */
export class AdapterMappingError extends Error {
  override name = 'AdapterMappingError'
}
