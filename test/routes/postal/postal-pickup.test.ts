/**
 * Postal pickup end to end (bưu chính công ích, Decision 45/2016/QĐ-TTg), with real servers the
 * test starts (the agencies and the post office): a portal submission with channel postal and a
 * pickup address waits as new; the hub asks the post office to collect it (the province pays the
 * postage); collected — its time becomes the receipt time, the due date counts from it under the
 * 15:00 rule, the first stage is delivered — then handed over; the postage per month; and the
 * config's refusals of postal intake and return.
 */
import t from 'tap'
import { build, startAgency, testSettings, waitFor, post, example, answerJson, storedDossiers, ELECTRICITY, asAdmin, asPortal, asAgency, type InjectResponse } from '../../helper.ts'
import type { DossierSubmission, DossierSummary } from '../../../src/types/schemas.generated.ts'
import { postalAdapter } from '../../../adapters/postal/index.ts'
import type { PostalRequest } from '../../../adapters/postal/native.generated.ts'

const ITEM = 'EB123456785VN'
/** Tuesday 24 November 2026, 14:00 Vietnam time: the applicant asks for a pickup. */
const ASKED = Date.parse('2026-11-24T14:00:00+07:00')
/** collected at 16:10: a paper dossier received after 15:00 counts from the next working day */
const COLLECTED = '2026-11-24T16:10:00+07:00'

const pickupSubmission = (): DossierSubmission => ({
  ...example('electricity-new-connection'),
  channel: 'postal',
  source: { system: 'dvc-thanhhoa', reference: `pickup-${Math.random()}` },
  pickup: { contactName: 'Trần Văn Bình', phone: '+84987654321', address: { provinceCode: '38', wardCode: '14758', line: 'Số 8, ngõ 45, đường Bà Triệu' }, preferredDate: '2026-11-24', note: 'Gọi trước 15 phút' }
})

const status = (code: string, at: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ItemCode: ITEM, OrderNumber: code, StatusTime: at.replace(/[-T:]/g, '').slice(0, 14), PostOfficeCode: '40100', PostOfficeName: 'Bưu cục Hạc Thành', ...extra
})

