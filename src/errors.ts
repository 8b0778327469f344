/**
 * The hub's errors, with stable codes (HUB_ERR_*). Each becomes an RFC 9457 problem document
 * (http/problem.ts). `problemType` slugs are listed in the README.
 */
import createError from '@fastify/error'
import type { FieldProblem } from './types/schemas.generated.ts'

export type { FieldProblem }

export const DossierNotFoundError = createError<'HUB_ERR_DOSSIER_NOT_FOUND', 404, [string]>('HUB_ERR_DOSSIER_NOT_FOUND', 'No dossier has the code %s', 404)
export const RouteNotFoundError = createError<'HUB_ERR_ROUTE_NOT_FOUND', 404, [string, string]>('HUB_ERR_ROUTE_NOT_FOUND', 'No route %s %s: see /docs for the API', 404)
const ConflictBase = createError<'HUB_ERR_IDEMPOTENCY_CONFLICT', 409, [string]>(
  'HUB_ERR_IDEMPOTENCY_CONFLICT',
  'This Idempotency-Key or source reference was already used for dossier %s with different content; send the same content to get that dossier back, or use a new key and source reference for a new submission',
  409
)

/**
 * A repeated key or source reference with other content. Names the dossier it belongs to: only
 * ever one the client may see (the intake lookups pass over the others, hub_intake in store/migrations/0002_dossier_store.sql).
 */
export class IdempotencyConflictError extends ConflictBase {
  readonly dossierCode: string
  constructor (code: string) {
    super(code)
    this.dossierCode = code
  }
}

/** A submission carries a dossier code (the receiving system's) that another dossier holds. */
export const DossierCodeTakenError = createError<'HUB_ERR_DOSSIER_CODE_TAKEN', 409, [string]>('HUB_ERR_DOSSIER_CODE_TAKEN', 'The dossier code %s is held by another dossier: a code is given once (mã hồ sơ, Circular 01/2018/TT-VPCP Art. 19, whose format the hub keeps; Circular 03/2025/TT-VPCP replaced it, its article not verified: the receiving agency\'s sequence number of the day); nothing was stored', 409)
export const CheckpointNotFoundError = createError<'HUB_ERR_CHECKPOINT_NOT_FOUND', 404, [string]>('HUB_ERR_CHECKPOINT_NOT_FOUND', 'The hub keeps no audit checkpoint of %s; GET /v1/audit/checkpoints lists the ones it keeps', 404)
/** A write through the queue console, which is read-only. */
export const ReadOnlyConsoleError = createError<'HUB_ERR_READ_ONLY_CONSOLE', 405, [string, string]>('HUB_ERR_READ_ONLY_CONSOLE', 'The queue console is read-only (%s %s): retry or discard deliveries through the admin API (/v1/admin), where each action is audited', 405)
export const AgencyNotFoundError = createError<'HUB_ERR_AGENCY_NOT_FOUND', 404, [string, string]>('HUB_ERR_AGENCY_NOT_FOUND', 'No agency has the id %s; the agencies are: %s', 404)
/**
 * A report on a step that is not the reporting agency's: another agency's step of a dossier routed
 * to it, or (an administrator reporting in an agency's name) a dossier not routed to that agency.
 * Never the answer to an agency client about a dossier not routed to it: to that client the dossier
 * does not exist (DossierNotFoundError), so that no answer tells that it does.
 */
export const NotRoutedError = createError<'HUB_ERR_NOT_ROUTED', 403, [string]>('HUB_ERR_NOT_ROUTED', '%s: an agency may only report on its own steps', 403)
export const EventConflictError = createError<'HUB_ERR_EVENT_CONFLICT', 409, [string, string]>(
  'HUB_ERR_EVENT_CONFLICT',
  'Event id %s was already used for dossier %s with different content; send a new event id for a new report',
  409
)
export const BusyError = createError<'HUB_ERR_BUSY', 503, [string]>('HUB_ERR_BUSY', 'Dossier %s is being changed by many reports at once; retry shortly', 503)
/** The delivery queues are in Redis, and this process is not connected to it now. */
export const QueuesUnavailableError = createError<'HUB_ERR_UNAVAILABLE', 503, [string]>('HUB_ERR_UNAVAILABLE', 'The delivery queues are in Redis, which this process cannot reach now (%s); the dossiers and their outbox are safe in the record; retry shortly', 503)

