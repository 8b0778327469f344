/**
 * Once-only (Decree 45/2020/NĐ-CP; issue 17): a component the hub took from a stored document
 * (canonical `reused`, set by the hub) reaches each agency marked as reused in the agency's own
 * native format — and as taken from the national personal data store (Kho DMQG) when it was —
 * in a delivery and in a supplement notice. Golden files pin the deliveries:
 * adapters/<name>/golden/<name>-request-reused.json. A component that was not reused carries none
 * of these fields (not even false: the agency's format never said so before).
 */
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../src/paths.ts'
import { createNativeValidators } from '../../src/validation/native.ts'
import { adapters } from '../../adapters/index.ts'
import type { Attachment, DeliverableDossier, DossierSubmission, OutboundContext, SupplementNotice } from '../../adapters/contract.ts'
import { expectGolden } from '../golden-files.ts'
import { shippedConfig } from '../helper.ts'
import { resolveHubConfig } from '../../src/config/hub-config.ts'
import { authHeaders } from '../../src/delivery/outbound-auth.ts'
import { startSimulators } from '../../scripts/simulators/index.ts'

const CONSENT_AT = '2026-11-24T09:58:00+07:00'
const FROM_STORE = 'doc_0123456789abcdef0123456789abcdef'
const FROM_HUB = 'doc_fedcba9876543210fedcba9876543210'

/** A birth certificate the national personal data store held, and a paper digitised at a desk earlier. */
const REUSED_NATIONAL: Attachment = {
  componentCode: 'GKS',
  componentName: 'Giấy khai sinh',
  fileName: 'giay-khai-sinh.pdf',
  mediaType: 'application/pdf',
  byteSize: 183204,
  sha256: 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c',
  url: 'https://hub.thanhhoa.gov.vn/files/documents/doc_0123456789abcdef0123456789abcdef',
  reused: { documentId: FROM_STORE, fromNationalStore: true, consentAt: CONSENT_AT }
}
const REUSED_HUB: Attachment = {
  componentCode: 'CCCD',
  componentName: 'Căn cước công dân',
  fileName: 'cccd.pdf',
  mediaType: 'application/pdf',
  byteSize: 91230,
  sha256: '7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730',
  url: 'https://hub.thanhhoa.gov.vn/files/documents/doc_fedcba9876543210fedcba9876543210',
  digitized: true,
  reused: { documentId: FROM_HUB, consentAt: CONSENT_AT }
}

interface Case {
  adapter: string
  example: string
  context: OutboundContext
  /** where the attachments are in the native request, and in the native supplement */
  requestPapers: string
  supplementPapers: string
  /** the native names of: was reused, taken from Kho DMQG, the stored document's id, the component code */
  reused: string
  national: string
  documentId: string
  component: string
}

const context = (agencyId: string, code: string, dataSchema: string, step: OutboundContext['step']): OutboundContext =>
  ({ agencyId, idempotencyKey: `${code}/${step.id}`, dataSchema, step })

const CASES: Case[] = [
  {
    adapter: 'justice',
    example: 'birth-registration',
    context: context('justice', '000.31.35.H56-261124-0012', 'birth-registration', { id: 'civil-status', stage: 0, task: 'Đăng ký khai sinh, cấp số định danh cá nhân', lead: true }),
    requestPapers: 'giayToDinhKem',
    supplementPapers: 'giayToNopBoSung',
    reused: 'daTaiSuDung',
    national: 'layTuKhoDMQG',
    documentId: 'maGiayToKho',
    component: 'maThanhPhan'
  },
  {
    adapter: 'land',
    example: 'land-use-right-transfer',
    context: context('land-office', '000.20.38.H56-261124-0007', 'land-use-right-transfer', { id: 'land-registration', stage: 0, task: 'Kiểm tra hồ sơ, lập phiếu chuyển thông tin địa chính', lead: true }),
    requestPapers: 'GiayToKemTheo',
    supplementPapers: 'DanhSachGiayToBoSung',
    reused: 'DaTaiSuDung',
    national: 'DuocLayTuKhoDMQG',
    documentId: 'MaGiayToTaiSuDung',
    component: 'MaThanhPhanHoSo'
  },
  {
    adapter: 'electricity',
    example: 'electricity-new-connection',
    context: context('evn', '000.00.06.H56-261124-0007', 'electricity-new-connection', { id: 'evn', stage: 0, lead: true }),
    requestPapers: 'hoSoDinhKem',
    supplementPapers: 'hoSoBoSung',
    reused: 'daTaiSuDung',
    national: 'layTuKhoDMQG',
    documentId: 'maGiayToKho',
    component: 'maThanhPhan'
  },
  {
    // the canonical format: `reused` itself
    adapter: 'generic',
    example: 'child-residence-insurance',
    context: context('police-residence', '000.00.01.H56-261124-0003', 'child-residence-insurance', { id: 'residence', stage: 0, task: 'Đăng ký thường trú cho trẻ', lead: true }),
    requestPapers: 'dossier.attachments',
    supplementPapers: 'attachments',
    reused: 'reused',
    national: 'reused.fromNationalStore',
    documentId: 'reused.documentId',
    component: 'componentCode'
  }
]

