/**
 * Test helper for the record's PostgreSQL: each caller gets a database of its own on the real server
 * (TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres: user postgres,
 * trust), with a random name, dropped when the test ends (connections closed first); or the one
 * database of a test file (fileDatabase), which test/helper.ts build() gives every hub of the file.
 */
import { randomBytes } from 'node:crypto'
import postgres, { type Sql } from 'postgres'
import tap, { type Test } from 'tap'
import type { Database } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const quiet = { onnotice: () => {} }

export interface TestDatabase {
  name: string
  /** the database's URL (for DATABASE_URL or a second pool) */
  url: string
  /** a pool on it, closed at teardown */
  sql: Sql
}

/** The URL of database `name` on the test server. */
export function databaseUrl (name: string): string {
  const u = new URL(ADMIN_URL)
  u.pathname = `/${name}`
  return u.toString()
}

/** Creates a database with a random name on the test server; returns its name, URL and a pool on it. */
async function newDatabase (max: number): Promise<TestDatabase> {
  const name = `hub_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = postgres(ADMIN_URL, { max: 1, ...quiet })
  try {
    await admin.unsafe(`create database "${name}"`)
  } finally {
    await admin.end()
  }
  const url = databaseUrl(name)
  return { name, url, sql: postgres(url, { max, ...quiet }) }
}

/** Closes the pool and drops the database; `with (force)`: connections a failed test left open do not keep it alive. */
async function dropDatabase (db: TestDatabase): Promise<void> {
  await db.sql.end({ timeout: 5 })
  const drop = postgres(ADMIN_URL, { max: 1, ...quiet })
  try {
    await drop.unsafe(`drop database if exists "${db.name}" with (force)`)
  } finally {
    await drop.end()
  }
}

/** A fresh, empty database for this test, dropped at its teardown. */
export async function createTestDatabase (t: Test, options: { max?: number } = {}): Promise<TestDatabase> {
  const db = await newDatabase(options.max ?? 4)
  t.teardown(async () => { await dropDatabase(db) })
  return db
}

export interface FileDatabase extends TestDatabase {
  /** the same pool as a hub's Database (createHub's `database`: hubs use it and leave it open) */
  db: Database
}

let fileDb: Promise<FileDatabase> | undefined

/**
 * The database of this test file: created and migrated once per file (its process), on first use,
 * and dropped when the file's tests have ended. Every hub of the file shares it, as they share
 * Redis; scripts started by the file's tests get its `url` as DATABASE_URL.
 */
export async function fileDatabase (): Promise<FileDatabase> {
  fileDb ??= (async () => {
    const test = await newDatabase(10)
    tap.teardown(async () => {
      await endSpare()
      await dropDatabase(test)
    })
    const { name, url, sql } = test
    await migrate(sql)
    return { name, url, sql, db: { sql, reports: sql, kind: 'server', where: url, close: async () => {} } }
  })()
  return await fileDb
}

export interface HubDatabase {
  /** the schema's URL (DATABASE_URL for scripts and processes working on the same record) */
  url: string
  /** the pool a hub uses (createHub's `database`) */
  db: Database
  /** closes the pool and drops the schema */
  drop: () => Promise<void>
}

/** Schemas of this file whose hubs have closed: emptied, ready for the next hub (migrating a new one costs far more). */
const spare: Array<{ url: string, sql: Sql }> = []

/** Ends the spare schemas' pools (before the file's database is dropped). */
async function endSpare (): Promise<void> {
  await Promise.all(spare.splice(0).map(async (s) => { await s.sql.end({ timeout: 5 }) }))
}

/**
 * A record of its own for one hub: a schema in the test file's database, migrated, reached through
 * a pool whose search_path is that schema (`?search_path=` in the URL: a process given the URL
 * works on the same record). Hubs of one file do not see each other's dossiers, as each has its own
 * Redis prefix. When the hub is done the schema is emptied (every row deleted, identities
 * restarted: as new) and kept for the file's next hub, since creating and migrating one costs far
 * more than emptying it. `reuse: false` (a record other processes work on, which may outlive the
 * test's teardown by a moment): dropped instead.
 */
export async function hubDatabase (options: { reuse?: boolean } = {}): Promise<HubDatabase> {
  const reuse = options.reuse ?? true
  const file = await fileDatabase()
  let record = reuse ? spare.pop() : undefined
  if (record === undefined) {
    const schema = `hub_${randomBytes(6).toString('hex')}`
    await file.sql.unsafe(`create schema "${schema}"`)
    const u = new URL(file.url)
    u.searchParams.set('search_path', schema)
    const sql = postgres(u.toString(), { max: 4, ...quiet })
    await migrate(sql)
    record = { url: u.toString(), sql }
  }
  const { url, sql } = record
  let dropped = false
  return {
    url,
    db: { sql, reports: sql, kind: 'server', where: url, close: async () => {} },
    drop: async () => {
      if (dropped) return
      dropped = true
      if (!reuse) {
        await sql.end({ timeout: 5 })
        await file.sql.unsafe(`drop schema if exists "${new URL(url).searchParams.get('search_path') ?? ''}" cascade`)
        return
      }
      // rows deleted (a handful: cheaper than TRUNCATE, which makes new files for every table and
      // index), identities restarted, as after the migration
      // a flush of the indicator facts that a hub's last maintenance run started may still be
      // writing: the two can deadlock (PostgreSQL aborts one); the emptying is made again then
      const empty = async (): Promise<unknown> => await sql.unsafe(`do $$
        declare r record;
        begin
          set local session_replication_role = replica;
          for r in select tablename from pg_tables where schemaname = current_schema() and tablename <> 'schema_migrations' loop
            execute format('delete from %I', r.tablename);
          end loop;
          for r in select s.relname from pg_class s join pg_namespace n on n.oid = s.relnamespace
                   where s.relkind = 'S' and n.nspname = current_schema() loop
            execute format('alter sequence %I restart', r.relname);
          end loop;
        end $$`)
      for (let attempt = 1; ; attempt++) {
        try {
          await empty()
          break
        } catch (err) {
          if ((err as { code?: string }).code !== '40P01' || attempt === 5) throw err
        }
      }
      spare.push({ url, sql })
    }
  }
}
