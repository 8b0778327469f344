/**
 * The counts behind Decision 766 indicators 4.3 and 4.4 (once-only: reuse of digitised data and of
 * the national personal data store), over the dossiers received in the period (received_at in
 * [start, end], the denominator 4.2 uses too), with the indicators' filters and groupings
 * (store/received-counts.ts):
 *   reused            4.3: at least one component reused from digitised data (an attachment the
 *                     hub resolved from its document store: `reused`, DuocTaiSuDung = 1), at
 *                     receipt or in a supplement the applicant gave by the period's end (the
 *                     papers an agency asked for are components of the dossier too);
 *   fromNationalStore 4.4: a component taken from the national personal data store
 *                     (`reused.fromNationalStore`, DuocLayTuKhoDMQG = 1), at receipt or in a
 *                     supplement given by the period's end, or a result of the dossier synced to
 *                     it by then (documents.national_synced_at).
 * The attachments are set when the dossier is received, a supplement's when it is given (its
 * submitted_at, never changed) and the sync time once, so a past period gives the same counts
 * whenever it is asked. (Indicator 1.4, the sync to DVCQG, is counted in
 * store/national-sync-indicators.ts.)
 */
import type { Sql } from 'postgres'
import type { IndicatorQuery } from './indicator-queries.ts'
import { receivedCounts, type ReceivedCounts } from './received-counts.ts'

export type OnceOnlyCounts = ReceivedCounts<'reused' | 'fromNationalStore'>

export class OnceOnlyIndicatorQueries {
  readonly #sql: Sql

  /** `sql`: the reports connection (Database.reports). */
  constructor (sql: Sql) {
    this.#sql = sql
  }

  async counts (q: IndicatorQuery): Promise<OnceOnlyCounts[]> {
    const sql = this.#sql
    return await receivedCounts(sql, q, {
      reused: (end) => sql`exists (select 1 from json_array_elements(case when json_typeof(d.doc->'attachments') = 'array' then d.doc->'attachments' else '[]'::json end) e
          where e->'reused' is not null)
        or exists (select 1 from supplements s cross join jsonb_array_elements(case when jsonb_typeof(s.attachments) = 'array' then s.attachments else '[]'::jsonb end) e
          where s.dossier_id = d.id and s.submitted_at <= ${end} and e->'reused' is not null)`,
      fromNationalStore: (end) => sql`exists (select 1 from json_array_elements(case when json_typeof(d.doc->'attachments') = 'array' then d.doc->'attachments' else '[]'::json end) e
          where coalesce(e->'reused'->>'fromNationalStore', 'false') = 'true')
        or exists (select 1 from supplements s cross join jsonb_array_elements(case when jsonb_typeof(s.attachments) = 'array' then s.attachments else '[]'::jsonb end) e
          where s.dossier_id = d.id and s.submitted_at <= ${end} and coalesce(e->'reused'->>'fromNationalStore', 'false') = 'true')
        or exists (select 1 from documents x where x.dossier_code = d.code and x.origin = 'result' and x.national_synced_at <= ${end})`
    })
  }
}
