/**
 * One delivery attempt of one step of a dossier's route to the step's agency: load the dossier,
 * map it with the agency's adapter (with the step and the earlier steps' result documents), check
 * the mapped request against the adapter's native schema, send it (signed as the agency's auth
 * says), and record the step's state. Knows nothing of BullMQ: the worker turns the outcome into
 * job semantics.
 */
import { STALE, compareAndSet } from '../store/compare-and-set.ts'
import type { Logger } from 'pino'
import { lazyChild, type LineLogger } from '../logger.ts'
import type { DeliverableDossier, OutboundRequest } from '../../adapters/contract.ts'
import { NativeOutputError, type AdapterGateway } from '../gateway/adapter-gateway.ts'
import type { ResolvedAgency, ResolvedProcedure } from '../config/hub-config.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import { outboxMember, supplementSequence, type DeliveryKind } from '../store/keys.ts'
import type { RoutingState } from '../types/schemas.generated.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { mergeDelivery, type DeliveryUpdate } from '../domain/routing.ts'
import { WITHDRAWN_PREFIX } from '../domain/lifecycle.ts'
import { DeliveryError, type AgencyHttpClient } from './http-client.ts'

export type DeliveryOutcome =
  | { outcome: 'delivered', status: number, agencyReference?: string }
  | { outcome: 'already-delivered' }
  | { outcome: 'not-needed', state: RoutingState['state'] }
  | { outcome: 'retry', error: string, retryAfterMs?: number }
  | { outcome: 'failed', error: string }

/** Idempotency-Key of a delivery: the same for every attempt, so the agency can drop repeats. */
export const deliveryIdempotencyKey = (code: string, step: string): string => `${code}/${step}`

export interface AgencyChannel {
  agency: ResolvedAgency
  /** the agency's adapter, behind its gateway (map → check against the native schema) */
  gateway: AdapterGateway
}

export interface DeliveryServiceOptions {
  store: DossierStore
  http: AgencyHttpClient
  channels: ReadonlyMap<string, AgencyChannel>
  procedures: ReadonlyMap<string, ResolvedProcedure>
  /** queues notices (a withdrawal notice for a delivery that crossed the withdrawal) */
  enqueue?: (deliveries: ReadonlyArray<{ code: string, step: string, agency: string, kind: 'withdrawal' }>) => Promise<void>
  /** the province pays the postage: carried to the adapters (the postal one puts it in every request) */
  provincePaysPostage?: boolean
  log: Logger
  now?: () => Date
}

/** States in which a delivery job has nothing to do. */
const NOTHING_TO_DO = new Set<RoutingState['state']>(['waiting', 'cancelled', 'resolved', 'rejected'])

export class DeliveryService {
  readonly #o: Required<DeliveryServiceOptions>

  constructor (options: DeliveryServiceOptions) {
    this.#o = { now: () => new Date(), enqueue: async () => {}, provincePaysPostage: false, ...options }
  }

