/**
 * The rules that changed with the date a dossier is received (issue 14), on real dates: the two
 * levels of local government from 1 July 2025, the 9-digit CMND lapsed on 31 December 2024.
 */
import t from 'tap'
import { build, example, post, startAgency, storedDossiers, waitFor, asAdmin } from '../helper.ts'
import type { Dossier, DossierSummary } from '../../src/types/schemas.generated.ts'

interface Problem { code: string, detail: string, errors: Array<{ pointer: string, detail: string }> }

const at = (iso: string) => () => new Date(iso)

t.test('levels: district is refused on a dossier received on or after 1 July 2025, naming the reform; nothing is stored', async (t) => {
  for (const when of ['2025-07-01T00:00:00+07:00', '2026-11-24T10:00:00+07:00']) {
    const hub = await build(t, { role: 'api', now: at(when) })
    const submission = example('electricity-new-connection')
    submission.procedure.level = 'district'
    const res = await post(asAdmin(hub), submission)
    t.equal(res.statusCode, 400, `received ${when}: 400`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    const p = res.json<Problem>()
    t.equal(p.code, 'HUB_ERR_VALIDATION')
    t.match(p.errors, [{ pointer: '#/procedure/level', detail: /2025-07-01.*two-level local government reform of 1 July 2025.*districts \(cấp huyện\) were abolished/ }])
    t.equal(await storedDossiers(hub), 0, 'nothing stored')
    submission.procedure.level = 'commune'
    t.equal((await post(asAdmin(hub), submission)).statusCode, 201, 'commune is a level')
    submission.procedure.level = 'province'
    submission.source.reference += '-p'
    t.equal((await post(asAdmin(hub), submission)).statusCode, 201, 'province is a level')
  }
})

t.test('levels: a dossier received before 1 July 2025 keeps its district level, is read and counted with it', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2025-06-30T23:59:59+07:00') })
  const submission = example('electricity-new-connection')
  submission.procedure.level = 'district'
  const res = await post(asAdmin(hub), submission)
  t.equal(res.statusCode, 201, 'the last second of 30 June 2025 still had districts')
  const { code } = res.json<DossierSummary>()
  const d = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>()
  t.equal(d.procedure.level, 'district')
  const stats = (await asAdmin(hub).inject('/v1/stats?from=2025-06-01&to=2025-06-30&groupBy=level')).json<{ groups: Array<{ key: string, received: number }> }>()
  t.same(stats.groups.map((g) => [g.key, g.received]), [['district', 1]], 'an older dossier is counted at its district level')
})

t.test('levels: the figures of dossiers received since the reform have no district level', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2026-11-24T10:00:00+07:00') })
  const a = example('electricity-new-connection')
  const b = example('birth-registration')
  t.equal((await post(asAdmin(hub), a)).statusCode, 201)
  t.equal((await post(asAdmin(hub), b)).statusCode, 201)
  a.procedure.level = 'district'
  a.source.reference += '-d'
  t.equal((await post(asAdmin(hub), a)).statusCode, 400)
  const stats = (await asAdmin(hub).inject('/v1/stats?from=2026-11-01&to=2026-11-30&groupBy=level')).json<{ groups: Array<{ key: string, received: number }> }>()
  t.same(stats.groups.map((g) => g.key).sort(), ['commune', 'province'], 'province and commune only')
})

t.test('identity: the 9-digit CMND is refused on dossiers received after 31 December 2024 and kept on older ones', async (t) => {
  const legacy = (reference: string): ReturnType<typeof example> => {
    const s = example('electricity-new-connection')
    s.source.reference = reference
    s.applicant.identity = { type: 'legacy-id', number: '172345678' }
    return s
  }
  const hub2025 = await build(t, { role: 'api', now: at('2025-01-01T00:00:00+07:00') })
  const refused = await post(asAdmin(hub2025), { ...legacy('L-1'), submittedAt: '2024-12-31T20:00:00+07:00' })
  t.equal(refused.statusCode, 400, 'the first minute of 2025')
  t.match(refused.json<Problem>().errors, [{ pointer: '#/applicant/identity/type', detail: /received on or after 2025-01-01.*CMND\) lapsed on 31 December 2024 \(Law on Identification 2023/ }])
  t.equal(await storedDossiers(hub2025), 0)

  const hub2024 = await build(t, { role: 'api', now: at('2024-12-31T23:59:59+07:00') })
  const kept = await post(asAdmin(hub2024), { ...legacy('L-2'), submittedAt: '2024-12-31T20:00:00+07:00' })
  t.equal(kept.statusCode, 201, 'the last second of 2024')
  const d = (await asAdmin(hub2024).inject(`/v1/dossiers/${kept.json<DossierSummary>().code}`)).json<Dossier>()
  t.same(d.applicant.identity, { type: 'legacy-id', number: '172345678' }, 'read as it was')

  // received at the desk in 2024, forwarded in 2025: an older dossier
  const forwarded = await post(asAdmin(hub2025), { ...legacy('L-3'), submittedAt: '2024-12-30T08:00:00+07:00', receivedAt: '2024-12-30T09:00:00+07:00' })
  t.equal(forwarded.statusCode, 201, 'the desk\'s receipt time decides')
})

