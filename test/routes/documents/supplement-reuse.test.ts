/**
 * Once-only in the applicant's supplement (issue 17, point 1): a paper an agency asked for may name
 * a stored document instead of carrying a file, with the checks of intake (holder, validity at the
 * supplement's time, consent before it); a refusal is a 400 naming the component and changes
 * nothing; the reuse is on the access log with the dossier as its purpose; each agency receives
 * the reused document through its adapter, in its native format. Real HTTP, PostgreSQL, Redis.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { build, example, post, startAgency, testSettings, waitFor, type AgencyServer, type TestHub, asAgency, asPortal, asAdmin, type InjectResponse } from '../../helper.ts'
import type { Dossier, DossierSubmission, DossierSummary, StoredDocument } from '../../../src/types/schemas.generated.ts'
import { toVietnamIso } from '../../../src/domain/vietnam-time.ts'
import { vietnamDate } from '../../../src/domain/calendar.ts'
import type { IndicatorReport, IndicatorUnit } from '../../../src/types/schemas.generated.ts'
import { startNationalStore, demoDocuments } from '../../../adapters/national-data-store/simulator.ts'

const CHILD = '038226001234'
const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
const minutesAgo = (n: number): string => toVietnamIso(new Date(Date.now() - n * 60_000))
const consent = (at = minutesAgo(5)): { given: boolean, at: string } => ({ given: true, at })
let seq = 0

async function digitize (hub: TestHub, paper: Record<string, unknown>): Promise<StoredDocument> {
  const n = ++seq
  const res = await asAgency(hub, 'justice').inject({
    method: 'POST',
    url: '/v1/documents',
    payload: { kind: 'KQ-KS', name: 'Giấy khai sinh (bản sao số hóa)', issuedAt: minutesAgo(60 * 24), fileName: 'giay-khai-sinh.pdf', mediaType: 'application/pdf', byteSize: 2000 + n, url: `https://motcua.thanhhoa.gov.vn/so-hoa/${n}.pdf`, sha256: sha(`paper ${n}`), ...paper }
  })
  if (res.statusCode !== 201) throw new Error(`digitize answered ${res.statusCode}: ${res.body}`)
  return res.json<StoredDocument>()
}

/** Submits `s`, waits for its delivery to `agency` and has that agency ask for papers. */
async function askedForPapers (hub: TestHub, agencies: AgencyServer, s: DossierSubmission, agency: string): Promise<string> {
  const res = await post(asPortal(hub), s)
  if (res.statusCode !== 201) throw new Error(`submission answered ${res.statusCode}: ${res.body}`)
  const code = res.json<DossierSummary>().code
  await waitFor(async () => Object.values((await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>().routing ?? {}).some((r) => r?.agency.startsWith(agency) === true && r.state === 'delivered'), `${agency} delivered`)
  const step = Object.entries((await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>().routing ?? {}).find(([, r]) => r?.agency.startsWith(agency) === true)
  const asked = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `ask-${code}`, agency: step?.[1]?.agency, step: step?.[0], report: { status: 'supplement-requested', missing: [{ componentCode: 'TT-02', name: 'Giấy khai sinh' }] } } })
  if (asked.statusCode !== 201) throw new Error(`supplement request answered ${asked.statusCode}: ${asked.body}`)
  return code
}

const supply = async (hub: TestHub, code: string, id: string, attachments: unknown[]): Promise<InjectResponse> =>
  await asPortal(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: { supplementId: id, attachments } })

function holderOf (body: unknown, value: string): Record<string, unknown> | undefined {
  if (body === null || typeof body !== 'object') return undefined
  if (!Array.isArray(body) && Object.values(body).includes(value)) return body as Record<string, unknown>
  for (const v of Object.values(body)) {
    const found = holderOf(v, value)
    if (found !== undefined) return found
  }
  return undefined
}

