/**
 * What administrators do with the delivery queues (the API of the admin console): see each
 * agency's counts, list failed deliveries with their dossier and last error, retry one or all,
 * discard one with a reason, pause and resume an agency's deliveries (its maintenance window:
 * nothing is lost, jobs wait), and find every job of one dossier by its code. Retries and
 * discards are written to the dossier's audit trail.
 *
 * A failed step stays retryable whatever became of its BullMQ job (cleaned or removed in Redis, or
 * by a console of an earlier version): the step's routing state in the record says it failed, and
 * the record's failed steps of its agency (DossierStore.failedSteps) find it; the retry queues the delivery again, with the same
 * job id and so the same Idempotency-Key, so an agency that did receive it drops the repeat.
 */
import type { Job, Queue } from 'bullmq'
import { deliveryJobId, type DeliveryJobData, type DeliveryQueues } from '../queues/delivery-queues.ts'
import type { WebhookQueue } from '../queues/webhook-queue.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { AuditStore } from '../store/audit-store.ts'
import type { AuditFields } from '../domain/audit-chain.ts'
import type { Client } from '../auth/clients.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { isFinished } from '../domain/routing.ts'
import { AgencyNotFoundError, DossierNotFoundError, HubValidationError } from '../errors.ts'

export interface QueueOverview {
  agency: string
  paused: boolean
  counts: Record<string, number>
}

export interface JobView {
  jobId: string
  dossier: string
  step: string
  agency: string
  state: string
  attemptsMade: number
  failedReason?: string
  createdAt: string
  finishedAt?: string
}

/** Who asks an administrative action (the client and its request), for the audit trail. */
export interface Requester {
  client: Client
  requestId: string
  route: string
  method: string
}

const COUNTS = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const

async function view (job: Job<DeliveryJobData>): Promise<JobView> {
  return {
    jobId: String(job.id),
    dossier: job.data.code,
    step: job.data.step,
    agency: job.data.agency,
    state: await job.getState(),
    attemptsMade: job.attemptsMade,
    ...(job.failedReason !== undefined && job.failedReason !== '' && { failedReason: job.failedReason }),
    createdAt: toVietnamIso(new Date(job.timestamp)),
    ...(job.finishedOn !== undefined && { finishedAt: toVietnamIso(new Date(job.finishedOn)) })
  }
}

/** Retries every failed job of a queue with its full number of attempts; `each` runs after each retry. */
async function retryFailed<T> (queue: Queue<T>, each?: (job: Job<T>) => Promise<void>): Promise<{ retried: number }> {
  let retried = 0
  for (;;) {
    const jobs = await queue.getFailed(0, 99)
    if (jobs.length === 0) break
    for (const job of jobs) {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
      if (each !== undefined) await each(job)
      retried++
    }
  }
  return { retried }
}

export class AdminService {
  readonly #queues: DeliveryQueues
  readonly #store: DossierStore
  readonly #audit: AuditStore
  readonly #webhooks: WebhookQueue | undefined

  /** Why the queues cannot be reached now (the Redis connection's state), or undefined when they can. */
  get queuesUnreachable (): string | undefined {
    return this.#queues.notReady
  }

  constructor (queues: DeliveryQueues, store: DossierStore, audit: AuditStore, webhooks?: WebhookQueue) {
    this.#queues = queues
    this.#store = store
    this.#audit = audit
    this.#webhooks = webhooks
  }

  /**
   * The webhook queue (notifications to subscribers): counts and failed notifications, newest
   * first. Undefined when no subscriber is configured.
   */
  async webhooks (limit: number): Promise<{ paused: boolean, counts: Record<string, number>, failed: Array<{ jobId: string, dossier: string, subscriber: string, upTo: number, attemptsMade: number, failedReason?: string }> } | undefined> {
    const q = this.#webhooks?.queue
    if (q === undefined) return undefined
    const [counts, paused, failed] = await Promise.all([q.getJobCounts(...COUNTS), q.isPaused(), q.getFailed(0, limit - 1)])
    return {
      paused,
      counts,
      failed: failed.map((j) => ({
        jobId: String(j.id),
        dossier: j.data.code,
        subscriber: j.data.subscriber,
        upTo: j.data.upTo,
        attemptsMade: j.attemptsMade,
        ...(j.failedReason !== undefined && j.failedReason !== '' && { failedReason: j.failedReason })
      }))
    }
  }

  /** Sends every failed notification again (each run first delivers what its subscriber missed, in order). */
  async retryFailedWebhooks (): Promise<{ retried: number }> {
    const q = this.#webhooks?.queue
    return q === undefined ? { retried: 0 } : await retryFailed(q)
  }

  #queue (agency: string): ReturnType<DeliveryQueues['queue']> {
    if (!this.#queues.has(agency)) throw new AgencyNotFoundError(agency, this.#queues.agencyIds.join(', '))
    return this.#queues.queue(agency)
  }

