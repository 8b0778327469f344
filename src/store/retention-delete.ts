/**
 * Deleting archived dossiers, one batch per transaction: the batch's rows are read again under
 * row locks (for update: no report, read audit or delivery can change them until the transaction
 * ends) and a dossier is deleted only when its rows still hash to the digest taken when its archive
 * line was written. One that changed since stays (skipped 'changed'): the archive would not hold
 * what is deleted. The run's lease is checked in the same transaction, so a process that lost its
 * run to another deletes nothing more. A batch first takes the lock a flush of the indicators'
 * facts holds (indicator_flush, migration 0013), before any row: a flush rebuilding a dossier's
 * facts while the batch deletes it would otherwise lock the two sets of rows in opposite orders
 * (a deadlock PostgreSQL ends by failing one of them); now the one waits for the other.
 */
import type { Sql } from 'postgres'
import { deleteRecords, fixRowText, readRecords, recordDigest } from './retention-rows.ts'
import type { DossierTables } from './retention-tables.ts'
import { RetentionBusyError, type RegisterRow } from './retention-store.ts'

export interface BatchOutcome {
  deleted: number
  changed: number
  gone: number
}

export async function deleteArchivedBatch (sql: Sql, tables: DossierTables, run: { id: string, owner: string, leaseMs: number }, batch: readonly RegisterRow[]): Promise<BatchOutcome> {
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('indicator_flush'))`
    const held = await tx`update retention_runs set lease_until = now() + ${run.leaseMs} * interval '1 millisecond'
      where id = ${run.id} and lease_owner = ${run.owner} and finished_at is null returning id`
    if (held.length !== 1) throw new RetentionBusyError(`retention run ${run.id} was taken over by another process`)
    await fixRowText(tx)
    const records = await readRecords(tx, tables, batch.map((r) => r.dossier_id), true)
    const del: RegisterRow[] = []
    const changed: string[] = []
    const gone: string[] = []
    for (const row of batch) {
      const record = records.get(row.dossier_id)
      if (record === undefined || row.digest === null) gone.push(row.dossier_id)
      else if (!recordDigest(record).equals(row.digest)) changed.push(row.dossier_id)
      else del.push(row)
    }
    await deleteRecords(tx, del.map((r) => r.dossier_id), del.map((r) => r.code))
    if (del.length > 0) await tx`update retention_dossiers set deleted_at = now() where run_id = ${run.id} and dossier_id = any(${del.map((r) => r.dossier_id)}::bigint[])`
    if (changed.length > 0) await tx`update retention_dossiers set skipped = 'changed' where run_id = ${run.id} and dossier_id = any(${changed}::bigint[])`
    if (gone.length > 0) await tx`update retention_dossiers set skipped = 'gone' where run_id = ${run.id} and dossier_id = any(${gone}::bigint[])`
    return { deleted: del.length, changed: changed.length, gone: gone.length }
  })
}
