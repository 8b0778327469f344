/**
 * Intake: receive a dossier once, give it its code, store it and queue its deliveries.
 *
 * Checks beyond the route's JSON Schema (which already rejected unknown properties, wrong types
 * and malformed identifiers): the procedure is in the catalogue, its `data` matches the
 * procedure's schema, the citizen ID agrees with the date of birth, inline attachments are within
 * the limit and match their declared size and SHA-256; a native submission's source system is the
 * submitting agency's id and its procedure is routed to that agency. Any failure →
 * HubValidationError (400), before anything is stored.
 *
 * What a native submission may learn: it is received once as the agency it is for, which knows
 * only the dossiers routed to it. A key, reference, origin or content that leads to any other
 * dossier is passed over as if that dossier did not exist (hub_intake in
 * store/migrations/0002_dossier_store.sql says how, path by path): no summary, no 409 naming it,
 * nothing bound to it.
 *
 * Round trips for a new dossier: 2, whatever the number of agencies —
 *   1. PostgreSQL, one statement (hub_intake), one transaction committed before the answer:
 *      receive-once lookups and claims, the day counter, the dossier, its steps, the receipt's
 *      history entry, the webhook notification, the outbox rows of its deliveries (the intakes of
 *      one turn of the event loop share statements and commits: DossierStore.intake);
 *   2. Redis: the delivery jobs (one BullMQ add per step) and the notification's jobs (one per
 *      subscriber), added together on one auto-pipelined connection, once the answer is on its way:
 *      the answer waits for the commit (what it promises), not for Redis (`handOffs`).
 * A repeated submission costs 1 (the function answers with the stored dossier's summary).
 * If step 2 fails, the dossier is safely stored and the outbox relay queues it (queues/reconciler.ts).
 */
import type { Logger } from 'pino'
import type { ValidateFunction } from 'ajv'
import type { DossierSubmission, DossierSummary } from '../types/schemas.generated.ts'
import type { ResolvedAgency, ResolvedProcedure } from '../config/hub-config.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { Delivery } from '../queues/delivery-queues.ts'
import { GatewayRefusal, type AdapterGateway } from '../gateway/adapter-gateway.ts'
import { AgencyNotFoundError, DossierCodeTakenError, HubValidationError, IdempotencyConflictError, ReuseRefusedError, type FieldProblem } from '../errors.ts'
import { RETURN_STEP, initialRouting, stepsToDeliver, type StepPlan } from '../domain/routing.ts'
import type { WorkingCalendar } from '../domain/calendar.ts'
import { dueAtReceipt, isPaper, type DossierHead, type LifecycleFacts } from '../domain/lifecycle.ts'
import { notificationBody, type HistoryActor as Actor } from '../domain/notification.ts'
import type { HistoryEntry } from '../types/schemas.generated.ts'
import { canonicalJson, sha256Hex } from '../domain/fingerprint.ts'
import { reuseLogOf } from '../domain/once-only.ts'
import { SEQUENCE_WIDTH, dossierCodePrefix, givenCodeProblem } from '../domain/dossier-code.ts'
import { receivedAtProblem } from '../domain/receipt.ts'
import { STATUS_ON_RECEIPT } from '../domain/status.ts'
import { toVietnamIso, vietnamYYMMDD } from '../domain/vietnam-time.ts'
import { citizenIdBirthYearMismatch } from '../domain/citizen-id.ts'
import { toFieldErrors } from '../validation/ajv.ts'
import { attachmentProblems } from '../validation/attachments.ts'
import { normalizeIdentifier, normalizeSource, sourceProblems } from '../domain/identifiers.ts'
import { legacyIdProblem, levelProblem } from '../domain/reform-2025.ts'
import type { DocumentService } from './document-service.ts'
import { PLACE_POINTERS, assignCompetent, competentAgency, placeCommune, type CompetenceTable } from '../domain/competence.ts'

