/**
 * What the national portal's sync record needs of a dossier beyond the dossier itself, read from
 * the record in one statement: the payment requests made for it (their fee lines for DanhSachLePhi,
 * whether it was paid online for DuocThanhToanTrucTuyen) and its results as the document store
 * registered them (their ids for DanhSachGiayToKetQua[].MaGiayToKetQua). Read-only.
 */
import type { Sql } from 'postgres'

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

  async of (code: string): Promise<NationalFacts> {
    const [row] = await this.#sql<NationalFactsRow[]>`select ${this.#sql.unsafe(nationalFactsColumns('d.id', 'd.code'))} from dossiers d where d.code = ${code}`
    return nationalFactsOf(row, this.#paidCode)
  }
}
