/**
 * Intake: receive a dossier once, give it its code, store it and queue its deliveries.
 *
 * Checks beyond the route's JSON Schema (which already rejected unknown properties, wrong types
 * and malformed identifiers): the procedure is in the catalogue, its `data` matches the
 * procedure's schema, the citizen ID agrees with the date of birth, inline attachments are within
 * the limit and match their declared size and SHA-256. Any failure → HubValidationError (400),
 * before anything touches Redis.
 *
 * Redis round trips for a new dossier: 2, whatever the number of agencies —
 *   1. EVALSHA intake.lua: receive-once lookup, day counter, dossier hash, indexes, outbox entries;
 *   2. the delivery jobs, one BullMQ add per agency, pipelined on one connection.
 * A repeated submission costs 1 (the script answers with the stored dossier's summary).
 * If step 2 fails, the dossier is safely stored and the outbox reconciler queues it (queues/reconciler.ts).
 */
import type { Logger } from 'pino'
import type { ValidateFunction } from 'ajv'
import type { DossierSubmission, DossierSummary } from '../types/schemas.generated.ts'
import type { ResolvedProcedure } from '../config/hub-config.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import { HubValidationError, IdempotencyConflictError, type FieldProblem } from '../errors.ts'
import { canonicalJson, sha256Hex } from '../domain/fingerprint.ts'
import { SEQUENCE_WIDTH, dossierCodePrefix } from '../domain/dossier-code.ts'
import { STATUS_ON_RECEIPT } from '../domain/status.ts'
import { toVietnamIso, vietnamYYMMDD } from '../domain/vietnam-time.ts'
import { citizenIdBirthYearMismatch } from '../domain/citizen-id.ts'
import { toFieldErrors } from '../validation/ajv.ts'

export interface IntakeServiceOptions {
  store: DossierStore
  /** queues the deliveries of a stored dossier */
  enqueue: (code: string, agencies: readonly string[]) => Promise<void>
  procedures: ReadonlyMap<string, ResolvedProcedure>
  /** compiled `data` schemas by $id */
  dataValidators: ReadonlyMap<string, ValidateFunction>
  inlineAttachmentLimit: number
  log: Logger
  now?: () => Date
}

export interface IntakeOutcome {
  created: boolean
  summary: DossierSummary
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/

/** The Idempotency-Key header, as a plain token or as a structured-field string ("…"). */
export function parseIdempotencyKey (header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  const raw = (Array.isArray(header) ? header.join(',') : header).trim()
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new HubValidationError([{ header: 'Idempotency-Key', detail: 'must be 1 to 255 visible ASCII characters (e.g. a UUID)' }])
  }
  return key
}

export class IntakeService {
  readonly #o: Required<IntakeServiceOptions>

  constructor (options: IntakeServiceOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  /** Problems the JSON Schema cannot see; empty when the submission is acceptable. */
  check (submission: DossierSubmission): { problems: FieldProblem[], procedure?: ResolvedProcedure } {
    const problems: FieldProblem[] = []
    const procedure = this.#o.procedures.get(submission.procedure.code)
    if (procedure === undefined) {
      problems.push({ pointer: '#/procedure/code', detail: `is not a procedure this hub handles; the catalogue has: ${[...this.#o.procedures.keys()].join(', ')}` })
    } else {
      const validateData = this.#o.dataValidators.get(procedure.dataSchema)
      if (validateData !== undefined && !validateData(submission.data)) {
        for (const f of toFieldErrors(validateData.errors, '/data')) problems.push({ pointer: `#${f.pointer}`, detail: f.detail })
      }
    }
    const { identity, dateOfBirth } = submission.applicant
    if (identity.type === 'citizen-id' && dateOfBirth !== undefined) {
      const mismatch = citizenIdBirthYearMismatch(identity.number, dateOfBirth)
      if (mismatch !== undefined) problems.push({ pointer: '#/applicant/identity/number', detail: mismatch })
    }
    submission.attachments?.forEach((a, i) => {
      if (a.contentBase64 === undefined) return
      const at = `#/attachments/${i}`
      const bytes = Buffer.from(a.contentBase64, 'base64')
      if (bytes.length > this.#o.inlineAttachmentLimit) {
        problems.push({ pointer: `${at}/contentBase64`, detail: `is ${bytes.length} bytes; inline attachments may have at most ${this.#o.inlineAttachmentLimit} (INLINE_ATTACHMENT_LIMIT): send it by url` })
        return
      }
      if (bytes.length !== a.byteSize) problems.push({ pointer: `${at}/byteSize`, detail: `says ${a.byteSize} bytes, but contentBase64 holds ${bytes.length}` })
      if (sha256Hex(bytes) !== a.sha256) problems.push({ pointer: `${at}/sha256`, detail: 'does not match the SHA-256 of contentBase64' })
    })
    return { problems, ...(procedure !== undefined && { procedure }) }
  }

  async submit (submission: DossierSubmission, idempotencyKey?: string): Promise<IntakeOutcome> {
    const { problems, procedure } = this.check(submission)
    if (problems.length > 0 || procedure === undefined) throw new HubValidationError(problems)
    const doc = canonicalJson(submission)
    const received = this.#o.now()
    const receivingAgencyCode = submission.procedure.receivingAgency.code
    const result = await this.#o.store.intake({
      ...(idempotencyKey !== undefined && { idempotencyKey }),
      source: submission.source,
      fingerprint: sha256Hex(doc),
      codePrefix: dossierCodePrefix(receivingAgencyCode, received),
      sequenceWidth: SEQUENCE_WIDTH,
      receivingAgencyCode,
      yymmdd: vietnamYYMMDD(received),
      doc,
      receivedAt: toVietnamIso(received),
      receivedAtMs: received.getTime(),
      status: STATUS_ON_RECEIPT,
      procedureCode: procedure.code,
      procedureName: submission.procedure.name,
      agencies: procedure.agencies
    })
    if (result.outcome === 'conflict') throw new IdempotencyConflictError(result.code)
    if (result.outcome === 'duplicate') return { created: false, summary: result.summary }
    const { code } = result.summary
    try {
      await this.#o.enqueue(code, procedure.agencies)
    } catch (err) {
      this.#o.log.warn({ err, dossier: code }, 'dossier stored but its deliveries could not be queued now; the outbox reconciler will queue them')
    }
    return { created: true, summary: result.summary }
  }
}
