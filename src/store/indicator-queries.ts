/**
 * The counts behind the Decision 766 indicators (domain/indicators.ts says each rule) for a period
 * of Vietnam calendar days, as one SQL statement over the record, read as it stood at the period's
 * END (periodBounds: the last instant of `to`, or now): only history rows and set-once stamps at or
 * before the end are read, so a past period gives the same counts whenever it is asked.
 *
 * Counted dossiers (2.1, "received or handled in the period"): received by the end and not ended
 * before the start, found through dossiers_open_during (0004: the interval [received, end of
 * handling) of each dossier in a GiST index; && with the period). Each is judged as
 * judgeTimeliness does:
 *   ended by the end — coalesce(resolved_at, closed_at) (9, or 10 without 9; 3, 7, 8: set once)
 *     at or before the end: judged then, against due_at (the due date does not move after the end
 *     of handling, so today's column is the one then in force);
 *   else its status at the end (the last status row at or before it): 5 or 6 → judged at the row
 *     that paused it; otherwise at the end; against the due date in force then (due_at_to of the
 *     last row at or before it that set one, an announced delay excepted);
 *   overdue whatever the dates after more than one change into 5 by then.
 * Per agency (judgeStep): each step of the route except the postal return (RETURN_STEP), judged at
 * its own end (reportedAt of a resolved or rejected step, when at or before the period's end; else
 * as the dossier) against its own due date (the step's dueAt; else the dossier's), overdue after
 * more than one supplement request reported on that step by then.
 *
 * Received in the period (received_at in [start, end]): 3.3 channel shares, 3.6 fee lines, 4.2
 * attachments and a result file by the end (a step resolved by then with results), 2.2 handling
 * time of those resolved by the end (resolved_at − received_at − time waiting for papers, in
 * calendar days).
 *
 * Groupings, one row each: the province (kind 'province', every dossier), each commune (level
 * 'commune', by receiving agency code: the unit whose desk received it), each procedure, each
 * agency of the route.
 */
import type { PendingQuery, Sql } from 'postgres'
import { RETURN_STEP } from '../domain/routing.ts'
import { periodBounds } from './stats-queries.ts'

export type GroupKind = 'province' | 'commune' | 'procedure' | 'agency'

export interface IndicatorQuery {
  from: string
  to: string
  now: Date
  /** only dossiers received by this unit (receiving agency code) */
  unit?: string
  /** only dossiers of this procedure */
  procedure?: string
  /** only dossiers routed to this agency, and only its own row (an agency client) */
  agency?: string
}

/** The counts of one unit. */
export interface IndicatorCounts {
  kind: GroupKind
  key: string
  /** 2.1: counted (received or handled in the period) and of those on time */
  counted: number
  onTime: number
  /** received in the period, and of those online (2), at the counter (1), by post (3) */
  received: number
  online: number
  counter: number
  postal: number
  /** 3.6: received with a non-zero fee line; of those, one collected online and paid */
  withFee: number
  paidOnline: number
  /** 4.2: received with a component file and a result file by the end */
  digitized: number
  /** 2.2: received and resolved by the end; their handling days summed */
  resolved: number
  handlingDays: number
}

type Row = IndicatorCounts

export class IndicatorQueries {
  readonly #sql: Sql

  /** `sql`: the reports connection (Database.reports). */
  constructor (sql: Sql) {
    this.#sql = sql
  }

  async counts (q: IndicatorQuery): Promise<IndicatorCounts[]> {
    const rows = await this.statement(q)
    return rows.map((r) => ({ ...r, handlingDays: Number(r.handlingDays) }))
  }

