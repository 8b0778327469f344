/**
 * Administrators retry the citizen services that failed for good, against real servers the test
 * starts: the SMS gateway simulator refuses a notice (400), the payment platform refuses to create a
 * payment (400), the agency refuses the notice that the applicant paid (400), the post office
 * refuses a pickup order (400) — each fails at once, visibly; the
 * lists show it with the reason and the metric counts it; once the other side is back, a retry
 * (audited) sends it again with the same key and it succeeds; a second retry is a 400 that sends
 * nothing; unknown ones are 404s; a pickup the post office reported not collected is not re-ordered.
 */
import t from 'tap'
import type { Test } from 'tap'
import { answerJson, build, ELECTRICITY, example, post, shippedConfig, startAgency, testSettings, waitFor, asAuditor, asAdmin, asPortal, asAgency } from '../../helper.ts'
import { startSmsGateway } from '../../../adapters/notices/sms/simulator.ts'
import { startPaymentPlatform } from '../../../adapters/vnpay/simulator.ts'
import { toCompactVietnam } from '../../../adapters/shared/vietnam-datetime.ts'
import type { DossierSubmission, DossierSummary } from '../../../src/types/schemas.generated.ts'
import { vietnamMonth } from '../../../src/store/notice-store.ts'

const SECRET = 'test-vnpay-hash-secret-0123456789'
const ITEM = 'EB123456785VN'

interface Setup {
  hub: Awaited<ReturnType<typeof build>>
  agency: Awaited<ReturnType<typeof startAgency>>
  sms: Awaited<ReturnType<typeof startSmsGateway>>
  gate: { platformDown: boolean, postOfficeDown: boolean, agencyRefusesPayments: boolean }
  platformRequests: () => number
  platform: Awaited<ReturnType<typeof startPaymentPlatform>>
}

async function setup (tt: Test): Promise<Setup> {
  const gate = { platformDown: true, postOfficeDown: true, agencyRefusesPayments: true }
  const agency = await startAgency(tt, (req, res, n) => {
    if (req.path === '/tax/payments' && gate.agencyRefusesPayments) answerJson(res, 400, { error: 'payment notices closed for maintenance (simulated)' })
    else if (req.path.endsWith('/thu-gom-ho-so')) {
      if (gate.postOfficeDown) answerJson(res, 400, { Code: 'E01', Message: 'Mã khách hàng tạm khóa (mô phỏng)' })
      else answerJson(res, 201, { ItemCode: ITEM, Message: 'Tạo yêu cầu thu gom thành công' })
    } else answerJson(res, 201, { reference: `R-${n}` })
  })
  const platform = await startPaymentPlatform({ secret: SECRET, callbackUrl: 'http://127.0.0.1:9/none' })
  tt.teardown(async () => { await platform.close() })
  // the platform behind a gate: refused (400) while it is down, the real simulator after
  let platformRequests = 0
  const front = await startAgency(tt, async (req, res) => {
    platformRequests++
    if (gate.platformDown) { answerJson(res, 400, { vnp_ResponseCode: '03', vnp_Message: 'Merchant tạm khóa (mô phỏng)' }); return }
    const r = await fetch(`${platform.url}/create`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) })
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' })
    res.end(await r.text())
  })
  const sms = await startSmsGateway({})
  tt.teardown(async () => { await sms.close() })
  const shipped = shippedConfig().notices as { templates: object }
  const settings = testSettings({
    agencyUrl: agency.url,
    attempts: 2,
    procedures: (p) => ({ ...p, [ELECTRICITY]: { ...p[ELECTRICITY], agencies: ['tax'] } }),
    notices: { lookup: 'dvc.example.gov.vn', paymentUrlLength: 48, sms: { format: 'generic', url: `${sms.url}/sms`, brandname: 'MOTCUA', retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 }, timeoutMs: 2000 }, templates: shipped.templates },
    extra: { payments: { provider: 'vnpay', endpoint: `${front.url}/create`, merchantCode: 'LTHUB001', secretEnv: 'TEST_VNPAY_SECRET', retry: { attempts: 2, baseDelayMs: 20, maxDelayMs: 50 } } },
    env: { TEST_VNPAY_SECRET: SECRET }
  })
  return { hub: await build(tt, { settings }), agency, sms, gate, platformRequests: () => platformRequests, platform }
}

const trail = async (s: Setup, code: string): Promise<Array<{ action: string, note?: string, route?: string }>> =>
  (await asAuditor(s.hub).inject({ url: `/v1/dossiers/${code}/audit` })).json<{ entries: Array<{ action: string, note?: string, route?: string }> }>().entries