t.test('identity: passports and organisations\' own identifiers, each with its check; the VNeID flag travels to the national record', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2026-11-24T10:00:00+07:00') })
  let n = 0
  const submit = async (applicant: Partial<ReturnType<typeof example>['applicant']>): Promise<Awaited<ReturnType<typeof post>>> => {
    const s = example('electricity-new-connection')
    s.source.reference = `ID-${++n}`
    s.applicant = { ...s.applicant, ...applicant }
    if (s.applicant.kind !== 'citizen') delete s.applicant.dateOfBirth
    return await post(asAdmin(hub), s)
  }
  t.equal((await submit({ identity: { type: 'passport', number: 'C1234567' } })).statusCode, 201, 'a citizen by passport')
  const badPassport = await submit({ identity: { type: 'passport', number: 'c-12' } })
  t.equal(badPassport.statusCode, 400)
  t.match(badPassport.json<Problem>().errors, [{ pointer: '#/applicant/identity/number', detail: /passport number \(số hộ chiếu\)/ }])
  const company = { kind: 'organisation' as const, fullName: 'Công ty TNHH Minh Phát' }
  t.equal((await submit({ ...company, identity: { type: 'enterprise-code', number: '2801234567' } })).statusCode, 201, 'an organisation by its enterprise code')
  t.equal((await submit({ ...company, identity: { type: 'enterprise-code', number: '2801234567-001' } })).statusCode, 201, 'a branch')
  t.equal((await submit({ ...company, identity: { type: 'organisation-id', number: 'TC.038.0001234' } })).statusCode, 201, 'an organisation by its e-identifier')
  const badCode = await submit({ ...company, identity: { type: 'enterprise-code', number: '28012345' } })
  t.match(badCode.json<Problem>().errors, [{ pointer: '#/applicant/identity/number', detail: /Law on Enterprises 2020 Art\. 29/ }])
  const companyByPassport = await submit({ ...company, identity: { type: 'passport', number: 'C1234567' } })
  t.match(companyByPassport.json<Problem>().errors, [{ pointer: '#/applicant/identity/type', detail: /"tax-code", "enterprise-code", "organisation-id"/ }])

  const vneid = await submit({ identity: { type: 'citizen-id', number: '038085004321' }, vneidAuthenticated: true })
  t.equal(vneid.statusCode, 201)
  const code = vneid.json<DossierSummary>().code
  t.equal((await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>().applicant.vneidAuthenticated, true, 'carried on the dossier')
  const record = (await asAdmin(hub).inject(`/v1/dossiers/${code}/national-record`)).json<Record<string, unknown>>()
  t.equal(record.TaiKhoanDuocXacThucVoiVNeID, 1, 'and to the national portal\'s record')
  const unknown = (await asAdmin(hub).inject(`/v1/dossiers/${(await submit({ identity: { type: 'passport', number: 'B7654321' } })).json<DossierSummary>().code}/national-record`)).json<Record<string, unknown>>()
  t.notOk('TaiKhoanDuocXacThucVoiVNeID' in unknown, 'not told: not sent')
})

t.test('routes of 2025: a criminal record certificate goes to the police, in the LLTP module of its software, not to the justice department', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const res = await post(asAdmin(hub), example('criminal-record-certificate'))
  t.equal(res.statusCode, 201)
  const summary = res.json<DossierSummary>()
  t.same(Object.entries(summary.routing).filter(([step]) => step !== 'return').map(([, r]) => r?.agency), ['police-records'], 'routed to the provincial police (then the post returns the certificate)')
  const delivery = await waitFor(() => agency.requests.find((r) => r.path === '/police-records'), 'delivered to the police')
  t.equal((delivery.body as { loaiHoSo?: string }).loaiHoSo, 'LLTP', 'as a criminal record (LLTP) request')
  t.equal(agency.requests.filter((r) => r.path.startsWith('/justice')).length, 0, 'the justice department gets nothing')
})