t.test('a postal pickup end to end', async (t) => {
  const agency = await startAgency(t, (req, res, n) => {
    if (req.path.endsWith('/thu-gom-ho-so')) answerJson(res, 201, { ItemCode: ITEM, Message: 'Tạo yêu cầu thu gom thành công' })
    else answerJson(res, 201, { reference: `R-${n}` })
  })
  const clock = { ms: ASKED }
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }), now: () => new Date(clock.ms) })
  const res = await post(asAdmin(hub), pickupSubmission())
  t.equal(res.statusCode, 201, 'the portal submits a dossier for the post office to collect')
  const sub = res.json<DossierSummary>()
  t.equal(sub.status, 'new', 'it waits as new (1)')
  t.notOk(sub.dueAt, 'no clock yet')

  // the pickup request, through the outbox and the postal-pickups queue
  const order = await waitFor(() => agency.requests.find((r) => r.path === '/vnpost/thu-gom-ho-so'), 'the pickup request')
  const body = order.body as Record<string, unknown>
  t.equal(body.OrderNumber, sub.code, 'the order number is the dossier code')
  t.equal(body.ServiceCode, 'BCCI_TNHS')
  t.equal(body.PostagePaidBy, 'PROVINCE', 'the province pays the postage (the config flag)')
  t.equal(body.SenderPhone, '0987654321', 'the phone in the national form')
  t.equal(body.SenderWardCode, '14758')
  t.equal(body.PreferredDate, '20261124')
  t.equal(body.CustomerCode, 'BCCI0001', 'the hub\'s customer code')
  t.equal(order.headers['idempotency-key'], `${sub.code}/pickup`)
  t.notOk(agency.requests.some((r) => r.path === '/evn'), 'nothing delivered to the agency before the collection')
  const ordered = await waitFor(async () => { const p = (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/postal-pickup` })).json<Record<string, unknown>>(); return p.state === 'ordered' ? p : undefined }, 'the pickup ordered')
  t.equal(ordered.itemCode, ITEM, 'the tracking number kept')

  // reports: refused ones first
  const report = async (eventId: string, native: Record<string, unknown>, as = asAgency(hub, 'vnpost')): Promise<InjectResponse> =>
    await as.inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/postal-pickup/events`, payload: { eventId, native } })
  clock.ms = Date.parse('2026-11-24T16:30:00+07:00')
  t.equal((await report('x', status(sub.code, COLLECTED, { StatusCode: 110 }), asAgency(hub, 'evn'))).statusCode, 403, 'another agency may not report a collection')
  t.equal((await report('x', status(sub.code, '2026-11-25T09:00:00+07:00', { StatusCode: 110 }))).statusCode, 400, 'a collection in the future: 400')
  t.equal((await report('x', status(sub.code, '2026-11-23T09:00:00+07:00', { StatusCode: 110 }))).statusCode, 400, 'a collection before it was asked for: 400')
  t.equal((await report('x', status(sub.code, COLLECTED, { StatusCode: 120 }))).statusCode, 400, 'handed over before it was collected: 400')
  t.equal((await report('x', status(sub.code, COLLECTED, { StatusCode: 999 }))).statusCode, 400, 'an unknown code: 400')
  t.equal((await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}` })).json<{ status: string }>().status, 'new', 'still new')

  // collected
  const collected = await report('vnpost-110', status(sub.code, COLLECTED, { StatusCode: 110, Postage: 25_000, Postman: 'Nguyễn Văn Bình' }))
  t.equal(collected.statusCode, 201, 'collected')
  const c = collected.json<{ status: string, receivedAt: string, dueAt: string, released: string[] }>()
  t.equal(c.status, 'received', 'the dossier is received (2)')
  t.equal(Date.parse(c.receivedAt), Date.parse(COLLECTED), 'at the collection time')
  t.same(c.released, ['evn'], 'its first stage released')
  const expected = hub.lifecycle.calendar.dueDate(new Date(COLLECTED), { days: 3, count: 'working' }, { paper: true })
  t.equal(Date.parse(c.dueAt), expected.getTime(), 'the due date counts from the collection, as a paper dossier')
  t.not(Date.parse(c.dueAt), hub.lifecycle.calendar.dueDate(new Date(COLLECTED), { days: 3, count: 'working' }, { paper: false }).getTime(), 'the 15:00 rule applied (received after 15:00)')
  const dossier = (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}` })).json<{ receivedAt: string, channel: string, dueAt: string }>()
  t.equal(Date.parse(dossier.receivedAt), Date.parse(COLLECTED), 'the dossier\'s receipt time is the collection')
  t.equal(dossier.channel, 'postal')
  await waitFor(() => agency.requests.some((r) => r.path === '/evn'), 'the delivery to the agency')
  const repeat = await report('vnpost-110', status(sub.code, COLLECTED, { StatusCode: 110, Postage: 25_000, Postman: 'Nguyễn Văn Bình' }))
  t.equal(repeat.statusCode, 200, 'the same report again: 200')
  t.same(repeat.json(), collected.json(), 'with the first answer')
  t.equal((await report('vnpost-110', status(sub.code, COLLECTED, { StatusCode: 110, Postage: 30_000 }))).statusCode, 409, 'the same event id with other content: 409')
  t.equal((await report('vnpost-110b', status(sub.code, COLLECTED, { StatusCode: 110 }))).statusCode, 400, 'collected twice: 400')

  // handed over
  const handed = await report('vnpost-120', status(sub.code, '2026-11-24T16:25:00+07:00', { StatusCode: 120, ReceivedBy: 'Lê Thị Hoa' }))
  t.equal(handed.statusCode, 201, 'handed over to the desk')
  const pickup = (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/postal-pickup` })).json<Record<string, unknown>>()
  t.equal(pickup.state, 'handed-over')
  t.equal(pickup.postage, 25_000)
  t.equal(pickup.provincePaysPostage, true)
  const history = (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/history` })).json<{ entries: Array<{ type: string, statusTo?: string }> }>().entries
  t.same(history.map((e) => e.type), ['received', 'postal-collected', 'postal-handed-over'], 'the history tells it')

  // the figures and the DVCQG record
  const postage = (await asAdmin(hub).inject({ method: 'GET', url: '/v1/admin/postal/postage?from=2026-11&to=2026-12' })).json<{ months: unknown[] }>()
  t.same(postage.months, [{ month: '2026-11', pickups: 1, postage: 25_000, paidByProvince: 25_000 }], 'postage per month')
  t.equal((await asAdmin(hub).inject({ method: 'GET', url: '/v1/admin/postal/postage?from=2026-12&to=2026-11' })).statusCode, 400, 'a period backwards: 400')
  // the postage and the notice counts take and refuse the same months, for the same reason (domain/months.ts)
  for (const [query, status] of [['from=2026-12&to=2026-11', 400], ['from=2024-02&to=2027-02', 400], ['from=2024-01&to=2026-12', 200]] as const) {
    const postal = await asAdmin(hub).inject({ method: 'GET', url: `/v1/admin/postal/postage?${query}` })
    const notices = await asAdmin(hub).inject({ method: 'GET', url: `/v1/stats/notices?${query}` })
    t.equal(postal.statusCode, status, `postage ${query}: ${postal.body}`)
    t.equal(notices.statusCode, status, `notices ${query}: ${notices.body}`)
    if (status === 400) t.same(postal.json<{ errors: unknown }>().errors, notices.json<{ errors: unknown }>().errors, `${query}: the same problem`)
  }
  t.equal((await asPortal(hub).inject({ method: 'GET', url: '/v1/admin/postal/postage?from=2026-11&to=2026-12' })).statusCode, 403, 'an administrator\'s figure')
  const record = (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/national-record` })).json<Record<string, unknown>>()
  t.equal(record.KenhThucHien, 3, 'channel 3 (postal) in the DVCQG record')
  t.equal(record.NgayTiepNhan, '20261124161000', 'received at the collection')
  const outbox = await hub.db.sql`select 1 from outbox where kind = 'postal-pickup' and confirmed_at is null`
  t.equal(outbox.length, 0, 'the outbox owes nothing')
})

t.test('not collected: recorded, the dossier still waits', async (t) => {
  const agency = await startAgency(t, (req, res) => { answerJson(res, 201, { ItemCode: ITEM }) })
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const sub = (await post(asAdmin(hub), pickupSubmission())).json<DossierSummary>()
  await waitFor(() => agency.requests.some((r) => r.path === '/vnpost/thu-gom-ho-so'), 'the pickup request')
  const now = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 19)
  const r = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/postal-pickup/events`, payload: { eventId: 'n-1', native: status(sub.code, `${now}+07:00`, { StatusCode: 150, Reason: 'Không liên lạc được người gửi' }) } })
  t.equal(r.statusCode, 201)
  t.equal(r.json().status, 'new', 'still new')
  t.equal(r.json().pickup, 'failed')
  const noReason = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/postal-pickup/events`, payload: { eventId: 'n-2', native: status(sub.code, `${now}+07:00`, { StatusCode: 150 }) } })
  t.equal(noReason.statusCode, 400, '150 without a reason: 400')
  const p = (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/postal-pickup` })).json<{ lastError: string }>()
  t.match(p.lastError, /Không liên lạc được/, 'the reason kept')
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${'000.00.06.H56-261124-9999'}/postal-pickup/events`, payload: { eventId: 'n-3', native: status('000.00.06.H56-261124-9999', `${now}+07:00`, { StatusCode: 110 }) } })).statusCode, 404, 'a dossier with no pickup: 404')
})

t.test('the config refuses postal intake and return where a procedure does not allow them', async (t) => {
  const settings = testSettings({
    agencyUrl: 'http://127.0.0.1:9',
    procedures: (p) => ({ ...p, [ELECTRICITY]: { ...p[ELECTRICITY], postal: { intake: true, return: false } } })
  })
  const hub = await build(t, { settings, role: 'api' })
  const before = await storedDossiers(hub)
  const marriage = { ...example('marriage-registration'), channel: 'postal' as const }
  const r1 = await post(asAdmin(hub), marriage)
  t.equal(r1.statusCode, 400, 'marriage registration by post: 400')
  t.equal(r1.json().code, 'HUB_ERR_VALIDATION')
  t.same(r1.json().errors.map((e: { pointer: string }) => e.pointer), ['#/channel'], 'naming the channel')
  t.match(r1.json().errors[0].detail, /not listed for postal intake/)
  const r2 = await post(asAdmin(hub), { ...example('electricity-new-connection'), resultReturn: { method: 'postal', delivery: { recipientName: 'Trần Văn Bình', phone: '0987654321', address: { provinceCode: '38', wardCode: '14758', line: 'Số 8' } } } })
  t.equal(r2.statusCode, 400, 'a postal return the procedure does not allow: 400')
  t.same(r2.json().errors.map((e: { pointer: string }) => e.pointer), ['#/resultReturn/method'])
  const r3 = await post(asAdmin(hub), { ...pickupSubmission(), channel: 'counter' })
  t.equal(r3.statusCode, 400, 'a pickup that is not a postal intake: 400')
  t.same(r3.json().errors.map((e: { pointer: string }) => e.pointer), ['#/pickup'])
  t.equal(await storedDossiers(hub), before, 'nothing stored')
  const ok = await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'postal', source: { system: 'desk', reference: 'by-post-1' } })
  t.equal(ok.statusCode, 201, 'postal intake where allowed (a desk forwarding a dossier that came by post)')
  t.equal(ok.json().status, 'received', 'received at once: no pickup asked')
})

t.test('every postal request carries who pays the postage', async (t) => {
  const dossier = { ...example('electricity-new-connection'), code: '000.00.06.H56-261124-0001', status: 'resolved', resultReturn: { method: 'postal', delivery: { recipientName: 'Trần Văn Bình', phone: '0987654321', address: { provinceCode: '38', wardCode: '14758', line: 'Số 8' } } } } as never
  const ctx = { agencyId: 'vnpost', agencyCode: 'BCCI0001', idempotencyKey: 'k', dataSchema: 'electricity-new-connection', step: { id: 'return', stage: 1, lead: false } }
  t.equal((postalAdapter.outbound(dossier, { ...ctx, provincePaysPostage: true }).body as PostalRequest).PostagePaidBy, 'PROVINCE', 'the province pays')
  t.equal((postalAdapter.outbound(dossier, ctx).body as PostalRequest).PostagePaidBy, 'APPLICANT', 'else the applicant')
})

t.test('withdrawn before the collection: the pickup is cancelled at the post office', async (t) => {
  const agency = await startAgency(t, (req, res) => { answerJson(res, req.path.endsWith('/thu-gom-ho-so') ? 201 : 200, { ItemCode: ITEM }) })
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  const sub = (await post(asAdmin(hub), pickupSubmission())).json<DossierSummary>()
  await waitFor(async () => (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/postal-pickup` })).json<{ state: string }>().state === 'ordered', 'the pickup ordered')
  const w = await asPortal(hub).inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/withdraw`, payload: { reason: 'Tự nộp tại bộ phận một cửa' } })
  t.equal(w.statusCode, 200, 'withdrawn')
  const cancel = await waitFor(() => agency.requests.find((r) => r.path === '/vnpost/huy-don-hang'), 'the cancellation to the post office')
  t.match(cancel.body, { OrderNumber: sub.code, ItemCode: ITEM, CustomerCode: 'BCCI0001' }, 'the order cancelled, by its tracking number')
  t.equal(cancel.headers['idempotency-key'], `${sub.code}/pickup/cancel`)
  t.equal((await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/postal-pickup` })).json<{ state: string }>().state, 'cancelled')
  await waitFor(async () => (await hub.db.sql`select 1 from outbox where kind like 'postal-pickup%' and confirmed_at is null`).length === 0, 'the outbox settled')
  const now = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 19)
  const late = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/postal-pickup/events`, payload: { eventId: 'late', native: status(sub.code, `${now}+07:00`, { StatusCode: 110 }) } })
  t.equal(late.statusCode, 409, 'a collection reported after the withdrawal: 409')
  t.match(late.json().detail, /withdrew/)
  t.equal(agency.requests.filter((r) => r.path === '/evn').length, 0, 'nothing ever delivered')
})
