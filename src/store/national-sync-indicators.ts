/**
 * The count behind Decision 766 indicator 1.4 (dossiers synced to the national public service
 * portal, DVCQG): of the dossiers received in the period (received_at in [start, end]), with the
 * indicators' filters and groupings (store/received-counts.ts), those DVCQG took by the period's
 * end (it accepted their receipt message: national_sync.first_synced_at, set once, migration 0011),
 * so a past period gives the same count whenever it is asked.
 */
import type { Sql } from 'postgres'
import type { IndicatorQuery } from './indicator-queries.ts'
import { receivedCounts, type ReceivedCounts } from './received-counts.ts'

export type NationalSyncCounts = ReceivedCounts<'synced'>

export class NationalSyncIndicatorQueries {
  readonly #sql: Sql

  /** `sql`: the reports connection (Database.reports). */
  constructor (sql: Sql) {
    this.#sql = sql
  }

  async counts (q: IndicatorQuery): Promise<NationalSyncCounts[]> {
    const sql = this.#sql
    return await receivedCounts(sql, q, {
      synced: (end) => sql`exists (select 1 from national_sync n where n.dossier_id = d.id and n.first_synced_at <= ${end})`
    })
  }
}
