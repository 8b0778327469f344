/**
 * The counts behind Decision 766 indicators 4.3 and 4.4 (once-only), kept apart from
 * indicator-queries.ts so that either can change without the other. Over the dossiers received in
 * the period (received_at in [start, end], the denominator 4.2 uses too), with the same filters and
 * the same groupings (province, commune, procedure, agency of the route):
 *   reused            4.3: at least one component reused from digitised data (an attachment the
 *                     hub resolved from its document store: `reused`, DuocTaiSuDung = 1);
 *   fromNationalStore 4.4: a component taken from the national personal data store
 *                     (`reused.fromNationalStore`, DuocLayTuKhoDMQG = 1), or a result of the
 *                     dossier synced to it by the period's end (documents.national_synced_at).
 *   synced            1.4: taken by the national portal (DVCQG took its receipt message:
 *                     national_sync.first_synced_at) by the period's end.
 * All are set when the dossier is received (the attachments) or once (the sync times), so a past
 * period gives the same counts whenever it is asked.
 */
import type { Sql } from 'postgres'
import { RETURN_STEP } from '../domain/routing.ts'
import { periodBounds } from './stats-queries.ts'
import type { GroupKind, IndicatorQuery } from './indicator-queries.ts'

export interface OnceOnlyCounts {
  kind: GroupKind
  key: string
  reused: number
  fromNationalStore: number
  synced: number
}

export class OnceOnlyIndicatorQueries {
  readonly #sql: Sql

  /** `sql`: the reports connection (Database.reports). */
  constructor (sql: Sql) {
    this.#sql = sql
  }

  async counts (q: IndicatorQuery): Promise<OnceOnlyCounts[]> {
    const sql = this.#sql
    const { start, end } = periodBounds(q.from, q.to, q.now)
    return await sql<OnceOnlyCounts[]>`
      with received as (
        select d.id, d.code, d.procedure_code, d.level, d.receiving_agency,
          coalesce(a.reused, false) as reused,
          coalesce(a.national, false) or exists (select 1 from documents x where x.dossier_code = d.code and x.origin = 'result'
            and x.national_synced_at <= ${end}) as from_national,
          exists (select 1 from national_sync n where n.dossier_id = d.id and n.first_synced_at <= ${end}) as synced
        from dossiers d
        left join lateral (
          select bool_or(e->'reused' is not null) as reused,
            bool_or(coalesce(e->'reused'->>'fromNationalStore', 'false') = 'true') as national
          from json_array_elements(coalesce(d.doc->'attachments', '[]'::json)) e
        ) a on true
        where d.received_at between ${start} and ${end}
          ${q.unit === undefined ? sql`` : sql`and d.receiving_agency = ${q.unit}`}
          ${q.procedure === undefined ? sql`` : sql`and d.procedure_code = ${q.procedure}`}
          ${q.agency === undefined ? sql`` : sql`and exists (select 1 from dossier_steps s where s.dossier_id = d.id and s.agency = ${q.agency} and s.step <> ${RETURN_STEP})`}
      )
      select
        case when grouping(f.procedure_code) = 0 then 'procedure' when grouping(f.unit) = 0 then 'commune' else 'province' end as kind,
        coalesce(f.procedure_code, f.unit, '') as key,
        (count(*) filter (where f.reused))::int as reused,
        (count(*) filter (where f.from_national))::int as "fromNationalStore",
        (count(*) filter (where f.synced))::int as synced
      from (select *, case when level = 'commune' then receiving_agency end as unit from received) f
      group by grouping sets ((), (f.unit), (f.procedure_code))
      having grouping(f.unit) = 1 or f.unit is not null
      union all
      select 'agency', s.agency,
        (count(distinct r.id) filter (where r.reused))::int,
        (count(distinct r.id) filter (where r.from_national))::int,
        (count(distinct r.id) filter (where r.synced))::int
      from received r join dossier_steps s on s.dossier_id = r.id and s.step <> ${RETURN_STEP}
        ${q.agency === undefined ? sql`` : sql`and s.agency = ${q.agency}`}
      group by s.agency`
  }
}
