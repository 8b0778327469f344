/**
 * The sync to the national public service portal (DVCQG), against a real DVCQG simulator the test
 * starts (adapters/national-portal/simulator.ts: strict about order, receive-once by
 * Idempotency-Key, schema-checked): the receipt and every status change arrive once and in order,
 * through a sink that fails now and then; a sink that is down is retried until it takes them; a
 * sink that refuses a dossier leaves a failed sync visible in the admin API and /metrics, the
 * later changes waiting behind it until an administrator retries it. And the mapping: the progress
 * update of a change, the organisation's LoaiDoiTuong, HoSoCoThanhPhanSoHoa.
 */
import t from 'tap'
import type { Test } from 'tap'
import { build, example, post, removeKeys, startAgency, testSettings, waitFor, type TestHub, asAdmin, asAuditor, asPortal, queuesSettled } from '../helper.ts'
import { recordProblem, startNationalPortalSimulator, type NationalPortalSimulator, type NationalPortalSimulatorOptions } from '../../adapters/national-portal/simulator.ts'
import type { NationalPortalRecord } from '../../adapters/national-portal/native.generated.ts'
import { applicantKindCode, toNationalRecord, toProgressUpdate, toSyncMessage } from '../../adapters/national-portal/index.ts'
import { createNationalSyncValidator } from '../../src/validation/native.ts'
import type { HubSettings } from '../../src/config/hub-config.ts'
import type { Dossier, DossierSummary, StatusReport } from '../../src/types/schemas.generated.ts'

const AUTH_TOKEN = 'dvcqg-test-token-0123456789abcdef'

async function simulator (t: Test, o: NationalPortalSimulatorOptions = {}): Promise<NationalPortalSimulator> {
  const sim = await startNationalPortalSimulator({ path: '/dvcqg/dong-bo', auth: { type: 'bearer', secret: AUTH_TOKEN }, ...o })
  t.teardown(async () => { await sim.close() })
  return sim
}

function withPortal (settings: HubSettings, url: string, attempts: number): HubSettings {
  return {
    ...settings,
    nationalPortal: {
      id: 'national-portal',
      name: 'DVCQG (test)',
      endpoint: url,
      timeoutMs: 2000,
      concurrency: 4,
      retry: { attempts, baseDelayMs: 40, maxDelayMs: 400 },
      auth: { type: 'bearer', secret: AUTH_TOKEN }
    }
  }
}

async function report (hub: TestHub, code: string, agency: string, eventId: string, r: StatusReport): Promise<void> {
  const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId, agency, report: r } })
  if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`report ${eventId}: ${res.statusCode} ${res.body}`)
}

interface SyncView { code: string, state: string, changes: number, synced: number, attempts: number, lastError?: string, firstSyncedAt?: string }

async function syncOf (hub: TestHub, code: string): Promise<SyncView> {
  return (await asAdmin(hub).inject(`/v1/admin/national-sync/${code}`)).json<SyncView>()
}

async function syncMetric (hub: TestHub, state: string): Promise<number | undefined> {
  const text = (await asAdmin(hub).inject({ url: '/metrics' })).body
  const m = new RegExp(`^hub_national_sync_dossiers\\{[^}]*state="${state}"[^}]*\\} (\\d+)$`, 'm').exec(text)
  return m === null ? undefined : Number(m[1])
}

