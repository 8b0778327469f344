/**
 * The counts behind the Decision 766 indicators (domain/indicators.ts says each rule) for a period
 * of Vietnam calendar days, as one SQL statement over the indicators' facts (migration 0012:
 * indicator_facts, one row per routing step with its dossier's facts; indicator_spans, how a
 * dossier stood between two history rows), kept by triggers in the transaction that writes the
 * record. The record is read as it stood at the period's END (periodBounds: the last instant of
 * `to`, or now): every fact carries its time, and only those at or before the end count, so a past
 * period gives the same counts whenever it is asked.
 *
 * Counted dossiers (2.1, "received or handled in the period"): received by the end and not ended
 * before the start (the interval [received, end of handling) meets the period, as
 * dossiers_open_during's). Each is judged as judgeTimeliness does:
 *   ended by the end — resolved_at, else closed_at (set once) at or before the end: judged then,
 *     against the due date then in force (dossiers.due_at: it does not move after the end of
 *     handling);
 *   else the span containing the end (GiST; only the dossiers open then): in status 5 or 6 → judged
 *     at the status row that paused it, against the due date in force then; otherwise at the end,
 *     against the due date in force (an announced delay excepted);
 *   overdue whatever the dates after its second change into 5 by then.
 * Per agency (judgeStep): each step of the route except the postal return, judged at its own end
 * (reportedAt of a resolved or rejected step, when at or before the period's end; else as the
 * dossier) against its own due date (the first the route gave it, dossier_steps.due_at; else the
 * dossier's), overdue after its second own supplement request by the end; a dossier counts once
 * per agency, late if any of its steps there is late.
 *
 * Received in the period (received_at in [start, end]): 3.3 channel shares (online: channel 2 and,
 * for a procedure whose result is a paper document, an electronic result registered by the end),
 * 3.6 fee lines, 4.1 (of those whose procedure issues a paper result, the ones with an electronic
 * result by the end), 4.2 component files — attached at receipt, or given in a supplement by the
 * end (the supplements' own rows, as 4.3 and 4.4 read them) — and a result file by the end (a step
 * resolved by then with results), 2.2 handling time of those resolved by the end, in each dossier's own unit (working or
 * calendar days, migration 0015; fixed at the resolution, so kept as a fact: the flush fills it,
 * store/indicator-handling.ts), summed per unit; for an agency, of its own steps resolved by the end
 * (migration 0020: from the step's receipt to its resolution, less the waits for papers within it;
 * several steps of one dossier there: summed, once all are resolved).
 *
 * What an agency reports counts from when the hub recorded it (migration 0020): a step's end, its
 * result files (4.2) and a result document (3.3, 4.1) are not earlier than the history row of the
 * report that ended the step, so a report recorded later with an earlier time (occurredAt) does
 * not change a period that had ended when it was recorded.
 *
 * One pass: the facts rows are counted per (commune, procedure, agency) by a plain GROUP BY that
 * PostgreSQL runs in parallel workers, and those few hundred rows are rolled up into the
 * groupings: the province (every dossier: the sum of the procedures), each commune (level
 * 'commune', by receiving agency code), each procedure, each agency of the route.
 */
import type { PendingQuery, Sql } from 'postgres'
import type { WorkingCalendar } from '../domain/calendar.ts'
import { periodBounds } from './stats-queries.ts'
import { fillHandlingTimes } from './indicator-handling.ts'

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
  /**
   * received in the period, and of those: online (3.3: channel 2, with an electronic result by the
   * end when the procedure's result is a paper document), submitted online without one, at the
   * counter (1), by post (3)
   */
  received: number
  online: number
  onlineWithoutElectronicResult: number
  counter: number
  postal: number
  /** 4.1: received, of a procedure whose result is a paper document; of those, with an electronic result by the end */
  paperResult: number
  electronicResult: number
  /** received, of a procedure the catalogue did not say (when the dossier was received) whether its result is paper */
  resultKindUnknown: number
  /** 3.6: received with a non-zero fee line; of those, one collected online and paid */
  withFee: number
  paidOnline: number
  /** 4.2: received with a component file and a result file by the end */
  digitized: number
  /** 2.2: received and resolved by the end, and their handling times summed, per unit (working days, calendar days) */
  resolved: number
  resolvedWorking: number
  workingDays: number
  resolvedCalendar: number
  calendarDays: number
}

