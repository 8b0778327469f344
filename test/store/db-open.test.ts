/**
 * Opening the record's database (src/store/db.ts) on the real PostgreSQL: a postgres:// URL as it
 * is, the reports connection (the record itself, or REPORTS_DATABASE_URL's replica), and the
 * default server's checks: a missing database is created, a server that does not answer is
 * reported (so the hub falls back to the embedded database).
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { defaultServerProblem, openDatabase } from '../../src/store/db.ts'
import { serverTarget } from '../../src/store/db-url.ts'
import { ADMIN_URL, createTestDatabase, databaseUrl } from '../db-helper.ts'

const collect = (): { lines: Array<{ obj: object, msg: string }>, log: { info: (o: object, m: string) => void, warn: (o: object, m: string) => void } } => {
  const lines: Array<{ obj: object, msg: string }> = []
  const push = (obj: object, msg: string): void => { lines.push({ obj, msg }) }
  return { lines, log: { info: push, warn: push } }
}

t.test('DATABASE_URL=postgres://…: that server; reports read the record unless REPORTS_DATABASE_URL names a replica', async (t) => {
  const { url } = await createTestDatabase(t)
  const { lines, log } = collect()
  const db = await openDatabase({ env: { DATABASE_URL: url }, log })
  t.teardown(async () => { await db.close() })
  t.equal(db.kind, 'server')
  t.equal(db.reports, db.sql, 'no replica: reports read the record')
  t.same(await db.sql`select current_database() as name`, [{ name: new URL(url).pathname.slice(1) }])
  t.match(lines, [{ msg: 'record: PostgreSQL server', obj: { host: '127.0.0.1:5432', database: new URL(url).pathname.slice(1) } }], 'the log says which')

  const withReplica = await openDatabase({ env: { DATABASE_URL: url, REPORTS_DATABASE_URL: `${url}?pgbouncer=true` }, log })
  t.teardown(async () => { await withReplica.close() })
  t.not(withReplica.reports, withReplica.sql, 'a pool of its own')
  t.same(await withReplica.reports`select 1 as one`, [{ one: 1 }])
})

t.test('the default server: its database is created when missing; one that does not answer is reported', async (t) => {
  const name = `hub_test_default_${randomBytes(4).toString('hex')}`
  t.teardown(async () => {
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`drop database if exists "${name}" with (force)`)
    await admin.end()
  })
  t.equal(await defaultServerProblem(serverTarget(databaseUrl(name)), name), undefined, 'usable')
  const admin = postgres(ADMIN_URL, { max: 1 })
  t.same(await admin`select datname from pg_database where datname = ${name}`, [{ datname: name }], 'and created')
  await admin.end()
  t.equal(await defaultServerProblem(serverTarget(databaseUrl(name)), name), undefined, 'a second time: there already')
  t.match(await defaultServerProblem(serverTarget('postgres://postgres@127.0.0.1:1/lienthong'), 'lienthong'), /ECONNREFUSED/, 'nobody at the port: the reason, for the log line of the fallback')
})
