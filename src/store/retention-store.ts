/**
 * Retention's bookkeeping in the record (migration 0005): which dossiers are due under a policy's
 * cutoffs, the runs of `npm run retention -- --apply` (one open at a time, held by a lease), and the
 * register of what each run archived and deleted.
 *
 * "Due" is decided in one statement (domain/retention.ts says what ended and pending mean): the
 * ended dossiers whose end is at or before their procedure's cutoff and that have nothing pending.
 * It reads every ended dossier once (a sequential scan: retention runs seldom, and an index on the
 * end time would cost bytes on every dossier for it); "pending" is asked only of those past their
 * cutoff: open steps by the steps' primary key, unconfirmed outbox rows and notifications not yet
 * delivered as one hashed set each.
 */
import type { Sql } from 'postgres'
import { ENDED_AT_COLUMN, ENDED_STATUSES, OPEN_STEP_STATES, RESULT_STATUSES, type Cutoffs } from '../domain/retention.ts'
import type { DossierTables } from './retention-tables.ts'

export interface DueRow {
  procedure: string
  /** ended dossiers of the procedure */
  ended: number
  /** ended, past the cutoff, nothing pending: what --apply archives and deletes */
  due: number
  /** past the cutoff but something pending (an open step, an unsent message) */
  held: number
  /** ended statuses without the time they ended (not due: their age is unknown) */
  noEnd: number
}

export interface RunRow {
  id: string
  started_at: Date
  as_of: Date
  policy: Record<string, unknown>
  out_dir: string
  archive_file: string
  lease_owner: string
  lease_until: Date
  /** the lease has lapsed (by the database's clock) */
  lapsed: boolean
  archived_at: Date | null
  archive_bytes: string | null
  archive_sha256: Buffer | null
  dossiers: number | null
  finished_at: Date | null
}

export interface RegisterRow {
  dossier_id: string
  code: string
  procedure_code: string
  status: number
  ended_at: Date
  digest: Buffer | null
}

export class RetentionBusyError extends Error {
  override name = 'RetentionBusyError'
}

const endedAt = (alias: string): string =>
  `case ${Object.entries(ENDED_AT_COLUMN).map(([status, column]) => `when ${alias}.status = ${status} then ${alias}.${column}`).join(' ')} end`

/**
 * The ended dossiers with their end, cutoff and (past the cutoff) whether something is pending.
 * Parameters: $1 procedures named by the policy, $2 their cutoffs (null: for good), $3 the default
 * cutoff (null: for good), $4 the open step states.
 */
function endedQuery (tables: DossierTables): string {
  const pending = [
    `(e.status in (${RESULT_STATUSES.join(', ')}) and exists (select 1 from dossier_steps s where s.dossier_id = e.id and s.state = any($4::text[])))`,
    // uncorrelated IN: one hashed set of the few unconfirmed rows (the partial index outbox_unconfirmed), not a scan per dossier
    'e.id in (select o.dossier_id from outbox o where o.confirmed_at is null and o.discarded_at is null and o.dossier_id is not null)',
    ...(tables.notifyPending ? ['e.id in (select n.dossier_id from notify_pending n)'] : [])
  ].join(' or ')
  return `with rule as (
      select * from unnest($1::text[], $2::timestamptz[]) as r (procedure_code, cutoff)
    ), ended as (
      select d.id, d.code, d.procedure_code, d.status, ${endedAt('d')} as ended_at,
        case when r.procedure_code is null then $3::timestamptz else r.cutoff end as cutoff
      from dossiers d left join rule r on r.procedure_code = d.procedure_code
      where d.status in (${ENDED_STATUSES.join(', ')})
    ), judged as (
      select e.*, case when e.ended_at <= e.cutoff then (${pending}) end as pending from ended e
    )`
}

function params (cut: Cutoffs): unknown[] {
  return [cut.procedures.map((p) => p.procedure), cut.procedures.map((p) => p.cutoff?.toISOString() ?? null),
    cut.default?.toISOString() ?? null, OPEN_STEP_STATES]
}

export class RetentionStore {
  readonly #sql: Sql
  readonly #tables: DossierTables

  constructor (sql: Sql, tables: DossierTables) {
    this.#sql = sql
    this.#tables = tables
  }