type Row = IndicatorCounts

/**
 * Rebuilds the facts of every dossier marked since (migration 0013: writes mark, a flush rebuilds,
 * a batch of marks per transaction, one flush at a time), then counts the handling time (2.2) of
 * the resolved ones that have none yet in their procedure's unit, with the working calendar
 * (migration 0015, store/indicator-handling.ts); how many marks it took. On the record, not on a
 * replica.
 */
export async function flushIndicatorFacts (record: Sql, calendar: WorkingCalendar, batch = 2000): Promise<number> {
  let total = 0
  for (;;) {
    const [row] = await record<Array<{ n: number }>>`select indicator_flush(${batch}) as n`
    const n = row?.n ?? 0
    total += n
    if (n < batch) break
  }
  await fillHandlingTimes(record, calendar, batch)
  return total
}

export class IndicatorQueries {
  readonly #sql: Sql
  readonly #calendar: WorkingCalendar | undefined

  /**
   * `sql`: the reports connection (Database.reports). `calendar`: given when it is the record
   * itself, so the facts of the dossiers written since the last flush are rebuilt (and their
   * handling times counted with this working calendar) before each report; without it, none (on a
   * replica the maintenance job's flushes reach it by replication).
   */
  constructor (sql: Sql, options: { calendar?: WorkingCalendar } = {}) {
    this.#sql = sql
    this.#calendar = options.calendar
  }

