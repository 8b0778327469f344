/**
 * Reading dossiers: one by code, its history, or a filtered page of summaries with an opaque
 * cursor. Auditors get personal numbers masked (domain/masking.ts), in lists too (an agency's note
 * may carry them).
 *
 * An agency client sees only the dossiers routed to it (any step of its route, of any stage, is
 * the agency's). Any other is, by every route, a dossier that does not exist: the same 404, the
 * same detail, decided from one read of the dossier's agencies before anything else of it is read
 * (the same work as for a code nobody has); its lists and statistics are always its own agency's.
 * A dossier routed to it it sees whole — the submission, every step's state, notes, results and
 * history, other agencies' steps included: the agencies of one liên thông route work on one dossier
 * (a later stage starts from an earlier one's result, the lead agency follows every step), as the
 * portal and the one-stop desk see it. Webhook subscribers and deliveries it sees only its own.
 */
import type { Dossier, DossierList, HistoryEntry } from '../types/schemas.generated.ts'
import type { DossierStore, ListFilter } from '../store/dossier-store.ts'
import { DossierNotFoundError, HubValidationError, WrongAgencyError } from '../errors.ts'
import { seesPersonalData, type Client } from '../auth/clients.ts'
import { maskPersonal } from '../domain/masking.ts'
import type { AuditStore } from '../store/audit-store.ts'
import { verifyChain, type ChainCheck } from '../domain/audit-chain.ts'
import type { AuditEntry } from '../types/schemas.generated.ts'
import { STATUSES, type DossierStatus } from '../domain/status.ts'
import { publicFacts } from '../store/dossier-store.ts'
import type { NoticeAttempt, NoticeRow, NoticeStore } from '../store/notice-store.ts'
import type { NotificationStore, WebhookLogEntry } from '../store/notification-store.ts'
import type { ResolvedSubscriber } from '../config/hub-config.ts'
import type { NationalRecordContext } from '../../adapters/national-portal/index.ts'
import { NationalPortalGateway } from '../gateway/national-portal-gateway.ts'
import type { NationalPortalRecord } from '../../adapters/national-portal/native.generated.ts'
import { notificationId } from '../delivery/webhook-service.ts'

export interface ListQuery {
  status?: DossierStatus
  agency?: string
  procedure?: string
  receivedFrom?: string
  receivedTo?: string
  limit: number
  cursor?: string
}

export function encodeCursor (position: { score: number, code: string }): string {
  return Buffer.from(`${position.score}|${position.code}`, 'utf8').toString('base64url')
}

export function decodeCursor (cursor: string): { score: number, code: string } | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8')
  const m = /^(\d{1,16})\|(.+)$/.exec(text)
  if (m === null) return undefined
  return { score: Number(m[1]), code: m[2] as string }
}

export interface QueryExtras {
  notifications?: NotificationStore
  /** notices to the applicant (SMS, Zalo, e-mail) and their attempts */
  notices?: NoticeStore
  subscribers?: ReadonlyMap<string, ResolvedSubscriber>
  /** agency names and codes, for the national portal's record */
  agencies?: ReadonlyMap<string, { name: string, code?: string }>
  /**
   * the dossier, its history and what the national record needs beyond them (store/national-facts.ts:
   * online payment, payment requests' fee lines, results registered in the document store, database
   * codes), read together (one statement); undefined when there is no such dossier
   */
  nationalView: (code: string) => Promise<{ dossier: Dossier, history: HistoryEntry[], facts: Omit<NationalRecordContext, 'agencies' | 'history'> } | undefined>
}

export interface StatusView {
  code: string
  status: DossierStatus
  statusCode: number
  statusName: string
  procedure: { code: string, name: string }
  receivedAt: string
  dueAt?: string
  overdue: boolean
  rescheduledDueAt?: string
  pausedSince?: string
  resolvedAt?: string
  returnedAt?: string
  closedAt?: string
  timeliness?: string
}

export class DossierQueries {
  readonly #store: DossierStore
  readonly #audit: AuditStore
  readonly #x: QueryExtras
  #national: NationalPortalGateway | undefined
  constructor (store: DossierStore, audit: AuditStore, extras: QueryExtras) {
    this.#store = store
    this.#audit = audit
    this.#x = extras
  }

  /** A citizen-facing status lookup: one read of a few columns (not the document), nothing personal. */
  async status (code: string, viewer?: Client): Promise<StatusView> {
    const v = await this.#store.statusView(code)
    if (v === undefined) throw new DossierNotFoundError(code)
    if (viewer?.role === 'agency' && !v.agencies.includes(viewer.agency ?? '')) throw new DossierNotFoundError(code)
    const { head } = v
    const { overdueSince: _o, ...facts } = publicFacts(head.facts)
    return {
      code,
      status: head.status,
      statusCode: STATUSES[head.status].code,
      statusName: STATUSES[head.status].vi,
      procedure: { code: v.procedure, name: v.procedureName },
      receivedAt: head.receivedAt,
      ...(head.dueAt !== undefined && { dueAt: head.dueAt }),
      overdue: head.facts.overdueSince !== undefined || head.facts.timeliness === 'overdue',
      ...facts
    }
  }

