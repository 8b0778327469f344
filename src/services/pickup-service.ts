/**
 * Postal pickup (thu gom hồ sơ qua bưu chính công ích, Decision 45/2016/QĐ-TTg): a portal
 * submission with channel postal and `pickup` (where to collect the papers) is stored as new (1):
 * nothing is delivered and no clock runs. The hub asks the post office to collect it (the postal
 * adapter's pickup request, through the outbox and the `postal-pickups` queue; the province may
 * pay the postage: PostagePaidBy). The post office reports (POST /v1/dossiers/:code/postal-pickup/events):
 *   - 110 collected: its time becomes the dossier's receipt time (received, 2; channel postal, a
 *     paper dossier: the 15:00 rule applies), the due date counts from it, the first stage is
 *     delivered; the postage is kept (the monthly figure);
 *   - 120 handed over to the one-stop desk: recorded (history, pickup);
 *   - 150 not collected: recorded with the reason; the dossier stays new.
 * Each report is received once by its eventId (a repeat answers the same and changes nothing).
 */
import type { Logger } from 'pino'
import { STALE, compareAndSet } from '../store/compare-and-set.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { Pickup, PickupStore } from '../store/pickup-store.ts'
import type { LifecycleService } from './lifecycle-service.ts'
import type { ResolvedAgency, ResolvedProcedure } from '../config/hub-config.ts'
import { AdapterMappingError, type PickupUpdate } from '../../adapters/contract.ts'
import { GatewayRefusal, NativeOutputError, type AdapterGateway } from '../gateway/adapter-gateway.ts'
import type { DossierSubmission, HistoryEntry } from '../types/schemas.generated.ts'
import { dueAtReceipt, isPaper } from '../domain/lifecycle.ts'
import type { Routing } from '../domain/routing.ts'
import { STATUSES, type DossierStatus } from '../domain/status.ts'
import { canonicalJson, sha256Hex } from '../domain/fingerprint.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { DeliveryError, type AgencyHttpClient } from '../delivery/http-client.ts'
import type { JobOutcome } from '../queues/payment-queue.ts'
import type { Client } from '../auth/clients.ts'
import { BusyError, DossierNotFoundError, EventConflictError, HubValidationError, IllegalTransitionError, PickupNotFoundError, WrongAgencyError } from '../errors.ts'

export interface PickupServiceOptions {
  pickups: PickupStore
  store: DossierStore
  lifecycle: LifecycleService
  /** the postal agency that collects */
  agency: ResolvedAgency
  provincePaysPostage: boolean
  procedures: ReadonlyMap<string, ResolvedProcedure>
  /** the postal agency's adapter gateway: the collection request out, the reports in (validate → map → validate) */
  gateway: AdapterGateway
  /** queues pickup requests ('pickup') and cancellations ('cancel') of these dossiers */
  enqueue: (jobs: ReadonlyArray<{ message: 'pickup' | 'cancel', reference: string }>) => Promise<void>
  log: Logger
  now?: () => Date
}

export interface PickupAnswer {
  eventId: string
  dossier: string
  event: PickupUpdate['event']
  pickup: Pickup['state']
  status: DossierStatus
  statusCode: number
  receivedAt?: string
  dueAt?: string
  released?: string[]
}

export class PickupService {
  readonly #o: Required<PickupServiceOptions>

