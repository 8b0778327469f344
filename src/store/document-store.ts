/**
 * The document store of once-only (tables `documents` and `document_access`, migration
 * 0009_documents.sql): the valid electronic documents the hub can offer for reuse, and the log of
 * every lookup, reuse, registration and revocation with its purpose. Every write is one statement.
 */
import type { Sql } from 'postgres'
import type { StoredDocument } from '../types/schemas.generated.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'

export type NewDocument = Omit<StoredDocument, 'registeredAt'> & { step?: string, registeredBy: string }

/** The columns of `documents` a new document fills, in the order of DOCUMENT_RECORD. */
export const DOCUMENT_COLUMNS = 'id, holder, kind, name, issuer, origin, issued_at, valid_until, file_name, media_type, byte_size, url, sha256, dossier_code, step, national_ref, content_pending, registered_by'

/** Those columns as `json_to_recordset(…) as x(<this>)` reads them from documentRecord's objects. */
export const DOCUMENT_RECORD = 'id text, holder text, kind text, name text, issuer text, origin text, issued_at timestamptz, valid_until timestamptz, ' +
  'file_name text, media_type text, byte_size bigint, url text, sha256 text, dossier_code text, step text, national_ref text, content_pending boolean, registered_by text'

/**
 * A new document as one object of the JSON array `json_to_recordset` reads (DOCUMENT_RECORD): the
 * one mapping of NewDocument to the table, for a registration here and for the results a report's
 * change registers in its own statement (store/dossier-store.ts).
 */
export function documentRecord (d: NewDocument): Record<string, unknown> {
  return {
    id: d.id,
    holder: d.holder,
    kind: d.kind,
    name: d.name,
    issuer: d.issuer,
    origin: d.origin,
    issued_at: d.issuedAt,
    valid_until: d.validUntil ?? null,
    file_name: d.fileName,
    media_type: d.mediaType ?? null,
    byte_size: d.byteSize ?? null,
    url: d.url,
    sha256: d.sha256,
    dossier_code: d.dossier ?? null,
    step: d.step ?? null,
    national_ref: d.nationalStoreReference ?? null,
    content_pending: d.contentPending === true,
    registered_by: d.registeredBy
  }
}

interface Row {
  id: string
  holder: string
  kind: string
  name: string
  issuer: string
  origin: StoredDocument['origin']
  issued_at: Date
  valid_until: Date | null
  revoked_at: Date | null
  revocation_reason: string | null
  file_name: string
  media_type: string | null
  byte_size: string | null
  url: string
  sha256: string
  dossier_code: string | null
  national_ref: string | null
  content_pending: boolean
  registered_at: Date
}

function fromRow (r: Row): StoredDocument {
  return {
    id: r.id,
    holder: r.holder,
    kind: r.kind,
    name: r.name,
    issuer: r.issuer,
    origin: r.origin,
    issuedAt: toVietnamIso(r.issued_at),
    ...(r.valid_until !== null && { validUntil: toVietnamIso(r.valid_until) }),
    ...(r.revoked_at !== null && { revokedAt: toVietnamIso(r.revoked_at) }),
    ...(r.revocation_reason !== null && { revocationReason: r.revocation_reason }),
    fileName: r.file_name,
    ...(r.media_type !== null && { mediaType: r.media_type }),
    ...(r.byte_size !== null && { byteSize: Number(r.byte_size) }),
    url: r.url,
    sha256: r.sha256,
    ...(r.dossier_code !== null && { dossier: r.dossier_code }),
    ...(r.national_ref !== null && { nationalStoreReference: r.national_ref }),
    ...(r.content_pending && { contentPending: true as const }),
    registeredAt: toVietnamIso(r.registered_at)
  }
}

export interface AccessEntry {
  client: string
  role: string
  action: 'lookup' | 'reuse' | 'register' | 'revoke' | 'fetch' | 'read' | 'upload'
  holder?: string
  documentIds: readonly string[]
  purpose?: string
  status: number
}

export interface AccessRow extends AccessEntry { at: string }

export class DocumentStore {
  readonly #sql: Sql

  constructor (sql: Sql) {
    this.#sql = sql
  }

  /**
   * Registers a document; a result (same dossier, step, kind and digest) or a national-store
   * document (same reference) registered before is answered as stored, unchanged.
   */
  async register (d: NewDocument): Promise<{ created: boolean, document: StoredDocument }> {
    const sql = this.#sql
    const rows = await sql<Array<Row & { created: boolean }>>`
      with ins as (
        insert into documents (${sql.unsafe(DOCUMENT_COLUMNS)})
        select ${sql.unsafe(DOCUMENT_COLUMNS)} from json_to_recordset(${JSON.stringify([documentRecord(d)])}::text::json) as x(${sql.unsafe(DOCUMENT_RECORD)})
        on conflict do nothing
        returning *
      )
      select *, true as created from ins
      union all
      select *, false from documents
       where not exists (select 1 from ins)
         and (origin = 'result' and ${d.origin} = 'result' and dossier_code = ${d.dossier ?? null} and step = ${d.step ?? null}
                and kind = ${d.kind} and sha256 = ${d.sha256}
           or origin = 'national-store' and ${d.origin} = 'national-store' and national_ref = ${d.nationalStoreReference ?? null})
       limit 1`
    const row = rows[0]
    if (row === undefined) throw new Error(`document ${d.id} was neither registered nor found`)
    const { created, ...rest } = row
    return { created, document: fromRow(rest as Row) }
  }

