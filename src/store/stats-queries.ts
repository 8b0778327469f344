/**
 * The figures of GET /v1/stats (số liệu giải quyết hồ sơ) for a period of Vietnam calendar days,
 * as one SQL statement over the record (dossiers, dossier_steps, dossier_history): no counters, so
 * a past period gives the same answer next year as today, and the answer is the same whichever
 * process, or the read replica (Database.reports), computes it.
 *
 * The period [from, to] ('YYYY-MM-DD', inclusive) runs from `from` 00:00 Vietnam time (UTC+7) to
 * the start of the day after `to`. Its END (cut) is the last instant of `to`, or now when `to` is
 * today or later: the period's end never lies in the future, so a figure of the present is the
 * present's, and a period that is over is judged at its end once and for all.
 *
 * What each figure counts (a dossier counts at most once per figure):
 *   received     tiếp nhận: received (dossiers.received_at) in the period;
 *   online       of those, submitted online (channel 2);
 *   postal       of those, submitted by post (channel 3) or with the result returned by post
 *                (return_method 'postal');
 *   resolved     giải quyết: its status first became 9 (resolved) — or 10 (returned) without 9 —
 *                in the period (the history row of that change);
 *   early / onTime / late: of those, by the timeliness stamped at resolution against the due date
 *                in force (dossiers.timeliness 'early', 'overdue' for late; 'on-time' and no due
 *                date count on time);
 *   returned     trả kết quả: its status became 10 in the period;
 *   notAccepted / withdrawn / stopped: its status became 3 / 7 / 8 in the period;
 *   open         đang giải quyết (inProgress): open at the period's end — received by then and its
 *                status at the end (the status_to of its last status change at or before the end)
 *                is 1, 2, 4, 5 or 6 — whenever it was received (the dossiers carried over from
 *                earlier periods included), as the end-of-period report (Decision 766: "a dossier
 *                with no end yet is judged at the period's last day") has them. A dossier resolved
 *                after the period still counts open at its end;
 *   openOverdue  đang quá hạn: of the open ones, those past their due date at the period's end —
 *                flagged overdue by then (an `overdue` history row, or dossiers.overdue_since, at or
 *                before the end), or with the clock running at the end (status 1, 2 or 4) and the
 *                due date in force then (due_at_to of its last history row at or before the end
 *                that set one: receipt, or the end of a pause; an announced delay does not move it)
 *                at or before the end. A paused dossier (5, 6) not flagged before its pause is not
 *                overdue: its clock is stopped.
 * A change counts on the Vietnam day of its history row's time (`at`); received on received_at.
 *
 * Dimensions: procedure (procedure_code), level, channel ('counter' | 'online' | 'postal') and
 * agency: every agency of the dossier's route (dossier_steps) except the result-return step
 * (RETURN_STEP, the postal service that carries the result), so a dossier routed to three agencies
 * counts once in each of their rows and once in the totals. An agency scope keeps the dossiers
 * routed to that agency only.
 *
 * How it finds the dossiers without reading them all: received in the period by the BRIN index of
 * received_at; changes in the period by the BRIN index of dossier_history.at; open at the end from
 * the dossiers open now (status index) plus those whose status changed after the end (BRIN again:
 * a status at the end that differs from today's needs a change after it). A period ending today
 * thus reads only the period's rows and today's open dossiers; a period long past also reads the
 * status changes since its end.
 */
import type { Fragment, Sql } from 'postgres'
import { figures, type Figures, type GroupBy, type Metric, type StatsTable } from '../domain/stats.ts'
import { RETURN_STEP } from '../domain/routing.ts'
import { VIETNAM_OFFSET_MS } from '../domain/vietnam-time.ts'

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