const validators = createNativeValidators(adapters)
function validator (name: string, role: 'request' | 'supplement'): ValidateFunction {
  const v = validators.get(name)?.[role]
  if (v === undefined) throw new Error(`${name}: no ${role} validator`)
  return v
}
const errorsOf = (v: ValidateFunction, value: unknown): string => v(value) ? '' : JSON.stringify(v.errors)
const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'
const at = (value: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], value)

function dossierFor (c: Case): DeliverableDossier {
  const example = JSON.parse(readFileSync(fromRoot('schemas', 'examples', `${c.example}.json`), 'utf8')) as DossierSubmission
  const code = c.context.idempotencyKey.split('/')[0] ?? ''
  return {
    ...example,
    attachments: [REUSED_NATIONAL, REUSED_HUB, ...(example.attachments ?? [])],
    code,
    status: 'received',
    statusCode: 2,
    receivedAt: '2026-11-24T10:15:03.120+07:00'
  }
}

function checkPapers (t: Test, c: Case, papers: unknown, what: string): void {
  if (!Array.isArray(papers)) { t.fail(`${c.adapter} ${what}: no list of papers`); return }
  const [national, hub, ...others] = papers as unknown[]
  t.equal(at(national, c.component), 'GKS', `${c.adapter} ${what}: the papers keep their order`)
  t.ok(at(national, c.reused), `${c.adapter} ${what}: a document from Kho DMQG is marked reused (${c.reused})`)
  t.equal(at(national, c.national), true, `${c.adapter} ${what}: and taken from Kho DMQG (${c.national})`)
  t.equal(at(national, c.documentId), FROM_STORE, `${c.adapter} ${what}: with the stored document's id (${c.documentId})`)
  t.ok(at(hub, c.reused), `${c.adapter} ${what}: a document the hub held is marked reused`)
  t.equal(at(hub, c.national), undefined, `${c.adapter} ${what}: but not as taken from Kho DMQG`)
  t.equal(at(hub, c.documentId), FROM_HUB, `${c.adapter} ${what}: with its id`)
  t.ok(others.length > 0, `${c.adapter} ${what}: the example's own papers are there too`)
  for (const o of others) {
    t.equal(at(o, c.reused), undefined, `${c.adapter} ${what}: a paper the applicant attached is not marked reused`)
    t.equal(at(o, c.documentId), undefined, `${c.adapter} ${what}: and names no stored document`)
  }
}

t.test('a delivery marks each reused component in the agency\'s native format: golden, valid, field by field', async (t) => {
  t.same(CASES.map((c) => c.adapter).sort(), [...adapters.keys()].filter((n) => n !== 'postal').sort(), 'every adapter that receives dossiers (the postal service carries results, not papers)')
  for (const c of CASES) {
    const adapter = adapters.get(c.adapter)
    if (adapter === undefined) { t.fail(`no adapter ${c.adapter}`); continue }
    const body = adapter.outbound(dossierFor(c), c.context).body
    t.equal(errorsOf(validator(c.adapter, 'request'), body), '', `${c.adapter}: valid against its own request schema`)
    expectGolden(t, `${c.adapter}-request-reused.json`, pretty(body), `${c.adapter}: byte for byte`)
    checkPapers(t, c, at(body, c.requestPapers), 'delivery')
  }
})

t.test('a supplement notice marks reused papers the same way', async (t) => {
  for (const c of CASES) {
    const adapter = adapters.get(c.adapter)
    if (adapter === undefined) { t.fail(`no adapter ${c.adapter}`); continue }
    const code = c.context.idempotencyKey.split('/')[0] ?? ''
    const own = dossierFor(c).attachments?.[2]
    if (own === undefined) { t.fail(`${c.adapter}: the example has no paper`); continue }
    const notice: SupplementNotice = { dossierCode: code, step: c.context.step.id, sequence: 1, attachments: [REUSED_NATIONAL, REUSED_HUB, own], submittedAt: '2026-11-27T09:30:15.120+07:00' }
    const body = adapter.supplement(notice, { ...c.context, idempotencyKey: `${code}/${c.context.step.id}/supplement-1` }).body
    t.equal(errorsOf(validator(c.adapter, 'supplement'), body), '', `${c.adapter}: valid against its own supplement schema`)
    checkPapers(t, c, at(body, c.supplementPapers), 'supplement')
  }
})