t.test('a supplement reuses the child\'s birth certificate instead of attaching it; refusals change nothing', async (t) => {
  const agencies = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agencies.url }) })
  const child = example('child-residence-insurance')
  child.source = { system: 'dvc-thanhhoa', reference: 'SUP-REUSE-1' }
  const code = await askedForPapers(hub, agencies, child, 'police-residence')

  const certificate = await digitize(hub, { holder: CHILD })
  const other = await digitize(hub, { holder: '038226009999' })
  const expired = await digitize(hub, { holder: CHILD, validUntil: minutesAgo(30) })
  const revoked = await digitize(hub, { holder: CHILD })
  t.equal((await asAgency(hub, 'justice').inject({ method: 'POST', url: `/v1/documents/${revoked.id}/revocation`, payload: { reason: 'Cấp nhầm' } })).statusCode, 200)

  const before = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>()
  t.equal(before.status, 'supplement-requested')
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['another holder', { documentId: other.id, consent: consent() }, /belongs to another holder/],
    ['expired', { documentId: expired.id, consent: consent() }, /expired on/],
    ['revoked', { documentId: revoked.id, consent: consent() }, /was revoked on/],
    ['no consent', { documentId: certificate.id }, /consent to reuse this document is missing/],
    ['consent after the supplement', { documentId: certificate.id, consent: { given: true, at: toVietnamIso(new Date(Date.now() + 3_600_000)) } }, /is after the dossier's receipt/]
  ]
  for (const [name, reuse, why] of cases) {
    const res = await supply(hub, code, `S-${name.replaceAll(' ', '-')}`, [{ componentCode: 'TT-02', componentName: 'Giấy khai sinh', reuse }])
    t.equal(res.statusCode, 400, `${name}: 400`)
    const body = res.json<{ code: string, detail: string, errors: Array<{ pointer: string, detail: string }> }>()
    t.equal(body.code, 'HUB_ERR_REUSE_REFUSED', `${name}: its code`)
    t.equal(body.errors[0]?.pointer, '#/attachments/0/reuse', `${name}: points at the paper`)
    t.match(body.errors[0]?.detail, why, `${name}: says why`)
    t.match(body.detail, /^Component TT-02 \(Giấy khai sinh\) cannot be reused/, `${name}: names the component`)
  }
  const claimed = await supply(hub, code, 'S-claimed', [{ componentCode: 'TT-02', fileName: 'x.pdf', mediaType: 'application/pdf', byteSize: 1, sha256: sha('x'), url: 'https://x.vn/x.pdf', reused: { documentId: certificate.id, consentAt: minutesAgo(1) } }])
  t.equal(claimed.statusCode, 400, 'a sender cannot mark a paper reused itself')
  t.equal(claimed.json<{ errors: Array<{ pointer: string }> }>().errors[0]?.pointer, '#/attachments/0/reused')
  const after = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>()
  t.equal(after.status, 'supplement-requested', 'still waiting for papers: nothing changed')
  t.same(after.routing, before.routing, 'no step changed')
  t.equal((await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'reuse').length, 0, 'no reuse logged')

  // the valid one, with consent: taken, carried to the police through its adapter, marked reused
  const consentAt = minutesAgo(2)
  const given = [{ componentCode: 'TT-02', componentName: 'Giấy khai sinh', reuse: { documentId: certificate.id, consent: consent(consentAt) } }]
  const ok = await supply(hub, code, 'S-ok', given)
  t.equal(ok.statusCode, 201, ok.body)
  t.equal(ok.json<{ status: string }>().status, 'processing')
  const [stored] = await hub.db.sql<Array<{ attachments: unknown[] }>>`select s.attachments from supplements s join dossiers d on d.id = s.dossier_id where d.code = ${code}`
  t.same(stored?.attachments, [{
    componentCode: 'TT-02',
    componentName: 'Giấy khai sinh',
    fileName: certificate.fileName,
    mediaType: 'application/pdf',
    byteSize: certificate.byteSize,
    sha256: certificate.sha256,
    url: certificate.url,
    digitized: true,
    reused: { documentId: certificate.id, consentAt }
  }], 'kept as the stored document\'s file reference, size and digest, marked reused')
  const delivered = await waitFor(() => agencies.requests.find((r) => r.path === '/police-residence/supplements' && holderOf(r.body, certificate.url) !== undefined), 'the supplement delivered to the police')
  const item = holderOf(delivered.body, certificate.url)
  t.equal(item?.sha256, certificate.sha256, 'with its SHA-256')
  t.equal(item?.byteSize, certificate.byteSize, 'and its size')
  t.same(item?.reused, { documentId: certificate.id, consentAt }, 'marked reused')
  const history = (await asAdmin(hub).inject(`/v1/dossiers/${code}/history`)).json<{ entries: Array<{ type: string, documents?: string[] }> }>().entries
  t.same(history.find((h) => h.type === 'supplement-provided')?.documents, [certificate.fileName], 'the history names the paper')
  const log = (await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'reuse')
  t.match(log, [{ purpose: code, client: 'test-portal', documentIds: [certificate.id] }], 'the reuse on the access log, with the dossier as its purpose')
  const [same] = await hub.db.sql<Array<{ ok: boolean }>>`
    select bool_and(a.xmin::text = s.xmin::text) as ok from document_access a, supplements s join dossiers d on d.id = s.dossier_id
     where a.action = 'reuse' and a.purpose = ${code} and d.code = ${code}`
  t.equal(same?.ok, true, 'written in the transaction that stored the supplement')

  // revoked since: the same supplement again is its first answer; a new one naming it is refused
  t.equal((await asAgency(hub, 'justice').inject({ method: 'POST', url: `/v1/documents/${certificate.id}/revocation`, payload: {} })).statusCode, 200)
  const again = await supply(hub, code, 'S-ok', given)
  t.equal(again.statusCode, 200, `the repeat: its first answer (${again.body})`)
  t.equal(again.json<{ sequence: number }>().sequence, 1)
  t.equal((await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'reuse').length, 1, 'a repeat logs no second reuse')
})

