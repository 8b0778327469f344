/**
 * Agency-side intake through the native adapters: each agency's own software submits dossiers in
 * its native format (the golden native submissions in adapters/<name>/golden/), received once like portal
 * submissions; invalid native payloads are refused naming the native field; a dossier the portal
 * already sent is recognised when the agency sends it again.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { build, deliveriesSettled, dossierRow, example, post, startAgency, storedDossiers, testSettings, type TestHub, asAdmin, type InjectResponse } from '../../helper.ts'
import { adapters } from '../../../adapters/index.ts'
import type { DossierSubmission, DossierSummary, FieldProblem } from '../../../src/types/schemas.generated.ts'
import { goldenPath } from '../../golden-files.ts'

const golden = <T = Record<string, unknown>>(name: string): T => JSON.parse(readFileSync(goldenPath(`${name}.json`), 'utf8')) as T

/** Native submissions on file, by the agency that sends them, with the canonical dossier each maps to. */
const cases: Array<{ agency: string, adapter: string, native: string, canonical: string }> = [
  { agency: 'evn', adapter: 'electricity', native: 'electricity-submission-contract-holder-change', canonical: 'electricity-canonical-contract-holder-change' },
  { agency: 'land-office', adapter: 'land', native: 'land-submission-transfer', canonical: 'land-canonical-transfer' },
  // its parcel lies in xã Quảng Phú (16258), whose land-office branch handles it (config/hub.json competence: issue 14, point 9)
  { agency: 'land-office-quang-phu', adapter: 'land', native: 'land-submission-first-certificate', canonical: 'land-canonical-first-certificate' },
  { agency: 'justice', adapter: 'justice', native: 'justice-submission-birth-registration', canonical: 'justice-canonical-birth-registration' },
  { agency: 'justice', adapter: 'justice', native: 'justice-submission-death-registration', canonical: 'justice-canonical-death-registration' },
  { agency: 'justice', adapter: 'justice', native: 'justice-submission-marriage-registration', canonical: 'justice-canonical-marriage-registration' },
  // criminal record certificates: the police since 2025 (issue 14), whose software speaks the justice format's LLTP module
  { agency: 'police-records', adapter: 'justice', native: 'justice-submission-criminal-record-certificate', canonical: 'justice-canonical-criminal-record-certificate' }
]

async function submitNative (hub: TestHub, agency: string, body: unknown, headers: Record<string, string> = {}): Promise<InjectResponse> {
  return await asAdmin(hub).inject({ method: 'POST', url: `/v1/agencies/${agency}/dossiers`, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) })
}

const stored = async (hub: TestHub): Promise<number> => await storedDossiers(hub)

t.test('each native submission: received once, normalized by its adapter, the agency\'s own step already delivered', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  for (const c of cases) {
    const res = await submitNative(hub, c.agency, golden(c.native))
    t.equal(res.statusCode, 201, `${c.native}: 201`)
    const summary = res.json<DossierSummary>()
    const expected = golden<DossierSubmission>(c.canonical)
    t.equal(summary.procedure.code, expected.procedure.code, `${c.native}: procedure ${expected.procedure.code}`)
    const dossier = await hub.store.get(summary.code)
    t.same(dossier?.applicant, expected.applicant, `${c.native}: the applicant as the adapter maps it`)
    t.same(dossier?.data, expected.data, `${c.native}: the procedure data as the adapter maps it`)
    t.same(dossier?.source, { system: c.agency, reference: expected.source.reference }, `${c.native}: source = the agency and its own reference`)
    const first = Object.entries(summary.routing).filter(([, r]) => r?.stage === 0)
    for (const [id, r] of first) {
      if (r?.agency === c.agency) t.equal(r.state, 'delivered', `${c.native}: ${id} is the agency's own step: delivered`)
    }
    const later = Object.entries(summary.routing).filter(([, r]) => (r?.stage ?? 0) > 0)
    t.ok(later.every(([, r]) => r?.state === 'waiting'), `${c.native}: later stages wait`)

    const again = await submitNative(hub, c.agency, golden(c.native))
    t.equal(again.statusCode, 200, `${c.native}: the same submission again: 200`)
    t.equal(again.json<DossierSummary>().code, summary.code, `${c.native}: the same dossier`)
  }
  t.equal(await stored(hub), cases.length, 'one dossier per submission')
  await deliveriesSettled(hub)
  const own = new Set(cases.map((c) => `/${c.agency}`))
  t.equal(agency.requests.filter((r) => own.has(r.path) && r.body !== undefined).length, 0, 'no agency got its own dossier back')
})

