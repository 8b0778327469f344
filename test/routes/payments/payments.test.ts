/**
 * Online payment end to end, with real servers the test starts: the agency (generic adapter), the
 * portal's webhook receiver and the VNPay-shaped payment platform (adapters/vnpay/simulator.ts).
 * Status 6 with fee lines → the payment created on the platform (outbox + BullMQ) → its address to
 * the portal → every refusal of a callback (forged, unknown, wrong amount, other platform, other
 * transaction) changes nothing → the paid result resumes the dossier (the due date moves by the
 * time waited) → a replay changes nothing → the agency is told → DuocThanhToanTrucTuyen; the reminder.
 */
import t, { type Test } from 'tap'
import { build, startAgency, testSettings, waitFor, post, example, answerJson, ELECTRICITY, type TestHub, asAdmin, asAgency } from '../../helper.ts'
import { startPaymentPlatform, type PaymentPlatform } from '../../../adapters/vnpay/simulator.ts'
import type { DossierSummary } from '../../../src/types/schemas.generated.ts'
import { createStrictAjv } from '../../../src/validation/ajv.ts'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MIGRATIONS_DIR } from '../../../src/store/migrate.ts'

const SECRET = 'test-vnpay-hash-secret-0123456789'
const MERCHANT = 'LTHUB001'
/** Tuesday 24 November 2026, 09:00 Vietnam time: working hours, so a pause moves the due date. */
const START = Date.parse('2026-11-24T09:00:00+07:00')

interface Setup { hub: TestHub, platform: PaymentPlatform, agency: Awaited<ReturnType<typeof startAgency>>, portal: Awaited<ReturnType<typeof startAgency>>, clock: { ms: number }, base: string }

