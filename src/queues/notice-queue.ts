/**
 * The notice queues (docs/notices.md). `notices`: one plan job per webhook notification
 * ("<code>/<seq>"), which stores the notices of that change (queued or skipped) and queues a send
 * job for each queued one. `notice-sms`, `notice-zalo`, `notice-email`: one send job per notice
 * ("<code>/<seq>/<channel>"), each queue with its provider's rate limit (BullMQ's limiter: at
 * most `max` sends per `duration`, across every worker). Job data carries no personal data.
 *
 * A send that falls in the quiet hours is moved to delayed until they end (not an attempt).
 * A provider's failure is retried with backoff up to the channel's attempts; the last failure,
 * or one another try cannot help, is the notice's failed state in the record (and the job's
 * failed state in the console). The relay (reconcile) queues again, from the record, what a
 * crash or a Redis loss left unqueued: notifications not planned, notices not settled.
 */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { NoticeChannel } from '../domain/notice.ts'
import type { NoticeService } from '../delivery/notice-service.ts'
import type { NoticeStore } from '../store/notice-store.ts'
import { BACKOFF_TYPE, QUEUE_EVENTS_KEPT } from './delivery-queues.ts'
import { backoffSettings, settleOutcome } from './job-outcome.ts'
import { LOST_DATA, hasData, stateUnlessOrphaned } from './orphaned-job.ts'

export const NOTICE_PLAN_QUEUE = 'notices'
export const noticeSendQueue = (channel: NoticeChannel): string => `notice-${channel}`

export interface NoticePlanData { code: string, sequence: number }
export interface NoticeSendData { code: string, sequence: number, channel: NoticeChannel }
const PLAN_FIELDS = ['code', 'sequence'] as const
const SEND_FIELDS = ['code', 'sequence', 'channel'] as const

const planJobId = (code: string, sequence: number): string => `${code}/${sequence}`
const sendJobId = (code: string, sequence: number, channel: NoticeChannel): string => `${code}/${sequence}/${channel}`

const PLAN_RETRY = { attempts: 10, baseDelayMs: 1000, maxDelayMs: 600_000 }

export class NoticeQueues {
  readonly plan: Queue<NoticePlanData>
  readonly send: ReadonlyMap<NoticeChannel, Queue<NoticeSendData>>
  readonly #attempts: ReadonlyMap<NoticeChannel, number>

  constructor (connection: Redis, prefix: string, channels: ReadonlyMap<NoticeChannel, { attempts: number }>) {
    const streams = { events: { maxLen: QUEUE_EVENTS_KEPT } }
    this.plan = new Queue<NoticePlanData>(NOTICE_PLAN_QUEUE, { connection, prefix, streams })
    this.send = new Map([...channels.keys()].map((c) => [c, new Queue<NoticeSendData>(noticeSendQueue(c), { connection, prefix, streams })]))
    this.#attempts = new Map([...channels].map(([c, v]) => [c, v.attempts]))
  }

  get queues (): Queue[] { return [this.plan, ...this.send.values()] }

  /** Queues the plan of notification `sequence` of a dossier (after the change is committed). */
  async enqueuePlan (code: string, sequence: number): Promise<void> {
    await this.plan.add('plan', { code, sequence }, {
      jobId: planJobId(code, sequence),
      attempts: PLAN_RETRY.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: false
    })
  }

  async enqueueSend (code: string, sequence: number, channel: NoticeChannel): Promise<void> {
    const q = this.send.get(channel)
    if (q === undefined) return
    await q.add('send', { code, sequence, channel }, {
      jobId: sendJobId(code, sequence, channel),
      attempts: this.#attempts.get(channel) ?? 5,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: false
    })
  }

