/**
 * Online payment (thanh toán trực tuyến): when an agency asks for fees (a payment-requested report,
 * status 6), the hub creates a payment request on the payment platform and gives the applicant the
 * payment address (a webhook notification, event payment-address, with `payment: { url, amount }`);
 * the platform calls back with the signed result; the hub records the payment and its electronic
 * receipt, resumes the dossier (the step goes back to processing, the clock restarts: the due date
 * moves by the paused time) and tells the agency through its adapter. Unpaid after
 * payments.remindAfterHours: one reminder (event payment-reminder); then the agency decides
 * (it may report processing, rejected…).
 *
 * Nothing lost, nothing twice: the payment row and its outbox row are written in one statement;
 * BullMQ jobs (queue `payments`, jobIds "create/<ref>", "notice/<ref>") are the fast path and the
 * relay (relay()) queues again what the record still owes. A payment request stored with a report
 * but whose payment row a crash kept from being written is found from the record by open() on every
 * relay run (steps waiting for a payment without one). The resume is received once by the event id
 * "payment <reference>"; the callback is received once by the payment's state (a replay changes nothing).
 */
import type { Logger } from 'pino'
import { STALE, compareAndSet } from '../store/compare-and-set.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { Payment, PaymentMessage, PaymentStore } from '../store/payment-store.ts'
import type { JobOutcome } from '../queues/payment-queue.ts'
import type { LifecycleService } from './lifecycle-service.ts'
import type { ResolvedAgency, ResolvedPayments, ResolvedProcedure } from '../config/hub-config.ts'
import type { CallbackOutcome, PaymentResult } from '../../adapters/payment-contract.ts'
import { AdapterMappingError, type OutboundRequest } from '../../adapters/contract.ts'
import { GatewayRefusal, NativeOutputError, type AdapterGateway } from '../gateway/adapter-gateway.ts'
import { CallbackSignatureError, type PaymentGateway } from '../gateway/payment-gateway.ts'
import type { HistoryEntry } from '../types/schemas.generated.ts'
import { judgeCallback, newPaymentReference, paymentLines, reminderDue, stepAfterPayment } from '../domain/payment.ts'
import { changeStatus } from '../domain/lifecycle.ts'
import { statusFromRouting, type Routing } from '../domain/routing.ts'
import { STATUSES, type DossierStatus } from '../domain/status.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { DeliveryError, type AgencyHttpClient } from '../delivery/http-client.ts'
import { BusyError, HubValidationError, PaymentAmountError, PaymentConflictError, PaymentMerchantError, PaymentNotFoundError, PaymentProviderError, PaymentSignatureError } from '../errors.ts'

export interface PaymentJob {
  message: PaymentMessage
  reference: string
}

export interface PaymentServiceOptions {
  payments: PaymentStore
  store: DossierStore
  lifecycle: LifecycleService
  settings: ResolvedPayments
  /** the payment platform's gateway: its adapter's native messages, validated, signed, verified */
  gateway: PaymentGateway
  agencies: ReadonlyMap<string, ResolvedAgency>
  /** the agencies' adapter gateways, by adapter name: the payment notice is mapped and checked against the adapter's native payment schema */
  gateways: ReadonlyMap<string, AdapterGateway>
  procedures: ReadonlyMap<string, ResolvedProcedure>
  /** queues payment jobs (the fast path; the relay repairs) */
  enqueue: (jobs: readonly PaymentJob[]) => Promise<void>
  log: Logger
  now?: () => Date
}

/** What a callback did, for the answer to the platform. */
export interface CallbackAnswer {
  /** the body the platform expects (VNPay: RspCode, Message) */
  ack: Record<string, string>
  reference: string
  dossier: string
  state: Payment['state']
  /** false: nothing changed (a replay, or an attempt the platform reports failed) */
  changed: boolean
  paid: boolean
  receiptNumber?: string
  status?: DossierStatus
  statusCode?: number
  dueAt?: string
}

export type AttemptOutcome = JobOutcome

