/**
 * Notices to the applicant in the record (migrations/0007_notices.sql): the pending notifications
 * (the notice outbox, written by a trigger in the change's own transaction), one row per notice
 * and channel with its state, every attempt, and the monthly counts per channel.
 *
 * The monthly counts are of notices, each counted once by its final state in the (Vietnam) month
 * it reached it: `sent` (the provider accepted it: what the province is billed for, with its SMS
 * `segments`) or `failed`. Attempts the provider refused or never answered are not messages it
 * bills (a repeat carries the same request id, which the providers drop), so they are not counted;
 * a failed notice an administrator retries leaves the failed count of its month and is counted
 * again when it settles.
 */
import type { Sql } from 'postgres'
import { pageWithTotal } from './page-with-total.ts'
import type { NoticeChannel, NoticeKind } from '../domain/notice.ts'
import { VIETNAM_OFFSET_MS, toVietnamIso } from '../domain/vietnam-time.ts'
import { monthOf } from '../domain/months.ts'

export type NoticeState = 'queued' | 'waiting' | 'retrying' | 'sent' | 'failed' | 'skipped'
export const SETTLED: readonly NoticeState[] = ['sent', 'failed', 'skipped']

/** A notice as the dossier's log shows it. */
export interface NoticeRow {
  sequence: number
  channel: NoticeChannel
  kind: NoticeKind
  state: NoticeState
  recipient?: string
  content?: string
  segments?: number
  attempts: number
  providerId?: string
  error?: string
  notBefore?: string
  createdAt: string
  updatedAt: string
}

export interface NoticeAttempt {
  at: string
  sequence: number
  channel: NoticeChannel
  attempt: number
  outcome: 'sent' | 'retrying' | 'failed' | 'waiting'
  status?: number
  providerId?: string
  error?: string
}

/** What the planner decided for one channel. */
export interface PlannedNotice {
  channel: NoticeChannel
  kind: NoticeKind
  state: 'queued' | 'skipped'
  recipient?: string
  error?: string
}

export interface MonthlyCount {
  month: string
  channel: NoticeChannel
  sent: number
  failed: number
  segments: number
}

/** The first day of the Vietnam month of an instant (yyyy-mm-01). */
export const vietnamMonth = (at: Date): string => `${monthOf(at)}-01`

interface Row {
  seq: number
  channel: NoticeChannel
  kind: NoticeKind
  state: NoticeState
  recipient: string | null
  content: string | null
  segments: number | null
  attempts: number
  provider_id: string | null
  error: string | null
  not_before: Date | null
  created_at: Date
  updated_at: Date
}

const rowOf = (r: Row): NoticeRow => ({
  sequence: r.seq,
  channel: r.channel,
  kind: r.kind,
  state: r.state,
  ...(r.recipient !== null && { recipient: r.recipient }),
  ...(r.content !== null && { content: r.content }),
  ...(r.segments !== null && { segments: r.segments }),
  attempts: r.attempts,
  ...(r.provider_id !== null && { providerId: r.provider_id }),
  ...(r.error !== null && { error: r.error }),
  ...(r.not_before !== null && { notBefore: toVietnamIso(r.not_before) }),
  createdAt: toVietnamIso(r.created_at),
  updatedAt: toVietnamIso(r.updated_at)
})

export class NoticeStore {
  readonly #sql: Sql

  constructor (sql: Sql) {
    this.#sql = sql
  }

  /**
   * The notice switch (migration 0007) says whether the record's notifications become pending
   * notices (the trigger). It is for the whole record, so the processes that send notices turn it
   * on (a process with a notices config, at start-up) and nothing turns it off: a process without a
   * notices config (an API process, a tool, a hub being set up) leaves it as it is, since another
   * process may be sending the notices it would otherwise lose. A record no process with notices
   * ever started on has it off: no outbox fills up that nobody drains. Turning notices off for good
   * is an operator's act once no process has them (docs/notices.md, "Turning notices off").
   */
  async enable (): Promise<void> {
    await this.#sql`insert into notice_switch (id, enabled) values (true, true) on conflict (id) do update set enabled = true where not notice_switch.enabled`
  }

  /** Whether notifications become pending notices now. */
  async enabled (): Promise<boolean> {
    const [row] = await this.#sql<Array<{ enabled: boolean }>>`select enabled from notice_switch`
    return row?.enabled === true
  }

