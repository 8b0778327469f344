/**
 * The sync to the national public service portal (DVCQG) in the record (migrations/0011_dvcqg_sync.sql):
 * per dossier, how many status changes it has (`wanted`, written by a trigger with each change) and
 * how many DVCQG has (`synced`), the state of the last attempt, and a lease that keeps one sender
 * per dossier (so its messages go in order). Message n is the dossier's n-th status change.
 */
import type { Sql } from 'postgres'
import type { Dossier, HistoryEntry } from '../types/schemas.generated.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { DOSSIER_COLUMNS, dossierOf, type DossierRow } from './dossier-store.ts'
import { nationalFactsColumns, nationalFactsOf, type NationalFacts, type NationalFactsRow } from './national-facts.ts'

export type NationalSyncState = 'pending' | 'retrying' | 'failed' | 'synced'
export const NATIONAL_SYNC_STATES: readonly NationalSyncState[] = ['pending', 'retrying', 'failed', 'synced']

/** Where one dossier's sync stands. */
export interface NationalSyncView {
  code: string
  state: NationalSyncState
  /** status changes of the dossier (sync messages owed in all) */
  changes: number
  /** messages DVCQG has */
  synced: number
  attempts: number
  lastAttemptAt?: string
  lastError?: string
  firstSyncedAt?: string
  syncedAt?: string
  /** owed since */
  since: string
}

/** A status change of a dossier, as its sync message needs it. */
export interface SyncChange {
  /** the message's number: the n-th status change of the dossier (1 = the receipt) */
  sequence: number
  /** the national status code after the change */
  statusCode: number
  /** the due date in force after it, when the change set one */
  dueAt?: string
  entry: HistoryEntry
}

/** What a sync run starts from (`begin`). */
export type SyncRun =
  | { outcome: 'missing' }
  /** another sender holds the dossier's lease */
  | { outcome: 'busy' }
  /** DVCQG has the messages asked for already (through `synced`) */
  | { outcome: 'done', synced: number }
  /** the lease is taken: the messages to send, in order, and what their mapping needs */
  | { outcome: 'run', dossier: Dossier, changes: SyncChange[], history: HistoryEntry[], facts: NationalFacts }

type HistoryRow = [entry: HistoryEntry, from: number | null, to: number | null, dueAt: string | null]

type Row = { code: string, state: NationalSyncState, wanted: number, synced: number, attempts: number, last_attempt_at: Date | null, last_error: string | null, first_synced_at: Date | null, synced_at: Date | null, since: Date }

function view (r: Row): NationalSyncView {
  return {
    code: r.code,
    state: r.state,
    changes: r.wanted,
    synced: r.synced,
    attempts: r.attempts,
    ...(r.last_attempt_at !== null && { lastAttemptAt: toVietnamIso(r.last_attempt_at) }),
    ...(r.last_error !== null && { lastError: r.last_error }),
    ...(r.first_synced_at !== null && { firstSyncedAt: toVietnamIso(r.first_synced_at) }),
    ...(r.synced_at !== null && { syncedAt: toVietnamIso(r.synced_at) }),
    since: toVietnamIso(r.since)
  }
}

export class NationalSyncStore {
  readonly #sql: Sql

  constructor (sql: Sql) {
    this.#sql = sql
  }

