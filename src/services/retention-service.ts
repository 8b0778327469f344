/**
 * Retention of closed dossiers (thời hạn lưu trữ): `npm run retention` (scripts/retention.ts).
 *
 *   report(asOf)  the dry run: per procedure, its rule and how many ended dossiers are due, held
 *                 by something pending, or without an end time. Changes nothing.
 *   apply(out)    first finishes or abandons a run a crash left open, then:
 *                 1. start: registers the dossiers due now (retention_dossiers), in one statement;
 *                 2. archive: writes them to one gzip'd JSON-lines file (store/retention-rows.ts
 *                    reads their rows), fsyncs it, reads it back from the disk, writes the signed
 *                    manifest, checks it as `--verify` would, and only then marks the run archived;
 *                 3. delete: batch by batch, each dossier whose rows still hash to what the archive
 *                    holds (store/retention-delete.ts), then their rows in the tables without a
 *                    foreign key, many dossiers per scan; then the run is finished.
 *
 * Safe to rerun at any point: a run not yet archived deleted nothing, and is abandoned (its files
 * removed, its register dropped) and started afresh; a run archived but not finished is finished
 * (its archive checked against the SHA-256 recorded first: the dossiers are only deleted while
 * their archive is there, whole); a dossier deleted is not selected again. One process works on a
 * run at a time (a lease renewed every batch; a lapsed lease is a dead process, taken over).
 */
import { randomBytes, createPublicKey, type KeyObject } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import type { Sql } from 'postgres'
import { cutoffs, describePolicy, ruleFor, type RetentionPolicy, type RetentionRule } from '../domain/retention.ts'
import { ARCHIVE_TYPE, manifestText, signManifest, type RetentionManifest } from '../domain/retention-manifest.ts'
import { publicKeyId } from '../domain/audit-checkpoint.ts'
import { dossierTables, type DossierTables } from '../store/retention-tables.ts'
import { fixRowText, readLooseRows, readRecords, recordDigest, deleteLooseRows, type TableRows } from '../store/retention-rows.ts'
import { RetentionBusyError, RetentionStore, type DueRow, type RegisterRow, type RunRow } from '../store/retention-store.ts'
import { deleteArchivedBatch } from '../store/retention-delete.ts'
import { archiveNames, namesBeside, removeRunFiles, sha256File, sortKeys, writeArchiveFile, writeDurable } from './retention-archive.ts'
import { verifyArchive } from './retention-verify.ts'

export { RetentionBusyError }

/** A run cannot go on safely (its archive is missing or changed, or did not read back whole). */
export class RetentionError extends Error {
  override name = 'RetentionError'
}

export interface RetentionOptions {
  sql: Sql
  policy: RetentionPolicy
  /** the hub's Ed25519 key (settings.audit.signingKey): signs the manifests */
  signingKey: KeyObject
  /** dossiers per transaction, reading for the archive and deleting (default 500) */
  batch?: number
  /** dossiers per scan of a table without a foreign key (default 50 000): each is one pass over the table */
  scanBatch?: number
  /** how long a run is this process's without a renewal (default 5 minutes) */
  leaseMs?: number
  /** progress lines */
  log?: (line: string) => void
}

export interface ReportRow extends DueRow {
  rule: RetentionRule
}

export interface RetentionReport {
  asOf: Date
  configured: boolean
  rows: ReportRow[]
  due: number
  held: number
  /** a run a crash left open (the next --apply finishes or abandons it) */
  open?: { id: string, archived: boolean }
}

export interface RunOutcome {
  run: string
  /** the archive's path */
  archive: string
  dossiers: number
  deleted: number
  /** archived, but changed before they could be deleted: still in the record */
  changed: number
  /** gone from the record before they could be archived or deleted */
  gone: number
  /** rows deleted from the tables without a foreign key, by table */
  looseRows: Record<string, number>
}

export interface ApplyResult {
  /** a run a crash left archived: finished now */
  resumed?: RunOutcome
  /** a run a crash left before its archive was complete: dropped (it deleted nothing) */
  abandoned?: string
  /** this invocation's run; none when nothing was due */
  run?: RunOutcome
}

/** 2026-03-01T02:03:04.567Z → 20260301T020304Z */
const compactTime = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')

const add = (into: Record<string, number>, key: string, n: number): void => { into[key] = (into[key] ?? 0) + n }