  /**
   * Merges a delivery outcome into the step's state and stores it (compare-and-set: if an agency
   * report changed the step meanwhile, merges again into what it says now).
   */
  async #record (code: string, step: string, update: DeliveryUpdate, logger: LineLogger, known?: RoutingState): Promise<RoutingState | undefined> {
    const { store, now } = this.#o
    return await compareAndSet(async (i) => {
      // first guess: the state read before the attempt (stored as JSON.stringify wrote it, so the
      // same text); the compare-and-set says when it changed meanwhile, and the next rounds read it
      const current = i === 0 && known !== undefined ? { raw: JSON.stringify(known), state: known } : await store.stepState(code, step)
      if (current === undefined) {
        logger.warn('the step is gone; delivery state not recorded')
        return undefined
      }
      const next = mergeDelivery(current.state, update)
      // the outbox row is settled once the delivery is no longer being tried
      const settled = next === undefined || (next.state !== 'pending' && next.state !== 'retrying')
      const r = await store.updateStep(code, step, current.raw, next, toVietnamIso(now()), settled ? outboxMember(code, step) : undefined)
      if (r === 'updated') {
        if (next === undefined) logger.info({ state: current.state.state }, 'step already further; delivery state kept')
        return next ?? current.state
      }
      if (r !== 'stale') {
        logger.warn({ result: r }, 'delivery state not recorded')
        return undefined
      }
      return STALE
    }, () => {
      logger.error('delivery state not recorded: the step kept changing')
      return undefined
    })
  }

  /**
   * Attempt number `attempt` (1-based) of at most `maxAttempts`. Records the step's state before
   * it returns, so a failure is visible on the dossier even if the process dies right after.
   */
  async attempt (code: string, step: string, attempt: number, maxAttempts: number): Promise<DeliveryOutcome> {
    const { store, http, channels, procedures, log, now } = this.#o
    const found = await store.getForUpdate(code)
    if (found === undefined) {
      log.error({ dossier: code, step }, 'dossier not found for delivery')
      return { outcome: 'failed', error: `dossier ${code} does not exist` }
    }
    const current = found.routing[step]
    if (current === undefined) {
      log.error({ dossier: code, step }, 'the dossier\'s route has no such step')
      return { outcome: 'failed', error: `dossier ${code} has no step ${step}` }
    }
    const agencyId = current.agency
    const logger = lazyChild(log, { dossier: code, step, agency: agencyId, attempt })
    if (NOTHING_TO_DO.has(current.state)) {
      logger.info({ state: current.state }, 'nothing to deliver for this step')
      await store.outboxRemove(outboxMember(code, step))
      return { outcome: 'not-needed', state: current.state }
    }
    if (current.state !== 'pending' && current.state !== 'retrying' && current.state !== 'failed') {
      await store.outboxRemove(outboxMember(code, step))
      return { outcome: 'already-delivered' }
    }

    const startedAt = toVietnamIso(now())
    const channel = channels.get(agencyId)
    if (channel === undefined) {
      const error = `agency ${agencyId} is not in the hub config any more`
      await this.#record(code, step, { state: 'failed', attempts: attempt, lastAttemptAt: startedAt, lastError: error }, logger, current)
      logger.error(error)
      return { outcome: 'failed', error }
    }
    const idempotencyKey = deliveryIdempotencyKey(code, step)
    const { routing: _routing, ...deliverable } = found.dossier
    const procedure = procedures.get(found.dossier.procedure.code)
    let error: DeliveryError
    try {
      if (procedure === undefined) throw new DeliveryError(`procedure ${found.dossier.procedure.code} is not in the hub config any more`, false)
      const req = channel.gateway.outbound(deliverable as DeliverableDossier, {
        agencyId,
        idempotencyKey,
        dataSchema: procedure.dataSchema,
        step: { id: step, stage: current.stage, ...(current.task !== undefined && { task: current.task }), lead: current.lead === true },
        ...(channel.agency.code !== undefined && { agencyCode: channel.agency.code }),
        ...(this.#o.provincePaysPostage && { provincePaysPostage: true })
      })
      const res = await http.send(req, {
        endpoint: channel.agency.endpoint,
        timeoutMs: channel.agency.timeoutMs,
        idempotencyKey,
        ...(channel.agency.auth !== undefined && { auth: channel.agency.auth }),
        ...(channel.agency.tls !== undefined && { tls: { agencyId, options: channel.agency.tls } })
      })
      const agencyReference = channel.gateway.receipt(res)
      const recorded = await this.#record(code, step, {
        state: 'delivered',
        attempts: attempt,
        lastAttemptAt: startedAt,
        deliveredAt: toVietnamIso(now()),
        ...(agencyReference !== undefined && { agencyReference })
      }, logger, current)
      if (recorded?.state === 'cancelled' && recorded.reason?.startsWith(WITHDRAWN_PREFIX) === true) {
        // withdrawn while this delivery was on its way: the agency holds it now, so it is told too
        logger.info('the dossier was withdrawn during the delivery; a withdrawal notice follows')
        await this.#o.enqueue([{ code, step, agency: agencyId, kind: 'withdrawal' }])
      }
      logger.info({ status: res.status, agencyReference }, 'delivered')
      return { outcome: 'delivered', status: res.status, ...(agencyReference !== undefined && { agencyReference }) }
    } catch (err) {
      error = err instanceof DeliveryError
        ? err
        : err instanceof NativeOutputError
          ? new DeliveryError(err.message, false)
          : new DeliveryError(`the ${channel.gateway.name} adapter cannot map this dossier: ${(err as Error).message}`, false)
    }
    const final = !error.retryable || attempt >= maxAttempts
    await this.#record(code, step, { state: final ? 'failed' : 'retrying', attempts: attempt, lastAttemptAt: startedAt, lastError: error.message }, logger, current)
    if (final) {
      logger.warn({ err: error.message, retryable: error.retryable }, 'delivery failed for good')
      return { outcome: 'failed', error: error.message }
    }
    logger.info({ err: error.message, retryAfterMs: error.retryAfterMs }, 'delivery attempt failed; will retry')
    return { outcome: 'retry', error: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) }
  }

  /**
   * Attempt `attempt` of a notice about a dossier a step's agency holds: the applicant withdrew it
   * (kind 'withdrawal'), or supplied the papers it asked for (kind 'supplement-<n>'), through the
   * adapter's withdrawal or supplement request, with the Idempotency-Key "<code>/<step>/<kind>".
   * How it went is kept on the step (`withdrawalNotice`, `lastSupplement`), so a failure is visible
   * on the dossier.
   */
  async notice (code: string, step: string, kind: Exclude<DeliveryKind, 'dossier'>, attempt: number, maxAttempts: number): Promise<DeliveryOutcome> {
    const { store, http, channels, procedures, log, now } = this.#o
    const sequence = supplementSequence(kind)
    const what = sequence === undefined ? 'withdrawal notice' : `supplement ${sequence}`
    const logger = lazyChild(log, { dossier: code, step, attempt, notice: kind })
    const found = await store.getForUpdate(code)
    const current = found?.routing[step]
    const member = outboxMember(code, step, kind)
    if (found === undefined || current === undefined) {
      await store.outboxRemove(member)
      return { outcome: 'failed', error: `dossier ${code} or its step ${step} does not exist` }
    }
    if (sequence === undefined ? current.withdrawalNotice?.state === 'delivered' : (current.lastSupplement?.sequence ?? 0) > sequence || (current.lastSupplement?.sequence === sequence && current.lastSupplement.state === 'delivered')) {
      await store.outboxRemove(member)
      return { outcome: 'already-delivered' }
    }
    const at = toVietnamIso(now())
    type Outcome = { state: 'delivered' | 'retrying' | 'failed', attempts: number, at: string, lastError?: string }
    const record = async (o: Outcome): Promise<void> => {
      await compareAndSet(async () => {
        const s = await store.stepState(code, step)
        if (s === undefined) return
        let next: RoutingState
        if (sequence === undefined) next = { ...s.state, withdrawalNotice: o }
        else if ((s.state.lastSupplement?.sequence ?? 0) > sequence) {
          // a later supplement is being carried: its state counts, and this one is settled
          await store.outboxRemove(member)
          return
        } else next = { ...s.state, lastSupplement: { sequence, ...o } }
        return await store.updateStep(code, step, s.raw, next, at, o.state === 'retrying' ? undefined : member) === 'stale' ? STALE : undefined
      }, () => { logger.error('notice state not recorded: the step kept changing') })
    }
    const channel = channels.get(current.agency)
    let error: DeliveryError
    try {
      if (channel === undefined) throw new DeliveryError(`agency ${current.agency} is not in the hub config any more`, false)
      const procedure = procedures.get(found.dossier.procedure.code)
      const idempotencyKey = `${deliveryIdempotencyKey(code, step)}/${kind}`
      const context = {
        agencyId: current.agency,
        idempotencyKey,
        dataSchema: procedure?.dataSchema ?? '',
        step: { id: step, stage: current.stage, ...(current.task !== undefined && { task: current.task }), lead: current.lead === true },
        ...(channel.agency.code !== undefined && { agencyCode: channel.agency.code }),
        ...(this.#o.provincePaysPostage && { provincePaysPostage: true })
      }
      const agencyReference = current.agencyReference !== undefined ? { agencyReference: current.agencyReference } : {}
      let req: OutboundRequest
      if (sequence === undefined) {
        const reason = current.reason?.startsWith(WITHDRAWN_PREFIX) === true ? current.reason.slice(WITHDRAWN_PREFIX.length) : (current.reason ?? 'withdrawn by the applicant')
        req = channel.gateway.withdrawal({ dossierCode: code, step, ...agencyReference, reason, withdrawnAt: found.dossier.closedAt ?? at }, context)
      } else {
        const supplement = await store.supplement(code, sequence)
        if (supplement === undefined) throw new DeliveryError(`dossier ${code} has no supplement ${sequence}`, false)
        req = channel.gateway.supplement({
          dossierCode: code,
          step,
          ...agencyReference,
          sequence,
          attachments: supplement.attachments,
          ...(supplement.note !== undefined && { note: supplement.note }),
          submittedAt: supplement.submittedAt
        }, context)
      }
      const res = await http.send(req, {
        endpoint: channel.agency.endpoint,
        timeoutMs: channel.agency.timeoutMs,
        idempotencyKey,
        ...(channel.agency.auth !== undefined && { auth: channel.agency.auth }),
        ...(channel.agency.tls !== undefined && { tls: { agencyId: current.agency, options: channel.agency.tls } })
      })
      await record({ state: 'delivered', attempts: attempt, at })
      logger.info({ status: res.status }, `${what} delivered`)
      return { outcome: 'delivered', status: res.status }
    } catch (err) {
      error = err instanceof DeliveryError
        ? err
        : err instanceof NativeOutputError ? new DeliveryError(err.message, false) : new DeliveryError(`the adapter cannot write the ${what}: ${(err as Error).message}`, false)
    }
    const final = !error.retryable || attempt >= maxAttempts
    await record({ state: final ? 'failed' : 'retrying', attempts: attempt, at, lastError: error.message })
    logger.warn({ err: error.message, final }, `${what} not delivered`)
    return final ? { outcome: 'failed', error: error.message } : { outcome: 'retry', error: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) }
  }

  /** When BullMQ failed a job without our processor deciding (stalled too often): make it visible. */
  async markFailed (code: string, step: string, attempts: number, error: string): Promise<void> {
    const current = await this.#o.store.stepState(code, step)
    if (current === undefined || current.state.state === 'failed') return
    await this.#record(code, step, { state: 'failed', attempts: Math.max(attempts, current.state.attempts), lastError: error }, lazyChild(this.#o.log, { dossier: code, step }))
  }
}
