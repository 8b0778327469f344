/**
 * The record behind a real PgBouncer in transaction mode (issue 13: "pooling that works behind
 * PgBouncer in transaction mode"). PgBouncer is started by the test on a free port with two server
 * connections per database, so the hub's ten client connections share them transaction by
 * transaction: anything that leans on a session (a named prepared statement, SET, LISTEN, a
 * session advisory lock, a temporary table) can meet another session at its next transaction. The hub is given `?pgbouncer=true` (db-url.ts: no named
 * prepared statements) and does its whole round through it: migrations at start-up, intake under
 * concurrent submissions, receive-once, deliveries by its workers, an agency's report, lists,
 * statistics, the audit trail and a client added and used. The setup bites: with the driver's
 * named prepared statements on (the URL without `?pgbouncer=true`), the same round did not get
 * through (a transaction met a server connection without its statement, and the driver, retrying,
 * lost track of its connection), which is what this test would show of a hub that leaned on a
 * session.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, chmodSync, writeFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { createTestDatabase } from '../db-helper.ts'
import { asAdmin, asAuditor, asKey, asPortal, build, deliveriesSettled, example, freePort, post, startAgency, waitFor } from '../helper.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'

const PGBOUNCER = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer'

/** Whether something answers on 127.0.0.1:`port`. */
async function answers (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}

/**
 * Starts PgBouncer in transaction mode in front of the test server (127.0.0.1:5432, user
 * postgres), on a free port; stopped at the test's teardown. Returns its port.
 */
async function startBouncer (t: Test): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-pgbouncer-'))
  const port = await freePort()
  const ini = join(dir, 'pgbouncer.ini')
  writeFileSync(ini, [
    '[databases]',
    '* = host=127.0.0.1 port=5432 user=postgres',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = any',
    'pool_mode = transaction',
    'default_pool_size = 2',
    'max_client_conn = 200',
    ''
  ].join('\n'))
  // PgBouncer will not run as root: as root it is told to be the server's own user
  chmodSync(dir, 0o755)
  chmodSync(ini, 0o644)
  const asRoot = process.getuid?.() === 0
  const child = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'postgres'] : []), ini], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8') })
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
    rmSync(dir, { recursive: true, force: true })
  })
  await waitFor(async () => child.exitCode !== null ? Promise.reject(new Error(`pgbouncer exited: ${stderr}`)) : await answers(port), 'PgBouncer listening', 10_000)
  return port
}

t.test('the hub does its whole round through PgBouncer in transaction mode', { skip: existsSync(PGBOUNCER) ? false : `PgBouncer is not installed at ${PGBOUNCER} (apt-get install pgbouncer; .ci/run does)` }, async (t) => {
  const db = await createTestDatabase(t)
  const port = await startBouncer(t)
  const through = (query: string): string => `postgres://postgres@127.0.0.1:${port}/${db.name}${query}`

  const agency = await startAgency(t)
  // its migrations run at start-up through PgBouncer too (a transaction-scoped lock: migrate.ts)
  const hub = await build(t, { databaseUrl: through('?pgbouncer=true'), agencyUrl: agency.url })

  // intake under concurrent submissions: batched statements and commits, receive-once
  const submissions = Array.from({ length: 24 }, (_, i) => ({ ...example('birth-registration'), source: { system: 'dvcqg', reference: `PGB-${i}` } }))
  const answers = await Promise.all(submissions.map(async (s) => await post(asPortal(hub), s)))
  t.same(answers.map((a) => a.statusCode), submissions.map(() => 201), 'every submission stored')
  const codes = answers.map((a) => a.json<DossierSummary>().code)
  t.equal(new Set(codes).size, codes.length, 'each its own code')
  const again = await post(asPortal(hub), submissions[0], { 'idempotency-key': 'pgbouncer-again' })
  t.equal(again.statusCode, 200, 'a repeat is answered from receive-once')
  t.equal(again.json<DossierSummary>().code, codes[0], 'with the same dossier')

  // the workers deliver every dossier (their reads and step compare-and-sets through PgBouncer)
  await deliveriesSettled(hub, 30_000)
  const keys = agency.requests.map((r) => String(r.headers['idempotency-key']))
  t.equal(new Set(keys).size, keys.length, 'no delivery made twice')
  t.ok(agency.requests.length >= codes.length, `every dossier's first stage delivered (${agency.requests.length} requests)`)
  const code = codes[0] as string
  const routing = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<{ routing: Record<string, { agency: string, state: string }> }>().routing
  const [step, delivered] = Object.entries(routing).find(([, r]) => r.state === 'delivered') ?? []
  t.ok(step !== undefined && delivered !== undefined, 'its first stage delivered')

  // an agency's report: a change (hub_apply) committed through PgBouncer
  const reported = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: 'pgb-1', agency: delivered?.agency, report: { status: 'accepted' } } })
  t.equal(reported.statusCode, 201, reported.body)
  await waitFor(async () => (await hub.store.routingState(code, step as string))?.state === 'accepted', 'the report recorded')

  // lists, statistics and the audit trail read through it
  const list = (await asAdmin(hub).inject('/v1/dossiers?limit=100')).json<{ items: Array<{ code: string }> }>()
  t.same(new Set(list.items.map((d) => d.code)), new Set(codes), 'the list has every dossier')
  const today = new Date().toISOString().slice(0, 10)
  const stats = await asAdmin(hub).inject(`/v1/stats?from=${today}&to=${today}`)
  t.equal(stats.statusCode, 200, stats.body)
  const trail = (await asAuditor(hub).inject(`/v1/dossiers/${code}/audit`)).json<{ entries: unknown[] }>()
  t.ok(trail.entries.length >= 2, 'the audit trail has the submission and the reads')

  // a client added through it is known at once
  const { key } = await hub.clients.add({ id: 'pgbouncer-portal', role: 'portal' })
  t.equal((await asKey(hub, key).inject(`/v1/dossiers/${code}`)).statusCode, 200, 'the new key works')
})
