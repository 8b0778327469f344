/**
 * The webhook queue: one job per (subscriber, dossier, notification) — "bring this subscriber up
 * to notification N of this dossier". Job data carries no personal data. The worker delivers in
 * order under a per-(subscriber, dossier) lock; a job that finds the lock taken waits a moment
 * (moved to delayed, not counted as an attempt). Failed jobs stay until an administrator retries
 * or discards them (the console shows this queue beside the delivery queues).
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ResolvedSubscriber } from '../config/hub-config.ts'
import type { WebhookService } from '../delivery/webhook-service.ts'
import type { NotificationStore } from '../store/notification-store.ts'
import { BACKOFF_TYPE, QUEUE_EVENTS_KEPT } from './delivery-queues.ts'
import { backoffSettings, settleOutcome } from './job-outcome.ts'
import { LOST_DATA, hasData, stateUnlessOrphaned } from './orphaned-job.ts'

export const WEBHOOK_QUEUE = 'webhooks'
export const WEBHOOK_JOB_NAME = 'notify'

export interface WebhookJobData {
  code: string
  subscriber: string
  upTo: number
}

/** What a webhook job's data must hold for its worker. */
export const WEBHOOK_JOB_FIELDS = ['code', 'subscriber', 'upTo'] as const

export const webhookJobId = (subscriber: string, code: string, upTo: number): string => `${subscriber}/${code}/${upTo}`

export class WebhookQueue {
  readonly queue: Queue<WebhookJobData>
  readonly #subscribers: ReadonlyMap<string, ResolvedSubscriber>

  constructor (connection: Redis, prefix: string, subscribers: ReadonlyMap<string, ResolvedSubscriber>) {
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection, prefix, streams: { events: { maxLen: QUEUE_EVENTS_KEPT } } })
    this.#subscribers = subscribers
  }

  /** Queues notification `upTo` of a dossier to every subscriber (one job each, sent together). */
  async enqueue (code: string, upTo: number, only?: readonly string[]): Promise<void> {
    await Promise.all([...this.#subscribers.values()].filter((s) => only === undefined || only.includes(s.id)).map(async (sub) => {
      await this.queue.add(WEBHOOK_JOB_NAME, { code, subscriber: sub.id, upTo }, {
        jobId: webhookJobId(sub.id, code, upTo),
        attempts: sub.retry.attempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: { age: 3600, count: 100 },
        removeOnFail: false
      })
    }))
  }

  /**
   * Queues what a crash may have left unqueued: dossiers in the pending set for longer than
   * `graceMs` get a job per subscriber that is behind (same jobId as intake would use: no doubles).
   */
  async reconcile (notifications: NotificationStore, graceMs: number, nowMs = Date.now(), limit = 500): Promise<number> {
    let queued = 0
    for (const code of await notifications.pending(nowMs - graceMs, limit)) {
      const count = await notifications.count(code)
      const cursors = await notifications.cursors(code)
      const behind = [...this.#subscribers.keys()].filter((id) => (cursors[id] ?? 0) < count)
      if (behind.length === 0) {
        await notifications.settle(code, [...this.#subscribers.keys()])
        continue
      }
      // a job a Redis loss left behind (in no list, or without its data: orphaned-job.ts) would
      // never run as it should and would keep the new one from being added: remove it first
      for (const sub of behind) {
        const job = await this.queue.getJob(webhookJobId(sub, code, count))
        if (job !== undefined && await stateUnlessOrphaned(job, WEBHOOK_JOB_FIELDS) === undefined) await job.remove().catch(() => {})
      }
      await this.enqueue(code, count, behind)
      queued += behind.length
    }
    return queued
  }

  async close (): Promise<void> {
    await this.queue.close()
  }
}

export function createWebhookWorker (options: { connection: Redis, prefix: string, queue: Queue<WebhookJobData>, service: WebhookService, subscribers: ReadonlyMap<string, ResolvedSubscriber>, log: Logger, concurrency?: number }): Worker<WebhookJobData> {
  const { connection, prefix, queue, service, subscribers, log } = options
  const worker = new Worker<WebhookJobData>(WEBHOOK_QUEUE, async (job: Job<WebhookJobData>, token?: string) => {
    // without its data (a Redis loss): the reconciler queues the notification again from the record
    if (!hasData(job, WEBHOOK_JOB_FIELDS)) throw new UnrecoverableError(LOST_DATA)
    const { code, subscriber, upTo } = job.data
    const max = job.opts.attempts ?? 1
    const result = await service.run(code, subscriber, upTo, job.attemptsMade + 1, max, `${job.id ?? ''}:${token ?? ''}`)
    // 'busy': another sender holds this subscriber's copy of the dossier, so it comes back shortly, in turn
    const done = await settleOutcome(job, token, result)
    if (done.outcome === 'done') {
      // jobs of later notifications that failed while this one blocked them: done now, out of the failed set
      for (let n = done.from + 1; n <= done.through; n++) {
        if (n === upTo) continue
        const sibling = await queue.getJob(webhookJobId(subscriber, code, n))
        if (sibling !== undefined && await sibling.isFailed()) await sibling.remove()
      }
    }
    return done
  }, {
    connection,
    prefix,
    concurrency: options.concurrency ?? 20,
    settings: backoffSettings((job) => subscribers.get((job?.data as WebhookJobData | undefined)?.subscriber ?? '')?.retry ?? { attempts: 10, baseDelayMs: 2000, maxDelayMs: 3_600_000 })
  })
  worker.on('error', (err) => { log.error({ err }, 'webhook worker error') })
  return worker
}