async function setup (tt: Test, remindAfterHours = 48): Promise<Setup> {
  const agency = await startAgency(tt)
  const portal = await startAgency(tt, (_req, res) => { answerJson(res, 200, { ok: true }) })
  const clock = { ms: START }
  // the platform calls back to the hub's URL, known once the hub listens: a forwarder in between
  let hubBase = ''
  const forwarder = await startAgency(tt, async (req, res) => {
    const r = await fetch(`${hubBase}${req.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) })
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' })
    res.end(await r.text())
  })
  const platform = await startPaymentPlatform({ secret: SECRET, callbackUrl: `${forwarder.url}/v1/payments/vnpay/callback` })
  tt.teardown(async () => { await platform.close() })
  const settings = testSettings({
    agencyUrl: agency.url,
    subscribers: { portal: { url: `${portal.url}/callbacks`, secret: 'portal-secret' } },
    procedures: (p) => ({ ...p, [ELECTRICITY]: { ...p[ELECTRICITY], agencies: ['tax'] } }),
    extra: { payments: { provider: 'vnpay', endpoint: `${platform.url}/create`, merchantCode: MERCHANT, secretEnv: 'TEST_VNPAY_SECRET', returnUrl: 'https://dichvucong.example.vn/thanh-toan/ket-qua', remindAfterHours, retry: { attempts: 3, baseDelayMs: 40, maxDelayMs: 500 } } },
    env: { TEST_VNPAY_SECRET: SECRET }
  })
  const hub = await build(tt, { settings, now: () => new Date(clock.ms) })
  hubBase = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  return { hub, platform, agency, portal, clock, base: hubBase }
}

async function submitAndRequest (s: Setup, lines: Array<{ code?: string, name: string, amount: number }> = [{ code: 'LP-01', name: 'Lệ phí cấp điện', amount: 50_000 }, { code: 'PTD-02', name: 'Phí thẩm định', amount: 150_000 }]): Promise<{ code: string, dueAt: string }> {
  const sub = (await post(asAdmin(s.hub), { ...example('electricity-new-connection'), channel: 'online', source: { system: 'dvc-thanhhoa', reference: `pay-${Math.random()}` } })).json<DossierSummary>()
  await waitFor(() => s.agency.requests.some((r) => r.path === '/tax' && JSON.stringify(r.body).includes(sub.code)), 'the delivery')
  const amount = lines.reduce((a, l) => a + l.amount, 0)
  const res = await asAgency(s.hub, 'tax').inject({
    method: 'POST',
    url: `/v1/dossiers/${sub.code}/events`,
    payload: { eventId: `tax-pay-${sub.code}`, agency: 'tax', report: { status: 'payment-requested', payment: { amount, reference: 'TB-2026-0042', note: 'Lệ phí và phí thẩm định', lines } } }
  })
  if (res.statusCode !== 201) throw new Error(`payment request answered ${res.statusCode}: ${res.body}`)
  return { code: sub.code, dueAt: sub.dueAt as string }
}

const payments = async (hub: TestHub, code: string): Promise<Array<Record<string, any>>> =>
  (await asAdmin(hub).inject({ method: 'GET', url: `/v1/dossiers/${code}/payments` })).json<{ payments: Array<Record<string, any>> }>().payments

const callback = async (s: Setup, body: Record<string, string>, provider = 'vnpay'): Promise<{ status: number, json: Record<string, any> }> => {
  const r = await fetch(`${s.base}/v1/payments/${provider}/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: r.status, json: await r.json() as Record<string, any> }
}

t.test('a payment end to end: address, every refusal, paid, resumed, replay, agency told, DVCQG record', async (t) => {
  const s = await setup(t)
  const { code } = await submitAndRequest(s)
  const status = async (): Promise<{ status: string, dueAt: string }> => (await asAdmin(s.hub).inject({ method: 'GET', url: `/v1/dossiers/${code}` })).json()
  t.equal((await status()).status, 'payment-requested', 'the dossier waits for the payment (6)')
  const dueBefore = (await status()).dueAt

  // created on the platform through the outbox and the payments queue
  const [open] = await waitFor(async () => { const p = await payments(s.hub, code); return p[0]?.state === 'open' ? p : undefined }, 'the payment address')
  t.ok(open, 'one payment')
  if (open === undefined) return
  t.equal(open.amount, 200_000, 'the amount asked')
  t.equal(open.lines.length, 2, 'with its fee lines')
  t.equal(open.noticeReference, 'TB-2026-0042', 'the agency\'s notice number')
  t.match(open.reference, /^LT\d{6}[0-9A-Z]{10}$/, 'an alphanumeric reference (vnp_TxnRef)')
  t.equal(s.platform.creates.length, 1, 'one create request reached the platform')
  const create = s.platform.creates[0] ?? {}
  t.equal(create.vnp_Amount, '20000000', 'amount × 100, as VNPay takes it')
  t.equal(create.vnp_TmnCode, MERCHANT, 'the merchant code')
  t.match(create.vnp_SecureHash, /^[0-9a-f]{128}$/, 'signed with HMAC-SHA512')
  t.equal(open.url, s.platform.orders.get(open.reference)?.url, 'the platform\'s address is kept')

  // the portal learns the address
  const addressNote = await waitFor(() => s.portal.requests.find((r) => (r.body as { event?: string }).event === 'payment-address'), 'the payment-address webhook')
  const nb = addressNote.body as { dossier: string, to: { code: number }, payment: { url: string, amount: number, reference: string } }
  t.equal(nb.dossier, code)
  t.equal(nb.to.code, 6, 'still status 6')
  t.same(nb.payment, { url: open.url, amount: 200_000, reference: open.reference, step: 'tax', expiresAt: open.expiresAt }, 'the webhook carries payment { url, amount }')
  const validNotification = createStrictAjv().getSchema('notification')
  t.ok(validNotification?.({ ...nb }), 'the notification fits its published schema', { errors: validNotification?.errors })

  // two working hours pass while the applicant pays
  s.clock.ms += 2 * 3_600_000
  const historyLength = async (): Promise<number> => (await asAdmin(s.hub).inject({ method: 'GET', url: `/v1/dossiers/${code}/history` })).json<{ entries: unknown[] }>().entries.length
  const before = await historyLength()

  // refusals: nothing changes
  const forged = await callback(s, s.platform.ipn(open.reference, {}, 'not-the-secret'))
  t.equal(forged.status, 401, 'a forged signature: 401')
  t.equal(forged.json.code, 'HUB_ERR_PAYMENT_SIGNATURE')
  const tampered = s.platform.ipn(open.reference)
  tampered.vnp_Amount = '100'
  t.equal((await callback(s, tampered)).status, 401, 'a field changed after signing: 401')
  const unknown = await callback(s, s.platform.ipn('LT000000NOSUCH01', { vnp_TmnCode: MERCHANT, vnp_Amount: '20000000' }))
  t.equal(unknown.status, 404, 'an unknown payment: 404')
  t.equal(unknown.json.code, 'HUB_ERR_PAYMENT_NOT_FOUND')
  const wrong = await callback(s, s.platform.ipn(open.reference, { vnp_Amount: '10000000' }))
  t.equal(wrong.status, 400, 'a wrong amount: 400')
  t.equal(wrong.json.code, 'HUB_ERR_PAYMENT_AMOUNT')
  t.match(wrong.json.detail, /100000 đồng.*200000 đồng/, 'naming both amounts')
  const merchant = await callback(s, s.platform.ipn(open.reference, { vnp_TmnCode: 'OTHER001' }))
  t.equal(merchant.status, 400, 'another merchant\'s result: 400')
  t.equal(merchant.json.code, 'HUB_ERR_PAYMENT_MERCHANT')
  const other = await callback(s, s.platform.ipn(open.reference), 'momo')
  t.equal(other.status, 404, 'another platform: 404')
  t.equal(other.json.code, 'HUB_ERR_PAYMENT_PROVIDER')
  const garbage = await callback(s, { vnp_TxnRef: open.reference, hello: 'world' })
  t.equal(garbage.status, 400, 'not the platform\'s format: 400')
  const cancelled = await callback(s, s.platform.ipn(open.reference, { vnp_ResponseCode: '24', vnp_TransactionStatus: '02', vnp_TransactionNo: '0' }))
  t.equal(cancelled.status, 200, 'a failed attempt is acknowledged')
  t.equal(cancelled.json.changed, false, 'and changes nothing')
  t.equal(cancelled.json.state, 'open', 'the payment stays open')
  t.equal((await status()).status, 'payment-requested', 'the dossier still waits')
  t.equal(await historyLength(), before, 'no history entry from any of them')
  const [p1] = await payments(s.hub, code)
  t.equal(p1?.state, 'open', 'still open')
  const trail = await s.hub.db.sql<Array<{ outcome: string, status: number }>>`select outcome, status from payment_callbacks order by id`
  t.same(trail.map((r) => r.status), [401, 401, 404, 400, 400, 404, 400, 200], 'every callback is on the callbacks trail')
  const audit = (await asAdmin(s.hub).inject({ method: 'GET', url: `/v1/dossiers/${code}/audit` })).json<{ entries: Array<{ action: string, status: number, role: string }> }>()
  t.same(audit.entries.filter((e) => e.action === 'payment-callback').map((e) => e.status), [401, 401, 400, 400, 400, 200], 'those naming the dossier\'s payment are on its audit trail')

  // paid
  const paid = await s.platform.pay(open.reference)
  t.equal(paid.status, 200, 'the paid result is taken')
  const pb = paid.body as Record<string, any>
  t.equal(pb.RspCode, '00', 'confirmed as VNPay expects')
  t.equal(pb.changed, true)
  t.equal(pb.status, 'processing', 'the dossier resumes')
  t.equal(pb.statusCode, 4)
  t.match(pb.receiptNumber, /^BL\d{4}-\d{8}$/, 'with the electronic receipt')
  const after = await status()
  t.equal(after.status, 'processing')
  t.equal(Date.parse(after.dueAt) - Date.parse(dueBefore), 2 * 3_600_000, 'the clock restarted: the due date moved by the two working hours waited')
  const history = (await asAdmin(s.hub).inject({ method: 'GET', url: `/v1/dossiers/${code}/history` })).json<{ entries: Array<Record<string, any>> }>().entries
  const entry = history.find((e) => e.type === 'payment-received')
  t.equal(entry?.receiptNumber, pb.receiptNumber, 'the history keeps the receipt')
  t.equal(entry?.statusTo, 'processing')

  // a replay (the platform repeats its IPN) changes nothing
  const n = await historyLength()
  const replay = await callback(s, s.platform.ipn(open.reference))
  t.equal(replay.status, 200, 'a replay: 200')
  t.equal(replay.json.RspCode, '02', 'already confirmed')
  t.equal(replay.json.changed, false)
  t.equal(await historyLength(), n, 'nothing added')
  const again = await callback(s, s.platform.ipn(open.reference, { vnp_TransactionNo: '99999999' }))
  t.equal(again.status, 409, 'another transaction for a paid payment: 409')
  t.equal(again.json.code, 'HUB_ERR_PAYMENT_CONFLICT')

  // the agency is told through its adapter
  const notice = await waitFor(() => s.agency.requests.find((r) => r.path === '/tax/payments'), 'the payment notice to the agency')
  const body = notice.body as Record<string, any>
  t.equal(body.type, 'payment')
  t.equal(body.dossierCode, code)
  t.equal(body.amount, 200_000)
  t.equal(body.receiptNumber, pb.receiptNumber)
  t.equal(body.noticeReference, 'TB-2026-0042')
  t.equal(notice.headers['idempotency-key'], `${code}/tax/payment-${open.reference}`, 'an idempotency key stable across retries')
  const told = await waitFor(async () => { const [p] = await payments(s.hub, code); return p?.agencyNotice?.state === 'delivered' ? p : undefined }, 'the notice recorded')
  t.equal(told.state, 'paid')
  t.equal(s.agency.requests.filter((r) => r.path === '/tax/payments').length, 1, 'told once')
  const unconfirmed = await s.hub.db.sql`select idempotency_key from outbox where kind like 'payment-%' and confirmed_at is null`
  t.equal(unconfirmed.length, 0, 'the outbox owes nothing')

  // DVCQG record
  const record = (await asAdmin(s.hub).inject({ method: 'GET', url: `/v1/dossiers/${code}/national-record` })).json<Record<string, unknown>>()
  t.equal(record.DuocThanhToanTrucTuyen, 2, 'paid online through the province\'s gateway')
  const fees = (record.DanhSachLePhi ?? []) as Array<Record<string, unknown>>
  t.same(fees.map((f) => [f.MaPhiLePhi, f.Gia, f.HinhThucThu, f.LoaiPhiLePhi]), [['LP-01', 50_000, 2, 1], ['PTD-02', 150_000, 2, 1]], 'the payment request\'s fee lines, collected online, in DanhSachLePhi')
})

t.test('fee lines and the agency notice are jsonb values in the record; 0021 parses the rows written as JSON strings before', async (t) => {
  const s = await setup(t)
  const { code } = await submitAndRequest(s)
  const [open] = await waitFor(async () => { const p = await payments(s.hub, code); return p[0]?.state === 'open' ? p : undefined }, 'the payment address')
  const reference = String(open?.reference)
  await s.platform.pay(reference)
  await waitFor(async () => { const [p] = await payments(s.hub, code); return p?.agencyNotice?.state === 'delivered' ? p : undefined }, 'the agency told')
  const stored = async (): Promise<Record<string, unknown> | undefined> => (await s.hub.db.sql<Array<Record<string, unknown>>>`
    select jsonb_typeof(lines) as lines, lines->1->>'code' as second, jsonb_typeof(agency_notice) as notice, agency_notice->>'state' as state
    from payments where reference = ${reference}`)[0]
  t.same(await stored(), { lines: 'array', second: 'PTD-02', notice: 'object', state: 'delivered' }, 'an array and an object, readable in SQL')
  const api = await payments(s.hub, code)

  // as PaymentStore wrote them before 0021: the JSON text as a jsonb string
  await s.hub.db.sql`update payments set lines = to_jsonb(lines::text), agency_notice = to_jsonb(agency_notice::text) where reference = ${reference}`
  t.same(await stored(), { lines: 'string', second: null, notice: 'string', state: null }, 'the old rows: strings SQL cannot read into')
  await s.hub.db.sql.unsafe(await readFile(join(MIGRATIONS_DIR, '0021_payment_jsonb.sql'), 'utf8')).simple()
  t.same(await stored(), { lines: 'array', second: 'PTD-02', notice: 'object', state: 'delivered' }, '0021 parses them once')
  await s.hub.db.sql.unsafe(await readFile(join(MIGRATIONS_DIR, '0021_payment_jsonb.sql'), 'utf8')).simple()
  t.same(await stored(), { lines: 'array', second: 'PTD-02', notice: 'object', state: 'delivered' }, 'and leaves converted rows alone')
  t.same(await payments(s.hub, code), api, 'the API reads the same payment')
})

t.test('payment requests the hub refuses, and what is not asked online', async (t) => {
  const s = await setup(t)
  const sub = (await post(asAdmin(s.hub), { ...example('electricity-new-connection'), channel: 'online' })).json<DossierSummary>()
  await waitFor(() => s.agency.requests.some((r) => r.path === '/tax'), 'the delivery')
  const bad = await asAgency(s.hub, 'tax').inject({
    method: 'POST',
    url: `/v1/dossiers/${sub.code}/events`,
    payload: { eventId: 'x-1', agency: 'tax', report: { status: 'payment-requested', payment: { amount: 100_000, lines: [{ name: 'Lệ phí', amount: 60_000 }] } } }
  })
  t.equal(bad.statusCode, 400, 'fee lines that do not add up to the amount: 400')
  t.match(bad.json().errors[0].detail, /60000 đồng, not to amount 100000/)
  t.equal((await payments(s.hub, sub.code)).length, 0, 'no payment')
  const record = (await asAdmin(s.hub).inject({ method: 'GET', url: `/v1/dossiers/${sub.code}/national-record` })).json<Record<string, unknown>>()
  t.notOk('DuocThanhToanTrucTuyen' in record, 'no online payment asked: absent from the DVCQG record')
})

t.test('unpaid: one reminder, then the agency decides', async (t) => {
  const s = await setup(t, 1)
  const { code } = await submitAndRequest(s, [{ name: 'Lệ phí', amount: 30_000 }])
  const [open] = await waitFor(async () => { const p = await payments(s.hub, code); return p[0]?.state === 'open' ? p : undefined }, 'the payment address')
  t.equal(await s.hub.payments?.remind(), 0, 'not yet')
  s.clock.ms += 3_600_000 + 1000
  t.equal(await s.hub.payments?.remind(), 1, 'an hour later: one reminder')
  t.equal(await s.hub.payments?.remind(), 0, 'once')
  const reminder = await waitFor(() => s.portal.requests.find((r) => (r.body as { event?: string }).event === 'payment-reminder'), 'the reminder webhook')
  t.equal((reminder.body as { payment: { url: string } }).payment.url, open?.url, 'with the address again')
  const record = (await asAdmin(s.hub).inject({ method: 'GET', url: `/v1/dossiers/${code}/national-record` })).json<Record<string, unknown>>()
  t.equal(record.DuocThanhToanTrucTuyen, 0, 'asked, not paid: 0 in the DVCQG record')
  const stop = await asAgency(s.hub, 'tax').inject({
    method: 'POST',
    url: `/v1/dossiers/${code}/events`,
    payload: { eventId: 'tax-stop', agency: 'tax', report: { status: 'rejected', reason: 'Quá hạn nộp lệ phí' } }
  })
  t.equal(stop.json().status, 'stopped', 'the agency decides: handling stopped')
})

t.test('the platform down: retried, then failed visibly', async (t) => {
  const agency = await startAgency(t)
  const dead = await startAgency(t, (_req, res) => { answerJson(res, 503, { vnp_ResponseCode: '99' }) })
  const settings = testSettings({
    agencyUrl: agency.url,
    procedures: (p) => ({ ...p, [ELECTRICITY]: { ...p[ELECTRICITY], agencies: ['tax'] } }),
    extra: { payments: { provider: 'vnpay', endpoint: `${dead.url}/create`, merchantCode: MERCHANT, secretEnv: 'TEST_VNPAY_SECRET', retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 } } },
    env: { TEST_VNPAY_SECRET: SECRET }
  })
  const hub = await build(t, { settings })
  const sub = (await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'online' })).json<DossierSummary>()
  await waitFor(() => agency.requests.some((r) => r.path === '/tax'), 'the delivery')
  await asAgency(hub, 'tax').inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/events`, payload: { eventId: 'p', agency: 'tax', report: { status: 'payment-requested', payment: { amount: 10_000 } } } })
  const [failed] = await waitFor(async () => { const p = await payments(hub, sub.code); return p[0]?.state === 'failed' ? p : undefined }, 'the failed payment')
  t.equal(failed?.attempts, 2, 'tried as often as payments.retry says')
  t.match(failed?.lastError, /HTTP 503/, 'with the reason')
  t.equal(dead.requests.length, 2, 'two requests reached the platform')
})

t.test('a payment request stored without its payment (a crash, or no platform yet): the relay makes it from the record', async (t) => {
  const agency = await startAgency(t)
  const platform = await startPaymentPlatform({ secret: SECRET, callbackUrl: 'http://127.0.0.1:9/none' })
  t.teardown(async () => { await platform.close() })
  const procedures = (p: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> => ({ ...p, [ELECTRICITY]: { ...p[ELECTRICITY], agencies: ['tax'] } })
  // a hub without the payment platform stores the request; nothing is created
  const before = await build(t, { settings: testSettings({ agencyUrl: agency.url, procedures }) })
  const sub = (await post(asAdmin(before), { ...example('electricity-new-connection'), channel: 'online' })).json<DossierSummary>()
  await waitFor(() => agency.requests.some((r) => r.path === '/tax'), 'the delivery')
  await asAgency(before, 'tax').inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/events`, payload: { eventId: 'p', agency: 'tax', report: { status: 'payment-requested', payment: { amount: 75_000 } } } })
  t.equal((await before.db.sql`select 1 from payments`).length, 0, 'no payment yet')
  // the same record and Redis, now with the platform: the relay finds the request and creates it
  const settings = testSettings({ agencyUrl: agency.url, procedures, extra: { payments: { provider: 'vnpay', endpoint: `${platform.url}/create`, merchantCode: MERCHANT, secretEnv: 'S', retry: { attempts: 3, baseDelayMs: 40, maxDelayMs: 200 } } }, env: { S: SECRET } })
  const after = await build(t, { settings, prefix: before.prefix })
  const r1 = await after.payments?.relay(0)
  t.equal(r1?.opened, 1, 'one payment made from the record')
  const [open] = await waitFor(async () => { const p = await payments(after, sub.code); return p[0]?.state === 'open' ? p : undefined }, 'the payment address')
  t.equal(open?.amount, 75_000)
  t.equal(platform.creates.length, 1, 'created once on the platform')
  const r2 = await after.payments?.relay(0)
  t.same(r2, { opened: 0, requeued: 0 }, 'nothing owed any more')
})