t.test('the receipt and every status change reach DVCQG once, in order, through a sink that fails now and then', async (t) => {
  // the sink answers 503 to its 2nd and 3rd requests and then every 4th: retries must keep the order
  const sim = await simulator(t, { answer: (_m, n) => n === 2 || n === 3 || n % 4 === 0 ? 503 : undefined })
  const agency = await startAgency(t)
  const hub = await build(t, { settings: withPortal(testSettings({ agencyUrl: agency.url }), sim.url, 20) })
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  await waitFor(() => sim.taken.length >= 1 ? true : undefined, 'the receipt reached DVCQG')
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  await report(hub, code, 'evn', 'e1', { status: 'accepted', officer: { name: 'Nguyễn Văn An', title: 'Chuyên viên', department: 'Phòng Kinh doanh' } })
  await report(hub, code, 'evn', 'e2', { status: 'supplement-requested', missing: [{ name: 'Giấy tờ chứng minh quyền sử dụng nhà' }] })
  await report(hub, code, 'evn', 'e3', { status: 'processing' })
  await report(hub, code, 'evn', 'e4', { status: 'resolved', note: 'Đã ký hợp đồng mua bán điện' })
  const returned = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'counter', note: 'chủ hộ nhận tại quầy' } })
  t.equal(returned.statusCode, 200)

  const expected = [2, 4, 5, 4, 9, 10]
  await waitFor(async () => (await syncOf(hub, code)).state === 'synced' && sim.taken.length >= expected.length ? true : undefined, 'every change synced', 20_000)
  // no sync job left to run: nothing more can reach DVCQG, so what it took is all it takes
  await queuesSettled([hub.nationalSyncQueue?.queue], 'the national sync queue settled')
  const mine = sim.taken.filter((m) => m.MaHoSo === code)
  t.same(mine.map((m) => m.SoThuTu), [1, 2, 3, 4, 5, 6], 'each change once, in order')
  t.same(mine.map((m) => m.TienDo.TrangThai), expected, 'the statuses as they changed')
  t.same(mine.map((m) => m.LoaiDongBo), [1, 2, 2, 2, 2, 2], 'the receipt is a new dossier, the rest updates')
  t.ok(sim.refused.some((r) => r.status === 503), 'the sink failed some attempts')
  t.notOk(sim.refused.some((r) => r.status === 409 || r.status === 400 || r.status === 401), 'never out of order, never malformed, always authenticated')
  const record = sim.dossiers.get(code)?.record
  t.equal(record?.TrangThaiHoSo, 10, 'DVCQG holds the final record')
  t.match(record?.NgayTra, /^\d{14}$/, 'with the return date')
  t.equal(record?.KenhThucHien, ({ counter: 1, online: 2, postal: 3 } as const)[example('electricity-new-connection').channel], 'its channel')
  const accepted = mine[1]?.TienDo
  t.same({ who: accepted?.NguoiXuLy, title: accepted?.ChucDanh, dept: accepted?.PhongBanXuLy }, { who: 'Nguyễn Văn An', title: 'Chuyên viên', dept: 'Phòng Kinh doanh' }, 'the officer the agency named')
  t.equal(mine[4]?.TienDo.NoiDungXuLy, 'Đã ký hợp đồng mua bán điện', 'the note of the change')
  t.equal(mine[5]?.TienDo.NoiDungXuLy, 'chủ hộ nhận tại quầy')
  const view = await syncOf(hub, code)
  t.same({ state: view.state, changes: view.changes, synced: view.synced }, { state: 'synced', changes: 6, synced: 6 })
  t.match(view.firstSyncedAt, /\+07:00$/)
})

t.test('a receipt and a status change reach DVCQG at once, well within the relay\'s grace period', async (t) => {
  const sim = await simulator(t)
  const agency = await startAgency(t)
  // the relay looks only at what was not queued for 60 s: the change's own path must queue its sync
  const hub = await build(t, { settings: withPortal(testSettings({ agencyUrl: agency.url }), sim.url, 5), reconcileGraceMs: 60_000, reconcileIntervalMs: 200, nationalSyncIntervalMs: 200 })
  const started = Date.now()
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  await waitFor(() => sim.taken.some((m) => m.MaHoSo === code && m.SoThuTu === 1) ? true : undefined, 'the receipt reached DVCQG', 8_000)
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  // the dossier is up to date on DVCQG: the next change starts a new owed period
  await waitFor(async () => (await syncOf(hub, code)).state === 'synced' ? true : undefined, 'synced')
  await report(hub, code, 'evn', 'g1', { status: 'accepted' })
  await waitFor(() => sim.taken.some((m) => m.MaHoSo === code && m.SoThuTu === 2) ? true : undefined, 'the status change reached DVCQG', 8_000)
  t.ok(Date.now() - started < 30_000, 'both well within the 60 s grace')
  t.same(sim.taken.filter((m) => m.MaHoSo === code).map((m) => m.TienDo.TrangThai), [2, 4], 'the receipt, then the acceptance, once each')
})

