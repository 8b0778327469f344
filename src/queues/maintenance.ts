/**
 * Periodic hub maintenance as BullMQ job schedulers, so that with several worker processes each
 * run happens once, on one of them:
 *   - reconcile-outbox: deliveries and webhook notifications committed but not queued (a crash
 *     between the commit and the job add, Redis away, or Redis that lost its jobs) are queued;
 *   - sweep-overdue: open dossiers past their due date are flagged overdue, once (the flag is a
 *     compare-and-set on the dossier: two sweeps at once cannot flag one twice);
 *   - sync-national: the status changes owed to the national portal (DVCQG) get their sync job
 *     (queues/national-sync-queue.ts), every second or so;
 *   - audit-checkpoint: daily at 00:05 Vietnam time, the signed checkpoint of every audit trail's
 *     head (services/audit-checkpoints.ts; one a day is kept, whichever run comes first);
 *   - data-store-sync: results not yet synced to the national personal data store are sent
 *     (delivery/national-store.ts), when the hub config names the store.
 */
import { Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { OutboxReconciler } from './reconciler.ts'
import { QUEUE_EVENTS_KEPT } from './delivery-queues.ts'
import type { WebhookQueue } from './webhook-queue.ts'
import type { NotificationStore } from '../store/notification-store.ts'
import type { NoticeQueues } from './notice-queue.ts'
import type { NoticeStore } from '../store/notice-store.ts'

export const MAINTENANCE_QUEUE = 'maintenance'
const RECONCILE_SCHEDULER_ID = 'reconcile-outbox'
const SWEEP_SCHEDULER_ID = 'sweep-overdue'
const CHECKPOINT_SCHEDULER_ID = 'audit-checkpoint'
const NATIONAL_SYNC_SCHEDULER_ID = 'sync-national'
const DATA_STORE_SYNC_SCHEDULER_ID = 'data-store-sync'
/** 00:05 every day, Vietnam time (cron: second minute hour day month weekday) */
const CHECKPOINT_PATTERN = '0 5 0 * * *'

export interface Maintenance {
  queue: Queue
  worker: Worker
  close(): Promise<void>
}

/** What a signed audit checkpoint reports, for the log. */
export interface CheckpointTaken {
  date: string
  trails: number
  unverified: readonly string[]
  headsDigest: string
}

export interface MaintenanceOptions {
  connection: Redis
  prefix: string
  reconciler: OutboxReconciler
  intervalMs: number
  log: Logger
  /** flags open dossiers past their due date (the lifecycle service's sweep) */
  sweepOverdue?: () => Promise<unknown>
  /** how often the overdue sweeper runs (default 60 s) */
  sweepIntervalMs?: number
  webhooks?: { queue: WebhookQueue, notifications: NotificationStore, graceMs: number }
  /** notices to the applicant: notifications not planned, notices not settled (queues/notice-queue.ts) */
  notices?: { queues: NoticeQueues, store: NoticeStore, graceMs: number, now?: () => Date }
  /** signs the day's audit checkpoint (the audit checkpoints service) */
  takeCheckpoint?: () => Promise<CheckpointTaken>
  /** run the checkpoint job this often instead of daily (tests) */
  checkpointEveryMs?: number
  /** queues the sync jobs the national portal is owed (NationalSyncQueue.relay); how often (default 1 s) */
  nationalSync?: { relay: () => Promise<number>, everyMs?: number }
  /** more periodic jobs (the payment relay and reminders…), each once per period on one worker */
  extra?: ReadonlyArray<{ name: string, everyMs: number, run: () => Promise<unknown> }>
  /** once-only: sends the results not yet synced to the national personal data store; how often (default 30 s) */
  dataStoreSync?: { run: () => Promise<unknown>, everyMs?: number }
}

export async function startMaintenance (options: MaintenanceOptions): Promise<Maintenance> {
  const { connection, prefix, reconciler, intervalMs, log, sweepOverdue, webhooks, takeCheckpoint } = options
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix, streams: { events: { maxLen: QUEUE_EVENTS_KEPT } } })
  const opts = { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } }
  const schedule = async (): Promise<void> => {
    await queue.upsertJobScheduler(RECONCILE_SCHEDULER_ID, { every: intervalMs }, { name: 'reconcile-outbox', opts })
    if (sweepOverdue !== undefined) {
      await queue.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: options.sweepIntervalMs ?? 60_000 }, { name: 'sweep-overdue', opts })
    }
    if (options.nationalSync !== undefined) {
      await queue.upsertJobScheduler(NATIONAL_SYNC_SCHEDULER_ID, { every: options.nationalSync.everyMs ?? 1000 }, { name: 'sync-national', opts })
    }
    for (const job of options.extra ?? []) await queue.upsertJobScheduler(job.name, { every: job.everyMs }, { name: job.name, opts })
    if (takeCheckpoint !== undefined) {
      const repeat = options.checkpointEveryMs !== undefined ? { every: options.checkpointEveryMs } : { pattern: CHECKPOINT_PATTERN, tz: 'Asia/Ho_Chi_Minh' }
      await queue.upsertJobScheduler(CHECKPOINT_SCHEDULER_ID, repeat, { name: 'audit-checkpoint', opts })
    }
    if (options.dataStoreSync !== undefined) {
      await queue.upsertJobScheduler(DATA_STORE_SYNC_SCHEDULER_ID, { every: options.dataStoreSync.everyMs ?? 30_000 }, { name: 'data-store-sync', opts })
    }
  }
  await schedule()
  // The schedulers live in Redis, which may lose them (flushed, failed over without its data):
  // every process that runs maintenance puts them back now and then (an upsert of the same
  // scheduler changes nothing), so the relay and the sweeper never stop for good.
  const keeper = setInterval(() => {
    schedule().catch((err: unknown) => { log.warn({ err }, 'maintenance schedulers could not be checked now') })
  }, Math.max(1000, Math.min(intervalMs, 60_000)))
  keeper.unref()
  const worker = new Worker(MAINTENANCE_QUEUE, async (job) => {
    if (job.name === 'reconcile-outbox') {
      const report = await reconciler.runOnce()
      if (report.checked > 0) log.info({ ...report }, 'outbox reconciled')
      const notifications = webhooks === undefined ? 0 : await webhooks.queue.reconcile(webhooks.notifications, webhooks.graceMs)
      if (notifications > 0) log.warn({ queued: notifications }, 'webhook notifications stored but not queued; queued them now')
      const notices = options.notices === undefined ? 0 : await options.notices.queues.reconcile(options.notices.store, options.notices.graceMs, options.notices.now?.() ?? new Date())
      if (notices > 0) log.warn({ queued: notices }, 'notices to applicants stored but not queued; queued them now')
      return { ...report, notifications, notices }
    }
    if (job.name === 'sweep-overdue' && sweepOverdue !== undefined) return await sweepOverdue()
    if (job.name === 'sync-national' && options.nationalSync !== undefined) return { queued: await options.nationalSync.relay() }
    const extra = options.extra?.find((e) => e.name === job.name)
    if (extra !== undefined) return await extra.run()
    if (job.name === 'data-store-sync' && options.dataStoreSync !== undefined) return await options.dataStoreSync.run()
    if (job.name === 'audit-checkpoint' && takeCheckpoint !== undefined) {
      const c = await takeCheckpoint()
      log.info({ date: c.date, trails: c.trails, unverified: c.unverified.length, headsDigest: c.headsDigest }, 'audit checkpoint signed')
      if (c.unverified.length > 0) log.error({ dossiers: c.unverified.slice(0, 20), count: c.unverified.length }, 'audit head records that do not verify under the audit key: the store was edited without the key')
      return { date: c.date, trails: c.trails, headsDigest: c.headsDigest }
    }
    return undefined
  }, { connection, prefix, concurrency: 1 })
  let closing = false
  // once closing (forced, below), a fetch cut short by the closed connection is no error worth a line
  worker.on('error', (err) => { if (!closing) log.error({ err }, 'maintenance worker error') })
  return {
    queue,
    worker,
    async close () {
      clearInterval(keeper)
      // forced: its jobs are periodic and idempotent (the next run on any worker does the work), and
      // a graceful close can wait for ever on a worker whose Redis restarted empty under it
      closing = true
      await worker.close(true)
      await queue.close()
    }
  }
}
