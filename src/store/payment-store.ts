/**
 * Payments in the record (migrations/0008_payments.sql): one row per payment request of a step,
 * its outbox rows (kinds 'payment-create', 'payment-notice': the idempotency key is
 * "pay|<reference>|create" / "pay|<reference>|notice"), and the log of callbacks. Every write
 * that causes a message writes its outbox row in the same statement.
 */
import type { Sql } from 'postgres'
import { pageWithTotal } from './page-with-total.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import type { PaymentLine } from '../../adapters/payment-contract.ts'
import { OutboxRelayRows } from './outbox-relay.ts'

export type PaymentState = 'creating' | 'open' | 'paid' | 'failed' | 'cancelled'
export type PaymentMessage = 'create' | 'notice'
export const PAYMENT_KINDS: Readonly<Record<PaymentMessage, string>> = { create: 'payment-create', notice: 'payment-notice' }
export const paymentOutboxKey = (reference: string, message: PaymentMessage): string => `pay|${reference}|${message}`

export interface NoticeState {
  state: 'pending' | 'delivered' | 'retrying' | 'failed'
  attempts: number
  at?: string
  lastError?: string
}

export interface Payment {
  reference: string
  dossier: string
  step: string
  agency: string
  provider: string
  requestedAt: string
  amount: number
  lines: PaymentLine[]
  note?: string
  noticeReference?: string
  state: PaymentState
  url?: string
  createdAt: string
  expiresAt: string
  openedAt?: string
  paidAt?: string
  transactionNo?: string
  receiptNumber?: string
  bankCode?: string
  attempts: number
  lastError?: string
  remindedAt?: string
  agencyNotice?: NoticeState
}

/** A step waiting for a payment no payment row has been made for yet. */
export interface RequestedPayment {
  code: string
  step: string
  agency: string
  requestedAt: string
  payment: { amount: number, note?: string, reference?: string, lines?: PaymentLine[] }
}

interface Row {
  reference: string,
  code: string,
  step: string,
  agency: string,
  provider: string,
  requested_at: Date,
  amount: string,
  lines: PaymentLine[],
  note: string | null,
  notice_ref: string | null,
  state: PaymentState,
  url: string | null,
  created_at: Date,
  expires_at: Date,
  opened_at: Date | null,
  paid_at: Date | null,
  transaction_no: string | null,
  receipt_no: string | null,
  bank_code: string | null,
  attempts: number,
  last_error: string | null,
  reminded_at: Date | null,
  agency_notice: NoticeState | null
}

const iso = (d: Date | null): string | undefined => d === null ? undefined : toVietnamIso(d)
const json = <T>(v: T | string): T => (typeof v === 'string' ? JSON.parse(v) : v) as T

function fromRow (r: Row): Payment {
  return {
    reference: r.reference,
    dossier: r.code,
    step: r.step,
    agency: r.agency,
    provider: r.provider,
    requestedAt: toVietnamIso(r.requested_at),
    amount: Number(r.amount),
    lines: r.lines,
    ...(r.note !== null && { note: r.note }),
    ...(r.notice_ref !== null && { noticeReference: r.notice_ref }),
    state: r.state,
    ...(r.url !== null && { url: r.url }),
    createdAt: toVietnamIso(r.created_at),
    expiresAt: toVietnamIso(r.expires_at),
    ...(r.opened_at !== null && { openedAt: iso(r.opened_at) }),
    ...(r.paid_at !== null && { paidAt: iso(r.paid_at) }),
    ...(r.transaction_no !== null && { transactionNo: r.transaction_no }),
    ...(r.receipt_no !== null && { receiptNumber: r.receipt_no }),
    ...(r.bank_code !== null && { bankCode: r.bank_code }),
    attempts: r.attempts,
    ...(r.last_error !== null && { lastError: r.last_error }),
    ...(r.reminded_at !== null && { remindedAt: iso(r.reminded_at) }),
    ...(r.agency_notice !== null && { agencyNotice: r.agency_notice })
  } as Payment
}

