/**
 * The signed audit checkpoints the hub keeps (<p>:audit:cp:<date>, one JSON document a day, and
 * <p>:audit:checkpoints, their dates by the time they were taken). The first one of a day stays:
 * a second run the same day (another worker, a retried job) keeps it. The last KEEP are kept; the
 * auditor keeps them all, outside the hub — these copies are only for fetching.
 */
import type { Redis } from 'ioredis'
import type { Keys } from './keys.ts'

export const KEEP = 92

export class CheckpointStore {
  readonly #redis: Redis
  readonly #keys: Keys

  constructor (redis: Redis, keys: Keys) {
    this.#redis = redis
    this.#keys = keys
  }

  /** Keeps the day's checkpoint unless that day has one; returns the one kept (JSON). */
  async save (date: string, takenMs: number, json: string): Promise<string> {
    const key = this.#keys.auditCheckpoint(date)
    const set = await this.#redis.set(key, json, 'NX')
    if (set === null) return await this.#redis.get(key) ?? json
    await this.#redis.zadd(this.#keys.auditCheckpoints, takenMs, date)
    const old = await this.#redis.zrange(this.#keys.auditCheckpoints, 0, String(-(KEEP + 1)))
    if (old.length > 0) {
      await this.#redis.multi().unlink(...old.map((d) => this.#keys.auditCheckpoint(d))).zrem(this.#keys.auditCheckpoints, ...old).exec()
    }
    return json
  }

  /** The checkpoints kept, newest first: their day and when they were taken (ms). */
  async list (): Promise<Array<{ date: string, takenMs: number }>> {
    const flat = await this.#redis.zrevrange(this.#keys.auditCheckpoints, 0, -1, 'WITHSCORES')
    const out: Array<{ date: string, takenMs: number }> = []
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ date: flat[i] as string, takenMs: Number(flat[i + 1]) })
    return out
  }

  /** The checkpoint of a day (JSON), or undefined. */
  async get (date: string): Promise<string | undefined> {
    return await this.#redis.get(this.#keys.auditCheckpoint(date)) ?? undefined
  }
}
