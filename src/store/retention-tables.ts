/**
 * Which tables hold a dossier's rows, read from the database's catalogue rather than listed by
 * hand, so a table a later migration adds cannot be deleted with a dossier without being archived:
 *
 *   - `dossiers` and every table with a foreign key to it (on delete cascade: they go with the
 *     dossier row, so they must be in the archive);
 *   - the dossier's audit trail (`audit_trails`, name = the dossier code) and every table with a
 *     foreign key to it (`audit_entries`);
 *   - the tables that name a dossier by `dossier_id` without a foreign key (receive-once keys,
 *     source references, content fingerprints, outbox: migration 0001 says why), which retention
 *     deletes itself. Only the ones listed below: a new table with a `dossier_id` column and no
 *     foreign key stops the job until someone decides here whether its rows are a dossier's.
 *
 * What the job cannot archive faithfully stops it before anything is written: a foreign key to
 * `dossiers` that does not cascade (the delete would fail half-way through a batch), one of more
 * than one column, or a table that hangs off a child table (its rows would go by cascade, unseen).
 */
import type { Sql } from 'postgres'

/** Tables naming a dossier by dossier_id without a foreign key, whose rows are the dossier's. */
export const LOOSE_TABLES: readonly string[] = ['idempotency_keys', 'source_refs', 'content_fingerprints', 'outbox']

/**
 * Tables with a cascading foreign key to dossiers whose rows are rebuilt from the dossier's other
 * rows (migrations 0012, 0013: the indicators' facts, rebuilt by the next flush of the dossiers
 * their triggers mark): they go with the dossier, are not archived, and come back by themselves
 * when the dossier's rows are put back.
 */
export const DERIVED_TABLES: readonly string[] = ['indicator_facts', 'indicator_spans']

/**
 * Tables with a dossier_id column whose rows are not a dossier's own: retention's register, and the
 * marks of dossiers whose indicator facts are to be rebuilt (a mark of a deleted dossier rebuilds
 * nothing).
 */
export const NOT_DOSSIER_ROWS: readonly string[] = ['retention_dossiers', 'indicator_stale']

export interface ChildTable {
  table: string
  /** the column that holds the parent's id */
  column: string
  /** primary key columns (the rows' order in the archive) */
  order: string[]
}

export interface DossierTables {
  /** tables with a foreign key to dossiers(id), on delete cascade */
  children: ChildTable[]
  /** tables with a foreign key to audit_trails(id), on delete cascade */
  auditChildren: ChildTable[]
  /** tables naming a dossier by dossier_id without a foreign key (of LOOSE_TABLES, those present) */
  loose: ChildTable[]
  /** notifications some subscriber has not had yet (migration 0002), when the table exists */
  notifyPending: boolean
}

export class RetentionSchemaError extends Error {
  override name = 'RetentionSchemaError'
}

/** A quoted SQL identifier. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`

interface ForeignKey { table: string, column: string, columns: number, on_delete: string }

async function foreignKeysTo (sql: Sql, parent: string): Promise<ForeignKey[]> {
  return await sql<ForeignKey[]>`select t.relname as table, a.attname as column,
      cardinality(c.conkey) as columns, c.confdeltype::text as on_delete
    from pg_constraint c join pg_class t on t.oid = c.conrelid
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
    where c.contype = 'f' and c.confrelid = to_regclass(${parent})
    order by 1`
}

async function primaryKey (sql: Sql, table: string): Promise<string[]> {
  const rows = await sql<Array<{ column: string }>>`select a.attname as column
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey::int2[])
    where i.indrelid = to_regclass(${table}) and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`
  return rows.map((r) => r.column)
}

async function childrenOf (sql: Sql, parent: string, problems: string[]): Promise<ChildTable[]> {
  const out: ChildTable[] = []
  for (const fk of await foreignKeysTo(sql, parent)) {
    if (fk.columns !== 1) problems.push(`${fk.table} refers to ${parent} by ${fk.columns} columns; retention archives single-column references only`)
    if (fk.on_delete !== 'c') problems.push(`${fk.table}.${fk.column} refers to ${parent} without on delete cascade; deleting a dossier would fail`)
    const grandchildren = await foreignKeysTo(sql, fk.table)
    for (const g of grandchildren) problems.push(`${g.table} refers to ${fk.table}, a table of ${parent}'s rows: its rows would go by cascade without being archived (retention archives one level of child tables)`)
    out.push({ table: fk.table, column: fk.column, order: await primaryKey(sql, fk.table) })
  }
  return out
}

/** The tables of a dossier's rows in this database; throws RetentionSchemaError listing what the job cannot handle. */
export async function dossierTables (sql: Sql): Promise<DossierTables> {
  const problems: string[] = []
  const all = await childrenOf(sql, 'dossiers', problems)
  const children = all.filter((c) => !DERIVED_TABLES.includes(c.table))
  const auditChildren = await childrenOf(sql, 'audit_trails', problems)
  const withColumn = await sql<Array<{ table: string }>>`select c.relname as table
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    where a.attname = 'dossier_id' and not a.attisdropped and c.relkind in ('r', 'p') and pg_table_is_visible(c.oid)
    order by 1`
  const fkTables = new Set(all.map((c) => c.table))
  const loose: ChildTable[] = []
  for (const { table } of withColumn) {
    if (fkTables.has(table) || NOT_DOSSIER_ROWS.includes(table)) continue
    if (!LOOSE_TABLES.includes(table)) {
      problems.push(`${table} has a dossier_id column without a foreign key to dossiers, and retention does not know whether its rows are a dossier's: list it in LOOSE_TABLES or NOT_DOSSIER_ROWS (src/store/retention-tables.ts)`)
      continue
    }
    loose.push({ table, column: 'dossier_id', order: await primaryKey(sql, table) })
  }
  if (problems.length > 0) throw new RetentionSchemaError(`retention cannot run on this schema:\n  - ${problems.join('\n  - ')}`)
  const [np] = await sql<Array<{ exists: boolean }>>`select to_regclass('notify_pending') is not null as exists`
  return { children, auditChildren, loose, notifyPending: np?.exists === true }
}