  /** The statement of `counts` (public so its plan can be read). */
  statement (q: IndicatorQuery): PendingQuery<Row[]> {
    const sql = this.#sql
    const { start, end } = periodBounds(q.from, q.to, q.now)
    const filters = sql`
      ${q.unit === undefined ? sql`` : sql`and d.receiving_agency = ${q.unit}`}
      ${q.procedure === undefined ? sql`` : sql`and d.procedure_code = ${q.procedure}`}
      ${q.agency === undefined ? sql`` : sql`and exists (select 1 from dossier_steps s where s.dossier_id = d.id and s.agency = ${q.agency} and s.step <> ${RETURN_STEP})`}`
    return sql<Row[]>`
      with
      -- received by the end and not ended before the start (dossiers_open_during: the same expression)
      counted as (
        select d.id, d.received_at, d.procedure_code, d.receiving_agency, d.level, d.channel, d.due_at,
          d.received_at >= ${start} as received_in,
          case when coalesce(d.resolved_at, d.closed_at) <= ${end} then coalesce(d.resolved_at, d.closed_at) end as ended_at,
          case when d.resolved_at <= ${end} then d.resolved_at end as resolved_at
        from dossiers d
        where tstzrange(d.received_at, case when coalesce(d.resolved_at, d.closed_at) is null then null
            else greatest(d.received_at, coalesce(d.resolved_at, d.closed_at)) end, '[)')
          && tstzrange(${start}::timestamptz - interval '1 microsecond', ${end}::timestamptz, '[]')
          and d.received_at <= ${end}
          ${filters}
      ),
      -- the instant each is judged at
      judged_at as (
        select c.*,
          case when c.ended_at is not null then c.ended_at
            when s.status in (5, 6) then s.at
            else ${end}::timestamptz end as judged_at
        from counted c
        left join lateral (
          select h.status_to as status, h.at from dossier_history h
          where c.ended_at is null and h.dossier_id = c.id and h.status_to is not null and h.at <= ${end}
          order by h.seq desc limit 1
        ) s on true
      ),
      judged as (
        select j.*, x.requests,
          case when j.ended_at is not null then j.due_at else x.due end as due,
          x.requests <= 1 and (case when j.ended_at is not null then j.due_at else x.due end) is null
            or x.requests <= 1 and j.judged_at <= (case when j.ended_at is not null then j.due_at else x.due end) as on_time
        from judged_at j
        cross join lateral (
          select
            (count(*) filter (where h.status_to = 5 and h.status_from is distinct from 5 and h.at <= j.judged_at))::int as requests,
            (array_agg(h.due_at_to order by h.seq desc) filter (where h.due_at_to is not null and h.type <> 'delay-announced' and h.at <= j.judged_at))[1] as due
          from dossier_history h where h.dossier_id = j.id and h.at <= ${end}
        ) x
      ),
      -- received in the period: channel, fees, files, handling time
      facts as (
        select j.id, j.procedure_code, j.receiving_agency, j.level, j.on_time, j.received_in, j.channel, j.judged_at, j.due,
          j.received_in and coalesce(fee.with_fee, false) as with_fee,
          j.received_in and coalesce(fee.paid_online, false) as paid_online,
          j.received_in and json_array_length(coalesce(doc.attachments, '[]'::json)) > 0
            and exists (select 1 from dossier_steps s where s.dossier_id = j.id and s.state = 'resolved'
              and (s.detail->>'reportedAt')::timestamptz <= ${end} and json_array_length(coalesce(s.detail->'results', '[]'::json)) > 0) as digitized,
          j.received_in and j.resolved_at is not null as resolved,
          case when j.received_in and j.resolved_at is not null then
            extract(epoch from (j.resolved_at - j.received_at - coalesce((
              select sum(coalesce(n.at, j.resolved_at) - h.at) from dossier_history h
              left join lateral (select n.at from dossier_history n where n.dossier_id = h.dossier_id and n.seq > h.seq
                and n.status_to is not null and n.status_to <> 5 order by n.seq limit 1) n on true
              where h.dossier_id = j.id and h.status_to = 5 and h.status_from is distinct from 5 and h.at <= j.resolved_at), interval '0'))) / 86400
          end as handling_days
        from judged j join dossiers dd on dd.id = j.id
        -- the submission's fee lines and attachments, the json parsed once, only for those received in the period
        cross join lateral json_to_record(case when j.received_in then dd.doc else '{}'::json end) as doc (fees json, attachments json)
        left join lateral (
          select bool_or(coalesce((x->>'amount')::numeric, 0) > 0) as with_fee,
            bool_or(coalesce((x->>'amount')::numeric, 0) > 0 and x->>'collection' = 'online' and x->>'paid' = 'true') as paid_online
          from json_array_elements(coalesce(doc.fees, '[]'::json)) x
        ) fee on true
      ),
      -- an agency's own steps, judged on their own due dates
      steps as (
        select s.agency, f.*,
          (select count(*) from dossier_history h where h.dossier_id = f.id and h.at <= ${end}
            -- a supplement request either paused the dossier (→ 5) or found it paused already (no change):
            -- only those rows' json is read
            and h.type = 'agency-report' and (h.status_to = 5 or h.status_to is null)
            and h.entry->>'step' = s.step and h.entry->'report'->>'status' = 'supplement-requested'
            and coalesce(h.entry->>'applied', 'true') <> 'false') as own_requests,
          case when s.state in ('resolved', 'rejected') and (s.detail->>'reportedAt')::timestamptz <= ${end}
            then (s.detail->>'reportedAt')::timestamptz else f.judged_at end as step_judged_at,
          coalesce((s.detail->>'dueAt')::timestamptz, f.due) as step_due
        from facts f join dossier_steps s on s.dossier_id = f.id and s.step <> ${RETURN_STEP}
          ${q.agency === undefined ? sql`` : sql`and s.agency = ${q.agency}`}
      ),
      per_agency as (
        select distinct on (x.id, x.agency) x.*,
          x.own_requests <= 1 and (x.step_due is null or x.step_judged_at <= x.step_due) as step_on_time
        from steps x
        -- a dossier counts once per agency: by its worst step there (late if any is late)
        order by x.id, x.agency, (x.own_requests <= 1 and (x.step_due is null or x.step_judged_at <= x.step_due))
      )
      select
        case when grouping(f.procedure_code) = 0 then 'procedure' when grouping(f.unit) = 0 then 'commune' else 'province' end as kind,
        coalesce(f.procedure_code, f.unit, '') as key,
        ${aggregates(sql, sql`f.on_time`)}
      from (select *, case when level = 'commune' then receiving_agency end as unit from facts) f
      group by grouping sets ((), (f.unit), (f.procedure_code))
      having grouping(f.unit) = 1 or f.unit is not null
      union all
      select 'agency', f.agency, ${aggregates(sql, sql`f.step_on_time`)}
      from per_agency f group by f.agency
    `
  }
}

function aggregates (sql: Sql, onTime: ReturnType<Sql>): ReturnType<Sql> {
  return sql`
    count(*)::int as counted,
    (count(*) filter (where ${onTime}))::int as "onTime",
    (count(*) filter (where f.received_in))::int as received,
    (count(*) filter (where f.received_in and f.channel = 2))::int as online,
    (count(*) filter (where f.received_in and f.channel = 1))::int as counter,
    (count(*) filter (where f.received_in and f.channel = 3))::int as postal,
    (count(*) filter (where f.with_fee))::int as "withFee",
    (count(*) filter (where f.paid_online))::int as "paidOnline",
    (count(*) filter (where f.digitized))::int as digitized,
    (count(*) filter (where f.resolved))::int as resolved,
    coalesce(sum(f.handling_days) filter (where f.resolved), 0)::float8 as "handlingDays"`
}
