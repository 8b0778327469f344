/**
 * A page of a list and the list's length, read by one statement: one snapshot, so the total always
 * counts the rows of the page (two statements, on two connections, could see a row change state
 * between them: a page listing a failed notice beside a total of 0).
 */
import type { PendingQuery, Row, Sql } from 'postgres'

/**
 * `total`: a query answering one row with `hub_total` (the list's length). `page`: the page's rows,
 * each with `hub_rank`, its place in the list's order (`row_number() over (order by …)`, the order
 * the page is cut by). Answers the rows in that order, without the two columns.
 */
export async function pageWithTotal<R extends object> (sql: Sql, total: PendingQuery<Row[]>, page: PendingQuery<Row[]>): Promise<{ total: number, rows: R[] }> {
  const found = await sql<Array<R & { hub_total: number, hub_rank: number | string | null }>>`
    select t.hub_total, x.* from (${total}) t left join lateral (${page}) x on true order by x.hub_rank`
  const rows: R[] = []
  for (const { hub_total: _total, hub_rank: rank, ...row } of found) if (rank !== null) rows.push(row as unknown as R)
  return { total: Number(found[0]?.hub_total ?? 0), rows }
}