/** The instant a Vietnam calendar day ('YYYY-MM-DD') starts. */
export function vietnamDayStart (day: string): Date {
  const ms = Date.parse(`${day}T00:00:00Z`)
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${day}`)
  return new Date(ms - VIETNAM_OFFSET_MS)
}

/** The bounds of a period: [start, next) in instants, and its end (the last instant of `to`, or now). */
export function periodBounds (from: string, to: string, now: Date): { start: Date, next: Date, end: Date } {
  const start = vietnamDayStart(from)
  const next = new Date(vietnamDayStart(to).getTime() + DAY_MS)
  const end = new Date(Math.min(now.getTime(), next.getTime() - 1))
  return { start, next, end }
}

type Row = { key: string | null } & Record<Metric, number>

export class StatsQueries {
  readonly #sql: Sql

  /** `sql`: the reports connection (Database.reports: the read replica when there is one). */
  constructor (sql: Sql) {
    this.#sql = sql
  }

  /** The figures of a period, in total and, with `groupBy`, per value of that dimension (sorted by key). */
  async figures (q: PeriodQuery): Promise<StatsTable> {
    const sql = this.#sql
    const { start, next } = periodBounds(q.from, q.to, q.now)
    // what happened from the start to the end (cut) counts: the end is `least(now, next - 1 µs)`
    // in SQL rather than a millisecond instant from here, so a row at 23:59:59.9995 is the day's
    const scope = q.agency === undefined
      ? sql``
      : sql`where exists (select 1 from dossier_steps s where s.dossier_id = f.id and s.agency = ${q.agency} and s.step <> ${RETURN_STEP})`
    const key = q.groupBy === undefined ? undefined : groupKey(sql, q.groupBy, q.agency)
    const rows = await sql<Row[]>`
      with b as (
        select ${start}::timestamptz as t0,
               least(${q.now}::timestamptz, ${next}::timestamptz - interval '1 microsecond') as cut
      ),
      -- changes that ended (or resolved) a dossier in the period
      ended as (
        select h.dossier_id as id,
          bool_or(h.status_to in (9, 10) and coalesce(h.status_from, 0) not in (9, 10)) as resolved,
          bool_or(h.status_to = 10) as returned,
          bool_or(h.status_to = 3) as not_accepted,
          bool_or(h.status_to = 7) as withdrawn,
          bool_or(h.status_to = 8) as stopped
        from dossier_history h, b
        where h.at >= b.t0 and h.at <= b.cut and h.status_to in (3, 7, 8, 9, 10)
          and h.status_from is distinct from h.status_to
        group by h.dossier_id
      ),
      -- every dossier that may have been open at the end: open now, or changed status since
      alive as (
        select d.id from dossiers d, b where d.status in (1, 2, 4, 5, 6) and d.received_at <= b.cut
        union
        select h.dossier_id from dossier_history h, b where h.at > b.cut and h.status_to is not null
      ),
      present as (
        select a.id,
          d.overdue_since <= b.cut
            or exists (select 1 from dossier_history o where o.dossier_id = a.id and o.type = 'overdue' and o.at <= b.cut)
            or (s.status in (1, 2, 4) and coalesce((
              select u.due_at_to from dossier_history u
              where u.dossier_id = a.id and u.due_at_to is not null and u.type <> 'delay-announced' and u.at <= b.cut
              order by u.seq desc limit 1) <= b.cut, false)) as overdue
        from alive a
        join dossiers d on d.id = a.id
        cross join b
        cross join lateral (
          select h.status_to as status from dossier_history h
          where h.dossier_id = a.id and h.status_to is not null and h.at <= b.cut
          order by h.seq desc limit 1
        ) s
        where s.status in (1, 2, 4, 5, 6)
      ),
      counted as (
        select d.id from dossiers d, b where d.received_at >= b.t0 and d.received_at <= b.cut
        union select id from ended
        union select id from present
      ),
      facts as (
        select d.id, d.procedure_code, d.level, d.channel,
          d.received_at >= b.t0 and d.received_at <= b.cut as received,
          d.return_method = 'postal' as postal_return,
          coalesce(e.resolved, false) as resolved, d.timeliness,
          coalesce(e.returned, false) as returned,
          coalesce(e.not_accepted, false) as not_accepted,
          coalesce(e.withdrawn, false) as withdrawn,
          coalesce(e.stopped, false) as stopped,
          p.id is not null as open,
          coalesce(p.overdue, false) as open_overdue
        from counted c
        join dossiers d on d.id = c.id
        cross join b
        left join ended e on e.id = c.id
        left join present p on p.id = c.id
      ),
      kept as (select f.* from facts f ${scope})
      select null::text as key, ${aggregates(sql)} from kept f
      ${key === undefined ? sql`` : sql`union all select ${key.column} as key, ${aggregates(sql)} from kept f ${key.join} group by 1`}
    `
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
    case 'agency': return {
      column: sql`g.agency`,
      join: sql`cross join lateral (
        select distinct s.agency from dossier_steps s
        where s.dossier_id = f.id and s.step <> ${RETURN_STEP} ${agency === undefined ? sql`` : sql`and s.agency = ${agency}`}) g`
    }
  }
}