export const UnauthenticatedError = createError<'HUB_ERR_UNAUTHENTICATED', 401, [string]>('HUB_ERR_UNAUTHENTICATED', 'Authentication needed: %s; ask the hub\'s administrators for a key', 401)
export const ForbiddenError = createError<'HUB_ERR_FORBIDDEN', 403, [string, string, string]>('HUB_ERR_FORBIDDEN', 'Client %s (role %s) may not do this; it needs one of the roles: %s', 403)
/** An agency client acting for another agency. */
export const WrongAgencyError = createError<'HUB_ERR_WRONG_AGENCY', 403, [string, string, string]>('HUB_ERR_WRONG_AGENCY', 'Client %s speaks for agency %s, not for %s', 403)

export const RateLimitedError = createError<'HUB_ERR_RATE_LIMITED', 429, [number, number]>('HUB_ERR_RATE_LIMITED', 'Too many requests: this client may make %d per window; retry in %d s', 429)

const ValidationBase = createError<'HUB_ERR_VALIDATION', 400, [string]>('HUB_ERR_VALIDATION', '%s', 400)

/** Bad input: every offending field with the reason. Nothing was stored. */
export class HubValidationError extends ValidationBase {
  readonly errors: FieldProblem[]
  constructor (errors: FieldProblem[], summary = `The request has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}; nothing was stored`) {
    super(summary)
    this.errors = errors
  }
}

/** Problem "type" URIs by slug. */
export const problemType = (slug: string): string => `urn:lienthong-hub:problem:${slug}`

const TransitionBase = createError<'HUB_ERR_ILLEGAL_TRANSITION', 409, [string, string]>('HUB_ERR_ILLEGAL_TRANSITION', 'Dossier %s: %s; nothing was changed', 409)

/** A status change the lifecycle table does not allow (domain/lifecycle.ts TRANSITIONS). */
export class IllegalTransitionError extends TransitionBase {
  readonly from: string
  readonly to: string
  constructor (code: string, from: string, to: string, detail: string) {
    super(code, detail)
    this.from = from
    this.to = to
  }
}

/** A statistics request an agency client may not make (it would count other agencies' dossiers). */
export const StatsScopeError = createError<'HUB_ERR_STATS_SCOPE', 403, [string]>('HUB_ERR_STATS_SCOPE', 'An agency sees the figures of its own dossiers only: %s', 403)

export const NoSubscribersError = createError<'HUB_ERR_NO_SUBSCRIBERS', 404, []>('HUB_ERR_NO_SUBSCRIBERS', 'No webhook subscriber is configured, so there is no webhook queue', 404)

export const NoSupplementRequestedError = createError<'HUB_ERR_NO_SUPPLEMENT_REQUESTED', 409, [string, string, string]>(
  'HUB_ERR_NO_SUPPLEMENT_REQUESTED',
  'Dossier %s is %s (%s): no agency is waiting for supplementary papers; nothing was changed',
  409
)
export const SupplementConflictError = createError<'HUB_ERR_SUPPLEMENT_CONFLICT', 409, [string, string]>(
  'HUB_ERR_SUPPLEMENT_CONFLICT',
  'Supplement id %s was already used for dossier %s with different papers; send a new id for a new supplement',
  409
)

