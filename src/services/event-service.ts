/**
 * Status from agencies: an agency reports progress on its step of a dossier, canonically or in
 * its native format (mapped by its adapter). The report is applied to the route by pure domain
 * code (domain/routing.ts) and stored with compare-and-set on the dossier's version, together
 * with its history entry, the event id (a repeat answers the same and changes nothing) and the
 * outbox entries of the next stage's steps when it releases them; those are then queued.
 *
 * Refused: an unknown agency (400), an event id reused with other content (409), another agency's
 * step (403). A dossier not routed to the reporting agency is, to an agency client, a dossier that
 * does not exist: the same 404 as an unknown code, decided from one read of the dossier's agencies
 * before anything of it is loaded (the same work either way); an administrator reporting in an
 * agency's name is told it is not routed (403). Accepted but not applied (kept in the history): a report
 * that would move a step backwards, arrives for a finished step or a closed dossier.
 */
import { STALE, compareAndSet } from '../store/compare-and-set.ts'
import type { Logger } from 'pino'
import type { AgencyEvent, HistoryEntry, StatusReport } from '../types/schemas.generated.ts'
import type { ResolvedAgency } from '../config/hub-config.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { ChangePlan, LifecycleService } from './lifecycle-service.ts'
import { GatewayRefusal, type AdapterGateway } from '../gateway/adapter-gateway.ts'
import { applyReport, stepForAgency, type NotApplied, type Routing, type StepState } from '../domain/routing.ts'
import { announceDelay, changeStatus, supplementRequestInTime } from '../domain/lifecycle.ts'
import { paymentRequestProblem } from '../domain/payment.ts'
import type { NotificationEvent } from '../config/hub-config.ts'
import { nationalStatusCode, type DossierStatus } from '../domain/status.ts'
import { canonicalJson, sha256Hex } from '../domain/fingerprint.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { BusyError, DossierNotFoundError, EventConflictError, HubValidationError, IllegalTransitionError, NotRoutedError, WrongAgencyError } from '../errors.ts'
import type { Client } from '../auth/clients.ts'
import type { DocumentService } from './document-service.ts'

export interface EventAnswer {
  eventId: string
  dossier: string
  step: string
  applied: boolean
  /** why a report was not applied */
  reason?: NotApplied
  detail?: string
  stepState: StepState
  status: DossierStatus
  statusCode: number
  /** steps of the next stage released for delivery by this report */
  released?: string[]
  /** steps cancelled by this report (a rejection) */
  cancelled?: string[]
}

export interface EventOutcome {
  /** false when the event id was seen before: the first answer, nothing changed */
  created: boolean
  answer: EventAnswer
}

/** The dossier status a step report would lead to, for the message of a refused one. */
const IMPLIED: Readonly<Record<StatusReport['status'], DossierStatus>> = {
  accepted: 'processing',
  processing: 'processing',
  'supplement-requested': 'supplement-requested',
  'payment-requested': 'payment-requested',
  resolved: 'resolved',
  rejected: 'stopped'
}

export interface EventServiceOptions {
  store: DossierStore
  lifecycle: LifecycleService
  agencies: ReadonlyMap<string, ResolvedAgency>
  /** the adapters' gateways (validate → map → validate), by adapter name */
  gateways: ReadonlyMap<string, AdapterGateway>
  /** after a payment request (status 6) is stored: the payment service creates the payment (errors are logged; its relay repairs) */
  onPaymentRequested?: (code: string) => Promise<unknown>
  /** once-only: the results of an applied report are registered in the document store */
  documents?: DocumentService
  log: Logger
  now?: () => Date
}

export class EventService {
  readonly #o: Required<Omit<EventServiceOptions, 'onPaymentRequested' | 'documents'>> & Pick<EventServiceOptions, 'onPaymentRequested' | 'documents'>

  constructor (options: EventServiceOptions) {
    this.#o = { now: () => new Date(), ...options }
  }

