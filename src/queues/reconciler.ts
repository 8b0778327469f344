/**
 * The outbox relay: "never a stored dossier without its routing job", and "no delivery lost with
 * Redis".
 *
 * Intake stores the dossier and, in the same PostgreSQL transaction, one outbox row per delivery
 * (an agency report that releases the next stage of a linked route, a withdrawal or a supplement
 * does the same for its deliveries); then it queues the BullMQ jobs. A row stays unconfirmed until
 * the delivery settles: the agency has it, or it failed for good, or it is not needed any more
 * (DeliveryService confirms it with the step's new state). If the process dies between commit and
 * queueing, or Redis loses the jobs (flushed, failed over without its data), the rows are still
 * there and this relay queues them again.
 *
 * It looks at unconfirmed rows last looked at (or written) more than a grace period ago, and for each:
 *   - the job exists (waiting, delayed, active) → it is queued: stamp the row as seen queued now
 *     (so the next runs look at other rows first, and at this one again a grace period later);
 *   - no job, or one that finished (completed, failed) without the record hearing of it, and the
 *     delivery is still owed (pending/retrying, or the notice not delivered) → queue it (same
 *     jobId, the finished job removed first), stamp it;
 *   - no job, nothing owed (delivered, failed for good, or the dossier is gone) → confirm the row.
 * The stamps and confirmations of a batch are written at its end, one statement each
 * (store/outbox-relay.ts, shared with the payment and pickup relays). Re-queuing is idempotent (jobId "<code>/<step>"; the worker skips deliveries already delivered;
 * agencies drop repeats by Idempotency-Key), so running it on several workers at once, or twice,
 * is harmless. Jobs are only ever created from a stored dossier, by intake or here.
 */
import type { Logger } from 'pino'
import type { DossierStore } from '../store/dossier-store.ts'
import type { DeliveryQueues } from './delivery-queues.ts'
import { supplementSequence } from '../store/keys.ts'

export interface ReconcileReport {
  checked: number
  /** queued again: the job was missing and the delivery is owed */
  requeued: number
  /** the job is in the queue: left to it */
  queued: number
  /** nothing owed any more: the row is confirmed */
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
    const { store, graceMs, batch } = this.#o
    const report: ReconcileReport = { checked: 0, requeued: 0, queued: 0, dropped: 0 }
    const due = await store.outboxDue(nowMs - graceMs, batch)
    // rows stamped seen and rows confirmed, written in one statement each for the batch
    const seen: string[] = []
    const settled: string[] = []
    try {
      await this.#check(due, report, seen, settled)
    } finally {
      // both, whatever the other's fate; a failure here is logged, not put in place of the check's
      const written = await Promise.allSettled([store.outboxSeen(seen), store.outboxRemove(settled)])
      for (const w of written) if (w.status === 'rejected') this.#o.log.warn({ err: w.reason }, 'outbox relay: rows seen or settled not stamped; the next run looks at them again')
    }
    return report
  }

  async #check (due: Awaited<ReturnType<DossierStore['outboxDue']>>, report: ReconcileReport, seen: string[], settled: string[]): Promise<void> {
    const { store, queues, log } = this.#o
    for (const { code, step, kind, member } of due) {
      report.checked++
      const found = await store.stepState(code, step)
      if (found === undefined) {
        report.dropped++
        settled.push(member)
        continue
      }
      const { agency } = found.state
      if (!queues.has(agency)) {
        log.error({ dossier: code, step, agency }, 'outbox entry for an agency that is no longer configured; left in the outbox')
        continue
      }
      const queued = await queues.queuedJob(agency, code, step, kind)
      if (queued !== undefined && queued.state !== 'failed' && queued.state !== 'completed') {
        report.queued++
        seen.push(member)
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
        // a finished job while the record still owes the delivery: its end never reached the record
        // (Redis lost the job's keys under the worker, which then failed it without its data), so
        // it goes, and the delivery is queued again (the worker's own failures are in the record)
        if (queued !== undefined) await queued.job.remove().catch(() => {})
        await queues.enqueue(code, [{ step, agency, kind }])
        seen.push(member)
        report.requeued++
        log.warn({ dossier: code, step, agency }, 'delivery stored but not in its queue (never queued, or Redis lost it); queued it now')
      } else {
        report.dropped++
        settled.push(member)
      }
    }
  }
}