t.test('invalid native payloads: 400 problem+json naming the native field; nothing stored', async (t) => {
  const hub = await build(t, { role: 'api' })
  for (const c of cases) {
    const schema = adapters.get(c.adapter)?.nativeSchemas.submission as { required?: string[] } | undefined
    const field = schema?.required?.[0] ?? ''
    t.ok(field !== '', `${c.adapter}: the submission schema has required fields`)
    const missing = golden(c.native)
    delete missing[field]
    const res = await submitNative(hub, c.agency, missing)
    t.equal(res.statusCode, 400, `${c.native} without ${field}: 400`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    const errors = res.json<{ errors: FieldProblem[] }>().errors
    t.ok(errors.some((e) => e.pointer === `#/${field}` && e.detail === 'is required'), `${c.native}: names #/${field}`)

    const wrongType = { ...golden(c.native), [field]: { nested: true } }
    const typed = await submitNative(hub, c.agency, wrongType)
    t.equal(typed.statusCode, 400, `${c.native} with ${field} an object: 400`)
    t.ok(typed.json<{ errors: FieldProblem[] }>().errors.some((e) => e.pointer === `#/${field}`), `${c.native}: names #/${field}`)

    const unknown = { ...golden(c.native), extraField: 1 }
    const extra = await submitNative(hub, c.agency, unknown)
    t.ok(extra.json<{ errors: FieldProblem[] }>().errors.some((e) => e.pointer === '#/extraField'), `${c.native}: an unknown native field is named`)
  }
  const wrongAgency = await submitNative(hub, 'land-office', golden('justice-submission-birth-registration'))
  t.equal(wrongAgency.statusCode, 400, 'a justice payload sent as the land office: 400')
  const nobody = await submitNative(hub, 'no-such-agency', golden('land-submission-transfer'))
  t.equal(nobody.statusCode, 404)
  t.equal(nobody.json<{ code: string }>().code, 'HUB_ERR_AGENCY_NOT_FOUND')
  t.equal(await stored(hub), 0, 'nothing was stored')
})

t.test('the portal sends a dossier, then the agency sends it again in its own format: one dossier, one code', async (t) => {
  const hub = await build(t, { role: 'api' })
  for (const c of cases.filter((x) => x.native === 'land-submission-transfer' || x.native === 'justice-submission-birth-registration')) {
    const viaPortal = golden<DossierSubmission>(c.canonical)
    viaPortal.source = { system: 'dvc-thanhhoa', reference: `DVC-${c.native}` }
    viaPortal.channel = 'online'
    const first = await post(asAdmin(hub), viaPortal)
    t.equal(first.statusCode, 201, `${c.native}: the portal's submission is received`)
    const again = await submitNative(hub, c.agency, golden(c.native))
    t.equal(again.statusCode, 200, `${c.native}: the agency's copy is recognised`)
    t.equal(again.json<DossierSummary>().code, first.json<DossierSummary>().code, `${c.native}: the same code`)
  }
  t.equal(await stored(hub), 2, 'two dossiers, not four')
})

t.test('the cross-channel window: off (0 h) means the agency\'s copy is a new dossier', async (t) => {
  const settings = { ...testSettings({ agencyUrl: 'http://127.0.0.1:9' }), duplicateWindowMs: 0 }
  const hub = await build(t, { role: 'api', settings })
  const viaPortal = golden<DossierSubmission>('land-canonical-transfer')
  viaPortal.source = { system: 'dvc-thanhhoa', reference: 'DVC-1' }
  const first = await post(asAdmin(hub), viaPortal)
  const again = await submitNative(hub, 'land-office', golden('land-submission-transfer'))
  t.equal(again.statusCode, 201, 'not recognised without the window')
  t.not(again.json<DossierSummary>().code, first.json<DossierSummary>().code)
})

t.test('same source reference: an agency that got the dossier from the portal names it (source.origin), and it is one dossier', async (t) => {
  // no content window: only the named origin can join the two
  const settings = { ...testSettings({ agencyUrl: 'http://127.0.0.1:9' }), duplicateWindowMs: 0 }
  const hub = await build(t, { role: 'api', settings })
  const viaPortal = golden<DossierSubmission>('land-canonical-transfer')
  viaPortal.source = { system: 'dvc-thanhhoa', reference: 'DVC-2026-11-004512' }
  const first = await post(asAdmin(hub), viaPortal)
  t.equal(first.statusCode, 201)

  // the land office's own format names the portal's reference (HoSoDVC); its data differs a little (typed again at the desk)
  const native = { ...golden('land-submission-transfer'), HoSoDVC: { HeThong: 'dvc-thanhhoa', MaThamChieu: 'DVC-2026-11-004512' }, TrichYeu: 'Chuyển nhượng QSDĐ (nhập lại tại bộ phận một cửa)' }
  const again = await submitNative(hub, 'land-office', native)
  t.equal(again.statusCode, 200, 'recognised by the portal\'s reference')
  t.equal(again.json<DossierSummary>().code, first.json<DossierSummary>().code, 'the same code')
  const repeat = await submitNative(hub, 'land-office', native)
  t.equal(repeat.json<DossierSummary>().code, first.json<DossierSummary>().code, 'and its repeats, by the office\'s own reference')

  const otherRef = { ...native, SoBienNhan: 'VPDK-HT-2026-009999', HoSoDVC: { HeThong: 'dvc-thanhhoa', MaThamChieu: 'DVC-NOT-SEEN' } }
  const fresh = await submitNative(hub, 'land-office', otherRef)
  t.equal(fresh.statusCode, 201, 'an origin the hub has not seen: a new dossier')

  // the generic (canonical) format carries source.origin as it is
  const viaJustice = example('birth-registration')
  const portalBirth = await post(asAdmin(hub), viaJustice)
  viaJustice.source = { system: 'justice', reference: 'HT-TH-2026-1', origin: { system: viaJustice.source.system, reference: viaJustice.source.reference } }
  viaJustice.channel = 'counter'
  const genericSettingsHub = await build(t, { role: 'api', settings: { ...settings, agencies: new Map([...settings.agencies].map(([id, a]) => [id, { ...a, adapter: 'generic' }])) }, prefix: hub.prefix })
  const joined = await asAdmin(genericSettingsHub).inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', payload: viaJustice })
  t.equal(joined.statusCode, 200)
  t.equal(joined.json<DossierSummary>().code, portalBirth.json<DossierSummary>().code, 'canonical source.origin joins too')
  t.equal(await stored(hub), 3, 'three dossiers: the transfer, the unseen one, the birth')
})

t.test('native progress reports: validated against the adapter\'s status schema, mapped, checked against the dossier', async (t) => {
  const hub = await build(t, { role: 'api' })
  const res = await post(asAdmin(hub), example('land-use-right-transfer'))
  const { code } = res.json<DossierSummary>()
  const send = async (native: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<InjectResponse> =>
    await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `n-${JSON.stringify(native).length}-${String(extra.step ?? '')}`, agency: 'land-office', native, ...extra } })

  const banned = await send({ MaHoSo: code, MaTrangThai: 'DANG_XU_LY', ThoiDiem: '20261123100000', GiayToCanBoSung: [{ TenGiayTo: 'Hợp đồng' }] })
  t.equal(banned.statusCode, 400, 'papers to supply on a "processing" report: 400')
  t.same(banned.json<{ errors: FieldProblem[] }>().errors, [{ pointer: '#/native', detail: 'must not have GiayToCanBoSung or NgayChoBoSung together with the other values given here' }], 'the message names the fields that do not belong')
  const noAmount = await send({ MaHoSo: code, MaTrangThai: 'CHO_NGHIA_VU_TAI_CHINH', ThoiDiem: '20261123100000' })
  t.ok(noAmount.json<{ errors: FieldProblem[] }>().errors.some((e) => e.pointer === '#/native/SoTienPhaiNop'), 'a payment request without the amount names #/native/SoTienPhaiNop')
  const otherDossier = await send({ MaHoSo: '000.20.38.H56-261123-9999', MaTrangThai: 'DANG_XU_LY', ThoiDiem: '20261123100000' })
  t.equal(otherDossier.statusCode, 400, 'a report naming another dossier: 400')
  t.match(otherDossier.json<{ errors: FieldProblem[] }>().errors[0]?.detail, /names dossier 000\.20\.38\.H56-261123-9999, but was posted to dossier/)
  const mismatch = await send({ MaHoSo: code, MaBuoc: 'land-certificate', MaTrangThai: 'DANG_XU_LY', ThoiDiem: '20261123100000' }, { step: 'land-registration' })
  t.equal(mismatch.statusCode, 400, 'the event and the native report name different steps: 400')
  t.equal((await dossierRow(hub, code))?.history, 1, 'none of these reached the history (it holds the receipt only)')

  const ok = await send({ MaHoSo: code, MaBuoc: 'land-registration', MaTrangThai: 'DANG_XU_LY', ThoiDiem: '20261123100000', NguoiXuLy: 'Lê Văn Địa' })
  t.equal(ok.statusCode, 201)
  t.match(ok.json(), { step: 'land-registration', applied: true, stepState: 'processing', status: 'processing' }, 'mapped and applied to the step it names')
  const step = await hub.store.routingState(code, 'land-registration')
  t.equal(step?.reportedAt, '2026-11-23T10:00:00+07:00', 'the native time, as Vietnam time')
  const early = await send({ MaHoSo: code, MaBuoc: 'land-certificate', MaTrangThai: 'TIEP_NHAN', ThoiDiem: '20261123110000' })
  t.match(early.json(), { step: 'land-certificate', applied: false, reason: 'step-not-started' }, 'a report for the second land step before it started is kept, not applied')
})
