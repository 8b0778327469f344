/**
 * A failed list's page and its total come from one statement (store/page-with-total.ts), so the
 * total always counts the page's rows; the page in the list's order, cut by offset and limit.
 */
import t from 'tap'
import { pageWithTotal } from '../../src/store/page-with-total.ts'
import { createTestDatabase } from '../db-helper.ts'

t.test('a page in the list\'s order, its total, and an empty page past the end', async (t) => {
  const { sql } = await createTestDatabase(t)
  await sql`create table items (id int primary key, state text not null, at timestamptz not null)`
  // failed items 1..7 at times in reverse of their ids, so the list's order (by time) is not the ids'
  await sql`insert into items select i, case when i <= 7 then 'failed' else 'sent' end, now() - i * interval '1 minute' from generate_series(1, 10) i`
  const page = async (offset: number, limit: number): Promise<{ total: number, ids: number[] }> => {
    const { total, rows } = await pageWithTotal<{ id: number, state: string }>(sql,
      sql`select count(*)::int as hub_total from items where state = 'failed'`,
      sql`select i.*, row_number() over (order by i.at, i.id) as hub_rank from items i where i.state = 'failed' order by i.at, i.id offset ${offset} limit ${limit}`)
    t.ok(rows.every((r) => !('hub_total' in r) && !('hub_rank' in r) && r.state === 'failed'), 'the rows without the two columns')
    return { total, ids: rows.map((r) => r.id) }
  }
  t.same(await page(0, 3), { total: 7, ids: [7, 6, 5] }, 'the first page, oldest first')
  t.same(await page(3, 3), { total: 7, ids: [4, 3, 2] }, 'the next')
  t.same(await page(6, 3), { total: 7, ids: [1] }, 'the last, short')
  t.same(await page(9, 3), { total: 7, ids: [] }, 'past the end: no rows, the total still')
  await sql`update items set state = 'sent'`
  t.same(await page(0, 3), { total: 0, ids: [] }, 'nothing failed')
})

t.test('one snapshot: a row that fails while the list is read is in both the page and the total, or in neither', async (t) => {
  const { sql } = await createTestDatabase(t, { max: 4 })
  await sql`create table items (id int primary key, state text not null, at timestamptz not null)`
  await sql`insert into items select i, 'sending', now() from generate_series(1, 200) i`
  const reads: Array<{ total: number, rows: number }> = []
  const writing = { done: false }
  const writer = (async () => {
    for (let i = 1; i <= 200; i++) await sql`update items set state = 'failed' where id = ${i}`
    writing.done = true
  })()
  while (!writing.done) {
    const { total, rows } = await pageWithTotal<{ id: number }>(sql,
      sql`select count(*)::int as hub_total from items where state = 'failed'`,
      sql`select i.id, row_number() over (order by i.id) as hub_rank from items i where i.state = 'failed' order by i.id limit 1000`)
    reads.push({ total, rows: rows.length })
  }
  await writer
  t.ok(reads.length > 1, `${reads.length} reads while rows failed one by one`)
  t.same(reads.filter((r) => r.total !== r.rows), [], 'every total counts its page')
})
