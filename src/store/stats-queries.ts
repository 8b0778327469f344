/**
 * The figures of GET /v1/stats (số liệu giải quyết hồ sơ) for a period of Vietnam calendar days,
 * as one SQL statement over the record (dossiers, dossier_steps, dossier_history): no counters, so
 * a past period gives the same answer next year as today, whichever process, or the read replica
 * (Database.reports), computes it.
 *
 * The period [from, to] ('YYYY-MM-DD', inclusive) starts at `from` 00:00 Vietnam time (UTC+7).
 * Its END is the last instant of `to` (23:59:59.999999), or now when `to` is today or later: a
 * period never reaches into the future, and one that is over is judged at its end once and for
 * all. "In the period" below means from its start to its end, both included.
 *
 * What each figure counts (each dossier at most once per figure):
 *   received     tiếp nhận: dossiers received (dossiers.received_at) in the period;
 *   online       of those, submitted online (channel 2);
 *   postal       of those, submitted by post (channel 3) or with the result to be returned by post
 *                (return_method 'postal');
 *   resolved     đã giải quyết: its status became 9 (resolved) — or 10 (returned) straight from an
 *                open status — in the period, by the time of that history row;
 *   early / onTime / resolvedLate: of those, by the timeliness stamped at resolution against the
 *                due date then in force (dossiers.timeliness 'early'; 'overdue' is late; 'on-time',
 *                and no due date, count on time); resolvedOnTime = early + onTime;
 *   returned     đã trả kết quả: its status became 10 in the period;
 *   notAccepted / withdrawn / stopped: its status became 3 / 7 / 8 in the period;
 *   inProgress   đang giải quyết: open at the period's END — received by then, and its status
 *                then (status_to of its last status change at or before the end) is 1, 2, 4, 5
 *                or 6 — whenever it was received: those carried over from earlier periods count
 *                (the end-of-period figure of the reports; Decision 766 judges a dossier with no
 *                end "at the period's last day"). A dossier resolved after the end still counts;
 *   openOverdue  đang quá hạn: of those, the ones past their due date at the END — flagged by
 *                then (an `overdue` history row, or overdue_since, at or before the end), or with
 *                the clock running then (status 1, 2 or 4) and the due date in force then (due_at_to
 *                of its last history row at or before the end that set one: the receipt, or the
 *                end of a pause; an announced delay does not move it) at or before the end. A
 *                dossier paused (5, 6) before it ran out is not overdue: its clock is stopped;
 *   overdue      quá hạn: resolvedLate + openOverdue (late in the period, or overdue at its end);
 *   rates        onTimeRate = resolvedOnTime / resolved, onlineRate = online / received,
 *                postalRate = postal / received (4 decimals; null when dividing by 0).
 * Days are those of the times in the record: a change counts on the Vietnam day of its history
 * row's `at`, a receipt on that of received_at.
 *
 * Dimensions: procedure (procedure_code), level, channel ('counter' | 'online' | 'postal'),
 * receivingUnit (receiving_agency: the desk's code), handlingUnit (the agency of the route's lead
 * step: one per dossier, so its rows add up to the totals) and
 * agency: every agency of the dossier's route (dossier_steps) except the result-return step
 * (RETURN_STEP: the postal service carrying the result), so a dossier routed to three agencies
 * counts once in each of their rows and once in the totals. An agency scope keeps the dossiers
 * routed to that agency only.
 *
 * How it finds the rows without reading the whole record: received in the period through the BRIN
 * index of dossiers.received_at; changes in the period through the BRIN index of
 * dossier_history.at; the dossiers open at the end through dossiers_open_during (0004: the interval
 * each dossier was open, [received_at, resolved_at or closed_at), in a GiST index), then each
 * one's status and due date at the end from its own history rows (primary key). Measured on
 * 1 million dossiers over two years (a shared, loaded 2-core machine): a month 0.3–0.7 s, past or
 * present; a year 1.5–2.5 s; a year by agency 7–10 s (every counted dossier joined to its steps).
 */
import type { Fragment, PendingQuery, Sql } from 'postgres'
import { figures, type Figures, type GroupBy, type Metric, type StatsTable } from '../domain/stats.ts'
import { RETURN_STEP } from '../domain/routing.ts'
import { vietnamDayStart } from '../domain/vietnam-time.ts'

