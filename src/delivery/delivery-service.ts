/**
 * One delivery attempt of one dossier to one agency: load the dossier, map it with the agency's
 * adapter, check the mapped request against the adapter's native schema, send it, and record the
 * routing state. Knows nothing of BullMQ: the worker turns the outcome into job semantics.
 */
import type { Logger } from 'pino'
import type { ValidateFunction } from 'ajv'
import type { AgencyAdapter, DeliverableDossier } from '../../adapters/contract.ts'
import type { ResolvedAgency } from '../config/hub-config.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { RoutingState } from '../types/schemas.generated.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { toFieldErrors } from '../validation/ajv.ts'
import { DeliveryError, type AgencyHttpClient } from './http-client.ts'

export type DeliveryOutcome =
  | { outcome: 'delivered', status: number, agencyReference?: string }
  | { outcome: 'already-delivered' }
  | { outcome: 'retry', error: string, retryAfterMs?: number }
  | { outcome: 'failed', error: string }

/** Idempotency-Key of a delivery: the same for every attempt, so the agency can drop repeats. */
export const deliveryIdempotencyKey = (code: string, agency: string): string => `${code}/${agency}`

export interface AgencyChannel {
  agency: ResolvedAgency
  adapter: AgencyAdapter<never, unknown, never>
  /** compiled native request schema of the adapter */
  validateRequest: ValidateFunction
}

export interface DeliveryServiceOptions {
  store: DossierStore
  http: AgencyHttpClient
  channels: ReadonlyMap<string, AgencyChannel>
  log: Logger
  now?: () => Date
}

export class DeliveryService {
  readonly #o: Required<DeliveryServiceOptions>

  constructor (options: DeliveryServiceOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  /**
   * Attempt number `attempt` (1-based) of at most `maxAttempts`. Records the routing state before
   * it returns, so a failure is visible on the dossier even if the process dies right after.
   */
  async attempt (code: string, agencyId: string, attempt: number, maxAttempts: number): Promise<DeliveryOutcome> {
    const { store, http, channels, log, now } = this.#o
    const logger = log.child({ dossier: code, agency: agencyId, attempt })
    const record = async (state: RoutingState): Promise<void> => {
      const r = await store.setRoutingState(code, agencyId, state, toVietnamIso(now()))
      if (r !== 'updated') logger.info({ result: r }, 'routing state not changed')
    }
    const channel = channels.get(agencyId)
    if (channel === undefined) {
      const error = `agency ${agencyId} is not in the hub config any more`
      await record({ state: 'failed', attempts: attempt, lastAttemptAt: toVietnamIso(now()), lastError: error })
      logger.error(error)
      return { outcome: 'failed', error }
    }
    const dossier = await store.get(code)
    if (dossier === undefined) {
      logger.error('dossier not found for delivery')
      return { outcome: 'failed', error: `dossier ${code} does not exist` }
    }
    const current = dossier.routing?.[agencyId]
    if (current === undefined) {
      logger.error('dossier is not routed to this agency')
      return { outcome: 'failed', error: `dossier ${code} is not routed to ${agencyId}` }
    }
    if (current.state === 'delivered') return { outcome: 'already-delivered' }

    const idempotencyKey = deliveryIdempotencyKey(code, agencyId)
    const startedAt = toVietnamIso(now())
    const { routing: _routing, ...deliverable } = dossier
    let error: DeliveryError
    try {
      const req = channel.adapter.outbound(deliverable as DeliverableDossier, {
        agencyId, idempotencyKey, ...(channel.agency.code !== undefined && { agencyCode: channel.agency.code })
      })
      if (!channel.validateRequest(req.body)) {
        const fields = toFieldErrors(channel.validateRequest.errors).slice(0, 5).map((f) => `${f.pointer} ${f.detail}`).join('; ')
        throw new DeliveryError(`the ${channel.adapter.name} adapter produced a request its native schema rejects: ${fields}`, false)
      }
      const res = await http.send(req, { endpoint: channel.agency.endpoint, timeoutMs: channel.agency.timeoutMs, idempotencyKey })
      const agencyReference = channel.adapter.receipt(res)
      await record({
        state: 'delivered', attempts: attempt, lastAttemptAt: startedAt, deliveredAt: toVietnamIso(now()),
        ...(agencyReference !== undefined && { agencyReference })
      })
      logger.info({ status: res.status, agencyReference }, 'delivered')
      return { outcome: 'delivered', status: res.status, ...(agencyReference !== undefined && { agencyReference }) }
    } catch (err) {
      error = err instanceof DeliveryError
        ? err
        : new DeliveryError(`the ${channel.adapter.name} adapter cannot map this dossier: ${(err as Error).message}`, false)
    }
    const final = !error.retryable || attempt >= maxAttempts
    await record({ state: final ? 'failed' : 'retrying', attempts: attempt, lastAttemptAt: startedAt, lastError: error.message })
    if (final) {
      logger.warn({ err: error.message, retryable: error.retryable }, 'delivery failed for good')
      return { outcome: 'failed', error: error.message }
    }
    logger.info({ err: error.message, retryAfterMs: error.retryAfterMs }, 'delivery attempt failed; will retry')
    return { outcome: 'retry', error: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) }
  }

  /** When BullMQ failed a job without our processor deciding (stalled too often): make it visible. */
  async markFailed (code: string, agencyId: string, attempts: number, error: string): Promise<void> {
    const current = await this.#o.store.routingState(code, agencyId)
    if (current === undefined || current.state === 'delivered' || current.state === 'failed') return
    await this.#o.store.setRoutingState(code, agencyId, {
      ...current, state: 'failed', attempts: Math.max(attempts, current.attempts), lastError: error
    }, toVietnamIso(this.#o.now()))
  }
}