export interface IntakeServiceOptions {
  store: DossierStore
  /** queues deliveries of a stored dossier */
  enqueue: (code: string, deliveries: readonly Delivery[]) => Promise<void>
  procedures: ReadonlyMap<string, ResolvedProcedure>
  agencies: ReadonlyMap<string, ResolvedAgency>
  /** the adapters' gateways (validate → map → validate), by adapter name */
  gateways: ReadonlyMap<string, AdapterGateway>
  /** see HubSettings.duplicateWindowMs */
  duplicateWindowMs: number
  /** see HubSettings.receivedAtMaxAgeMs */
  receivedAtMaxAgeMs: number
  /** compiled `data` schemas by $id */
  dataValidators: ReadonlyMap<string, ValidateFunction>
  inlineAttachmentLimit: number
  calendar: WorkingCalendar
  /** the agency that returns results by post (the route's last step when the applicant chose it) */
  postalAgency?: string
  /** which instance of an agency handles a dossier, by the commune of its place (boundary-free receipt) */
  competence?: ReadonlyMap<string, CompetenceTable>
  /** the agency that collects dossiers by post (a submission with pickup), when configured */
  pickupAgency?: string
  /** after a dossier to be collected by post is stored: the pickup service sends the request (errors logged; its relay repairs) */
  onPickupRequested?: (code: string) => Promise<unknown>
  /** queues the webhook notification number `sequence` of a dossier; undefined: no subscribers */
  notify?: (code: string, sequence: number) => Promise<void>
  /** queues the DVCQG sync job of a committed change (message `upTo`; absent: no national portal configured) */
  syncNational?: (code: string, upTo: number) => Promise<void>
  /** once-only: resolves components that name a stored document (reuse); undefined: reuse is refused */
  documents?: DocumentService
  log: Logger
  now?: () => Date
}

export interface IntakeOutcome {
  created: boolean
  summary: DossierSummary
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/

/** What the record is asked to know a repeat by: the receive-once lookup of the submission it repeats. */
interface RepeatLookup { idempotencyKey?: string, source: { system: string, reference: string }, fingerprint: string }

/** How many submissions a process remembers by their bytes (about 200 B each). */
export const REPEATS_KEPT = 10_000

/**
 * A problem of a submission as its sender sees it: a canonical one as it is; one of a native
 * submission, found once mapped, points at the native field it came from when the adapter names
 * it (the desk's code, its receipt time), else at the body, naming the canonical field.
 */
function mappedProblem (p: FieldProblem, origin: { heldBy?: string, nativePointer?: (canonical: string) => string | undefined }): FieldProblem {
  if (origin.heldBy === undefined) return p
  const canonical = (p.pointer ?? '#').slice(1)
  const native = origin.nativePointer?.(p.pointer ?? '#')
  return native !== undefined
    ? { pointer: native, detail: `(the dossier's ${canonical.slice(1)}) ${p.detail}` }
    : { pointer: '#', detail: `once mapped to the canonical dossier, ${canonical} ${p.detail}` }
}

/**
 * What makes two submissions from different systems one dossier: the procedure, the applicant's
 * identity and the procedure data. Not the source, channel, attachments' addresses or timestamps,
 * which differ by the way a dossier travels.
 */
export function contentFingerprint (s: DossierSubmission): string {
  return sha256Hex(canonicalJson({ procedure: s.procedure.code, identity: s.applicant.identity, data: s.data }))
}

/** The Idempotency-Key header, as a plain token or as a structured-field string ("…"). */
export function parseIdempotencyKey (header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  const raw = normalizeIdentifier(Array.isArray(header) ? header.join(',') : header)
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new HubValidationError([{ header: 'Idempotency-Key', detail: 'must be 1 to 255 visible ASCII characters (e.g. a UUID)' }])
  }
  return key
}

