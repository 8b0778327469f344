/**
 * A simulated national personal data store on DVCQG (npm run agencies, when the hub config names
 * one on this machine; the tests start it too): a real HTTP server that answers
 *   GET  /documents/<MaGiayTo>  → the document (200) in the store's native format, or 404;
 *   POST /documents             → keeps a synced document (checked against the native schema;
 *                                 a repeat with the same Idempotency-Key answers as the first).
 * With `auth` it asks every caller but the file downloads for the credential (a bearer token, or an
 * API key in a header) and answers 401 without it, as the real store asks the hub for its own.
 * It starts with a few demo documents (`seed`) whose files it serves itself at /files/<name>, with
 * their SHA-256, so a reuse taken from it can be fetched and checked like any attachment.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { reply, startSimulatorServer } from '../shared/http-server.ts'
import { createHash, timingSafeEqual } from 'node:crypto'
import { createAjv } from '../../src/validation/ajv.ts'
import { nationalDocumentSchema, SYNC_PATH } from './index.ts'
import type { NationalDataStoreDocument } from './native.generated.ts'

export interface NationalStoreSimulator {
  url: string
  /** the documents it holds, by MaGiayTo */
  documents: Map<string, NationalDataStoreDocument>
  /** the GET requests it answered, by reference, in order */
  fetched: string[]
  /** the requests refused for want of the credential (method and path), in order */
  unauthorized: string[]
  close(): Promise<void>
}

const DEMO_FILE = '%PDF-1.4\n% Giấy khai sinh (bản sao điện tử, mô phỏng)\n%%EOF\n'

/** Demo documents: a birth certificate of the example child (schemas/examples/child-residence-insurance.json). */
export function demoDocuments (base: string): NationalDataStoreDocument[] {
  return [{
    MaGiayTo: 'KHO-KS-038226001234-01',
    SoDinhDanh: '038226001234',
    MaLoaiGiayTo: 'KQ-KS',
    TenGiayTo: 'Giấy khai sinh (bản điện tử)',
    CoQuanCap: 'UBND phường Hạc Thành',
    NgayCap: '20261112090000',
    TrangThai: 1,
    TenTep: 'giay-khai-sinh.pdf',
    KieuTep: 'application/pdf',
    DungLuong: Buffer.byteLength(DEMO_FILE),
    DuongDan: `${base}/files/giay-khai-sinh.pdf`,
    MaBam: createHash('sha256').update(DEMO_FILE).digest('hex')
  }]
}

/** The credential the simulator asks of its callers (as the hub config's nationalDataStore.auth gives it). */
export interface StoreCredential {
  type: 'bearer' | 'api-key'
  /** api-key: the header that carries it (default x-api-key) */
  header?: string
  secret: string
}

/** Whether a request carries the credential (constant-time comparison). */
function authorized (credential: StoreCredential, headers: IncomingHttpHeaders): boolean {
  const name = credential.type === 'bearer' ? 'authorization' : (credential.header ?? 'x-api-key').toLowerCase()
  const raw = headers[name]
  if (typeof raw !== 'string') return false
  let given = raw
  if (credential.type === 'bearer') {
    if (!/^bearer /i.test(raw)) return false
    given = raw.slice(7)
  }
  const a = Buffer.from(given)
  const b = Buffer.from(credential.secret)
  return a.length === b.length && timingSafeEqual(a, b)
}

export async function startNationalStore (options: { port?: number, host?: string, seed?: (base: string) => NationalDataStoreDocument[], log?: (line: string) => void, auth?: StoreCredential } = {}): Promise<NationalStoreSimulator> {
  const documents = new Map<string, NationalDataStoreDocument>()
  const fetched: string[] = []
  const unauthorized: string[] = []
  const synced = new Map<string, string>()
  const validate = createAjv({}, []).compile<NationalDataStoreDocument>(nationalDocumentSchema)
  const log = options.log ?? (() => {})
  const server = await startSimulatorServer((req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const json = (status: number, body: unknown): void => { reply(res, status, body) }
    if (req.method === 'GET' && url.pathname.startsWith('/files/')) {
      res.writeHead(200, { 'content-type': 'application/pdf' })
      res.end(DEMO_FILE)
      return
    }
    if (options.auth !== undefined && !authorized(options.auth, req.headers)) {
      unauthorized.push(`${req.method ?? ''} ${url.pathname}`)
      log(`refused ${req.method ?? ''} ${url.pathname}: no valid credential`)
      res.writeHead(401, { 'content-type': 'application/json', ...(options.auth.type === 'bearer' && { 'www-authenticate': 'Bearer' }) })
      res.end(JSON.stringify({ message: 'thiếu hoặc sai thông tin xác thực' }))
      return
    }
    if (req.method === 'GET' && url.pathname.startsWith(`${SYNC_PATH}/`)) {
      const ref = decodeURIComponent(url.pathname.slice(SYNC_PATH.length + 1))
      fetched.push(ref)
      const doc = documents.get(ref)
      log(`GET ${ref}: ${doc === undefined ? 'none' : doc.TenGiayTo}`)
      if (doc === undefined) { json(404, { message: `không có giấy tờ ${ref}` }); return }
      json(200, doc)
      return
    }
    if (req.method === 'POST' && url.pathname === SYNC_PATH) {
      let body: unknown
      try { body = JSON.parse(raw.toString('utf8')) } catch { json(400, { message: 'not JSON' }); return }
      if (!validate(body)) { json(400, { message: 'not a document', errors: validate.errors }); return }
      const key = String(req.headers['idempotency-key'] ?? '')
      const first = synced.get(key)
      if (first !== undefined) { json(200, { MaGiayTo: first }); return }
      documents.set(body.MaGiayTo, body)
      if (key !== '') synced.set(key, body.MaGiayTo)
      log(`synced ${body.MaGiayTo} (${body.TenGiayTo}) of ${body.SoDinhDanh.slice(0, 3)}…`)
      json(201, { MaGiayTo: body.MaGiayTo })
      return
    }
    json(404, { message: 'no such route' })
  }, options)
  const base = server.base
  for (const d of options.seed?.(base) ?? []) documents.set(d.MaGiayTo, d)
  return {
    url: base,
    documents,
    fetched,
    unauthorized,
    close: server.close
  }
}
