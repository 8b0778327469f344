/**
 * Reports on a real read replica (issue 13: "an optional read replica for reports
 * (REPORTS_DATABASE_URL)"). The test makes a PostgreSQL primary and a streaming standby of its own
 * (initdb, pg_basebackup -R) in a temporary folder, on free ports, and runs a hub with
 * DATABASE_URL on the primary and REPORTS_DATABASE_URL on the standby, which takes no writes: every
 * read the hub sends there (statistics, the Decision 766 indicators, the dossier gauges of
 * /metrics) must be a read, and gives what the primary holds once replication has caught up.
 */
import t from 'tap'
import postgres from 'postgres'
import { asAdmin, asPortal, build, example, post, waitFor } from '../helper.ts'
import { clusterSkip, primaryAndStandby } from '../pg-cluster.ts'
import { openDatabase } from '../../src/store/db.ts'

t.test('reports read the standby: statistics, indicators and gauges, and nothing is written there', { skip: clusterSkip }, async (t) => {
  const { primary, standby } = await primaryAndStandby(t)
  const record = primary.url('lienthong_replica')
  const replica = standby.url('lienthong_replica')
  const admin = postgres(primary.url('postgres'), { max: 1, onnotice: () => {} })
  t.teardown(async () => { await admin.end({ timeout: 5 }) })
  await admin`create database lienthong_replica`
  const reader = postgres(replica, { max: 1, onnotice: () => {} })
  t.teardown(async () => { await reader.end({ timeout: 5 }) })
  await waitFor(async () => await reader`select 1`.then(() => true, () => false), 'the database on the standby')

  t.test('control: the standby takes no writes', async (t) => {
    const refused = await reader`create table nothing (x int)`.then(() => undefined, (err: { code?: string }) => err.code)
    t.equal(refused, '25006', 'read-only transaction')
  })

  // the record as the hub opens it from its environment (DATABASE_URL, REPORTS_DATABASE_URL)
  const database = await openDatabase({ env: { DATABASE_URL: record, REPORTS_DATABASE_URL: replica } })
  t.teardown(async () => { await database.close() })
  const hub = await build(t, { database })
  t.not(hub.db.reports, hub.db.sql, 'reports have a pool of their own')
  const codes: string[] = []
  for (let i = 0; i < 6; i++) {
    const res = await post(asPortal(hub), { ...example(i % 2 === 0 ? 'birth-registration' : 'electricity-new-connection'), source: { system: 'dvcqg', reference: `REPLICA-${i}` } })
    t.equal(res.statusCode, 201, res.body)
    codes.push(res.json<{ code: string }>().code)
  }
  // the indicators' facts are built on the record by the maintenance job (every 5 s), and reach the
  // standby by replication: no report builds them there
  await waitFor(async () => (await hub.db.sql<Array<{ built: boolean }>>`
    select not exists (select from indicator_stale) and (select count(distinct dossier_id) from indicator_facts) = ${codes.length} as built`)[0]?.built === true, 'the facts built on the record', 20_000)
  // replicated: the standby has replayed what the primary wrote
  const [{ lsn } = { lsn: '' }] = await admin<Array<{ lsn: string }>>`select pg_current_wal_lsn()::text as lsn`
  await waitFor(async () => (await reader<Array<{ ok: boolean }>>`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as ok`)[0]?.ok === true, 'the standby caught up', 20_000)
  t.equal((await reader<Array<{ n: number }>>`select count(*)::int as n from dossiers`)[0]?.n, codes.length, 'the standby holds the dossiers')

  const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10) // Vietnam's date
  const stats = await asAdmin(hub).inject(`/v1/stats?from=${today}&to=${today}`)
  t.equal(stats.statusCode, 200, stats.body)
  t.equal(stats.json<{ totals: { received: number } }>().totals.received, codes.length, 'statistics from the standby count every dossier')

  const month = today.slice(0, 7)
  const indicators = await asAdmin(hub).inject(`/v1/reports/indicators?from=${month}-01&to=${today}`)
  t.equal(indicators.statusCode, 200, indicators.body)
  const online = indicators.json<{ province: { indicators: Array<{ id: string, numerator: number, denominator: number }> } }>().province.indicators.find((i) => i.id === '3.3')
  t.same({ numerator: online?.numerator, denominator: online?.denominator }, { numerator: 0, denominator: codes.length }, 'indicator 3.3 from the standby: every dossier received, none online with an electronic result yet')

  const metrics = (await asAdmin(hub).inject('/metrics')).body
  const gauge = /^hub_dossiers\{[^}]*status="received"[^}]*\} (\d+)$/m.exec(metrics)
  t.equal(Number(gauge?.[1]), codes.length, `the dossier gauge from the standby (${gauge?.[0] ?? 'absent'})`)

  // the reads go to the standby, not to the record: with its replay paused, a dossier taken in
  // meanwhile is not in the figures until it is replayed
  await reader`select pg_wal_replay_pause()`
  await waitFor(async () => (await reader<Array<{ state: string }>>`select pg_get_wal_replay_pause_state() as state`)[0]?.state === 'paused', 'replay paused')
  const more = await post(asPortal(hub), { ...example('birth-registration'), source: { system: 'dvcqg', reference: 'REPLICA-late' } })
  t.equal(more.statusCode, 201, 'one more dossier on the record')
  const received = async (): Promise<number> => (await asAdmin(hub).inject(`/v1/stats?from=${today}&to=${today}`)).json<{ totals: { received: number } }>().totals.received
  t.equal(await received(), codes.length, 'not yet in the statistics: the standby has not replayed it')
  await reader`select pg_wal_replay_resume()`
  await waitFor(async () => await received() === codes.length + 1, 'in the statistics once replayed')
  t.pass('in the statistics once replayed')
})