export class IntakeService {
  readonly #o: Required<Omit<IntakeServiceOptions, 'postalAgency' | 'notify' | 'syncNational' | 'pickupAgency' | 'onPickupRequested' | 'documents'>> & Pick<IntakeServiceOptions, 'postalAgency' | 'notify' | 'syncNational' | 'pickupAgency' | 'onPickupRequested' | 'documents'>

  /**
   * Submissions received (stored or answered as repeats) by their bytes: the sender, its
   * Idempotency-Key and the SHA-256 of the body as it arrived, oldest first. The same bytes again
   * are the same submission (every check and normalization of the first gives the same result), so
   * a repeat is answered from the record's receive-once lookup alone (`repeat`); the record stays
   * the judge: a dossier gone from it (retention) is not answered from here.
   */
  readonly #repeats = new Map<string, RepeatLookup>()

  /** hand-offs of committed dossiers' jobs to Redis still going on (the answers did not wait for them) */
  readonly #handOffs = new Set<Promise<unknown>>()

  constructor (options: IntakeServiceOptions) {
    this.#o = { now: () => new Date(), competence: new Map(), ...options }
  }

  #remember (bytes: string | undefined, lookup: RepeatLookup): void {
    if (bytes === undefined) return
    this.#repeats.delete(bytes)
    if (this.#repeats.size >= REPEATS_KEPT) this.#repeats.delete(this.#repeats.keys().next().value as string)
    this.#repeats.set(bytes, lookup)
  }