  /** Notifications not yet planned, pending since `before` or earlier. */
  async pending (before: Date, limit: number): Promise<Array<{ code: string, sequence: number }>> {
    const rows = await this.#sql<Array<{ code: string, seq: number }>>`
      select d.code, p.seq from notice_pending p join dossiers d on d.id = p.dossier_id
      where p.since <= ${before} order by p.since limit ${limit}`
    return rows.map((r) => ({ code: r.code, sequence: r.seq }))
  }

  /** Notices that failed for good, oldest first, and how many there are. */
  async failed (offset: number, limit: number): Promise<{ total: number, notices: Array<{ code: string } & NoticeRow> }> {
    const { total, rows } = await pageWithTotal<Row & { code: string }>(this.#sql,
      this.#sql`select count(*)::int as hub_total from notices where state = 'failed'`,
      this.#sql`select d.code, n.*, row_number() over (order by n.updated_at, n.dossier_id, n.seq, n.channel) as hub_rank
        from notices n join dossiers d on d.id = n.dossier_id where n.state = 'failed'
        order by n.updated_at, n.dossier_id, n.seq, n.channel offset ${offset} limit ${limit}`)
    return { total, notices: rows.map((r) => ({ code: r.code, ...rowOf(r) })) }
  }

  /**
   * An administrator asks for a failed notice again: queued, its attempts from 0, and taken off the
   * failed count of the month it failed in (its updated_at until now), in one statement: a notice
   * counts once, by its final state (record() counts it again when it settles). False when it is not failed.
   */
  async retry (code: string, sequence: number, channel: NoticeChannel, at: Date): Promise<boolean> {
    const rows = await this.#sql`
      with upd as (
        update notices n set state = 'queued', attempts = 0, not_before = null, updated_at = ${at}
        from dossiers d, notices o
        where d.id = n.dossier_id and d.code = ${code} and n.seq = ${sequence} and n.channel = ${channel} and n.state = 'failed'
          and o.dossier_id = n.dossier_id and o.seq = n.seq and o.channel = n.channel
        returning n.seq, n.channel, o.updated_at as failed_at
      ),
      cnt as (
        update notice_counts c set failed = c.failed - 1 from upd
        where c.month = date_trunc('month', (upd.failed_at at time zone 'UTC') + ${`${VIETNAM_OFFSET_MS} milliseconds`}::interval)::date
          and c.channel = upd.channel and c.failed > 0
      )
      select seq from upd`
    return rows.length > 0
  }

  /** Stores the plan of one notification (a row per channel; a repeat changes nothing) and takes it off the pending list: one statement. */
  async plan (code: string, sequence: number, planned: readonly PlannedNotice[], at: Date): Promise<void> {
    const rows = planned.map((p) => ({ channel: p.channel, kind: p.kind, state: p.state, recipient: p.recipient ?? null, error: p.error ?? null }))
    await this.#sql`
      with d as (select id from dossiers where code = ${code}),
      ins as (
        insert into notices (dossier_id, seq, channel, kind, state, recipient, error, created_at, updated_at)
        select d.id, ${sequence}, x.channel, x.kind, x.state, x.recipient, x.error, ${at}, ${at}
        from d, json_to_recordset(${JSON.stringify(rows)}::text::json) as x(channel text, kind text, state text, recipient text, error text)
        on conflict do nothing
      )
      delete from notice_pending p using d where p.dossier_id = d.id and p.seq = ${sequence}`
  }

  async get (code: string, sequence: number, channel: NoticeChannel): Promise<NoticeRow | undefined> {
    const [row] = await this.#sql<Row[]>`
      select n.* from notices n join dossiers d on d.id = n.dossier_id where d.code = ${code} and n.seq = ${sequence} and n.channel = ${channel}`
    return row === undefined ? undefined : rowOf(row)
  }

  /** Notices not settled, touched last at `before` or earlier (the relay's list). */
  async open (before: Date, limit: number): Promise<Array<{ code: string, sequence: number, channel: NoticeChannel, state: NoticeState, notBefore?: Date }>> {
    const rows = await this.#sql<Array<{ code: string, seq: number, channel: NoticeChannel, state: NoticeState, not_before: Date | null }>>`
      select d.code, n.seq, n.channel, n.state, n.not_before from notices n join dossiers d on d.id = n.dossier_id
      where n.state in ('queued', 'waiting', 'retrying') and n.updated_at <= ${before} order by n.updated_at limit ${limit}`
    return rows.map((r) => ({ code: r.code, sequence: r.seq, channel: r.channel, state: r.state, ...(r.not_before !== null && { notBefore: r.not_before }) }))
  }

  /** Stamps an open notice as seen (queued) by the relay, so it looks at others first. */
  async touch (code: string, sequence: number, channel: NoticeChannel, at: Date): Promise<void> {
    await this.#sql`update notices n set updated_at = ${at} from dossiers d
      where d.id = n.dossier_id and d.code = ${code} and n.seq = ${sequence} and n.channel = ${channel} and n.state in ('queued', 'waiting', 'retrying')`
  }

  /**
   * Records one attempt and the notice's new state, and counts a settled one in its month: one
   * statement. Only an open notice moves (a repeat of a settled one changes nothing): false then.
   */
  async record (code: string, sequence: number, channel: NoticeChannel, o: {
    at: Date
    state: 'waiting' | 'retrying' | 'sent' | 'failed'
    attempt: number
    content?: string
    segments?: number
    providerId?: string
    status?: number
    error?: string
    notBefore?: Date
  }): Promise<boolean> {
    const sent = o.state === 'sent' ? 1 : 0
    const failed = o.state === 'failed' ? 1 : 0
    const rows = await this.#sql`
      with d as (select id from dossiers where code = ${code}),
      upd as (
        update notices n set state = ${o.state}, attempts = greatest(n.attempts, ${o.attempt}), updated_at = ${o.at},
          content = coalesce(${o.content ?? null}, n.content), segments = coalesce(${o.segments ?? null}::smallint, n.segments),
          provider_id = coalesce(${o.providerId ?? null}, n.provider_id), error = ${o.error ?? null}, not_before = ${o.notBefore ?? null}
        from d where n.dossier_id = d.id and n.seq = ${sequence} and n.channel = ${channel} and n.state in ('queued', 'waiting', 'retrying')
        returning n.dossier_id
      ),
      log as (
        insert into notice_attempts (dossier_id, at, seq, channel, attempt, outcome, http_status, provider_id, error)
        select dossier_id, ${o.at}, ${sequence}, ${channel}, ${o.attempt}, ${o.state}, ${o.status ?? null}, ${o.providerId ?? null}, ${o.error ?? null} from upd
      ),
      cnt as (
        insert into notice_counts (month, channel, sent, failed, segments)
        select ${vietnamMonth(o.at)}::date, ${channel}, ${sent}, ${failed}, ${sent === 1 ? (o.segments ?? 1) : 0} from upd where ${sent + failed} > 0
        on conflict (month, channel) do update set sent = notice_counts.sent + excluded.sent, failed = notice_counts.failed + excluded.failed,
          segments = notice_counts.segments + excluded.segments
      )
      select 1 from upd`
    return rows.length > 0
  }

  /** The dossier's notices (by notification, then channel) and their attempts, oldest first. */
  async log (code: string): Promise<{ notices: NoticeRow[], attempts: NoticeAttempt[] }> {
    const sql = this.#sql
    const notices = await sql<Row[]>`
      select n.* from notices n join dossiers d on d.id = n.dossier_id where d.code = ${code} order by n.seq, n.channel`
    const attempts = await sql<Array<{ at: Date, seq: number, channel: NoticeChannel, attempt: number, outcome: NoticeAttempt['outcome'], http_status: number | null, provider_id: string | null, error: string | null }>>`
      select * from (
        select a.id, a.at, a.seq, a.channel, a.attempt, a.outcome, a.http_status, a.provider_id, a.error
        from notice_attempts a join dossiers d on d.id = a.dossier_id where d.code = ${code} order by a.id desc limit 500
      ) last order by id`
    return {
      notices: notices.map(rowOf),
      attempts: attempts.map((a) => ({
        at: toVietnamIso(a.at),
        sequence: a.seq,
        channel: a.channel,
        attempt: a.attempt,
        outcome: a.outcome,
        ...(a.http_status !== null && { status: a.http_status }),
        ...(a.provider_id !== null && { providerId: a.provider_id }),
        ...(a.error !== null && { error: a.error })
      }))
    }
  }

  /** Messages per month and channel, from `fromMonth` to `toMonth` (yyyy-mm-01), oldest first. */
  async monthly (fromMonth: string, toMonth: string): Promise<MonthlyCount[]> {
    const rows = await this.#sql<Array<{ month: string, channel: NoticeChannel, sent: number, failed: number, segments: number }>>`
      select to_char(month, 'YYYY-MM') as month, channel, sent, failed, segments from notice_counts
      where month between ${fromMonth}::date and ${toMonth}::date order by month, channel`
    return rows.map((r) => ({ month: r.month, channel: r.channel, sent: r.sent, failed: r.failed, segments: r.segments }))
  }
}
