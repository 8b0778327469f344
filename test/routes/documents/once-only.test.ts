/**
 * Once-only (issue 17), end to end over real HTTP, PostgreSQL and Redis: a result issued through
 * the hub is registered in the document store and reused in a later dossier instead of being
 * attached again; refusals (another holder, expired, revoked, no consent) store nothing; each
 * agency receives the reused document in its native format; the lookup is the portal's and the
 * administrators', with its purpose on the access log; the national personal data store is asked
 * by reference (its simulator, a real server).
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { build, example, post, startAgency, storedDossiers, testSettings, waitFor, type AgencyServer, type TestHub, asAdmin, asKey, asPortal, asAgency, asAuditor } from '../../helper.ts'
import type { Dossier, DossierSubmission, DossierSummary, StoredDocument, StatusReport } from '../../../src/types/schemas.generated.ts'
import type { NationalPortalRecord } from '../../../adapters/national-portal/native.generated.ts'
import { startNationalStore, demoDocuments } from '../../../adapters/national-data-store/simulator.ts'
import { toVietnamIso } from '../../../src/domain/vietnam-time.ts'
import { vietnamDate } from '../../../src/domain/calendar.ts'
import type { IndicatorReport, IndicatorUnit } from '../../../src/types/schemas.generated.ts'

/** Indicators 4.3 and 4.4 of today (Vietnam date), per unit. */
async function onceOnlyFigures (hub: TestHub): Promise<IndicatorReport> {
  const today = vietnamDate(new Date())
  const res = await asAdmin(hub).inject(`/v1/reports/indicators?from=${today}&to=${today}`)
  if (res.statusCode !== 200) throw new Error(`indicators answered ${res.statusCode}: ${res.body}`)
  return res.json<IndicatorReport>()
}
const figure = (unit: IndicatorUnit | undefined, id: string): unknown => {
  const f = unit?.indicators.find((i) => i.id === id)
  return [f?.numerator, f?.denominator, f?.value]
}

const CHILD = '038226001234'
const MOTHER = '038190012345'
const CHILD_PROCEDURE = '1.004194.000.00.00.H56'
const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
const minutesAgo = (n: number): string => toVietnamIso(new Date(Date.now() - n * 60_000))

let eventSeq = 0
async function report (hub: TestHub, code: string, agency: string, r: StatusReport): Promise<number> {
  const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `oo-${process.pid}-${++eventSeq}`, agency, report: r } })
  return res.statusCode
}

async function dossier (hub: TestHub, code: string): Promise<Dossier> {
  return (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })).json<Dossier>()
}

/** The child's residence and health insurance dossier, its birth certificate given by reuse. */
function childDossier (reference: string, reuse: Record<string, unknown>): DossierSubmission {
  const s = example('child-residence-insurance')
  s.source = { system: 'dvc-thanhhoa', reference }
  s.attachments = [...(s.attachments ?? []), { componentCode: 'TT-02', componentName: 'Giấy khai sinh', reuse } as never]
  return s
}

const consent = (at = minutesAgo(5)): { given: boolean, at: string } => ({ given: true, at })

/** Registers a digitised paper as `agency`'s desk; answers the stored document. */
async function digitize (hub: TestHub, agency: string, paper: Record<string, unknown>): Promise<StoredDocument> {
  const res = await asKey(hub, hub.keys.agencies[agency] as string).inject({
    method: 'POST',
    url: '/v1/documents',
    payload: { kind: 'KQ-KS', name: 'Giấy khai sinh (bản sao số hóa)', issuedAt: minutesAgo(60 * 24 * 10), fileName: 'giay-khai-sinh.pdf', mediaType: 'application/pdf', byteSize: 1234, url: `https://motcua.thanhhoa.gov.vn/so-hoa/${String(paper.holder)}-${eventSeq++}.pdf`, sha256: sha(`paper ${eventSeq}`), ...paper }
  })
  if (res.statusCode !== 201) throw new Error(`digitize answered ${res.statusCode}: ${res.body}`)
  return res.json<StoredDocument>()
}

/** An object anywhere in `body` that holds `value` as one of its own values. */
function holderOf (body: unknown, value: string): Record<string, unknown> | undefined {
  if (body === null || typeof body !== 'object') return undefined
  if (!Array.isArray(body) && Object.values(body).includes(value)) return body as Record<string, unknown>
  for (const v of Object.values(body)) {
    const found = holderOf(v, value)
    if (found !== undefined) return found
  }
  return undefined
}

