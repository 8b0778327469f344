/**
 * What a worker does with the outcome its service gives for one job, in one place for every queue
 * (delivery, webhooks, national sync, notices, payments):
 * - 'retry' → RetryLaterError: BullMQ tries again after the backoff below (the receiver's Retry-After
 *   carried along);
 * - 'failed' → UnrecoverableError: the job lands in the failed set and stays there;
 * - 'busy' (another sender holds the lease) → back in the queue in 250–500 ms, not counted as an attempt;
 * - 'wait' (until a time, e.g. the end of the quiet hours) → back in the queue then, not counted;
 * - any other outcome completes the job, and is its return value.
 */
import { DelayedError, UnrecoverableError, type Job, type MinimalJob } from 'bullmq'
import { backoffDelay } from '../domain/retry.ts'
import { BACKOFF_TYPE } from './delivery-queues.ts'
import { RetryLaterError } from './retry-later.ts'

type Retry = { outcome: 'retry', error: string, retryAfterMs?: number }
type Failed = { outcome: 'failed', error: string }
type Busy = { outcome: 'busy' }
type Wait = { outcome: 'wait', until: Date }
type NotDone = Retry | Failed | Busy | Wait

/** The outcomes that complete a job. */
export type Completed<R> = Exclude<R, NotDone>

/**
 * Turns a service's outcome into what BullMQ expects of the processor: throws for 'retry', 'failed',
 * 'busy' and 'wait' (moving the job back to delayed for the last two, which needs the job's `token`),
 * returns the outcome otherwise, for the worker to act on before it returns it.
 */
export async function settleOutcome<R extends { outcome: string }> (job: Job, token: string | undefined, result: R): Promise<Completed<R>> {
  const r = result as unknown as NotDone | { outcome: string }
  switch (r.outcome) {
    case 'retry':
      throw new RetryLaterError((r as Retry).error, (r as Retry).retryAfterMs)
    case 'failed':
      throw new UnrecoverableError((r as Failed).error)
    case 'busy':
      await job.moveToDelayed(Date.now() + 250 + Math.floor(Math.random() * 250), token)
      throw new DelayedError()
    case 'wait':
      await job.moveToDelayed((r as Wait).until.getTime(), token)
      throw new DelayedError()
    default:
      return result as Completed<R>
  }
}

/** A retry policy as the backoff needs it. */
export interface BackoffPolicy { attempts: number, baseDelayMs: number, maxDelayMs: number }

/**
 * The worker settings for the hub's backoff (BACKOFF_TYPE): backoffDelay() with the policy of the
 * job (`policy` is given the job, for queues whose jobs have different policies), honouring the
 * Retry-After a RetryLaterError carries.
 */
export function backoffSettings (policy: (job?: MinimalJob) => BackoffPolicy): { backoffStrategy: (attemptsMade: number, type?: string, err?: Error, job?: MinimalJob) => number } {
  return {
    backoffStrategy: (attemptsMade, type, err, job) => type !== BACKOFF_TYPE ? 0 : backoffDelay(attemptsMade, policy(job), (err as RetryLaterError | undefined)?.retryAfterMs)
  }
}
