/**
 * Once-only (issue 17): a digitised paper's file sent as raw bytes instead of base64 — POST
 * /v1/documents with `upload: true` and its size and SHA-256, then PUT /v1/documents/{id}/content
 * with the bytes (application/octet-stream, at most documents.contentLimit). Checked against the
 * registered size and SHA-256, kept in the record, served by GET …/content; until it arrives the
 * document is neither offered nor reusable. Who may send it; problem+json on a mismatch, a file
 * too large, an unknown document, another media type; every upload on the access log. Real HTTP
 * (inject), PostgreSQL and Redis.
 */
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { build, example, post, startAgency, testSettings, waitFor, type TestHub, asKey, asPortal, asAgency, asAdmin, type InjectResponse } from '../../helper.ts'
import type { StoredDocument } from '../../../src/types/schemas.generated.ts'
import { toVietnamIso } from '../../../src/domain/vietnam-time.ts'

const CHILD = '038226001234'
const LIMIT = 8192
const minutesAgo = (n: number): string => toVietnamIso(new Date(Date.now() - n * 60_000))
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')
/** A scanned paper of exactly the largest size the hub keeps here: bytes that are not text. */
const SCAN = Buffer.from(Array.from({ length: LIMIT }, (_, i) => (i * 37 + 11) % 256))

const paper = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  holder: CHILD,
  kind: 'KQ-KS',
  name: 'Giấy khai sinh (bản sao số hóa)',
  issuedAt: minutesAgo(60 * 24 * 30),
  fileName: 'giay-khai-sinh.pdf',
  mediaType: 'application/pdf',
  upload: true,
  byteSize: SCAN.length,
  sha256: sha(SCAN),
  ...extra
})

async function put (hub: TestHub, key: string, id: string, body: Buffer | string, type = 'application/octet-stream'): Promise<InjectResponse> {
  return await asKey(hub, key).inject({ method: 'PUT', url: `/v1/documents/${id}/content`, headers: { 'content-type': type }, payload: body })
}

