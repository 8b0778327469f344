/**
 * The bench's record: a scratch database of its own, so that runs do not meet each other's clients
 * and the developer's `lienthong` database is left alone. On the PostgreSQL that DATABASE_URL names
 * (unset: the one at 127.0.0.1:5432) a database `lienthong_bench_<pid>[suffix]`, dropped at the end; with
 * no server, an embedded PGlite in a temporary folder, removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { defaultServerProblem, openDatabase, type Database } from '../src/store/db.ts'
import { resolveDatabase } from '../src/store/db-url.ts'
import { projectRoot } from '../src/paths.ts'

export interface BenchDatabase {
  db: Database
  /** closes and removes it */
  drop: () => Promise<void>
}

/** `suffix` tells apart several databases of one run (each measure that needs a record of its own). */
export async function benchDatabase (suffix = ''): Promise<BenchDatabase> {
  const choice = resolveDatabase(process.env, projectRoot)
  let server: string | undefined
  if (choice.kind === 'server') server = choice.url
  else if (choice.kind === 'default' && await defaultServerProblem(choice.server, choice.database) === undefined) server = choice.server.url
  if (server === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'lienthong-bench-pg-'))
    const db = await openDatabase({ env: { DATABASE_URL: `pglite:${dir}` } })
    return { db, drop: async () => { await db.close(); rmSync(dir, { recursive: true, force: true }) } }
  }
  const name = `lienthong_bench_${process.pid}${suffix}`
  const admin = postgres(server, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists "${name}"`)
  await admin.unsafe(`create database "${name}"`)
  const url = new URL(server)
  url.pathname = `/${name}`
  const db = await openDatabase({ env: { ...process.env, DATABASE_URL: url.toString() } })
  return {
    db,
    drop: async () => {
      await db.close()
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    }
  }
}