const deliveredTo = (agency: AgencyServer, id: string): unknown[] => agency.requests.filter((r) => r.path === `/${id}`).map((r) => r.body)

t.test('a child\'s birth certificate, issued through the hub by justice, is reused for the child\'s residence registration and health insurance card', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })

  // 1. the birth registration: justice issues the birth certificate, the child's document
  const birth = await post(asPortal(hub), example('birth-registration'))
  t.equal(birth.statusCode, 201)
  const birthCode = birth.json<DossierSummary>().code
  await waitFor(() => deliveredTo(agency, 'justice').length === 1, 'justice delivered')
  // the civil-status software keeps the file at its own address (a real server); its report gives no size
  const CERT = '%PDF-1.4\n% giấy khai sinh của trẻ\n%%EOF\n'
  const files = await startAgency(t, (_req, res) => { res.writeHead(200, { 'content-type': 'application/pdf' }); res.end(CERT) })
  const certificate = { name: 'Giấy khai sinh (bản chính)', componentCode: 'KQ-KS', url: `${files.url}/ketqua/${birthCode}/giay-khai-sinh.pdf`, sha256: sha(CERT), mediaType: 'application/pdf', holder: CHILD }
  t.equal(await report(hub, birthCode, 'justice', { status: 'resolved', results: [certificate] }), 201)

  // 2. the portal looks the child's documents up, for the dossier it prepares
  const lookup = await asPortal(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=DVC-2026-11-000456` })
  t.equal(lookup.statusCode, 200, lookup.body)
  const documents = lookup.json<{ documents: StoredDocument[] }>().documents
  t.equal(documents.length, 1, 'one valid document')
  const issued = documents[0] as StoredDocument
  t.match(issued, { holder: CHILD, kind: 'KQ-KS', issuer: 'justice', origin: 'result', dossier: birthCode, url: certificate.url, sha256: certificate.sha256 }, 'the birth certificate, registered from justice\'s result')
  t.equal((await asAdmin(hub).inject({ url: `/v1/holders/${MOTHER}/documents?purpose=x` })).json<{ documents: unknown[] }>().documents.length, 0, 'registered under the child, not the applicant')
  // a repeat of justice's report registers nothing twice
  await report(hub, birthCode, 'justice', { status: 'resolved', results: [certificate] })
  t.equal((await asAdmin(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=x` })).json<{ documents: unknown[] }>().documents.length, 1, 'registered once')

  // 3. the child's residence and health insurance dossier reuses it instead of attaching it
  const consentAt = minutesAgo(3)
  const submitted = await post(asPortal(hub), childDossier('DVC-2026-11-000456', { documentId: issued.id, consent: consent(consentAt) }))
  t.equal(submitted.statusCode, 201, submitted.body)
  const code = submitted.json<DossierSummary>().code
  const stored = await dossier(hub, code)
  t.same(stored.attachments?.[1], {
    componentCode: 'TT-02',
    componentName: 'Giấy khai sinh',
    fileName: 'giay-khai-sinh.pdf',
    mediaType: 'application/pdf',
    byteSize: Buffer.byteLength(CERT),
    sha256: certificate.sha256,
    url: certificate.url,
    digitized: false,
    reused: { documentId: issued.id, consentAt }
  }, 'the component is the stored document\'s file reference, its size read once at its address, and digest, marked reused with the consent\'s time')
  t.equal(files.requests.length, 1, 'the file read once to learn its size')
  t.equal((await hub.app.hub.documents.store.get(issued.id))?.byteSize, Buffer.byteLength(CERT), 'and the size recorded with the document')

  // 4. both agencies receive it as any attachment, in their format (generic: the canonical attachment)
  // (each also receives the birth registration itself, its stage 2, with the certificate among its results)
  const of = (id: string): unknown => deliveredTo(agency, id).find((b) => (b as { dossier: { code: string } }).dossier.code === code)
  await waitFor(() => of('police-residence') !== undefined && of('social-insurance') !== undefined, 'residence and health insurance delivered')
  for (const id of ['police-residence', 'social-insurance']) {
    const item = holderOf((of(id) as { dossier: { attachments: unknown } }).dossier.attachments, certificate.url)
    t.equal(item?.sha256, certificate.sha256, `${id}: the birth certificate's address with its SHA-256`)
    t.same(item?.reused, { documentId: issued.id, consentAt }, `${id}: marked reused`)
  }

  // 5. the national record says it was reused (DuocTaiSuDung), not from the national store
  const record = (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}/national-record` })).json<NationalPortalRecord>()
  t.same(record.TaiLieuNop?.map((d) => [d.MaThanhPhanHoSo, d.DuocTaiSuDung, d.DuocLayTuKhoDMQG]), [['TT-01', 0, 0], ['TT-02', 1, 0]])

  // 6. the lookup and the reuse are on the access log with their purposes
  const log = await hub.app.hub.documents.store.accessOf(CHILD)
  t.match(log.map((e) => [e.action, e.purpose, e.client]), [
    ['register', birthCode, 'justice'],
    ['lookup', 'DVC-2026-11-000456', 'test-portal'],
    ['lookup', 'x', 'test-admin'],
    ['reuse', code, 'test-portal']
  ], 'registration, lookups and reuse, each with its purpose')
  t.same(log.find((e) => e.action === 'reuse')?.documentIds, [issued.id])

  // 7. indicators 4.3 and 4.4 count from it: of the two dossiers received today, one reused a document
  const figures = await onceOnlyFigures(hub)
  t.same(figure(figures.province, '4.3'), [1, 2, 50], '4.3: 1 of 2 received dossiers reused a document')
  t.same(figure(figures.province, '4.4'), [0, 2, 0], '4.4: none from the national personal data store')
  t.same(figure(figures.agencies.find((a) => a.key === 'justice'), '4.3'), [0, 1, 0], 'justice\'s dossier reused nothing')
  t.same(figure(figures.procedures?.find((a) => a.key === CHILD_PROCEDURE), '4.3'), [1, 1, 100], 'per procedure')

  // 8. the same submission again is the same dossier
  const again = await post(asPortal(hub), childDossier('DVC-2026-11-000456', { documentId: issued.id, consent: consent(consentAt) }))
  t.equal(again.statusCode, 200)
  t.equal(again.json<DossierSummary>().code, code)
  // 9. another dossier reusing it: its size is known now, the file is not read again
  t.equal((await post(asPortal(hub), childDossier('DVC-2026-11-000457', { documentId: issued.id, consent: consent() }))).statusCode, 201)
  t.equal(files.requests.length, 1, 'read once only')
})

t.test('refusals: another holder, expired, revoked, no consent — a 400 naming the component and why, nothing stored', async (t) => {
  const hub = await build(t)
  const other = await digitize(hub, 'justice', { holder: '038226009999' })
  const expired = await digitize(hub, 'justice', { holder: CHILD, validUntil: minutesAgo(60) })
  const revoked = await digitize(hub, 'justice', { holder: CHILD })
  const valid = await digitize(hub, 'justice', { holder: CHILD })

  // revocation: only the issuer
  const foreign = await asAgency(hub, 'land-office').inject({ method: 'POST', url: `/v1/documents/${revoked.id}/revocation`, payload: { reason: 'x' } })
  t.equal(foreign.statusCode, 404, 'another agency cannot revoke it, nor learn that it exists')
  t.equal(foreign.json<{ code: string }>().code, 'HUB_ERR_DOCUMENT_NOT_FOUND')
  const revocation = await asAgency(hub, 'justice').inject({ method: 'POST', url: `/v1/documents/${revoked.id}/revocation`, payload: { reason: 'Cấp nhầm' } })
  t.equal(revocation.statusCode, 200, revocation.body)
  t.ok(revocation.json<StoredDocument>().revokedAt, 'revoked')
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: '/v1/documents/doc_00000000000000000000000000000000/revocation', payload: {} })).statusCode, 404, 'unknown document')

  // the lookup offers only what is valid now: not the expired one, not the revoked one
  const offered = (await asPortal(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=p` })).json<{ documents: StoredDocument[] }>().documents
  t.same(offered.map((d) => d.id), [valid.id], 'only the valid document is offered')
  t.same((await asAdmin(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=p&kind=OTHER` })).json<{ documents: unknown[] }>().documents, [], 'filtered by kind')

  const before = await storedDossiers(hub)
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['another holder', { documentId: other.id, consent: consent() }, /belongs to another holder/],
    ['expired', { documentId: expired.id, consent: consent() }, /expired on/],
    ['revoked', { documentId: revoked.id, consent: consent() }, /was revoked on/],
    ['no consent', { documentId: valid.id }, /consent to reuse this document is missing/],
    ['consent refused', { documentId: valid.id, consent: { given: false, at: minutesAgo(1) } }, /consent to reuse this document is missing/],
    ['consent after receipt', { documentId: valid.id, consent: { given: true, at: toVietnamIso(new Date(Date.now() + 3_600_000)) } }, /is after the dossier's receipt/],
    ['unknown document', { documentId: 'doc_00000000000000000000000000000000', consent: consent() }, /no document has the id/]
  ]
  for (const [name, reuse, why] of cases) {
    const res = await post(asPortal(hub), childDossier(`REF-${name}`, reuse))
    t.equal(res.statusCode, 400, `${name}: 400`)
    const body = res.json<{ code: string, detail: string, errors: Array<{ pointer: string, detail: string }> }>()
    t.equal(body.code, 'HUB_ERR_REUSE_REFUSED', `${name}: its code`)
    t.match(body.detail, /^Component TT-02 \(Giấy khai sinh\) cannot be reused/, `${name}: the summary names the component`)
    t.equal(body.errors[0]?.pointer, '#/attachments/1/reuse', `${name}: points at the component`)
    t.match(body.errors[0]?.detail, why, `${name}: says why`)
    t.match(body.errors[0]?.detail, /^component TT-02 \(Giấy khai sinh\): /, `${name}: names the component`)
    t.notMatch(body.errors[0]?.detail, /038226009999/, `${name}: never names another holder`)
  }
  t.equal(await storedDossiers(hub), before, 'nothing stored')
  t.equal((await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'reuse').length, 0, 'no reuse logged')

  // the valid one with consent is accepted; a sender cannot mark a file reused itself
  t.equal((await post(asPortal(hub), childDossier('REF-ok', { documentId: valid.id, consent: consent() }))).statusCode, 201)
  const claimed = example('child-residence-insurance')
  claimed.attachments = claimed.attachments?.map((a) => ({ ...a, reused: { documentId: valid.id, consentAt: minutesAgo(1) } }))
  const res = await post(asPortal(hub), claimed)
  t.equal(res.statusCode, 400)
  t.match(res.json<{ errors: Array<{ pointer: string }> }>().errors[0]?.pointer, '#/attachments/0/reused', 'reused is the hub\'s to set')
  // neither or both of documentId and nationalStoreReference; a schema error for a bad id
  t.equal((await post(asPortal(hub), childDossier('REF-none', { consent: consent() }))).json<{ code: string }>().code, 'HUB_ERR_REUSE_REFUSED')
  t.equal((await post(asPortal(hub), childDossier('REF-bad', { documentId: 'nope', consent: consent() }))).statusCode, 400)
})

t.test('each agency receives the reused document in its native format', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const cases: Array<{ example: Parameters<typeof example>[0], agency: string, sha: string }> = [
    { example: 'marriage-registration', agency: 'justice', sha: 'maBam' },
    { example: 'land-first-certificate', agency: 'land-office', sha: 'MaBam' },
    { example: 'electricity-new-connection', agency: 'evn', sha: 'sha256' }
  ]
  for (const c of cases) {
    const s = example(c.example)
    const holder = s.applicant.identity.number
    const paper = await digitize(hub, 'justice', { holder, kind: 'GT-CN', name: 'Giấy tờ số hóa' })
    s.source = { ...s.source, reference: `${s.source.reference}-reuse` }
    s.attachments = [...(s.attachments ?? []), { componentCode: 'GT-SH', reuse: { documentId: paper.id, consent: consent() } } as never]
    const res = await post(asPortal(hub), s)
    t.equal(res.statusCode, 201, `${c.example}: ${res.body}`)
    // the agency by its id, or one of its kind where the route picks the competent office (land-office-…)
    const request = await waitFor(() => agency.requests.find((r) => r.path.startsWith(`/${c.agency}`) && holderOf(r.body, paper.url) !== undefined), `${c.agency} delivered`)
    const item = holderOf(request.body, paper.url)
    t.equal(item?.[c.sha], paper.sha256, `${c.agency}: the file reference with its SHA-256 (${c.sha})`)
  }
})

t.test('a repeat of a submission accepted before its document was revoked: its dossier, not a refusal', async (t) => {
  const hub = await build(t)
  const paper = await digitize(hub, 'justice', { holder: CHILD })
  const given = consent()
  const first = await post(asPortal(hub), childDossier('REF-REPEAT', { documentId: paper.id, consent: given }))
  t.equal(first.statusCode, 201, first.body)
  const code = first.json<DossierSummary>().code
  const revoked = await asAgency(hub, 'justice').inject({ method: 'POST', url: `/v1/documents/${paper.id}/revocation`, payload: { reason: 'Cấp nhầm' } })
  t.equal(revoked.statusCode, 200, revoked.body)
  const before = await storedDossiers(hub)

  const again = await post(asPortal(hub), childDossier('REF-REPEAT', { documentId: paper.id, consent: given }))
  t.equal(again.statusCode, 200, `the same submission again: 200 (${again.body})`)
  t.equal(again.json<DossierSummary>().code, code, 'with the dossier it made')
  const changed = childDossier('REF-REPEAT', { documentId: paper.id, consent: given })
  changed.applicant.fullName = 'Nguyễn Văn Khác'
  const conflict = await post(asPortal(hub), changed)
  t.equal(conflict.statusCode, 409, 'the same reference with other content: 409, as for any repeat')
  const fresh = await post(asPortal(hub), childDossier('REF-NEW', { documentId: paper.id, consent: given }))
  t.equal(fresh.statusCode, 400, 'a new submission naming the revoked document is refused')
  t.equal(fresh.json<{ code: string }>().code, 'HUB_ERR_REUSE_REFUSED')
  t.equal(await storedDossiers(hub), before, 'nothing stored by the repeat or the refusals')
})

t.test('who may look up, register and revoke; an agency sees what the dossiers routed to it contain', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const paper = await digitize(hub, 'justice', { holder: CHILD })
  const url = `/v1/holders/${CHILD}/documents?purpose=DVC-1`
  t.equal((await asAgency(hub, 'justice').inject({ url })).statusCode, 403, 'an agency cannot look documents up')
  t.equal((await asAuditor(hub).inject({ url })).statusCode, 403, 'nor an auditor')
  t.equal((await asAdmin(hub).inject({ url: `/v1/holders/${CHILD}/documents` })).statusCode, 400, 'the purpose is required')
  t.equal((await asAdmin(hub).inject({ url: '/v1/holders/x/documents?purpose=a' })).statusCode, 400, 'a holder is a personal number or an organisation code')
  t.equal((await asAuditor(hub).inject({ method: 'POST', url: '/v1/documents', payload: {} })).statusCode, 403, 'an auditor registers nothing')
  t.equal((await asPortal(hub).inject({ method: 'POST', url: `/v1/documents/${paper.id}/revocation`, payload: {} })).statusCode, 403, 'the portal revokes nothing')
  const wrongIssuer = await asAgency(hub, 'justice').inject({ method: 'POST', url: '/v1/documents', payload: { holder: CHILD, kind: 'X', name: 'X', issuedAt: minutesAgo(10), fileName: 'x.pdf', url: 'https://x.vn/x.pdf', sha256: sha('x'), issuer: 'land-office' } })
  t.equal(wrongIssuer.statusCode, 400, 'an agency registers as itself')

  const res = await post(asPortal(hub), childDossier('DVC-SEEN', { documentId: paper.id, consent: consent() }))
  t.equal(res.statusCode, 201)
  const code = res.json<DossierSummary>().code
  const asResidence = await asAgency(hub, 'police-residence').inject({ url: `/v1/dossiers/${code}` })
  t.equal(asResidence.statusCode, 200, 'the agency the dossier is routed to reads it')
  t.equal(asResidence.json<Dossier>().attachments?.[1]?.url, paper.url, 'with the reused document')
  t.equal((await asAgency(hub, 'justice').inject({ url: `/v1/dossiers/${code}` })).statusCode, 404, 'the issuer of the document, not on the route, does not')

  // a lookup for a dossier the hub holds is on that dossier's audit trail
  await asPortal(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=${code}` })
  await waitFor(async () => {
    const trail = (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}/audit` })).json<{ entries: Array<{ action: string, client: string }> }>()
    return trail.entries.some((e) => e.action === 'lookup-documents' && e.client === 'test-portal')
  }, 'the lookup on the dossier\'s audit trail')
  t.pass('the lookup is on the audit trail of the dossier it was for')
})

t.test('the national personal data store: a document fetched by reference, marked DuocLayTuKhoDMQG', async (t) => {
  const store = await startNationalStore({ seed: demoDocuments })
  t.teardown(store.close)
  const agency = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), nationalDataStore: { endpoint: store.url, timeoutMs: 2000 } } })
  const [demo] = demoDocuments(store.url)
  const res = await post(asPortal(hub), childDossier('DVC-KHO', { nationalStoreReference: demo?.MaGiayTo, consent: consent() }))
  t.equal(res.statusCode, 201, res.body)
  const code = res.json<DossierSummary>().code
  t.same(store.fetched, [demo?.MaGiayTo], 'asked the store once')
  const a = (await dossier(hub, code)).attachments?.[1]
  t.match(a, { url: demo?.DuongDan, sha256: demo?.MaBam, byteSize: demo?.DungLuong, reused: { fromNationalStore: true } }, 'its file reference and digest, from the national store')
  const record = (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}/national-record` })).json<NationalPortalRecord>()
  t.match(record.TaiLieuNop?.[1], { DuocTaiSuDung: 1, DuocLayTuKhoDMQG: 1 })
  // kept: a second dossier does not ask again
  t.equal((await post(asPortal(hub), childDossier('DVC-KHO-2', { nationalStoreReference: demo?.MaGiayTo, consent: consent() }))).statusCode, 201)
  t.equal(store.fetched.length, 1, 'fetched once, kept in the hub\'s store')
  const figures = await onceOnlyFigures(hub)
  t.same(figure(figures.province, '4.4'), [2, 2, 100], '4.4: both dossiers took a document from the national store')
  t.same(figure(figures.province, '4.3'), [2, 2, 100], '4.3: and reused it')
  const unknown = await post(asPortal(hub), childDossier('DVC-KHO-3', { nationalStoreReference: 'KHO-NONE', consent: consent() }))
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /national personal data store has no document KHO-NONE/)
  await store.close()
  const down = await post(asPortal(hub), childDossier('DVC-KHO-4', { nationalStoreReference: 'KHO-OTHER', consent: consent() }))
  t.equal(down.statusCode, 503, 'the store away: 503, nothing stored')
  t.equal(down.json<{ code: string }>().code, 'HUB_ERR_NATIONAL_STORE_UNAVAILABLE')
})