function dossierLine (r: RegisterRow, tables: readonly TableRows[]): string {
  const parts = tables.filter(([, rows]) => rows.length > 0).map(([table, rows]) => `${JSON.stringify(table)}:[${rows.join(',')}]`)
  return `{"kind":"dossier","id":${r.dossier_id},"code":${JSON.stringify(r.code)},"procedure":${JSON.stringify(r.procedure_code)},` +
    `"status":${r.status},"endedAt":${JSON.stringify(r.ended_at.toISOString())},"tables":{${parts.join(',')}}}\n`
}

export class RetentionService {
  readonly #sql: Sql
  readonly #policy: RetentionPolicy
  readonly #key: KeyObject
  readonly #batch: number
  readonly #scanBatch: number
  readonly #leaseMs: number
  readonly #owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  readonly #log: (line: string) => void
  #tables: Promise<DossierTables> | undefined

  constructor (o: RetentionOptions) {
    this.#sql = o.sql
    this.#policy = o.policy
    this.#key = o.signingKey
    this.#batch = o.batch ?? 500
    this.#scanBatch = Math.max(o.scanBatch ?? 50_000, this.#batch)
    this.#leaseMs = o.leaseMs ?? 300_000
    this.#log = o.log ?? (() => {})
  }

  /**
   * Renews the run's lease in the background while a long step runs (reading a large archive back
   * takes minutes), so another invocation does not take a live run for a dead one. Every batch
   * still checks the lease itself: a run taken over meanwhile stops at the next batch.
   */
  #heartbeat (store: RetentionStore, id: string, owner: string): () => void {
    const timer = setInterval(() => { store.renew(id, owner, this.#leaseMs).catch(() => {}) }, Math.max(1000, this.#leaseMs / 3))
    timer.unref()
    return () => { clearInterval(timer) }
  }

  /** The tables of a dossier's rows, from the catalogue, checked once (store/retention-tables.ts). */
  async #store (): Promise<{ tables: DossierTables, store: RetentionStore }> {
    this.#tables ??= dossierTables(this.#sql)
    const tables = await this.#tables
    return { tables, store: new RetentionStore(this.#sql, tables) }
  }

  /** The dry run: what --apply would archive and delete at `asOf`. */
  async report (asOf: Date): Promise<RetentionReport> {
    const { store } = await this.#store()
    const rows = (await store.dueByProcedure(cutoffs(this.#policy, asOf))).map((r) => ({ ...r, rule: ruleFor(this.#policy, r.procedure) }))
    const open = await store.openRun()
    return {
      asOf,
      configured: this.#policy.configured,
      rows,
      due: rows.reduce((n, r) => n + r.due, 0),
      held: rows.reduce((n, r) => n + r.held, 0),
      ...(open !== undefined && { open: { id: open.id, archived: open.archived_at !== null } })
    }
  }

  /** Finishes or abandons a run left open by a crash, then archives and deletes what is due now into `outDir`. */
  async apply (outDir: string, asOf = new Date()): Promise<ApplyResult> {
    const result: ApplyResult = { ...await this.resumeOpen() }
    const run = await this.start(outDir, asOf)
    if (run === undefined) return result
    await this.archive(run)
    result.run = await this.deleteRun(run)
    return result
  }

  /** A run a crash left open: finished when archived, dropped (with its files) when not. */
  async resumeOpen (): Promise<Pick<ApplyResult, 'resumed' | 'abandoned'>> {
    const { store } = await this.#store()
    const open = await store.openRun()
    if (open === undefined) return {}
    if (!await store.takeOver(open.id, this.#owner, this.#leaseMs)) {
      throw new RetentionBusyError(`retention run ${open.id} is being worked on by ${open.lease_owner} (lease until ${open.lease_until.toISOString()}); try again later`)
    }
    const run = { ...open, lease_owner: this.#owner }
    if (open.archived_at === null) {
      await removeRunFiles(open.out_dir, namesBeside(open.archive_file))
      await store.dropRun(open.id)
      this.#log(`run ${open.id} had not finished its archive: nothing of it was deleted; dropped it and its files`)
      return { abandoned: open.id }
    }
    this.#log(`run ${open.id} was archived but not finished: finishing it`)
    return { resumed: await this.deleteRun(run) }
  }

  /** Opens a run and registers the dossiers due at `asOf`; undefined when none is. */
  async start (outDir: string, asOf: Date): Promise<RunRow | undefined> {
    const { store } = await this.#store()
    const dir = resolve(outDir)
    await mkdir(dir, { recursive: true })
    const id = `${compactTime(asOf)}-${randomBytes(2).toString('hex')}`
    const names = archiveNames(id)
    const selected = await store.createRun({ id, asOf, policy: describePolicy(this.#policy), outDir: dir, archiveFile: names.archive, owner: this.#owner, leaseMs: this.#leaseMs },
      cutoffs(this.#policy, asOf))
    if (selected === 0) {
      await store.dropRun(id)
      this.#log('nothing is due')
      return undefined
    }
    this.#log(`run ${id}: ${selected} dossiers due`)
    const run = await store.openRun()
    if (run?.id !== id) throw new RetentionBusyError(`retention run ${id} was taken over by another process`)
    return run
  }

  /**
   * Writes the run's archive, reads it back, writes and checks the signed manifest, then marks the
   * run archived. Records each dossier's digest on the way.
   */
  async archive (run: RunRow): Promise<RetentionManifest> {
    const { tables, store } = await this.#store()
    const path = join(run.out_dir, run.archive_file)
    const byProcedure: Record<string, number> = {}
    const rows: Record<string, number> = {}
    let dossiers = 0
    const createdAt = new Date()
    const header = {
      kind: 'header',
      type: ARCHIVE_TYPE,
      version: 1,
      run: run.id,
      createdAt: createdAt.toISOString(),
      asOf: run.as_of.toISOString(),
      policy: run.policy,
      tables: {
        record: ['dossiers', ...tables.children.map((t) => t.table), 'audit_trails', ...tables.auditChildren.map((t) => t.table)],
        loose: tables.loose.map((t) => t.table)
      },
      restore: 'each dossier line\'s tables, in their order: insert into <table> (<its rows\' columns>) overriding system value select <those columns> from json_populate_recordset(null::<table>, <its rows>); a column added since takes its default (docs/operations.md)'
    }
    const sql = this.#sql
    const batch = this.#batch
    const scanBatch = this.#scanBatch
    const owner = run.lease_owner
    const leaseMs = this.#leaseMs
    async function * chunks (): AsyncGenerator<string> {
      yield `${JSON.stringify(header)}\n`
      let after = '0'
      for (;;) {
        const scan = await store.register(run.id, after, scanBatch, 'all')
        const last = scan.at(-1)
        if (last === undefined) break
        after = last.dossier_id
        const loose = await readLooseRows(sql, tables, scan.map((r) => r.dossier_id))
        for (let i = 0; i < scan.length; i += batch) {
          if (!await store.renew(run.id, owner, leaseMs)) throw new RetentionBusyError(`retention run ${run.id} was taken over by another process`)
          const part = scan.slice(i, i + batch)
          // one snapshot for the batch: a dossier's rows as of one instant
          const records = await sql.begin('isolation level repeatable read read only', async (tx) => {
            await fixRowText(tx)
            return await readRecords(tx, tables, part.map((r) => r.dossier_id), false)
          })
          const digests = new Map<string, Buffer>()
          const gone: string[] = []
          let text = ''
          for (const r of part) {
            const record = records.get(r.dossier_id)
            if (record === undefined) {
              gone.push(r.dossier_id)
              continue
            }
            digests.set(r.dossier_id, recordDigest(record))
            const all = [...record.tables, ...(loose.get(r.dossier_id) ?? [])]
            for (const [table, list] of all) add(rows, table, list.length)
            add(byProcedure, r.procedure_code, 1)
            dossiers++
            text += dossierLine(r, all)
          }
          await store.archived(run.id, digests, gone)
          yield text
        }
      }
      yield `${JSON.stringify({ kind: 'end', run: run.id, dossiers, rows: sortKeys(rows) })}\n`
    }
    const stop = this.#heartbeat(store, run.id, owner)
    try {
      return await this.#writeAndCheck(run, path, chunks(), createdAt, () => ({ dossiers, byProcedure, rows }))
    } finally {
      stop()
    }
  }

  /** Writes the archive, its manifest and signature, reads them back, and marks the run archived. */
  async #writeAndCheck (run: RunRow, path: string, chunks: AsyncIterable<string>, createdAt: Date,
    counted: () => { dossiers: number, byProcedure: Record<string, number>, rows: Record<string, number> }): Promise<RetentionManifest> {
    const { store } = await this.#store()
    const written = await writeArchiveFile(path, chunks)
    const { dossiers, byProcedure, rows } = counted()
    const manifest: RetentionManifest = {
      type: 'lienthong-hub/retention-manifest',
      version: 1,
      run: run.id,
      createdAt: createdAt.toISOString(),
      asOf: run.as_of.toISOString(),
      archive: { file: run.archive_file, bytes: written.bytes, sha256: written.sha256.toString('hex') },
      dossiers,
      byProcedure: sortKeys(byProcedure),
      rows: sortKeys(rows),
      policy: run.policy,
      signer: { algorithm: 'Ed25519', keyId: publicKeyId(this.#key) }
    }
    const names = namesBeside(run.archive_file)
    const text = manifestText(manifest)
    await writeDurable(join(run.out_dir, names.manifest), text)
    await writeDurable(join(run.out_dir, names.signature), signManifest(text, this.#key))
    // read everything back from the disk, as --verify does: the rows go only if this holds
    const check = await verifyArchive(path, createPublicKey(this.#key))
    if (!check.valid) throw new RetentionError(`the archive of run ${run.id} did not read back whole; nothing was deleted: ${check.problems.join('; ')}`)
    await store.markArchived(run.id, run.lease_owner, { bytes: written.bytes, sha256: written.sha256, dossiers })
    this.#log(`run ${run.id}: archived ${dossiers} dossiers to ${path} (${written.bytes} bytes, sha256 ${manifest.archive.sha256})`)
    return manifest
  }

  /**
   * Deletes an archived run's dossiers, batch by batch, then their rows in the tables without a
   * foreign key, and finishes the run. `maxBatches`: stop after that many batches (the run stays
   * open; the next call goes on), to spread a large run over several windows.
   */
  async deleteRun (run: RunRow, maxBatches = Infinity): Promise<RunOutcome> {
    const { store } = await this.#store()
    const stop = this.#heartbeat(store, run.id, run.lease_owner)
    try {
      return await this.#deleteRun(run, maxBatches)
    } finally {
      stop()
    }
  }

  async #deleteRun (run: RunRow, maxBatches: number): Promise<RunOutcome> {
    const { tables, store } = await this.#store()
    const path = join(run.out_dir, run.archive_file)
    if (run.archived_at === null || run.archive_sha256 === null) {
      const fresh = await store.openRun()
      if (fresh?.id !== run.id || fresh.archived_at === null || fresh.archive_sha256 === null) throw new RetentionError(`retention run ${run.id} is not archived: nothing of it may be deleted`)
      run = { ...fresh, lease_owner: run.lease_owner }
    }
    const disk = await sha256File(path).catch(() => undefined)
    if (disk === undefined || !disk.sha256.equals(run.archive_sha256 as Buffer)) {
      throw new RetentionError(`the archive of run ${run.id} is ${disk === undefined ? 'not' : 'no longer the file written'} at ${path}: its dossiers are not deleted until it is back there, whole`)
    }
    const lease = { id: run.id, owner: run.lease_owner, leaseMs: this.#leaseMs }
    let after = '0'
    let batches = 0
    for (;;) {
      const batch = await store.register(run.id, after, this.#batch, 'to-delete')
      const last = batch.at(-1)
      if (last === undefined) break
      if (batches >= maxBatches) return { ...await this.#outcome(store, run, path), looseRows: {} }
      after = last.dossier_id
      const done = await deleteArchivedBatch(this.#sql, tables, lease, batch)
      batches++
      if (done.changed > 0) this.#log(`run ${run.id}: ${done.changed} dossiers changed after they were archived; they stay`)
    }
    // their rows in the tables without a foreign key: idempotent, so a rerun after a crash here does them all again
    const looseRows: Record<string, number> = {}
    after = '0'
    for (;;) {
      const chunk = await store.register(run.id, after, this.#scanBatch, 'deleted')
      const last = chunk.at(-1)
      if (last === undefined) break
      after = last.dossier_id
      if (!await store.renew(run.id, run.lease_owner, this.#leaseMs)) throw new RetentionBusyError(`retention run ${run.id} was taken over by another process`)
      for (const [table, n] of Object.entries(await deleteLooseRows(this.#sql, tables, chunk.map((r) => r.dossier_id)))) add(looseRows, table, n)
    }
    await store.finish(run.id)
    const outcome = { ...await this.#outcome(store, run, path), looseRows }
    this.#log(`run ${run.id}: deleted ${outcome.deleted} dossiers` + (outcome.changed > 0 ? `, ${outcome.changed} kept (changed after they were archived)` : ''))
    return outcome
  }

  async #outcome (store: RetentionStore, run: RunRow, path: string): Promise<Omit<RunOutcome, 'looseRows'>> {
    const o = await store.outcome(run.id)
    return { run: run.id, archive: path, dossiers: run.dossiers ?? 0, deleted: o.deleted, changed: o.changed, gone: o.gone }
  }
}