  /** The canonical report of an event (as sent, or mapped from the agency's native format) and the step it names. */
  #report (code: string, event: AgencyEvent, agency: ResolvedAgency): { report: StatusReport, step?: string } {
    if ((event.report === undefined) === (event.native === undefined)) {
      throw new HubValidationError([{ pointer: '#', detail: `give exactly one of report (canonical) and native (the ${agency.adapter} format), not ${event.report === undefined ? 'neither' : 'both'}` }])
    }
    if (event.report !== undefined) return { report: event.report }
    const gateway = this.#o.gateways.get(agency.adapter)
    if (gateway?.takesReports !== true) {
      throw new HubValidationError([{ pointer: '#/native', detail: `agency ${agency.id} (adapter ${agency.adapter}) has no native status format; send report instead` }])
    }
    let mapped
    try {
      mapped = gateway.status(event.native, '/native')
    } catch (err) {
      if (err instanceof GatewayRefusal) throw new HubValidationError(err.problems, err.title)
      throw err
    }
    if (mapped.dossierCode !== undefined && mapped.dossierCode !== code) {
      throw new HubValidationError([{ pointer: '#/native', detail: `names dossier ${mapped.dossierCode}, but was posted to dossier ${code}` }])
    }
    if (mapped.step !== undefined && event.step !== undefined && mapped.step !== event.step) {
      throw new HubValidationError([{ pointer: '#/step', detail: `says step ${event.step}, but the native report names step ${mapped.step}` }])
    }
    return { report: mapped.report, ...(mapped.step !== undefined && { step: mapped.step }) }
  }

  /** Whether #register stores results of this report. */
  #registers (report: StatusReport, applied: boolean): boolean {
    return this.#o.documents !== undefined && applied && report.status === 'resolved' && report.results !== undefined && report.results.length > 0
  }

  /**
   * Once-only: the results an applied `resolved` report carries, as the documents its change
   * registers in its own transaction (so the resolution's DVCQG sync record, queued at the commit,
   * always finds them). Issued when the hub applies the report: never at the report's own
   * occurredAt, which would put a result registered in March into January's figures (3.3, 4.1)
   * after January was reported.
   */
  #results (code: string, step: string, agency: string, report: StatusReport, applicant: Parameters<DocumentService['resultDocuments']>[4], applied: boolean, at: Date): ChangePlan['results'] {
    const documents = this.#o.documents
    if (documents === undefined || !this.#registers(report, applied) || report.results === undefined) return undefined
    return { agency, documents: documents.resultDocuments(code, step, agency, report.results, applicant, at) }
  }

  /**
   * A repeat of a report applied before this hub registered results in the change's transaction:
   * its results are registered now if they are missing (each once; a failure is logged).
   */
  async #register (code: string, step: string, agency: string, report: StatusReport, applicant: Parameters<DocumentService['registerResults']>[4], applied: boolean): Promise<void> {
    const documents = this.#o.documents
    if (documents === undefined || !this.#registers(report, applied) || report.results === undefined) return
    await documents.registerResults(code, step, agency, report.results, applicant, this.#o.now()).catch((err: unknown) => {
      this.#o.log.error({ err, dossier: code, step }, 'results of a repeated report not registered in the document store')
    })
  }

  /** The first answer to an event id seen before; 409 when the repeat's content differs. */
  #repeat (stored: string, fingerprint: string, eventId: string, code: string): EventOutcome {
    const first = JSON.parse(stored) as { fingerprint: string, answer: EventAnswer }
    if (first.fingerprint !== fingerprint) throw new EventConflictError(eventId, code)
    return { created: false, answer: first.answer }
  }

  /** `client`: who posts it; an agency client may only report as its own agency. */
  async post (code: string, event: AgencyEvent, client?: Client): Promise<EventOutcome> {
    const { store, agencies, log, now } = this.#o
    if (client?.role === 'agency' && client.agency !== event.agency) throw new WrongAgencyError(client.id, client.agency ?? '', event.agency)
    const agency = agencies.get(event.agency)
    if (agency === undefined) throw new HubValidationError([{ pointer: '#/agency', detail: `is not an agency of this hub; the agencies are: ${[...agencies.keys()].join(', ')}` }])
    const { report, step: nativeStep } = this.#report(code, event, agency)
    if (report.status === 'payment-requested' && report.payment !== undefined) {
      const problem = paymentRequestProblem(report.payment)
      if (problem !== undefined) throw new HubValidationError([{ pointer: event.report !== undefined ? '#/report/payment/lines' : '#/native', detail: problem }])
    }
    const namedStep = event.step ?? nativeStep
    const fingerprint = sha256Hex(canonicalJson(event))
    // an agency client learns nothing of a dossier not routed to it: not found, like a code nobody has
    const hidden = client?.role === 'agency'
    if (hidden && !((await store.agenciesOf(code)) ?? []).includes(agency.id)) throw new DossierNotFoundError(code)

    const outcome = await compareAndSet(async (): Promise<EventOutcome | typeof STALE> => {
      const found = await store.getForUpdate(code)
      if (found === undefined) throw new DossierNotFoundError(code)
      const { routing, status } = found
      if (!Object.values(routing).some((r) => r.agency === agency.id)) {
        throw hidden ? new DossierNotFoundError(code) : new NotRoutedError(`Dossier ${code} is not routed to agency ${agency.id}`)
      }
      const stepId = namedStep ?? stepForAgency(routing, agency.id) as string
      const step = routing[stepId]
      if (step === undefined) {
        const mine = Object.entries(routing).filter(([, r]) => r.agency === agency.id).map(([id]) => id)
        throw new HubValidationError([{ pointer: '#/step', detail: `is not a step of dossier ${code}; ${agency.id}'s steps are: ${mine.join(', ')}` }])
      }
      if (step.agency !== agency.id) throw new NotRoutedError(`Step ${stepId} of dossier ${code} is agency ${step.agency}'s, not ${agency.id}'s`)

      const at = now()
      const atIso = toVietnamIso(at)
      const outcome = applyReport(routing, status, stepId, report, atIso)
      if (!outcome.applied && outcome.reason === 'dossier-closed') {
        // a repeat of a report that was applied answers as it did; a new one cannot change a closed dossier
        const seen = await store.eventAnswer(code, event.eventId)
        if (seen !== undefined) {
          const first = this.#repeat(seen, fingerprint, event.eventId, code)
          await this.#register(code, first.answer.step, agency.id, report, found.dossier.applicant, first.answer.applied)
          return first
        }
        const to = IMPLIED[report.status]
        throw new IllegalTransitionError(code, status, to,
          `cannot go from ${status} (${nationalStatusCode(status)}) to ${to} (${nationalStatusCode(to)}): the dossier is ${status} already, so ${agency.id}'s ${report.status} report on step ${stepId} cannot change it`)
      }
      const changed: Routing = {}
      let answer: EventAnswer
      let head = found.head
      const actor = { kind: 'agency' as const, id: agency.id }
      const extra: HistoryEntry[] = []
      let notification: NotificationEvent | undefined
      if (outcome.applied) {
        for (const [id, r] of Object.entries(outcome.routing)) if (r !== routing[id]) changed[id] = r
        Object.assign(changed, this.#o.lifecycle.stepDueDates(found.dossier.procedure.code, outcome.routing, outcome.released, at))
        head = changeStatus(this.#o.lifecycle.calendar, found.head, outcome.status, at)
        if (outcome.status !== status) notification = 'status-changed'
        if (report.dueAt !== undefined) {
          const delay = announceDelay(this.#o.lifecycle.calendar, head, new Date(report.dueAt), at)
          if (delay !== undefined) {
            const before = head.facts.rescheduledDueAt ?? head.dueAt
            head = delay.head
            extra.push({
              at: atIso,
              type: 'delay-announced',
              actor,
              step: stepId,
              applied: true,
              inTime: delay.inTime,
              ...(before !== undefined && { dueAtFrom: before }),
              ...(head.facts.rescheduledDueAt !== undefined && { dueAtTo: head.facts.rescheduledDueAt }),
              ...(report.note !== undefined && { note: report.note })
            })
            notification ??= 'delay-announced'
          }
        }
        answer = {
          eventId: event.eventId,
          dossier: code,
          step: stepId,
          applied: true,
          stepState: (outcome.routing[stepId] as { state: StepState }).state,
          status: outcome.status,
          statusCode: nationalStatusCode(outcome.status),
          ...(outcome.released.length > 0 && { released: outcome.released }),
          ...(outcome.cancelled.length > 0 && { cancelled: outcome.cancelled })
        }
      } else {
        answer = {
          eventId: event.eventId,
          dossier: code,
          step: stepId,
          applied: false,
          reason: outcome.reason,
          detail: outcome.detail,
          stepState: step.state,
          status,
          statusCode: nationalStatusCode(status)
        }
      }
      // a supplement request is due within 3 working days of the agency receiving the dossier
      const supplementInTime = answer.applied && report.status === 'supplement-requested'
        ? supplementRequestInTime(this.#o.lifecycle.calendar, new Date(step.deliveredAt ?? found.head.receivedAt), at, found.head.facts.channel)
        : undefined
      const history: HistoryEntry = {
        at: atIso,
        type: 'agency-report',
        actor,
        eventId: event.eventId,
        step: stepId,
        report,
        applied: answer.applied,
        ...(answer.reason !== undefined && { reason: answer.reason }),
        ...(supplementInTime !== undefined && { inTime: supplementInTime }),
        ...(answer.applied && answer.status !== status && { statusFrom: status, statusTo: answer.status }),
        ...(answer.released !== undefined && { released: answer.released }),
        ...(answer.cancelled !== undefined && { cancelled: answer.cancelled }),
        ...(head.dueAt !== found.head.dueAt && { ...(found.head.dueAt !== undefined && { dueAtFrom: found.head.dueAt }), ...(head.dueAt !== undefined && { dueAtTo: head.dueAt }) })
      }
      const next = outcome.applied ? outcome.routing : routing
      const results = this.#results(code, stepId, agency.id, report, found.dossier.applicant, answer.applied, at)
      const result = await this.#o.lifecycle.commit(found, {
        head,
        routing: changed,
        release: (answer.released ?? []).map((id) => ({ step: id, agency: (next[id] as { agency: string }).agency })),
        history: [history, ...extra],
        ...(notification !== undefined && { notification: { event: notification, actor, ...(report.note !== undefined && { note: report.note }) } }),
        eventId: event.eventId,
        answer: JSON.stringify({ fingerprint, answer }),
        ...(results !== undefined && { results }),
        at
      })
      if (result.outcome === 'stale') return STALE
      if (result.outcome === 'seen') {
        const first = this.#repeat(result.answer, fingerprint, event.eventId, code)
        await this.#register(code, first.answer.step, agency.id, report, found.dossier.applicant, first.answer.applied)
        return first
      }
      log.info({ dossier: code, agency: agency.id, step: stepId, report: report.status, applied: answer.applied, status: answer.status }, 'agency report')
      return { created: true, answer }
    }, () => { throw new BusyError(code) })
    if (outcome.created && outcome.answer.applied && outcome.answer.stepState === 'payment-requested' && this.#o.onPaymentRequested !== undefined) {
      await this.#o.onPaymentRequested(code).catch((err: unknown) => { log.warn({ err, dossier: code }, 'payment request stored but its payment not created now; the payment relay will') })
    }
    return outcome
  }
}