export class PaymentService {
  readonly #o: Required<PaymentServiceOptions>

  constructor (options: PaymentServiceOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  get provider (): string { return this.#o.settings.provider }

  /**
   * Payment rows (and their outbox rows) for the steps of `code` (all dossiers when undefined) that
   * wait for a payment without one; their creation queued. Amount 0: nothing to collect online.
   */
  async open (code?: string): Promise<string[]> {
    const { payments, settings, log } = this.#o
    const made: string[] = []
    for (const r of await payments.requested(code)) {
      if (r.payment.amount <= 0) continue
      const at = this.#o.now()
      const reference = await payments.create({
        reference: newPaymentReference(at),
        code: r.code,
        step: r.step,
        agency: r.agency,
        provider: settings.provider,
        requestedAt: r.requestedAt,
        amount: r.payment.amount,
        lines: paymentLines(r.payment),
        ...(r.payment.note !== undefined && { note: r.payment.note }),
        ...(r.payment.reference !== undefined && { noticeReference: r.payment.reference }),
        createdAt: toVietnamIso(at),
        expiresAt: toVietnamIso(new Date(at.getTime() + settings.expireMs))
      })
      if (reference !== undefined) made.push(reference)
    }
    if (made.length > 0) {
      log.info({ dossier: code, payments: made }, 'payment requests stored')
      await this.#o.enqueue(made.map((reference) => ({ message: 'create', reference }))).catch((err: unknown) => {
        log.warn({ err, payments: made }, 'payment requests stored but not queued now; the relay will queue them')
      })
    }
    return made
  }

  /** Attempt `attempt` of `max` to create payment `reference` on the platform and tell the portal its address. */
  async create (reference: string, attempt: number, max: number, http: AgencyHttpClient): Promise<AttemptOutcome> {
    const { payments, gateway, settings, log } = this.#o
    const p = await payments.get(reference)
    if (p === undefined) return { outcome: 'failed', error: `no payment ${reference}` }
    if (p.state !== 'creating') {
      await payments.outboxConfirm(reference, 'create')
      return { outcome: 'done' }
    }
    const at = toVietnamIso(this.#o.now())
    let error: DeliveryError
    try {
      const req = gateway.create({
        reference,
        dossierCode: p.dossier,
        amount: p.amount,
        lines: p.lines,
        description: `Nop phi le phi ho so ${p.dossier}${p.noticeReference !== undefined ? ` thong bao ${p.noticeReference}` : ''}`,
        createdAt: p.createdAt,
        expiresAt: p.expiresAt
      }, { merchantCode: settings.merchantCode, secret: settings.secret, ...(settings.returnUrl !== undefined && { returnUrl: settings.returnUrl }) })
      const res = await http.send(req, { endpoint: settings.endpoint, timeoutMs: settings.timeoutMs, idempotencyKey: `payment/${reference}` })
      const { url } = gateway.address(res)
      if (await payments.opened(reference, url, attempt, at)) {
        log.info({ dossier: p.dossier, payment: reference }, 'payment address created')
        await this.#tellAddress(p, url)
      }
      return { outcome: 'done' }
    } catch (err) {
      error = err instanceof DeliveryError ? err : new DeliveryError(err instanceof AdapterMappingError || err instanceof NativeOutputError ? err.message : `payment request failed: ${(err as Error).message}`, false)
    }
    const final = !error.retryable || attempt >= max
    await payments.createFailed(reference, attempt, error.message, final, at)
    log.warn({ dossier: p.dossier, payment: reference, err: error.message, final }, 'payment request not created')
    return final ? { outcome: 'failed', error: error.message } : { outcome: 'retry', error: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) }
  }