t.test('results are synced to the national personal data store, once; a refusal ends in a visible failed state', async (t) => {
  const store = await startNationalStore()
  t.teardown(store.close)
  const agency = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), nationalDataStore: { endpoint: store.url, timeoutMs: 2000 } }, dataStoreSyncIntervalMs: 200 })
  const birth = await post(asPortal(hub), example('birth-registration'))
  const birthCode = birth.json<DossierSummary>().code
  await waitFor(() => deliveredTo(agency, 'justice').length === 1, 'justice delivered')
  const certificate = { name: 'Giấy khai sinh (bản chính)', componentCode: 'KQ-KS', url: `https://hotich.thanhhoa.gov.vn/ketqua/${birthCode}/gks.pdf`, sha256: sha('gks'), holder: CHILD }
  await report(hub, birthCode, 'justice', { status: 'resolved', results: [certificate] })
  const [issued] = await hub.app.hub.documents.store.validOf(CHILD, new Date())
  const synced = await waitFor(() => store.documents.get(issued?.id ?? ''), 'the result synced to the store')
  t.match(synced, { SoDinhDanh: CHILD, MaLoaiGiayTo: 'KQ-KS', MaBam: certificate.sha256, DuongDan: certificate.url, MaHoSo: birthCode, TrangThai: 1 }, 'in the store\'s format')
  t.match(synced.CoQuanCap, /Sở Tư pháp/, 'with the issuing agency\'s name')
  const state = await waitFor(async () => { const s = await hub.app.hub.documents.store.syncState(issued?.id ?? ''); return s?.syncedAt !== undefined && s }, 'marked synced')
  t.equal(state.attempts, 1, 'one attempt')
  // A check that nothing happens (bounded): the sync runs every 200 ms here; three passes would have
  // sent a synced result again. No state says "a pass ran and found nothing to send".
  await new Promise((resolve) => setTimeout(resolve, 600))
  t.equal([...store.documents.keys()].length, 1, 'sent once: a synced result is not sent again')
  t.same(figure((await onceOnlyFigures(hub)).province, '4.4'), [1, 1, 100], '4.4: the dossier\'s e-result was synced to the store')

  // a store that refuses the document: failed for good, with its error, visible in the record
  const refusing = await startAgency(t, (_req, res) => { res.writeHead(422, { 'content-type': 'application/json' }); res.end('{"message":"thiếu trường"}') })
  const hub2 = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), nationalDataStore: { endpoint: refusing.url, timeoutMs: 2000 } }, dataStoreSyncIntervalMs: 200 })
  const second = await post(asPortal(hub2), example('birth-registration'))
  const code2 = second.json<DossierSummary>().code
  await waitFor(() => deliveredTo(agency, 'justice').length === 2, 'justice delivered, second hub')
  t.equal(await report(hub2, code2, 'justice', { status: 'resolved', results: [certificate] }), 201)
  const doc2 = await waitFor(async () => (await hub2.app.hub.documents.store.validOf(CHILD, new Date()))[0], 'registered')
  const failed = await waitFor(async () => { const s = await hub2.app.hub.documents.store.syncState(doc2?.id ?? ''); return s?.failedAt !== undefined && s }, 'failed for good')
  t.match(failed, { attempts: 1, error: /answered 422/ }, 'a 4xx is not retried')
  t.equal(refusing.requests.filter((r) => r.path === '/documents').length, 1, 'asked once')
  t.equal(refusing.requests[0]?.headers['idempotency-key'], `${doc2?.id ?? ''}/sync`, 'with its idempotency key')
})

