/**
 * The payment queue (`payments`): creating a payment request on the payment platform
 * (jobId "create/<reference>") and telling an agency its fees were paid ("notice/<reference>").
 * Job data carries the reference only (no personal data). Retried with the hub's backoff under
 * payments.retry; a failure for good is recorded on the payment (GET /v1/dossiers/:code/payments)
 * and the job stays in the failed set.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { RetryPolicy } from '../domain/retry.ts'
import { backoffDelay } from '../domain/retry.ts'
import { BACKOFF_TYPE, QUEUE_EVENTS_KEPT } from './delivery-queues.ts'
import { RetryLaterError } from './retry-later.ts'
import type { PaymentJob, PaymentService } from '../services/payment-service.ts'
import type { AgencyHttpClient } from '../delivery/http-client.ts'
import { hasData, stateUnlessOrphaned } from './orphaned-job.ts'

export const PAYMENT_QUEUE = 'payments'
const FIELDS = ['message', 'reference'] as const
export const paymentJobId = (job: PaymentJob): string => `${job.message}/${job.reference}`

export class PaymentQueue {
  readonly queue: Queue<PaymentJob>
  readonly #retry: Required<RetryPolicy>

  constructor (connection: Redis, prefix: string, retry: Required<RetryPolicy>) {
    this.queue = new Queue<PaymentJob>(PAYMENT_QUEUE, { connection, prefix, streams: { events: { maxLen: QUEUE_EVENTS_KEPT } } })
    this.#retry = retry
  }

  /** Queues jobs; a finished job with the same id (its end never reached the record) is removed first. */
  async enqueue (jobs: readonly PaymentJob[]): Promise<void> {
    await Promise.all(jobs.map(async (data) => {
      const id = paymentJobId(data)
      const old = await this.queue.getJob(id)
      if (old !== undefined) {
        // a job a Redis loss left behind (no data, in no list) goes too: it would never run
        const state = await stateUnlessOrphaned(old, FIELDS)
        if (state !== undefined && state !== 'completed' && state !== 'failed') return
        await old.remove().catch(() => {})
      }
      await this.queue.add(data.message, { message: data.message, reference: data.reference }, {
        jobId: id, attempts: this.#retry.attempts, backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: 3600, count: 100 }, removeOnFail: false
      })
    }))
  }

  async close (): Promise<void> {
    await this.queue.close()
  }
}

export function createPaymentWorker (o: { connection: Redis, prefix: string, service: PaymentService, http: AgencyHttpClient, retry: Required<RetryPolicy>, log: Logger }): Worker<PaymentJob> {
  const worker = new Worker<PaymentJob>(PAYMENT_QUEUE, async (job: Job<PaymentJob>) => {
    if (!hasData(job, FIELDS)) throw new UnrecoverableError('the job lost its data; the relay queues it again from the record')
    const max = job.opts.attempts ?? 1
    const attempt = job.attemptsMade + 1
    const r = job.data.message === 'create'
      ? await o.service.create(job.data.reference, attempt, max, o.http)
      : await o.service.notice(job.data.reference, attempt, max, o.http)
    if (r.outcome === 'retry') throw new RetryLaterError(r.error, r.retryAfterMs)
    if (r.outcome === 'failed') throw new UnrecoverableError(r.error)
    return r
  }, {
    connection: o.connection,
    prefix: o.prefix,
    concurrency: 8,
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => type !== BACKOFF_TYPE ? 0 : backoffDelay(attemptsMade, o.retry, (err as RetryLaterError | undefined)?.retryAfterMs)
    }
  })
  worker.on('error', (err) => { o.log.error({ err }, 'payment worker error') })
  return worker
}