t.test('an agency with a format of its own is told in it: the power company gets electricity-payment at xac-nhan-thanh-toan', async (t) => {
  const agency = await startAgency(t)
  const platform = await startPaymentPlatform({ secret: SECRET, callbackUrl: 'http://127.0.0.1:9/none' })
  t.teardown(async () => { await platform.close() })
  const settings = testSettings({
    agencyUrl: agency.url,
    extra: { payments: { provider: 'vnpay', endpoint: `${platform.url}/create`, merchantCode: MERCHANT, secretEnv: 'TEST_VNPAY_SECRET', retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 } } },
    env: { TEST_VNPAY_SECRET: SECRET }
  })
  const hub = await build(t, { settings })
  const sub = (await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'online', source: { system: 'dvc-thanhhoa', reference: `evn-pay-${Math.random()}` } })).json<DossierSummary>()
  await waitFor(() => agency.requests.some((r) => r.path === '/evn'), 'the delivery to the power company')
  const lines = [{ code: 'DN-01', name: 'Chi phí vật tư đấu nối', amount: 1_200_000 }, { name: 'Phí kiểm định công tơ', amount: 50_000 }]
  const ask = await asAgency(hub, 'evn').inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/events`, payload: { eventId: 'evn-pay', agency: 'evn', report: { status: 'payment-requested', payment: { amount: 1_250_000, reference: 'TB-EVN-0042', lines } } } })
  t.equal(ask.statusCode, 201, 'the power company asks for 1 250 000 đồng')
  const [open] = await waitFor(async () => { const p = await payments(hub, sub.code); return p[0]?.state === 'open' ? p : undefined }, 'the payment address')
  const paid = await asAdmin(hub).inject({ method: 'POST', url: '/v1/payments/vnpay/callback', payload: platform.ipn(String(open?.reference)) })
  t.equal(paid.statusCode, 200, 'paid')
  const notice = await waitFor(() => agency.requests.find((r) => r.path === '/evn/xac-nhan-thanh-toan'), 'the payment notice in the power company\'s format')
  const body = notice.body as Record<string, any>
  t.match(body, {
    maYeuCau: sub.code,
    maTiepNhan: 'EVN-1',
    loaiYeuCau: 'CAP_DIEN_MOI_HA_AP',
    soThongBaoThanhToan: 'TB-EVN-0042',
    maThanhToan: open?.reference,
    soTien: 1_250_000,
    chiTietThanhToan: [{ maKhoanThu: 'DN-01', tenKhoanThu: 'Chi phí vật tư đấu nối', soTien: 1_200_000 }, { tenKhoanThu: 'Phí kiểm định công tơ', soTien: 50_000 }],
    kenhThanhToan: 'vnpay'
  }, 'its own field names, the amount and the lines')
  t.match(body.thoiDiemThanhToan, /^\d{14}$/, 'the time in its format')
  const receipt = paid.json<{ receiptNumber?: string }>().receiptNumber
  t.type(receipt, 'string', 'the platform issued an electronic receipt')
  t.equal(body.soBienLaiDienTu, receipt, 'the electronic receipt')
  t.notOk('type' in body || 'dossierCode' in body, 'not the canonical notice')
  t.equal(notice.headers['idempotency-key'], `${sub.code}/evn/payment-${String(open?.reference)}`)
  const told = await waitFor(async () => { const [p] = await payments(hub, sub.code); return p?.agencyNotice?.state === 'delivered' ? p : undefined }, 'the notice recorded')
  t.equal(told.agencyNotice.attempts, 1)
})