function isProblem (t: Test, res: InjectResponse, status: number, code: string | RegExp, what: string): void {
  t.equal(res.statusCode, status, `${what}: ${status} (${res.body.slice(0, 200)})`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${what}: a problem document`)
  t.match(res.json<{ code: string }>().code, code, `${what}: its code`)
}

t.test('a paper registered for upload, then its file as raw bytes: checked, kept, served; not offered nor reusable before', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), documentFiles: { publicUrl: 'https://truc.thanhhoa.gov.vn', contentLimit: LIMIT } } })
  const desk = hub.keys.agencies.justice as string

  const res = await asKey(hub, desk).inject({ method: 'POST', url: '/v1/documents', payload: paper() })
  t.equal(res.statusCode, 201, res.body)
  const doc = res.json<StoredDocument>()
  t.equal(doc.contentPending, true, 'registered, waiting for its file')
  t.equal(doc.url, `https://truc.thanhhoa.gov.vn/v1/documents/${doc.id}/content`, 'its address is the hub\'s own')
  t.equal(doc.byteSize, SCAN.length)

  // before the file: not served, not offered, not reusable
  t.equal((await asAdmin(hub).inject({ url: `/v1/documents/${doc.id}/content?purpose=DVC-1` })).statusCode, 404, 'no file served yet')
  const offered = await asPortal(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=DVC-1` })
  t.same(offered.json<{ documents: StoredDocument[] }>().documents.map((d) => d.id), [], 'not offered for reuse')
  const child = example('child-residence-insurance')
  child.source = { system: 'dvc-thanhhoa', reference: 'UPLOAD-EARLY' }
  child.attachments = [...(child.attachments ?? []), { componentCode: 'TT-02', componentName: 'Giấy khai sinh', reuse: { documentId: doc.id, consent: { given: true, at: minutesAgo(5) } } } as never]
  const early = await post(asPortal(hub), child)
  isProblem(t, early, 400, 'HUB_ERR_REUSE_REFUSED', 'a reuse before the file arrived')
  t.match(early.body, /has not been uploaded yet/)

  // refusals change nothing
  const other = hub.keys.agencies['land-office'] as string
  isProblem(t, await put(hub, other, doc.id, SCAN), 404, 'HUB_ERR_DOCUMENT_NOT_FOUND', 'another agency')
  isProblem(t, await put(hub, hub.keys.portal as string, doc.id, SCAN), 404, 'HUB_ERR_DOCUMENT_NOT_FOUND', 'the portal, which did not register it')
  isProblem(t, await put(hub, desk, 'doc_00000000000000000000000000000000', SCAN), 404, 'HUB_ERR_DOCUMENT_NOT_FOUND', 'an unknown document')
  const tampered = Buffer.from(SCAN)
  tampered[100] = (tampered[100] ?? 0) ^ 0xff
  const mismatch = await put(hub, desk, doc.id, tampered)
  isProblem(t, mismatch, 400, 'HUB_ERR_VALIDATION', 'other bytes of the same size')
  t.match(mismatch.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /SHA-256/)
  isProblem(t, await put(hub, desk, doc.id, SCAN.subarray(0, 100)), 400, 'HUB_ERR_VALIDATION', 'a shorter file')
  isProblem(t, await put(hub, desk, doc.id, Buffer.concat([SCAN, Buffer.from('x')])), 413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'a file over documents.contentLimit')
  isProblem(t, await put(hub, desk, doc.id, JSON.stringify({ contentBase64: SCAN.subarray(0, 64).toString('base64') }), 'application/json'), 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE', 'JSON')
  isProblem(t, await put(hub, desk, doc.id, SCAN, 'application/pdf'), 415, /MEDIA_TYPE/, 'another media type')
  const [none] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from document_files where document_id = ${doc.id}`
  t.equal(none?.n, 0, 'no file kept by the refusals')

  // the file itself, raw: exactly the largest size kept (as base64 it would be a third larger)
  const ok = await put(hub, desk, doc.id, SCAN)
  t.equal(ok.statusCode, 200, ok.body)
  t.notOk('contentPending' in ok.json<StoredDocument>(), 'no longer waiting for its file')
  const [row] = await hub.db.sql<Array<{ n: number, digest: string }>>`select octet_length(content) as n, encode(sha256(content), 'hex') as digest from document_files where document_id = ${doc.id}`
  t.same(row, { n: SCAN.length, digest: sha(SCAN) }, 'the bytes are in the record, unchanged')
  const read = await asAdmin(hub).inject({ url: `/v1/documents/${doc.id}/content?purpose=DVC-1` })
  t.equal(read.statusCode, 200, 'served by the existing GET')
  t.ok(read.rawPayload.equals(SCAN), 'the same bytes')
  t.equal(read.headers['repr-digest'], `sha-256=:${createHash('sha256').update(SCAN).digest('base64')}:`)
  t.equal((await put(hub, desk, doc.id, SCAN)).statusCode, 200, 'the same bytes again: a repeat, 200')
  isProblem(t, await put(hub, desk, doc.id, tampered), 409, 'HUB_ERR_DOCUMENT_CONTENT_FIXED', 'other bytes once the file is kept')
  const offeredNow = await asPortal(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=DVC-2` })
  t.same(offeredNow.json<{ documents: StoredDocument[] }>().documents.map((d) => d.id), [doc.id], 'offered for reuse now')
  child.source = { system: 'dvc-thanhhoa', reference: 'UPLOAD-LATE' }
  const reused = await post(asPortal(hub), child)
  t.equal(reused.statusCode, 201, `reusable now (${reused.body.slice(0, 200)})`)

  // every upload, accepted or refused, on the access log
  const uploads = (await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'upload')
  t.same(uploads.map((e) => [e.client, e.status]), [
    ['agency-land-office', 404], ['test-portal', 404], ['agency-justice', 400], ['agency-justice', 400], ['agency-justice', 200], ['agency-justice', 200], ['agency-justice', 409]
  ], 'each attempt on a known document, with who made it and its outcome (the repeat too)')

  // a paper registered by address is not waiting for a file
  const byUrl = await asKey(hub, desk).inject({ method: 'POST', url: '/v1/documents', payload: paper({ upload: undefined, url: 'https://motcua.thanhhoa.gov.vn/x.pdf' }) })
  t.equal(byUrl.statusCode, 201, byUrl.body)
  isProblem(t, await put(hub, desk, byUrl.json<StoredDocument>().id, SCAN), 409, 'HUB_ERR_DOCUMENT_CONTENT_FIXED', 'a document registered by address')
})

t.test('registration for upload: byteSize required and within the limit; one of url, contentBase64, upload', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), documentFiles: { contentLimit: LIMIT } } })
  const desk = hub.keys.agencies.justice as string
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no size', paper({ byteSize: undefined }), /byteSize/],
    ['over the limit', paper({ byteSize: LIMIT + 1 }), /at most 8192 bytes/],
    ['empty', paper({ byteSize: 0 }), /not empty/],
    ['upload and url', paper({ url: 'https://x.vn/a.pdf' }), /exactly one of url/]
  ]
  for (const [what, body, why] of cases) {
    const res = await asKey(hub, desk).inject({ method: 'POST', url: '/v1/documents', payload: body })
    isProblem(t, res, 400, 'HUB_ERR_VALIDATION', what)
    t.match(res.body, why, `${what}: says why`)
  }
  const [n] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from documents`
  t.equal(n?.n, 0, 'nothing registered')
  // an administrator may send the file of any paper registered for upload
  const doc = (await asAgency(hub, 'justice').inject({ method: 'POST', url: '/v1/documents', payload: paper() })).json<StoredDocument>()
  const res = await asAdmin(hub).inject({ method: 'PUT', url: `/v1/documents/${doc.id}/content`, headers: { 'content-type': 'application/octet-stream' }, payload: SCAN })
  t.equal(res.statusCode, 200, res.body)
})

t.test('an upload of a paper digitised for a dossier is on that dossier\'s audit trail', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), documentFiles: { contentLimit: LIMIT } } })
  const birth = example('birth-registration')
  birth.source = { ...birth.source, reference: `${birth.source.reference}-upload` }
  const res = await post(asPortal(hub), birth)
  t.equal(res.statusCode, 201, res.body)
  const code = res.json<{ code: string }>().code
  const registered = await asAgency(hub, 'justice').inject({ method: 'POST', url: '/v1/documents', payload: paper({ dossier: code }) })
  t.equal(registered.statusCode, 201, registered.body)
  const doc = registered.json<StoredDocument>()
  const up = await asAgency(hub, 'justice').inject({ method: 'PUT', url: `/v1/documents/${doc.id}/content`, headers: { 'content-type': 'application/octet-stream' }, payload: SCAN })
  t.equal(up.statusCode, 200, up.body)
  await waitFor(async () => (await asAdmin(hub).inject(`/v1/dossiers/${code}/audit`)).json<{ entries: Array<{ action: string, status: number }> }>().entries.some((e) => e.action === 'upload-document' && e.status === 200), 'the upload on the dossier\'s audit trail')
  t.pass('the upload is on the audit trail of the dossier the paper was digitised for')
  t.match((await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'upload'), [{ purpose: code, status: 200 }], 'and on the access log with the dossier as its purpose')
})