t.test('the record DVCQG takes carries what the hub knows beyond the dossier: the result\'s id in the document store, the return method, the databases consulted', async (t) => {
  const databases = { 'national-data-store': 'KHO-DMQG-TEST', population: 'CSDL-DAN-CU-TEST' }
  const sim = await simulator(t, { databases })
  const agency = await startAgency(t)
  const base = withPortal(testSettings({ agencyUrl: agency.url }), sim.url, 20)
  const settings: HubSettings = { ...base, nationalPortal: { ...(base.nationalPortal as NonNullable<HubSettings['nationalPortal']>), databaseCodes: databases } }
  const hub = await build(t, { settings })
  const submission = example('electricity-new-connection')
  const { code } = (await post(asAdmin(hub), { ...submission, applicant: { ...submission.applicant, vneidAuthenticated: true } })).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  await report(hub, code, 'evn', 'r1', { status: 'accepted' })
  const result = { name: 'Hợp đồng mua bán điện sinh hoạt', componentCode: 'KQ-HD', url: `https://cmis.example.vn/ketqua/${code}/hop-dong.pdf`, sha256: 'c'.repeat(64) }
  await report(hub, code, 'evn', 'r2', { status: 'resolved', results: [result] })
  await waitFor(async () => { const v = await syncOf(hub, code); return v.state === 'synced' && v.synced >= 3 ? true : undefined }, 'the resolution synced', 20_000)

  const [doc] = await hub.db.sql<Array<{ id: string }>>`select id from documents where dossier_code = ${code} and origin = 'result'`
  t.ok(doc !== undefined, 'the result is registered in the document store')
  const record = sim.dossiers.get(code)?.record
  t.equal(record?.TrangThaiHoSo, 9)
  t.same(record?.DanhSachGiayToKetQua, [{ TenGiayTo: result.name, MaThanhPhanHoSo: 'KQ-HD', DuongDanTepTinKetQua: result.url, MaGiayToKetQua: doc?.id }], 'MaGiayToKetQua: the stored result\'s id')
  t.same(record?.DSKetNoiCSDL, [{ MaCSDL: 'CSDL-DAN-CU-TEST' }], 'VNeID-authenticated: the population database, by its configured code')
  t.equal(record?.HinhThuc, ({ counter: 0, postal: 1 } as Record<string, number>)[submission.resultReturn.method], 'the result\'s return method')
  t.same(sim.refused.filter((r) => r.status !== 503), [], 'the strict sink refused nothing')
  const got = (await asAdmin(hub).inject(`/v1/dossiers/${code}/national-record`)).json<Record<string, unknown>>()
  t.same(got, record, 'the record the API shows is the one DVCQG holds')
})

t.test('the record the API shows is checked against the portal\'s schema as a sync message is: an invalid one is a 500, never shown', async (t) => {
  const hub = await build(t)
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  const good = await asAdmin(hub).inject(`/v1/dossiers/${code}/national-record`)
  t.equal(good.statusCode, 200)
  t.match(good.json<NationalPortalRecord>().SoDienThoai, /^0\d{9}$/)
  // an auditor may not see personal numbers: the record, checked whole, is shown masked
  const audited = await asAuditor(hub).inject(`/v1/dossiers/${code}/national-record`)
  t.equal(audited.statusCode, 200, 'an auditor reads it')
  t.match(audited.json<NationalPortalRecord>(), { SoDienThoai: /^0\d\*+\d\d$/, SoGiayToChuHoSo: /\*/ }, 'with the personal numbers masked')
  // a phone number SoDienThoai's pattern refuses, written behind the hub's back: what a mapping bug would produce
  await hub.db.sql`update dossiers set doc = jsonb_set(doc::jsonb, '{applicant,phone}', '"12345"')::json where code = ${code}`
  const bad = await asAdmin(hub).inject(`/v1/dossiers/${code}/national-record`)
  t.equal(bad.statusCode, 500)
  t.match(bad.headers['content-type'], /^application\/problem\+json/)
  t.equal(bad.json<{ code: string }>().code, 'HUB_ERR_INTERNAL')
  t.notMatch(bad.body, /12345|MaHoSo|ChuHoSo/, 'nothing of the record leaks')
})