  constructor (options: PickupServiceOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  /** Pickup rows (with their outbox rows) for `code`, or every dossier that waits for one without it; their requests queued. */
  async open (code?: string): Promise<string[]> {
    const { pickups, store, agency, provincePaysPostage, log } = this.#o
    const codes = code !== undefined ? [code] : await pickups.requested()
    const made: string[] = []
    for (const c of codes) {
      const found = await store.getForUpdate(c)
      const pickup = (found?.dossier as DossierSubmission | undefined)?.pickup
      if (found === undefined || pickup === undefined || found.status !== 'new') continue
      if (await pickups.create(c, agency.id, pickup, provincePaysPostage, toVietnamIso(this.#o.now()))) made.push(c)
    }
    if (made.length > 0) {
      await this.#o.enqueue(made.map((reference) => ({ message: 'pickup' as const, reference }))).catch((err: unknown) => { log.warn({ err, dossiers: made }, 'pickups stored but not queued now; the relay will queue them') })
    }
    return made
  }

  /** Pickup requests that failed for good (administrators), oldest first. */
  async failed (offset: number, limit: number): Promise<{ total: number, pickups: Pickup[] }> {
    return await this.#o.pickups.failed(offset, limit)
  }

  /**
   * A failed pickup request sent again (an administrator): full attempts, the same Idempotency-Key
   * ("<code>/pickup"). Only one the post office never took, for a dossier still new (1); anything
   * else is a 400 naming why.
   */
  async retry (code: string): Promise<Pickup> {
    const { pickups, store, log } = this.#o
    const p = await pickups.get(code)
    if (p === undefined) throw new PickupNotFoundError(code)
    const refuse = (detail: string): never => { throw new HubValidationError([{ parameter: 'code', detail }]) }
    if (p.state !== 'failed') refuse(`the postal pickup of ${code} has not failed (it is ${p.state}): only a failed pickup request is retried`)
    if (p.itemCode !== undefined) refuse(`the post office took the pickup of ${code} (item ${p.itemCode}) and reported it not collected${p.lastError !== undefined ? ` (${p.lastError})` : ''}: the applicant asks for a new pickup, a retry would repeat the order it already answered`)
    const found = await store.getForUpdate(code)
    if (found?.status !== 'new') refuse(`dossier ${code} is ${found?.status ?? 'gone'}, no longer new (1): nothing to collect`)
    if (!(await pickups.retry(code))) refuse(`the postal pickup of ${code} has not failed any more: another retry came first`)
    log.info({ dossier: code }, 'postal pickup request retried by an administrator')
    await this.#o.enqueue([{ message: 'pickup', reference: code }]).catch((err: unknown) => { log.warn({ err, dossier: code }, 'pickup owed again but not queued now; the relay will queue it') })
    return await pickups.get(code) ?? p
  }

  /** Attempt `attempt` of `max` to send the collection request to the post office. */
  async send (code: string, attempt: number, max: number, http: AgencyHttpClient): Promise<JobOutcome> {
    const { pickups, store, agency, log } = this.#o
    const p = await pickups.get(code)
    if (p === undefined || p.state !== 'requested') {
      await pickups.outboxConfirm(code)
      return { outcome: 'done' }
    }
    let error: DeliveryError
    try {
      const found = await store.getForUpdate(code)
      const pickup = (found?.dossier as DossierSubmission | undefined)?.pickup
      if (found === undefined || pickup === undefined) throw new DeliveryError(`dossier ${code} asks for no pickup`, false)
      const desk = found.dossier.procedure.receivingAgency
      const req = this.#o.gateway.pickup({
        dossierCode: code,
        procedureName: found.dossier.procedure.name,
        desk: { code: desk.code, ...(desk.name !== undefined && { name: desk.name }) },
        contactName: pickup.contactName,
        phone: pickup.phone,
        address: pickup.address,
        ...(pickup.preferredDate !== undefined && { preferredDate: pickup.preferredDate }),
        ...(pickup.note !== undefined && { note: pickup.note }),
        provincePaysPostage: p.provincePaysPostage
      }, { agencyId: agency.id, ...(agency.code !== undefined && { agencyCode: agency.code }) })
      const res = await http.send(req, {
        endpoint: agency.endpoint,
        timeoutMs: agency.timeoutMs,
        idempotencyKey: `${code}/pickup`,
        ...(agency.auth !== undefined && { auth: agency.auth }),
        ...(agency.tls !== undefined && { tls: { agencyId: agency.id, options: agency.tls } })
      })
      await pickups.ordered(code, this.#o.gateway.receipt(res), attempt)
      log.info({ dossier: code, agency: agency.id }, 'pickup ordered from the post office')
      return { outcome: 'done' }
    } catch (err) {
      error = err instanceof DeliveryError ? err : new DeliveryError(err instanceof AdapterMappingError || err instanceof NativeOutputError ? err.message : `pickup request failed: ${(err as Error).message}`, false)
    }
    const final = !error.retryable || attempt >= max
    await pickups.attemptFailed(code, attempt, error.message, final)
    return final ? { outcome: 'failed', error: error.message } : { outcome: 'retry', error: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) }
  }

  /** The post office's report on a collection (native pickup status), received once by eventId. */
  async report (code: string, event: { eventId: string, native: unknown }, client?: Client): Promise<{ created: boolean, answer: PickupAnswer }> {
    const { pickups, store, agency, log } = this.#o
    if (client?.role === 'agency' && client.agency !== agency.id) throw new WrongAgencyError(client.id, client.agency ?? '', agency.id)
    let u: PickupUpdate
    try {
      u = this.#o.gateway.pickupStatus(event.native, '/native')
    } catch (err) {
      if (!(err instanceof GatewayRefusal)) throw err
      throw new HubValidationError(err.problems, err.title)
    }
    if (u.dossierCode !== code) throw new HubValidationError([{ pointer: '#/native/OrderNumber', detail: `names dossier ${u.dossierCode}, but was posted to dossier ${code}` }])
    const pickup = await pickups.get(code)
    // only a dossier the post office was asked to collect exists for it
    if (pickup === undefined) throw new DossierNotFoundError(code)
    const at = this.#o.now()
    if (Date.parse(u.at) > at.getTime() + 60_000) throw new HubValidationError([{ pointer: '#/native/StatusTime', detail: `${u.at} is in the future` }])
    if (Date.parse(u.at) < Date.parse(pickup.requestedAt) - 60_000) throw new HubValidationError([{ pointer: '#/native/StatusTime', detail: `${u.at} is before the pickup was asked for (${pickup.requestedAt})` }])
    const fingerprint = sha256Hex(canonicalJson(event))
    const eventId = `postal ${event.eventId}`
    const repeat = (stored: string): { created: false, answer: PickupAnswer } => {
      const first = JSON.parse(stored) as { fingerprint: string, answer: PickupAnswer }
      if (first.fingerprint !== fingerprint) throw new EventConflictError(event.eventId, code)
      return { created: false, answer: first.answer }
    }
    const result = await compareAndSet(async (): Promise<{ created: boolean, answer: PickupAnswer } | typeof STALE> => {
      const found = await store.getForUpdate(code)
      if (found === undefined) throw new DossierNotFoundError(code)
      const seen = await store.eventAnswer(code, eventId)
      if (seen !== undefined) return repeat(seen)
      const actor = { kind: 'agency' as const, id: agency.id }
      const hubNow = this.#o.now()
      let head = found.head
      const routing: Routing = {}
      let released: string[] = []
      let state: Pickup['state'] = pickup.state
      const history: HistoryEntry = { at: u.at, type: u.event === 'handed-over' ? 'postal-handed-over' : 'postal-collected', actor, applied: true, note: u.note }
      if (u.event === 'collected') {
        if (found.status === 'withdrawn') throw new IllegalTransitionError(code, found.status, 'received', `the applicant withdrew dossier ${code} before it was collected; its pickup was cancelled`)
        if (found.status !== 'new') throw new HubValidationError([{ pointer: '#/native/StatusCode', detail: `dossier ${code} was collected already (it is ${found.status})` }])
        const collectedAt = new Date(u.at)
        const facts = { ...found.head.facts, channel: 'postal' as const }
        const due = dueAtReceipt(this.#o.lifecycle.calendar, collectedAt, facts)
        const procedure = this.#o.procedures.get(found.dossier.procedure.code)
        for (const [id, r] of Object.entries(found.routing)) {
          if (r.stage !== 0 || r.state !== 'waiting') continue
          const days = procedure?.steps.find((s) => s.id === id)?.days
          routing[id] = { ...r, state: 'pending', ...(days !== undefined && { dueAt: toVietnamIso(this.#o.lifecycle.calendar.dueDate(collectedAt, { days, count: 'working' }, { paper: isPaper(facts.channel) })) }) }
        }
        released = Object.keys(routing)
        head = { ...found.head, status: 'received', receivedAt: toVietnamIso(collectedAt), facts, ...(due !== undefined && { dueAt: toVietnamIso(due) }) }
        Object.assign(history, { statusFrom: 'new', statusTo: 'received', ...(head.dueAt !== undefined && { dueAtTo: head.dueAt }), released })
        state = 'collected'
      } else if (u.event === 'handed-over') {
        if (pickup.state !== 'collected' && pickup.state !== 'handed-over') throw new HubValidationError([{ pointer: '#/native/StatusCode', detail: `dossier ${code} cannot be handed over before it is collected (the pickup is ${pickup.state})` }])
        state = 'handed-over'
      } else {
        if (found.status !== 'new') throw new HubValidationError([{ pointer: '#/native/StatusCode', detail: `dossier ${code} was collected already (it is ${found.status})` }])
        Object.assign(history, { applied: false })
        state = 'failed'
      }
      const answer: PickupAnswer = {
        eventId: event.eventId,
        dossier: code,
        event: u.event,
        pickup: state,
        status: head.status,
        statusCode: STATUSES[head.status].code,
        ...(u.event === 'collected' && { receivedAt: head.receivedAt }),
        ...(head.dueAt !== undefined && { dueAt: head.dueAt }),
        ...(released.length > 0 && { released })
      }
      const r = await this.#o.lifecycle.commit(found, {
        head,
        routing,
        history: [history],
        eventId,
        answer: JSON.stringify({ fingerprint, answer }),
        release: released.map((step) => ({ step, agency: (routing[step] as { agency: string }).agency })),
        ...(head.status !== found.status && { notification: { event: 'status-changed' as const, actor, note: u.note } }),
        at: hubNow
      })
      if (r.outcome === 'stale') return STALE
      if (r.outcome === 'seen') return repeat(r.answer)
      return { created: true, answer }
    }, () => { throw new BusyError(code) })
    // the pickup row and the receipt time follow (a repeat of the report does it again: idempotent)
    if (u.event === 'collected') await pickups.collected(code, u.at, u.itemCode, u.postage)
    else if (u.event === 'handed-over') await pickups.handedOver(code, u.at)
    else await pickups.notCollected(code, u.note)
    if (result.created) log.info({ dossier: code, event: u.event }, 'postal pickup report')
    return result
  }

  async get (code: string): Promise<Pickup | undefined> {
    return await this.#o.pickups.get(code)
  }

  async relay (graceMs: number): Promise<{ opened: number, cancelled: number, requeued: number }> {
    const opened = (await this.open()).length
    let cancelled = 0
    for (const code of await this.#o.pickups.toCancel()) if (await this.cancel(code) !== undefined) cancelled++
    const due = await this.#o.pickups.outboxDue(this.#o.now().getTime() - graceMs)
    if (due.length > 0) {
      await this.#o.enqueue(due.map((d) => ({ message: d.cancel ? 'cancel' as const : 'pickup' as const, reference: d.code })))
      await this.#o.pickups.outboxSeen(due)
    }
    return { opened, cancelled, requeued: due.length }
  }

  /** The dossier was withdrawn: its pickup, if not collected yet, is cancelled (and the post office told when it had the order). */
  async cancel (code: string): Promise<'ordered' | 'cancelled' | undefined> {
    const r = await this.#o.pickups.cancel(code, toVietnamIso(this.#o.now()))
    if (r === 'ordered') {
      await this.#o.enqueue([{ message: 'cancel', reference: code }]).catch((err: unknown) => { this.#o.log.warn({ err, dossier: code }, 'pickup cancellation stored but not queued now; the relay will queue it') })
    }
    return r
  }

  /** Attempt `attempt` of `max` to cancel the collection order at the post office (the postal adapter's order cancellation). */
  async sendCancel (code: string, attempt: number, max: number, http: AgencyHttpClient): Promise<JobOutcome> {
    const { pickups, store, agency } = this.#o
    const p = await pickups.get(code)
    if (p === undefined) return { outcome: 'failed', error: `dossier ${code} has no pickup` }
    let error: DeliveryError
    try {
      const found = await store.getForUpdate(code)
      const req = this.#o.gateway.withdrawal({
        dossierCode: code,
        step: 'pickup',
        ...(p.itemCode !== undefined && { agencyReference: p.itemCode }),
        reason: 'Người nộp hồ sơ đã rút hồ sơ trước khi bưu điện thu gom',
        withdrawnAt: found?.dossier.closedAt ?? toVietnamIso(this.#o.now())
      }, { agencyId: agency.id, ...(agency.code !== undefined && { agencyCode: agency.code }), idempotencyKey: `${code}/pickup/cancel`, dataSchema: '', step: { id: 'pickup', stage: 0, lead: false } })
      await http.send(req, {
        endpoint: agency.endpoint,
        timeoutMs: agency.timeoutMs,
        idempotencyKey: `${code}/pickup/cancel`,
        ...(agency.auth !== undefined && { auth: agency.auth }),
        ...(agency.tls !== undefined && { tls: { agencyId: agency.id, options: agency.tls } })
      })
      await pickups.cancelSent(code, attempt)
      return { outcome: 'done' }
    } catch (err) {
      error = err instanceof DeliveryError ? err : new DeliveryError(`the cancellation cannot be built: ${(err as Error).message}`, false)
    }
    const final = !error.retryable || attempt >= max
    if (final) await pickups.cancelSent(code, attempt, error.message)
    return final ? { outcome: 'failed', error: error.message } : { outcome: 'retry', error: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) }
  }

  async postage (from: Date, to: Date): ReturnType<PickupStore['postage']> {
    return await this.#o.pickups.postage(from, to)
  }
}
