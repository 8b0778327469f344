/**
 * Every change of a dossier's life goes through `commit`: the new head (status, due date,
 * lifecycle facts) is checked against the transition table, turned into one compare-and-set
 * transaction (status index, overdue index, statistics counters, history, outbox, webhook
 * notification) and, once stored, its deliveries and notifications are queued.
 *
 * Besides agency reports (event-service.ts) the lifecycle has its own actions:
 *   - withdraw: the applicant withdraws (7); open steps are cancelled, agencies already holding
 *     the dossier are told (a withdrawal notice through their adapter); then onWithdrawn (the postal pickup cancelled);
 *   - returnResult: the result handed over at the counter or online (10);
 *   - sweepOverdue: open dossiers past their due date are flagged once (the BullMQ scheduler).
 */
import { STALE, compareAndSet } from '../store/compare-and-set.ts'
import type { Logger } from 'pino'
import type { Attachment, HistoryEntry, StoredDocument } from '../types/schemas.generated.ts'
import type { DocumentService } from './document-service.ts'
import { dossierSubjects, isReuse, reuseLogOf, type ReuseLog, type SubmittedAttachment } from '../domain/once-only.ts'
import type { DossierChange, DossierForUpdate, DossierStore, StoredSupplement } from '../store/dossier-store.ts'
import { supplementKind } from '../store/keys.ts'
import type { Delivery } from '../queues/delivery-queues.ts'
import type { NotificationEvent, ResolvedProcedure } from '../config/hub-config.ts'
import type { WorkingCalendar } from '../domain/calendar.ts'
import { WITHDRAWN_PREFIX, changeStatus, checkTransition, markOverdue, overdueCheckAt, type DossierHead } from '../domain/lifecycle.ts'
import { RETURN_STEP, STEP_RANK, isFinished, statusFromRouting, type Routing } from '../domain/routing.ts'
import { canonicalJson, sha256Hex } from '../domain/fingerprint.ts'
import { STATUSES, type DossierStatus } from '../domain/status.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { BusyError, DossierNotFoundError, HubValidationError, IllegalTransitionError, NoSupplementRequestedError, ReuseRefusedError, SupplementConflictError } from '../errors.ts'
import type { Client } from '../auth/clients.ts'
import { actorOf, notificationBody, type HistoryActor as Actor } from '../domain/notification.ts'

export interface LifecycleServiceOptions {
  store: DossierStore
  calendar: WorkingCalendar
  procedures: ReadonlyMap<string, ResolvedProcedure>
  /** queues deliveries (steps released, withdrawal notices) of a stored change */
  enqueue: (code: string, deliveries: readonly Delivery[]) => Promise<void>
  /** queues the webhook notification number `sequence` of a dossier to its subscribers */
  notify: (code: string, sequence: number) => Promise<void>
  /** false when no subscriber is configured: no notification is kept */
  notifying: boolean
  /** queues the DVCQG sync job of a committed status change (absent: no national portal configured) */
  syncNational?: (code: string, upTo: number) => Promise<void>
  /** once-only: resolves supplied components that name a stored document (reuse); absent: reuse is refused */
  documents?: DocumentService
  /**
   * after a withdrawal is stored: what else it stops (the postal pickup's cancellation). Its failure
   * is logged, not answered: the withdrawal stands, and that service's relay repairs it from the record.
   */
  onWithdrawn?: (code: string) => Promise<unknown>
  log: Logger
  now?: () => Date
}

/** What a change wants; `commit` works out the rest. */
export interface ChangePlan {
  /** once-only: a supplement's reuses, on the documents' access log in the change's transaction */
  reuseLog?: ReuseLog
  head: DossierHead
  routing?: Routing
  release?: readonly Delivery[]
  history?: readonly HistoryEntry[]
  notification?: { event: NotificationEvent, actor: Actor, note?: string, extra?: Record<string, unknown> }
  eventId?: string
  answer?: string
  /** the applicant's supplement this change stores */
  supplement?: StoredSupplement
  /** once-only: the results an applied report issued, registered in the change's transaction (DossierChange.results) */
  results?: DossierChange['results']
  at: Date
}

export interface SupplementInput {
  /** the portal's id for this supplement: the same id again is the same supplement */
  id: string
  /** the papers: files, or stored documents named for reuse (resolved to their files before storing) */
  attachments: SubmittedAttachment[]
  note?: string
}

export interface SupplementAnswer {
  dossier: string
  supplementId: string
  sequence: number
  status: DossierStatus
  statusCode: number
  /** the steps whose agencies receive the papers */
  steps: string[]
  dueAt?: string
}

