/**
 * Jobs a Redis loss left behind. When Redis loses a queue's keys under a running worker, the
 * worker's later writes (finishing an attempt, moving it to delayed or failed) can recreate part of
 * a job's hash: a job id with no data, or with no place in any list. Such a job never runs as it
 * should, and it keeps a new job with the same id from being added — so the outbox relay and the
 * webhook reconciler remove it before queueing the work again from the record.
 */
import type { Job } from 'bullmq'

export const LOST_DATA = 'the job lost its data (Redis lost its keys under a running worker): the record queues the work again'

/** Whether a job's data has what the worker needs (`fields`, each a non-empty string or a number). */
export function hasData (job: Pick<Job, 'data'>, fields: readonly string[]): boolean {
  const data = job.data as Record<string, unknown> | undefined
  if (typeof data !== 'object' || data === null) return false
  return fields.every((f) => (typeof data[f] === 'string' && data[f] !== '') || typeof data[f] === 'number')
}

/** A job's state, or undefined when it is one a Redis loss left: in no list ('unknown'), or without its data. */
export async function stateUnlessOrphaned (job: Job, fields: readonly string[]): Promise<Awaited<ReturnType<Job['getState']>> | undefined> {
  if (!hasData(job, fields)) return undefined
  const state = await job.getState()
  return state === 'unknown' ? undefined : state
}
