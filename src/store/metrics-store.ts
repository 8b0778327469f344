/**
 * Figures for /metrics that several processes make and any API process serves, kept in Redis:
 * the delivery latency histogram (<p>:metrics:delivery, a hash of counters by agency) — the
 * workers that deliver have no HTTP server of their own. (Dossier counts are SQL queries over the
 * record: store/dossier-gauges.ts.) Bucket counters are stored per bucket and summed into
 * Prometheus's cumulative buckets on reading.
 */
import type { Redis } from 'ioredis'
import type { Keys } from './keys.ts'
import { TurnBatch } from './turn-batch.ts'

/** Upper bounds (seconds) of the delivery latency buckets: agencies down for hours are in range. */
export const DELIVERY_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600] as const

export interface LatencyHistogram {
  /** cumulative count per bucket, in the order of DELIVERY_LATENCY_BUCKETS, then +Inf */
  cumulative: number[]
  sumSeconds: number
  count: number
}

export class MetricsStore {
  readonly #redis: Redis
  readonly #keys: Keys
  /** the deliveries of one turn: their increments summed per field, one HINCRBY per field */
  readonly #deliveries: TurnBatch<{ agency: string, seconds: number }, void>

  constructor (redis: Redis, keys: Keys) {
    this.#redis = redis
    this.#keys = keys
    const increments = async (items: ReadonlyArray<{ agency: string, seconds: number }>): Promise<void[]> => {
      const by = new Map<string, number>()
      const add = (field: string, n: number): void => { by.set(field, (by.get(field) ?? 0) + n) }
      for (const { agency, seconds } of items) {
        const i = DELIVERY_LATENCY_BUCKETS.findIndex((le) => seconds <= le)
        add(`${agency}|${i === -1 ? 'inf' : i}`, 1)
        add(`${agency}|sum_ms`, Math.round(seconds * 1000))
      }
      await Promise.all([...by].map(async ([field, n]) => await this.#redis.hincrby(this.#keys.deliveryMetrics, field, n)))
      return items.map(() => undefined)
    }
    this.#deliveries = new TurnBatch(increments, async (item) => { await increments([item]) })
  }

  /**
   * One delivery accepted by `agency`, `seconds` after it was queued: two increments (the count is
   * the sum of the buckets), summed with the other deliveries of the same turn of the event loop.
   */
  async recordDelivery (agency: string, seconds: number): Promise<void> {
    await this.#deliveries.call({ agency, seconds })
  }

  /** The delivery latency histogram per agency. */
  async deliveryLatency (): Promise<Map<string, LatencyHistogram>> {
    const raw = await this.#redis.hgetall(this.#keys.deliveryMetrics)
    const out = new Map<string, LatencyHistogram>()
    const of = (agency: string): LatencyHistogram => {
      let h = out.get(agency)
      if (h === undefined) out.set(agency, h = { cumulative: Array.from({ length: DELIVERY_LATENCY_BUCKETS.length + 1 }, () => 0), sumSeconds: 0, count: 0 })
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
}