  async counts (q: IndicatorQuery): Promise<IndicatorCounts[]> {
    if (this.#calendar !== undefined) await flushIndicatorFacts(this.#sql, this.#calendar)
    const rows = await this.statement(q)
    return rows.map((r) => ({ ...r, workingDays: Number(r.workingDays), calendarDays: Number(r.calendarDays) }))
  }

  /** The statement of `counts` (public so its plan can be read). */
  statement (q: IndicatorQuery): PendingQuery<Row[]> {
    const sql = this.#sql
    const { start, end } = periodBounds(q.from, q.to, q.now)
    const received = sql`f.received_at >= ${start}`
    // the facts rows of the counted dossiers, each judged as the dossier stood at the end
    const judged = (only: ReturnType<Sql>): ReturnType<Sql> => sql`
      select f.*, x.judged_at, x.due, ${received} as received_in,
        (f.request2_at is null or f.request2_at > x.judged_at) and (x.due is null or x.judged_at <= x.due) as on_time,
        -- the step: on its own due date (the dossier's in force when it has none), at its own end
        -- when it had one by the end, else as the dossier; overdue after its second own request
        (f.step_request2_at is null or f.step_request2_at > ${end}::timestamptz)
          and (coalesce(f.step_due_at, x.due) is null
            or (case when f.step_ended_at <= ${end} then f.step_ended_at else x.judged_at end) <= coalesce(f.step_due_at, x.due)) as step_on_time,
        ${received} and f.with_fee as fee,
        ${received} and f.paid_online as paid,
        ${received} and (f.attachments or f.dossier_id in (select sp.dossier_id from supplements sp
          where sp.submitted_at <= ${end} and jsonb_typeof(sp.attachments) = 'array' and jsonb_array_length(sp.attachments) > 0))
          and f.result_at <= ${end} as digitized,
        ${received} and f.resolved_at <= ${end} as resolved,
        -- 2.2 per agency: its step resolved (as recorded) by the end
        ${received} and coalesce(f.step_resolved_at <= ${end}, false) as step_resolved,
        coalesce(f.e_result_at <= ${end}, false) as e_result
      from indicator_facts f
      -- how it stood at the end if still open then: the span containing the end
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
        ${q.unit === undefined ? sql`` : sql`and f.receiving_agency = ${q.unit}`}
        ${q.procedure === undefined ? sql`` : sql`and f.procedure_code = ${q.procedure}`}
        ${q.agency === undefined ? sql`` : sql`and exists (select 1 from indicator_facts a where a.dossier_id = f.dossier_id and a.agency = ${q.agency})`}
        and ${only}`
    const sums = sql`
      count(*) filter (where r.on_time) as on_time, count(*) filter (where r.step_on_time) as step_on_time,
      count(*) filter (where r.received_in) as received,
      count(*) filter (where r.received_in and r.channel = 2 and (r.paper_result is not true or r.e_result)) as online,
      count(*) filter (where r.received_in and r.channel = 2 and r.paper_result and not r.e_result) as online_no_e,
      count(*) filter (where r.received_in and r.channel = 1) as counter,
      count(*) filter (where r.received_in and r.channel = 3) as postal,
      count(*) filter (where r.received_in and r.paper_result) as paper,
      count(*) filter (where r.received_in and r.paper_result and r.e_result) as e_result,
      count(*) filter (where r.received_in and r.paper_result is null) as kind_unknown,
      count(*) filter (where r.fee) as fee, count(*) filter (where r.paid) as paid,
      count(*) filter (where r.digitized) as digitized, count(*) filter (where r.resolved) as resolved,
      count(*) filter (where r.resolved and r.handling_unit = 1) as resolved_w,
      coalesce(sum(r.handling) filter (where r.resolved and r.handling_unit = 1), 0) as handling_w,
      count(*) filter (where r.resolved and r.handling_unit = 2) as resolved_c,
      coalesce(sum(r.handling) filter (where r.resolved and r.handling_unit = 2), 0) as handling_c,
      count(*) filter (where r.step_resolved) as step_resolved,
      count(*) filter (where r.step_resolved and r.handling_unit = 1) as step_resolved_w,
      coalesce(sum(r.step_handling) filter (where r.step_resolved and r.handling_unit = 1), 0) as step_handling_w,
      count(*) filter (where r.step_resolved and r.handling_unit = 2) as step_resolved_c,
      coalesce(sum(r.step_handling) filter (where r.step_resolved and r.handling_unit = 2), 0) as step_handling_c`
    return sql<Row[]>`
      with t as (
        -- one pass, per (commune, procedure, agency): a dossier's commune and procedure on its
        -- dossier_row, an agency on the dossier's only step there. Plain GROUP BY (no grouping sets,
        -- no subplan), so the scan and this can run in parallel workers.
        select r.k_unit as unit, r.k_procedure as procedure_code, r.k_agency as agency, count(*) as counted, ${sums}
        from (
          select j.*,
            case when j.dossier_row and j.commune then j.receiving_agency end as k_unit,
            case when j.dossier_row then j.procedure_code end as k_procedure,
            case when j.pair_row and j.pair_steps = 1 then j.agency end as k_agency
          from (${judged(sql`(f.dossier_row or (f.pair_row and f.pair_steps = 1))`)}) j
        ) r
        group by 1, 2, 3
        union all
        -- a dossier with more than one step at an agency: once there, late if any of them is late
        select null, null, r.agency, count(*), ${sums}
        from (
          select j.agency, j.dossier_id, bool_and(j.step_on_time) as step_on_time, bool_or(j.on_time) as on_time,
            bool_or(j.received_in) as received_in, min(j.channel) as channel, bool_or(j.fee) as fee, bool_or(j.paid) as paid,
            bool_or(j.digitized) as digitized, bool_or(j.resolved) as resolved, min(j.handling) as handling,
            -- its steps there: resolved when all are, their handling times summed
            bool_and(j.step_resolved) as step_resolved, sum(j.step_handling) as step_handling,
            min(j.handling_unit) as handling_unit, bool_or(j.paper_result) as paper_result, bool_or(j.e_result) as e_result
          from (${judged(sql`f.pair_steps > 1`)}) j
          group by j.agency, j.dossier_id
        ) r
        group by r.agency
      ),
      g as (
        select
          case when grouping(t.agency) = 0 then 'agency' when grouping(t.procedure_code) = 0 then 'procedure' else 'commune' end as kind,
          coalesce(t.agency, t.procedure_code, t.unit) as key,
          sum(t.counted) as counted, sum(t.on_time) as on_time, sum(t.step_on_time) as step_on_time, sum(t.received) as received,
          sum(t.online) as online, sum(t.online_no_e) as online_no_e, sum(t.counter) as counter, sum(t.postal) as postal,
          sum(t.paper) as paper, sum(t.e_result) as e_result, sum(t.kind_unknown) as kind_unknown, sum(t.fee) as fee, sum(t.paid) as paid,
          sum(t.digitized) as digitized, sum(t.resolved) as resolved, sum(t.resolved_w) as resolved_w, sum(t.handling_w) as handling_w,
          sum(t.resolved_c) as resolved_c, sum(t.handling_c) as handling_c,
          sum(t.step_resolved) as step_resolved, sum(t.step_resolved_w) as step_resolved_w, sum(t.step_handling_w) as step_handling_w,
          sum(t.step_resolved_c) as step_resolved_c, sum(t.step_handling_c) as step_handling_c
        from t
        group by grouping sets ((t.unit), (t.procedure_code), (t.agency))
        having case when grouping(t.unit) = 0 then t.unit when grouping(t.procedure_code) = 0 then t.procedure_code else t.agency end is not null
          ${q.agency === undefined ? sql`` : sql`and (grouping(t.agency) = 1 or t.agency = ${q.agency})`}
      )
      select kind, key, counted::int, (case when kind = 'agency' then step_on_time else on_time end)::int as "onTime",
        received::int, online::int, online_no_e::int as "onlineWithoutElectronicResult", counter::int, postal::int,
        paper::int as "paperResult", e_result::int as "electronicResult", kind_unknown::int as "resultKindUnknown",
        fee::int as "withFee", paid::int as "paidOnline", digitized::int,
        -- 2.2: an agency's from its own steps
        (case when kind = 'agency' then step_resolved else resolved end)::int as resolved,
        (case when kind = 'agency' then step_resolved_w else resolved_w end)::int as "resolvedWorking",
        (case when kind = 'agency' then step_handling_w else handling_w end)::float8 as "workingDays",
        (case when kind = 'agency' then step_resolved_c else resolved_c end)::int as "resolvedCalendar",
        (case when kind = 'agency' then step_handling_c else handling_c end)::float8 as "calendarDays"
      from g
      union all
      -- the province: every dossier is of one procedure
      select 'province', '', coalesce(sum(counted), 0)::int, coalesce(sum(on_time), 0)::int, coalesce(sum(received), 0)::int,
        coalesce(sum(online), 0)::int, coalesce(sum(online_no_e), 0)::int, coalesce(sum(counter), 0)::int, coalesce(sum(postal), 0)::int,
        coalesce(sum(paper), 0)::int, coalesce(sum(e_result), 0)::int, coalesce(sum(kind_unknown), 0)::int,
        coalesce(sum(fee), 0)::int, coalesce(sum(paid), 0)::int, coalesce(sum(digitized), 0)::int, coalesce(sum(resolved), 0)::int,
        coalesce(sum(resolved_w), 0)::int, coalesce(sum(handling_w), 0)::float8, coalesce(sum(resolved_c), 0)::int, coalesce(sum(handling_c), 0)::float8
      from g where kind = 'procedure'
    `
  }
}