t.test('the native schemas refuse a malformed stored document id', async (t) => {
  for (const c of CASES.filter((c) => c.adapter !== 'generic')) {
    const adapter = adapters.get(c.adapter)
    if (adapter === undefined) { t.fail(`no adapter ${c.adapter}`); continue }
    const body = adapter.outbound(dossierFor(c), c.context).body as Record<string, unknown>
    const papers = at(body, c.requestPapers) as Array<Record<string, unknown>>
    const bad = { ...body, [c.requestPapers]: [{ ...papers[0], [c.documentId]: 'not-a-document' }, ...papers.slice(1)] }
    t.not(errorsOf(validator(c.adapter, 'request'), bad), '', `${c.adapter}: ${c.documentId} must be a stored document's id`)
  }
})

t.test('each simulated agency takes the reused papers in its own format and records which stored documents they were', async (t) => {
  // a stand-in for the hub: the simulators post their progress here
  const hub = createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(201, { 'content-type': 'application/json' }).end('{}') }) })
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { hub.closeAllConnections(); await new Promise<void>((resolve) => hub.close(() => { resolve() })) })
  const settings = resolveHubConfig(shippedConfig(), 'reused test')
  const sims = await startSimulators({ settings, hubUrl: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`, keyFor: (a) => `key-${a}`, delayMs: 30, supplementRate: 0, rejectRate: 0, portOverride: () => 0, log: () => {} })
  t.teardown(async () => { await sims.close() })
  for (const c of CASES) {
    const agency = settings.agencies.get(c.context.agencyId)
    const url = sims.urls.get(c.context.agencyId)
    const adapter = adapters.get(c.adapter)
    if (agency === undefined || url === undefined || adapter === undefined) { t.fail(`${c.adapter}: no simulated agency ${c.context.agencyId}`); continue }
    const send = async (req: { method: string, path?: string, body: unknown }, key: string): Promise<number> => {
      const target = req.path === undefined ? url : new URL(req.path, `${url}/`).href
      const body = JSON.stringify(req.body)
      const res = await request(target, { method: req.method as 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key, ...authHeaders(agency.auth, body, Date.now()) }, body })
      await res.body.text()
      return res.statusCode
    }
    const dossier = dossierFor(c)
    t.equal(await send(adapter.outbound(dossier, c.context), c.context.idempotencyKey), 201, `${c.context.agencyId} (${c.adapter}): the delivery is taken`)
    t.same(sims.deliveries.find((d) => d.code === dossier.code)?.reused, [FROM_STORE, FROM_HUB], `${c.context.agencyId}: it recorded the two reused documents`)
    const own = dossier.attachments?.[2]
    if (own === undefined) { t.fail('no paper'); continue }
    const key = `${dossier.code}/${c.context.step.id}/supplement-1`
    const notice: SupplementNotice = { dossierCode: dossier.code, step: c.context.step.id, sequence: 1, attachments: [own, REUSED_HUB], submittedAt: '2026-11-27T09:30:15.120+07:00' }
    t.equal(await send(adapter.supplement(notice, { ...c.context, idempotencyKey: key }), key), 200, `${c.context.agencyId}: the supplement is taken`)
    t.same(sims.supplements.find((s) => s.code === dossier.code)?.reused, [FROM_HUB], `${c.context.agencyId}: it recorded the reused paper of the supplement`)
    // a paper marked reused without the document's id is not what the hub sends
    const bad = adapter.outbound({ ...dossier, code: `${dossier.code}9` }, c.context).body as Record<string, unknown>
    const papers = at(bad, c.requestPapers) as Array<Record<string, unknown>>
    const top = c.documentId.split('.')[0] ?? ''
    const first = papers[0] ?? {}
    papers[0] = c.adapter === 'generic' ? { ...first, reused: { consentAt: CONSENT_AT } } : Object.fromEntries(Object.entries(first).filter(([k]) => k !== top))
    t.equal(await send({ method: 'POST', body: bad }, `${c.context.idempotencyKey}-bad`), 400, `${c.context.agencyId}: a paper marked reused without ${c.documentId} is refused`)
  }
})
