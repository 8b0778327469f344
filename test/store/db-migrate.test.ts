/**
 * The record's migrations (src/store/migrate.ts, src/store/migrations/*.sql) on the real PostgreSQL,
 * each test in a database of its own (test/db-helper.ts): they apply on a fresh database, a second
 * run changes nothing, two migrators started at once do not collide, and `npm run db:migrate`
 * migrates the database DATABASE_URL names.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { migrate, migrationFiles } from '../../src/store/migrate.ts'
import { fromRoot } from '../../src/paths.ts'
import { createTestDatabase } from '../db-helper.ts'

const run = promisify(execFile)

/** The record's tables (without schema_migrations). */
const TABLES = ['audit_checkpoints', 'audit_entries', 'audit_trails', 'clients', 'code_counters',
  'content_fingerprints', 'document_access', 'document_files', 'documents', 'dossier_events', 'dossier_history', 'dossier_steps', 'dossiers', 'idempotency_keys', 'indicator_facts', 'indicator_spans', 'indicator_stale', 'national_sync', 'notice_attempts', 'notice_counts', 'notice_pending', 'notice_switch', 'notices', 'notifications',
  'notify_pending', 'outbox', 'payment_callbacks', 'payments', 'postal_pickups', 'retention_dossiers', 'retention_runs', 'source_refs', 'supplements', 'webhook_attempts', 'webhook_cursors']

async function tables (sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<Array<{ name: string }>>`select table_name as name from information_schema.tables
    where table_schema = 'public' and table_name <> 'schema_migrations' order by 1`
  return rows.map((r) => r.name)
}

t.test('on a fresh database every migration applies, and the record\'s tables exist', async (t) => {
  const db = await createTestDatabase(t)
  const files = await migrationFiles()
  t.ok(files.includes('0001_record.sql'))
  t.same(await migrate(db.sql), files, 'every file, in order')
  t.same(await tables(db.sql), TABLES)
  const logged = await db.sql<Array<{ name: string }>>`select name from schema_migrations order by name`
  t.same(logged.map((r) => r.name), files, 'schema_migrations lists them')
})

t.test('a second run is a no-op', async (t) => {
  const db = await createTestDatabase(t)
  await migrate(db.sql)
  await db.sql`insert into clients (id, name, role, secret_hash, created_at, updated_at)
    values ('portal', 'Portal', 'portal', ${Buffer.alloc(32)}, now(), now())`
  t.same(await migrate(db.sql), [], 'nothing applied')
  t.equal((await db.sql`select count(*)::int as n from clients`)[0]?.n, 1, 'the data stays')
  t.equal((await db.sql`select count(*)::int as n from schema_migrations`)[0]?.n, (await migrationFiles()).length)
})

t.test('two migrators started at once (two pools, as two processes): one applies, the other waits and finds nothing to do', async (t) => {
  const db = await createTestDatabase(t)
  const other = postgres(db.url, { max: 2, onnotice: () => {} })
  t.teardown(async () => { await other.end() })
  const [a, b, c] = await Promise.all([migrate(db.sql), migrate(other), migrate(db.sql)])
  const applied = [a, b, c].filter((r) => r.length > 0)
  t.equal(applied.length, 1, 'exactly one migrator applied the files')
  t.same(applied[0], await migrationFiles())
  t.same(await tables(db.sql), TABLES)
})

t.test('npm run db:migrate migrates the database DATABASE_URL names, and says so', async (t) => {
  const db = await createTestDatabase(t)
  const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' }
  const first = await run(process.execPath, ['--import=tsx', fromRoot('scripts', 'db-migrate.ts')], { env })
  t.match(first.stdout, /db:migrate: applied 0001_record\.sql/)
  t.same(await tables(db.sql), TABLES)
  const second = await run(process.execPath, ['--import=tsx', fromRoot('scripts', 'db-migrate.ts')], { env })
  t.match(second.stdout, /is up to date/)
})
