/**
 * Statistics (số liệu báo cáo) as pure functions. The figures provinces report — received,
 * resolved early / on time / late, overdue, in progress, on-time, online and postal rates — are
 * sums of per-day counters. Each dossier contributes a set of counters that depends only on its
 * current state (`contributions`): a change adds what the new state contributes and takes away
 * what the old one did (`statsDelta`), in the same Redis transaction as the change. A rebuild sums
 * `contributions` over every stored dossier, so the counters and a recount agree by construction.
 *
 * Counter field: "<metric>|<dimension>|<value>" in the hash of a Vietnam calendar day (YYYYMMDD):
 *   - received, online, postal, open, openOverdue: on the day the dossier was received;
 *   - resolved, early, onTime, late: on the day it was resolved;
 *   - returned: on the day its result was returned; notAccepted, withdrawn, stopped: on the day it ended.
 * Dimensions: all (value ''), agency (each agency on its route), procedure, level, channel.
 * Counters of the present, whatever the day, are kept under the pseudo-day NOW_DAY ("now"):
 * openOverdue (open dossiers flagged overdue now, for /metrics).
 */
import type { DossierStatus } from './status.ts'
import { isOpen, type LifecycleFacts } from './lifecycle.ts'
import { VIETNAM_OFFSET_MS } from './vietnam-time.ts'

export const GROUP_BY = ['agency', 'procedure', 'level', 'channel'] as const
export type GroupBy = typeof GROUP_BY[number]

export const METRICS = ['received', 'online', 'postal', 'open', 'openOverdue', 'resolved', 'early', 'onTime', 'late', 'returned', 'notAccepted', 'withdrawn', 'stopped'] as const
export type Metric = typeof METRICS[number]

/**
 * How many calendar days `from` to `to` ('YYYY-MM-DD', inclusive) covers, from the two dates alone:
 * what a request's period is checked against before anything is built for its days. 0 when `to`
 * is before `from`.
 */
export function periodDays (from: string, to: string): number {
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
  return Number.isFinite(days) ? Math.max(0, days) : Number.POSITIVE_INFINITY
}

/** The pseudo-day of counters about the present rather than a day (never a YYYYMMDD). */
export const NOW_DAY = 'now'

/** What a dossier's counters depend on. */
export interface StatsFacts {
  receivedAt: string
  status: DossierStatus
  procedure: string
  agencies: readonly string[]
  facts: LifecycleFacts
}

/** The Vietnam calendar day of an ISO instant, YYYYMMDD. */
export function statsDay (iso: string): string {
  const w = new Date(Date.parse(iso) + VIETNAM_OFFSET_MS)
  return `${w.getUTCFullYear()}${String(w.getUTCMonth() + 1).padStart(2, '0')}${String(w.getUTCDate()).padStart(2, '0')}`
}

/** The counters one dossier contributes, as "<day>\t<field>" (each +1). */
export function contributions (d: StatsFacts): string[] {
  const dims: string[] = ['all|', `procedure|${d.procedure}`, `level|${d.facts.level}`, `channel|${d.facts.channel}`, ...d.agencies.map((a) => `agency|${a}`)]
  const out: string[] = []
  const add = (iso: string | undefined, metric: Metric): void => {
    if (iso === undefined) return
    const day = statsDay(iso)
    for (const dim of dims) out.push(`${day}\t${metric}|${dim}`)
  }
  const f = d.facts
  add(d.receivedAt, 'received')
  if (f.channel === 'online') add(d.receivedAt, 'online')
  if (f.channel === 'postal' || f.returnMethod === 'postal') add(d.receivedAt, 'postal')
  if (isOpen(d.status)) {
    add(d.receivedAt, 'open')
    if (f.overdueSince !== undefined) {
      add(d.receivedAt, 'openOverdue')
      for (const dim of dims) out.push(`${NOW_DAY}\topenOverdue|${dim}`)
    }
  }
  if ((d.status === 'resolved' || d.status === 'returned') && f.resolvedAt !== undefined) {
    add(f.resolvedAt, 'resolved')
    if (f.timeliness === 'early') add(f.resolvedAt, 'early')
    else if (f.timeliness === 'overdue') add(f.resolvedAt, 'late')
    else add(f.resolvedAt, 'onTime')
  }
  if (d.status === 'returned') add(f.returnedAt, 'returned')
  if (d.status === 'not-accepted') add(f.closedAt, 'notAccepted')
  if (d.status === 'withdrawn') add(f.closedAt, 'withdrawn')
  if (d.status === 'stopped') add(f.closedAt, 'stopped')
  return out
}

