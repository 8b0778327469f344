/**
 * Statistics (số liệu báo cáo) as pure functions: what the figures provinces report are made of —
 * received, resolved early / on time / late, overdue, in progress, on-time, online and postal
 * rates — from the sums of their metrics. The sums are SQL queries over the record, for any past
 * period (store/stats-queries.ts says what each metric counts).
 */

/**
 * agency: every agency of the route; receivingUnit: the desk that received the dossier (the code
 * its dossier code starts with); handlingUnit: the lead agency of its route (the instance the
 * dossier's place picked). Since 1 July 2025 the two differ (receipt regardless of administrative
 * boundary, Decree 118/2025/NĐ-CP).
 */
export const GROUP_BY = ['agency', 'procedure', 'level', 'channel', 'receivingUnit', 'handlingUnit'] as const
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

/**
 * The period a report asks for, Vietnam calendar days 'YYYY-MM-DD': `to` defaults to `today`, `from`
 * to 1 January of `to`'s year. Why it cannot be one (backwards, longer than `maxDays`; `name` is the
 * constant to cite), or the period.
 */
export function reportPeriod (asked: { from?: string, to?: string }, today: string, maxDays: number, name: string): { from: string, to: string } | { problem: string } {
  const to = asked.to ?? today
  const from = asked.from ?? `${to.slice(0, 4)}-01-01`
  if (from > to) return { problem: `is after to (${from} > ${to})` }
  // the bound from the two dates alone: a request's period is checked before anything is built for its days
  const length = periodDays(from, to)
  if (length > maxDays) return { problem: `the period from ${from} to ${to} has ${length} days; ask for at most ${maxDays} (${name}) at a time` }
  return { from, to }
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

/** The figures of a period: in total and, when grouped, per value of the grouping. */
export interface StatsTable {
  totals: Figures
  groups?: Array<{ key: string } & Figures>
}