t.test('each agency receives a supplement\'s reused document in its native format', async (t) => {
  const agencies = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agencies.url }) })
  const cases: Array<{ example: Parameters<typeof example>[0], agency: string, sha: string, size: string }> = [
    { example: 'marriage-registration', agency: 'justice', sha: 'maBam', size: 'kichThuoc' },
    { example: 'land-first-certificate', agency: 'land-office', sha: 'MaBam', size: 'KichThuoc' },
    { example: 'electricity-new-connection', agency: 'evn', sha: 'sha256', size: 'kichThuoc' }
  ]
  for (const c of cases) {
    const s = example(c.example)
    s.source = { ...s.source, reference: `${s.source.reference}-sup-reuse` }
    const code = await askedForPapers(hub, agencies, s, c.agency)
    const paper = await digitize(hub, { holder: s.applicant.identity.number, kind: 'GT-CN', name: 'Giấy tờ số hóa' })
    const res = await supply(hub, code, `S-${c.agency}`, [{ componentCode: 'TT-02', reuse: { documentId: paper.id, consent: consent() } }])
    t.equal(res.statusCode, 201, `${c.example}: ${res.body}`)
    const request = await waitFor(() => agencies.requests.find((r) => r.path.startsWith(`/${c.agency}`) && /bo-sung/.test(r.path) && holderOf(r.body, paper.url) !== undefined), `${c.agency}: the supplement delivered`)
    const item = holderOf(request.body, paper.url)
    t.equal(item?.[c.sha], paper.sha256, `${c.agency}: the file reference with its SHA-256 (${c.sha})`)
    t.equal(item?.[c.size], paper.byteSize, `${c.agency}: and its size (${c.size})`)
  }
})

/** Indicator `id` of today (Vietnam date) for the province: [numerator, denominator, value]. */
async function provinceFigure (hub: TestHub, id: string): Promise<unknown[]> {
  const today = vietnamDate(new Date())
  const res = await asAdmin(hub).inject(`/v1/reports/indicators?from=${today}&to=${today}`)
  if (res.statusCode !== 200) throw new Error(`indicators answered ${res.statusCode}: ${res.body}`)
  const f = (res.json<IndicatorReport>().province as IndicatorUnit | undefined)?.indicators.find((i) => i.id === id)
  return [f?.numerator, f?.denominator, f?.value]
}

