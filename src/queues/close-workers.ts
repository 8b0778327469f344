/**
 * Closing BullMQ workers without waiting for ever when Redis is gone.
 *
 * A graceful `worker.close()` lets active jobs finish, then records them in Redis. Two things can
 * keep it from ever returning when Redis dies:
 * - the commands that finish a job or extend its lock wait in the offline queue of the workers'
 *   connection (maxRetriesPerRequest: null), for ever;
 * - it waits for the worker's blocking connection to end, and ioredis never ends a connection
 *   disconnected between two reconnection attempts (redis/ioredis#2169).
 * So: when Redis does not answer as closing starts, the close is forced (nothing a worker
 * finishes could be recorded there anyway); otherwise it is graceful for a while, then the
 * workers' connection gives up (its queued commands fail), then what still runs is stopped. What
 * was in flight stays in the outbox, and the relay queues it again.
 */
import type { Redis } from 'ioredis'
import type { Worker } from 'bullmq'
import type { Logger } from 'pino'
import { giveUp } from '../redis/connection.ts'

export interface CloseWorkersOptions {
  workers: Worker[]
  /** the connection the workers share */
  connection: Redis
  log: Logger
  /** how long active jobs may take to finish (a delivery's own HTTP timeout is shorter) */
  waitMs: number
  /** how long a PING may take for Redis to count as there */
  pingMs?: number
}

async function settlesWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => { resolve(false) }, ms) })
  const settled = await Promise.race([promise.then(() => true, () => true), late])
  clearTimeout(timer)
  return settled
}

/** Whether Redis answers a PING on this connection within `ms`. */
export async function answers (redis: Redis, ms: number): Promise<boolean> {
  if (redis.status !== 'ready') return false
  let answered = false
  const ping = redis.ping().then((r) => { answered = r === 'PONG' }, () => {})
  await settlesWithin(ping, ms)
  return answered
}

/** The part of a worker that keeps its jobs' locks alive (a timer; BullMQ keeps it protected). */
function stopLockRenewal (worker: Worker): void {
  const manager = (worker as unknown as { lockManager?: { close?: () => Promise<void> } }).lockManager
  void manager?.close?.().catch(() => {})
}

export async function closeWorkers (options: CloseWorkersOptions): Promise<void> {
  const { workers, connection, log, waitMs } = options
  if (workers.length === 0) return
  const away = !(await answers(connection, options.pingMs ?? 1000))
  if (away) {
    log.warn('closing the workers without Redis: forced, what was in flight stays in the outbox')
    void giveUp(connection)
  }
  await Promise.all(workers.map(async (worker) => {
    const closing = worker.close(away)
    if (await settlesWithin(closing, waitMs)) return
    log.warn({ worker: worker.name, waitedMs: waitMs }, 'closing without waiting longer: the outbox keeps what was not finished')
    await giveUp(connection)
    if (await settlesWithin(closing, 3000)) return
    stopLockRenewal(worker)
    await worker.disconnect().catch(() => {})
  }))
}
