/**
 * What administrators see and do about the citizen services that failed for good: notices to
 * applicants (SMS, Zalo, e-mail), payment requests the payment platform never created, notices
 * telling an agency that the applicant paid (through its adapter), postal pickup requests the post
 * office never took. Each can be listed (oldest first, with the last
 * error) and retried one at a time: the record makes it owed again (full attempts, the same key at
 * the provider: the notice's key, the payment's reference, "<code>/<step>/payment-<reference>", "<code>/pickup"), then its job is queued
 * (when Redis is away, the relay queues it from the record). A retry of one that has not failed is
 * a 400 naming its state and changes nothing, so a repeated retry never sends twice. Every retry is
 * written to its dossier's audit trail.
 */
import type { AuditStore } from '../store/audit-store.ts'
import type { NoticeRow, NoticeStore } from '../store/notice-store.ts'
import type { Payment } from '../store/payment-store.ts'
import type { Pickup } from '../store/pickup-store.ts'
import type { NoticeChannel } from '../domain/notice.ts'
import type { PaymentService } from './payment-service.ts'
import type { PickupService } from './pickup-service.ts'
import type { Requester } from './admin-service.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { HubValidationError, NoticeNotFoundError, NoticesNotConfiguredError, PaymentsNotConfiguredError, PickupsNotConfiguredError } from '../errors.ts'

export type FailedNotice = { code: string } & Omit<NoticeRow, 'recipient' | 'content'>

export interface CitizenRetryAdminOptions {
  notices: NoticeStore
  /** queues a notice's send job again; absent when notices are not configured */
  requeueNotice?: (code: string, sequence: number, channel: NoticeChannel) => Promise<void>
  payments?: PaymentService
  pickups?: PickupService
  audit: AuditStore
  now?: () => Date
  /** where a queueing failure is told (the relay repairs it) */
  warn: (obj: object, msg: string) => void
}

/** The failed ones of each service, for the metrics. */
export type FailedCounts = { notice: number, payment: number, 'payment-notice': number, pickup: number }

export class CitizenRetryAdmin {
  readonly #o: Required<Omit<CitizenRetryAdminOptions, 'requeueNotice' | 'payments' | 'pickups'>> & Pick<CitizenRetryAdminOptions, 'requeueNotice' | 'payments' | 'pickups'>