const DAY_MS = 86_400_000

/** What one request asks: a period, an optional grouping, an optional agency scope. */
export interface PeriodQuery {
  /** first Vietnam day, YYYY-MM-DD */
  from: string
  /** last Vietnam day, inclusive */
  to: string
  groupBy?: GroupBy
  /** only dossiers routed to this agency (an agency client) */
  agency?: string
  /** the present (the period's end is never later) */
  now: Date
}

/** The bounds of a period: [start, next) in instants, and its end (the last instant of `to`, or now). */
export function periodBounds (from: string, to: string, now: Date): { start: Date, next: Date, end: Date } {
  const start = vietnamDayStart(from)
  const next = new Date(vietnamDayStart(to).getTime() + DAY_MS)
  const end = new Date(Math.min(now.getTime(), next.getTime() - 1))
  return { start, next, end }
}

export type Row = { key: string | null } & Record<Metric, number>

export class StatsQueries {
  readonly #sql: Sql

  /** `sql`: the reports connection (Database.reports: the read replica when there is one). */
  constructor (sql: Sql) {
    this.#sql = sql
  }

  /** The figures of a period, in total and, with `groupBy`, per value of that dimension (sorted by key). */
  async figures (q: PeriodQuery): Promise<StatsTable> {
    const rows = await this.statement(q)
    let totals: Figures | undefined
    const groups: Array<{ key: string } & Figures> = []
    for (const row of rows) {
      const { key: k, ...counts } = row
      if (k === null) totals = figures(counts)
      else groups.push({ key: k, ...figures(counts) })
    }
    groups.sort((a, b) => a.key.localeCompare(b.key))
    return { totals: totals ?? figures({}), ...(q.groupBy !== undefined && { groups }) }
  }

  /**
   * The statement of `figures`: one row of counts for the totals (key null) and one per group.
   * Public so that its plan can be read (sql`explain analyze ${stats.statement(q)}`).
   */
  statement (q: PeriodQuery): PendingQuery<Row[]> {
    const sql = this.#sql
    const { start, next } = periodBounds(q.from, q.to, q.now)
    const now = q.now
    // "at or before the end": before the start of the next day and not after now. Two plain
    // comparisons (not one with a computed end) keep microseconds (a row at 23:59:59.9995 is the
    // day's) and give the planner the bounds of the BRIN scans as they are.
    const scope = q.agency === undefined
      ? sql``
      : sql`where exists (select 1 from dossier_steps s where s.dossier_id = f.id and s.agency = ${q.agency} and s.step <> ${RETURN_STEP})`
    const key = q.groupBy === undefined ? undefined : groupKey(sql, q.groupBy, q.agency)
    return sql<Row[]>`
      with
      -- every dossier that may have been open at the end: received by then and not ended before it
      -- (received_at, resolved_at or closed_at, set once), by the index dossiers_open_during
      -- (migrations/0004_stats.sql: the same expression, or the planner does not use it)
      alive as (
        select d.* from dossiers d
        where tstzrange(d.received_at, case when coalesce(d.resolved_at, d.closed_at) is null then null
          else greatest(d.received_at, coalesce(d.resolved_at, d.closed_at)) end, '[)')
          @> least(${now}::timestamptz, ${next}::timestamptz - interval '1 microsecond')
      ),
      -- One row per dossier and kind of fact: received in the period, a change in the period that
      -- ended (or resolved, or returned) it, open at the end. A dossier is in each part at most
      -- once per figure (terminal statuses are reached once), so the figures are plain counts.
      facts as (
        select d.id, d.procedure_code, d.level, d.channel, d.receiving_agency,
          true as received, d.return_method = 'postal' as postal_return,
          false as resolved, null::text as timeliness, false as returned, false as not_accepted, false as withdrawn, false as stopped,
          false as open, false as open_overdue
        from dossiers d
        where d.received_at >= ${start} and d.received_at < ${next} and d.received_at <= ${now}
        union all
        select d.id, d.procedure_code, d.level, d.channel, d.receiving_agency,
          false, false,
          h.status_to in (9, 10) and coalesce(h.status_from, 0) not in (9, 10), d.timeliness,
          h.status_to = 10, h.status_to = 3, h.status_to = 7, h.status_to = 8,
          false, false
        from dossier_history h
        join dossiers d on d.id = h.dossier_id
        where h.at >= ${start} and h.at < ${next} and h.at <= ${now}
          and h.status_to in (3, 7, 8, 9, 10) and h.status_from is distinct from h.status_to
        union all
        -- open at the end: its last status change by then left it open; overdue then: flagged by
        -- then, or its clock running past the due date in force then
        select d.id, d.procedure_code, d.level, d.channel, d.receiving_agency,
          false, false, false, null, false, false, false, false,
          true,
          coalesce(d.overdue_since < ${next} and d.overdue_since <= ${now}, false)
            or coalesce((select true from dossier_history o
              where o.dossier_id = d.id and o.type = 'overdue' and o.at < ${next} and o.at <= ${now} limit 1), false)
            or (s.status in (1, 2, 4) and coalesce((
              select u.due_at_to < ${next} and u.due_at_to <= ${now} from dossier_history u
              where u.dossier_id = d.id and u.due_at_to is not null and u.type <> 'delay-announced' and u.at < ${next} and u.at <= ${now}
              order by u.seq desc limit 1), false))
        from alive d
        cross join lateral (
          select h.status_to as status from dossier_history h
          where h.dossier_id = d.id and h.status_to is not null and h.at < ${next} and h.at <= ${now}
          order by h.seq desc limit 1
        ) s
        where s.status in (1, 2, 4, 5, 6)
      ),
      kept as (select f.* from facts f ${scope})
      select null::text as key, ${aggregates(sql)} from kept f
      ${key === undefined ? sql`` : sql`union all select ${key.column} as key, ${aggregates(sql)} from kept f ${key.join} group by 1`}
    `
  }
}