t.test('a birth certificate reported in the justice format is registered under the child\'s new personal number (soDinhDanh)', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const birth = await post(asPortal(hub), example('birth-registration'))
  const code = birth.json<DossierSummary>().code
  await waitFor(() => deliveredTo(agency, 'justice').length === 1, 'justice delivered')
  const native = {
    maHoSo: code,
    trangThai: '4',
    thoiDiemXuLy: '20261124150000',
    nguoiXuLy: 'Lê Thị Thanh',
    ketQua: [{ tenGiayTo: 'Giấy khai sinh (bản chính)', maThanhPhan: 'KQ-KS-01', duongDan: 'https://hotich.thanhhoa.gov.vn/ketqua/x/gks.pdf', maBam: sha('gks native'), kieuTep: 'application/pdf', kichThuoc: 48213, soBanChinh: 1 }],
    soDinhDanh: '038226011234',
    soDangKy: '154',
    quyenSo: '01/2026'
  }
  const res = await asAgency(hub, 'justice').inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: 'ks-native-1', agency: 'justice', native } })
  t.equal(res.statusCode, 201, res.body)
  const found = (await asAdmin(hub).inject({ url: '/v1/holders/038226011234/documents?purpose=test' })).json<{ documents: StoredDocument[] }>().documents
  t.match(found, [{ holder: '038226011234', kind: 'KQ-KS-01', issuer: 'justice', dossier: code, sha256: sha('gks native'), byteSize: 48213 }], 'the child\'s document, not the mother\'s, with the size the software reported (kichThuoc)')
  // reused: carried with that size, the file never read (its address is not even reachable here)
  const s = childDossier('DVC-KS-NATIVE', { documentId: found[0]?.id, consent: consent() })
  s.data = { ...s.data, child: { ...(s.data as { child: object }).child, personalNumber: '038226011234' } }
  const reuse = await post(asPortal(hub), s)
  t.equal(reuse.statusCode, 201, reuse.body)
  t.equal((await dossier(hub, reuse.json<DossierSummary>().code)).attachments?.[1]?.byteSize, 48213, 'the reported size carried')
})