  /**
   * Resolves once every hand-off to Redis started so far has ended, queued or given up (each ends
   * within the runtime's hand-off time and logs a failure; the outbox relay queues what it left): a
   * closing hub waits for them before it closes Redis.
   */
  async handOffs (): Promise<void> {
    await Promise.all(this.#handOffs)
  }

  /** Whether `bytes` are a submission this process received before (repeat may answer them). */
  knows (bytes: string): boolean {
    return this.#repeats.has(bytes)
  }

  /**
   * The answer to a submission whose bytes (`bytes`: sender, key and body digest, as the route
   * makes it) this process received before: the dossier they created, as its summary is now;
   * undefined when they are new here or the record no longer answers them as a repeat (then the
   * submission goes the whole way, `submit`). One read of the record, nothing validated again.
   */
  async repeat (bytes: string): Promise<IntakeOutcome | undefined> {
    const lookup = this.#repeats.get(bytes)
    if (lookup === undefined) return undefined
    const prior = await this.#o.store.prior(lookup)
    if (prior?.outcome !== 'duplicate') {
      this.#repeats.delete(bytes)
      return undefined
    }
    return { created: false, summary: prior.summary }
  }

  /**
   * The route's steps, each with the agency instance competent for the dossier's place (the
   * receiving desk does not decide it: boundary-free receipt); a postal result return adds the
   * postal service's step at the end.
   */
  #steps (procedure: ResolvedProcedure, submission: DossierSubmission): readonly StepPlan[] {
    const steps = assignCompetent(procedure.steps, this.#o.competence, submission)
    const postal = this.#o.postalAgency
    if (submission.resultReturn.method !== 'postal' || postal === undefined) return steps
    const last = Math.max(0, ...steps.map((s) => s.stage))
    return [...steps, { id: RETURN_STEP, agency: postal, stage: last + 1, task: 'Trả kết quả qua dịch vụ bưu chính công ích', required: false, lead: false }]
  }

  /**
   * Why a dossier of `procedure` is not `agency`'s to submit when `agency` is one of the instances
   * of an agency the place decides (the base one or a branch) but not the competent one; undefined
   * when no competence table is involved.
   */
  #notCompetent (procedure: ResolvedProcedure, submission: DossierSubmission, agency: string): string | undefined {
    for (const step of procedure.steps) {
      const table = this.#o.competence.get(step.agency)
      if (table === undefined || (step.agency !== agency && ![...table.communes.values()].includes(agency))) continue
      const commune = placeCommune(submission, table.place)
      const picked = competentAgency(step.agency, this.#o.competence, submission).agency
      return `once mapped to the canonical dossier, ${PLACE_POINTERS[table.place]} is ${commune === undefined ? 'absent' : commune}, so the dossier is handled by ${picked}, not ${agency}: the province assigns ${step.agency}'s dossiers by the commune of the ${table.place === 'parcel' ? 'land parcel' : 'applicant\'s address'} (competence table of ${step.agency}; receipt regardless of administrative boundary, Decree 118/2025/NĐ-CP)`
    }
    return undefined
  }

  /**
   * Problems the JSON Schema cannot see; empty when the submission is acceptable. `received` is the
   * receipt time: rules that changed on a date (the two-level government, the CMND) apply to the
   * dossiers received from that date.
   */
  check (submission: DossierSubmission, received: Date): { problems: FieldProblem[], procedure?: ResolvedProcedure } {
    const problems: FieldProblem[] = sourceProblems(submission.source)
    if (submission.code !== undefined) {
      const code = givenCodeProblem(submission.code, submission.procedure.receivingAgency.code, received)
      if (code !== undefined) problems.push({ pointer: '#/code', detail: code })
    }
    const level = levelProblem(submission.procedure.level, received)
    if (level !== undefined) problems.push({ pointer: '#/procedure/level', detail: level })
    if (submission.applicant.identity.type === 'legacy-id') {
      const legacy = legacyIdProblem(received)
      if (legacy !== undefined) problems.push({ pointer: '#/applicant/identity/type', detail: legacy })
    }
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
    problems.push(...attachmentProblems(submission.attachments, this.#o.inlineAttachmentLimit))
    if (procedure !== undefined) problems.push(...this.#postalProblems(submission, procedure))
    return { problems, ...(procedure !== undefined && { procedure }) }
  }

  /**
   * Postal intake and return (bưu chính công ích, Decision 45/2016/QĐ-TTg) are refused for the
   * procedures the config says do not allow them (procedures.<code>.postal.intake / .return false;
   * a procedure that says nothing allows both, as before); a pickup only with the postal channel and
   * a postal agency to collect it.
   */
  #postalProblems (submission: DossierSubmission, procedure: ResolvedProcedure): FieldProblem[] {
    const problems: FieldProblem[] = []
    const name = `${procedure.code} (${procedure.name})`
    if (submission.channel === 'postal' && procedure.postal?.intake === false) {
      problems.push({ pointer: '#/channel', detail: `procedure ${name} is not listed for postal intake (tiếp nhận hồ sơ qua bưu chính công ích); submit it at the counter or online` })
    }
    if (submission.resultReturn.method === 'postal' && procedure.postal?.return === false) {
      problems.push({ pointer: '#/resultReturn/method', detail: `procedure ${name} is not listed for postal return (trả kết quả qua bưu chính công ích); choose counter or online` })
    }
    if (submission.pickup !== undefined) {
      if (submission.channel !== 'postal') problems.push({ pointer: '#/pickup', detail: `a pickup by the post office is a postal intake: channel must be postal, not ${submission.channel}` })
      if (this.#o.pickupAgency === undefined) problems.push({ pointer: '#/pickup', detail: 'this hub has no postal service to collect dossiers (postal in the hub config)' })
      if (submission.receivedAt !== undefined) problems.push({ pointer: '#/receivedAt', detail: 'a dossier the post office is to collect has no receipt time yet: the collection gives it' })
    }
    return problems
  }

  /**
   * An agency's software submits a dossier in its native format: validated against the adapter's
   * submission schema (problems point into the native body), mapped to the canonical submission
   * (checked again, like a portal submission), then received once like any other. The submitting
   * agency's steps of the first stage count as delivered: it holds the dossier already.
   */
  async submitNative (agencyId: string, native: unknown, idempotencyKey?: string): Promise<IntakeOutcome> {
    const agency = this.#o.agencies.get(agencyId)
    if (agency === undefined) throw new AgencyNotFoundError(agencyId, [...this.#o.agencies.keys()].join(', '))
    const gateway = this.#o.gateways.get(agency.adapter)
    if (gateway?.takesSubmissions !== true) {
      throw new HubValidationError([{ pointer: '#', detail: `agency ${agencyId} (adapter ${agency.adapter}) has no native submission format; submit canonical dossiers to /v1/dossiers` }])
    }
    let submission: DossierSubmission
    try {
      submission = gateway.inbound(native, { agencyId })
    } catch (err) {
      if (err instanceof GatewayRefusal) throw new HubValidationError(err.problems, err.title)
      throw err
    }
    // An agency's references are its own: a native submission's source system is the agency's id
    // (the adapters set it so; the generic format carries it as sent). Another system's reference
    // — the portal's — goes in source.origin, where it is looked up as this agency may see it
    // (hub_intake), never as the submission's own: that would let one agency's software
    // bind, or learn of, a reference the portal or another agency holds.
    if (submission.source.system !== agencyId) {
      throw new HubValidationError([{ pointer: '#', detail: `once mapped to the canonical dossier, /source/system must be ${agencyId}, the submitting agency's id (it is ${JSON.stringify(submission.source.system)}); name another system's reference in source.origin` }],
        `The ${gateway.name} submission names another system as its source; nothing was stored`)
    }
    return await this.submit(submission, idempotencyKey, { heldBy: agencyId, nativePointer: (p) => gateway.submissionPointer(p) })
  }

  /**
   * `origin.client`: who submits (the documents' access log names it when the dossier reuses
   * documents); `origin.bytes`: the submission's bytes as `repeat` knows them (a canonical
   * submission from the API), remembered once it is stored or answered as a repeat.
   */
  async submit (submission: DossierSubmission, idempotencyKey?: string, origin: { heldBy?: string, actor?: Actor, client?: { id: string, role: string }, nativePointer?: (canonical: string) => string | undefined, bytes?: string } = {}): Promise<IntakeOutcome> {
    // references that differ only by invisible characters, spacing or width are one (before any fingerprint)
    const source = normalizeSource(submission.source)
    if (source !== submission.source) submission = { ...submission, source }
    // the receipt time: the one the receiving system stamped, else the hub's arrival
    const arrived = this.#o.now()
    let received = arrived
    if (submission.receivedAt !== undefined) {
      received = new Date(submission.receivedAt)
      const problem = receivedAtProblem(received, new Date(submission.submittedAt), arrived, this.#o.receivedAtMaxAgeMs)
      if (problem !== undefined) throw new HubValidationError([mappedProblem({ pointer: '#/receivedAt', detail: problem }, origin)])
    }
    const { problems, procedure } = this.check(submission, received)
    if (problems.length > 0 || procedure === undefined) {
      if (origin.heldBy !== undefined) throw new HubValidationError(problems.map((p) => mappedProblem(p, origin)))
      throw new HubValidationError(problems)
    }
    // once-only: components naming a stored document become its file reference, after the checks
    // (holder, validity at receipt, consent); a refusal names each component and stores nothing.
    // The fingerprint below covers the submission as sent: a repeat is the same content.
    const sent = submission
    let reused: Awaited<ReturnType<DocumentService['resolve']>>['reused'] = []
    if (this.#o.documents !== undefined) {
      try {
        ({ submission, reused } = await this.#o.documents.resolve(submission, received))
      } catch (err) {
        // a document valid when the dossier was received may be revoked or expired since: a repeat
        // of that submission is answered with its dossier, as any repeat is, not refused
        if (!(err instanceof ReuseRefusedError)) throw err
        const prior = await this.#o.store.prior({
          ...(idempotencyKey !== undefined && { idempotencyKey }),
          source: submission.source,
          fingerprint: sha256Hex(canonicalJson(sent)),
          ...(origin.heldBy !== undefined && { asAgency: origin.heldBy })
        })
        if (prior?.outcome === 'conflict') throw new IdempotencyConflictError(prior.code)
        if (prior?.outcome === 'duplicate') return { created: false, summary: prior.summary }
        throw err
      }
    } else if ((submission.attachments ?? []).some((a) => (a as { reuse?: unknown }).reuse !== undefined || a.reused !== undefined)) {
      throw new HubValidationError([{ pointer: '#/attachments', detail: 'this hub keeps no document store: give every component as a file' }])
    }
    const steps = this.#steps(procedure, submission)
    if (origin.heldBy !== undefined && !steps.some((s) => s.agency === origin.heldBy)) {
      // An agency submits only dossiers of its own procedures: a dossier not routed to it would be
      // one it cannot read, and its repeats could not find it (to it, such a dossier does not exist).
      // Decided from the routing table alone, whatever dossiers the hub holds.
      const competent = this.#notCompetent(procedure, submission, origin.heldBy)
      if (competent !== undefined) {
        throw new HubValidationError([{ pointer: '#', detail: competent }], `Agency ${origin.heldBy} is not the competent agency for this dossier's place; nothing was stored`)
      }
      const held = origin.heldBy
      const competence = this.#o.competence
      const routed = [...this.#o.procedures.values()]
        .filter((p) => p.steps.some((s) => s.agency === held || [...(competence.get(s.agency)?.communes.values() ?? [])].includes(held)))
        .map((p) => p.code)
      throw new HubValidationError([{ pointer: '#', detail: `once mapped to the canonical dossier, /procedure/code ${procedure.code} is not routed to agency ${origin.heldBy}; its procedures are: ${routed.join(', ') || 'none'}` }],
        `Agency ${origin.heldBy} is not on the route of procedure ${procedure.code}; nothing was stored`)
    }
    // the code and the receipt time are columns of the record, not part of the stored document;
    // the fingerprint (receive once: the same key with other content is a conflict) covers them.
    // A submission without them and without reused documents is its document: one canonical form.
    const { code: givenCode, receivedAt: _given, ...content } = submission
    const doc = canonicalJson(content)
    const fingerprint = sha256Hex(sent === submission && givenCode === undefined && submission.receivedAt === undefined ? doc : canonicalJson(sent))
    const receivedAt = toVietnamIso(received)
    const routing = initialRouting(steps, {
      at: receivedAt,
      ...(origin.heldBy !== undefined && { heldBy: origin.heldBy, heldReference: submission.source.reference })
    })
    const { calendar } = this.#o
    const facts: LifecycleFacts = {
      channel: submission.channel,
      level: submission.procedure.level,
      returnMethod: submission.resultReturn.method,
      ...(procedure.deadline !== undefined && { rule: { days: procedure.deadline.days, count: procedure.deadline.count ?? 'working' } }),
      ...(procedure.paperResult !== undefined && { paperResult: procedure.paperResult })
    }
    // a dossier the post office is to collect waits as new: nothing delivered, no clock, until the collection
    const pickup = submission.pickup !== undefined
    if (pickup) for (const r of Object.values(routing)) if (r.state === 'pending') r.state = 'waiting'
    const status = pickup ? 'new' as const : STATUS_ON_RECEIPT
    const due = pickup ? undefined : dueAtReceipt(calendar, received, facts)
    for (const step of pickup ? [] : procedure.steps) {
      const r = routing[step.id]
      if (step.days !== undefined && step.stage === 0 && r !== undefined) {
        r.dueAt = toVietnamIso(calendar.dueDate(received, { days: step.days, count: 'working' }, { paper: isPaper(facts.channel) }))
      }
    }
    const head: DossierHead = { status, receivedAt, ...(due !== undefined && { dueAt: toVietnamIso(due) }), facts }
    const actor: Actor = origin.actor ?? (origin.heldBy !== undefined ? { kind: 'agency', id: origin.heldBy } : { kind: 'portal', id: submission.source.system })
    const history: HistoryEntry = { at: receivedAt, type: 'received', actor, applied: true, statusTo: status, ...(pickup && { note: 'chờ bưu điện thu gom hồ sơ' }) }
    const receivingAgencyCode = submission.procedure.receivingAgency.code
    const result = await this.#o.store.intake({
      ...(idempotencyKey !== undefined && { idempotencyKey }),
      source: submission.source,
      ...(submission.source.origin !== undefined && { origin: submission.source.origin }),
      fingerprint,
      ...(givenCode !== undefined && { code: givenCode }),
      arrivedAt: toVietnamIso(arrived),
      codePrefix: dossierCodePrefix(receivingAgencyCode, received),
      sequenceWidth: SEQUENCE_WIDTH,
      receivingAgencyCode,
      yymmdd: vietnamYYMMDD(received),
      doc,
      receivedAt,
      receivedAtMs: received.getTime(),
      status,
      procedureCode: procedure.code,
      procedureName: submission.procedure.name,
      routing,
      contentFingerprint: contentFingerprint(submission),
      duplicateWindowMs: this.#o.duplicateWindowMs,
      codeDaysKept: Math.ceil(this.#o.receivedAtMaxAgeMs / 86_400_000) + 2,
      ...(head.dueAt !== undefined && { dueAt: head.dueAt }),
      facts,
      history,
      ...(this.#o.notify !== undefined && { notification: notificationBody(procedure.code, 'status-changed', undefined, head, received, actor) }),
      ...(origin.heldBy !== undefined && { asAgency: origin.heldBy }),
      // the reuses on the documents' access log, written by the intake statement itself (Decree 13/2023/NĐ-CP)
      ...(reused.length > 0 && { reuseLog: reuseLogOf(reused, origin.client ?? { id: actor.id, role: actor.kind }) })
    })
    if (result.outcome === 'conflict') throw new IdempotencyConflictError(result.code)
    if (result.outcome === 'code-taken') throw new DossierCodeTakenError(result.code)
    if (origin.heldBy === undefined) this.#remember(origin.bytes, { ...(idempotencyKey !== undefined && { idempotencyKey }), source: submission.source, fingerprint })
    if (result.outcome === 'duplicate') return { created: false, summary: result.summary }
    const { code } = result.summary
    const { log } = this.#o
    // the delivery jobs and the receipt notification's jobs go out together: one write to Redis.
    // The answer does not wait for it: the dossier and its outbox rows are committed, which is what
    // the answer says; a Redis slow for a moment (its process waiting for a core, say) made the
    // slowest answers wait 5–14 ms more for jobs the relay would queue anyway.
    const { notify } = this.#o
    const handOff = Promise.all([
      this.#o.enqueue(code, stepsToDeliver(routing).map((step) => ({ step, agency: (routing[step] as { agency: string }).agency }))).catch((err: unknown) => {
        log.warn({ err, dossier: code }, 'dossier stored but its deliveries could not be queued now; the outbox reconciler will queue them')
      }),
      notify?.(code, 1).catch((err: unknown) => {
        log.warn({ err, dossier: code }, 'receipt notification stored but not queued now; the reconciler will queue it')
      }),
      // the receipt is the dossier's first status change: DVCQG sync message 1
      this.#o.syncNational?.(code, 1).catch((err: unknown) => {
        log.warn({ err, dossier: code }, 'receipt owed to DVCQG but its sync not queued now; the relay will queue it')
      }),
      pickup && this.#o.onPickupRequested?.(code).catch((err: unknown) => {
        log.warn({ err, dossier: code }, 'pickup stored but its request not sent now; the pickup relay will')
      })
    ])
    this.#handOffs.add(handOff)
    void handOff.finally(() => { this.#handOffs.delete(handOff) })
    return { created: true, summary: result.summary }
  }
}
