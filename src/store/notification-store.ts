/**
 * Webhook notifications in Redis (key layout: keys.ts): each dossier's notifications in order,
 * how far each subscriber has got (its cursor), the delivery log, and a lock so that one sender
 * at a time works on one subscriber's copy of one dossier: that keeps them in order.
 */
import type { Redis, Result } from 'ioredis'
import type { Keys } from './keys.ts'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hubUnlock(...args: string[]): Result<number, Context>
    hubSettle(...args: string[]): Result<number, Context>
  }
}

/** One attempt to deliver one notification to one subscriber. */
export interface WebhookLogEntry {
  at: string
  subscriber: string
  sequence: number
  event: string
  attempt: number
  outcome: 'delivered' | 'retrying' | 'failed' | 'skipped'
  status?: number
  error?: string
}

/** The log keeps this many attempts per dossier (the newest). */
const LOG_LENGTH = 500

export class NotificationStore {
  readonly #redis: Redis
  readonly #keys: Keys

  constructor (redis: Redis, keys: Keys) {
    this.#redis = redis
    this.#keys = keys
    redis.defineCommand('hubUnlock', {
      numberOfKeys: 1,
      lua: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
    })
    // The dossier leaves the pending set when every subscriber has all its notifications.
    redis.defineCommand('hubSettle', {
      numberOfKeys: 3,
      lua: `local n = redis.call('LLEN', KEYS[1])
for i = 2, #ARGV do
  if tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0') < n then return 0 end
end
redis.call('ZREM', KEYS[3], ARGV[1])
return 1`
    })
  }

  async count (code: string): Promise<number> {
    return await this.#redis.llen(this.#keys.notifications(code))
  }

  /** Notifications `from`..`to` (1-based sequence numbers, inclusive), parsed. */
  async range (code: string, from: number, to: number): Promise<Array<Record<string, unknown>>> {
    const raw = await this.#redis.lrange(this.#keys.notifications(code), from - 1, to - 1)
    return raw.map((r) => JSON.parse(r) as Record<string, unknown>)
  }

  async cursor (code: string, subscriber: string): Promise<number> {
    return Number(await this.#redis.hget(this.#keys.webhookCursor(code), subscriber) ?? 0)
  }

  async cursors (code: string): Promise<Record<string, number>> {
    const raw = await this.#redis.hgetall(this.#keys.webhookCursor(code))
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]))
  }

  /** Records that `subscriber` has every notification up to `sequence`, and the attempt in the log. */
  async delivered (code: string, subscriber: string, sequence: number, entry: WebhookLogEntry): Promise<void> {
    await this.#redis.multi()
      .hset(this.#keys.webhookCursor(code), subscriber, sequence)
      .rpush(this.#keys.webhookLog(code), JSON.stringify(entry))
      .ltrim(this.#keys.webhookLog(code), -LOG_LENGTH, -1)
      .exec()
  }

  async logAttempt (code: string, entry: WebhookLogEntry): Promise<void> {
    await this.#redis.multi()
      .rpush(this.#keys.webhookLog(code), JSON.stringify(entry))
      .ltrim(this.#keys.webhookLog(code), -LOG_LENGTH, -1)
      .exec()
  }

  async log (code: string): Promise<WebhookLogEntry[]> {
    return (await this.#redis.lrange(this.#keys.webhookLog(code), 0, -1)).map((e) => JSON.parse(e) as WebhookLogEntry)
  }

  async lock (subscriber: string, code: string, token: string, ms: number): Promise<boolean> {
    return (await this.#redis.set(this.#keys.webhookLock(subscriber, code), token, 'PX', ms, 'NX')) === 'OK'
  }

  async unlock (subscriber: string, code: string, token: string): Promise<void> {
    await this.#redis.hubUnlock(this.#keys.webhookLock(subscriber, code), token)
  }

  /** Takes the dossier out of the pending set when every subscriber is up to date. */
  async settle (code: string, subscribers: readonly string[]): Promise<boolean> {
    return (await this.#redis.hubSettle(this.#keys.notifications(code), this.#keys.webhookCursor(code), this.#keys.notifyPending, code, ...subscribers)) === 1
  }

  /** Dossiers with notifications pending since before `beforeMs`. */
  async pending (beforeMs: number, limit: number): Promise<string[]> {
    return await this.#redis.zrangebyscore(this.#keys.notifyPending, '-inf', beforeMs, 'LIMIT', 0, limit)
  }
}
