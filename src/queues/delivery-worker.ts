/**
 * BullMQ workers, one per agency queue, running deliveries through DeliveryService:
 * - 'retry' outcome → throw, BullMQ retries after backoffDelay() (exponential, jitter, Retry-After);
 * - 'failed' outcome → UnrecoverableError, the job lands in the failed set and stays there;
 * - the dossier's routing state was recorded by DeliveryService before either.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ResolvedAgency } from '../config/hub-config.ts'
import type { DeliveryService } from '../delivery/delivery-service.ts'
import { DELIVERY_JOB_FIELDS, deliveryQueueName, type DeliveryJobData } from './delivery-queues.ts'
import { LOST_DATA, hasData } from './orphaned-job.ts'
import { backoffSettings, settleOutcome } from './job-outcome.ts'

export interface DeliveryWorkersOptions {
  /** a connection with maxRetriesPerRequest: null; each worker duplicates it for its blocking reads */
  connection: Redis
  prefix: string
  agencies: ReadonlyMap<string, ResolvedAgency>
  service: DeliveryService
  log: Logger
  /** how long a worker holds a job (renewed while it works); a dead worker's jobs are taken over after it (default 30 s) */
  lockMs?: number
  /** a dossier accepted by `agency`, `seconds` after its delivery was queued (for /metrics); its failure is only logged */
  onDelivered?: (agency: string, seconds: number) => Promise<void>
}

export function createDeliveryWorkers (options: DeliveryWorkersOptions): Worker<DeliveryJobData>[] {
  const { connection, prefix, agencies, service, log, onDelivered } = options
  const lockDuration = options.lockMs ?? 30_000
  return [...agencies.values()].map((agency) => {
    const worker = new Worker<DeliveryJobData>(deliveryQueueName(agency.id), async (job: Job<DeliveryJobData>, token?: string) => {
      // a job a Redis loss left without its data: nothing to deliver from it (the relay queues the
      // delivery again from the outbox, once this job is out of the way)
      if (!hasData(job, DELIVERY_JOB_FIELDS)) throw new UnrecoverableError(LOST_DATA)
      const maxAttempts = job.opts.attempts ?? agency.retry.attempts
      const kind = job.data.kind ?? 'dossier'
      const result = kind === 'dossier'
        ? await service.attempt(job.data.code, job.data.step, job.attemptsMade + 1, maxAttempts)
        : await service.notice(job.data.code, job.data.step, kind, job.attemptsMade + 1, maxAttempts)
      const done = await settleOutcome(job, token, result)
      if (done.outcome === 'delivered' && kind === 'dossier' && onDelivered !== undefined) {
        // from when the delivery was queued (the job's first add: retries and back-off included)
        onDelivered(agency.id, Math.max(0, Date.now() - job.timestamp) / 1000)
          .catch((err: unknown) => { log.warn({ err, agency: agency.id }, 'delivery latency not recorded') })
      }
      return done
    }, {
      connection,
      prefix,
      concurrency: agency.concurrency,
      // Stalled jobs (a worker died mid-delivery) go back to wait; the agency drops the repeat by Idempotency-Key.
      maxStalledCount: 3,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      settings: backoffSettings(() => agency.retry)
    })
    worker.on('failed', (job, err) => {
      if (job === undefined || !hasData(job, DELIVERY_JOB_FIELDS)) return
      const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1)
      // Our processor recorded the state already; this covers failures BullMQ decided alone (stalled too often).
      if (final && err.name !== 'UnrecoverableError' && err.name !== 'RetryLaterError' && (job.data.kind ?? 'dossier') === 'dossier') {
        service.markFailed(job.data.code, job.data.step, job.attemptsMade, err.message)
          .catch((e: unknown) => { log.error({ err: e, dossier: job.data.code }, 'could not record a failed delivery') })
      }
    })
    worker.on('error', (err) => { log.error({ err, agency: agency.id }, 'delivery worker error') })
    return worker
  })
}
