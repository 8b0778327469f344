/**
 * Once-only (issue 17, points 3 and 4): the hub keeps the file of a paper digitised at the desk
 * (POST /v1/documents with contentBase64; PostgreSQL, table document_files), checks its SHA-256
 * and size, serves it at GET /v1/documents/{id}/content to those allowed, each read on the access
 * log with its purpose; and a paper's dossier label must name a dossier the caller holds. Real
 * HTTP, PostgreSQL and Redis.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { build, example, post, startAgency, testSettings, waitFor, type TestHub, asKey, asPortal, asAgency, asAdmin, asAuditor, type InjectResponse } from '../../helper.ts'
import type { Dossier, DossierSummary, StoredDocument } from '../../../src/types/schemas.generated.ts'
import { toVietnamIso } from '../../../src/domain/vietnam-time.ts'

const CHILD = '038226001234'
const minutesAgo = (n: number): string => toVietnamIso(new Date(Date.now() - n * 60_000))
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')
/** A scanned paper: bytes that are not text, so base64 and size are exercised for real. */
const SCAN = Buffer.concat([Buffer.from('%PDF-1.7\n% bản sao số hóa giấy khai sinh\n'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37 + 11) % 256)), Buffer.from('\n%%EOF\n')])

const paper = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  holder: CHILD,
  kind: 'KQ-KS',
  name: 'Giấy khai sinh (bản sao số hóa)',
  issuedAt: minutesAgo(60 * 24 * 30),
  fileName: 'giấy khai sinh.pdf',
  mediaType: 'application/pdf',
  contentBase64: SCAN.toString('base64'),
  sha256: sha(SCAN),
  ...extra
})

async function register (hub: TestHub, key: string, body: Record<string, unknown>): Promise<InjectResponse> {
  return await asKey(hub, key).inject({ method: 'POST', url: '/v1/documents', payload: body })
}
const documentCount = async (hub: TestHub): Promise<number> => (await hub.db.sql<Array<{ n: number }>>`select (select count(*) from documents)::int + (select count(*) from document_files)::int as n`)[0]?.n ?? 0