  async #record (code: string, actor: Requester, action: AuditFields['action'], status: number, note?: string): Promise<void> {
    await this.#audit.append(code, {
      at: toVietnamIso(new Date()),
      client: actor.client.id,
      role: actor.client.role,
      action,
      method: actor.method,
      route: actor.route,
      status,
      requestId: actor.requestId,
      ...(note !== undefined && { note })
    })
  }

  async overview (): Promise<QueueOverview[]> {
    return await Promise.all(this.#queues.agencyIds.map(async (agency) => {
      const q = this.#queues.queue(agency)
      const [counts, paused] = await Promise.all([q.getJobCounts(...COUNTS), q.isPaused()])
      return { agency, paused, counts }
    }))
  }

  async failed (agency: string, limit: number): Promise<JobView[]> {
    const jobs = await this.#queue(agency).getFailed(0, limit - 1)
    return await Promise.all(jobs.map(view))
  }

  /** Every delivery job of one dossier, step by step (null where a step has no job: not released, or removed). */
  async jobsOf (code: string): Promise<Array<{ step: string, agency: string, stepState: string, job: JobView | null }>> {
    const found = await this.#store.getForUpdate(code)
    if (found === undefined) throw new DossierNotFoundError(code)
    return await Promise.all(Object.entries(found.routing).map(async ([step, r]) => {
      const job = this.#queues.has(r.agency) ? await this.#queues.getJob(r.agency, code, step) : undefined
      return { step, agency: r.agency, stepState: r.state, job: job === undefined ? null : await view(job) }
    }))
  }

  /**
   * A failed delivery: its job in the failed set, or no job at all while the step's routing state
   * says failed (the job was cleaned or removed). Anything else is not retryable (400).
   */
  async #failed (code: string, step: string): Promise<{ agency: string, job: Job<DeliveryJobData> | undefined }> {
    const state = await this.#store.routingState(code, step)
    if (state === undefined) throw new DossierNotFoundError(`${code} (step ${step})`)
    // a step that ended (cancelled: e.g. a failed postal return whose result was handed over at the counter) has nothing to send
    if (isFinished(state.state)) throw new HubValidationError([{ parameter: 'step', detail: `step ${step} is ${state.state}${state.reason !== undefined ? ` (${state.reason})` : ''}: its delivery is not needed any more` }])
    const job = this.#queues.has(state.agency) ? await this.#queues.getJob(state.agency, code, step) : undefined
    if (job !== undefined && await job.isFailed()) return { agency: state.agency, job }
    if (job === undefined && state.state === 'failed' && this.#queues.has(state.agency)) return { agency: state.agency, job: undefined }
    const is = job === undefined ? `not queued, and the step is ${state.state}` : await job.getState()
    throw new HubValidationError([{ parameter: 'step', detail: `the delivery of step ${step} has not failed (it is ${is})` }])
  }

  /** Queues a failed step whose job is gone again: same job id, so the same Idempotency-Key. */
  async #requeue (code: string, step: string, agency: string): Promise<Job<DeliveryJobData>> {
    await this.#queues.enqueue(code, [{ step, agency }])
    await this.#store.undiscardFailed(code, step)
    const job = await this.#queues.getJob(agency, code, step)
    if (job === undefined) throw new Error(`the delivery of ${code} step ${step} was queued but its job is not found`)
    return job
  }

  /** Sends a failed delivery again, with its full number of attempts (queued again if its job is gone). */
  async retry (code: string, step: string, actor: Requester): Promise<JobView> {
    const { agency, job } = await this.#failed(code, step)
    let retried: Job<DeliveryJobData>
    if (job !== undefined) {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
      retried = job
    } else {
      retried = await this.#requeue(code, step, agency)
    }
    await this.#record(code, actor, 'retry', 200)
    return await view(retried)
  }

  /**
   * Retries every failed delivery of an agency: the jobs in its failed set, then the failed steps
   * (not discarded) whose job is gone.
   */
  async retryAllFailed (agency: string, actor: Requester): Promise<{ retried: number }> {
    const { retried } = await retryFailed(this.#queue(agency), async (job) => { await this.#record(job.data.code, actor, 'retry', 200) })
    let requeued = 0
    const PAGE = 200
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.#store.failedSteps(agency, offset, PAGE)
      if (page.length === 0) break
      // a step queued again stays failed (and listed) until its delivery moves it on: the pages do not shift
      for (const { code, step } of page) {
        const state = await this.#store.routingState(code, step)
        // moved on since the page was read
        if (state?.state !== 'failed' || state.agency !== agency) continue
        // its job exists (just retried above, or queued again meanwhile): nothing to do here
        if (await this.#queues.getJob(agency, code, step) !== undefined) continue
        await this.#requeue(code, step, agency)
        await this.#record(code, actor, 'retry', 200)
        requeued++
      }
    }
    return { retried: retried + requeued }
  }

  /** Removes a failed delivery for good; the step stays failed, the reason goes to the audit trail. */
  async discard (code: string, step: string, reason: string, actor: Requester): Promise<{ discarded: string }> {
    const { job } = await this.#failed(code, step)
    const jobId = job === undefined ? deliveryJobId(code, step) : String(job.id)
    if (job !== undefined) await job.remove()
    // off the list retry-failed works from; a retry of this one step still works
    await this.#store.discardFailed(code, step, new Date())
    await this.#record(code, actor, 'discard', 200, reason)
    return { discarded: jobId }
  }

  async pause (agency: string): Promise<QueueOverview> {
    await this.#queue(agency).pause()
    return (await this.overview()).find((o) => o.agency === agency) as QueueOverview
  }

  async resume (agency: string): Promise<QueueOverview> {
    await this.#queue(agency).resume()
    return (await this.overview()).find((o) => o.agency === agency) as QueueOverview
  }
}
