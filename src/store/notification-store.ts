/**
 * Webhook notifications in the record (PostgreSQL, migrations/0002_dossier_store.sql): each dossier's
 * notifications in order (written with the change that caused them, by the dossier store), how far
 * each subscriber has got (its cursor), the delivery log, and the dossiers some subscriber may not
 * be up to date with. The lock that keeps one sender at a time on one subscriber's copy of one
 * dossier (so they go in order) is in Redis: it is rebuilt by expiring.
 */
import type { Redis, Result } from 'ioredis'
import type { Sql } from 'postgres'
import type { Keys } from './keys.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hubUnlock(...args: string[]): Result<number, Context>
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

/** Reading the log gives this many attempts per dossier (the newest). */
const LOG_LENGTH = 500

const parsed = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, unknown>

export class NotificationStore {
  readonly #sql: Sql
  readonly #redis: Redis
  readonly #keys: Keys

  constructor (sql: Sql, redis: Redis, keys: Keys) {
    this.#sql = sql
    this.#redis = redis
    this.#keys = keys
    redis.defineCommand('hubUnlock', {
      numberOfKeys: 1,
      lua: "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
    })
  }

  async count (code: string): Promise<number> {
    const [row] = await this.#sql<Array<{ n: number }>>`
      select coalesce(max(n.seq), 0)::int as n from notifications n join dossiers d on d.id = n.dossier_id where d.code = ${code}`
    return row?.n ?? 0
  }

  /** Notifications `from`..`to` (1-based sequence numbers, inclusive; `to` 0: to the last), parsed. */
  async range (code: string, from: number, to: number): Promise<Array<Record<string, unknown>>> {
    if (to <= 0) to = 2 ** 31 - 1
    const rows = await this.#sql<Array<{ body: string }>>`
      select n.body::text as body from notifications n join dossiers d on d.id = n.dossier_id
      where d.code = ${code} and n.seq between ${from} and ${to} order by n.seq`
    return rows.map((r) => parsed(r.body))
  }

  async cursor (code: string, subscriber: string): Promise<number> {
    const [row] = await this.#sql<Array<{ delivered: number }>>`
      select c.delivered from webhook_cursors c join dossiers d on d.id = c.dossier_id where d.code = ${code} and c.subscriber = ${subscriber}`
    return row?.delivered ?? 0
  }

  async cursors (code: string): Promise<Record<string, number>> {
    const rows = await this.#sql<Array<{ subscriber: string, delivered: number }>>`
      select c.subscriber, c.delivered from webhook_cursors c join dossiers d on d.id = c.dossier_id where d.code = ${code}`
    return Object.fromEntries(rows.map((r) => [r.subscriber, r.delivered]))
  }

  /** Records that `subscriber` has every notification up to `sequence`, and the attempt in the log: one statement. */
  async delivered (code: string, subscriber: string, sequence: number, entry: WebhookLogEntry): Promise<void> {
    await this.#sql`
      with d as (select id from dossiers where code = ${code}),
      c as (
        insert into webhook_cursors (dossier_id, subscriber, delivered) select d.id, ${subscriber}, ${sequence} from d
        on conflict (dossier_id, subscriber) do update set delivered = greatest(webhook_cursors.delivered, excluded.delivered)
      )
      ${this.#insertAttempt(entry)}`
  }

  async logAttempt (code: string, entry: WebhookLogEntry): Promise<void> {
    await this.#sql`with d as (select id from dossiers where code = ${code}) ${this.#insertAttempt(entry)}`
  }

  #insertAttempt (e: WebhookLogEntry): ReturnType<Sql> {
    return this.#sql`
      insert into webhook_attempts (dossier_id, at, subscriber, seq, event, attempt, outcome, http_status, error)
      select d.id, ${e.at}::timestamptz, ${e.subscriber}, ${e.sequence}, ${e.event}, ${e.attempt}, ${e.outcome}, ${e.status ?? null}, ${e.error ?? null} from d`
  }

  /** The delivery log of a dossier, oldest first (the newest LOG_LENGTH attempts). */
  async log (code: string): Promise<WebhookLogEntry[]> {
    const rows = await this.#sql<Array<{ at: Date, subscriber: string, seq: number, event: string, attempt: number, outcome: WebhookLogEntry['outcome'], http_status: number | null, error: string | null }>>`
      select * from (
        select a.id, a.at, a.subscriber, a.seq, a.event, a.attempt, a.outcome, a.http_status, a.error
        from webhook_attempts a join dossiers d on d.id = a.dossier_id where d.code = ${code}
        order by a.id desc limit ${LOG_LENGTH}
      ) last order by id`
    return rows.map((r) => ({
      at: toVietnamIso(r.at),
      subscriber: r.subscriber,
      sequence: r.seq,
      event: r.event,
      attempt: r.attempt,
      outcome: r.outcome,
      ...(r.http_status !== null && { status: r.http_status }),
      ...(r.error !== null && { error: r.error })
    }))
  }

  async lock (subscriber: string, code: string, token: string, ms: number): Promise<boolean> {
    return (await this.#redis.set(this.#keys.webhookLock(subscriber, code), token, 'PX', ms, 'NX')) === 'OK'
  }

  async unlock (subscriber: string, code: string, token: string): Promise<void> {
    await this.#redis.hubUnlock(this.#keys.webhookLock(subscriber, code), token)
  }

  /** Takes the dossier out of the pending set when every subscriber is up to date. */
  async settle (code: string, subscribers: readonly string[]): Promise<boolean> {
    const rows = await this.#sql`
      delete from notify_pending p using dossiers d
      where d.code = ${code} and p.dossier_id = d.id
        and (select coalesce(max(n.seq), 0) from notifications n where n.dossier_id = d.id) <= all (
          select coalesce((select c.delivered from webhook_cursors c where c.dossier_id = d.id and c.subscriber = s), 0)
          from unnest(${this.#sql.array([...subscribers])}::text[]) as s
        )
      returning p.dossier_id`
    return rows.length > 0
  }

  /** Dossiers with notifications pending since `beforeMs` or earlier. */
  async pending (beforeMs: number, limit: number): Promise<string[]> {
    const rows = await this.#sql<Array<{ code: string }>>`
      select d.code from notify_pending p join dossiers d on d.id = p.dossier_id
      where p.since <= ${new Date(beforeMs)} order by p.since limit ${limit}`
    return rows.map((r) => r.code)
  }
}