export interface NewPayment {
  reference: string
  code: string
  step: string
  agency: string
  provider: string
  requestedAt: string
  amount: number
  lines: readonly PaymentLine[]
  note?: string
  noticeReference?: string
  createdAt: string
  expiresAt: string
}

const PENDING_NOTICE = JSON.stringify({ state: 'pending', attempts: 0 } satisfies NoticeState)

export class PaymentStore {
  readonly #sql: Sql
  readonly #relay: OutboxRelayRows
  constructor (sql: Sql) {
    this.#sql = sql
    this.#relay = new OutboxRelayRows(sql, { kinds: [PAYMENT_KINDS.create, PAYMENT_KINDS.notice] })
  }

  /** Steps waiting for a payment (state payment-requested) that have no payment row for their request yet. */
  async requested (code: string | undefined, limit = 500): Promise<RequestedPayment[]> {
    const sql = this.#sql
    const only = code === undefined ? sql`` : sql`and d.code = ${code}`
    const rows = await sql<Array<{ code: string, step: string, agency: string, requested_at: string, payment: RequestedPayment['payment'] | string }>>`
      select d.code, s.step, s.agency, s.detail->>'reportedAt' as requested_at, s.detail->'payment' as payment
      from dossier_steps s join dossiers d on d.id = s.dossier_id
      where s.state = 'payment-requested' and s.detail->'payment' is not null and s.detail->>'reportedAt' is not null
        ${only}
        and not exists (select 1 from payments p where p.dossier_id = s.dossier_id and p.step = s.step
          and p.requested_at = (s.detail->>'reportedAt')::timestamptz)
      limit ${limit}`
    return rows.map((r) => ({ code: r.code, step: r.step, agency: r.agency, requestedAt: r.requested_at, payment: json(r.payment) }))
  }

