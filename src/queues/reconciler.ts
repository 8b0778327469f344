/**
 * The outbox reconciler: the second half of "never a stored dossier without its routing job".
 *
 * Intake stores the dossier and, in the same Lua transaction, one outbox entry per delivery
 * (an agency report that releases the next stage of a linked route does the same for its steps)
 * ("<code>|<step>", scored by time). Then it queues the delivery jobs. If the process dies (or
 * Redis hiccups) between the two, the entries stay in the outbox. A worker's first routing-state
 * update for a delivery removes its entry (it proves the job exists and ran).
 *
 * This reconciler looks at entries older than a grace period and, for each:
 *   - the job exists (waiting, delayed, active, done or failed) → it is queued: drop the entry;
 *   - no job, the delivery is still pending/retrying → queue it (same jobId), then drop the entry;
 *   - no job, already delivered or failed, or the dossier is gone → drop the entry.
 * It checks the job before the state: a job is only removed after the worker recorded its outcome,
 * so "no job" plus a pending state really means "never queued". Re-queuing is idempotent (jobId =
 * "<code>/<step>"; the worker skips deliveries already delivered), so running it on several workers
 * at once, or twice, is harmless. A job never exists without its dossier: jobs are only ever
 * created from a stored dossier, by intake or here.
 */
import type { Logger } from 'pino'
import type { DossierStore } from '../store/dossier-store.ts'
import type { DeliveryQueues } from './delivery-queues.ts'
import { supplementSequence } from '../store/keys.ts'

export interface ReconcileReport {
  checked: number
  requeued: number
  confirmed: number
  dropped: number
}

export interface ReconcilerOptions {
  store: DossierStore
  queues: DeliveryQueues
  log: Logger
  /** entries younger than this are still being handled by intake */
  graceMs?: number
  batch?: number
}

export class OutboxReconciler {
  readonly #o: Required<ReconcilerOptions>

  constructor (options: ReconcilerOptions) {
    this.#o = { graceMs: 10_000, batch: 500, ...options }
  }

  async runOnce (nowMs = Date.now()): Promise<ReconcileReport> {
    const { store, queues, log, graceMs, batch } = this.#o
    const report: ReconcileReport = { checked: 0, requeued: 0, confirmed: 0, dropped: 0 }
    const due = await store.outboxDue(nowMs - graceMs, batch)
    for (const { code, step, kind, member } of due) {
      report.checked++
      const found = await store.stepState(code, step)
      if (found === undefined) {
        report.dropped++
        await store.outboxRemove(member)
        continue
      }
      const { agency } = found.state
      if (!queues.has(agency)) {
        log.error({ dossier: code, step, agency }, 'outbox entry for an agency that is no longer configured; left in the outbox')
        continue
      }
      if (await queues.getJob(agency, code, step, kind) !== undefined) {
        report.confirmed++
        await store.outboxRemove(member)
        continue
      }
      // read again: the job may have run and been removed between the two reads
      const state = (await store.stepState(code, step))?.state
      // a notice is owed whatever the step's own state shows (a withdrawal cancelled it)
      const sequence = supplementSequence(kind)
      const owed = state === undefined
        ? false
        : kind === 'withdrawal'
          ? state.withdrawalNotice?.state !== 'delivered'
          : sequence !== undefined
            ? (state.lastSupplement?.sequence ?? 0) <= sequence && !(state.lastSupplement?.sequence === sequence && state.lastSupplement.state === 'delivered')
            : state.state === 'pending' || state.state === 'retrying'
      if (owed) {
        await queues.enqueue(code, [{ step, agency, kind }])
        report.requeued++
        log.warn({ dossier: code, step, agency }, 'delivery was stored but never queued; queued it now')
      } else {
        report.dropped++
      }
      await store.outboxRemove(member)
    }
    return report
  }
}