const failedMetric = async (s: Setup, kind: string): Promise<number> => {
  const text = (await asAdmin(s.hub).inject({ url: '/metrics' })).body
  const m = new RegExp(`^hub_citizen_services_failed\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)$`, 'm').exec(text)
  return m === null ? Number.NaN : Number(m[1])
}

t.test('a notice the SMS gateway refused: listed, retried once (audited), sent with the same request id', async (t) => {
  const s = await setup(t)
  s.sms.failNext(1, 400)
  const sub: DossierSubmission = { ...example('electricity-new-connection'), source: { system: 'dvc-thanhhoa', reference: `n-${Math.random()}` } }
  sub.applicant.phone = '0987654321'
  sub.applicant.noticeConsent = { sms: true }
  const { code } = (await post(asAdmin(s.hub), sub)).json<DossierSummary>()
  const listed = await waitFor(async () => {
    const l = (await asAdmin(s.hub).inject('/v1/admin/notices/failed')).json<{ total: number, notices: Array<Record<string, unknown>> }>()
    return l.notices.some((n) => n.code === code) ? l : undefined
  }, 'the failed notice listed')
  const failed = listed.notices.find((n) => n.code === code) ?? {}
  t.match(failed, { code, sequence: 1, channel: 'sms', kind: 'received', state: 'failed', attempts: 1 }, 'the refused SMS, failed at once (a 4xx)')
  t.match(failed.error, /HTTP 400/, 'with the gateway\'s answer')
  t.notOk('recipient' in failed || 'content' in failed, 'no phone number or text in the list')
  t.equal(listed.total, 1)
  t.equal(await failedMetric(s, 'notice'), 1, 'counted in hub_citizen_services_failed')
  t.equal(s.sms.messages.length, 0, 'nothing reached the applicant')

  // the monthly figures (the province pays for SMS): counted failed in the month it failed in. It
  // failed, say, at 01:00 on 1 November, Vietnam time (still 31 October in UTC)
  const current = vietnamMonth(new Date()).slice(0, 7)
  const counts = async (): Promise<Array<{ month: string, channel: string, sent: number, failed: number, segments: number }>> =>
    (await asAdmin(s.hub).inject(`/v1/stats/notices?from=2026-10&to=${current}`)).json<{ months: Array<{ month: string, channel: string, sent: number, failed: number, segments: number }> }>().months.filter((m) => m.channel === 'sms')
  t.same(await counts(), [{ month: current, channel: 'sms', sent: 0, failed: 1, segments: 0 }], 'counted failed')
  await s.hub.db.sql`update notices set updated_at = '2026-10-31T18:00:00Z' where state = 'failed' and channel = 'sms'`
  await s.hub.db.sql`update notice_counts set month = '2026-11-01' where channel = 'sms'`

  t.equal((await asPortal(s.hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/notices/1/sms/retry` })).statusCode, 403, 'administrators only')
  const retried = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/notices/1/sms/retry` })
  t.equal(retried.statusCode, 200, 'retried')
  t.match(retried.json(), { code, sequence: 1, channel: 'sms', attempts: 0 })
  const [sms] = await waitFor(() => s.sms.messages.length > 0 ? s.sms.messages : undefined, 'the SMS sent')
  t.equal(sms?.requestId, `${code}/1/sms`, 'the same request id as the refused attempt')
  const log = await waitFor(async () => {
    const l = (await asAdmin(s.hub).inject(`/v1/dossiers/${code}/notices`)).json<{ notices: Array<{ channel: string, state: string }> }>()
    return l.notices.find((n) => n.channel === 'sms' && n.state === 'sent')
  }, 'the notice sent in the record')
  t.ok(log, 'sent')
  t.equal(await failedMetric(s, 'notice'), 0, 'no longer counted as failed')
  const sentNow = { month: current, channel: 'sms', sent: 1, failed: 0, segments: 1 }
  t.same(await counts(), current === '2026-11' ? [sentNow] : [{ month: '2026-11', channel: 'sms', sent: 0, failed: 0, segments: 0 }, sentNow],
    'the notice counts once, by its final state: sent (billed) this month, no longer failed in the month it failed in')
  t.ok((await trail(s, code)).some((e) => e.action === 'retry' && e.note === `notice ${code}/1/sms (received)`), 'the retry is in the dossier\'s audit trail')

  const again = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/notices/1/sms/retry` })
  t.equal(again.statusCode, 400, 'a second retry: 400')
  t.match(again.json(), { code: 'HUB_ERR_VALIDATION', errors: [{ detail: /has not failed \(it is sent\)/ }] })
  t.equal(s.sms.messages.length, 1, 'and nothing sent twice')
  t.ok((await trail(s, code)).some((e) => e.action === 'retry' && (e as { status?: number }).status === 400 && /^notice .*: refused \(.*has not failed/.test(e.note ?? '')), 'the refused retry is on the audit trail too, with its status')
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/notices/2/sms/retry` })).json<{ code: string }>().code, 'HUB_ERR_NOTICE_NOT_FOUND', 'an unknown notice: 404')
  const bad = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/notices/1/fax/retry` })
  t.equal(bad.statusCode, 400, 'an unknown channel: 400')
})

t.test('a payment request the platform refused: listed, retried once (audited), created, its address given', async (t) => {
  const s = await setup(t)
  const sub = (await post(asAdmin(s.hub), { ...example('electricity-new-connection'), channel: 'online', source: { system: 'dvc-thanhhoa', reference: `p-${Math.random()}` } })).json<DossierSummary>()
  await waitFor(() => s.agency.requests.some((r) => r.path === '/tax'), 'the delivery')
  const ask = await asAgency(s.hub, 'tax').inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/events`, payload: { eventId: 'p', agency: 'tax', report: { status: 'payment-requested', payment: { amount: 150_000, note: 'Phí thẩm định' } } } })
  t.equal(ask.statusCode, 201)
  const list = await waitFor(async () => {
    const l = (await asAdmin(s.hub).inject('/v1/admin/payments/failed')).json<{ total: number, payments: Array<Record<string, any>> }>()
    return l.total > 0 ? l : undefined
  }, 'the failed payment listed')
  const failed = list.payments[0] ?? {}
  t.match(failed, { dossier: sub.code, step: 'tax', state: 'failed', amount: 150_000, attempts: 1 }, 'refused (a 4xx): failed at once')
  t.match(failed.lastError, /HTTP 400/)
  t.equal(await failedMetric(s, 'payment'), 1)
  const reference = String(failed.reference)

  s.gate.platformDown = false
  const retried = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/payments/${reference}/retry` })
  t.equal(retried.statusCode, 200, 'retried')
  t.match(retried.json(), { reference, attempts: 0 })
  const open = await waitFor(async () => {
    const p = (await asAdmin(s.hub).inject(`/v1/dossiers/${sub.code}/payments`)).json<{ payments: Array<Record<string, any>> }>().payments[0]
    return p?.state === 'open' ? p : undefined
  }, 'the payment created')
  t.match(open.url, /vpcpay\.html\?vnp_TxnRef=/, 'with the platform\'s address')
  t.equal(open.reference, reference, 'the same reference')
  t.equal(await failedMetric(s, 'payment'), 0)
  t.ok((await trail(s, sub.code)).some((e) => e.action === 'retry' && e.note === `payment request ${reference} (creation on the payment platform)`), 'audited')

  const requests = s.platformRequests()
  const again = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/payments/${reference}/retry` })
  t.equal(again.statusCode, 400, 'a second retry: 400')
  t.match(again.json(), { errors: [{ detail: /has not failed \(it is open\)/ }] })
  t.equal(s.platformRequests(), requests, 'nothing more reached the platform')
  t.ok((await trail(s, sub.code)).some((e) => e.action === 'retry' && (e as { status?: number }).status === 400), 'the refused retry is on the audit trail')
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: '/v1/admin/payments/LT000000NOSUCH0000/retry' })).json<{ code: string }>().code, 'HUB_ERR_PAYMENT_NOT_FOUND', 'unknown: 404')
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: '/v1/admin/payments/not%20a%20ref/retry' })).statusCode, 400, 'malformed: 400')
})