t.test('a paper registered with its file: kept in the record, its SHA-256 and size checked, served to those allowed, each read logged with its purpose', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), documentFiles: { publicUrl: 'https://truc.thanhhoa.gov.vn', contentLimit: 8192 } } })
  const desk = hub.keys.agencies.justice as string

  const res = await register(hub, desk, paper())
  t.equal(res.statusCode, 201, res.body)
  const doc = res.json<StoredDocument>()
  t.equal(doc.url, `https://truc.thanhhoa.gov.vn/v1/documents/${doc.id}/content`, 'its address is the hub\'s own (documents.publicUrl)')
  t.equal(doc.byteSize, SCAN.length, 'its size is the file\'s')
  t.equal(doc.sha256, sha(SCAN))
  const [row] = await hub.db.sql<Array<{ n: number, digest: string }>>`select octet_length(content) as n, encode(sha256(content), 'hex') as digest from document_files where document_id = ${doc.id}`
  t.same(row, { n: SCAN.length, digest: sha(SCAN) }, 'the bytes are in the record, unchanged')

  // the portal reads it for the dossier it prepares; without a purpose it is refused
  const read = await asPortal(hub).inject({ url: `/v1/documents/${doc.id}/content?purpose=DVC-2026-12-0001` })
  t.equal(read.statusCode, 200, read.body)
  t.ok(read.rawPayload.equals(SCAN), 'the same bytes')
  t.equal(read.headers['content-type'], 'application/pdf')
  t.equal(Number(read.headers['content-length']), SCAN.length)
  t.equal(read.headers['repr-digest'], `sha-256=:${createHash('sha256').update(SCAN).digest('base64')}:`)
  t.match(read.headers['content-disposition'], /attachment; filename\*=UTF-8''gi%E1%BA%A5y%20khai%20sinh\.pdf/)
  t.equal(read.headers['cache-control'], 'private, no-store')
  const noPurpose = await asPortal(hub).inject({ url: `/v1/documents/${doc.id}/content` })
  t.equal(noPurpose.statusCode, 400, 'the portal says what it reads for')
  t.match(noPurpose.json<{ errors: Array<{ pointer: string }> }>().errors[0]?.pointer, '#/querystring/purpose')

  // the issuer reads it; another agency does not learn it exists
  t.equal((await asKey(hub, desk).inject({ url: `/v1/documents/${doc.id}/content` })).statusCode, 200, 'the desk that digitised it')
  const foreign = await asAgency(hub, 'police-residence').inject({ url: `/v1/documents/${doc.id}/content?purpose=x` })
  t.equal(foreign.statusCode, 404, 'an agency no dossier of which contains it: 404')
  t.equal(foreign.json<{ code: string }>().code, 'HUB_ERR_DOCUMENT_NOT_FOUND')
  t.equal((await asAdmin(hub).inject({ url: '/v1/documents/doc_00000000000000000000000000000000/content?purpose=x' })).statusCode, 404, 'unknown')
  t.equal((await asAuditor(hub).inject({ url: `/v1/documents/${doc.id}/content` })).statusCode, 403, 'an auditor reads no file')

  // the child's dossier reuses it: the police, on its route, may read it now, for that dossier
  const s = example('child-residence-insurance')
  s.source = { system: 'dvc-thanhhoa', reference: 'FILES-1' }
  s.attachments = [...(s.attachments ?? []), { componentCode: 'TT-02', reuse: { documentId: doc.id, consent: { given: true, at: minutesAgo(1) } } } as never]
  const submitted = await post(asPortal(hub), s)
  t.equal(submitted.statusCode, 201, submitted.body)
  const code = submitted.json<DossierSummary>().code
  const attachment = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>().attachments?.[1]
  t.match(attachment, { url: doc.url, byteSize: SCAN.length, sha256: sha(SCAN), digitized: true, reused: { documentId: doc.id } }, 'carried as the hub\'s address, with its real size')
  // naming another dossier as its purpose puts nothing on that dossier: the read is for the one it may read through
  const other = example('birth-registration')
  other.source = { system: 'dvc-thanhhoa', reference: 'FILES-OTHER' }
  const elsewhere = (await post(asPortal(hub), other)).json<DossierSummary>().code
  const police = await asAgency(hub, 'police-residence').inject({ url: `/v1/documents/${doc.id}/content?purpose=${elsewhere}` })
  t.equal(police.statusCode, 200, 'an agency a dossier that reused it is routed to')
  t.ok(police.rawPayload.equals(SCAN))
  t.equal((await asAgency(hub, 'land-office').inject({ url: `/v1/documents/${doc.id}/content?purpose=x` })).statusCode, 404, 'still not an agency off its route')

  await waitFor(async () => (await asAdmin(hub).inject(`/v1/dossiers/${code}/audit`)).json<{ entries: Array<{ action: string }> }>().entries.some((e) => e.action === 'read-document'), 'the read on the reusing dossier\'s trail')
  t.notOk((await asAdmin(hub).inject(`/v1/dossiers/${elsewhere}/audit`)).json<{ entries: Array<{ action: string }> }>().entries.some((e) => e.action === 'read-document'), 'none on the dossier it named')
  const log = (await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'read')
  t.same(log.map((e) => [e.client, e.purpose ?? null, e.status]), [
    ['test-portal', 'DVC-2026-12-0001', 200],
    ['agency-justice', null, 200],
    ['agency-police-residence', 'x', 404],
    ['agency-police-residence', code, 200],
    ['agency-land-office', 'x', 404]
  ], 'every read and refusal on the access log, with its purpose')
  t.equal(log.find((e) => e.client === 'agency-police-residence' && e.status === 200)?.purpose, code, 'the police\'s read: for the dossier through which it may read')
  t.equal(log[0]?.purpose, 'DVC-2026-12-0001', 'the portal\'s: the purpose it gave')
  // a read for a dossier the hub holds is on that dossier's audit trail
  await asPortal(hub).inject({ url: `/v1/documents/${doc.id}/content?purpose=${code}` })
  await waitFor(async () => (await asAdmin(hub).inject(`/v1/dossiers/${code}/audit`)).json<{ entries: Array<{ action: string, client: string }> }>().entries.some((e) => e.action === 'read-document' && e.client === 'test-portal'), 'the read on the dossier\'s audit trail')

  // a paper registered by its address: the hub keeps no file for it
  const byUrl = await register(hub, desk, { ...paper(), contentBase64: undefined, url: 'https://motcua.thanhhoa.gov.vn/so-hoa/1.pdf', sha256: sha('elsewhere'), byteSize: 9 })
  t.equal(byUrl.statusCode, 201, byUrl.body)
  const none = await asPortal(hub).inject({ url: `/v1/documents/${byUrl.json<StoredDocument>().id}/content?purpose=p` })
  t.equal(none.statusCode, 404)
  t.equal(none.json<{ code: string }>().code, 'HUB_ERR_DOCUMENT_CONTENT_NOT_FOUND')
})