  /** Per procedure: ended dossiers, those due, those held by something pending (the dry run). */
  async dueByProcedure (cut: Cutoffs): Promise<DueRow[]> {
    const rows = await this.#sql.unsafe<Array<{ procedure: string, ended: number, due: number, held: number, no_end: number }>>(
      `${endedQuery(this.#tables)}
      select procedure_code as procedure, count(*)::int as ended,
        count(*) filter (where pending = false)::int as due, count(*) filter (where pending)::int as held,
        count(*) filter (where ended_at is null)::int as no_end
      from judged group by procedure_code order by procedure_code`, params(cut) as never[])
    return rows.map((r) => ({ procedure: r.procedure, ended: r.ended, due: r.due, held: r.held, noEnd: r.no_end }))
  }

  /** The run not finished yet, if any, and whether its lease has lapsed. */
  async openRun (): Promise<RunRow | undefined> {
    const [row] = await this.#sql<RunRow[]>`select *, lease_until < now() as lapsed from retention_runs where finished_at is null`
    return row
  }

  /** Takes over a run whose lease lapsed (its process died); false when another process holds it. */
  async takeOver (id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#sql`update retention_runs set lease_owner = ${owner}, lease_until = now() + ${leaseMs} * interval '1 millisecond'
      where id = ${id} and finished_at is null and (lease_until < now() or lease_owner = ${owner}) returning id`
    return rows.length === 1
  }

  /** Extends the lease; false when the run is no longer this process's (taken over, or gone). */
  async renew (id: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#sql`update retention_runs set lease_until = now() + ${leaseMs} * interval '1 millisecond'
      where id = ${id} and lease_owner = ${owner} and finished_at is null returning id`
    return rows.length === 1
  }

  /**
   * Opens a run and registers the dossiers due under `cut`, in one transaction; returns how many.
   * A run already open (another process, or a crashed one not yet taken over) refuses it.
   */
  async createRun (run: { id: string, asOf: Date, policy: Record<string, unknown>, outDir: string, archiveFile: string, owner: string, leaseMs: number }, cut: Cutoffs): Promise<number> {
    try {
      return await this.#sql.begin(async (tx) => {
        await tx`insert into retention_runs (id, started_at, as_of, policy, out_dir, archive_file, lease_owner, lease_until)
          values (${run.id}, now(), ${run.asOf}, ${JSON.stringify(run.policy)}::text::json, ${run.outDir}, ${run.archiveFile}, ${run.owner},
            now() + ${run.leaseMs} * interval '1 millisecond')`
        const result = await tx.unsafe(`${endedQuery(this.#tables)}
          insert into retention_dossiers (run_id, dossier_id, code, procedure_code, status, ended_at)
          select $5, id, code, procedure_code, status, ended_at from judged where pending = false`, [...params(cut), run.id] as never[])
        return result.count
      })
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new RetentionBusyError('another retention run is open (npm run retention waits for it, or takes it over once its lease lapses)')
      throw err
    }
  }

  /** Drops a run and its register (a run that deleted nothing: not archived yet, or nothing due). */
  async dropRun (id: string): Promise<void> {
    await this.#sql`delete from retention_runs where id = ${id} and archived_at is null`
  }

  /** The run's register rows after dossier `after`, by dossier id; `which`: those still to archive or delete, or those deleted. */
  async register (id: string, after: string, limit: number, which: 'all' | 'to-delete' | 'deleted'): Promise<RegisterRow[]> {
    const filter = which === 'all' ? this.#sql`` : which === 'deleted' ? this.#sql`and deleted_at is not null` : this.#sql`and deleted_at is null and skipped is null`
    // ordered by the bigint column (r.dossier_id), not by the text the select gives under the same name
    return await this.#sql<RegisterRow[]>`select r.dossier_id::text as dossier_id, r.code, r.procedure_code, r.status, r.ended_at, r.digest
      from retention_dossiers r where r.run_id = ${id} and r.dossier_id > ${after}::bigint ${filter}
      order by r.dossier_id limit ${limit}`
  }

  /** Records the digests of archived dossiers, and those gone before they could be archived. */
  async archived (id: string, digests: ReadonlyMap<string, Buffer>, gone: readonly string[]): Promise<void> {
    if (digests.size > 0) {
      await this.#sql`update retention_dossiers r set digest = decode(x.digest, 'hex')
        from unnest(${[...digests.keys()]}::bigint[], ${[...digests.values()].map((d) => d.toString('hex'))}::text[]) as x (dossier_id, digest)
        where r.run_id = ${id} and r.dossier_id = x.dossier_id`
    }
    if (gone.length > 0) await this.#sql`update retention_dossiers set skipped = 'gone' where run_id = ${id} and dossier_id = any(${gone as string[]}::bigint[])`
  }

  /** The archive is written, fsynced, read back and signed: from now on the run's dossiers may go. */
  async markArchived (id: string, owner: string, archive: { bytes: number, sha256: Buffer, dossiers: number }): Promise<void> {
    const rows = await this.#sql`update retention_runs set archived_at = now(), archive_bytes = ${archive.bytes}, archive_sha256 = ${archive.sha256},
        dossiers = ${archive.dossiers}
      where id = ${id} and lease_owner = ${owner} returning id`
    if (rows.length !== 1) throw new RetentionBusyError(`retention run ${id} was taken over by another process`)
  }

  async finish (id: string): Promise<void> {
    await this.#sql`update retention_runs set finished_at = now() where id = ${id}`
  }

  /** What a run did: dossiers deleted, skipped because changed, gone before archived. */
  async outcome (id: string): Promise<{ deleted: number, changed: number, gone: number, pending: number }> {
    const [row] = await this.#sql<Array<{ deleted: number, changed: number, gone: number, pending: number }>>`select
        count(*) filter (where deleted_at is not null)::int as deleted,
        count(*) filter (where skipped = 'changed')::int as changed,
        count(*) filter (where skipped = 'gone')::int as gone,
        count(*) filter (where deleted_at is null and skipped is null)::int as pending
      from retention_dossiers where run_id = ${id}`
    return row ?? { deleted: 0, changed: 0, gone: 0, pending: 0 }
  }

  /** Of `codes`, those whose dossier retention deleted, with the run (its archive) that holds it. */
  async deletedCodes (codes: readonly string[]): Promise<Map<string, { run: string, archive: string }>> {
    const rows = await this.#sql<Array<{ code: string, run: string, archive: string }>>`select r.code, r.run_id as run, u.archive_file as archive
      from retention_dossiers r join retention_runs u on u.id = r.run_id
      where r.code = any(${codes as string[]}::text[]) and r.deleted_at is not null`
    return new Map(rows.map((r) => [r.code, { run: r.run, archive: r.archive }]))
  }
}
