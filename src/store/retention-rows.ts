/**
 * A dossier's rows as retention archives and deletes them: every row as the JSON text PostgreSQL
 * itself gives (row_to_json: every column, named as in the table, bytea as "\x…" hex, times in
 * UTC), so an archived row goes back with json_populate_record into the same table unchanged, and
 * nothing is lost on the way through JavaScript numbers or key order.
 *
 * The "record" of a dossier is its row, its child tables' rows and its audit trail (trail row and
 * entries): what the deletion removes in one statement each and what the digest covers. Its rows in
 * the tables without a foreign key are read and deleted apart, many dossiers per statement: those
 * tables have no index on dossier_id (migration 0001), so each statement is one scan of the table.
 */
import { createHash } from 'node:crypto'
import type { Sql, TransactionSql } from 'postgres'
import { ident, type ChildTable, type DossierTables } from './retention-tables.ts'

/** One table's rows of a dossier: [table, JSON texts]. */
export type TableRows = [table: string, rows: string[]]

export interface DossierRecord {
  id: string
  code: string
  /** in restore order: dossiers, its child tables, audit_trails, the trail's child tables */
  tables: TableRows[]
}

type Q = Sql | TransactionSql

/**
 * Times in UTC and bytea in hex whatever the server's defaults, so the same rows give the same
 * text (and digest) when archived and when read again before they are deleted. In a transaction.
 */
export async function fixRowText (tx: TransactionSql): Promise<void> {
  await tx`set local time zone 'UTC'`
  await tx`set local bytea_output = 'hex'`
}

const orderOf = (t: ChildTable, alias: string): string =>
  t.order.length > 0 ? t.order.map((c) => `${alias}.${ident(c)}`).join(', ') : `${alias}::text`

async function rowsOf (q: Q, t: ChildTable, keys: readonly string[], keyType: 'bigint' | 'text', lock: boolean): Promise<Array<{ k: string, j: string }>> {
  if (keys.length === 0) return []
  return await q.unsafe<Array<{ k: string, j: string }>>(
    `select t.${ident(t.column)}::text as k, row_to_json(t)::text as j from ${ident(t.table)} t
      where t.${ident(t.column)} = any($1::${keyType}[]) order by ${orderOf(t, 't')}${lock ? ' for update' : ''}`, [keys as string[]])
}

function group (rows: Array<{ k: string, j: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const r of rows) {
    const list = out.get(r.k)
    if (list === undefined) out.set(r.k, [r.j])
    else list.push(r.j)
  }
  return out
}

const DOSSIERS: ChildTable = { table: 'dossiers', column: 'id', order: ['id'] }
const TRAILS: ChildTable = { table: 'audit_trails', column: 'name', order: ['name'] }

/**
 * The records of dossiers `ids` (those that still exist), by dossier id. `lock`: every row read is
 * locked (for update) until the transaction ends, so what is deleted next is what was read.
 */
export async function readRecords (tx: TransactionSql, tables: DossierTables, ids: readonly string[], lock: boolean): Promise<Map<string, DossierRecord>> {
  const rows = await tx.unsafe<Array<{ id: string, code: string, j: string }>>(
    `select d.id::text as id, d.code, row_to_json(d)::text as j from dossiers d where d.id = any($1::bigint[]) order by d.id${lock ? ' for update' : ''}`,
    [ids as string[]])
  if (rows.length === 0) return new Map()
  const found = rows.map((r) => r.id)
  const children = await Promise.all(tables.children.map(async (t) => [t.table, group(await rowsOf(tx, t, found, 'bigint', lock))] as const))
  const trails = await tx.unsafe<Array<{ id: string, name: string, j: string }>>(
    `select a.id::text as id, a.name, row_to_json(a)::text as j from audit_trails a where a.name = any($1::text[]) order by a.name${lock ? ' for update' : ''}`,
    [rows.map((r) => r.code)])
  const trailOf = new Map(trails.map((t) => [t.name, t]))
  const trailIds = trails.map((t) => t.id)
  const auditChildren = await Promise.all(tables.auditChildren.map(async (t) => [t.table, group(await rowsOf(tx, t, trailIds, 'bigint', lock))] as const))
  const out = new Map<string, DossierRecord>()
  for (const d of rows) {
    const trail = trailOf.get(d.code)
    out.set(d.id, {
      id: d.id,
      code: d.code,
      tables: [
        [DOSSIERS.table, [d.j]],
        ...children.map(([table, byId]): TableRows => [table, byId.get(d.id) ?? []]),
        [TRAILS.table, trail === undefined ? [] : [trail.j]],
        ...auditChildren.map(([table, byTrail]): TableRows => [table, trail === undefined ? [] : byTrail.get(trail.id) ?? []])
      ]
    })
  }
  return out
}

/** SHA-256 of a record's rows: what the archive holds of it, compared again before it is deleted. */
export function recordDigest (record: DossierRecord): Buffer {
  const h = createHash('sha256')
  for (const [table, rows] of record.tables) {
    h.update(`${table}\t${rows.length}\n`)
    for (const row of rows) h.update(`${row}\n`)
  }
  return h.digest()
}

/** The rows of dossiers `ids` in the tables without a foreign key: dossier id → [table, rows][] (one scan of each table). */
export async function readLooseRows (q: Q, tables: DossierTables, ids: readonly string[]): Promise<Map<string, TableRows[]>> {
  const out = new Map<string, TableRows[]>()
  for (const t of tables.loose) {
    for (const [id, rows] of group(await rowsOf(q, t, ids, 'bigint', false))) {
      const list = out.get(id)
      if (list === undefined) out.set(id, [[t.table, rows]])
      else list.push([t.table, rows])
    }
  }
  return out
}

/** Deletes the records of dossiers `ids` (codes: their trails); their child rows go by cascade. */
export async function deleteRecords (tx: TransactionSql, ids: readonly string[], codes: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await tx`delete from audit_trails where name = any(${codes as string[]}::text[])`
  await tx`delete from dossiers where id = any(${ids as string[]}::bigint[])`
}

/** Deletes the rows of dossiers `ids` in the tables without a foreign key; the rows deleted, by table. */
export async function deleteLooseRows (q: Q, tables: DossierTables, ids: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  if (ids.length === 0) return out
  for (const t of tables.loose) {
    const result = await q.unsafe(`delete from ${ident(t.table)} where ${ident(t.column)} = any($1::bigint[])`, [ids as string[]])
    out[t.table] = result.count
  }
  return out
}
