/**
 * Figures for /metrics that several processes make and any API process serves: the delivery
 * latency histogram, kept in Redis (<p>:metrics:delivery, a hash of counters by agency; the
 * workers that deliver have no HTTP server of their own, and a lost histogram only restarts it),
 * and the count of overdue dossiers, asked of the record. Bucket counters are stored per bucket and
 * summed into Prometheus's cumulative buckets on reading.
 */
import type { Redis } from 'ioredis'
import type { Sql } from 'postgres'
import type { Keys } from './keys.ts'
import { STATUSES, type DossierStatus } from '../domain/status.ts'
import { isOpen } from '../domain/lifecycle.ts'
import { RETURN_STEP } from '../domain/routing.ts'

/** National codes of the statuses of an open dossier. */
const OPEN_CODES = Object.entries(STATUSES).filter(([name]) => isOpen(name as DossierStatus)).map(([, info]) => info.code)

/** Upper bounds (seconds) of the delivery latency buckets: agencies down for hours are in range. */
export const DELIVERY_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600] as const

export interface LatencyHistogram {
  /** cumulative count per bucket, in the order of DELIVERY_LATENCY_BUCKETS, then +Inf */
  cumulative: number[]
  sumSeconds: number
  count: number
}

export class MetricsStore {
  readonly #sql: Sql
  readonly #redis: Redis
  readonly #keys: Keys

  constructor (sql: Sql, redis: Redis, keys: Keys) {
    this.#sql = sql
    this.#redis = redis
    this.#keys = keys
  }

  /**
   * One delivery accepted by `agency`, `seconds` after it was queued: two increments, sent with
   * whatever else goes to Redis in the same tick (the count is the sum of the buckets).
   */
  async recordDelivery (agency: string, seconds: number): Promise<void> {
    const i = DELIVERY_LATENCY_BUCKETS.findIndex((le) => seconds <= le)
    await Promise.all([
      this.#redis.hincrby(this.#keys.deliveryMetrics, `${agency}|${i === -1 ? 'inf' : i}`, 1),
      this.#redis.hincrby(this.#keys.deliveryMetrics, `${agency}|sum_ms`, Math.round(seconds * 1000))
    ])
  }

  /** The delivery latency histogram per agency. */
  async deliveryLatency (): Promise<Map<string, LatencyHistogram>> {
    const raw = await this.#redis.hgetall(this.#keys.deliveryMetrics)
    const out = new Map<string, LatencyHistogram>()
    const of = (agency: string): LatencyHistogram => {
      let h = out.get(agency)
      if (h === undefined) out.set(agency, h = { cumulative: new Array<number>(DELIVERY_LATENCY_BUCKETS.length + 1).fill(0), sumSeconds: 0, count: 0 })
      return h
    }
    for (const [field, value] of Object.entries(raw)) {
      const sep = field.lastIndexOf('|')
      const agency = field.slice(0, sep)
      const what = field.slice(sep + 1)
      const n = Number(value)
      const h = of(agency)
      if (what === 'sum_ms') h.sumSeconds = n / 1000
      else {
        // a delivery in bucket i counts in every bucket from i up (and in +Inf)
        const from = what === 'inf' ? DELIVERY_LATENCY_BUCKETS.length : Number(what)
        for (let b = from; b < h.cumulative.length; b++) h.cumulative[b] = (h.cumulative[b] ?? 0) + n
        h.count += n
      }
    }
    return out
  }

  /**
   * Open dossiers past their due date, from the record: those the sweeper flagged (by agency too:
   * the agencies of their route, not the postal service that carries the result) and those past
   * due it has not reached yet (at most one sweep old; counted in the total only).
   */
  async overdue (nowMs: number): Promise<{ total: number, byAgency: Map<string, number> }> {
    const open = OPEN_CODES
    const rows = await this.#sql<Array<{ agency: string | null, n: number }>>`
      select null as agency, count(*)::int as n from dossiers d
        where (d.overdue_since is not null and d.status = any(${open}::smallint[])) or d.due_index_at <= ${new Date(nowMs)}
      union all
      select s.agency, count(distinct d.id)::int from dossiers d join dossier_steps s on s.dossier_id = d.id and s.step <> ${RETURN_STEP}
        where d.overdue_since is not null and d.status = any(${open}::smallint[])
        group by s.agency`
    let total = 0
    const byAgency = new Map<string, number>()
    for (const r of rows) {
      if (r.agency === null) total = r.n
      else byAgency.set(r.agency, r.n)
    }
    return { total, byAgency }
  }
}