  /** The dossier's notifications, how far each subscriber got, and the delivery log. */
  async notifications (code: string, viewer?: Client): Promise<{ dossier: string, notifications: object[], subscribers: Record<string, number>, deliveries: WebhookLogEntry[] }> {
    const agencies = await this.#store.agenciesOf(code)
    if (agencies === undefined) throw new DossierNotFoundError(code)
    if (viewer?.role === 'agency' && !agencies.includes(viewer.agency ?? '')) throw new DossierNotFoundError(code)
    const store = this.#x.notifications
    if (store === undefined) return { dossier: code, notifications: [], subscribers: {}, deliveries: [] }
    const mine = (sub: string): boolean => viewer?.role !== 'agency' || this.#x.subscribers?.get(sub)?.agency === viewer.agency
    const [items, cursors, log] = await Promise.all([store.range(code, 1, 0) /* 0: to the end */, store.cursors(code), store.log(code)])
    const notifications = items.map((n, i) => ({ id: notificationId(code, i + 1), sequence: i + 1, ...n, dossier: code }))
    const masked = viewer !== undefined && !seesPersonalData(viewer.role) ? maskPersonal(notifications) : notifications
    return {
      dossier: code,
      notifications: masked,
      subscribers: Object.fromEntries(Object.entries(cursors).filter(([sub]) => mine(sub))),
      deliveries: log.filter((e) => mine(e.subscriber))
    }
  }

  /**
   * The notices sent (or not) to the applicant and every attempt: the portal and administrators
   * only (the route refuses agencies); recipients are masked in the record itself.
   */
  async notices (code: string): Promise<{ dossier: string, notices: NoticeRow[], attempts: NoticeAttempt[] }> {
    if (!(await this.#store.exists(code))) throw new DossierNotFoundError(code)
    const log = this.#x.notices === undefined ? { notices: [], attempts: [] } : await this.#x.notices.log(code)
    return { dossier: code, ...log }
  }

  /**
   * The national portal's sync record of the dossier: mapped from the whole dossier and checked as
   * a sync message is (a mapping bug is a 500, logged, never an invalid record shown), then masked
   * for a viewer who may not see personal numbers (its masked numbers no longer fit the portal's
   * patterns, by design).
   */
  async nationalRecord (code: string, viewer?: Client): Promise<NationalPortalRecord> {
    await this.#visible(code, viewer)
    // one snapshot: a status change between two reads could show a status its history lacks
    const view = await this.#x.nationalView(code)
    if (view === undefined) throw new DossierNotFoundError(code)
    this.#national ??= new NationalPortalGateway()
    const record = this.#national.record(view.dossier, { ...view.facts, agencies: this.#x.agencies ?? new Map(), history: view.history })
    return viewer !== undefined && !seesPersonalData(viewer.role) ? maskPersonal(record) : record
  }

  /** The audit trail and the verification of its chain and its head record under the audit key. */
  async audit (code: string): Promise<{ dossier: string, entries: AuditEntry[], verification: ChainCheck }> {
    if (!(await this.#store.exists(code))) throw new DossierNotFoundError(code)
    const { entries, record } = await this.#audit.read(code)
    return { dossier: code, entries, verification: verifyChain(code, entries, record, this.#audit.key) }
  }

  /** Throws "not found" for a code an agency client may not know of (one HGET: missing and not routed cost the same). */
  async #visible (code: string, viewer?: Client): Promise<void> {
    if (viewer?.role !== 'agency') return
    if (!((await this.#store.agenciesOf(code)) ?? []).includes(viewer.agency ?? '')) throw new DossierNotFoundError(code)
  }

  async get (code: string, viewer?: Client): Promise<Dossier> {
    await this.#visible(code, viewer)
    const dossier = await this.#store.get(code)
    if (dossier === undefined) throw new DossierNotFoundError(code)
    return viewer !== undefined && !seesPersonalData(viewer.role) ? maskPersonal(dossier) : dossier
  }

  async history (code: string, viewer?: Client): Promise<HistoryEntry[]> {
    const agencies = await this.#store.agenciesOf(code)
    if (agencies === undefined) throw new DossierNotFoundError(code)
    if (viewer?.role === 'agency' && !agencies.includes(viewer.agency ?? '')) throw new DossierNotFoundError(code)
    const entries = await this.#store.history(code)
    return viewer !== undefined && !seesPersonalData(viewer.role) ? maskPersonal(entries) : entries
  }

  async list (query: ListQuery, viewer?: Client): Promise<DossierList> {
    const filter: ListFilter = { limit: query.limit }
    if (query.status !== undefined) filter.status = query.status
    if (viewer?.role === 'agency') {
      if (query.agency !== undefined && query.agency !== viewer.agency) throw new WrongAgencyError(viewer.id, viewer.agency ?? '', query.agency)
      filter.agency = viewer.agency ?? ''
    } else if (query.agency !== undefined) filter.agency = query.agency
    if (query.procedure !== undefined) filter.procedure = query.procedure
    if (query.receivedFrom !== undefined) filter.receivedFromMs = Date.parse(query.receivedFrom)
    if (query.receivedTo !== undefined) filter.receivedToMs = Date.parse(query.receivedTo)
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor)
      if (cursor === undefined) throw new HubValidationError([{ parameter: 'cursor', detail: 'is not a cursor this hub issued; pass nextCursor from the previous page' }])
      filter.cursor = cursor
    }
    const page = await this.#store.list(filter)
    const items = viewer !== undefined && !seesPersonalData(viewer.role) ? maskPersonal(page.items) : page.items
    return { items, nextCursor: page.next === undefined ? null : encodeCursor(page.next) }
  }
}