/** Counter increments (by "<day>\t<field>") that take a dossier from `before` (undefined: new) to `after`. Zero entries left out. */
export function statsDelta (before: StatsFacts | undefined, after: StatsFacts): Map<string, number> {
  const delta = new Map<string, number>()
  for (const k of contributions(after)) delta.set(k, (delta.get(k) ?? 0) + 1)
  if (before !== undefined) for (const k of contributions(before)) delta.set(k, (delta.get(k) ?? 0) - 1)
  for (const [k, v] of delta) if (v === 0) delta.delete(k)
  return delta
}

export interface Figures {
  /** tiếp nhận */
  received: number
  /** đã giải quyết */
  resolved: number
  /** giải quyết đúng hạn, trước hạn included */
  resolvedOnTime: number
  /** trước hạn */
  early: number
  /** đúng hạn (on the due date) */
  onTime: number
  /** giải quyết quá hạn */
  resolvedLate: number
  /** quá hạn: resolved late, and still open past the due date */
  overdue: number
  /** open and past the due date */
  openOverdue: number
  /** đang giải quyết */
  inProgress: number
  returned: number
  notAccepted: number
  withdrawn: number
  stopped: number
  online: number
  postal: number
  /** (early + on time) / resolved; null when nothing was resolved */
  onTimeRate: number | null
  /** online / received */
  onlineRate: number | null
  /** postal (submitted or returned by post) / received */
  postalRate: number | null
}

const rate = (part: number, whole: number): number | null => whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000

/** Figures from summed counters of one dimension value. */
export function figures (c: Partial<Record<Metric, number>>): Figures {
  const n = (m: Metric): number => c[m] ?? 0
  const resolvedOnTime = n('early') + n('onTime')
  return {
    received: n('received'),
    resolved: n('resolved'),
    resolvedOnTime,
    early: n('early'),
    onTime: n('onTime'),
    resolvedLate: n('late'),
    overdue: n('late') + n('openOverdue'),
    openOverdue: n('openOverdue'),
    inProgress: n('open'),
    returned: n('returned'),
    notAccepted: n('notAccepted'),
    withdrawn: n('withdrawn'),
    stopped: n('stopped'),
    online: n('online'),
    postal: n('postal'),
    onTimeRate: rate(resolvedOnTime, n('resolved')),
    onlineRate: rate(n('online'), n('received')),
    postalRate: rate(n('postal'), n('received'))
  }
}

export interface StatsTable {
  totals: Figures
  groups?: Array<{ key: string } & Figures>
}

/**
 * Sums day hashes (field → count) into the totals and, with `groupBy`, one row per value of that
 * dimension. `only` keeps one value of the grouping (an agency client sees only its own agency).
 */
export function summarize (days: ReadonlyArray<Record<string, string>>, groupBy?: GroupBy, only?: { dim: GroupBy, value: string }): StatsTable {
  const totals: Partial<Record<Metric, number>> = {}
  const groups = new Map<string, Partial<Record<Metric, number>>>()
  for (const day of days) {
    for (const [field, raw] of Object.entries(day)) {
      const [metric, dim, value] = field.split('|') as [Metric, string, string]
      const count = Number(raw)
      if (only !== undefined) {
        if (dim === only.dim && value === only.value) totals[metric] = (totals[metric] ?? 0) + count
      } else if (dim === 'all') totals[metric] = (totals[metric] ?? 0) + count
      if (groupBy !== undefined && dim === groupBy && (only === undefined || (only.dim === groupBy && only.value === value))) {
        const g = groups.get(value) ?? {}
        g[metric] = (g[metric] ?? 0) + count
        groups.set(value, g)
      }
    }
  }
  return {
    totals: figures(totals),
    ...(groupBy !== undefined && {
      groups: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, c]) => ({ key, ...figures(c) }))
    })
  }
}