t.test('indicators 4.3 and 4.4 count the documents reused in supplements, not only those attached at receipt', async (t) => {
  const store = await startNationalStore({ seed: demoDocuments })
  t.teardown(store.close)
  const agencies = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agencies.url }), nationalDataStore: { endpoint: store.url, timeoutMs: 2000 } } })
  const [demo] = demoDocuments(store.url)
  const child = (reference: string): DossierSubmission => {
    const s = example('child-residence-insurance')
    s.source = { system: 'dvc-thanhhoa', reference }
    return s
  }
  // four dossiers received today, none reusing anything at receipt:
  //   A supplies a paper the hub holds (digitised at the desk)      → 4.3
  //   B supplies a paper taken from the national personal data store → 4.3 and 4.4
  //   C supplies a file                                              → neither
  //   D is waiting for papers                                        → neither
  const a = await askedForPapers(hub, agencies, child('IND-A'), 'police-residence')
  const b = await askedForPapers(hub, agencies, child('IND-B'), 'police-residence')
  const c = await askedForPapers(hub, agencies, child('IND-C'), 'police-residence')
  await askedForPapers(hub, agencies, child('IND-D'), 'police-residence')
  t.same(await provinceFigure(hub, '4.3'), [0, 4, 0], '4.3 before any supplement: 0 of 4')
  t.same(await provinceFigure(hub, '4.4'), [0, 4, 0], '4.4 before any supplement: 0 of 4')

  const paper = await digitize(hub, { holder: CHILD })
  t.equal((await supply(hub, a, 'IND-A-1', [{ componentCode: 'TT-02', reuse: { documentId: paper.id, consent: consent() } }])).statusCode, 201)
  t.equal((await supply(hub, b, 'IND-B-1', [{ componentCode: 'TT-02', reuse: { nationalStoreReference: demo?.MaGiayTo, consent: consent() } }])).statusCode, 201)
  t.same(store.fetched, [demo?.MaGiayTo], 'B\'s paper was fetched from the national store')
  t.equal((await supply(hub, c, 'IND-C-1', [{ componentCode: 'TT-02', fileName: 'gks.pdf', mediaType: 'application/pdf', byteSize: 10, sha256: sha('gks'), url: 'https://motcua.thanhhoa.gov.vn/gks.pdf' }])).statusCode, 201)

  t.same(await provinceFigure(hub, '4.3'), [2, 4, 50], '4.3: A and B reused a document in a supplement, 2 of 4 = 50%')
  t.same(await provinceFigure(hub, '4.4'), [1, 4, 25], '4.4: B took one from the national store, 1 of 4 = 25%')
})

t.test('a supplement nobody asked for is refused (409) before any document is resolved: nothing is fetched from the national store', async (t) => {
  const store = await startNationalStore({ seed: demoDocuments })
  t.teardown(store.close)
  const agencies = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agencies.url }), nationalDataStore: { endpoint: store.url, timeoutMs: 2000 } } })
  const [demo] = demoDocuments(store.url)
  const child = example('child-residence-insurance')
  child.source = { system: 'dvc-thanhhoa', reference: 'SUP-409' }
  const res = await post(asPortal(hub), child)
  t.equal(res.statusCode, 201, res.body)
  const code = res.json<DossierSummary>().code
  await waitFor(async () => Object.values((await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>().routing ?? {}).some((r) => r?.state === 'delivered'), 'delivered')
  const paper = await digitize(hub, { holder: CHILD })

  const fromStore = await supply(hub, code, 'S-409-KHO', [{ componentCode: 'TT-02', reuse: { nationalStoreReference: demo?.MaGiayTo, consent: consent() } }])
  t.equal(fromStore.statusCode, 409, fromStore.body)
  t.equal(fromStore.json<{ code: string }>().code, 'HUB_ERR_NO_SUPPLEMENT_REQUESTED')
  t.same(store.fetched, [], 'the national personal data store was not asked')
  t.equal(await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from documents where origin = 'national-store'`.then((r) => r[0]?.n), 0, 'nothing fetched into the hub\'s store')

  const fromHub = await supply(hub, code, 'S-409-HUB', [{ componentCode: 'TT-02', reuse: { documentId: paper.id, consent: consent() } }])
  t.equal(fromHub.statusCode, 409, fromHub.body)
  t.equal((await hub.app.hub.documents.store.accessOf(CHILD)).filter((e) => e.action === 'reuse' || e.action === 'fetch').length, 0, 'no reuse or fetch on the access log')
  const [n] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from supplements s join dossiers d on d.id = s.dossier_id where d.code = ${code}`
  t.equal(n?.n, 0, 'no supplement stored')
})