t.test('a payment notice the agency refused: listed, retried once (audited), delivered with the same key', async (t) => {
  const s = await setup(t)
  s.gate.platformDown = false
  const sub = (await post(asAdmin(s.hub), { ...example('electricity-new-connection'), channel: 'online', source: { system: 'dvc-thanhhoa', reference: `pn-${Math.random()}` } })).json<DossierSummary>()
  await waitFor(() => s.agency.requests.some((r) => r.path === '/tax'), 'the delivery')
  const ask = await asAgency(s.hub, 'tax').inject({ method: 'POST', url: `/v1/dossiers/${sub.code}/events`, payload: { eventId: 'pn', agency: 'tax', report: { status: 'payment-requested', payment: { amount: 120_000, note: 'Lệ phí' } } } })
  t.equal(ask.statusCode, 201)
  const open = await waitFor(async () => {
    const p = (await asAdmin(s.hub).inject(`/v1/dossiers/${sub.code}/payments`)).json<{ payments: Array<Record<string, any>> }>().payments[0]
    return p?.state === 'open' ? p : undefined
  }, 'the payment created')
  const reference = String(open.reference)
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/payments/${reference}/notice/retry` })).statusCode, 400, 'nothing to retry before it is paid')
  const paid = await asAdmin(s.hub).inject({ method: 'POST', url: '/v1/payments/vnpay/callback', payload: s.platform.ipn(reference) })
  t.equal(paid.statusCode, 200, 'paid')
  const notices = (): Array<{ headers: Record<string, unknown> }> => s.agency.requests.filter((r) => r.path === '/tax/payments')

  const list = await waitFor(async () => {
    const l = (await asAdmin(s.hub).inject('/v1/admin/payments/notices/failed')).json<{ total: number, payments: Array<Record<string, any>> }>()
    return l.total > 0 ? l : undefined
  }, 'the failed payment notice listed')
  t.equal(list.total, 1)
  t.match(list.payments[0], { reference, dossier: sub.code, state: 'paid', agencyNotice: { state: 'failed', attempts: 1 } }, 'refused (a 4xx): failed at once, the payment still paid')
  t.match(list.payments[0]?.agencyNotice?.lastError, /HTTP 400/, 'with the agency\'s answer')
  t.equal(notices().length, 1, 'one notice reached the agency')
  t.equal(await failedMetric(s, 'payment-notice'), 1, 'counted in hub_citizen_services_failed')
  t.equal(await failedMetric(s, 'payment'), 0, 'not as a failed payment request')

  t.equal((await asPortal(s.hub).inject({ method: 'POST', url: `/v1/admin/payments/${reference}/notice/retry` })).statusCode, 403, 'administrators only')
  s.gate.agencyRefusesPayments = false
  const retried = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/payments/${reference}/notice/retry` })
  t.equal(retried.statusCode, 200, 'retried')
  t.match(retried.json(), { reference, agencyNotice: { attempts: 0 } })
  const told = await waitFor(async () => {
    const p = (await asAdmin(s.hub).inject(`/v1/dossiers/${sub.code}/payments`)).json<{ payments: Array<Record<string, any>> }>().payments[0]
    return p?.agencyNotice?.state === 'delivered' ? p : undefined
  }, 'the notice delivered')
  t.equal(told.agencyNotice.attempts, 1)
  const [first, second] = notices()
  t.equal(notices().length, 2, 'one more notice')
  t.equal(second?.headers['idempotency-key'], first?.headers['idempotency-key'], 'with the same Idempotency-Key')
  t.equal(second?.headers['idempotency-key'], `${sub.code}/tax/payment-${reference}`)
  t.equal(await failedMetric(s, 'payment-notice'), 0, 'no longer counted as failed')
  t.equal((await asAdmin(s.hub).inject('/v1/admin/payments/notices/failed')).json<{ total: number }>().total, 0, 'nor listed')
  const unconfirmed = await s.hub.db.sql`select 1 from outbox where idempotency_key = ${`pay|${reference}|notice`} and confirmed_at is null`
  t.equal(unconfirmed.length, 0, 'the outbox owes nothing')
  const entries = await trail(s, sub.code)
  t.ok(entries.some((e) => e.action === 'retry' && e.note === `payment notice ${reference} (to agency tax: the applicant paid)`), 'the retry is in the dossier\'s audit trail')
  t.ok(entries.some((e) => e.action === 'retry' && (e as { status?: number }).status === 400 && /^payment notice .*: refused \(.*no notice to the agency is owed/.test(e.note ?? '')), 'the refusal before it was paid too')

  const again = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/payments/${reference}/notice/retry` })
  t.equal(again.statusCode, 400, 'a second retry: 400')
  t.match(again.json(), { code: 'HUB_ERR_VALIDATION', errors: [{ detail: /has not failed \(it is delivered\)/ }] })
  t.equal(notices().length, 2, 'nothing sent twice')
  t.ok((await trail(s, sub.code)).filter((e) => e.action === 'retry' && (e as { status?: number }).status === 400).length >= 2, 'the refused retry is on the audit trail')
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: '/v1/admin/payments/LT000000NOSUCH0000/notice/retry' })).json<{ code: string }>().code, 'HUB_ERR_PAYMENT_NOT_FOUND', 'unknown: 404')
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: '/v1/admin/payments/not%20a%20ref/notice/retry' })).statusCode, 400, 'malformed: 400')
})

t.test('a pickup the post office refused: listed, retried once (audited), ordered; one it reported not collected is not re-ordered', async (t) => {
  const s = await setup(t)
  const submission = (): DossierSubmission => ({
    ...example('electricity-new-connection'),
    channel: 'postal',
    source: { system: 'dvc-thanhhoa', reference: `k-${Math.random()}` },
    pickup: { contactName: 'Trần Văn Bình', phone: '+84987654321', address: { provinceCode: '38', wardCode: '14758', line: 'Số 8, ngõ 45, đường Bà Triệu' } }
  })
  const { code } = (await post(asAdmin(s.hub), submission())).json<DossierSummary>()
  const list = await waitFor(async () => {
    const l = (await asAdmin(s.hub).inject('/v1/admin/postal-pickups/failed')).json<{ total: number, pickups: Array<Record<string, any>> }>()
    return l.pickups.some((p) => p.dossier === code) ? l : undefined
  }, 'the failed pickup listed')
  t.match(list.pickups[0], { dossier: code, state: 'failed', attempts: 1, provincePaysPostage: true }, 'refused (a 4xx): failed at once')
  t.match(list.pickups[0]?.lastError, /HTTP 400/)
  t.equal(await failedMetric(s, 'pickup'), 1)
  const orders = (): number => s.agency.requests.filter((r) => r.path === '/vnpost/thu-gom-ho-so').length
  t.equal(orders(), 1)

  s.gate.postOfficeDown = false
  const retried = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/postal-pickups/${code}/retry` })
  t.equal(retried.statusCode, 200, 'retried')
  const ordered = await waitFor(async () => {
    const p = (await asAdmin(s.hub).inject(`/v1/dossiers/${code}/postal-pickup`)).json<Record<string, unknown>>()
    return p.state === 'ordered' ? p : undefined
  }, 'the pickup ordered')
  t.equal(ordered.itemCode, ITEM, 'the post office took it')
  t.equal(orders(), 2, 'one more order')
  const [first, second] = s.agency.requests.filter((r) => r.path === '/vnpost/thu-gom-ho-so')
  t.equal(second?.headers['idempotency-key'], first?.headers['idempotency-key'], 'with the same Idempotency-Key')
  t.equal((second?.body as { PostagePaidBy?: string }).PostagePaidBy, 'PROVINCE', 'and the same postage payer')
  t.ok((await trail(s, code)).some((e) => e.action === 'retry' && e.note === 'postal pickup request'), 'audited')
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/postal-pickups/${code}/retry` })).statusCode, 400, 'a second retry: 400')
  t.equal(orders(), 2, 'nothing ordered twice')

  // the post office took it, then could not collect it (150): failed, but not for a retry
  const nc = await asAgency(s.hub, 'vnpost').inject({ method: 'POST', url: `/v1/dossiers/${code}/postal-pickup/events`, payload: { eventId: 'nc', native: { ItemCode: ITEM, OrderNumber: code, StatusCode: 150, StatusTime: toCompactVietnam(new Date().toISOString()), Reason: 'Không liên lạc được người gửi' } } })
  t.ok(nc.statusCode < 300, `not collected reported (${nc.statusCode})`)
  const refused = await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/postal-pickups/${code}/retry` })
  t.equal(refused.statusCode, 400, 'not re-ordered')
  t.match(refused.json(), { errors: [{ detail: /took the pickup.*not collected/ }] })
  t.equal(orders(), 2)
  const other = (await post(asAdmin(s.hub), { ...example('electricity-new-connection'), source: { system: 'dvc-thanhhoa', reference: `o-${Math.random()}` } })).json<DossierSummary>()
  t.equal((await asAdmin(s.hub).inject({ method: 'POST', url: `/v1/admin/postal-pickups/${other.code}/retry` })).json<{ code: string }>().code, 'HUB_ERR_PICKUP_NOT_FOUND', 'a dossier without a pickup: 404')
})

t.test('without the services configured: 404 naming what is missing', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url }) })
  t.equal((await asAdmin(hub).inject('/v1/admin/notices/failed')).json<{ code: string }>().code, 'HUB_ERR_NOTICES_NOT_CONFIGURED')
  t.equal((await asAdmin(hub).inject('/v1/admin/payments/failed')).json<{ code: string }>().code, 'HUB_ERR_PAYMENTS_NOT_CONFIGURED')
  t.equal((await asAdmin(hub).inject('/v1/admin/payments/notices/failed')).json<{ code: string }>().code, 'HUB_ERR_PAYMENTS_NOT_CONFIGURED')
  t.equal((await asAdmin(hub).inject('/v1/admin/postal-pickups/failed')).statusCode, 200, 'the shipped config has a postal agency that collects dossiers')
})
