/**
 * The hub on the embedded record (DATABASE_URL=pglite:<dir>), end to end: a dossier submitted
 * through the API is received once (the same submission again is the same dossier), delivered to a
 * real agency server, reported on, read back with its history, listed and counted — the record's
 * functions (hub_intake, hub_apply, hub_step) run on PGlite as on the server.
 */
import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DossierSummary, HistoryEntry } from '../../src/types/schemas.generated.ts'
import { build, example, post, startAgency, waitFor, asAdmin } from '../helper.ts'

t.test('a dossier through the hub on embedded PGlite: received once, delivered, reported on, read, listed, counted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hub-pglite-e2e-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, databaseUrl: `pglite:${dir}` })
  t.equal(hub.db.kind, 'pglite', 'the record is the embedded one')

  const first = await post(asAdmin(hub), example('electricity-new-connection'), { 'idempotency-key': 'pglite-1' })
  t.equal(first.statusCode, 201)
  const { code } = first.json<DossierSummary>()
  const again = await post(asAdmin(hub), example('electricity-new-connection'), { 'idempotency-key': 'pglite-1' })
  t.equal(again.statusCode, 200, 'the same submission again: the same dossier')
  t.equal(again.json<DossierSummary>().code, code)

  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  t.equal(agency.requests.length, 1, 'one delivery')
  const report = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: 'e-1', agency: 'evn', report: { status: 'processing' } } })
  t.equal(report.statusCode, 201, 'a report applied')
  const dossier = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<{ status: string }>()
  t.equal(dossier.status, 'processing')
  const history = (await asAdmin(hub).inject(`/v1/dossiers/${code}/history`)).json<{ entries?: HistoryEntry[] } | HistoryEntry[]>()
  const entries = Array.isArray(history) ? history : history.entries ?? []
  t.same(entries.map((e) => e.type), ['received', 'agency-report'], 'its history')
  const list = (await asAdmin(hub).inject('/v1/dossiers?limit=10')).json<{ items: Array<{ code: string }> }>()
  t.same(list.items.map((i) => i.code), [code], 'listed')
  const stats = (await asAdmin(hub).inject('/v1/stats')).json<{ totals: { received: number, inProgress: number } }>()
  t.equal(stats.totals.received, 1, 'counted')
  t.equal(stats.totals.inProgress, 1)
})