t.test('a registration lost after the report\'s commit is repaired by the agency\'s repeat of the report', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const code = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>().code
  await waitFor(() => deliveredTo(agency, 'justice').length === 1, 'justice delivered')
  const event = { eventId: 'ks-lost-1', agency: 'justice', report: { status: 'resolved', results: [{ name: 'Giấy khai sinh', componentCode: 'KQ-KS', url: 'https://x.vn/gks-lost.pdf', sha256: sha('lost'), holder: CHILD }] } }
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event })).statusCode, 201)
  const lookup = async (): Promise<StoredDocument[]> => (await asAdmin(hub).inject({ url: `/v1/holders/${CHILD}/documents?purpose=t` })).json<{ documents: StoredDocument[] }>().documents
  t.equal((await lookup()).length, 1, 'registered')
  // as if the process had died between the report's commit and the registration
  await hub.db.sql`delete from documents where dossier_code = ${code}`
  t.equal((await lookup()).length, 0, 'lost')
  const repeat = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event })
  t.equal(repeat.statusCode, 200, 'the repeat answers as the first time')
  t.match(await lookup(), [{ dossier: code, kind: 'KQ-KS', holder: CHILD }], 'registered again by the repeat')
  await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event })
  t.equal((await lookup()).length, 1, 'and once only')
})