t.test('the simulator refuses what the schema cannot: flags that disagree with their lists, codes twice, databases it does not know or that are missing', async (t) => {
  const databases = { 'national-data-store': 'KHO', population: 'DAN-CU' }
  const record = {
    MaHoSo: '000.00.06.H56-251201-0007',
    MaTTHC: '2.000001.H56',
    TenTTHC: 'Cấp điện mới',
    KenhThucHien: 2,
    ChuHoSo: 'Trần Thị Lan',
    SoGiayToChuHoSo: '038190012345',
    LoaiDoiTuong: 1,
    NgayTiepNhan: '20251201090000',
    TrangThaiHoSo: 2,
    NoiNopHoSo: 'UBND xã',
    NgayNopHoSo: '20251201085900',
    HoSoCoThanhPhanSoHoa: 1,
    TaiKhoanDuocXacThucVoiVNeID: 1,
    TaiLieuNop: [{ TenTepDinhKem: 'a.pdf', MaThanhPhanHoSo: 'TP1', DuocSoHoa: 1, DuocTaiSuDung: 1, DuocLayTuKhoDMQG: 1 }],
    DSKetNoiCSDL: [{ MaCSDL: 'KHO' }, { MaCSDL: 'DAN-CU' }]
  } satisfies NationalPortalRecord
  t.equal(recordProblem(record, databases), undefined, 'a consistent record')
  t.match(recordProblem({ ...record, HoSoCoThanhPhanSoHoa: 0 }), /HoSoCoThanhPhanSoHoa/)
  t.match(recordProblem({ ...record, TaiLieuNop: [{ TenTepDinhKem: 'a.pdf', MaThanhPhanHoSo: 'TP1', DuocSoHoa: 1, DuocTaiSuDung: 0, DuocLayTuKhoDMQG: 1 }] }), /DuocLayTuKhoDMQG 1 without DuocTaiSuDung/)
  t.match(recordProblem({ ...record, DanhSachLePhi: [{ TenPhiLePhi: 'a', MaPhiLePhi: 'P', Gia: 1, LoaiPhiLePhi: 1 }, { TenPhiLePhi: 'b', MaPhiLePhi: 'P', Gia: 2, LoaiPhiLePhi: 1 }] }), /MaPhiLePhi P twice/)
  t.match(recordProblem({ ...record, DanhSachGiayToKetQua: [{ TenGiayTo: 'a', MaThanhPhanHoSo: 'K', DuongDanTepTinKetQua: 'https://x.vn/a', MaGiayToKetQua: 'D' }, { TenGiayTo: 'b', MaThanhPhanHoSo: 'K', DuongDanTepTinKetQua: 'https://x.vn/b', MaGiayToKetQua: 'D' }] }), /MaGiayToKetQua D twice/)
  t.match(recordProblem({ ...record, DSKetNoiCSDL: [{ MaCSDL: 'KHO' }, { MaCSDL: 'DAN-CU' }, { MaCSDL: 'OTHER' }] }, databases), /OTHER is not a database/)
  t.match(recordProblem({ ...record, DSKetNoiCSDL: [{ MaCSDL: 'DAN-CU' }] }, databases), /national data store/)
  t.match(recordProblem({ ...record, DSKetNoiCSDL: [{ MaCSDL: 'KHO' }] }, databases), /VNeID/)
  t.equal(recordProblem({ ...record, DSKetNoiCSDL: [{ MaCSDL: 'KHO' }] }), undefined, 'without known databases: not checked')
})

t.test('a sink that is down: retried, shown retrying, delivered once it is back', async (t) => {
  let down = true
  const sim = await simulator(t, { answer: () => down ? 503 : undefined })
  const hub = await build(t, { settings: withPortal(testSettings({ agencyUrl: 'http://127.0.0.1:9' }), sim.url, 50) })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  const retrying = await waitFor(async () => { const v = await syncOf(hub, code); return v.state === 'retrying' && v.attempts >= 2 ? v : undefined }, 'retried while down')
  t.match(retrying.lastError, /message 1: the agency answered HTTP 503/)
  const listed = (await asAdmin(hub).inject('/v1/admin/national-sync?state=retrying')).json<{ dossiers: SyncView[] }>()
  t.ok(listed.dossiers.some((d) => d.code === code), 'listed among the retrying')
  t.equal(sim.taken.length, 0)
  down = false
  await waitFor(async () => (await syncOf(hub, code)).state === 'synced' ? true : undefined, 'synced once the sink is back')
  t.same(sim.taken.map((m) => [m.MaHoSo, m.SoThuTu]), [[code, 1]], 'taken once')
  t.equal(sim.dossiers.get(code)?.record.TrangThaiHoSo, 2)
})

