/**
 * Schema changes of the record: the plain SQL files of src/store/migrations, applied in name order
 * by umzug (which keeps the list of applied files in the table schema_migrations). Forward only: a
 * change is undone by a new file.
 *
 * Safe when several processes start at once: everything runs in one transaction that first takes a
 * transaction-scoped advisory lock, so a second migrator waits, then finds nothing left to do. A
 * transaction-scoped lock (not a session one) also holds behind PgBouncer in transaction mode; and
 * a failed file leaves the schema as it was. (A file that cannot run in a transaction, such as
 * CREATE INDEX CONCURRENTLY, will need its own path when one is written.)
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Sql, TransactionSql } from 'postgres'
import { Umzug, type UmzugStorage } from 'umzug'

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url))

/** pg_advisory_xact_lock key of the migrator: any fixed number ("lienthong" in ASCII, truncated). */
const LOCK_KEY = 0x6c69656e74686fn

/** umzug's record of applied files, in the transaction it runs in. */
function storage (tx: TransactionSql): UmzugStorage {
  return {
    async executed () {
      const rows = await tx<Array<{ name: string }>>`select name from schema_migrations order by name`
      return rows.map((r) => r.name)
    },
    async logMigration ({ name }) {
      await tx`insert into schema_migrations (name) values (${name})`
    },
    async unlogMigration ({ name }) {
      await tx`delete from schema_migrations where name = ${name}`
    }
  }
}

/** The migration files, in the order they apply. */
export async function migrationFiles (dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
}

/** Applies the migrations not applied yet; returns their names (none: the schema was up to date). */
export async function migrate (sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = await migrationFiles(dir)
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_KEY.toString()}::bigint)`
    await tx`create table if not exists schema_migrations (
      name text primary key,
      applied_at timestamptz not null default now()
    )`
    const umzug = new Umzug({
      migrations: files.map((name) => ({
        name,
        up: async () => {
          // several statements in one file: the simple query protocol
          await tx.unsafe(await readFile(join(dir, name), 'utf8')).simple()
        }
      })),
      storage: storage(tx),
      logger: undefined
    })
    return (await umzug.up()).map((m) => m.name)
  })
}