  constructor (options: CitizenRetryAdminOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  async #audited (code: string, actor: Requester, note: string, status = 200): Promise<void> {
    await this.#o.audit.append(code, {
      at: toVietnamIso(this.#o.now()),
      client: actor.client.id,
      role: actor.client.role,
      action: 'retry',
      method: actor.method,
      route: actor.route,
      status,
      requestId: actor.requestId,
      note
    })
  }

  /** A refused retry (not failed, not found…) of an item of a known dossier is on its audit trail too, with the status it got. */
  async #refusal<T> (code: string | undefined, actor: Requester, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (err) {
      const status = (err as { statusCode?: unknown }).statusCode
      if (code !== undefined && typeof status === 'number' && status >= 400 && status < 500) {
        const detail = (err as { errors?: Array<{ detail?: string }> }).errors?.[0]?.detail ?? (err as Error).message
        await this.#audited(code, actor, `${what}: refused (${detail.slice(0, 300)})`, status).catch((e: unknown) => { this.#o.warn({ err: e, dossier: code }, 'a refused retry could not be written to the audit trail') })
      }
      throw err
    }
  }

  // ── notices ──────────────────────────────────────────────────────────────────────────────────

  /** Failed notices, without their text and recipient (personal data: the dossier's notice log has them, masked). */
  async failedNotices (offset: number, limit: number): Promise<{ total: number, notices: FailedNotice[] }> {
    if (this.#o.requeueNotice === undefined) throw new NoticesNotConfiguredError()
    const { total, notices } = await this.#o.notices.failed(offset, limit)
    return { total, notices: notices.map(({ recipient: _r, content: _c, ...n }) => n) }
  }

  async retryNotice (code: string, sequence: number, channel: NoticeChannel, actor: Requester): Promise<FailedNotice> {
    const requeue = this.#o.requeueNotice
    if (requeue === undefined) throw new NoticesNotConfiguredError()
    const key = `${code}/${sequence}/${channel}`
    const find = async (): Promise<NoticeRow | undefined> => await this.#o.notices.get(code, sequence, channel)
    const before = await this.#refusal(code, actor, `notice ${key}`, async () => {
      const found = await find()
      if (found === undefined) throw new NoticeNotFoundError(key)
      if (!(await this.#o.notices.retry(code, sequence, channel, this.#o.now()))) {
        throw new HubValidationError([{ parameter: 'channel', detail: `notice ${key} has not failed (it is ${found.state}): only a failed notice is retried` }])
      }
      return found
    })
    await this.#audited(code, actor, `notice ${key} (${before.kind})`)
    await requeue(code, sequence, channel).catch((err: unknown) => { this.#o.warn({ err, notice: key }, 'notice owed again but not queued now; the relay will queue it') })
    const { recipient: _r, content: _c, ...now } = await find() ?? before
    return { code, ...now }
  }

  // ── payment requests ─────────────────────────────────────────────────────────────────────────

  #payments (): PaymentService {
    if (this.#o.payments === undefined) throw new PaymentsNotConfiguredError()
    return this.#o.payments
  }

  async failedPayments (offset: number, limit: number): Promise<{ total: number, payments: Payment[] }> {
    return await this.#payments().failedCreations(offset, limit)
  }

  async retryPayment (reference: string, actor: Requester, onDossier: (code: string) => void = () => {}): Promise<Payment> {
    const service = this.#payments()
    const dossier = (await service.get(reference))?.dossier
    if (dossier !== undefined) onDossier(dossier)
    const p = await this.#refusal(dossier, actor, `payment request ${reference}`, async () => await service.retryCreate(reference))
    await this.#audited(p.dossier, actor, `payment request ${reference} (creation on the payment platform)`)
    return p
  }

  /** Paid payments whose notice to the agency failed for good. */
  async failedPaymentNotices (offset: number, limit: number): Promise<{ total: number, payments: Payment[] }> {
    return await this.#payments().failedNotices(offset, limit)
  }

  async retryPaymentNotice (reference: string, actor: Requester, onDossier: (code: string) => void = () => {}): Promise<Payment> {
    const service = this.#payments()
    const dossier = (await service.get(reference))?.dossier
    if (dossier !== undefined) onDossier(dossier)
    const p = await this.#refusal(dossier, actor, `payment notice ${reference}`, async () => await service.retryNotice(reference))
    await this.#audited(p.dossier, actor, `payment notice ${reference} (to agency ${p.agency}: the applicant paid)`)
    return p
  }

  // ── postal pickups ───────────────────────────────────────────────────────────────────────────

  #pickups (): PickupService {
    if (this.#o.pickups === undefined) throw new PickupsNotConfiguredError()
    return this.#o.pickups
  }

  async failedPickups (offset: number, limit: number): Promise<{ total: number, pickups: Pickup[] }> {
    return await this.#pickups().failed(offset, limit)
  }

  async retryPickup (code: string, actor: Requester): Promise<Pickup> {
    const service = this.#pickups()
    const p = await this.#refusal(code, actor, 'postal pickup request', async () => await service.retry(code))
    await this.#audited(code, actor, 'postal pickup request')
    return p
  }

  /** How many of each failed for good (the metric hub_citizen_services_failed). */
  async failedCounts (): Promise<FailedCounts> {
    const [n, p, pn, k] = await Promise.all([
      this.#o.requeueNotice !== undefined ? this.#o.notices.failed(0, 1) : undefined,
      this.#o.payments?.failedCreations(0, 1),
      this.#o.payments?.failedNotices(0, 1),
      this.#o.pickups?.failed(0, 1)
    ])
    return { notice: n?.total ?? 0, payment: p?.total ?? 0, 'payment-notice': pn?.total ?? 0, pickup: k?.total ?? 0 }
  }
}