// ---------------------------------------------------------------- payments (thanh toán trực tuyến)
export const PaymentProviderError = createError<'HUB_ERR_PAYMENT_PROVIDER', 404, [string, string]>('HUB_ERR_PAYMENT_PROVIDER', 'The hub takes no payment results from %s; its payment platform is: %s', 404)
export const PaymentSignatureError = createError<'HUB_ERR_PAYMENT_SIGNATURE', 401, [string]>('HUB_ERR_PAYMENT_SIGNATURE', 'The payment result is not signed by the payment platform (%s); nothing was changed', 401)
export const PaymentMerchantError = createError<'HUB_ERR_PAYMENT_MERCHANT', 400, [string, string]>('HUB_ERR_PAYMENT_MERCHANT', 'The payment result is for merchant %s, not for this hub (%s); nothing was changed', 400)
export const PaymentNotFoundError = createError<'HUB_ERR_PAYMENT_NOT_FOUND', 404, [string]>('HUB_ERR_PAYMENT_NOT_FOUND', 'No payment has the reference %s; nothing was changed', 404)
export const PaymentAmountError = createError<'HUB_ERR_PAYMENT_AMOUNT', 400, [string, string]>('HUB_ERR_PAYMENT_AMOUNT', 'Payment %s: %s; nothing was changed', 400)
export const PaymentConflictError = createError<'HUB_ERR_PAYMENT_CONFLICT', 409, [string, string]>('HUB_ERR_PAYMENT_CONFLICT', 'Payment %s: %s', 409)
export const PickupNotFoundError = createError<'HUB_ERR_PICKUP_NOT_FOUND', 404, [string]>('HUB_ERR_PICKUP_NOT_FOUND', 'Dossier %s has no postal pickup; nothing was changed', 404)
export const NoticeNotFoundError = createError<'HUB_ERR_NOTICE_NOT_FOUND', 404, [string]>('HUB_ERR_NOTICE_NOT_FOUND', 'No notice %s; nothing was changed', 404)
export const PickupsNotConfiguredError = createError<'HUB_ERR_PICKUPS_NOT_CONFIGURED', 404, []>('HUB_ERR_PICKUPS_NOT_CONFIGURED', 'No postal agency collects dossiers (pickupAgency in the hub config)', 404)
export const NoticesNotConfiguredError = createError<'HUB_ERR_NOTICES_NOT_CONFIGURED', 404, []>('HUB_ERR_NOTICES_NOT_CONFIGURED', 'No notices to applicants are configured (notices in the hub config)', 404)
export const PaymentsNotConfiguredError = createError<'HUB_ERR_PAYMENTS_NOT_CONFIGURED', 404, []>('HUB_ERR_PAYMENTS_NOT_CONFIGURED', 'No payment platform is configured (payments in the hub config)', 404)
/**
 * Once-only: a component that names a stored document (reuse) which cannot be reused for this
 * dossier — another holder's, not valid at receipt (expired, revoked, not yet issued), without the
 * applicant's consent, unknown. `errors` names each component and why; nothing was stored.
 */
export class ReuseRefusedError extends HubValidationError {
  constructor (errors: FieldProblem[], summary: string) {
    super(errors, summary)
    ;(this as { code: string }).code = 'HUB_ERR_REUSE_REFUSED'
  }
}
export const DocumentNotFoundError = createError<'HUB_ERR_DOCUMENT_NOT_FOUND', 404, [string]>('HUB_ERR_DOCUMENT_NOT_FOUND', 'No document has the id %s', 404)
/** Only the agency that issued (or digitised) a document may revoke it. */
/** The national personal data store did not answer as it should. */
export const NationalStoreUnavailableError = createError<'HUB_ERR_NATIONAL_STORE_UNAVAILABLE', 503, [string]>('HUB_ERR_NATIONAL_STORE_UNAVAILABLE', 'The national personal data store on DVCQG could not be asked now (%s); nothing was stored; retry shortly', 503)
/** Once-only: a reused document whose size the hub does not know, and whose file it cannot read now to learn it. */
export const DocumentFileUnavailableError = createError<'HUB_ERR_DOCUMENT_FILE_UNAVAILABLE', 503, [string, string]>('HUB_ERR_DOCUMENT_FILE_UNAVAILABLE', 'The file of document %s cannot be read now to learn its size (%s); nothing was stored; retry shortly', 503)
/** A document's content asked of the hub, which keeps no file for it (it is registered by address). */
export const DocumentContentNotFoundError = createError<'HUB_ERR_DOCUMENT_CONTENT_NOT_FOUND', 404, [string]>('HUB_ERR_DOCUMENT_CONTENT_NOT_FOUND', 'The hub keeps no file for document %s (it is registered by its address: url, or its file has not been uploaded yet)', 404)
/** A file sent for a document that has one already (registered by address, or uploaded before with other bytes): a document's file never changes. */
export const DocumentContentFixedError = createError<'HUB_ERR_DOCUMENT_CONTENT_FIXED', 409, [string]>('HUB_ERR_DOCUMENT_CONTENT_FIXED', 'Document %s is not waiting for its file: it was registered by its address, or its file was uploaded already; a document\'s file never changes (register a new document instead)', 409)
/** A body that is not the raw file an upload takes. */
export const UploadMediaTypeError = createError<'HUB_ERR_UNSUPPORTED_MEDIA_TYPE', 415, []>('HUB_ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the file itself as application/octet-stream (its bytes, not JSON or base64)', 415)
