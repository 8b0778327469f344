/**
 * What the national portal's sync record needs of a dossier beyond the dossier itself: the payment
 * requests made for it (their fee lines for DanhSachLePhi, whether it was paid online for
 * DuocThanhToanTrucTuyen) and its results as the document store registered them (their ids for
 * DanhSachGiayToKetQua[].MaGiayToKetQua). NationalFactsQuery reads them with the dossier and its
 * history in one statement, so one snapshot: a record whose status is not yet in its history, or
 * whose results are not yet registered, cannot be shown. Read-only.
 */
import type { Sql } from 'postgres'
import type { Dossier, HistoryEntry } from '../types/schemas.generated.ts'
import { DOSSIER_COLUMNS, dossierOf, type DossierRow } from './dossier-store.ts'

export interface NationalFacts {
  /** DuocThanhToanTrucTuyen: the configured code when a payment request was paid online, 0 when asked and not paid; absent when none was asked */
  paidOnline?: 0 | 1 | 2
  payments: Array<{ reference: string, state: string, lines: Array<{ code?: string, name: string, amount: number }> }>
  resultDocuments: Array<{ id: string, step?: string, kind: string, sha256: string }>
}

type Line = { code?: string, name: string, amount: number }

/** What the record keeps of a dossier's facts: its payments and its registered results (json_agg rows, or their text). */
export interface NationalFactsRow {
  /** lines: the payment's fee lines (jsonb; migration 0021 made every row an array) */
  payments: Array<{ reference: string, state: string, lines: Line[] }> | string | null
  documents: Array<{ id: string, step: string | null, kind: string, sha256: string }> | string | null
}

/**
 * The select list that reads a dossier's facts (NationalFactsRow): `dossier` is the SQL that names
 * the dossier's id (e.g. `d.id`), `code` its code (a bind parameter, e.g. `$1`, or `d.code`).
 */
export const nationalFactsColumns = (dossier: string, code: string): string => `
  (select json_agg(json_build_object('reference', p.reference, 'state', p.state, 'lines', p.lines) order by p.id)
     from payments p where p.dossier_id = ${dossier}) as payments,
  (select json_agg(json_build_object('id', x.id, 'step', x.step, 'kind', x.kind, 'sha256', x.sha256) order by x.registered_at, x.id)
     from documents x where x.dossier_code = ${code} and x.origin = 'result') as documents`

const jsonOf = <T>(v: T | string | null): T | null => typeof v === 'string' ? JSON.parse(v) as T : v

/** The facts of a NationalFactsRow; `paidCode`: the DuocThanhToanTrucTuyen of a payment made online. */
export function nationalFactsOf (row: NationalFactsRow | undefined, paidCode: 1 | 2): NationalFacts {
  const payments = jsonOf(row?.payments ?? null) ?? []
  const resultDocuments = (jsonOf(row?.documents ?? null) ?? []).map((d) => ({ id: d.id, kind: d.kind, sha256: d.sha256, ...(d.step !== null && { step: d.step }) }))
  const paidOnline = payments.length === 0 ? undefined : payments.some((p) => p.state === 'paid') ? paidCode : 0
  return { payments, resultDocuments, ...(paidOnline !== undefined && { paidOnline }) }
}

export class NationalFactsQuery {
  readonly #sql: Sql
  readonly #paidCode: 1 | 2

  /** `paidCode`: the DuocThanhToanTrucTuyen of a payment made online (payments.paidOnlineCode, default 2) */
  constructor (sql: Sql, paidCode: 1 | 2 = 2) {
    this.#sql = sql
    this.#paidCode = paidCode
  }

  /** The dossier, its history (oldest first) and its facts, from one statement; undefined when there is no such dossier. */
  async view (code: string): Promise<{ dossier: Dossier, history: HistoryEntry[], facts: NationalFacts } | undefined> {
    const sql = this.#sql
    const [row] = await sql<Array<DossierRow & NationalFactsRow & { history: HistoryEntry[] | string | null }>>`
      select ${sql.unsafe(DOSSIER_COLUMNS)},
        (select json_agg(h.entry order by h.seq) from dossier_history h where h.dossier_id = d.id) as history,
        ${sql.unsafe(nationalFactsColumns('d.id', 'd.code'))}
      from dossiers d where d.code = ${code}`
    if (row === undefined) return undefined
    return { dossier: dossierOf(code, row).dossier, history: jsonOf(row.history) ?? [], facts: nationalFactsOf(row, this.#paidCode) }
  }
}
