/**
 * Indicator 1.4 (dossiers synced to DVCQG ÷ received), counted by store/national-sync-indicators.ts
 * over store/received-counts.ts's groupings, on hand-made dossiers of January and February 2026 in
 * a database of this file's own: received in the period, taken by DVCQG by the period's end
 * (national_sync.first_synced_at), per province, commune, procedure and agency of the route (not
 * the postal return), with the unit, procedure and agency filters; January asked later is the same.
 */
import t from 'tap'
import type { Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { NationalSyncIndicatorQueries } from '../../src/store/national-sync-indicators.ts'
import { createTestDatabase } from '../db-helper.ts'

const X = '000.31.35.H56'
const Y = '000.31.36.H56'
const DESK = '000.00.06.H56'

async function dossier (sql: Sql, code: string, unit: string, procedure: string, receivedAt: string, steps: string[], syncedAt?: string): Promise<void> {
  const [row] = await sql<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
      return_method, source_system, received_at, fingerprint, updated_at, doc)
    values (${code}, 2, ${procedure}, ${unit}, 2, ${unit === DESK ? 'province' : 'commune'}, 'counter', 'dvcqg', ${receivedAt},
      ${Buffer.alloc(32, 1)}, ${receivedAt}, '{}'::json) returning id`
  const id = row?.id as string
  for (const [i, agency] of steps.entries()) {
    await sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, detail)
      values (${id}, ${agency === 'vnpost' ? 'return' : agency}, ${i}, ${agency}, 0, 'pending', '{}'::json)`
  }
  await sql`insert into national_sync (dossier_id, wanted, synced, state, first_synced_at, since)
    values (${id}, 1, ${syncedAt === undefined ? 0 : 1}, ${syncedAt === undefined ? 'pending' : 'synced'}, ${syncedAt ?? null}, ${receivedAt})`
}

t.test('1.4: received in the period and taken by DVCQG by its end, per grouping, as at the end', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  // January 2026: four received; DVCQG took A on 5 Jan, B on 31 Jan 23:00, C only on 2 Feb, D never
  await dossier(sql, 'A', X, 'P1', '2026-01-05T09:00:00+07:00', ['justice', 'vnpost'], '2026-01-05T09:00:05+07:00')
  await dossier(sql, 'B', X, 'P2', '2026-01-30T16:00:00+07:00', ['evn'], '2026-01-31T23:00:00+07:00')
  await dossier(sql, 'C', Y, 'P1', '2026-01-31T10:00:00+07:00', ['justice', 'tax'], '2026-02-02T08:00:00+07:00')
  await dossier(sql, 'D', DESK, 'P1', '2026-01-12T10:00:00+07:00', ['tax'])
  // February: E received and taken the same day (not in January)
  await dossier(sql, 'E', X, 'P1', '2026-02-03T10:00:00+07:00', ['justice'], '2026-02-03T10:00:02+07:00')
  const q = new NationalSyncIndicatorQueries(sql)
  const january = { from: '2026-01-01', to: '2026-01-31', now: new Date('2026-03-16T09:00:00+07:00') }
  const counts = async (extra: Partial<typeof january> & { unit?: string, procedure?: string, agency?: string } = {}): Promise<Record<string, number>> =>
    Object.fromEntries((await q.counts({ ...january, ...extra })).map((r) => [`${r.kind}:${r.key}`, r.synced]))
  // the province: A and B of A B C D (C taken after the end); communes X (A, B) and Y (C: 0), the
  // desk is no commune; procedures P1 (A; C, D not) and P2 (B); agencies: justice (A; C not), evn
  // (B), tax (C, D: 0); the post office returning A's result is no agency of the route
  t.same(await counts(), { 'province:': 2, [`commune:${X}`]: 2, [`commune:${Y}`]: 0, 'procedure:P1': 1, 'procedure:P2': 1, 'agency:justice': 1, 'agency:evn': 1, 'agency:tax': 0 })
  t.same(await counts({ now: new Date('2026-06-15T09:00:00+07:00') }), await counts(), 'January asked in June: the same')
  // asked on 31 January at 22:00, before B was taken: its end is then
  t.same((await counts({ now: new Date('2026-01-31T22:00:00+07:00') }))['province:'], 1)
  t.same(await counts({ unit: X }), { 'province:': 2, [`commune:${X}`]: 2, 'procedure:P1': 1, 'procedure:P2': 1, 'agency:justice': 1, 'agency:evn': 1 })
  t.same(await counts({ procedure: 'P1' }), { 'province:': 1, [`commune:${X}`]: 1, [`commune:${Y}`]: 0, 'procedure:P1': 1, 'agency:justice': 1, 'agency:tax': 0 })
  t.same(await counts({ agency: 'tax' }), { 'province:': 0, [`commune:${Y}`]: 0, 'procedure:P1': 0, 'agency:tax': 0 }, 'an agency: the dossiers routed to it, its own row')
  // February: E only
  t.same((await counts({ from: '2026-02-01', to: '2026-02-28' }))['province:'], 1)
})
