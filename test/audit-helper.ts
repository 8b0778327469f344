/**
 * Test helpers for the audit trails in the record: a hub on a database of its own (a trail's
 * contents are what these tests look at, and until dossier codes are numbered in the record two
 * hubs of one file give the same codes, hence the same trail names), and reading and editing the
 * rows as someone with write access to PostgreSQL but without the audit key would.
 */
import type { Test } from 'tap'
import type { Sql, TransactionSql } from 'postgres'
import { build, waitFor, type BuildOptions, type TestHub } from './helper.ts'
import { createTestDatabase } from './db-helper.ts'
import { migrate } from '../src/store/migrate.ts'
import { entryRow } from '../src/store/audit-store.ts'
import type { Database } from '../src/store/db.ts'
import type { AuditEntry } from '../src/types/schemas.generated.ts'

/** A migrated database of this test's own, as a hub's Database (left open by the hub, dropped after the test). */
export async function ownDatabase (t: Test): Promise<Database & { url: string }> {
  const db = await createTestDatabase(t, { max: 10 })
  await migrate(db.sql)
  return { sql: db.sql, reports: db.sql, kind: 'server', where: db.url, url: db.url, close: async () => {} }
}

/** A hub (API by default) on a database of its own. */
export async function auditHub (t: Test, options: BuildOptions = {}): Promise<TestHub> {
  return await build(t, { role: 'api', database: await ownDatabase(t), ...options })
}

export async function trailId (sql: Sql, code: string): Promise<string> {
  const [row] = await sql<Array<{ id: string }>>`select id from audit_trails where name = ${code}`
  if (row === undefined) throw new Error(`no audit trail ${code}`)
  return row.id
}

/** How many entry rows the trail has. */
export async function entryCount (sql: Sql, code: string): Promise<number> {
  const [row] = await sql<Array<{ n: number }>>`select count(*)::int as n from audit_entries e join audit_trails t on t.id = e.trail_id where t.name = ${code}`
  return row?.n ?? 0
}

/** The trail's head columns (undefined: no trail row). */
export async function headOf (sql: Sql, code: string): Promise<{ seq: number, hash: string | null, mac: string | null } | undefined> {
  const [row] = await sql<Array<{ head_seq: number, head_hash: Buffer | null, head_mac: Buffer | null }>>`select head_seq, head_hash, head_mac from audit_trails where name = ${code}`
  return row === undefined ? undefined : { seq: row.head_seq, hash: row.head_hash?.toString('hex') ?? null, mac: row.head_mac?.toString('hex') ?? null }
}

/** Waits until the trail has at least `n` entry rows and its head says at least `n` (entries are written after each answer). */
export async function settled (hub: TestHub, code: string, n: number): Promise<void> {
  await waitFor(async () => await entryCount(hub.db.sql, code) >= n && ((await headOf(hub.db.sql, code))?.seq ?? 0) >= n, `${n} audit entries`)
}

/** Replaces the trail's entry rows with `entries`, written as the store writes rows (a forger with write access). */
export async function storeTrail (sql: Sql, code: string, entries: readonly AuditEntry[]): Promise<void> {
  const id = await trailId(sql, code)
  await sql.begin(async (tx) => {
    await tx`delete from audit_entries where trail_id = ${id}`
    for (const e of entries) await insertEntry(tx, id, e)
  })
}

/** Inserts one entry row into a trail as the store would write it. */
export async function insertEntry (sql: Sql | TransactionSql, trail: string, e: AuditEntry): Promise<void> {
  const r = entryRow(e)
  await sql`insert into audit_entries (trail_id, seq, at, client, action, status, key_id, hash, entry)
    values (${trail}, ${r.seq}, ${r.at}, ${r.client}, ${r.action}, ${r.status}, ${r.kid}, ${Buffer.from(r.hash, 'hex')}, ${sql.json(r.entry as never)})`
}
