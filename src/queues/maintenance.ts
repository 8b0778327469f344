/**
 * Periodic hub maintenance as a BullMQ job scheduler, so that with several worker processes each
 * run happens once, on one of them. Today: the outbox reconciler.
 */
import { Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { OutboxReconciler } from './reconciler.ts'

export const MAINTENANCE_QUEUE = 'maintenance'
const RECONCILE_SCHEDULER_ID = 'reconcile-outbox'

export interface Maintenance {
  queue: Queue
  worker: Worker
  close(): Promise<void>
}

export async function startMaintenance (options: { connection: Redis, prefix: string, reconciler: OutboxReconciler, intervalMs: number, log: Logger }): Promise<Maintenance> {
  const { connection, prefix, reconciler, intervalMs, log } = options
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix })
  await queue.upsertJobScheduler(RECONCILE_SCHEDULER_ID, { every: intervalMs }, {
    name: 'reconcile-outbox',
    opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } }
  })
  const worker = new Worker(MAINTENANCE_QUEUE, async (job) => {
    if (job.name !== 'reconcile-outbox') return undefined
    const report = await reconciler.runOnce()
    if (report.checked > 0) log.info({ ...report }, 'outbox reconciled')
    return report
  }, { connection, prefix, concurrency: 1 })
  worker.on('error', (err) => { log.error({ err }, 'maintenance worker error') })
  return {
    queue,
    worker,
    async close () {
      await worker.close()
      await queue.close()
    }
  }
}