t.test('a sink that refuses a dossier: a visible failed sync, later changes wait behind it, an administrator retries it', async (t) => {
  let refuse = true
  const sim = await simulator(t, { answer: () => refuse ? 422 : undefined })
  const hub = await build(t, { settings: withPortal(testSettings({ agencyUrl: 'http://127.0.0.1:9' }), sim.url, 5) })
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  const failed = await waitFor(async () => { const v = await syncOf(hub, code); return v.state === 'failed' ? v : undefined }, 'failed for good')
  t.equal(failed.attempts, 1, 'a 4xx is not retried')
  t.match(failed.lastError, /message 1: the agency answered HTTP 422/)
  const list = (await asAdmin(hub).inject('/v1/admin/national-sync')).json<{ configured: boolean, counts: Record<string, number>, dossiers: SyncView[] }>()
  t.equal(list.configured, true)
  t.equal(list.counts.failed, 1)
  t.same(list.dossiers.map((d) => d.code), [code], 'failed is the default list')
  t.equal(await syncMetric(hub, 'failed'), 1, '/metrics counts it')
  // Decision 766 indicator 1.4: synced ÷ received in the period (the last 30 days, Vietnam time)
  const day = (ms: number): string => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10)
  const indicator14 = async (): Promise<{ numerator: number, denominator: number } | undefined> =>
    (await asAdmin(hub).inject(`/v1/reports/indicators?from=${day(Date.now() - 30 * 86_400_000)}&to=${day(Date.now())}`))
      .json<{ province: { indicators: Array<{ id: string, numerator: number, denominator: number }> } }>().province.indicators.find((i) => i.id === '1.4')
  t.match(await indicator14(), { numerator: 0, denominator: 1 }, '1.4: received, not taken by DVCQG')

  const withdrawn = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'nộp nhầm thủ tục' } })
  t.equal(withdrawn.statusCode, 200)
  const requestsBefore = sim.requests
  await waitFor(async () => (await syncOf(hub, code)).changes === 2 ? true : undefined, 'the withdrawal recorded as a change to sync')
  // A check that nothing happens: the relay (every second by default) and the queue get time to send
  // the withdrawal, which they must not while the receipt failed. Bounded; no state says "the
  // relay passed and left it".
  await new Promise((resolve) => setTimeout(resolve, 1200))
  await queuesSettled([hub.nationalSyncQueue?.queue], 'the national sync queue settled')
  t.equal(sim.requests, requestsBefore, 'DVCQG heard nothing more')
  const waiting = await syncOf(hub, code)
  t.same({ state: waiting.state, changes: waiting.changes, synced: waiting.synced }, { state: 'failed', changes: 2, synced: 0 }, 'the withdrawal waits behind the failed receipt')
  t.equal(sim.taken.length, 0)

  const notFailed = await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/national-sync/000.00.00.H56-260101-9999/retry' })
  t.equal(notFailed.statusCode, 404, 'an unknown dossier')
  refuse = false
  const retried = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/national-sync/${code}/retry` })
  t.equal(retried.statusCode, 200)
  await waitFor(async () => (await syncOf(hub, code)).state === 'synced' ? true : undefined, 'synced after the retry')
  t.same(sim.taken.map((m) => [m.SoThuTu, m.TienDo.TrangThai]), [[1, 2], [2, 7]], 'the receipt, then the withdrawal')
  const again = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/national-sync/${code}/retry` })
  t.equal(again.statusCode, 400, 'a synced dossier is not retried')
  t.match(again.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /has not failed \(it is synced, 2 of 2/)
  t.equal(await syncMetric(hub, 'failed'), 0)
  t.equal(await syncMetric(hub, 'synced'), 1)
  t.match(await indicator14(), { numerator: 1, denominator: 1 }, '1.4: taken by DVCQG once retried')
  const trail = (await asAuditor(hub).inject({ url: `/v1/dossiers/${code}/audit` })).json<{ entries: Array<{ action: string, note?: string }> }>()
  t.ok(trail.entries.some((e) => e.action === 'retry' && e.note === 'national portal sync (DVCQG)'), 'the retry is in the dossier\'s audit trail')
})

t.test('Redis loses the sync jobs: the record still owes them, the relay queues them again, DVCQG gets each once', async (t) => {
  let down = true
  const sim = await simulator(t, { answer: () => down ? 503 : undefined })
  const hub = await build(t, { settings: withPortal(testSettings({ agencyUrl: 'http://127.0.0.1:9' }), sim.url, 50), reconcileIntervalMs: 1000 })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  await waitFor(async () => (await syncOf(hub, code)).state === 'retrying' ? true : undefined, 'retrying while DVCQG is down')
  const lost = Date.now()
  await removeKeys(hub.redis, hub.prefix)
  // the relay (every second here) may have queued it again already: then as a new job, added since
  const job = await hub.nationalSyncQueue?.queue.getJob(`${code}/1`)
  t.ok(job === undefined || job.timestamp >= lost, `the job is gone with Redis (or queued again since by the relay: ${job?.timestamp ?? 'none'} ≥ ${lost})`)
  down = false
  await waitFor(async () => (await syncOf(hub, code)).state === 'synced' ? true : undefined, 'synced from the record', 20_000)
  t.same(sim.taken.map((m) => [m.MaHoSo, m.SoThuTu]), [[code, 1]], 'once')
})