  async find (code: string): Promise<NationalSyncView | undefined> {
    const [row] = await this.#sql<Row[]>`
      select d.code, s.state, s.wanted, s.synced, s.attempts, s.last_attempt_at, s.last_error, s.first_synced_at, s.synced_at, s.since
      from national_sync s join dossiers d on d.id = s.dossier_id where d.code = ${code}`
    return row === undefined ? undefined : view(row)
  }

  /** Dossiers in `state` (not 'synced': those are the many), oldest owed first, a page at a time. */
  async list (state: Exclude<NationalSyncState, 'synced'>, offset: number, limit: number): Promise<NationalSyncView[]> {
    const rows = await this.#sql<Row[]>`
      select d.code, s.state, s.wanted, s.synced, s.attempts, s.last_attempt_at, s.last_error, s.first_synced_at, s.synced_at, s.since
      from national_sync s join dossiers d on d.id = s.dossier_id where s.state = ${state}
      order by s.since, s.dossier_id offset ${offset} limit ${limit}`
    return rows.map(view)
  }

  /** How many dossiers are in each state (for /metrics and the admin view). */
  async counts (): Promise<Record<NationalSyncState, number>> {
    const rows = await this.#sql<Array<{ state: NationalSyncState, n: number }>>`
      select state, count(*)::int as n from national_sync group by state`
    const out: Record<NationalSyncState, number> = { pending: 0, retrying: 0, failed: 0, synced: 0 }
    for (const r of rows) out[r.state] = r.n
    return out
  }

  /**
   * Dossiers that owe messages and were not seen queued since `beforeMs` (a change's own path
   * queues its job at once: this is for what a crash or a Redis loss left), least recently seen
   * first, with the number of their last change (the job's "up to").
   */
  async owed (beforeMs: number, limit: number): Promise<Array<{ code: string, wanted: number }>> {
    return await this.#sql<Array<{ code: string, wanted: number }>>`
      select d.code, s.wanted from national_sync s join dossiers d on d.id = s.dossier_id
      where s.synced < s.wanted and s.state <> 'failed' and coalesce(s.queued_at, s.since) <= ${new Date(beforeMs)}
      order by coalesce(s.queued_at, s.since) limit ${limit}`
  }

  /** The relay saw (or put) the dossier's job in the queue. */
  async seen (code: string): Promise<void> {
    await this.#sql`update national_sync s set queued_at = now() from dossiers d where d.id = s.dossier_id and d.code = ${code}`
  }

  /**
   * The start of a sync run, in one statement: when DVCQG lacks a message up to `upTo`, takes the
   * dossier's sender lease for `ms` and reads what the run sends (the dossier, its history, whose
   * status changes synced+1..wanted are the messages, and its payments and registered results).
   * `paidCode`: DuocThanhToanTrucTuyen of a payment made online.
   */
  async begin (code: string, upTo: number, token: string, ms: number, paidCode: 1 | 2): Promise<SyncRun> {
    const sql = this.#sql
    const [row] = await sql<Array<{ wanted: number, synced: number, leased: boolean, history: HistoryRow[] | string | null } & Partial<DossierRow> & NationalFactsRow>>`
      with l as (
        update national_sync s set lease_token = ${token}, lease_until = now() + ${ms} * interval '1 millisecond'
        from dossiers d where d.id = s.dossier_id and d.code = ${code} and s.synced < least(${upTo}::int, s.wanted)
          and (s.lease_token is null or s.lease_until < now() or s.lease_token = ${token})
        returning s.dossier_id, s.synced, s.wanted
      )
      -- the cursor as the lease found it (the update waited for a sender that moved it, and read it
      -- again), not as this statement's snapshot has it
      select coalesce(l.wanted, s.wanted) as wanted, coalesce(l.synced, s.synced) as synced, l.dossier_id is not null as leased, ${sql.unsafe(DOSSIER_COLUMNS)},
        (select json_agg(json_build_array(h.entry, h.status_from, h.status_to, h.due_at_to) order by h.seq)
           from dossier_history h where h.dossier_id = l.dossier_id) as history,
        ${sql.unsafe(nationalFactsColumns('l.dossier_id', 'case when l.dossier_id is not null then d.code end'))}
      from dossiers d join national_sync s on s.dossier_id = d.id left join l on l.dossier_id = d.id
      where d.code = ${code}`
    if (row === undefined) return { outcome: 'missing' }
    if (!row.leased) return row.synced >= Math.min(upTo, row.wanted) ? { outcome: 'done', synced: row.synced } : { outcome: 'busy' }
    const history = (typeof row.history === 'string' ? JSON.parse(row.history) as HistoryRow[] : row.history) ?? []
    const changes: SyncChange[] = []
    let n = 0
    for (const [entry, from, to, dueAt] of history) {
      if (to === null || to === from) continue
      n++
      if (n > row.synced && n <= row.wanted) changes.push({ sequence: n, statusCode: to, ...(dueAt !== null && { dueAt: toVietnamIso(new Date(dueAt)) }), entry })
    }
    return { outcome: 'run', dossier: dossierOf(code, row as DossierRow).dossier, changes, history: history.map((h) => h[0]), facts: nationalFactsOf(row, paidCode) }
  }

  /** Gives the dossier's sender lease back (when `token` still holds it). */
  async release (code: string, token: string): Promise<void> {
    await this.#sql`
      update national_sync s set lease_token = null, lease_until = null
      from dossiers d where d.id = s.dossier_id and d.code = ${code} and s.lease_token = ${token}`
  }

  /**
   * DVCQG has message `sequence` (sent under the lease `token`): the cursor moves, and in the same
   * statement the lease is renewed for `ms` (a long backlog never outlives it: another sender takes
   * over only from a run that stopped renewing) or, after the run's last message (`last`), given
   * back. False when `token` no longer holds the lease (the cursor moves all the same: DVCQG has it).
   */
  async delivered (code: string, sequence: number, at: Date, token: string, ms: number, last: boolean): Promise<boolean> {
    const rows = await this.#sql<Array<{ mine: boolean }>>`
      update national_sync s set
        synced = greatest(s.synced, ${sequence}),
        state = case when greatest(s.synced, ${sequence}) >= s.wanted then 'synced' else 'pending' end,
        attempts = 0, last_error = null, last_attempt_at = ${at},
        first_synced_at = coalesce(s.first_synced_at, ${at}), synced_at = ${at},
        since = case when greatest(s.synced, ${sequence}) >= s.wanted then s.since else ${at} end,
        lease_token = case when s.lease_token = ${token} and ${last}::boolean then null else s.lease_token end,
        lease_until = case when s.lease_token = ${token} then (case when ${last}::boolean then null else now() + ${ms} * interval '1 millisecond' end) else s.lease_until end
      from dossiers d where d.id = s.dossier_id and d.code = ${code}
      returning (${last}::boolean or s.lease_token = ${token}) as mine`
    return rows[0]?.mine === true
  }

  /** An attempt failed: retried later ('retrying') or for good ('failed'); the lease `token` is given back in the same statement. */
  async attemptFailed (code: string, state: 'retrying' | 'failed', attempts: number, error: string, at: Date, token: string): Promise<void> {
    await this.#sql`
      update national_sync s set
        state = case when s.synced < s.wanted then ${state} else s.state end,
        attempts = case when s.synced < s.wanted then ${attempts} else s.attempts end,
        last_error = case when s.synced < s.wanted then ${error.slice(0, 1000)} else s.last_error end,
        last_attempt_at = case when s.synced < s.wanted then ${at}::timestamptz else s.last_attempt_at end,
        lease_token = case when s.lease_token = ${token} then null else s.lease_token end,
        lease_until = case when s.lease_token = ${token} then null else s.lease_until end
      from dossiers d where d.id = s.dossier_id and d.code = ${code}`
  }

  /** An administrator asks for a failed sync again: owed, tried afresh. False when it is not failed. */
  async retry (code: string): Promise<boolean> {
    const rows = await this.#sql`
      update national_sync s set state = 'pending', attempts = 0, queued_at = null
      from dossiers d where d.id = s.dossier_id and d.code = ${code} and s.state = 'failed'
      returning s.dossier_id`
    return rows.length > 0
  }
}