export type CommitResult = { outcome: 'ok', sequence: number } | { outcome: 'seen', answer: string } | { outcome: 'stale' }

export class LifecycleService {
  readonly #o: Required<Omit<LifecycleServiceOptions, 'documents' | 'syncNational' | 'onWithdrawn'>> & Pick<LifecycleServiceOptions, 'documents' | 'syncNational' | 'onWithdrawn'>

  constructor (options: LifecycleServiceOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  get calendar (): WorkingCalendar { return this.#o.calendar }

  /** The step due dates of steps being released now (the routing table's days per step, counted from now). */
  stepDueDates (procedureCode: string, routing: Routing, released: readonly string[], at: Date): Routing {
    const procedure = this.#o.procedures.get(procedureCode)
    const out: Routing = {}
    for (const id of released) {
      const days = procedure?.steps.find((s) => s.id === id)?.days
      const step = routing[id]
      if (days === undefined || step === undefined || step.dueAt !== undefined) continue
      out[id] = { ...step, dueAt: toVietnamIso(this.#o.calendar.dueDate(at, { days, count: 'working' }, { paper: false })) }
    }
    return out
  }

  /**
   * Stores a change computed from `found` (compare-and-set on its version) and queues what it
   * released. 'stale': the dossier changed since it was read; read again and plan again.
   * Throws IllegalTransitionError when the status change is not in the table.
   */
  async commit (found: DossierForUpdate, plan: ChangePlan): Promise<CommitResult> {
    const { store, log } = this.#o
    const code = found.dossier.code
    const before = found.head
    const after = plan.head
    const check = checkTransition(before.status, after.status)
    if (!check.ok) throw new IllegalTransitionError(code, before.status, after.status, check.detail)
    const routingAfter = { ...found.routing, ...plan.routing }
    const procedure = found.dossier.procedure.code
    const dueBefore = overdueCheckAt(before)
    const dueAfter = overdueCheckAt(after)
    const factsChanged = JSON.stringify(before.facts) !== JSON.stringify(after.facts)
    const atIso = toVietnamIso(plan.at)
    const n = plan.notification
    // a status change is owed to DVCQG (the record's trigger counts it): the change's statement marks it
    // queued and says up to which message, and its sync job is queued at once, not at the relay's next look
    const syncs = this.#o.syncNational !== undefined && (before.status !== after.status || (plan.history ?? []).some((e) => e.statusTo !== undefined))
    const result = await store.applyChange({
      code,
      expectedVersion: found.version,
      status: before.status,
      nextStatus: after.status,
      receivedAtMs: found.receivedAtMs,
      routing: plan.routing ?? {},
      release: (plan.release ?? []).map((r) => ({ step: r.step, ...(r.kind !== undefined && { kind: r.kind }) })),
      ...(plan.history !== undefined && { history: plan.history }),
      ...(plan.eventId !== undefined && { eventId: plan.eventId }),
      ...(plan.answer !== undefined && { answer: plan.answer }),
      ...(plan.supplement !== undefined && { supplement: plan.supplement }),
      ...(plan.reuseLog !== undefined && { reuseLog: plan.reuseLog }),
      ...(plan.results !== undefined && { results: plan.results }),
      ...(syncs && { syncNow: true }),
      at: atIso,
      nowMs: plan.at.getTime(),
      ...(factsChanged && { facts: after.facts }),
      ...(after.dueAt !== undefined && after.dueAt !== before.dueAt && { dueAt: after.dueAt }),
      ...(dueAfter !== dueBefore && { dueIndex: dueAfter ?? 'remove' }),
      ...(n !== undefined && this.#o.notifying && {
        notification: { ...notificationBody(procedure, n.event, before.status !== after.status ? before.status : undefined, after, plan.at, n.actor, n.note, routingAfter), ...n.extra }
      })
    })
    if (result.outcome === 'missing') throw new DossierNotFoundError(code)
    if (result.outcome !== 'ok') return result
    // the deliveries and the notification's jobs are added together: one write to Redis (auto-pipelining)
    const release = plan.release ?? []
    await Promise.all([
      release.length > 0 && this.#o.enqueue(code, release).catch((err: unknown) => {
        log.warn({ err, dossier: code, release }, 'change stored but its deliveries not queued now; the outbox reconciler will queue them')
      }),
      result.sequence > 0 && this.#o.notify(code, result.sequence).catch((err: unknown) => {
        log.warn({ err, dossier: code }, 'notification stored but not queued now; the reconciler will queue it')
      }),
      result.syncUpTo !== undefined && this.#queueSync(code, result.syncUpTo)
    ])
    return result
  }

  /** Queues the DVCQG sync job of the dossier's committed status changes up to `upTo`, now (failures logged: the relay queues it later). */
  async #queueSync (code: string, upTo: number): Promise<void> {
    await this.#o.syncNational?.(code, upTo).catch((err: unknown) => {
      this.#o.log.warn({ err, dossier: code }, 'status change owed to DVCQG but its sync not queued now; the relay will queue it')
    })
  }

  /** Reads, plans and commits until the compare-and-set holds. `plan` undefined: nothing to do. */
  async #change<T> (code: string, plan: (found: DossierForUpdate, at: Date) => { plan?: ChangePlan, answer: T }): Promise<T> {
    return await compareAndSet(async () => {
      const found = await this.#o.store.getForUpdate(code)
      if (found === undefined) throw new DossierNotFoundError(code)
      const at = this.#o.now()
      const p = plan(found, at)
      if (p.plan === undefined) return p.answer
      const r = await this.commit(found, p.plan)
      return r.outcome === 'ok' ? p.answer : STALE
    }, () => { throw new BusyError(code) })
  }

  /**
   * The applicant withdraws the dossier (status 7). Open steps are cancelled; a step whose agency
   * already holds the dossier gets a withdrawal notice. Withdrawing a withdrawn dossier again
   * changes nothing and answers the same.
   */
  async withdraw (code: string, reason: string, client?: Client): Promise<{ changed: boolean, status: DossierStatus, notified: string[], cancelled: string[] }> {
    const r = await this.#withdraw(code, reason, client)
    const after = this.#o.onWithdrawn
    if (r.changed && after !== undefined) {
      await after(code).catch((err: unknown) => { this.#o.log.warn({ err, dossier: code }, 'dossier withdrawn but what it stops not done now; the relay will do it') })
    }
    return r
  }

  async #withdraw (code: string, reason: string, client?: Client): Promise<{ changed: boolean, status: DossierStatus, notified: string[], cancelled: string[] }> {
    return await this.#change<{ changed: boolean, status: DossierStatus, notified: string[], cancelled: string[] }>(code, (found, at) => {
      if (found.status === 'withdrawn') return { answer: { changed: false, status: found.status, notified: [], cancelled: [] } }
      const check = checkTransition(found.status, 'withdrawn')
      if (!check.ok) throw new IllegalTransitionError(code, found.status, 'withdrawn', check.detail)
      const routing: Routing = {}
      const notices: Delivery[] = []
      for (const [id, r] of Object.entries(found.routing)) {
        if (isFinished(r.state)) continue
        if (STEP_RANK[r.state] >= STEP_RANK.delivered) notices.push({ step: id, agency: r.agency, kind: 'withdrawal' })
        routing[id] = { ...r, state: 'cancelled', reason: `${WITHDRAWN_PREFIX}${reason}` }
      }
      const head = changeStatus(this.#o.calendar, found.head, 'withdrawn', at)
      const actor = actorOf(client)
      const history: HistoryEntry = {
        at: toVietnamIso(at),
        type: 'withdrawn',
        actor,
        applied: true,
        note: reason,
        statusFrom: found.status,
        statusTo: 'withdrawn',
        ...(Object.keys(routing).length > 0 && { cancelled: Object.keys(routing) })
      }
      return {
        plan: { head, routing, release: notices, history: [history], notification: { event: 'status-changed', actor, note: reason }, at },
        answer: { changed: true, status: 'withdrawn' as DossierStatus, notified: notices.map((n) => n.step), cancelled: Object.keys(routing) }
      }
    })
  }

  /**
   * The result was handed to the applicant at the counter, or delivered online (status 10). A
   * postal return ends through the postal service's tracking instead; while it is on its way, a
   * counter return is refused. Once the post gave up — the shipment failed for good (discarded by
   * an administrator or not), or the result came back to the sender — the result can always be
   * handed over here; a failed shipment step is cancelled so that no retry sends it afterwards.
   */
  async returnResult (code: string, method: 'counter' | 'online', note: string | undefined, client?: Client): Promise<{ changed: boolean, status: DossierStatus }> {
    return await this.#change<{ changed: boolean, status: DossierStatus }>(code, (found, at) => {
      if (found.status === 'returned') return { answer: { changed: false, status: found.status } }
      const check = checkTransition(found.status, 'returned')
      if (!check.ok) throw new IllegalTransitionError(code, found.status, 'returned', check.detail)
      const postal = found.routing[RETURN_STEP]
      // the post gave up: the shipment could not be created (its delivery failed for good, whether
      // an administrator discarded it or not), or the result came back to the sender (rejected)
      const postGaveUp = postal?.state === 'failed'
      if (postal !== undefined && !isFinished(postal.state) && !postGaveUp) {
        throw new IllegalTransitionError(code, found.status, 'returned',
          `cannot go from resolved (9) to returned (10) at the ${method}: the result is on its way by post (step ${RETURN_STEP} is ${postal.state}); it is returned when the postal service delivers it, or can be handed over here once the post gives up (the shipment failed, or the result came back)`)
      }
      const head = changeStatus(this.#o.calendar, found.head, 'returned', at)
      const actor = actorOf(client)
      // a failed shipment is not sent again once the result was handed over (a retry finds the step cancelled)
      const routing: Routing | undefined = postGaveUp && postal !== undefined
        ? { [RETURN_STEP]: { ...postal, state: 'cancelled', reason: `the result was handed over ${method === 'counter' ? 'at the counter' : 'online'} after the postal shipment failed${postal.lastError !== undefined ? ` (${postal.lastError})` : ''}` } }
        : undefined
      const history: HistoryEntry = {
        at: toVietnamIso(at),
        type: 'returned',
        actor,
        applied: true,
        method,
        ...(note !== undefined && { note }),
        statusFrom: found.status,
        statusTo: 'returned',
        ...(routing !== undefined && { cancelled: [RETURN_STEP] })
      }
      return {
        plan: { head, ...(routing !== undefined && { routing }), history: [history], notification: { event: 'status-changed', actor, ...(note !== undefined && { note }) }, at },
        answer: { changed: true, status: 'returned' as DossierStatus }
      }
    })
  }

  /**
   * The applicant supplied what the agencies asked for (status 5): the papers are kept with the
   * dossier and carried to every step that asked (a supplement delivery through its adapter), those
   * steps go back to processing and the clock restarts (the due date moves by the paused time).
   * Receive once by the supplement id: a repeat answers the first answer; the same id with other
   * content is a 409. A paper may name a stored document instead of carrying a file (once-only:
   * `reuse`, as at intake), checked at the supplement's time and carried as its file reference.
   */
  async supplement (code: string, input: SupplementInput, client?: Client): Promise<{ created: boolean, answer: SupplementAnswer }> {
    const { store } = this.#o
    const eventId = `supplement ${input.id}`
    const fingerprint = sha256Hex(canonicalJson(input))
    const repeat = (stored: string): { created: false, answer: SupplementAnswer } => {
      const first = JSON.parse(stored) as { fingerprint: string, answer: SupplementAnswer }
      if (first.fingerprint !== fingerprint) throw new SupplementConflictError(input.id, code)
      return { created: false, answer: first.answer }
    }
    // The dossier is read once: whether papers are asked for is checked first (a supplement that
    // will be refused resolves no document and fetches nothing from the national personal data
    // store), and the same read serves the first round below; a round that finds it changed since
    // reads it again.
    const first = await store.getForUpdate(code)
    if (first === undefined) throw new DossierNotFoundError(code)
    if (first.status !== 'supplement-requested') {
      const seen = await store.eventAnswer(code, eventId)
      if (seen !== undefined) return repeat(seen)
      throw new NoSupplementRequestedError(code, first.status, String(STATUSES[first.status].code))
    }
    // once-only: papers named by a stored document become its file reference, checked as at intake
    // (holder: the applicant or a person the dossier is about; valid at the supplement's time;
    // consent before it); a refusal names each component and changes nothing. The fingerprint above
    // covers the supplement as sent: a repeat is the same content.
    let attachments = input.attachments as Attachment[]
    let reused: StoredDocument[] = []
    const named = input.attachments.some((a) => isReuse(a) || (a as Attachment).reused !== undefined)
    if (named) {
      const documents = this.#o.documents
      if (documents === undefined) throw new HubValidationError([{ pointer: '#/attachments', detail: 'this hub keeps no document store: give every paper as a file' }])
      try {
        ({ attachments, reused } = await documents.resolveAttachments(input.attachments, dossierSubjects(first.dossier), this.#o.now(), client))
      } catch (err) {
        // a document valid when the supplement was received may be revoked or expired since: a
        // repeat of that supplement is answered with its first answer, as any repeat is
        if (!(err instanceof ReuseRefusedError)) throw err
        const seen = await store.eventAnswer(code, eventId)
        if (seen !== undefined) return repeat(seen)
        throw err
      }
    }
    const outcome = await compareAndSet(async (round) => {
      const found = round === 0 ? first : await store.getForUpdate(code)
      if (found === undefined) throw new DossierNotFoundError(code)
      const seen = await store.eventAnswer(code, eventId)
      if (seen !== undefined) return repeat(seen)
      if (found.status !== 'supplement-requested') throw new NoSupplementRequestedError(code, found.status, String(STATUSES[found.status].code))
      const at = this.#o.now()
      const atIso = toVietnamIso(at)
      const sequence = found.supplements + 1
      const routing: Routing = {}
      for (const [id, r] of Object.entries(found.routing)) {
        if (r.state !== 'supplement-requested') continue
        const { missing: _m, ...rest } = r
        routing[id] = { ...rest, state: 'processing', reportedAt: atIso, note: `hồ sơ bổ sung lần ${sequence} đã nhận`, lastSupplement: { sequence, state: 'pending', attempts: 0 } }
      }
      const status = statusFromRouting({ ...found.routing, ...routing }, found.status)
      const head = changeStatus(this.#o.calendar, found.head, status, at)
      const actor = actorOf(client)
      const steps = Object.keys(routing)
      const answer: SupplementAnswer = {
        dossier: code,
        supplementId: input.id,
        sequence,
        status,
        statusCode: STATUSES[status].code,
        steps,
        ...(head.dueAt !== undefined && { dueAt: head.dueAt })
      }
      const history: HistoryEntry = {
        at: atIso,
        type: 'supplement-provided',
        actor,
        applied: true,
        supplementId: input.id,
        documents: attachments.map((a) => a.fileName),
        ...(input.note !== undefined && { note: input.note }),
        ...(status !== found.status && { statusFrom: found.status, statusTo: status }),
        ...(head.dueAt !== found.head.dueAt && { ...(found.head.dueAt !== undefined && { dueAtFrom: found.head.dueAt }), ...(head.dueAt !== undefined && { dueAtTo: head.dueAt }) })
      }
      const stored: StoredSupplement = { id: input.id, sequence, attachments, ...(input.note !== undefined && { note: input.note }), submittedAt: atIso }
      const r = await this.commit(found, {
        head,
        routing,
        release: steps.map((step) => ({ step, agency: (routing[step] as { agency: string }).agency, kind: supplementKind(sequence) })),
        history: [history],
        notification: { event: 'status-changed', actor, note: input.note ?? `hồ sơ bổ sung lần ${sequence}` },
        eventId,
        answer: JSON.stringify({ fingerprint, answer }),
        supplement: stored,
        // the reuses on the documents' access log, in the transaction that stores the supplement (Decree 13/2023/NĐ-CP)
        ...(reused.length > 0 && { reuseLog: reuseLogOf(reused, client ?? { id: 'hub', role: 'hub' }) }),
        at
      })
      if (r.outcome === 'ok') return { created: true, answer }
      if (r.outcome === 'seen') return repeat(r.answer)
      return STALE
    }, () => { throw new BusyError(code) })
    return outcome
  }

  /** Flags one open dossier found past its due date, once. True when this call flagged it. */
  async flagOverdue (code: string): Promise<boolean> {
    const { store } = this.#o
    return await compareAndSet(async () => {
      const found = await store.getForUpdate(code)
      if (found === undefined) {
        await store.dropDue(code)
        return false
      }
      const at = this.#o.now()
      const head = markOverdue(found.head, at)
      if (head === undefined) {
        // not due any more (paused, closed, flagged, or its due date moved): the index follows the head
        if (overdueCheckAt(found.head) === undefined) await store.dropDue(code)
        return false
      }
      const actor: Actor = { kind: 'hub', id: 'overdue-sweeper' }
      const history: HistoryEntry = { at: toVietnamIso(at), type: 'overdue', actor, applied: true, ...(found.head.dueAt !== undefined && { dueAtFrom: found.head.dueAt }) }
      const r = await this.commit(found, {
        head, history: [history], notification: { event: 'overdue', actor, note: `quá hạn: due ${found.head.dueAt ?? ''}` }, at
      })
      return r.outcome === 'ok' ? true : STALE
    }, () => { throw new BusyError(code) })
  }

  /** Flags every open dossier whose due date has passed (at most `limit` per run). */
  async sweepOverdue (limit = 1000): Promise<{ checked: number, flagged: number }> {
    const codes = await this.#o.store.dueBy(this.#o.now().getTime(), limit)
    let flagged = 0
    for (const code of codes) if (await this.flagOverdue(code)) flagged++
    if (flagged > 0) this.#o.log.info({ checked: codes.length, flagged }, 'overdue dossiers flagged')
    return { checked: codes.length, flagged }
  }
}