t.test('a file refused: SHA-256 or size not the file\'s, over the limit, both or neither of url and content, a body too large — nothing stored', async (t) => {
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: 'http://127.0.0.1:9' }), documentFiles: { contentLimit: 2 * 1024 * 1024 } } })
  const desk = hub.keys.agencies.justice as string
  const small = SCAN.subarray(0, 1500)
  const before = await documentCount(hub)
  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['another digest', paper({ contentBase64: small.toString('base64'), sha256: sha('other') }), '#/sha256', /does not match the SHA-256 of contentBase64/],
    ['another size', paper({ contentBase64: small.toString('base64'), sha256: sha(small), byteSize: 1499 }), '#/byteSize', /says 1499 bytes, but contentBase64 holds 1500/],
    ['over the limit', paper({ contentBase64: Buffer.alloc(2 * 1024 * 1024 + 1).toString('base64') }), '#/contentBase64', /is 2097153 bytes; the hub keeps files of at most 2097152 bytes/],
    ['both', paper({ contentBase64: small.toString('base64'), sha256: sha(small), url: 'https://x.vn/x.pdf' }), '#', /exactly one of url/],
    ['neither', paper({ contentBase64: undefined }), '#', /exactly one of url/]
  ]
  for (const [name, body, pointer, why] of cases) {
    const res = await register(hub, desk, body)
    t.equal(res.statusCode, 400, `${name}: 400`)
    const problem = res.json<{ errors: Array<{ pointer: string, detail: string }> }>()
    t.equal(problem.errors[0]?.pointer, pointer, `${name}: names the field`)
    t.match(problem.errors[0]?.detail, why, `${name}: and the rule`)
  }
  const huge = await register(hub, desk, paper({ contentBase64: Buffer.alloc(4 * 1024 * 1024).toString('base64') }))
  t.equal(huge.statusCode, 413, 'a body beyond the route\'s limit: 413')
  t.match(huge.json<{ detail: string }>().detail, /larger than this route accepts \(\d+ bytes: a file of at most documents.contentLimit/, 'naming the route\'s limit, not BODY_LIMIT')
  t.equal(await documentCount(hub), before, 'nothing stored')
  const ok = await register(hub, desk, paper({ contentBase64: small.toString('base64'), sha256: sha(small) }))
  t.equal(ok.statusCode, 201, ok.body)
  t.match(ok.json<StoredDocument>().url, /^http:\/\/localhost(:80)?\/v1\/documents\/doc_[0-9a-f]{32}\/content$/, 'no publicUrl: the address the caller reached the hub at')
})

t.test('a dossier label must name a dossier the caller holds (an agency: routed to it); otherwise 400, nothing stored', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const code = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>().code
  const byUrl = (dossier: string): Record<string, unknown> => paper({ contentBase64: undefined, url: 'https://motcua.thanhhoa.gov.vn/so-hoa/x.pdf', sha256: sha('x'), dossier })
  const before = await documentCount(hub)
  const notRouted = await register(hub, hub.keys.agencies['land-office'] as string, byUrl(code))
  t.equal(notRouted.statusCode, 400, 'an agency labels with a dossier not routed to it: 400')
  t.equal(notRouted.json<{ errors: Array<{ pointer: string }> }>().errors[0]?.pointer, '#/dossier')
  t.match(notRouted.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /names no dossier routed to agency land-office/)
  const unknown = await register(hub, hub.keys.agencies.justice as string, byUrl('000.00.00.H56-261231-9999'))
  t.equal(unknown.statusCode, 400, 'a dossier that does not exist: 400')
  t.equal(unknown.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, notRouted.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail.replace('land-office', 'justice'), 'answered as one not routed: an agency learns nothing')
  const portalUnknown = await register(hub, hub.keys.portal, { ...byUrl('000.00.00.H56-261231-9999'), issuer: 'justice' })
  t.equal(portalUnknown.statusCode, 400, 'the portal: a dossier the hub does not hold')
  t.match(portalUnknown.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /names no dossier the hub holds/)
  t.equal(await documentCount(hub), before, 'nothing stored')
  t.equal((await register(hub, hub.keys.agencies.justice as string, byUrl(code))).statusCode, 201, 'the agency the dossier is routed to')
  t.equal((await register(hub, hub.keys.portal, { ...byUrl(code), issuer: 'justice' })).statusCode, 201, 'the portal, a dossier the hub holds')
})
