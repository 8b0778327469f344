/**
 * The embedded database end to end (DATABASE_URL=pglite:<dir>; src/store/db.ts, pglite-host.ts):
 * the first process serves PGlite over the socket in its folder, migrations apply and it answers
 * queries, a transaction of one connection is not interleaved with another's statements, nor are
 * concurrent statements with parameters (pglite-socket's server failed that: see pglite-wire.ts),
 * a connection lost inside a transaction does not block the others, and another process uses the same
 * database through the socket.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { openDatabase } from '../../src/store/db.ts'
import { migrate, migrationFiles } from '../../src/store/migrate.ts'
import { fromRoot } from '../../src/paths.ts'

const run = promisify(execFile)

t.test('pglite:<dir>: served over its socket, migrated, answers queries, shared with another process', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hub-pglite-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const lines: string[] = []
  const log = { info: (_o: object, msg: string) => { lines.push(msg) }, warn: (_o: object, msg: string) => { lines.push(msg) } }
  const env = { DATABASE_URL: `pglite:${dir}` }

  const db = await openDatabase({ env, log })
  t.teardown(async () => { await db.close() })
  t.equal(db.kind, 'pglite')
  t.equal(db.where, dir)
  t.ok(lines.some((l) => /embedded PGlite/.test(l)), 'the log says which database')

  t.same(await migrate(db.sql), await migrationFiles(), 'migrations apply')
  t.ok(lines.some((l) => /serves the embedded PGlite/.test(l)), 'the first connection made this process serve it')
  t.same(await migrate(db.sql), [], 'and a second run is a no-op')

  const code = '000.00.06.H56-261202-0001'
  const [row] = await db.sql<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel,
      level, return_method, source_system, received_at, fingerprint, updated_at, doc)
    values (${code}, 2, '1.001193.000.00.00.H56', '000.00.06.H56', 2, 'commune', 'online', 'portal', now(), ${Buffer.alloc(32)},
      now(), ${db.sql.json({ procedure: { code: '1.001193.000.00.00.H56' } })}) returning id`
  const [read] = await db.sql<Array<{ code: string, procedure: string }>>`select code, doc->'procedure'->>'code' as procedure from dossiers where id = ${row?.id ?? ''}`
  t.same(read, { code, procedure: '1.001193.000.00.00.H56' }, 'it answers a query')

  // a second pool in this process (as a second process would). PGlite is one backend: the socket
  // server runs a transaction's statements together, and another connection's statement waits for
  // the commit (so it sees the transaction's rows whole, never half of them)
  const second = await openDatabase({ env, log })
  t.teardown(async () => { await second.close() })
  let meanwhile: Promise<Array<{ n: number }>> | undefined
  await second.sql.begin(async (tx) => {
    await tx`insert into code_counters (agency, day, last) values ('000.00.06.H56', '2026-12-02', 1)`
    meanwhile = db.sql<Array<{ n: number }>>`select count(*)::int as n from code_counters`.execute()
    await tx`update code_counters set last = 2`
  })
  t.same(await meanwhile, [{ n: 1 }], 'a statement sent during another connection\'s transaction ran after its commit')
  // extended-protocol statements with parameters from both pools at once: each gets its own answer
  const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) =>
    await (i % 2 === 0 ? db.sql : second.sql)<Array<{ n: number, last: number }>>`select ${i}::int as n, last from code_counters`))
  t.same(answers.map((r) => r[0]), Array.from({ length: 50 }, (_, i) => ({ n: i, last: 2 })), 'fifty concurrent statements over two pools')

  // a client that goes away inside a transaction: its transaction is rolled back and the others go on
  const dying = postgres({ path: join(dir, '.s.PGSQL.5432'), user: 'postgres', database: 'postgres', max: 1, prepare: false, onnotice: () => {} })
  await dying.unsafe('begin')
  await dying`insert into code_counters (agency, day, last) values ('000.00.00.G22', '2026-12-03', 1)`
  await dying.end({ timeout: 0 })
  t.same(await db.sql`select count(*)::int as n from code_counters`, [{ n: 1 }], 'a connection closed inside a transaction is rolled back; the others are not blocked')

  const child = await run(process.execPath, ['--import=tsx', fromRoot('test', 'db-embedded-child.ts'), 'from-child'],
    { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } })
  t.same(JSON.parse(child.stdout), { kind: 'pglite', clients: 1 }, 'another process uses the same database through the socket')
  const clients = await db.sql<Array<{ id: string }>>`select id from clients`
  t.same(clients.map((c) => c.id), ['from-child'], 'and this process sees its row')
})
