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
      ${q.unit === undefined ? sql`` : sql`and f.receiving_agency = ${q.unit}`}
      ${q.procedure === undefined ? sql`` : sql`and f.procedure_code = ${q.procedure}`}
      ${q.agency === undefined ? sql`` : sql`and exists (select 1 from indicator_facts a where a.dossier_id = f.dossier_id and a.agency = ${q.agency})`}`
    // a step judged on its own due date (the dossier's in force when it has none), at its own end
    // when it had one by the end, else as the dossier; overdue after its second own request
    const stepOnTime = (s: string): ReturnType<Sql> => sql`
      (${sql(s)}.step_request2_at is null or ${sql(s)}.step_request2_at > ${end}::timestamptz)
      and (coalesce(${sql(s)}.step_due_at, x.due) is null
        or (case when ${sql(s)}.step_ended_at <= ${end} then ${sql(s)}.step_ended_at else x.judged_at end) <= coalesce(${sql(s)}.step_due_at, x.due))`
    return sql<Row[]>`
      select
        case when grouping(r.agency) = 0 then 'agency' when grouping(r.procedure_code) = 0 then 'procedure'
          when grouping(r.unit) = 0 then 'commune' else 'province' end as kind,
        coalesce(r.agency, r.procedure_code, r.unit, '') as key,
        ${aggregates(sql)}
      from (
        select f.dossier_row, f.pair_row, f.procedure_code, f.agency, f.channel,
          case when f.commune then f.receiving_agency end as unit,
          f.received_at >= ${start} as received_in,
          (f.request2_at is null or f.request2_at > x.judged_at) and (x.due is null or x.judged_at <= x.due) as on_time,
          -- a dossier counts once per agency, late if any of its steps there is late
          f.pair_row and case when f.pair_steps = 1 then ${stepOnTime('f')}
            else not exists (select 1 from indicator_facts o where o.dossier_id = f.dossier_id and o.agency = f.agency and not (${stepOnTime('o')})) end as step_on_time,
          f.received_at >= ${start} and f.with_fee as with_fee,
          f.received_at >= ${start} and f.paid_online as paid_online,
          f.received_at >= ${start} and f.attachments and f.result_at <= ${end} as digitized,
          f.received_at >= ${start} and f.resolved_at <= ${end} as resolved,
          case when f.received_at >= ${start} and f.resolved_at <= ${end} then
            extract(epoch from (f.resolved_at - f.received_at - f.waited
              - case when f.waiting_since <= f.resolved_at then f.resolved_at - f.waiting_since else interval '0' end)) / 86400
          end as handling_days
        from indicator_facts f
        -- how it stood at the end, if still open then (the span containing the end)
        left join indicator_spans s on s.dossier_id = f.dossier_id and s.during @> ${end}::timestamptz
        -- judged at its end of handling if there was one by the end, else at the request that paused
        -- it (5 or 6), else at the end; against the due date in force then
        cross join lateral (select
          case when f.ended_at <= ${end} then f.ended_at when s.status in (5, 6) then s.status_at else ${end}::timestamptz end as judged_at,
          case when f.ended_at <= ${end} then f.due_at when s.status in (5, 6) then s.status_due else s.due end as due) x
        -- received by the end and not ended before the start (dossiers_open_during's interval
        -- [received, end of handling) meets the period: an end at or before the receipt is none)
        where f.received_at <= ${end}
          and (f.ended_at is null or (f.ended_at > f.received_at and f.ended_at >= ${start}))
          and (f.dossier_row or f.pair_row)
          ${filters}
      ) r
      group by grouping sets ((), (r.unit), (r.procedure_code), (r.agency))
      having (grouping(r.unit) = 1 or r.unit is not null)
        and (grouping(r.agency) = 1 or r.agency is not null ${q.agency === undefined ? sql`` : sql`and r.agency = ${q.agency}`})
    `
  }
}

/**
 * The counts of a group: a dossier's on its dossier_row, an agency's on each dossier's first row
 * at that agency (pair_row), with the agency's own judgement.
 */
function aggregates (sql: Sql): ReturnType<Sql> {
  const count = (name: string, dossier: ReturnType<Sql>, agency: ReturnType<Sql> = dossier): ReturnType<Sql> => sql`
    (case when grouping(r.agency) = 0 then count(*) filter (where r.pair_row and ${agency})
      else count(*) filter (where r.dossier_row and ${dossier}) end)::int as ${sql(name)}`
  return sql`
    ${count('counted', sql`true`)},
    ${count('onTime', sql`r.on_time`, sql`r.step_on_time`)},
    ${count('received', sql`r.received_in`)},
    ${count('online', sql`r.received_in and r.channel = 2`)},
    ${count('counter', sql`r.received_in and r.channel = 1`)},
    ${count('postal', sql`r.received_in and r.channel = 3`)},
    ${count('withFee', sql`r.with_fee`)},
    ${count('paidOnline', sql`r.paid_online`)},
    ${count('digitized', sql`r.digitized`)},
    ${count('resolved', sql`r.resolved`)},
    (case when grouping(r.agency) = 0 then coalesce(sum(r.handling_days) filter (where r.pair_row and r.resolved), 0)
      else coalesce(sum(r.handling_days) filter (where r.dossier_row and r.resolved), 0) end)::float8 as "handlingDays"`
}
