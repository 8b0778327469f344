/**
 * Small outbox-fed queues of the citizen services: `payments` (creating a payment request on the
 * payment platform, jobId "create/<reference>"; telling an agency its fees were paid,
 * "notice/<reference>") and `postal-pickups` (asking the post office to collect a dossier,
 * "pickup/<dossier code>"). Job data carries a reference only (no personal data). Retried with the
 * hub's backoff under the destination's retry policy; a failure for good is recorded in the record
 * (the payment, the pickup) and the job stays in the failed set.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { RetryPolicy } from '../domain/retry.ts'
import { BACKOFF_TYPE, QUEUE_EVENTS_KEPT } from './delivery-queues.ts'
import { backoffSettings, settleOutcome } from './job-outcome.ts'
import { hasData, stateUnlessOrphaned } from './orphaned-job.ts'

export const PAYMENT_QUEUE = 'payments'
export const PICKUP_QUEUE = 'postal-pickups'

/** One message of the record's outbox to send: what (create, notice, pickup) and about which payment or dossier. */
export interface OutboxJob {
  message: string
  reference: string
}

const FIELDS = ['message', 'reference'] as const
export const outboxJobId = (job: OutboxJob): string => `${job.message}/${job.reference}`

export type JobOutcome = { outcome: 'done' } | { outcome: 'retry', error: string, retryAfterMs?: number } | { outcome: 'failed', error: string }

export class OutboxJobQueue<T extends OutboxJob = OutboxJob> {
  readonly queue: Queue<T>
  readonly #retry: Required<RetryPolicy>

  constructor (name: string, connection: Redis, prefix: string, retry: Required<RetryPolicy>) {
    this.queue = new Queue<T>(name, { connection, prefix, streams: { events: { maxLen: QUEUE_EVENTS_KEPT } } })
    this.#retry = retry
  }

  /** Queues jobs; a finished job with the same id (its end never reached the record), or one a Redis loss left, is removed first. */
  async enqueue (jobs: readonly T[]): Promise<void> {
    await Promise.all(jobs.map(async (data) => {
      const id = outboxJobId(data)
      const old = await this.queue.getJob(id)
      if (old !== undefined) {
        const state = await stateUnlessOrphaned(old, FIELDS)
        if (state !== undefined && state !== 'completed' && state !== 'failed') return
        await old.remove().catch(() => {})
      }
      await (this.queue as unknown as Queue<OutboxJob>).add(data.message, { message: data.message, reference: data.reference }, {
        jobId: id,
        attempts: this.#retry.attempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: 3600, count: 100 },
        removeOnFail: false
      })
    }))
  }

  async close (): Promise<void> {
    await this.queue.close()
  }
}

export function createOutboxJobWorker<T extends OutboxJob> (o: { name: string, connection: Redis, prefix: string, run: (job: T, attempt: number, max: number) => Promise<JobOutcome>, retry: Required<RetryPolicy>, log: Logger, concurrency?: number }): Worker<T> {
  const worker = new Worker<T>(o.name, async (job: Job<T>, token?: string) => {
    if (!hasData(job, FIELDS)) throw new UnrecoverableError('the job lost its data; the relay queues it again from the record')
    return await settleOutcome(job, token, await o.run(job.data, job.attemptsMade + 1, job.opts.attempts ?? 1))
  }, {
    connection: o.connection,
    prefix: o.prefix,
    concurrency: o.concurrency ?? 8,
    settings: backoffSettings(() => o.retry)
  })
  worker.on('error', (err) => { o.log.error({ err, queue: o.name }, 'worker error') })
  return worker
}
