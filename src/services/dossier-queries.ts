/**
 * Reading dossiers: one by code, its history, or a filtered page of summaries with an opaque
 * cursor. An agency client sees only the dossiers routed to it: any other is "not found", and
 * its lists are always filtered to its own agency. Auditors get personal numbers masked
 * (domain/masking.ts), in lists too (an agency's note may carry them).
 */
import type { Dossier, DossierList, HistoryEntry } from '../types/schemas.generated.ts'
import type { DossierStore, ListFilter } from '../store/dossier-store.ts'
import { DossierNotFoundError, HubValidationError, WrongAgencyError } from '../errors.ts'
import { seesPersonalData, type Client } from '../auth/clients.ts'
import { maskPersonal } from '../domain/masking.ts'
import type { AuditStore } from '../store/audit-store.ts'
import { verifyChain, type ChainCheck } from '../domain/audit-chain.ts'
import type { AuditEntry } from '../types/schemas.generated.ts'
import type { DossierStatus } from '../domain/status.ts'

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

export class DossierQueries {
  readonly #store: DossierStore
  readonly #audit: AuditStore
  constructor (store: DossierStore, audit: AuditStore) {
    this.#store = store
    this.#audit = audit
  }

  /** The audit trail and the verification of its chain. */
  async audit (code: string): Promise<{ dossier: string, entries: AuditEntry[], verification: ChainCheck }> {
    if (!(await this.#store.exists(code))) throw new DossierNotFoundError(code)
    const entries = await this.#audit.list(code)
    return { dossier: code, entries, verification: verifyChain(code, entries) }
  }

  async get (code: string, viewer?: Client): Promise<Dossier> {
    const dossier = await this.#store.get(code)
    if (dossier === undefined) throw new DossierNotFoundError(code)
    if (viewer?.role === 'agency' && !Object.values(dossier.routing ?? {}).some((r) => r?.agency === viewer.agency)) throw new DossierNotFoundError(code)
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