t.test('a reused result of unknown size: its file read at its address; another file there is a refusal, an address that cannot be read a 503', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const files = await startAgency(t, (req, res) => {
    if (req.path.endsWith('/changed.pdf')) { res.writeHead(200); res.end('not the registered bytes'); return }
    res.writeHead(404)
    res.end()
  })
  const code = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>().code
  await waitFor(() => deliveredTo(agency, 'justice').length === 1, 'justice delivered')
  const results = [
    { name: 'Giấy khai sinh', componentCode: 'KQ-KS', url: `${files.url}/changed.pdf`, sha256: sha('the registered bytes'), holder: CHILD },
    { name: 'Trích lục', componentCode: 'KQ-TL', url: `${files.url}/gone.pdf`, sha256: sha('gone'), holder: CHILD }
  ]
  t.equal(await report(hub, code, 'justice', { status: 'resolved', results }), 201)
  const docs = await hub.app.hub.documents.store.validOf(CHILD, new Date())
  const changed = docs.find((d) => d.kind === 'KQ-KS') as StoredDocument
  const gone = docs.find((d) => d.kind === 'KQ-TL') as StoredDocument
  t.equal(changed.byteSize, undefined, 'no size reported')
  const before = await storedDossiers(hub)
  const refused = await post(asPortal(hub), childDossier('DVC-CHANGED', { documentId: changed.id, consent: consent() }))
  t.equal(refused.statusCode, 400)
  t.equal(refused.json<{ code: string }>().code, 'HUB_ERR_REUSE_REFUSED')
  t.match(refused.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /does not match its registered SHA-256/)
  const unreadable = await post(asPortal(hub), childDossier('DVC-GONE', { documentId: gone.id, consent: consent() }))
  t.equal(unreadable.statusCode, 503, unreadable.body)
  t.equal(unreadable.json<{ code: string }>().code, 'HUB_ERR_DOCUMENT_FILE_UNAVAILABLE')
  t.equal(await storedDossiers(hub), before, 'nothing stored')
  t.equal((await hub.app.hub.documents.store.get(changed.id))?.byteSize, undefined, 'no size recorded from another file')
})