  /** A notification without a status change, carrying the payment (address, amount), while the dossier still waits for it. */
  async #tellAddress (p: Payment, url: string, event: 'payment-address' | 'payment-reminder' = 'payment-address'): Promise<boolean> {
    return await compareAndSet(async () => {
      const found = await this.#o.store.getForUpdate(p.dossier)
      if (found === undefined || found.status !== 'payment-requested' || found.routing[p.step]?.state !== 'payment-requested') return false
      const at = this.#o.now()
      const r = await this.#o.lifecycle.commit(found, {
        head: found.head,
        notification: {
          event,
          actor: { kind: 'hub', id: 'payments' },
          note: event === 'payment-address' ? `Thanh toán trực tuyến ${p.amount} đồng: ${url}` : `Nhắc nộp phí: ${p.amount} đồng chưa được thanh toán`,
          extra: { payment: { url, amount: p.amount, reference: p.reference, step: p.step, expiresAt: p.expiresAt } }
        },
        at
      })
      return r.outcome === 'ok' ? true : r.outcome === 'seen' ? false : STALE
    }, () => { throw new BusyError(p.dossier) })
  }

  /**
   * The platform's signed result. Refusals change nothing: an unknown provider (404), a body that
   * is not the platform's format (400), a bad signature (401), another merchant (400), an unknown
   * payment (404), a wrong amount (400), a different result for a paid payment (409). A replay of
   * the result that paid it answers 200 and changes nothing.
   * `onDossier` learns the payment's dossier as soon as it is known (for its audit trail).
   */
  async callback (provider: string, params: Record<string, unknown>, onDossier: (code: string) => void = () => {}): Promise<CallbackAnswer> {
    const { payments, gateway, settings, log } = this.#o
    const at = toVietnamIso(this.#o.now())
    const refuse = async (err: Error & { statusCode?: number }, reference?: string): Promise<never> => {
      await payments.logCallback({ at, provider, ...(reference !== undefined && { reference }), outcome: (err as { code?: string }).code ?? 'refused', status: err.statusCode ?? 400, detail: err.message.slice(0, 500) })
      log.warn({ provider, payment: reference, err: err.message }, 'payment result refused')
      throw err
    }
    if (provider !== settings.provider) return await refuse(new PaymentProviderError(provider, settings.provider))
    const reference = gateway.claimedReference(params)
    const known = reference !== undefined ? await payments.get(reference) : undefined
    if (known !== undefined) onDossier(known.dossier)
    let result: PaymentResult
    try {
      result = gateway.callback(params, settings.secret)
    } catch (err) {
      if (err instanceof GatewayRefusal) return await refuse(new HubValidationError(err.problems, err.title), reference)
      if (err instanceof CallbackSignatureError) return await refuse(new PaymentSignatureError(err.message), reference)
      throw err
    }
    if (result.merchantCode !== settings.merchantCode) return await refuse(new PaymentMerchantError(result.merchantCode, settings.merchantCode), reference)
    if (known === undefined) return await refuse(new PaymentNotFoundError(result.reference), result.reference)
    const judged = judgeCallback(known, result)
    const answer = (p: Payment, changed: boolean, ack: CallbackOutcome, extra: Partial<CallbackAnswer> = {}): CallbackAnswer => ({
      ack: gateway.acknowledge(ack),
      reference: p.reference,
      dossier: p.dossier,
      state: p.state,
      changed,
      paid: p.state === 'paid',
      ...(p.receiptNumber !== undefined && { receiptNumber: p.receiptNumber }),
      ...extra
    })
    switch (judged.outcome) {
      case 'wrong-amount': return await refuse(new PaymentAmountError(known.reference, judged.detail), known.reference)
      case 'conflict':
      case 'not-payable': return await refuse(new PaymentConflictError(known.reference, judged.detail), known.reference)
      case 'replay':
        await payments.logCallback({ at, provider, reference: known.reference, outcome: 'replay', status: 200 })
        return answer(known, false, 'already-confirmed')
      case 'refused-attempt':
        await payments.attemptRefused(known.reference, judged.detail)
        await payments.logCallback({ at, provider, reference: known.reference, outcome: 'attempt-failed', status: 200, detail: judged.detail })
        return answer(known, false, 'confirmed')
      case 'pay': break
    }
    const resumed = await this.#resume(known, result)
    const paidAt = result.paidAt ?? at
    const first = await payments.paid(known.reference, { paidAt, ...(result.transactionNo !== undefined && { transactionNo: result.transactionNo }), ...(result.receiptNumber !== undefined && { receiptNumber: result.receiptNumber }), ...(result.bankCode !== undefined && { bankCode: result.bankCode }) }, at)
    await payments.logCallback({ at, provider, reference: known.reference, outcome: first ? 'paid' : 'replay', status: 200 })
    if (first) {
      log.info({ dossier: known.dossier, payment: known.reference, step: known.step, status: resumed.status }, 'payment received')
      await this.#o.enqueue([{ message: 'notice', reference: known.reference }]).catch((err: unknown) => {
        log.warn({ err, payment: known.reference }, 'payment notice stored but not queued now; the relay will queue it')
      })
    }
    const now = await payments.get(known.reference) ?? known
    return answer(now, first, first ? 'confirmed' : 'already-confirmed', { ...(resumed.status !== undefined && { status: resumed.status, statusCode: STATUSES[resumed.status].code }), ...(resumed.dueAt !== undefined && { dueAt: resumed.dueAt }) })
  }

  /** The step that asked goes back to processing (once: event id "payment <reference>"); the clock restarts. */
  async #resume (p: Payment, result: PaymentResult): Promise<{ status?: DossierStatus, dueAt?: string }> {
    const eventId = `payment ${p.reference}`
    return await compareAndSet(async () => {
      const found = await this.#o.store.getForUpdate(p.dossier)
      if (found === undefined) return {}
      const at = this.#o.now()
      const atIso = toVietnamIso(at)
      const note = `Đã thanh toán trực tuyến ${p.amount} đồng${result.receiptNumber !== undefined ? `, biên lai điện tử số ${result.receiptNumber}` : ''}`
      const step = stepAfterPayment(found.routing[p.step], p.requestedAt, atIso, note)
      const routing: Routing = step === undefined ? {} : { [p.step]: step }
      const status = step === undefined ? found.status : statusFromRouting({ ...found.routing, ...routing }, found.status)
      const head = changeStatus(this.#o.lifecycle.calendar, found.head, status, at)
      const actor = { kind: 'hub' as const, id: `payments.${this.provider}` }
      const history: HistoryEntry = {
        at: atIso,
        type: 'payment-received',
        actor,
        step: p.step,
        applied: step !== undefined,
        note,
        paymentReference: p.reference,
        ...(result.receiptNumber !== undefined && { receiptNumber: result.receiptNumber }),
        ...(status !== found.status && { statusFrom: found.status, statusTo: status }),
        ...(head.dueAt !== found.head.dueAt && { ...(found.head.dueAt !== undefined && { dueAtFrom: found.head.dueAt }), ...(head.dueAt !== undefined && { dueAtTo: head.dueAt }) })
      }
      const r = await this.#o.lifecycle.commit(found, {
        head,
        routing,
        history: [history],
        eventId,
        answer: JSON.stringify({ status }),
        ...(status !== found.status && { notification: { event: 'status-changed' as const, actor, note } }),
        at
      })
      if (r.outcome === 'stale') return STALE
      if (r.outcome === 'seen') {
        const fresh = await this.#o.store.getForUpdate(p.dossier)
        return fresh === undefined ? {} : { status: fresh.status, ...(fresh.head.dueAt !== undefined && { dueAt: fresh.head.dueAt }) }
      }
      return { status, ...(head.dueAt !== undefined && { dueAt: head.dueAt }) }
    }, () => { throw new BusyError(p.dossier) })
  }

  /** Attempt `attempt` of `max` to tell the step's agency that the applicant paid (through its adapter). */
  async notice (reference: string, attempt: number, max: number, http: AgencyHttpClient): Promise<AttemptOutcome> {
    const { payments, agencies, gateways, procedures, log } = this.#o
    const p = await payments.get(reference)
    if (p === undefined || p.state !== 'paid') {
      await payments.outboxConfirm(reference, 'notice')
      return { outcome: 'failed', error: `payment ${reference} is not paid` }
    }
    if (p.agencyNotice?.state === 'delivered') {
      await payments.outboxConfirm(reference, 'notice')
      return { outcome: 'done' }
    }
    const at = toVietnamIso(this.#o.now())
    let error: DeliveryError
    try {
      const agency = agencies.get(p.agency)
      const gateway = agency === undefined ? undefined : gateways.get(agency.adapter)
      if (agency === undefined || gateway === undefined) throw new DeliveryError(`agency ${p.agency} is not in the hub config any more`, false)
      const found = await this.#o.store.getForUpdate(p.dossier)
      const step = found?.routing[p.step]
      const idempotencyKey = `${p.dossier}/${p.step}/payment-${reference}`
      const req: OutboundRequest = gateway.payment({
        dossierCode: p.dossier,
        step: p.step,
        ...(step?.agencyReference !== undefined && { agencyReference: step.agencyReference }),
        reference,
        ...(p.noticeReference !== undefined && { noticeReference: p.noticeReference }),
        amount: p.amount,
        lines: p.lines,
        provider: p.provider,
        ...(p.transactionNo !== undefined && { transactionNo: p.transactionNo }),
        ...(p.receiptNumber !== undefined && { receiptNumber: p.receiptNumber }),
        paidAt: p.paidAt ?? at
      }, {
        agencyId: agency.id,
        idempotencyKey,
        dataSchema: procedures.get(found?.dossier.procedure.code ?? '')?.dataSchema ?? '',
        step: { id: p.step, stage: step?.stage ?? 0, lead: step?.lead === true, ...(step?.task !== undefined && { task: step.task }) },
        ...(agency.code !== undefined && { agencyCode: agency.code })
      })
      const res = await http.send(req, {
        endpoint: agency.endpoint,
        timeoutMs: agency.timeoutMs,
        idempotencyKey,
        ...(agency.auth !== undefined && { auth: agency.auth }),
        ...(agency.tls !== undefined && { tls: { agencyId: agency.id, options: agency.tls } })
      })
      await payments.agencyNotice(reference, { state: 'delivered', attempts: attempt, at })
      log.info({ dossier: p.dossier, payment: reference, agency: p.agency, status: res.status }, 'agency told of the payment')
      return { outcome: 'done' }
    } catch (err) {
      error = err instanceof DeliveryError
        ? err
        : new DeliveryError(`the payment notice cannot be built${err instanceof AdapterMappingError || err instanceof NativeOutputError ? '' : ' (unexpected)'}: ${(err as Error).message}`, false)
    }
    const final = !error.retryable || attempt >= max
    await payments.agencyNotice(reference, { state: final ? 'failed' : 'retrying', attempts: attempt, at, lastError: error.message })
    return final ? { outcome: 'failed', error: error.message } : { outcome: 'retry', error: error.message, ...(error.retryAfterMs !== undefined && { retryAfterMs: error.retryAfterMs }) }
  }

  /** One reminder for each payment open for longer than remindAfterHours (a payment-reminder notification). */
  async remind (): Promise<number> {
    const { payments, settings } = this.#o
    const now = this.#o.now()
    let sent = 0
    for (const reference of await payments.dueForReminder(now.getTime() - settings.remindAfterMs)) {
      const p = await payments.get(reference)
      if (p?.url === undefined || p.openedAt === undefined || !reminderDue(p.openedAt, settings.remindAfterMs, now)) continue
      if (!await payments.reminded(reference, toVietnamIso(now))) continue
      if (await this.#tellAddress(p, p.url, 'payment-reminder')) sent++
    }
    if (sent > 0) this.#o.log.info({ reminders: sent }, 'payment reminders sent')
    return sent
  }

  /** The relay: payment requests the record owes (steps without their payment row), and payment messages not confirmed, queued again. */
  async relay (graceMs: number): Promise<{ opened: number, requeued: number }> {
    const opened = (await this.open()).length
    const due = await this.#o.payments.outboxDue(this.#o.now().getTime() - graceMs)
    if (due.length > 0) {
      await this.#o.enqueue(due.map((d) => ({ message: d.message, reference: d.reference })))
      await this.#o.payments.outboxSeen(due)
    }
    return { opened, requeued: due.length }
  }

  /** Payment requests whose creation on the platform failed for good (administrators), oldest first. */
  async failedCreations (offset: number, limit: number): Promise<{ total: number, payments: Payment[] }> {
    return await this.#o.payments.failedCreations(offset, limit)
  }

  /**
   * A failed creation tried again (an administrator): full attempts, valid for payments.expireMinutes
   * from now at least, the same reference and so the same Idempotency-Key at the platform. Only a
   * failed one whose step still waits for it; anything else is a 400 naming its state.
   */
  async retryCreate (reference: string): Promise<Payment> {
    const { payments, store, settings, log } = this.#o
    const p = await payments.get(reference)
    if (p === undefined) throw new PaymentNotFoundError(reference)
    const refuse = (detail: string): never => { throw new HubValidationError([{ parameter: 'reference', detail }]) }
    if (p.state !== 'failed') refuse(`payment ${reference} has not failed (it is ${p.state}): only a failed creation is retried`)
    const step = (await store.getForUpdate(p.dossier))?.routing[p.step]
    if (step?.state !== 'payment-requested') refuse(`step ${p.step} of dossier ${p.dossier} no longer waits for a payment (it is ${step?.state ?? 'gone'}): nothing to collect`)
    const expiresAt = toVietnamIso(new Date(this.#o.now().getTime() + settings.expireMs))
    if (!(await payments.retryCreate(reference, expiresAt))) refuse(`payment ${reference} has not failed any more: another retry or its callback came first`)
    log.info({ dossier: p.dossier, payment: reference }, 'payment request retried by an administrator')
    await this.#o.enqueue([{ message: 'create', reference }]).catch((err: unknown) => {
      log.warn({ err, payment: reference }, 'payment request owed again but not queued now; the relay will queue it')
    })
    return await payments.get(reference) ?? p
  }

  /** Paid payments whose notice to the agency failed for good (administrators), oldest first. */
  async failedNotices (offset: number, limit: number): Promise<{ total: number, payments: Payment[] }> {
    return await this.#o.payments.failedNotices(offset, limit)
  }

  /**
   * A failed notice to the agency that the applicant paid, sent again (an administrator): full
   * attempts, the same Idempotency-Key (<code>/<step>/payment-<reference>), so an agency that keeps
   * keys drops a repeat. Only a failed one; anything else is a 400 naming its state.
   */
  async retryNotice (reference: string): Promise<Payment> {
    const { payments, log } = this.#o
    const p = await payments.get(reference)
    if (p === undefined) throw new PaymentNotFoundError(reference)
    const refuse = (detail: string): never => { throw new HubValidationError([{ parameter: 'reference', detail }]) }
    if (p.agencyNotice?.state !== 'failed') {
      refuse(p.agencyNotice === undefined
        ? `payment ${reference} is ${p.state}: no notice to the agency is owed before it is paid`
        : `the notice of payment ${reference} to agency ${p.agency} has not failed (it is ${p.agencyNotice.state}): only a failed notice is retried`)
    }
    if (!(await payments.retryNotice(reference))) refuse(`the notice of payment ${reference} has not failed any more: another retry came first`)
    log.info({ dossier: p.dossier, payment: reference, agency: p.agency }, 'payment notice to the agency retried by an administrator')
    await this.#o.enqueue([{ message: 'notice', reference }]).catch((err: unknown) => {
      log.warn({ err, payment: reference }, 'payment notice owed again but not queued now; the relay will queue it')
    })
    return await payments.get(reference) ?? p
  }

  async get (reference: string): Promise<Payment | undefined> {
    return await this.#o.payments.get(reference)
  }

  async forDossier (code: string): Promise<Payment[]> {
    return await this.#o.payments.forDossier(code)
  }
}
