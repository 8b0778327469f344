/**
 * The dossier gauges of /metrics (hub_dossiers, hub_dossiers_overdue, hub_dossiers_overdue_flagged),
 * counted by SQL over the record when scraped: every API process reports the same figures, and
 * nothing is kept up to date beside the dossiers themselves.
 *
 *   byStatus  dossiers by status (national code 1–10): one count per code, each an index-only scan
 *             of dossiers_status (its entries are ~30 bytes whatever the dossier's size; a
 *             GROUP BY would read the whole table);
 *   overdue   open dossiers past their due date now: those the overdue sweeper has flagged
 *             (overdue_since set; per agency of the route too, the result-return step left out),
 *             plus those whose clock runs (1, 2, 4), not flagged yet, with a due date at or before
 *             now (at most one sweep old; the total only) — the rows of the dossiers_due index.
 */
import type { Sql } from 'postgres'
import { RETURN_STEP } from '../domain/routing.ts'

export class DossierGauges {
  readonly #sql: Sql

  constructor (sql: Sql) {
    this.#sql = sql
  }

  /** How many dossiers have each status (national code); codes without dossiers are absent. */
  async byStatus (): Promise<Map<number, number>> {
    const rows = await this.#sql<Array<{ status: number, n: number }>>`
      select c::int as status, (select count(*)::int from dossiers d where d.status = c) as n
      from generate_series(1, 10) c`
    return new Map(rows.filter((r) => r.n > 0).map((r) => [r.status, r.n]))
  }

  /** Open dossiers past their due date at `now`: the total, and those flagged per agency. */
  async overdue (now: Date): Promise<{ total: number, byAgency: Map<string, number> }> {
    const sql = this.#sql
    const [totals, agencies] = await Promise.all([
      sql<Array<{ flagged: number, unswept: number }>>`
        select
          (select count(*)::int from dossiers where status in (1, 2, 4, 5, 6) and overdue_since is not null) as flagged,
          (select count(*)::int from dossiers
            where status in (1, 2, 4) and overdue_since is null and due_at is not null and due_at <= ${now}) as unswept`,
      sql<Array<{ agency: string, n: number }>>`
        select s.agency, count(distinct d.id)::int as n
        from dossiers d join dossier_steps s on s.dossier_id = d.id and s.step <> ${RETURN_STEP}
        where d.status in (1, 2, 4, 5, 6) and d.overdue_since is not null
        group by s.agency`
    ])
    const t = totals[0]
    return {
      total: (t?.flagged ?? 0) + (t?.unswept ?? 0),
      byAgency: new Map(agencies.map((r) => [r.agency, r.n]))
    }
  }
}
