/**
 * GET /v1/stats: the figures provinces report (received, resolved early / on time / late,
 * overdue, in progress, on-time, online and postal rates) for a period, in total and grouped by
 * agency, procedure, level or channel. Counted by SQL over the record (store/stats-queries.ts says
 * what each figure counts): a past period gives the same answer later. An agency client gets its
 * own agency's figures only.
 */
import type { Client } from '../auth/clients.ts'
import { HubValidationError, StatsScopeError } from '../errors.ts'
import { reportPeriod, type Figures, type GroupBy } from '../domain/stats.ts'
import { vietnamDate } from '../domain/calendar.ts'
import type { StatsQueries } from '../store/stats-queries.ts'

/** The longest period one request may cover. */
export const MAX_STATS_DAYS = 1100

export interface StatsQuery {
  from?: string
  to?: string
  groupBy?: GroupBy
}

export interface StatsAnswer {
  from: string
  to: string
  groupBy?: GroupBy
  agency?: string
  totals: Figures
  groups?: Array<{ key: string, name?: string } & Figures>
}

export class StatsService {
  readonly #stats: StatsQueries
  readonly #names: Partial<Record<GroupBy, ReadonlyMap<string, string>>>
  readonly #now: () => Date

  constructor (stats: StatsQueries, names: Partial<Record<GroupBy, ReadonlyMap<string, string>>>, now: () => Date = () => new Date()) {
    this.#stats = stats
    this.#names = names
    this.#now = now
  }

  async query (q: StatsQuery, viewer?: Client): Promise<StatsAnswer> {
    // one instant for the default period and its end
    const now = this.#now()
    // one query reads a period's rows: a report of more than three years at once is not what this endpoint is for
    const period = reportPeriod(q, vietnamDate(now), MAX_STATS_DAYS, 'MAX_STATS_DAYS')
    if ('problem' in period) throw new HubValidationError([{ parameter: 'from', detail: period.problem }])
    const { from, to } = period
    let agency: string | undefined
    if (viewer?.role === 'agency') {
      if (q.groupBy !== undefined && q.groupBy !== 'agency') throw new StatsScopeError(`grouped by ${q.groupBy}, the figures would count other agencies' dossiers; ask without groupBy or with groupBy=agency`)
      agency = viewer.agency ?? ''
    }
    const table = await this.#stats.figures({
      from,
      to,
      now,
      ...(q.groupBy !== undefined && { groupBy: q.groupBy }),
      ...(agency !== undefined && { agency })
    })
    const names = q.groupBy === undefined ? undefined : this.#names[q.groupBy]
    return {
      from,
      to,
      ...(q.groupBy !== undefined && { groupBy: q.groupBy }),
      ...(agency !== undefined && { agency }),
      totals: table.totals,
      ...(table.groups !== undefined && {
        groups: table.groups.map((g) => {
          const { key, ...rest } = g
          const name = names?.get(key)
          return { key, ...(name !== undefined && { name }), ...rest }
        })
      })
    }
  }
}
