/**
 * Postal pickups in the record (migrations/0008_payments.sql, table postal_pickups): one per dossier
 * the post office is asked to collect, with its outbox row (kind 'postal-pickup', idempotency key
 * "pickup|<dossier code>") written in the same statement, the collection (its time becomes the
 * dossier's receipt time), the hand-over, the postage.
 */
import type { Sql } from 'postgres'
import { pageWithTotal } from './page-with-total.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { OutboxRelayRows } from './outbox-relay.ts'

export type PickupState = 'requested' | 'ordered' | 'collected' | 'handed-over' | 'failed' | 'cancelled'
export const PICKUP_KIND = 'postal-pickup'
export const PICKUP_CANCEL_KIND = 'postal-pickup-cancel'
export const pickupOutboxKey = (code: string, cancel = false): string => cancel ? `pickup|${code}|cancel` : `pickup|${code}`

export interface Pickup {
  dossier: string
  agency: string
  state: PickupState
  address: Record<string, unknown>
  provincePaysPostage: boolean
  requestedAt: string
  itemCode?: string
  collectedAt?: string
  handedOverAt?: string
  postage?: number
  attempts: number
  lastError?: string
}

interface Row { code: string, agency: string, state: PickupState, address: Record<string, unknown>, province_pays: boolean, requested_at: Date, item_code: string | null, collected_at: Date | null, handed_over_at: Date | null, postage: string | null, attempts: number, last_error: string | null }

const fromRow = (r: Row): Pickup => ({
  dossier: r.code,
  agency: r.agency,
  state: r.state,
  address: r.address,
  provincePaysPostage: r.province_pays,
  requestedAt: toVietnamIso(r.requested_at),
  ...(r.item_code !== null && { itemCode: r.item_code }),
  ...(r.collected_at !== null && { collectedAt: toVietnamIso(r.collected_at) }),
  ...(r.handed_over_at !== null && { handedOverAt: toVietnamIso(r.handed_over_at) }),
  ...(r.postage !== null && { postage: Number(r.postage) }),
  attempts: r.attempts,
  ...(r.last_error !== null && { lastError: r.last_error })
})

export class PickupStore {
  readonly #sql: Sql
  readonly #relay: OutboxRelayRows
  constructor (sql: Sql) {
    this.#sql = sql
    this.#relay = new OutboxRelayRows(sql, { kinds: [PICKUP_KIND, PICKUP_CANCEL_KIND] })
  }

  /** New (1) postal dossiers that ask for a pickup and have no pickup row yet (a crash between intake and the request). */
  async requested (limit = 500): Promise<string[]> {
    const sql = this.#sql
    const rows = await sql<Array<{ code: string }>>`
      select d.code from dossiers d
      where d.status = 1 and d.channel = 3 and d.doc->'pickup' is not null
        and not exists (select 1 from postal_pickups p where p.dossier_id = d.id)
      order by d.id limit ${limit}`
    return rows.map((r) => r.code)
  }

