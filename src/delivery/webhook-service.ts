/**
 * Webhook notifications to subscribers (the provincial portal): every status change of a dossier,
 * its overdue flag and delays announced, signed with HMAC-SHA256 over timestamp + "." + body
 * (the same scheme as outbound HMAC auth: delivery/outbound-auth.ts) and delivered in order per
 * dossier. Knows nothing of BullMQ: the worker turns outcomes into job semantics.
 *
 * One run delivers, to one subscriber, every notification of one dossier from its cursor up to
 * `upTo`, in sequence order, holding the (subscriber, dossier) lock; the cursor moves after each
 * delivery. A failure stops the run there: later notifications wait behind it (order first), and
 * the next run starts again from the one that failed. Each notification's id "<code>:<seq>" is
 * its Idempotency-Key and X-Hub-Delivery header, the same on every attempt.
 */
import type { Logger } from 'pino'
import type { ResolvedSubscriber } from '../config/hub-config.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { NotificationStore, WebhookLogEntry } from '../store/notification-store.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { DeliveryError, type AgencyHttpClient } from './http-client.ts'

export type WebhookOutcome =
  | { outcome: 'done', sent: number, from: number, through: number }
  | { outcome: 'busy' }
  | { outcome: 'retry', error: string, retryAfterMs?: number }
  | { outcome: 'failed', error: string }

export interface WebhookServiceOptions {
  store: DossierStore
  notifications: NotificationStore
  http: AgencyHttpClient
  subscribers: ReadonlyMap<string, ResolvedSubscriber>
  log: Logger
  now?: () => Date
}

export const notificationId = (code: string, sequence: number): string => `${code}:${sequence}`

export class WebhookService {
  readonly #o: Required<WebhookServiceOptions>

  constructor (options: WebhookServiceOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  get subscriberIds (): string[] { return [...this.#o.subscribers.keys()] }

  async #log (code: string, entry: WebhookLogEntry, cursor?: number): Promise<void> {
    if (cursor !== undefined) await this.#o.notifications.delivered(code, entry.subscriber, cursor, entry)
    else await this.#o.notifications.logAttempt(code, entry)
  }

  /** Attempt number `attempt` of at most `maxAttempts` to bring `subscriber` up to date (at least to notification `upTo`) on dossier `code`. */
  async run (code: string, subscriberId: string, upTo: number, attempt: number, maxAttempts: number, token: string): Promise<WebhookOutcome> {
    const { notifications, http, log, now, store } = this.#o
    const sub = this.#o.subscribers.get(subscriberId)
    if (sub === undefined) return { outcome: 'failed', error: `subscriber ${subscriberId} is not in the hub config any more` }
    if (!(await notifications.lock(sub.id, code, token, Math.max(30_000, sub.timeoutMs * 3)))) return { outcome: 'busy' }
    let sent = 0
    try {
      const cursor = await notifications.cursor(code, sub.id)
      if (cursor >= upTo) return { outcome: 'done', sent, from: cursor, through: cursor }
      // everything pending, not only up to `upTo`: a run after a failure also carries the
      // notifications that queued up behind it
      const items = await notifications.range(code, cursor + 1, 0)
      // an agency's own system hears only of dossiers routed to it
      const forMe = sub.agency === undefined || ((await store.agenciesOf(code)) ?? []).includes(sub.agency)
      for (let i = 0; i < items.length; i++) {
        const sequence = cursor + 1 + i
        const item = items[i] as Record<string, unknown>
        const event = String(item.event)
        const base = { at: toVietnamIso(now()), subscriber: sub.id, sequence, event, attempt }
        if (!forMe || !sub.events.has(event as never)) {
          await this.#log(code, { ...base, outcome: 'skipped', error: forMe ? `not subscribed to ${event}` : `dossier not routed to ${sub.agency ?? ''}` }, sequence)
          continue
        }
        const id = notificationId(code, sequence)
        try {
          const res = await http.send(
            { method: 'POST', headers: { 'x-hub-event': event, 'x-hub-delivery': id }, body: { id, sequence, ...item, dossier: code } },
            { endpoint: sub.url, timeoutMs: sub.timeoutMs, idempotencyKey: id, auth: { type: 'hmac-sha256', secret: sub.secret } }
          )
          await this.#log(code, { ...base, outcome: 'delivered', status: res.status }, sequence)
          sent++
        } catch (err) {
          const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, true)
          const final = !e.retryable || attempt >= maxAttempts
          await this.#log(code, { ...base, outcome: final ? 'failed' : 'retrying', ...(e.status !== undefined && { status: e.status }), error: e.message })
          log.warn({ dossier: code, subscriber: sub.id, sequence, err: e.message, final }, 'webhook notification not delivered')
          return final
            ? { outcome: 'failed', error: `notification ${sequence}: ${e.message}` }
            : { outcome: 'retry', error: `notification ${sequence}: ${e.message}`, ...(e.retryAfterMs !== undefined && { retryAfterMs: e.retryAfterMs }) }
        }
      }
      await notifications.settle(code, this.subscriberIds)
      return { outcome: 'done', sent, from: cursor, through: cursor + items.length }
    } finally {
      await notifications.unlock(sub.id, code, token)
    }
  }
}
