/**
 * Statistics counters in Redis: one hash per Vietnam day (keys.ts), updated by intake.lua and
 * apply.lua in the same transaction as the change they count (domain/stats.ts). Reading a period
 * reads its days in one pipelined round trip. `rebuild` recounts every stored dossier.
 */
import type { Redis } from 'ioredis'
import type { Keys } from './keys.ts'
import { contributions } from '../domain/stats.ts'
import type { LifecycleFacts } from '../domain/lifecycle.ts'

const factsOf = (raw: string | null): LifecycleFacts => raw === null ? { channel: 'online', level: 'province', returnMethod: 'online' } : JSON.parse(raw) as LifecycleFacts
import { RETURN_STEP } from '../domain/routing.ts'
import type { DossierStatus } from '../domain/status.ts'
import { periodDays } from '../domain/stats.ts'

/**
 * Every YYYYMMDD from `from` to `to` ('YYYY-MM-DD', inclusive), at most `maxDays` of them: a longer
 * period is a RangeError before any day is built (periodDays counts from the dates alone).
 */
export function daysBetween (from: string, to: string, maxDays: number): string[] {
  const length = periodDays(from, to)
  if (length > maxDays) throw new RangeError(`${from}..${to} has ${length} days, more than ${maxDays}`)
  const out: string[] = []
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t <= end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10).replaceAll('-', ''))
  }
  return out
}

export class StatsStore {
  readonly #redis: Redis
  readonly #keys: Keys

  constructor (redis: Redis, keys: Keys) {
    this.#redis = redis
    this.#keys = keys
  }

  /** The counters of each day (YYYYMMDD), in one round trip. */
  async days (days: readonly string[]): Promise<Array<Record<string, string>>> {
    if (days.length === 0) return []
    const pipeline = this.#redis.pipeline()
    for (const day of days) pipeline.hgetall(this.#keys.stats(day))
    const results = await pipeline.exec() ?? []
    return results.map(([err, value]) => {
      if (err !== null) throw err
      return value as Record<string, string>
    })
  }

  /**
   * Recomputes every counter from the stored dossiers (domain/stats.ts contributions) and replaces
   * the stored counters day by day (each day's hash is replaced atomically). Counters of a change
   * made while it runs may be lost: run it while the hub is quiet, then compare with /v1/stats.
   */
  async rebuild (batch = 500): Promise<{ dossiers: number, days: number }> {
    const { counts, dossiers } = await this.recount(batch)
    const k = this.#keys
    // replace the days that have counts; delete the days that have none any more
    const multi = this.#redis.multi()
    for (const key of await this.#dayKeys()) if (!counts.has(key.slice(k.stats('').length))) multi.del(key)
    for (const [day, fields] of counts) {
      multi.del(k.stats(day))
      multi.hset(k.stats(day), Object.fromEntries(fields))
    }
    await multi.exec()
    return { dossiers, days: counts.size }
  }

  /** Counters that differ from a recount (none: they agree). Changes nothing. */
  async compare (): Promise<Array<{ day: string, field: string, counter: number, recount: number }>> {
    const { counts } = await this.recount()
    const k = this.#keys
    const out: Array<{ day: string, field: string, counter: number, recount: number }> = []
    const days = new Set([...counts.keys(), ...(await this.#dayKeys()).map((key) => key.slice(k.stats('').length))])
    for (const day of [...days].sort()) {
      const stored = await this.#redis.hgetall(k.stats(day))
      const fresh = counts.get(day) ?? new Map<string, number>()
      for (const field of new Set([...Object.keys(stored), ...fresh.keys()])) {
        const counter = Number(stored[field] ?? 0)
        const recount = fresh.get(field) ?? 0
        if (counter !== recount) out.push({ day, field, counter, recount })
      }
    }
    return out
  }

  async #dayKeys (): Promise<string[]> {
    const out: string[] = []
    let scan = '0'
    do {
      const [next, keys] = await this.#redis.scan(scan, 'MATCH', `${this.#keys.stats('')}*`, 'COUNT', 1000)
      scan = next
      out.push(...keys)
    } while (scan !== '0')
    return out
  }

  /** The counters a recount of every stored dossier gives, by day. */
  async recount (batch = 500): Promise<{ counts: Map<string, Map<string, number>>, dossiers: number }> {
    const k = this.#keys
    const counts = new Map<string, Map<string, number>>()
    let dossiers = 0
    let cursor = 0
    for (;;) {
      const codes = await this.#redis.zrange(k.indexAll, String(cursor), String(cursor + batch - 1))
      if (codes.length === 0) break
      cursor += codes.length
      const pipeline = this.#redis.pipeline()
      for (const code of codes) pipeline.hmget(k.dossier(code), 'status', 'receivedAt', 'procedure', 'lc', 'steps')
      const rows = await pipeline.exec() ?? []
      const found: Array<{ code: string, status: string, receivedAt: string, procedure: string, lc: string | null, steps: string[] }> = []
      rows.forEach(([err, value], i) => {
        if (err !== null) throw err
        const [status, receivedAt, procedure, lc, steps] = value as Array<string | null>
        if (status === null || status === undefined || receivedAt === null || receivedAt === undefined) return
        // the agencies of the route, not the postal service that carries the result
        const ids = (steps ?? '').split(',').filter((id) => id !== '' && id !== RETURN_STEP)
        found.push({ code: codes[i] as string, status, receivedAt, procedure: procedure ?? '', lc: lc ?? null, steps: ids })
      })
      const statePipeline = this.#redis.pipeline()
      for (const d of found) statePipeline.hmget(k.dossier(d.code), ...(d.steps.length > 0 ? d.steps.map((id) => `r:${id}`) : ['r:']))
      const states = await statePipeline.exec() ?? []
      found.forEach((d, i) => {
        const raw = (states[i]?.[1] as Array<string | null> | undefined) ?? []
        const agencies = [...new Set(raw.filter((s): s is string => s !== null).map((s) => (JSON.parse(s) as { agency: string }).agency))]
        for (const key of contributions({ receivedAt: d.receivedAt, status: d.status as DossierStatus, procedure: d.procedure, agencies, facts: factsOf(d.lc) })) {
          const [day, field] = key.split('\t') as [string, string]
          const m = counts.get(day) ?? new Map<string, number>()
          m.set(field, (m.get(field) ?? 0) + 1)
          counts.set(day, m)
        }
        dossiers++
      })
    }
    return { counts, dossiers }
  }
}
