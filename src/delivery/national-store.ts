/**
 * The national personal data store on DVCQG, through its adapter (adapters/national-data-store).
 *
 * Fetch: asks the store for a document by its reference (GET), through
 * its adapter (adapters/national-data-store): 200 → the document, checked against the store's
 * schema and mapped; 404 → none; anything else, a timeout or a network error →
 * NationalStoreUnavailableError (503: nothing stored, the sender retries). A read, not a message
 * the hub sends: it does not go through the outbox.
 *
 * Sync (NationalStoreSync): every result registered in the document store is sent to the store
 * (POST /documents, Idempotency-Key "<document id>/sync"). The document row is its outbox entry
 * (0009_documents.sql): a maintenance job (national-store-sync, one worker at a time) sends the
 * pending ones, oldest first; 2xx marks it synced; 408, 429, 5xx and network errors are tried again
 * with the delivery retry policy's backoff; another 4xx, or the last attempt, leaves it failed with
 * its error, visible in the record. Nothing is lost (the row stays pending until an answer) and the
 * store drops a repeat by its Idempotency-Key.
 */
import { request, type Dispatcher } from 'undici'
import { SYNC_PATH, fetchPath, fromNationalDocument, nationalDocumentSchema, toNationalDocument } from '../../adapters/national-data-store/index.ts'
import type { NationalDataStoreDocument } from '../../adapters/national-data-store/native.generated.ts'
import { createAjv } from '../validation/ajv.ts'
import { NationalStoreUnavailableError } from '../errors.ts'
import type { NationalStoreFetch } from '../services/document-service.ts'
import type { DocumentStore } from '../store/document-store.ts'
import { backoffDelay, classifyHttpStatus, type RetryPolicy } from '../domain/retry.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import type { Logger } from 'pino'
import type { ResolvedStoreAuth } from '../config/hub-config.ts'

export interface NationalStoreOptions {
  endpoint: string
  timeoutMs: number
  /** the credential sent on every call (hub config nationalDataStore.auth); absent: none */
  auth?: ResolvedStoreAuth
  dispatcher?: Dispatcher
}

/** The header that carries the hub's credential to the store: Authorization: Bearer …, or the API key's header. */
export function storeAuthHeaders (auth: ResolvedStoreAuth | undefined): Record<string, string> {
  if (auth === undefined) return {}
  return auth.type === 'bearer' ? { authorization: `Bearer ${auth.secret}` } : { [auth.header]: auth.secret }
}

export function nationalStoreFetch (o: NationalStoreOptions): NationalStoreFetch {
  const validate = createAjv({}, []).compile<NationalDataStoreDocument>(nationalDocumentSchema)
  const base = o.endpoint.replace(/\/+$/, '')
  return async (reference) => {
    let status: number
    let body: unknown
    try {
      const res = await request(`${base}${fetchPath(reference)}`, {
        method: 'GET',
        headers: { accept: 'application/json', ...storeAuthHeaders(o.auth) },
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
        ...(o.dispatcher !== undefined && { dispatcher: o.dispatcher })
      })
      status = res.statusCode
      const text = await res.body.text()
      body = text === '' ? undefined : JSON.parse(text)
    } catch (err) {
      throw new NationalStoreUnavailableError(err instanceof Error ? err.message : String(err))
    }
    if (status === 404) return undefined
    if (status < 200 || status > 299) throw new NationalStoreUnavailableError(`it answered ${status}`)
    if (!validate(body)) throw new NationalStoreUnavailableError(`its answer is not a document of its format: ${validate.errors?.[0]?.instancePath ?? ''} ${validate.errors?.[0]?.message ?? ''}`)
    return fromNationalDocument(body)
  }
}

export interface NationalStoreSyncOptions extends NationalStoreOptions {
  store: DocumentStore
  /** agency names by id: the store is told who issued each result (CoQuanCap) */
  agencyNames: ReadonlyMap<string, string>
  retry?: RetryPolicy
  log: Logger
  now?: () => Date
}

const SYNC_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 5_000, maxDelayMs: 3_600_000 }
const SYNC_BATCH = 50

export class NationalStoreSync {
  readonly #o: NationalStoreSyncOptions & { retry: RetryPolicy, now: () => Date }
  readonly #base: string

  constructor (options: NationalStoreSyncOptions) {
    this.#o = { retry: SYNC_RETRY, now: () => new Date(), ...options }
    this.#base = options.endpoint.replace(/\/+$/, '')
  }

  /** Sends the results due now; how many were synced, retried later, failed for good. */
  async runOnce (): Promise<{ synced: number, retried: number, failed: number }> {
    const { store, log, retry, now } = this.#o
    const counts = { synced: 0, retried: 0, failed: 0 }
    for (const doc of await store.pendingSync(now(), SYNC_BATCH)) {
      const body = toNationalDocument(doc, this.#o.agencyNames.get(doc.issuer) ?? doc.issuer)
      let outcome: 'delivered' | 'retry' | 'permanent'
      let error = ''
      try {
        const res = await request(`${this.#base}${SYNC_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `${doc.id}/sync`, ...storeAuthHeaders(this.#o.auth) },
          body: JSON.stringify(body),
          headersTimeout: this.#o.timeoutMs,
          bodyTimeout: this.#o.timeoutMs,
          ...(this.#o.dispatcher !== undefined && { dispatcher: this.#o.dispatcher })
        })
        await res.body.dump()
        outcome = classifyHttpStatus(res.statusCode)
        error = `the national personal data store answered ${res.statusCode}`
      } catch (err) {
        outcome = 'retry'
        error = `cannot reach the national personal data store: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300)
      }
      const at = now()
      if (outcome === 'delivered') {
        await store.syncOutcome(doc.id, { synced: at, reference: body.MaGiayTo })
        counts.synced++
      } else if (outcome === 'permanent' || doc.attempts + 1 >= retry.attempts) {
        await store.syncOutcome(doc.id, { error, failedAt: at })
        log.error({ document: doc.id, dossier: doc.dossier, error }, 'result not synced to the national personal data store: failed for good')
        counts.failed++
      } else {
        await store.syncOutcome(doc.id, { error, nextAt: new Date(at.getTime() + backoffDelay(doc.attempts + 1, retry)) })
        counts.retried++
      }
    }
    if (counts.synced + counts.retried + counts.failed > 0) log.info({ ...counts, at: toVietnamIso(now()) }, 'national personal data store sync')
    return counts
  }
}
