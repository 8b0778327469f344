/**
 * The DVCQG sync queue (`sync.national-portal`): one job per (dossier, status change) — "bring the
 * national portal up to message N of this dossier"; its data carries no personal data. The worker
 * runs NationalSyncService under the dossier's lease (in the record), so a dossier's messages go
 * one at a time, in order; a job that finds the lease taken waits a moment (moved to delayed, not
 * counted as an attempt). Failed jobs stay until an administrator retries them.
 *
 * A change that owes a message is committed with its national_sync row (a trigger,
 * migrations/0011_dvcqg_sync.sql); its own path then queues the job at once, after the commit, like
 * its deliveries and notifications (`syncNational` in runtime.ts; a change's own statement marks it queued: hub_apply's `syncNow`, migration 0023). The
 * relay (`relay`, run by the maintenance scheduler `sync-national` every second or so) only catches
 * what a crash or a Redis loss left: it queues a job for every row that owes something and was not
 * seen queued for the grace period.
 * Adding is idempotent (jobId "<code>/<N>"), so the change's path and the relay, several relays at
 * once, or a relay after a Redis loss, queue nothing twice.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ResolvedNationalPortal } from '../config/hub-config.ts'
import type { NationalSyncService } from '../delivery/national-sync-service.ts'
import type { NationalSyncStore } from '../store/national-sync-store.ts'
import { BACKOFF_TYPE, QUEUE_EVENTS_KEPT } from './delivery-queues.ts'
import { backoffSettings, settleOutcome } from './job-outcome.ts'
import { LOST_DATA, hasData, stateUnlessOrphaned } from './orphaned-job.ts'

export const NATIONAL_SYNC_QUEUE = 'sync.national-portal'
export const NATIONAL_SYNC_JOB_NAME = 'sync'

export interface NationalSyncJobData {
  code: string
  upTo: number
}

export const NATIONAL_SYNC_JOB_FIELDS = ['code', 'upTo'] as const

export const nationalSyncJobId = (code: string, upTo: number): string => `${code}/${upTo}`

const LIVE = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'])

export class NationalSyncQueue {
  readonly queue: Queue<NationalSyncJobData>
  readonly #portal: ResolvedNationalPortal

  constructor (connection: Redis, prefix: string, portal: ResolvedNationalPortal) {
    this.queue = new Queue<NationalSyncJobData>(NATIONAL_SYNC_QUEUE, { connection, prefix, streams: { events: { maxLen: QUEUE_EVENTS_KEPT } } })
    this.#portal = portal
  }

  async enqueue (code: string, upTo: number): Promise<void> {
    await this.queue.add(NATIONAL_SYNC_JOB_NAME, { code, upTo }, {
      jobId: nationalSyncJobId(code, upTo),
      attempts: this.#portal.retry.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 3600, count: 100 },
      removeOnFail: false
    })
  }

  /**
   * Queues a job for every dossier that owes DVCQG messages and was not seen queued for `graceMs`
   * (what a crash between a change's commit and its job, or a Redis loss, left). A finished or orphaned job of the same id (an administrator's retry, a
   * Redis loss) is removed first. Returns how many jobs it added.
   */
  async relay (sync: NationalSyncStore, graceMs: number, nowMs = Date.now(), limit = 500): Promise<number> {
    let added = 0
    for (const { code, wanted } of await sync.owed(nowMs - graceMs, limit)) {
      const job = await this.queue.getJob(nationalSyncJobId(code, wanted))
      const state = job === undefined ? undefined : await stateUnlessOrphaned(job, NATIONAL_SYNC_JOB_FIELDS)
      if (state === undefined || !LIVE.has(state)) {
        if (job !== undefined) await job.remove().catch(() => {})
        await this.enqueue(code, wanted)
        added++
      }
      await sync.seen(code)
    }
    return added
  }

  async close (): Promise<void> {
    await this.queue.close()
  }
}

export function createNationalSyncWorker (options: { connection: Redis, prefix: string, service: NationalSyncService, portal: ResolvedNationalPortal, log: Logger }): Worker<NationalSyncJobData> {
  const { connection, prefix, service, portal, log } = options
  const worker = new Worker<NationalSyncJobData>(NATIONAL_SYNC_QUEUE, async (job: Job<NationalSyncJobData>, token?: string) => {
    // without its data (a Redis loss): the relay queues the sync again from the record
    if (!hasData(job, NATIONAL_SYNC_JOB_FIELDS)) throw new UnrecoverableError(LOST_DATA)
    const { code, upTo } = job.data
    const result = await service.run(code, upTo, job.attemptsMade + 1, job.opts.attempts ?? portal.retry.attempts, `${job.id ?? ''}:${token ?? ''}`)
    // 'busy': another sender holds this dossier's lease, so it comes back shortly, in turn
    return await settleOutcome(job, token, result)
  }, {
    connection,
    prefix,
    concurrency: portal.concurrency,
    settings: backoffSettings(() => portal.retry)
  })
  worker.on('error', (err) => { log.error({ err }, 'national portal sync worker error') })
  return worker
}
