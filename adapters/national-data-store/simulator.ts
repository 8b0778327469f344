/**
 * A simulated national personal data store on DVCQG (npm run agencies, when the hub config names
 * one on this machine; the tests start it too): a real HTTP server that answers
 *   GET  /documents/<MaGiayTo>  → the document (200) in the store's native format, or 404;
 *   POST /documents             → keeps a synced document (checked against the native schema;
 *                                 a repeat with the same Idempotency-Key answers as the first).
 * It starts with a few demo documents (`seed`) whose files it serves itself at /files/<name>, with
 * their SHA-256, so a reuse taken from it can be fetched and checked like any attachment.
 */
import { reply, startSimulatorServer } from '../shared/http-server.ts'
import { createHash } from 'node:crypto'
import { createAjv } from '../../src/validation/ajv.ts'
import { nationalDocumentSchema, SYNC_PATH } from './index.ts'
import type { NationalDataStoreDocument } from './native.generated.ts'

export interface NationalStoreSimulator {
  url: string
  /** the documents it holds, by MaGiayTo */
  documents: Map<string, NationalDataStoreDocument>
  /** the GET requests it answered, by reference, in order */
  fetched: string[]
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

export async function startNationalStore (options: { port?: number, host?: string, seed?: (base: string) => NationalDataStoreDocument[], log?: (line: string) => void } = {}): Promise<NationalStoreSimulator> {
  const documents = new Map<string, NationalDataStoreDocument>()
  const fetched: string[] = []
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
    close: server.close
  }
}