  /** Queues a notice's send job again (an administrator's retry): a finished or orphaned job with its id is removed first, a live one left alone. */
  async requeueSend (code: string, sequence: number, channel: NoticeChannel): Promise<void> {
    const q = this.send.get(channel)
    if (q === undefined || await this.#alive(q, sendJobId(code, sequence, channel), SEND_FIELDS)) return
    await this.enqueueSend(code, sequence, channel)
  }

  /** A job of `queue` that is alive (waiting, delayed, active, prioritized); a finished or orphaned one is removed so the work can be queued again. */
  async #alive (queue: Queue, id: string, fields: readonly string[]): Promise<boolean> {
    const job = await queue.getJob(id)
    if (job === undefined) return false
    const state = await stateUnlessOrphaned(job, fields)
    if (state !== undefined && state !== 'completed' && state !== 'failed') return true
    await job.remove().catch(() => {})
    return false
  }

  /**
   * The relay: notifications pending (not planned) since `graceMs` ago or earlier get their plan
   * job again; notices still open (queued, waiting, retrying) and untouched for as long get their
   * send job again when it is not in its queue. Idempotent (same job ids; the record settles a
   * notice once). Returns how many jobs it queued.
   */
  async reconcile (notices: NoticeStore, graceMs: number, now = new Date(), limit = 500): Promise<number> {
    let queued = 0
    const before = new Date(now.getTime() - graceMs)
    for (const { code, sequence } of await notices.pending(before, limit)) {
      if (await this.#alive(this.plan, planJobId(code, sequence), PLAN_FIELDS)) continue
      await this.enqueuePlan(code, sequence)
      queued++
    }
    for (const n of await notices.open(before, limit)) {
      const q = this.send.get(n.channel)
      if (q === undefined) continue
      if (!(await this.#alive(q, sendJobId(n.code, n.sequence, n.channel), SEND_FIELDS))) {
        await this.enqueueSend(n.code, n.sequence, n.channel)
        queued++
      }
      await notices.touch(n.code, n.sequence, n.channel, now)
    }
    return queued
  }

  async close (): Promise<void> {
    await Promise.all(this.queues.map(async (q) => { await q.close() }))
  }
}

/** The plan worker and one send worker per channel, each with its provider's limiter. */
export function createNoticeWorkers (o: { connection: Redis, prefix: string, queues: NoticeQueues, service: NoticeService, log: Logger }): Worker[] {
  const { connection, prefix, queues, service, log } = o
  const plan = new Worker<NoticePlanData>(NOTICE_PLAN_QUEUE, async (job: Job<NoticePlanData>) => {
    if (!hasData(job, PLAN_FIELDS)) throw new UnrecoverableError(LOST_DATA)
    const { code, sequence } = job.data
    const channels = await service.plan(code, sequence)
    for (const channel of channels) await queues.enqueueSend(code, sequence, channel)
    return { channels }
  }, { connection, prefix, concurrency: 10, settings: backoffSettings(() => PLAN_RETRY) })
  plan.on('error', (err) => { log.error({ err }, 'notice plan worker error') })
  const workers: Worker[] = [plan]
  for (const channel of queues.send.keys()) {
    const c = service.channel(channel)
    if (c === undefined) continue
    const worker = new Worker<NoticeSendData>(noticeSendQueue(channel), async (job: Job<NoticeSendData>, token?: string) => {
      if (!hasData(job, SEND_FIELDS)) throw new UnrecoverableError(LOST_DATA)
      const { code, sequence } = job.data
      const result = await service.send(code, sequence, channel, job.attemptsMade + 1, job.opts.attempts ?? 1)
      // 'wait': the quiet hours, back in the queue when they end, not counted as an attempt
      return await settleOutcome(job, token, result)
    }, {
      connection,
      prefix,
      concurrency: 10,
      limiter: { max: c.rateLimit.max, duration: c.rateLimit.duration },
      settings: backoffSettings(() => c.retry)
    })
    worker.on('error', (err) => { log.error({ err, channel }, 'notice worker error') })
    workers.push(worker)
  }
  return workers
}