  /** Stores a new payment and the outbox row that creates it on the platform; undefined when this request has one already. */
  async create (p: NewPayment): Promise<string | undefined> {
    const rows = await this.#sql<Array<{ reference: string }>>`
      with d as (select id from dossiers where code = ${p.code}),
      ins as (
        insert into payments (reference, dossier_id, step, requested_at, agency, provider, amount, lines, note, notice_ref, state, created_at, expires_at)
        select ${p.reference}, d.id, ${p.step}, ${p.requestedAt}::timestamptz, ${p.agency}, ${p.provider}, ${p.amount}, ${JSON.stringify(p.lines)}::text::jsonb,
          ${p.note ?? null}, ${p.noticeReference ?? null}, 'creating', ${p.createdAt}::timestamptz, ${p.expiresAt}::timestamptz from d
        on conflict (dossier_id, step, requested_at) do nothing
        returning reference, dossier_id
      ),
      o as (
        insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at)
        select ${PAYMENT_KINDS.create}, ${`payments.${p.provider}`}, ins.dossier_id, ${p.step}, ${paymentOutboxKey(p.reference, 'create')}, ${p.createdAt}::timestamptz from ins
      )
      select reference from ins`
    return rows[0]?.reference
  }

  async get (reference: string): Promise<Payment | undefined> {
    const [row] = await this.#sql<Row[]>`
      select p.*, d.code from payments p join dossiers d on d.id = p.dossier_id where p.reference = ${reference}`
    return row === undefined ? undefined : fromRow(row)
  }

  async forDossier (code: string): Promise<Payment[]> {
    const rows = await this.#sql<Row[]>`
      select p.*, d.code from payments p join dossiers d on d.id = p.dossier_id where d.code = ${code} order by p.id`
    return rows.map(fromRow)
  }

  /** Payment requests whose creation on the platform failed for good, oldest first, and how many there are. */
  async failedCreations (offset: number, limit: number): Promise<{ total: number, payments: Payment[] }> {
    const { total, rows } = await pageWithTotal<Row>(this.#sql,
      this.#sql`select count(*)::int as hub_total from payments where state = 'failed'`,
      this.#sql`select p.*, d.code, row_number() over (order by p.created_at, p.id) as hub_rank
        from payments p join dossiers d on d.id = p.dossier_id where p.state = 'failed' order by p.created_at, p.id offset ${offset} limit ${limit}`)
    return { total, payments: rows.map(fromRow) }
  }

  /**
   * An administrator asks for a failed creation again: creating, its attempts from 0, valid until
   * `expiresAt` at least, and its outbox row owed again, in one statement. False when it is not failed.
   */
  async retryCreate (reference: string, expiresAt: string): Promise<boolean> {
    const rows = await this.#sql<Array<{ reference: string }>>`
      with u as (
        update payments set state = 'creating', attempts = 0, expires_at = greatest(expires_at, ${expiresAt}::timestamptz)
        where reference = ${reference} and state = 'failed' returning reference
      ),
      o as (
        update outbox set confirmed_at = null, queued_at = null
        where idempotency_key = ${paymentOutboxKey(reference, 'create')} and exists (select 1 from u) returning id
      )
      select reference from u`
    return rows.length > 0
  }

  /** The payment address is known: open, and its create message settled. */
  async opened (reference: string, url: string, attempts: number, at: string): Promise<boolean> {
    const rows = await this.#sql`
      with u as (update payments set state = 'open', url = ${url}, opened_at = ${at}::timestamptz, attempts = ${attempts}, last_error = null
        where reference = ${reference} and state = 'creating' returning reference)
      update outbox set confirmed_at = ${at}::timestamptz where idempotency_key = ${paymentOutboxKey(reference, 'create')} and confirmed_at is null
        and exists (select 1 from u) returning id`
    return rows.length > 0
  }

  /** An attempt to create it failed; `final`: for good (the payment is failed, its message settled). */
  async createFailed (reference: string, attempts: number, error: string, final: boolean, at: string): Promise<void> {
    await this.#sql`
      with u as (update payments set attempts = ${attempts}, last_error = ${error}, state = case when ${final} then 'failed' else state end
        where reference = ${reference} and state = 'creating' returning reference)
      update outbox set confirmed_at = ${at}::timestamptz where ${final} and idempotency_key = ${paymentOutboxKey(reference, 'create')}
        and confirmed_at is null and exists (select 1 from u)`
  }

  /**
   * Paid: the platform's transaction and e-receipt kept, and the outbox row of the agency's notice
   * written, in one statement; false when it was paid already (or cancelled).
   */
  async paid (reference: string, r: { paidAt: string, transactionNo?: string, receiptNumber?: string, bankCode?: string }, at: string): Promise<boolean> {
    const rows = await this.#sql`
      with u as (
        update payments set state = 'paid', paid_at = ${r.paidAt}::timestamptz, transaction_no = ${r.transactionNo ?? null},
          receipt_no = ${r.receiptNumber ?? null}, bank_code = ${r.bankCode ?? null},
          agency_notice = ${PENDING_NOTICE}::text::jsonb
        where reference = ${reference} and state in ('creating', 'open', 'failed') returning dossier_id, step
      )
      insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at)
        select ${PAYMENT_KINDS.notice}, 'payments.notice', u.dossier_id, u.step, ${paymentOutboxKey(reference, 'notice')}, ${at}::timestamptz from u
      returning id`
    return rows.length > 0
  }

  /** A payment attempt the platform reports as failed (the payment stays open). */
  async attemptRefused (reference: string, error: string): Promise<void> {
    await this.#sql`update payments set last_error = ${error} where reference = ${reference} and state = 'open'`
  }

  /** How telling the agency went; a delivered or failed notice settles its outbox row. */
  async agencyNotice (reference: string, notice: NoticeState): Promise<void> {
    const settled = notice.state === 'delivered' || notice.state === 'failed'
    await this.#sql`
      with u as (update payments set agency_notice = ${JSON.stringify(notice)}::text::jsonb where reference = ${reference} returning reference)
      update outbox set confirmed_at = now() where ${settled} and idempotency_key = ${paymentOutboxKey(reference, 'notice')}
        and confirmed_at is null and exists (select 1 from u)`
  }

  /** Paid payments whose notice to the agency failed for good, oldest payment first, and how many there are. */
  async failedNotices (offset: number, limit: number): Promise<{ total: number, payments: Payment[] }> {
    const { total, rows } = await pageWithTotal<Row>(this.#sql,
      this.#sql`select count(*)::int as hub_total from payments where agency_notice->>'state' = 'failed'`,
      this.#sql`select p.*, d.code, row_number() over (order by p.paid_at, p.id) as hub_rank from payments p join dossiers d on d.id = p.dossier_id
        where p.agency_notice->>'state' = 'failed' order by p.paid_at, p.id offset ${offset} limit ${limit}`)
    return { total, payments: rows.map(fromRow) }
  }

  /**
   * An administrator asks for a failed agency notice again: pending, its attempts from 0, and its
   * outbox row owed again, in one statement. False when the notice has not failed.
   */
  async retryNotice (reference: string): Promise<boolean> {
    const rows = await this.#sql<Array<{ reference: string }>>`
      with u as (
        update payments set agency_notice = ${PENDING_NOTICE}::text::jsonb
        where reference = ${reference} and state = 'paid' and agency_notice->>'state' = 'failed' returning reference
      ),
      o as (
        update outbox set confirmed_at = null, queued_at = null
        where idempotency_key = ${paymentOutboxKey(reference, 'notice')} and exists (select 1 from u) returning id
      )
      select reference from u`
    return rows.length > 0
  }

  /** Open payments whose address went out at `beforeMs` or earlier and were not reminded of yet. */
  async dueForReminder (beforeMs: number, limit = 500): Promise<string[]> {
    const rows = await this.#sql<Array<{ reference: string }>>`
      select reference from payments where state = 'open' and reminded_at is null and opened_at <= ${new Date(beforeMs)}
      order by opened_at limit ${limit}`
    return rows.map((r) => r.reference)
  }

  /** Marks the reminder sent; false when another run did it first. */
  async reminded (reference: string, at: string): Promise<boolean> {
    const rows = await this.#sql`update payments set reminded_at = ${at}::timestamptz where reference = ${reference} and state = 'open' and reminded_at is null returning id`
    return rows.length > 0
  }

  /** Unconfirmed payment messages written or last seen at `beforeMs` or earlier (the relay). */
  async outboxDue (beforeMs: number, limit = 500): Promise<Array<{ reference: string, message: PaymentMessage }>> {
    return (await this.#relay.due(beforeMs, limit)).flatMap((key) => {
      const m = /^pay\|([A-Za-z0-9]+)\|(create|notice)$/.exec(key)
      return m === null ? [] : [{ reference: m[1] as string, message: m[2] as PaymentMessage }]
    })
  }

  /** The relay queued these messages: looked at again a grace period later. One statement. */
  async outboxSeen (messages: ReadonlyArray<{ reference: string, message: PaymentMessage }>): Promise<void> {
    await this.#relay.seen(messages.map((m) => paymentOutboxKey(m.reference, m.message)))
  }

  async outboxConfirm (reference: string, message: PaymentMessage): Promise<void> {
    await this.#relay.confirm([paymentOutboxKey(reference, message)])
  }

  /** One line of the callbacks' trail. */
  async logCallback (e: { at: string, provider: string, reference?: string, outcome: string, status: number, detail?: string }): Promise<void> {
    await this.#sql`insert into payment_callbacks (at, provider, reference, outcome, status, detail)
      values (${e.at}::timestamptz, ${e.provider}, ${e.reference ?? null}, ${e.outcome}, ${e.status}, ${e.detail ?? null})`
  }
}
