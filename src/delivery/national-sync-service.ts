/**
 * The sync to the national public service portal (DVCQG): one run brings DVCQG up to date on one
 * dossier, sending its status changes it does not have yet one after another, in order, each as
 * one message (the sync record and the progress update of that change: adapters/national-portal),
 * mapped and checked against the portal's schema by its gateway (gateway/national-portal-gateway.ts),
 * and sent as the config's `nationalPortal` says (endpoint, auth, TLS). Knows nothing of BullMQ:
 * the worker turns outcomes into job semantics.
 *
 * - Order: a run holds the dossier's lease (store: one sender per dossier) and moves the cursor
 *   after each message; a failure stops the run there, and the later messages wait behind it.
 * - Receive once: message n carries `Idempotency-Key: <code>/dvcqg/<n>` and SoThuTu n, the same
 *   on every attempt; a message DVCQG has is never sent again by the hub (the cursor).
 * - Failure: 408, 429, 5xx, network errors and timeouts are retried with back-off; any other 4xx,
 *   or a dossier the adapter cannot map, fails for good at once: the dossier's sync shows `failed`
 *   with the reason (redacted of personal data) in the admin API and /metrics until an
 *   administrator retries it.
 */
import type { Logger } from 'pino'
import type { ResolvedNationalPortal } from '../config/hub-config.ts'
import type { NationalSyncStore } from '../store/national-sync-store.ts'
import type { NationalRecordContext } from '../../adapters/national-portal/index.ts'
import type { NationalPortalGateway } from '../gateway/national-portal-gateway.ts'
import { NativeOutputError } from '../gateway/adapter-gateway.ts'
import { DeliveryError, type AgencyHttpClient } from './http-client.ts'

export type NationalSyncOutcome =
  | { outcome: 'done', sent: number, through: number }
  | { outcome: 'busy' }
  | { outcome: 'retry', error: string, retryAfterMs?: number }
  | { outcome: 'failed', error: string }

/** The Idempotency-Key of sync message `sequence` of a dossier: the same on every attempt. */
export const nationalSyncKey = (code: string, sequence: number): string => `${code}/dvcqg/${sequence}`

export interface NationalSyncServiceOptions {
  sync: NationalSyncStore
  http: AgencyHttpClient
  portal: ResolvedNationalPortal
  /** what the record needs beyond the dossier, its history and its facts read at the run's start (agency names, database codes) */
  context: Omit<NationalRecordContext, 'history' | 'payments' | 'resultDocuments' | 'paidOnline'>
  /** DuocThanhToanTrucTuyen of a payment made online (payments.paidOnlineCode, default 2) */
  paidOnlineCode?: 1 | 2
  /** the national portal's gateway: map → validate against `national-portal-sync` */
  gateway: NationalPortalGateway
  log: Logger
  now?: () => Date
}

export class NationalSyncService {
  readonly #o: Required<NationalSyncServiceOptions>

  constructor (options: NationalSyncServiceOptions) {
    this.#o = { now: () => new Date(), paidOnlineCode: 2, ...options }
  }

  /**
   * Attempt `attempt` of at most `maxAttempts` to bring DVCQG up to message `upTo` (and whatever
   * queued up behind it) of dossier `code`. Round trips to the record: one to start (lease and read,
   * NationalSyncStore.begin), one per message sent (the cursor, with the lease renewed or, after the
   * last, given back), one on a failure (its state, with the lease given back).
   */
  async run (code: string, upTo: number, attempt: number, maxAttempts: number, token: string): Promise<NationalSyncOutcome> {
    const { sync, http, portal, context, paidOnlineCode, gateway, log, now } = this.#o
    const leaseMs = Math.max(30_000, portal.timeoutMs * 3)
    const start = await sync.begin(code, upTo, token, leaseMs, paidOnlineCode)
    if (start.outcome === 'missing') return { outcome: 'failed', error: `dossier ${code} does not exist` }
    if (start.outcome === 'busy') return { outcome: 'busy' }
    if (start.outcome === 'done') return { outcome: 'done', sent: 0, through: start.synced }
    const { dossier, changes, history, facts } = start
    let held = true
    let sent = 0
    let sequence = 0
    try {
      const withHistory = { ...context, ...facts, history }
      for (const [i, change] of changes.entries()) {
        sequence = change.sequence
        let message: unknown
        try {
          message = gateway.sync(dossier, change, withHistory)
        } catch (err) {
          // a mapping the record's schema refuses, or one that throws: no retry makes it right
          throw new DeliveryError(err instanceof NativeOutputError ? err.message : `the national-portal adapter cannot map this dossier: ${(err as Error).message}`, false)
        }
        const idempotencyKey = nationalSyncKey(code, change.sequence)
        await http.send({ method: 'POST', body: message }, {
          endpoint: portal.endpoint,
          timeoutMs: portal.timeoutMs,
          idempotencyKey,
          ...(portal.auth !== undefined && { auth: portal.auth }),
          ...(portal.tls !== undefined && { tls: { agencyId: portal.id, options: portal.tls } })
        })
        const last = i === changes.length - 1
        const mine = await sync.delivered(code, change.sequence, now(), token, leaseMs, last)
        sent++
        if (last) held = false
        // the lease was taken over (this run stopped renewing it for too long): the new sender goes on from the cursor
        else if (!mine) { held = false; return { outcome: 'busy' } }
      }
      log.info({ dossier: code, sent, through: sequence }, 'synced to the national portal')
      return { outcome: 'done', sent, through: sequence }
    } catch (err) {
      // anything else (the record away while the cursor moved) is tried again
      const e = err instanceof DeliveryError ? err : new DeliveryError(`the sync could not be recorded: ${(err as Error).message}`, true)
      const final = !e.retryable || attempt >= maxAttempts
      const error = `message ${sequence}: ${e.message}`
      await sync.attemptFailed(code, final ? 'failed' : 'retrying', attempt, error, now(), token)
      held = false
      log.warn({ dossier: code, sequence, err: e.message, final }, final ? 'national portal sync failed for good' : 'national portal sync attempt failed; will retry')
      return final ? { outcome: 'failed', error } : { outcome: 'retry', error, ...(e.retryAfterMs !== undefined && { retryAfterMs: e.retryAfterMs }) }
    } finally {
      // a run stopped by what it could not record (the record away): the lease is given back if it can be, else it expires
      if (held) await sync.release(code, token).catch(() => {})
    }
  }
}
