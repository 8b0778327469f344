/**
 * One BullMQ queue per agency, so one agency's outage, backlog or rate limit never slows another.
 * A delivery job carries only the dossier code, the step id and the agency id (no personal data);
 * its jobId is "<code>/<step>", so while the job exists a second add of the same delivery is a no-op.
 */
import { Queue, type Job, type JobsOptions } from 'bullmq'
import type { Redis } from 'ioredis'
import type { ResolvedAgency } from '../config/hub-config.ts'
import type { DeliveryKind } from '../store/keys.ts'
import { stateUnlessOrphaned } from './orphaned-job.ts'

/**
 * Entries each queue's event stream keeps (BullMQ's default, 10 000, is about 1 MB a queue):
 * enough for a QueueEvents listener that falls behind by a few seconds; the hub's own state is in
 * the record, not in these events.
 */
export const QUEUE_EVENTS_KEPT = 100

export interface DeliveryJobData {
  code: string
  /** the step of the dossier's route (the agency id unless the routing table names steps) */
  step: string
  agency: string
  /** absent: the dossier itself; 'withdrawal': the notice that the applicant withdrew it */
  kind?: DeliveryKind
}

/** One delivery: a step of a dossier's route, to the step's agency (or a notice about it). */
export interface Delivery {
  step: string
  agency: string
  kind?: DeliveryKind
}

/** The job id of a delivery (BullMQ job ids may not contain ':'; codes and step ids cannot). */
export const deliveryJobId = (code: string, step: string, kind: DeliveryKind = 'dossier'): string =>
  kind === 'dossier' ? `${code}/${step}` : `${code}/${step}/${kind}`

/** What a delivery job's data must hold for its worker. */
export const DELIVERY_JOB_FIELDS = ['code', 'step', 'agency'] as const

export const DELIVERY_JOB_NAME = 'deliver'
/** The custom backoff strategy's name (the worker implements it: domain/retry.ts). */
export const BACKOFF_TYPE = 'hub-backoff'

/** BullMQ queue names may not contain ':'; agency ids cannot either (hub-config schema). */
export const deliveryQueueName = (agencyId: string): string => `deliver.${agencyId}`

export function deliveryJobOptions (agency: ResolvedAgency, code: string, step: string, kind: DeliveryKind = 'dossier'): JobsOptions {
  return {
    jobId: deliveryJobId(code, step, kind),
    attempts: agency.retry.attempts,
    backoff: { type: BACKOFF_TYPE },
    // Receive-once of deliveries does not need completed jobs: the worker skips a delivery the
    // record already shows delivered, and agencies drop repeats by Idempotency-Key. The last 100
    // of each agency stay (at most an hour) for the console, which shows recent work; the record
    // keeps every delivery. Redis does not grow with the number of closed dossiers (npm run bench).
    removeOnComplete: { age: 3600, count: 100 },
    // Failed jobs are kept until an administrator retries or discards them (the record lists the
    // failed steps too, so a lost failed job is still retryable).
    removeOnFail: false
  }
}

export class DeliveryQueues {
  readonly #queues = new Map<string, Queue<DeliveryJobData>>()
  readonly #agencies: ReadonlyMap<string, ResolvedAgency>
  readonly #connection: Redis

  /** All queues share `connection`, so adds for several agencies go out as one pipelined round trip. */
  constructor (connection: Redis, prefix: string, agencies: ReadonlyMap<string, ResolvedAgency>) {
    this.#connection = connection
    this.#agencies = agencies
    for (const id of agencies.keys()) {
      this.#queues.set(id, new Queue<DeliveryJobData>(deliveryQueueName(id), { connection, prefix, streams: { events: { maxLen: QUEUE_EVENTS_KEPT } } }))
    }
  }

  queue (agencyId: string): Queue<DeliveryJobData> {
    const q = this.#queues.get(agencyId)
    if (q === undefined) throw new Error(`no delivery queue for agency ${agencyId}`)
    return q
  }

  get agencyIds (): string[] {
    return [...this.#queues.keys()]
  }

  has (agencyId: string): boolean {
    return this.#queues.has(agencyId)
  }

  /** Queues deliveries of one dossier (one job per step, sent together). */
  /** The connection's state when it is not ready ('connecting', 'reconnecting', 'end'…), else undefined. */
  get notReady (): string | undefined {
    return this.#connection.status === 'ready' ? undefined : this.#connection.status
  }

  async enqueue (code: string, deliveries: readonly Delivery[]): Promise<void> {
    await Promise.all(deliveries.map(async ({ step, agency: id, kind }) => {
      const agency = this.#agencies.get(id)
      if (agency === undefined) throw new Error(`no delivery queue for agency ${id}`)
      const data: DeliveryJobData = { code, step, agency: id, ...(kind !== undefined && kind !== 'dossier' && { kind }) }
      await this.queue(id).add(DELIVERY_JOB_NAME, data, deliveryJobOptions(agency, code, step, kind))
    }))
  }

  /** The delivery job of one step (`step` defaults to the agency id: a one-step route). */
  async getJob (agencyId: string, code: string, step = agencyId, kind: DeliveryKind = 'dossier'): Promise<Job<DeliveryJobData> | undefined> {
    return await this.queue(agencyId).getJob(deliveryJobId(code, step, kind))
  }

  /**
   * The delivery's job and its state when it is in a queue (waiting, delayed, active, completed or
   * failed). A job a Redis loss left behind (in no list, or without its data: queues/orphaned-job.ts)
   * is removed: it would never run as it should, and would keep a new job with its id from being added.
   */
  async queuedJob (agencyId: string, code: string, step = agencyId, kind: DeliveryKind = 'dossier'): Promise<{ job: Job<DeliveryJobData>, state: string } | undefined> {
    const job = await this.getJob(agencyId, code, step, kind)
    if (job === undefined) return undefined
    const state = await stateUnlessOrphaned(job, DELIVERY_JOB_FIELDS)
    if (state !== undefined) return { job, state }
    await job.remove().catch(() => {})
    return undefined
  }

  async close (): Promise<void> {
    await Promise.all([...this.#queues.values()].map(async (q) => { await q.close() }))
  }
}