t.test('without a national portal configured: owed and shown pending, nothing sent', async (t) => {
  const hub = await build(t)
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  const v = await syncOf(hub, code)
  t.same({ state: v.state, changes: v.changes, synced: v.synced }, { state: 'pending', changes: 1, synced: 0 })
  const list = (await asAdmin(hub).inject('/v1/admin/national-sync?state=pending')).json<{ configured: boolean, dossiers: SyncView[] }>()
  t.equal(list.configured, false)
  t.ok(list.dossiers.some((d) => d.code === code))
  const bad = await asAdmin(hub).inject('/v1/admin/national-sync?state=synced')
  t.equal(bad.statusCode, 400, 'the synced are not listed one by one')
  const byPortal = await asPortal(hub).inject({ url: '/v1/admin/national-sync' })
  t.equal(byPortal.statusCode, 403, 'administrators only')
})

t.test('mapping: the progress update, the organisation\'s LoaiDoiTuong, HoSoCoThanhPhanSoHoa', async (t) => {
  const base = example('electricity-new-connection') as unknown as Dossier
  const dossier: Dossier = {
    ...base,
    code: '000.00.06.H56-251201-0007',
    status: 'processing',
    statusCode: 4,
    receivedAt: '2025-12-01T09:15:00+07:00',
    dueAt: '2025-12-08T17:00:00+07:00',
    routing: { evn: { agency: 'evn', stage: 0, state: 'accepted', attempts: 1 } } as unknown as Dossier['routing']
  }
  const context = { agencies: new Map([['evn', { name: 'Công ty Điện lực Thanh Hóa' }]]) }
  const change = {
    sequence: 2,
    statusCode: 4,
    entry: { at: '2025-12-02T10:30:00+07:00', type: 'agency-report' as const, actor: { kind: 'agency' as const, id: 'evn' }, applied: true, report: { status: 'accepted' as const } }
  }
  const progress = toProgressUpdate(dossier, change, context)
  t.same(progress, {
    MaHoSo: '000.00.06.H56-251201-0007',
    NguoiXuLy: 'Công ty Điện lực Thanh Hóa',
    ThoiDiemXuLy: '20251202103000',
    PhongBanXuLy: 'Công ty Điện lực Thanh Hóa',
    NoiDungXuLy: 'Đang xử lý',
    TrangThai: 4,
    NgayBatDau: '20251202103000',
    NgayKetThucTheoQuyDinh: '20251208170000'
  }, 'without an officer: the agency; without a note: the status it led to')
  const message = toSyncMessage(dossier, change, context)
  const validate = createNationalSyncValidator()
  t.ok(validate(message), JSON.stringify(validate.errors))
  t.equal(message.LoaiDongBo, 2)

  const business = { kind: 'organisation' as const, fullName: 'Công ty TNHH Minh Phát', identity: { type: 'enterprise-code' as const, number: '2801234567' } }
  const association = { kind: 'organisation' as const, fullName: 'Hội Nông dân xã Quảng Phú', identity: { type: 'organisation-id' as const, number: 'TC0380000123' } }
  t.equal(applicantKindCode(business), 2, 'a business (enterprise code) → 2')
  t.equal(applicantKindCode({ ...business, identity: { type: 'tax-code', number: '2801234567' } }), 2, 'a business (tax code) → 2')
  t.equal(applicantKindCode(association), 4, 'another organisation (organisation e-identifier) → 4')
  t.equal(applicantKindCode({ kind: 'agency', fullName: 'UBND xã Quảng Phú', identity: { type: 'agency-code', number: '000.00.06.H56' } }), 3)

  const digitized = toNationalRecord({ ...dossier, attachments: [{ componentCode: 'TP01', componentName: 'Đơn', fileName: 'don.pdf', digitized: true }] } as Dossier, context)
  t.equal(digitized.HoSoCoThanhPhanSoHoa, 1)
  const paper = toNationalRecord({ ...dossier, attachments: [{ componentCode: 'TP01', componentName: 'Đơn', fileName: 'don.pdf' }] } as Dossier, context)
  t.equal(paper.HoSoCoThanhPhanSoHoa, 0)
})