/** The counts of each metric over `f` (the kept facts), named as domain/stats.ts figures() reads them. */
function aggregates (sql: Sql): Fragment {
  return sql`
    (count(*) filter (where f.received))::int as received,
    (count(*) filter (where f.received and f.channel = 2))::int as online,
    (count(*) filter (where f.received and (f.channel = 3 or f.postal_return)))::int as postal,
    (count(*) filter (where f.resolved))::int as resolved,
    (count(*) filter (where f.resolved and f.timeliness = 'early'))::int as early,
    (count(*) filter (where f.resolved and f.timeliness is distinct from 'early' and f.timeliness is distinct from 'overdue'))::int as "onTime",
    (count(*) filter (where f.resolved and f.timeliness = 'overdue'))::int as late,
    (count(*) filter (where f.returned))::int as returned,
    (count(*) filter (where f.not_accepted))::int as "notAccepted",
    (count(*) filter (where f.withdrawn))::int as withdrawn,
    (count(*) filter (where f.stopped))::int as stopped,
    (count(*) filter (where f.open))::int as open,
    (count(*) filter (where f.open and f.open_overdue))::int as "openOverdue"`
}

/** The group key of a dimension, and the join that gives it (agency: one row per agency of the route). */
function groupKey (sql: Sql, groupBy: GroupBy, agency: string | undefined): { column: Fragment, join: Fragment } {
  switch (groupBy) {
    case 'procedure': return { column: sql`f.procedure_code`, join: sql`` }
    case 'level': return { column: sql`f.level`, join: sql`` }
    case 'channel': return { column: sql`case f.channel when 1 then 'counter' when 2 then 'online' else 'postal' end`, join: sql`` }
    case 'receivingUnit': return { column: sql`f.receiving_agency`, join: sql`` }
    case 'handlingUnit': return {
      column: sql`g.agency`,
      // the lead step's agency (detail.lead, set at intake), one per dossier
      join: sql`join (select s.dossier_id, min(s.agency) as agency from dossier_steps s
        where s.dossier_id in (select id from kept) and s.step <> ${RETURN_STEP} and s.detail->>'lead' = 'true' group by s.dossier_id) g on g.dossier_id = f.id`
    }
    case 'agency': return {
      column: sql`g.agency`,
      // the agencies of the dossiers counted (not of every dossier), each once per dossier
      join: sql`join (select distinct s.dossier_id, s.agency from dossier_steps s
        where s.dossier_id in (select id from kept) and s.step <> ${RETURN_STEP} ${agency === undefined ? sql`` : sql`and s.agency = ${agency}`}) g on g.dossier_id = f.id`
    }
  }
}