  /** The pickup row and its outbox row; false when the dossier has one already. */
  async create (code: string, agency: string, address: unknown, provincePays: boolean, at: string): Promise<boolean> {
    const rows = await this.#sql`
      with d as (select id from dossiers where code = ${code}),
      ins as (
        insert into postal_pickups (dossier_id, agency, state, address, province_pays, requested_at)
        select d.id, ${agency}, 'requested', ${JSON.stringify(address)}::text::jsonb, ${provincePays}, ${at}::timestamptz from d
        on conflict (dossier_id) do nothing returning dossier_id
      )
      insert into outbox (kind, destination, dossier_id, idempotency_key, created_at)
        select ${PICKUP_KIND}, ${agency}, ins.dossier_id, ${pickupOutboxKey(code)}, ${at}::timestamptz from ins
      returning id`
    return rows.length > 0
  }

  async get (code: string): Promise<Pickup | undefined> {
    const [row] = await this.#sql<Row[]>`select p.*, d.code from postal_pickups p join dossiers d on d.id = p.dossier_id where d.code = ${code}`
    return row === undefined ? undefined : fromRow(row)
  }

  /** The post office took the order (its tracking number): the outbox row settled. */
  async ordered (code: string, itemCode: string | undefined, attempts: number): Promise<void> {
    await this.#sql`
      with u as (update postal_pickups p set state = 'ordered', item_code = coalesce(${itemCode ?? null}, p.item_code), attempts = ${attempts}, last_error = null
        from dossiers d where d.id = p.dossier_id and d.code = ${code} and p.state = 'requested' returning p.dossier_id)
      update outbox set confirmed_at = now() where idempotency_key = ${pickupOutboxKey(code)} and confirmed_at is null`
  }

  async attemptFailed (code: string, attempts: number, error: string, final: boolean): Promise<void> {
    await this.#sql`
      with u as (update postal_pickups p set attempts = ${attempts}, last_error = ${error}, state = case when ${final} then 'failed' else p.state end
        from dossiers d where d.id = p.dossier_id and d.code = ${code} and p.state = 'requested' returning p.dossier_id)
      update outbox set confirmed_at = now() where ${final} and idempotency_key = ${pickupOutboxKey(code)} and confirmed_at is null and exists (select 1 from u)`
  }

  /** Collected: the pickup and the dossier's receipt time (received_at) in one statement. */
  async collected (code: string, at: string, itemCode: string, postage: number | undefined): Promise<void> {
    await this.#sql`
      with u as (update postal_pickups p set state = 'collected', collected_at = ${at}::timestamptz, item_code = ${itemCode},
          postage = coalesce(${postage ?? null}::bigint, p.postage)
        from dossiers d where d.id = p.dossier_id and d.code = ${code} and p.state in ('requested', 'ordered', 'failed') returning p.dossier_id)
      update dossiers d set received_at = ${at}::timestamptz from u where d.id = u.dossier_id`
  }

  async handedOver (code: string, at: string): Promise<void> {
    await this.#sql`update postal_pickups p set state = 'handed-over', handed_over_at = ${at}::timestamptz
      from dossiers d where d.id = p.dossier_id and d.code = ${code} and p.state = 'collected'`
  }

  async notCollected (code: string, reason: string): Promise<void> {
    await this.#sql`update postal_pickups p set state = 'failed', last_error = ${reason}
      from dossiers d where d.id = p.dossier_id and d.code = ${code} and p.state in ('requested', 'ordered')`
  }

  /** Pickup requests that failed for good, oldest first, and how many there are (`notCollected`: the post office's own report that it could not collect them, or the hub's failure to order them). */
  async failed (offset: number, limit: number): Promise<{ total: number, pickups: Pickup[] }> {
    const { total, rows } = await pageWithTotal<Row>(this.#sql,
      this.#sql`select count(*)::int as hub_total from postal_pickups where state = 'failed'`,
      this.#sql`select p.*, d.code, row_number() over (order by p.requested_at, p.dossier_id) as hub_rank
        from postal_pickups p join dossiers d on d.id = p.dossier_id where p.state = 'failed' order by p.requested_at, p.dossier_id offset ${offset} limit ${limit}`)
    return { total, pickups: rows.map(fromRow) }
  }

  /**
   * An administrator asks for a failed pickup request again: requested, its attempts from 0, its
   * outbox row owed again, in one statement. Only a request the post office never took (no item
   * code): one it took and reported not collected needs a new order. False otherwise.
   */
  async retry (code: string): Promise<boolean> {
    const rows = await this.#sql<Array<{ id: string }>>`
      with u as (
        update postal_pickups p set state = 'requested', attempts = 0
        from dossiers d where d.id = p.dossier_id and d.code = ${code} and p.state = 'failed' and p.item_code is null returning p.dossier_id
      ),
      o as (
        update outbox set confirmed_at = null, queued_at = null
        where idempotency_key = ${pickupOutboxKey(code)} and exists (select 1 from u) returning id
      )
      select dossier_id::text as id from u`
    return rows.length > 0
  }

  async outboxDue (beforeMs: number, limit = 500): Promise<Array<{ code: string, cancel: boolean }>> {
    return (await this.#relay.due(beforeMs, limit)).map((key) => ({ code: key.replace(/^pickup\|/, '').replace(/\|cancel$/, ''), cancel: key.endsWith('|cancel') }))
  }

  /** The relay queued these messages: looked at again a grace period later. One statement. */
  async outboxSeen (messages: ReadonlyArray<{ code: string, cancel: boolean }>): Promise<void> {
    await this.#relay.seen(messages.map((m) => pickupOutboxKey(m.code, m.cancel)))
  }

  async outboxConfirm (code: string, cancel = false): Promise<void> {
    await this.#relay.confirm([pickupOutboxKey(code, cancel)])
  }

  /**
   * The dossier was withdrawn: a pickup not yet collected is cancelled, with the outbox row of the
   * cancellation to the post office when the order reached it (and the request's row settled).
   * 'ordered': a cancellation to send; 'cancelled': nothing was sent yet; undefined: nothing to cancel.
   */
  async cancel (code: string, at: string): Promise<'ordered' | 'cancelled' | undefined> {
    const [row] = await this.#sql<Array<{ before: PickupState }>>`
      with p as (select p.dossier_id, p.state from postal_pickups p join dossiers d on d.id = p.dossier_id
                 where d.code = ${code} and p.state in ('requested', 'ordered') for update of p),
      u as (update postal_pickups x set state = 'cancelled' from p where x.dossier_id = p.dossier_id returning p.state as before, x.dossier_id, x.agency),
      c as (update outbox set confirmed_at = ${at}::timestamptz where idempotency_key = ${pickupOutboxKey(code)} and confirmed_at is null),
      o as (insert into outbox (kind, destination, dossier_id, idempotency_key, created_at)
            select ${PICKUP_CANCEL_KIND}, u.agency, u.dossier_id, ${pickupOutboxKey(code, true)}, ${at}::timestamptz from u where u.before = 'ordered'
            on conflict (idempotency_key) do nothing)
      select before from u`
    return row === undefined ? undefined : row.before === 'ordered' ? 'ordered' : 'cancelled'
  }

  /** Withdrawn dossiers whose pickup is still requested or ordered (a crash between the withdrawal and its cancellation). */
  async toCancel (limit = 500): Promise<string[]> {
    const rows = await this.#sql<Array<{ code: string }>>`
      select d.code from postal_pickups p join dossiers d on d.id = p.dossier_id
      where d.status = 7 and p.state in ('requested', 'ordered') limit ${limit}`
    return rows.map((r) => r.code)
  }

  /** The post office has the cancellation (or it will not be sent). */
  async cancelSent (code: string, attempts: number, error?: string): Promise<void> {
    await this.#sql`
      with u as (update postal_pickups p set attempts = ${attempts}, last_error = ${error ?? null}
        from dossiers d where d.id = p.dossier_id and d.code = ${code} returning p.dossier_id)
      update outbox set confirmed_at = now() where idempotency_key = ${pickupOutboxKey(code, true)} and confirmed_at is null`
  }

  /** Postage per month (Vietnam time) of the collections in [from, to) — what the province pays when it pays. */
  async postage (from: Date, to: Date): Promise<Array<{ month: string, pickups: number, postage: number, paidByProvince: number }>> {
    const rows = await this.#sql<Array<{ month: string, pickups: number, postage: string, province: string }>>`
      select to_char(collected_at at time zone 'Asia/Ho_Chi_Minh', 'YYYY-MM') as month, count(*)::int as pickups,
        coalesce(sum(postage), 0)::text as postage, coalesce(sum(postage) filter (where province_pays), 0)::text as province
      from postal_pickups where collected_at >= ${from} and collected_at < ${to}
      group by 1 order by 1`
    return rows.map((r) => ({ month: r.month, pickups: r.pickups, postage: Number(r.postage), paidByProvince: Number(r.province) }))
  }
}