t.test('the reuses of one dossier go on the access log together: one row per holder, written by one statement', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const certificate = await digitize(hub, 'justice', { holder: CHILD })
  const identity = await digitize(hub, 'justice', { holder: MOTHER, kind: 'CCCD', name: 'Căn cước (bản sao số hóa)' })
  const s = childDossier('DVC-TWO-HOLDERS', { documentId: certificate.id, consent: consent() })
  s.attachments = [...(s.attachments ?? []), { componentCode: 'TT-03', componentName: 'Căn cước của mẹ', reuse: { documentId: identity.id, consent: consent() } } as never]
  const res = await post(asPortal(hub), s)
  t.equal(res.statusCode, 201, res.body)
  const code = res.json<DossierSummary>().code
  // written before the answer: no wait needed
  const rows = await hub.db.sql<Array<{ holder: string, ids: string[], client: string, at: Date }>>`
    select holder, document_ids as ids, client, at from document_access where action = 'reuse' and purpose = ${code} order by holder`
  t.same(rows.map((r) => [r.holder, r.ids, r.client]), [[MOTHER, [identity.id], 'test-portal'], [CHILD, [certificate.id], 'test-portal']].sort((a, b) => String(a[0]).localeCompare(String(b[0]))), 'one row per holder, with the client and the dossier as purpose')
  t.equal(new Set(rows.map((r) => r.at.getTime())).size, 1, 'both rows of the same statement (one transaction: the same time)')
  const [same] = await hub.db.sql<Array<{ ok: boolean }>>`
    select bool_and(a.xmin::text = d.xmin::text) as ok from document_access a, dossiers d where a.action = 'reuse' and a.purpose = ${code} and d.code = ${code}`
  t.equal(same?.ok, true, 'written in the transaction that stored the dossier: a stored dossier never lacks its reuse on the log')
  const again = await post(asPortal(hub), s)
  t.equal(again.statusCode, 200, 'the same submission again: its first answer')
  const [n] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from document_access where action = 'reuse' and purpose = ${code}`
  t.equal(n?.n, 2, 'and no second reuse on the log')
})
