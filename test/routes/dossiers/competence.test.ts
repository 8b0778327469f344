/**
 * Boundary-free receipt (issue 14, point 9): the desk that receives a dossier and the agency that
 * handles it are separate; the competent instance of an agency (land-office branches) is picked by
 * the commune of the dossier's place from the config's competence table; statistics count by
 * receiving unit and by handling unit; an agency instance submits only the dossiers of its own
 * communes; a table that names an unknown agency or one of another format stops the start-up.
 * Real dates (November–December 2026, after the 1 July 2025 reform).
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { build, example, post, shippedConfig, startAgency, testSettings, waitFor, asAdmin } from '../../helper.ts'
import { assignCompetent, competentAgency, placeCommune, type CompetenceTable } from '../../../src/domain/competence.ts'
import { resolveHubConfig } from '../../../src/config/hub-config.ts'
import { ConfigError } from '../../../src/config/errors.ts'
import { fromRoot } from '../../../src/paths.ts'
import type { DossierSubmission, DossierSummary } from '../../../src/types/schemas.generated.ts'
import { goldenPath } from '../../golden-files.ts'

const QUANG_PHU = '16258'
const BRANCH = 'land-office-quang-phu'
const HAC_THANH_DESK = { code: '000.20.38.H56', name: 'Trung tâm Phục vụ hành chính công phường Hạc Thành' }

t.test('domain: the place, the competent instance, the route', async (t) => {
  const tables = new Map<string, CompetenceTable>([
    ['land-office', { place: 'parcel', communes: new Map([[QUANG_PHU, BRANCH]]) }],
    ['police-residence', { place: 'applicant', communes: new Map([['14755', 'police-hac-thanh']]) }]
  ])
  const dossier = { applicant: { address: { wardCode: '14755' } }, data: { parcel: { address: { wardCode: QUANG_PHU } } } }
  t.equal(placeCommune(dossier, 'parcel'), QUANG_PHU)
  t.equal(placeCommune(dossier, 'applicant'), '14755')
  t.equal(placeCommune({ applicant: {} }, 'applicant'), undefined, 'no address: no place')
  t.equal(placeCommune({ data: { parcel: 'x' } }, 'parcel'), undefined)
  t.same(competentAgency('land-office', tables, dossier), { agency: BRANCH, commune: QUANG_PHU })
  t.same(competentAgency('land-office', tables, { data: { parcel: { address: { wardCode: '14755' } } } }), { agency: 'land-office' }, 'a commune not listed stays with the agency the route names')
  t.same(competentAgency('tax', tables, dossier), { agency: 'tax' }, 'an agency without a table')
  t.same(competentAgency('police-residence', tables, dossier), { agency: 'police-hac-thanh', commune: '14755' }, 'by the applicant\'s address')
  const steps = [
    { id: 'land-registration', agency: 'land-office', stage: 0, lead: true, required: true },
    { id: 'tax', agency: 'tax', stage: 1, lead: false, required: true },
    { id: 'land-certificate', agency: 'land-office', stage: 2, lead: false, required: true }
  ]
  t.same(assignCompetent(steps, tables, dossier).map((s) => [s.id, s.agency]), [['land-registration', BRANCH], ['tax', 'tax'], ['land-certificate', BRANCH]], 'every step of that agency, step ids unchanged')
  t.equal(assignCompetent(steps, new Map(), dossier), steps, 'no table: the route as it is')
})

t.test('config: a table names agencies the config has, of the same format', async (t) => {
  const shipped = JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as Record<string, unknown>
  const settings = resolveHubConfig(shipped, 'config/hub.json')
  t.same([...(settings.competence.get('land-office')?.communes ?? [])], [[QUANG_PHU, BRANCH]], 'the shipped table')
  let err: unknown
  try { resolveHubConfig({ ...shipped, competence: { 'land-office': { place: 'parcel', communes: { [QUANG_PHU]: 'nowhere' } } } }, 'test') } catch (e) { err = e }
  t.ok(err instanceof ConfigError, 'a config error')
  t.match((err as Error).message, /\/competence\/land-office\/communes\/16258 names agency "nowhere", which is not under \/agencies/)
  t.throws(() => resolveHubConfig({ ...shipped, competence: { 'land-office': { place: 'parcel', communes: { [QUANG_PHU]: 'tax' } } } }, 'test'),
    /whose adapter is generic, not land like land-office's/)
  t.throws(() => resolveHubConfig({ ...shipped, competence: { 'no-such': { place: 'parcel', communes: { [QUANG_PHU]: BRANCH } } } }, 'test'), /\/competence\/no-such names agency "no-such"/)
  t.throws(() => resolveHubConfig({ ...shipped, competence: { 'land-office': { place: 'parcel', communes: { 1625: BRANCH } } } }, 'test'), /competence\/land-office\/communes/, 'a commune code is 5 digits')
  t.throws(() => resolveHubConfig({ ...shipped, competence: { 'land-office': { place: 'district', communes: { [QUANG_PHU]: BRANCH } } } }, 'test'), /place/)
})

t.test('received at one desk, handled by the instance of the parcel\'s commune; figures by receiving and by handling unit', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  // a parcel in xã Quảng Phú, the dossier received at the Hạc Thành desk (boundary-free receipt)
  const elsewhere = example('land-first-certificate')
  elsewhere.procedure.receivingAgency = HAC_THANH_DESK
  const far = (await post(asAdmin(hub), elsewhere)).json<DossierSummary>()
  t.match(far.code, /^000\.20\.38\.H56-\d{6}-\d{4}$/, 'the code is the receiving desk\'s')
  t.equal(far.routing['land-registration']?.agency, BRANCH, 'the branch of the parcel\'s commune handles it')
  t.equal(far.routing['land-certificate']?.agency, BRANCH, 'its later land step too')
  t.equal(far.routing.tax?.agency, 'tax')
  const delivered = await waitFor(() => agency.requests.find((r) => r.path === `/${BRANCH}` && JSON.stringify(r.body).includes(far.code)), 'delivered to the branch')
  t.equal(delivered.headers['idempotency-key'], `${far.code}/land-registration`)
  // a parcel in a commune the table does not list: the provincial land office
  const transfer = (await post(asAdmin(hub), example('land-use-right-transfer'))).json<DossierSummary>()
  t.equal(transfer.routing['land-registration']?.agency, 'land-office')
  // and one received at the Quảng Phú desk itself
  const second = example('land-first-certificate')
  const near = (await post(asAdmin(hub), { ...second, source: { ...second.source, reference: `${second.source.reference}-2` }, summary: 'Cấp Giấy chứng nhận lần đầu, thửa 113' } as DossierSubmission)).json<DossierSummary>()
  t.equal(near.routing['land-registration']?.agency, BRANCH)

  const record = (await asAdmin(hub).inject(`/v1/dossiers/${far.code}/national-record`)).json<{ NoiNopHoSo: string, DonViXuLy: string }>()
  t.equal(record.NoiNopHoSo, HAC_THANH_DESK.name, 'DVCQG hears where it was received')
  t.match(record.DonViXuLy, /^Chi nhánh Văn phòng đăng ký đất đai khu vực Quảng Phú/, 'and who handles it')

  const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10)
  type Groups = { totals: { received: number }, groups: Array<{ key: string, name?: string, received: number }> }
  const byReceiving = (await asAdmin(hub).inject(`/v1/stats?from=${today}&to=${today}&groupBy=receivingUnit`)).json<Groups>()
  t.same(byReceiving.groups.map((g) => [g.key, g.received]), [['000.20.38.H56', 2], ['000.24.38.H56', 1]], 'by the desk that received them')
  const byHandling = (await asAdmin(hub).inject(`/v1/stats?from=${today}&to=${today}&groupBy=handlingUnit`)).json<Groups>()
  t.same(byHandling.groups.map((g) => [g.key, g.received]), [['land-office', 1], [BRANCH, 2]], 'by the agency that handles them')
  t.match(byHandling.groups.find((g) => g.key === BRANCH)?.name, /Quảng Phú/, 'named')
  t.equal(byHandling.groups.reduce((n, g) => n + g.received, 0), byHandling.totals.received, 'one handling unit per dossier: the rows add up to the totals')
  const indicators = (await asAdmin(hub).inject(`/v1/reports/indicators?from=${today}&to=${today}`)).json<{ agencies: Array<{ key: string }>, communes: Array<{ key: string }> }>()
  t.ok(indicators.agencies.some((a) => a.key === BRANCH), 'the indicators have the branch among the agencies')
  t.ok(indicators.communes.every((c) => c.key !== BRANCH), 'and the communes are the receiving desks')
})

t.test('an agency instance submits only the dossiers of its communes: 400 naming the place and the rule, nothing stored', async (t) => {
  const hub = await build(t, { role: 'api' })
  const native = JSON.parse(readFileSync(goldenPath('land-submission-first-certificate.json'), 'utf8')) as unknown
  const res = await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/land-office/dossiers', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(native) })
  t.equal(res.statusCode, 400)
  const detail = res.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail ?? ''
  t.match(detail, /\/data\/parcel\/address\/wardCode is 16258, so the dossier is handled by land-office-quang-phu, not land-office/)
  t.match(detail, /Decree 118\/2025\/NĐ-CP/)
  const [row] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from dossiers`
  t.equal(row?.n, 0, 'nothing stored')
  const branch = await asAdmin(hub).inject({ method: 'POST', url: `/v1/agencies/${BRANCH}/dossiers`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(native) })
  t.equal(branch.statusCode, 201, 'the branch of the parcel\'s commune may')
  t.ok(Object.keys(shippedConfig().agencies).includes(BRANCH))
})

t.test('without a competence table the route is as configured', async (t) => {
  const settings = { ...testSettings({ agencyUrl: 'http://127.0.0.1:9' }), competence: new Map() }
  const hub = await build(t, { settings, role: 'api' })
  const d = (await post(asAdmin(hub), example('land-first-certificate'))).json<DossierSummary>()
  t.equal(d.routing['land-registration']?.agency, 'land-office')
})