  /**
   * Registers a digitised paper with its file, kept by the hub (document_files, migration 0017):
   * the row and the bytes in one transaction.
   */
  async registerWithContent (d: NewDocument, content: Buffer): Promise<StoredDocument> {
    return await this.#sql.begin(async (tx) => {
      const [row] = await tx<Row[]>`
        insert into documents (${tx.unsafe(DOCUMENT_COLUMNS)})
        select ${tx.unsafe(DOCUMENT_COLUMNS)} from json_to_recordset(${JSON.stringify([documentRecord({ ...d, byteSize: content.length })])}::text::json) as x(${tx.unsafe(DOCUMENT_RECORD)})
        returning *`
      await tx`insert into document_files (document_id, byte_size, sha256, content) values (${d.id}, ${content.length}, ${d.sha256}, ${content})`
      return fromRow(row as Row)
    }) as StoredDocument
  }

  /**
   * The file of a paper registered to be uploaded (content_pending): kept in document_files and the
   * flag cleared, in one transaction; false when the document is not waiting for its file (unknown,
   * registered by address, or its file kept already — by a concurrent upload too).
   */
  async putContent (id: string, content: Buffer, sha256: string): Promise<boolean> {
    return await this.#sql.begin(async (tx) => {
      const [row] = await tx<Array<{ id: string }>>`update documents set content_pending = false where id = ${id} and content_pending returning id`
      if (row === undefined) return false
      await tx`insert into document_files (document_id, byte_size, sha256, content) values (${id}, ${content.length}, ${sha256}, ${content})`
      return true
    }) as boolean
  }

  /** A document with who registered it (registered_by: a client id), in one read; undefined when there is no such document. */
  async getWithRegistrant (id: string): Promise<{ document: StoredDocument, registeredBy: string } | undefined> {
    const [row] = await this.#sql<Array<Row & { registered_by: string }>>`select * from documents where id = ${id}`
    return row === undefined ? undefined : { document: fromRow(row), registeredBy: row.registered_by }
  }

  /** The size and SHA-256 of the file the hub keeps for a document, without its bytes; undefined when it keeps none. */
  async kept (id: string): Promise<{ byteSize: number, sha256: string } | undefined> {
    const [row] = await this.#sql<Array<{ byte_size: string, sha256: string }>>`select byte_size, sha256 from document_files where document_id = ${id}`
    return row === undefined ? undefined : { byteSize: Number(row.byte_size), sha256: row.sha256 }
  }

  /** The file the hub keeps for a document, with what serving it needs; undefined when it keeps none. */
  async content (id: string): Promise<{ content: Buffer, byteSize: number, sha256: string } | undefined> {
    const [row] = await this.#sql<Array<{ content: Buffer, byte_size: string, sha256: string }>>`
      select content, byte_size, sha256 from document_files where document_id = ${id}`
    return row === undefined ? undefined : { content: row.content, byteSize: Number(row.byte_size), sha256: row.sha256 }
  }

  /**
   * The dossier through which `agency` may read document `id`, or undefined: the dossier it came
   * from, or one that reused it (the access log's reuses), routed to that agency.
   */
  async dossierOfAgency (id: string, agency: string): Promise<string | undefined> {
    const [row] = await this.#sql<Array<{ code: string }>>`
      select d.code from dossiers d
       where (d.code = (select dossier_code from documents where id = ${id})
              or d.code in (select a.purpose from document_access a where a.action = 'reuse' and a.document_ids @> array[${id}]::text[]))
         and exists (select 1 from dossier_steps s where s.dossier_id = d.id and s.agency = ${agency})
       order by d.id limit 1`
    return row?.code
  }

  async get (id: string): Promise<StoredDocument | undefined> {
    const [row] = await this.#sql<Row[]>`select * from documents where id = ${id}`
    return row === undefined ? undefined : fromRow(row)
  }

  async getMany (ids: readonly string[]): Promise<Map<string, StoredDocument>> {
    if (ids.length === 0) return new Map()
    const rows = await this.#sql<Row[]>`select * from documents where id = any(${[...ids]})`
    return new Map(rows.map((r) => [r.id, fromRow(r)]))
  }

  async byNationalReference (reference: string): Promise<StoredDocument | undefined> {
    const [row] = await this.#sql<Row[]>`select * from documents where origin = 'national-store' and national_ref = ${reference}`
    return row === undefined ? undefined : fromRow(row)
  }

  /** Records a document's size, learnt from its file, once (a size known before is kept). */
  async setSize (id: string, byteSize: number): Promise<void> {
    await this.#sql`update documents set byte_size = ${byteSize} where id = ${id} and byte_size is null`
  }

  /** A holder's documents valid at `at` (issued, not expired, not revoked), by kind then newest first. */
  async validOf (holder: string, at: Date, kind?: string): Promise<StoredDocument[]> {
    const sql = this.#sql
    const rows = await sql<Row[]>`
      select * from documents
       where holder = ${holder} and issued_at <= ${at} and not content_pending
         and (valid_until is null or valid_until > ${at}) and (revoked_at is null or revoked_at > ${at})
         ${kind === undefined ? sql`` : sql`and kind = ${kind}`}
       order by kind, issued_at desc, id
       limit 500`
    return rows.map(fromRow)
  }

  /**
   * Revokes a document as its issuer, at `at`; the document as it is after, or undefined when it
   * does not exist. A document revoked before keeps its first revocation.
   */
  async revoke (id: string, issuer: string, at: Date, reason: string | undefined): Promise<{ document?: StoredDocument, notIssuer: boolean }> {
    const sql = this.#sql
    const [row] = await sql<Array<Row & { mine: boolean }>>`
      with upd as (
        update documents set revoked_at = ${at}, revocation_reason = ${reason ?? null}
         where id = ${id} and issuer = ${issuer} and revoked_at is null
        returning *
      )
      select *, true as mine from upd
      union all
      select *, issuer = ${issuer} from documents where id = ${id} and not exists (select 1 from upd)`
    if (row === undefined) return { notIssuer: false }
    const { mine, ...rest } = row
    return { document: fromRow(rest as Row), notIssuer: !mine }
  }

  /** Results not yet synced to the national personal data store whose next attempt is due, oldest first. */
  async pendingSync (now: Date, limit: number): Promise<Array<StoredDocument & { attempts: number }>> {
    const rows = await this.#sql<Array<Row & { national_sync_attempts: number }>>`
      select * from documents
       where origin = 'result' and national_synced_at is null and national_sync_failed_at is null
         and (national_sync_next_at is null or national_sync_next_at <= ${now})
       order by registered_at, id limit ${limit}`
    return rows.map((r) => ({ ...fromRow(r), attempts: r.national_sync_attempts }))
  }

  /** A result's sync: done (`synced`), to try again at `nextAt`, or failed for good. */
  async syncOutcome (id: string, outcome: { synced: Date, reference: string } | { error: string, nextAt?: Date, failedAt?: Date }): Promise<void> {
    if ('synced' in outcome) {
      await this.#sql`update documents set national_synced_at = ${outcome.synced}, national_ref = ${outcome.reference}, national_sync_attempts = national_sync_attempts + 1, national_sync_error = null
        where id = ${id} and national_synced_at is null`
      return
    }
    await this.#sql`update documents set national_sync_attempts = national_sync_attempts + 1, national_sync_error = ${outcome.error},
        national_sync_next_at = ${outcome.nextAt ?? null}, national_sync_failed_at = ${outcome.failedAt ?? null}
      where id = ${id} and national_synced_at is null`
  }

  /** The sync state of a document (tests and operators). */
  async syncState (id: string): Promise<{ syncedAt?: string, attempts: number, error?: string, failedAt?: string } | undefined> {
    const [r] = await this.#sql<Array<{ national_synced_at: Date | null, national_sync_attempts: number, national_sync_error: string | null, national_sync_failed_at: Date | null }>>`
      select national_synced_at, national_sync_attempts, national_sync_error, national_sync_failed_at from documents where id = ${id}`
    if (r === undefined) return undefined
    return {
      attempts: r.national_sync_attempts,
      ...(r.national_synced_at !== null && { syncedAt: toVietnamIso(r.national_synced_at) }),
      ...(r.national_sync_error !== null && { error: r.national_sync_error }),
      ...(r.national_sync_failed_at !== null && { failedAt: toVietnamIso(r.national_sync_failed_at) })
    }
  }

  async logAccess (e: AccessEntry): Promise<void> {
    await this.#sql`
      insert into document_access (client, role, action, holder, document_ids, purpose, status)
      values (${e.client}, ${e.role}, ${e.action}, ${e.holder ?? null}, ${[...e.documentIds]}, ${e.purpose ?? null}, ${e.status})`
  }

  /** The access log of a holder's documents, oldest first (tests and operators). */
  async accessOf (holder: string): Promise<AccessRow[]> {
    const rows = await this.#sql<Array<{ at: Date, client: string, role: string, action: AccessEntry['action'], holder: string | null, document_ids: string[], purpose: string | null, status: number }>>`
      select at, client, role, action, holder, document_ids, purpose, status from document_access where holder = ${holder} order by id`
    return rows.map((r) => ({
      at: toVietnamIso(r.at),
      client: r.client,
      role: r.role,
      action: r.action,
      documentIds: r.document_ids,
      status: r.status,
      ...(r.holder !== null && { holder: r.holder }),
      ...(r.purpose !== null && { purpose: r.purpose })
    }))
  }
}
