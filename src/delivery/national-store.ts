/**
 * Asks the national personal data store on DVCQG for a document by its reference (GET), through
 * its adapter (adapters/national-data-store): 200 → the document, checked against the store's
 * schema and mapped; 404 → none; anything else, a timeout or a network error →
 * NationalStoreUnavailableError (503: nothing stored, the sender retries). A read, not a message
 * the hub sends: it does not go through the outbox.
 */
import { request, type Dispatcher } from 'undici'
import { fetchPath, fromNationalDocument, nationalDocumentSchema } from '../../adapters/national-data-store/index.ts'
import type { NationalDataStoreDocument } from '../../adapters/national-data-store/native.generated.ts'
import { createAjv } from '../validation/ajv.ts'
import { NationalStoreUnavailableError } from '../errors.ts'
import type { NationalStoreFetch } from '../services/document-service.ts'

export interface NationalStoreOptions {
  endpoint: string
  timeoutMs: number
  dispatcher?: Dispatcher
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
        headers: { accept: 'application/json' },
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
