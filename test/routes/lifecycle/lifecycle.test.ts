/**
 * The dossier's life through the HTTP API with a real Redis, real workers and real HTTP servers
 * for agencies and the portal's webhook receiver: due dates a clerk would write, the clock paused
 * by a supplement request, the overdue flag set once, signed webhooks in order, withdrawal,
 * counter and postal returns, and the national portal's record.
 */
import t from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { createHash } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import { answerJson, build, deliveriesSettled, dossierRow, example, post, REDIS_URL, startAgency, testSettings, waitFor, type TestHub, asAdmin, asPortal, asAgency, type InjectResponse, queuesSettled } from '../../helper.ts'
import { createHub } from '../../../src/runtime.ts'
import { createLogger } from '../../../src/logger.ts'
import { verifyHubSignature } from '../../../src/delivery/outbound-auth.ts'
import { createStrictAjv } from '../../../src/validation/ajv.ts'
import type { DossierSummary, Dossier, HistoryEntry, StatusReport } from '../../../src/types/schemas.generated.ts'

/** A clock the test moves; the hub reads it for receipt times, due dates and the sweeper. */
function clock (iso: string): { now: () => Date, set: (iso: string) => void } {
  let current = new Date(iso)
  return { now: () => current, set: (next) => { current = new Date(next) } }
}

async function report (hub: TestHub, code: string, agency: string, eventId: string, r: StatusReport, step?: string): Promise<InjectResponse> {
  return await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId, agency, ...(step !== undefined && { step }), report: r } })
}

async function dossier (hub: TestHub, code: string): Promise<Dossier> {
  return (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>()
}

async function history (hub: TestHub, code: string): Promise<HistoryEntry[]> {
  return (await asAdmin(hub).inject(`/v1/dossiers/${code}/history`)).json<{ entries: HistoryEntry[] }>().entries
}

/** hub_dossiers_overdue ('' = all) and hub_dossiers_overdue_flagged by agency, from /metrics */
async function overdueMetric (hub: TestHub): Promise<Record<string, number>> {
  const text = (await asAdmin(hub).inject({ url: '/metrics' })).body
  const total = /^hub_dossiers_overdue\{[^}]*\} (\d+)$/m.exec(text)?.[1]
  const flagged = [...text.matchAll(/^hub_dossiers_overdue_flagged\{agency="([^"]*)"[^}]*\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])])
  return { ...(total !== undefined && { '': Number(total) }), ...Object.fromEntries(flagged) }
}

interface Received { body: Record<string, unknown>, raw: string, headers: IncomingHttpHeaders }

/** The portal's webhook receiver: checks the signature as the README tells receivers to, records what it accepts. */
async function startReceiver (t: Test, secret: string, fail: (n: number) => boolean = () => false): Promise<{ url: string, accepted: Received[], refused: number, attempts: number }> {
  const state = { url: '', accepted: [] as Received[], refused: 0, attempts: 0 }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      state.attempts++
      const check = verifyHubSignature(secret, req.headers, raw, Date.now())
      if (!check.ok) {
        state.refused++
        res.writeHead(401).end(check.reason)
        return
      }
      if (fail(state.attempts)) {
        res.writeHead(503).end('busy')
        return
      }
      state.accepted.push({ body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, raw: raw.toString('utf8'), headers: req.headers })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/lienthong`
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => { resolve() }))
  })
  return state
}

t.test('a paper dossier received on Friday 16:00 before the 30/4–1/5 holidays: due Monday 4 May 2026, 17:00', async (t) => {
  const c = clock('2026-04-24T16:00:00+07:00')
  const hub = await build(t, { role: 'api', now: c.now })
  const paper = example('electricity-new-connection') // counter (paper), 3 working days
  t.equal(paper.channel, 'counter')
  const res = await post(asAdmin(hub), paper)
  t.equal(res.statusCode, 201)
  const { code, dueAt } = res.json<DossierSummary>()
  // after 15:00 it is handed over on the next working day, Tue 28 Apr (Mon 27 Apr is Hùng Kings'
  // day, observed); Tue 28, Wed 29, then Thu 30 Apr and Fri 1 May are off, the weekend, so Mon 4 May
  t.equal(dueAt, '2026-05-04T17:00:00.000+07:00')
  const status = (await asAdmin(hub).inject(`/v1/dossiers/${code}/status`)).json<Record<string, unknown>>()
  t.equal(status.dueAt, '2026-05-04T17:00:00.000+07:00', 'the citizen-facing lookup shows it')
  t.equal(status.statusCode, 2)
  t.equal(status.statusName, 'Được tiếp nhận')
  t.equal(status.overdue, false)

  const online = { ...example('electricity-new-connection'), channel: 'online' as const, source: { system: 'dvc-thanhhoa', reference: 'online-1' } }
  const o = (await post(asAdmin(hub), online)).json<DossierSubmission2>()
  t.equal(o.dueAt, '2026-05-04T16:00:00.000+07:00', 'online, the 15:00 rule does not apply: Friday\'s last working hour counts')
})

type DossierSubmission2 = DossierSummary

t.test('a supplement request stops the clock; resuming moves the due date by the paused working time', async (t) => {
  const c = clock('2026-11-23T09:00:00+07:00') // Monday
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: c.now })
  const online = { ...example('electricity-new-connection'), channel: 'online' as const }
  const { code, dueAt } = (await post(asAdmin(hub), online)).json<DossierSummary>()
  t.equal(dueAt, '2026-11-26T09:00:00.000+07:00', '3 working days: Thursday 09:00')
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  t.equal((await dossierRow(hub, code))?.dueIndexMs, Date.parse('2026-11-26T09:00:00+07:00'), 'the sweeper watches it')

  c.set('2026-11-24T09:00:00+07:00')
  t.equal((await report(hub, code, 'evn', 'e1', { status: 'accepted' })).statusCode, 201)
  const asked = await report(hub, code, 'evn', 'e2', { status: 'supplement-requested', missing: [{ name: 'Giấy chứng nhận quyền sử dụng đất' }] })
  t.equal(asked.json<{ status: string }>().status, 'supplement-requested')
  let d = await dossier(hub, code)
  t.equal(d.statusCode, 5)
  t.equal(d.pausedSince, '2026-11-24T09:00:00.000+07:00')
  t.equal((await dossierRow(hub, code))?.dueIndexMs, null, 'a paused dossier cannot become overdue')

  // two working days later (Thursday 09:00: 16 working hours paused) the papers are in, the agency goes on
  c.set('2026-11-26T09:00:00+07:00')
  const resumed = await report(hub, code, 'evn', 'e3', { status: 'processing', note: 'đã nhận giấy tờ bổ sung' })
  t.equal(resumed.json<{ status: string }>().status, 'processing')
  d = await dossier(hub, code)
  t.equal(d.dueAt, '2026-11-30T09:00:00.000+07:00', 'Thu 09:00 + 16 working hours = Mon 30 Nov 09:00')
  t.equal(d.pausedSince, undefined)
  t.equal((await dossierRow(hub, code))?.dueIndexMs, Date.parse('2026-11-30T09:00:00+07:00'), 'watched again, at the new date')
  const moved = (await history(hub, code)).find((h) => h.eventId === 'e3')
  t.equal(moved?.dueAtFrom, '2026-11-26T09:00:00.000+07:00')
  t.equal(moved?.dueAtTo, '2026-11-30T09:00:00.000+07:00')

  // the agency says it will be late: the new date is kept, the legal due date stays
  const late = await report(hub, code, 'evn', 'e4', { status: 'processing', dueAt: '2026-12-03T17:00:00+07:00', note: 'cần khảo sát lại hiện trường' })
  t.equal(late.statusCode, 201)
  d = await dossier(hub, code)
  t.equal(d.rescheduledDueAt, '2026-12-03T17:00:00.000+07:00')
  t.equal(d.dueAt, '2026-11-30T09:00:00.000+07:00')
  const delay = (await history(hub, code)).find((h) => h.type === 'delay-announced')
  t.equal(delay?.inTime, true, 'said two working days before the due date: in time')

  c.set('2026-12-01T10:00:00+07:00')
  await report(hub, code, 'evn', 'e5', { status: 'resolved' })
  d = await dossier(hub, code)
  t.equal(d.status, 'resolved')
  t.equal(d.resolvedAt, '2026-12-01T10:00:00.000+07:00')
  t.equal(d.timeliness, 'overdue', 'resolved after its due date, whatever the agency announced')
})

t.test('the overdue sweeper flags a dossier once, even with two sweeps and two hubs at once', async (t) => {
  const c = clock('2026-11-23T09:00:00+07:00')
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: c.now })
  // a second worker process on the same Redis (built directly: build() would replace the test clients)
  const other = await createHub({
    role: 'worker',
    redisUrl: REDIS_URL,
    prefix: hub.prefix,
    settings: testSettings({ agencyUrl: agency.url }),
    now: c.now,
    logger: createLogger('silent'),
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    reconcileIntervalMs: 3_600_000,
    database: hub.db
  })
  t.teardown(async () => { await other.close() })
  const late = (await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'online' })).json<DossierSummary>()
  const fine = (await post(asAdmin(hub), { ...example('electricity-contract-holder-change'), channel: 'online' })).json<DossierSummary>()
  const paused = (await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'online', source: { system: 'dvc-thanhhoa', reference: 'paused-1' } })).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(paused.code, 'evn'))?.state === 'delivered', `delivered ${JSON.stringify(paused)}`)
  await report(hub, paused.code, 'evn', 'p1', { status: 'supplement-requested', missing: [{ name: 'Bản vẽ' }] })
  t.equal(late.dueAt, '2026-11-26T09:00:00.000+07:00')
  t.equal(fine.dueAt, '2026-11-25T09:00:00.000+07:00', '2 working days')

  t.same(await overdueMetric(hub), { '': 0 }, '/metrics: nothing overdue yet')
  c.set('2026-11-25T10:00:00+07:00') // the 2-day one is past due; the 3-day one not yet
  t.same(await overdueMetric(hub), { '': 1 }, '/metrics: past due before the sweeper has seen it (total only)')
  const results = await Promise.all([hub.lifecycle.sweepOverdue(), hub.lifecycle.sweepOverdue(), other.lifecycle.sweepOverdue()])
  t.equal(results.reduce((n, r) => n + r.flagged, 0), 1, 'flagged once in all')
  t.same(await overdueMetric(hub), { '': 1, evn: 1 }, '/metrics: flagged, counted once, per agency too')
  c.set('2026-11-27T10:00:00+07:00')
  const again = await Promise.all([hub.lifecycle.sweepOverdue(), other.lifecycle.sweepOverdue()])
  t.equal(again.reduce((n, r) => n + r.flagged, 0), 1, 'then the 3-day one, once; the paused one never')
  t.same(await overdueMetric(hub), { '': 2, evn: 2 })
  t.same(await hub.lifecycle.sweepOverdue(), { checked: 0, flagged: 0 }, 'nothing left to look at')

  for (const code of [late.code, fine.code]) {
    const entries = (await history(hub, code)).filter((h) => h.type === 'overdue')
    t.equal(entries.length, 1, `${code}: one overdue entry`)
    const s = (await asAdmin(hub).inject(`/v1/dossiers/${code}/status`)).json<{ overdue: boolean }>()
    t.equal(s.overdue, true)
  }
  t.equal((await dossier(hub, paused.code)).overdueSince, undefined, 'the paused dossier is not overdue')
  const stats = (await asAdmin(hub).inject('/v1/stats?from=2026-11-23&to=2026-11-27')).json<{ totals: { openOverdue: number, overdue: number, inProgress: number } }>()
  t.equal(stats.totals.openOverdue, 2, 'at the period\'s end (now): both flagged')
  t.equal(stats.totals.inProgress, 3)
  const monday = (await asAdmin(hub).inject('/v1/stats?from=2026-11-23&to=2026-11-23')).json<{ totals: { openOverdue: number, inProgress: number } }>()
  t.same([monday.totals.inProgress, monday.totals.openOverdue], [3, 0], 'at the end of Monday the three were open and none was due yet')

  // resolving a flagged dossier turns it from "open, overdue" into "resolved late"
  await waitFor(async () => (await hub.store.routingState(fine.code, 'evn'))?.state === 'delivered', 'delivered')
  await report(hub, fine.code, 'evn', 'f1', { status: 'resolved' })
  t.same(await overdueMetric(hub), { '': 1, evn: 1 }, '/metrics: resolved late is no longer overdue')
  const after = (await asAdmin(hub).inject('/v1/stats?from=2026-11-23&to=2026-11-27')).json<{ totals: Record<string, number> }>()
  t.equal(after.totals.openOverdue, 1)
  t.equal(after.totals.resolvedLate, 1)
  t.equal(after.totals.overdue, 2)
})

t.test('the scheduled sweeper runs by itself on a worker', async (t) => {
  const c = clock('2026-11-23T09:00:00+07:00')
  const hub = await build(t, { role: 'api', now: c.now })
  const { code } = (await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'online' })).json<DossierSummary>()
  c.set('2026-12-23T09:00:00+07:00')
  const worker = await createHub({
    role: 'worker',
    redisUrl: REDIS_URL,
    prefix: hub.prefix,
    settings: testSettings({ agencyUrl: 'http://127.0.0.1:9' }),
    now: c.now,
    logger: createLogger('silent'),
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    reconcileIntervalMs: 3_600_000,
    sweepIntervalMs: 200,
    database: hub.db
  })
  t.teardown(async () => { await worker.close() })
  await waitFor(async () => (await dossier(hub, code)).overdueSince !== undefined, 'flagged by the scheduler')
  t.equal((await dossier(hub, code)).overdueSince, '2026-12-23T09:00:00.000+07:00')
})

t.test('the portal\'s webhook receiver sees every status change, signed and in order, despite failures', async (t) => {
  const secret = 'portal-webhook-secret-0123456789'
  // the receiver is down for its 2nd and 3rd attempts and then every 4th: retries must keep the order
  const receiver = await startReceiver(t, secret, (n) => n === 2 || n === 3 || n % 4 === 0)
  const agency = await startAgency(t)
  const settings = testSettings({ agencyUrl: agency.url, subscribers: { portal: { url: receiver.url, secret, attempts: 20 } } })
  const hub = await build(t, { settings })
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  await report(hub, code, 'evn', 'w1', { status: 'accepted' })
  await report(hub, code, 'evn', 'w2', { status: 'supplement-requested', missing: [{ name: 'CCCD' }] })
  await report(hub, code, 'evn', 'w3', { status: 'processing' })
  await report(hub, code, 'evn', 'w4', { status: 'resolved', note: 'đã cấp điện' })
  const returned = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'counter', note: 'chủ hộ nhận tại quầy' } })
  t.equal(returned.statusCode, 200)

  const expected = ['received', 'processing', 'supplement-requested', 'processing', 'resolved', 'returned']
  await waitFor(() => receiver.accepted.length >= expected.length ? true : undefined, 'every notification arrived', 20_000)
  // no webhook job left to run: no repeat can come after this
  await queuesSettled([hub.webhooks?.queue], 'the webhook queue settled')
  t.equal(receiver.refused, 0, 'every request carried a valid signature')
  t.ok(receiver.attempts > receiver.accepted.length, 'some deliveries failed and were retried')
  t.same(receiver.accepted.map((r) => (r.body.to as { status: string }).status), expected, 'in order, each once')
  t.same(receiver.accepted.map((r) => r.body.sequence), [1, 2, 3, 4, 5, 6])
  t.same(receiver.accepted.map((r) => r.headers['x-hub-delivery']), [1, 2, 3, 4, 5, 6].map((n) => `${code}:${n}`))
  const first = receiver.accepted[0]?.body as Record<string, unknown>
  t.equal(first.dossier, code)
  t.equal(first.from, undefined, 'receipt has no old status')
  const asked = receiver.accepted[2]?.body as Record<string, unknown>
  t.same(asked.requests, [{ step: 'evn', agency: 'evn', missing: [{ name: 'CCCD' }] }], 'a supplement request tells the portal what the applicant must bring')
  t.equal((receiver.accepted[3]?.body as Record<string, unknown> | undefined)?.requests, undefined, 'and nothing once it is back in processing')
  t.ok(receiver.accepted[3] !== undefined, 'a fourth notification came')
  const validNotification = createStrictAjv().getSchema('notification')
  t.ok(receiver.accepted.every((r) => validNotification?.(r.body) === true), 'every body fits schemas/notification.schema.json')
  const last = receiver.accepted[5]?.body as Record<string, unknown>
  t.same(last.from, { status: 'resolved', code: 9, name: 'Đã xử lý xong' })
  t.same(last.to, { status: 'returned', code: 10, name: 'Đã trả kết quả' })
  t.equal(last.note, 'chủ hộ nhận tại quầy')

  const log = (await asAdmin(hub).inject(`/v1/dossiers/${code}/notifications`)).json<{ notifications: unknown[], subscribers: Record<string, number>, deliveries: Array<{ outcome: string, sequence: number }> }>()
  t.equal(log.notifications.length, 6)
  t.same(log.subscribers, { portal: 6 })
  t.equal(log.deliveries.filter((d) => d.outcome === 'delivered').length, 6)
  t.ok(log.deliveries.some((d) => d.outcome === 'retrying'), 'the log shows the failed attempts')
  t.equal((await dossierRow(hub, code))?.notifyPending, false, 'nothing pending for this dossier')
})

t.test('a webhook receiver that stays down: the failure is visible, later notifications wait behind it', async (t) => {
  const secret = 'another-secret-abcdefabcdef'
  let down = true
  const receiver = await startReceiver(t, secret, () => down)
  const settings = testSettings({ agencyUrl: 'http://127.0.0.1:9', subscribers: { portal: { url: receiver.url, secret, attempts: 2 } } })
  const hub = await build(t, { settings })
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  const failed = await waitFor(async () => (await hub.webhooks?.queue.getJobs(['failed']))?.find((j) => j.data.code === code), 'a failed webhook job')
  t.match(failed.failedReason, /notification 1: the agency answered HTTP 503/)
  t.equal(receiver.accepted.length, 0)
  await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'nộp nhầm' } })
  // the withdrawal's notification recorded and its job worked (it cannot pass the failed receipt)
  await waitFor(async () => (await asAdmin(hub).inject(`/v1/dossiers/${code}/notifications`)).json<{ notifications: unknown[] }>().notifications.length === 2 ? true : undefined, 'the withdrawal notified')
  await queuesSettled([hub.webhooks?.queue], 'the webhook queue settled')
  t.equal(receiver.accepted.length, 0, 'the withdrawal waits behind the failed receipt')
  down = false
  await failed.retry('failed')
  await waitFor(() => receiver.accepted.length === 2 ? true : undefined, 'both arrive once the receiver is back')
  t.same(receiver.accepted.map((r) => (r.body.to as { status: string }).status), ['received', 'withdrawn'])
})

t.test('withdrawal: open steps stop, agencies holding the dossier are told, repeats change nothing', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'justice holds it')
  await report(hub, code, 'justice', 'b1', { status: 'accepted' })

  const res = await asPortal(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'gia đình tự đăng ký lại' } })
  t.equal(res.statusCode, 200)
  const body = res.json<{ status: string, statusCode: number, changed: boolean, notified: string[], cancelled: string[] }>()
  t.same({ status: body.status, statusCode: body.statusCode, changed: body.changed }, { status: 'withdrawn', statusCode: 7, changed: true })
  t.same(body.notified, ['civil-status'], 'justice holds it: it is told')
  t.same(body.cancelled.sort(), ['civil-status', 'health-insurance', 'residence', 'return'].sort())
  const notice = await waitFor(() => agency.requests.find((r) => r.path.startsWith('/justice/') || (r.path.startsWith('/justice') && JSON.stringify(r.body).includes('gia đình tự đăng ký lại'))), 'the justice system got the notice')
  t.equal(notice.headers['idempotency-key'], `${code}/civil-status/withdrawal`)
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.withdrawalNotice?.state === 'delivered', 'the notice is recorded on the step')
  const d = await dossier(hub, code)
  t.equal(d.status, 'withdrawn')
  t.ok(d.closedAt !== undefined)
  t.equal(d.routing?.residence?.state, 'cancelled')
  const h = (await history(hub, code)).find((e) => e.type === 'withdrawn')
  t.equal(h?.actor.kind, 'portal')
  t.equal(h?.note, 'gia đình tự đăng ký lại')

  const again = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'lần nữa' } })
  t.equal(again.statusCode, 200)
  t.equal(again.json<{ changed: boolean }>().changed, false)
  const late = await report(hub, code, 'justice', 'b2', { status: 'resolved' })
  t.equal(late.statusCode, 409, 'an agency report cannot change a withdrawn dossier')
  t.equal(late.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(late.json<{ detail: string }>().detail, /from withdrawn \(7\) to resolved \(9\)/)
  await deliveriesSettled(hub)
  t.equal(agency.requests.filter((r) => r.path.startsWith('/police-residence')).length, 0, 'the next stage was never sent')
})

t.test('illegal transitions answer 409 naming both statuses and why, and change nothing', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  const early = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'counter' } })
  t.equal(early.statusCode, 409)
  const p = early.json<{ code: string, detail: string }>()
  t.equal(p.code, 'HUB_ERR_ILLEGAL_TRANSITION')
  t.match(p.detail, /cannot go from received \(2\) to returned \(10\)/)
  t.match(p.detail, /before it is resolved/)
  t.equal((await dossier(hub, code)).status, 'received', 'unchanged')

  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  await report(hub, code, 'evn', 'r1', { status: 'resolved' })
  const withdraw = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'muộn rồi' } })
  t.equal(withdraw.statusCode, 409)
  t.match(withdraw.json<{ detail: string }>().detail, /from resolved \(9\) to withdrawn \(7\)/)
  const byAgency = await asAgency(hub, 'evn').inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'x' } })
  t.equal(byAgency.statusCode, 403, 'only the portal (or an admin) withdraws')
  const bad = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'pigeon' } })
  t.equal(bad.statusCode, 400)
  const ok = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'counter' } })
  t.equal(ok.json<{ statusCode: number }>().statusCode, 10)
  t.ok((await dossier(hub, code)).returnedAt !== undefined)
})

t.test('a postal return: the result goes to the postal service, its delivery makes the dossier returned (10)', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const birth = example('birth-registration')
  t.equal(birth.resultReturn.method, 'postal')
  const { code } = (await post(asAdmin(hub), birth)).json<DossierSummary>()
  let d = await dossier(hub, code)
  t.same({ agency: d.routing?.return?.agency, stage: d.routing?.return?.stage, state: d.routing?.return?.state, required: d.routing?.return?.required }, { agency: 'vnpost', stage: 2, state: 'waiting', required: false }, 'the route ends with the postal service')

  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'justice')
  t.equal((await report(hub, code, 'justice', 'j1', { status: 'resolved', results: [{ name: 'Giấy khai sinh', componentCode: 'KQ-KS', url: 'https://hotich.example/files/gks-1.pdf', sha256: 'a'.repeat(64) }] })).statusCode, 201)
  await waitFor(async () => (await hub.store.routingState(code, 'residence'))?.state === 'delivered' && (await hub.store.routingState(code, 'health-insurance'))?.state === 'delivered', 'second stage')
  await report(hub, code, 'police-residence', 'p1', { status: 'resolved' })
  t.equal((await hub.store.routingState(code, 'return'))?.state, 'waiting', 'not yet: health insurance is still open')
  await report(hub, code, 'social-insurance', 's1', { status: 'resolved', results: [{ name: 'Thẻ BHYT', componentCode: 'KQ-BHYT', url: 'https://bhxh.example/the-bhyt-1.pdf', sha256: 'b'.repeat(64) }] })
  d = await dossier(hub, code)
  t.equal(d.status, 'resolved')
  const shipment = await waitFor(() => agency.requests.find((r) => r.path.startsWith('/vnpost')), 'the shipment order reached the postal service')
  const order = JSON.stringify(shipment.body)
  t.match(order, code, 'order number = dossier code')
  t.match(order, 'Giấy khai sinh', 'the result documents are listed')
  t.match(order, 'Nguyễn Thị Hoa', 'to the recipient the applicant named')

  const counter = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'counter' } })
  t.equal(counter.statusCode, 409, 'not at the counter while it is on its way by post')

  await waitFor(async () => (await hub.store.routingState(code, 'return'))?.state === 'delivered', 'shipment recorded')
  t.equal((await report(hub, code, 'vnpost', 't1', { status: 'accepted', note: 'đã nhận bưu gửi' }, 'return')).statusCode, 201)
  t.equal((await report(hub, code, 'vnpost', 't2', { status: 'processing', note: 'đang phát' }, 'return')).statusCode, 201)
  t.equal((await dossier(hub, code)).status, 'resolved', 'still resolved while on its way')
  const done = await report(hub, code, 'vnpost', 't3', { status: 'resolved', note: 'phát thành công, người nhận: Nguyễn Thị Hoa' }, 'return')
  t.equal(done.json<{ status: string, statusCode: number }>().statusCode, 10)
  d = await dossier(hub, code)
  t.equal(d.status, 'returned')
  t.ok(d.returnedAt !== undefined && d.resolvedAt !== undefined)
  const record = (await asAdmin(hub).inject(`/v1/dossiers/${code}/national-record`)).json<Record<string, unknown>>()
  t.equal(record.TrangThaiHoSo, 10)
  t.match(String(record.NgayTra), /^\d{14}$/)
})

t.test('a withdrawal that crosses a delivery on its way: the agency that got it is told as well', async (t) => {
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  const agency = await startAgency(t, async (req, res) => {
    // the first delivery hangs until the test has withdrawn the dossier
    if (req.headers['idempotency-key']?.toString().endsWith('/evn') === true) await held
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ maTiepNhan: 'EVN-1' }))
  })
  const hub = await build(t, { agencyUrl: agency.url })
  const { code } = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>()
  await waitFor(() => agency.requests.length === 1 ? true : undefined, 'the delivery reached the agency')
  const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'đổi ý' } })
  t.same(res.json<{ notified: string[] }>().notified, [], 'as far as the hub knew, nobody held it yet')
  release()
  const notice = await waitFor(() => agency.requests.find((r) => r.headers['idempotency-key'] === `${code}/evn/withdrawal`), 'a withdrawal notice after the delivery')
  t.match(JSON.stringify(notice.body), 'đổi ý')
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.withdrawalNotice?.state === 'delivered', 'recorded')
  t.equal((await hub.store.routingState(code, 'evn'))?.state, 'cancelled', 'the step stays cancelled')
})

t.test('a subscriber bound to an agency hears only of the dossiers routed to that agency', async (t) => {
  const secret = 'justice-system-secret-0123'
  const receiver = await startReceiver(t, secret)
  const portal = await startReceiver(t, 'portal-secret-0123456789')
  const settings = testSettings({
    agencyUrl: 'http://127.0.0.1:9',
    subscribers: { justice: { url: receiver.url, secret, agency: 'justice' }, portal: { url: portal.url, secret: 'portal-secret-0123456789', events: ['overdue'] } }
  })
  const hub = await build(t, { settings })
  const birth = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>().code
  const power = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>().code
  await waitFor(() => receiver.accepted.length >= 1 ? true : undefined, 'the justice system heard of the birth registration')
  await waitFor(async () => (await asAdmin(hub).inject(`/v1/dossiers/${power}/notifications`)).json<{ subscribers: Record<string, number> }>().subscribers.justice === 1 ? true : undefined, 'the power connection passed over')
  t.same(receiver.accepted.map((r) => r.body.dossier), [birth], 'only the dossier routed to justice')
  const log = (await asAdmin(hub).inject(`/v1/dossiers/${power}/notifications`)).json<{ deliveries: Array<{ subscriber: string, outcome: string, error?: string }> }>()
  t.match(log.deliveries.find((d) => d.subscriber === 'justice'), { outcome: 'skipped', error: /not routed to justice/ })
  t.match(log.deliveries.find((d) => d.subscriber === 'portal'), { outcome: 'skipped', error: /not subscribed to status-changed/ }, 'a subscriber gets only the events it asked for')
  t.equal(portal.accepted.length, 0)
  const asJustice = (await asAgency(hub, 'justice').inject({ url: `/v1/dossiers/${birth}/notifications` })).json<{ subscribers: Record<string, number> }>()
  t.same(Object.keys(asJustice.subscribers), ['justice'], 'an agency sees its own subscriber\'s progress only')
})

t.test('the applicant supplies the papers: they reach the agency that asked, the clock restarts, repeats change nothing', async (t) => {
  const c = clock('2026-11-23T09:00:00+07:00') // Monday
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: c.now })
  const { code } = (await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'online' })).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  const content = Buffer.from('%PDF-1.4 bản sao sổ đỏ')
  const papers = {
    supplementId: 'DVC-BS-0001',
    note: 'Bổ sung bản sao GCN quyền sử dụng đất',
    attachments: [
      { componentCode: 'TP-GCN', fileName: 'gcn.pdf', mediaType: 'application/pdf', byteSize: content.length, sha256: createHash('sha256').update(content).digest('hex'), contentBase64: content.toString('base64') },
      { componentCode: 'TP-BV', fileName: 'ban-ve.pdf', mediaType: 'application/pdf', byteSize: 2048, sha256: 'c'.repeat(64), url: 'https://dichvucong.example.gov.vn/files/ban-ve.pdf' }
    ]
  }
  const early = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: papers })
  t.equal(early.statusCode, 409, 'nobody asked for papers yet')
  t.equal(early.json<{ code: string }>().code, 'HUB_ERR_NO_SUPPLEMENT_REQUESTED')

  c.set('2026-11-24T09:00:00+07:00')
  await report(hub, code, 'evn', 's1', { status: 'supplement-requested', missing: [{ name: 'Bản sao GCN quyền sử dụng đất' }] })
  const wrongSize = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: { ...papers, attachments: [{ ...papers.attachments[0], byteSize: 1 }] } })
  t.equal(wrongSize.statusCode, 400)
  t.match(wrongSize.json<{ errors: Array<{ pointer: string }> }>().errors, [{ pointer: '#/attachments/0/byteSize' }])
  const byAgency = await asAgency(hub, 'evn').inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: papers })
  t.equal(byAgency.statusCode, 403, 'the portal (or an admin) forwards the applicant\'s papers')

  c.set('2026-11-25T09:00:00+07:00') // 8 working hours later
  const res = await asPortal(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: papers })
  t.equal(res.statusCode, 201)
  const answer = res.json<{ sequence: number, status: string, statusCode: number, steps: string[], dueAt: string }>()
  t.same({ sequence: answer.sequence, status: answer.status, statusCode: answer.statusCode, steps: answer.steps }, { sequence: 1, status: 'processing', statusCode: 4, steps: ['evn'] })
  t.equal(answer.dueAt, '2026-11-27T09:00:00.000+07:00', 'Thu 26 09:00 + the 8 working hours paused')
  const again = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: papers })
  t.equal(again.statusCode, 200, 'the same supplement again: 200')
  t.same(again.json(), res.json(), 'with the first answer')
  const other = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: { ...papers, note: 'khác' } })
  t.equal(other.statusCode, 409, 'the same id with other content')

  const sent = await waitFor(() => agency.requests.find((r) => r.headers['idempotency-key'] === `${code}/evn/supplement-1`), 'the papers reached the power company')
  const body = JSON.stringify(sent.body)
  t.match(body, content.toString('base64'), 'the inline paper travels')
  t.match(body, 'https://dichvucong.example.gov.vn/files/ban-ve.pdf', 'and the one by url')
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.lastSupplement?.state === 'delivered', 'recorded on the step')
  const d = await dossier(hub, code)
  t.equal(d.routing?.evn?.state, 'processing')
  t.equal(d.routing?.evn?.missing, undefined, 'nothing is missing any more')
  const h = (await history(hub, code)).find((e) => e.type === 'supplement-provided')
  t.same({ actor: h?.actor.kind, documents: h?.documents, from: h?.statusFrom, to: h?.statusTo }, { actor: 'portal', documents: ['gcn.pdf', 'ban-ve.pdf'], from: 'supplement-requested', to: 'processing' })
  t.equal(agency.requests.filter((r) => String(r.headers['idempotency-key']).includes('supplement')).length, 1, 'the repeat sent nothing again')
})

t.test('a supplement request says whether it came within 3 working days of the agency receiving the dossier', async (t) => {
  const c = clock('2026-11-23T09:00:00+07:00') // Monday
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: c.now })
  const submit = async (reference: string): Promise<string> => (await post(asAdmin(hub), { ...example('electricity-new-connection'), channel: 'online', source: { system: 'dvc-thanhhoa', reference } })).json<DossierSummary>().code
  const [early, late] = [await submit('sup-early'), await submit('sup-late')]
  for (const code of [early, late]) await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', `${code} delivered`)
  const asked = async (code: string, eventId: string): Promise<HistoryEntry | undefined> => {
    t.equal((await report(hub, code, 'evn', eventId, { status: 'supplement-requested', missing: [{ name: 'Bản vẽ' }] })).statusCode, 201)
    return (await history(hub, code)).find((h) => h.eventId === eventId)
  }
  c.set('2026-11-25T16:00:00+07:00') // Wednesday: within the three days
  t.equal((await asked(early, 'e1'))?.inTime, true, 'Wednesday: in time')
  c.set('2026-11-27T10:00:00+07:00') // Friday: past Thursday 09:00
  t.equal((await asked(late, 'l1'))?.inTime, false, 'Friday: late')
  await report(hub, early, 'evn', 'e2', { status: 'accepted' })
  const reports = (await history(hub, early)).filter((h) => h.type === 'agency-report')
  t.same(reports.map((h) => [h.report?.status, h.inTime]), [['supplement-requested', true], ['accepted', undefined]], 'only supplement requests are judged')
})

t.test('the result can always be handed over: after the postal shipment failed, was discarded, or came back, at the counter or online', async (t) => {
  // the postal service refuses every shipment order (a 400: not retried), the power company takes its dossiers
  const agency = await startAgency(t, (req, res, n) => {
    if (req.path.startsWith('/vnpost')) answerJson(res, 400, { message: 'Mã khách hàng không hợp lệ' })
    else answerJson(res, 201, { maTiepNhan: `EVN-${n}` })
  })
  const hub = await build(t, { agencyUrl: agency.url, attempts: 2 })
  const byPost = (reference: string): ReturnType<typeof example> => {
    const s = example('electricity-new-connection')
    s.source.reference = reference
    s.applicant.identity = { type: 'citizen-id', number: `03808500${reference.slice(-4)}` }
    s.resultReturn = { method: 'postal', delivery: { recipientName: 'Trần Văn Bình', phone: '0912345679', address: { provinceCode: '38', wardCode: '14758', line: 'Số 8, ngõ 45, đường Bà Triệu' } } }
    return s
  }
  const resolvedWithFailedPost = async (reference: string): Promise<string> => {
    const { code } = (await post(asAdmin(hub), byPost(reference))).json<DossierSummary>()
    await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered to the power company')
    t.equal((await report(hub, code, 'evn', `${reference}-r`, { status: 'resolved' })).statusCode, 201)
    await waitFor(async () => (await hub.store.routingState(code, 'return'))?.state === 'failed', 'the shipment order failed for good')
    t.equal((await dossier(hub, code)).status, 'resolved', 'still resolved (9)')
    return code
  }

  // failed: handed over at the counter
  const failed = await resolvedWithFailedPost('POST-0001')
  const counter = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${failed}/return`, payload: { method: 'counter', note: 'Ông Bình nhận tại quầy' } })
  t.equal(counter.statusCode, 200, counter.body)
  t.equal(counter.json<{ statusCode: number }>().statusCode, 10)
  let d = await dossier(hub, failed)
  t.equal(d.status, 'returned')
  t.equal(d.routing?.return?.state, 'cancelled', 'the failed shipment will not be sent after the hand-over')
  t.match(d.routing?.return?.reason, /handed over at the counter after the postal shipment failed/)
  const retry = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${failed}/steps/return/retry` })
  t.equal(retry.statusCode, 400, 'nothing to retry any more')
  t.match(retry.json<{ errors: Array<{ detail: string }> }>().errors, [{ detail: /step return is cancelled.*not needed any more/ }])
  t.equal((await hub.store.routingState(failed, 'return'))?.state, 'cancelled')

  // failed and discarded by an administrator: handed over online
  const discarded = await resolvedWithFailedPost('POST-0002')
  const discard = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${discarded}/steps/return/discard`, payload: { reason: 'sai mã khách hàng bưu điện' } })
  t.equal(discard.statusCode, 200, discard.body)
  const online = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${discarded}/return`, payload: { method: 'online' } })
  t.equal(online.json<{ statusCode: number }>().statusCode, 10, 'handed over online')
  const entry = (await history(hub, discarded)).find((h) => h.type === 'returned')
  t.equal(entry?.method, 'online')

  // came back to the sender: the postal service takes the order, then returns the result
  agency.answer((req, res, n) => { answerJson(res, 201, req.path.startsWith('/vnpost') ? { ItemCode: `EL${n}VN` } : { maTiepNhan: `EVN-${n}` }) })
  const { code: back } = (await post(asAdmin(hub), byPost('POST-0003'))).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(back, 'evn'))?.state === 'delivered', 'delivered')
  await report(hub, back, 'evn', 'b-r', { status: 'resolved' })
  await waitFor(async () => (await hub.store.routingState(back, 'return'))?.state === 'delivered', 'shipment created')
  const early = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${back}/return`, payload: { method: 'counter' } })
  t.equal(early.statusCode, 409, 'not while it is on its way')
  t.equal((await report(hub, back, 'vnpost', 'b-600', { status: 'rejected', reason: 'chuyển hoàn: không có người nhận' }, 'return')).statusCode, 201)
  t.equal((await dossier(hub, back)).status, 'resolved', 'a result that came back leaves the dossier resolved')
  const after = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${back}/return`, payload: { method: 'counter' } })
  t.equal(after.json<{ statusCode: number }>().statusCode, 10, 'handed over at the counter')
  d = await dossier(hub, back)
  t.equal(d.routing?.return?.state, 'rejected', 'the postal step keeps what the post reported')
})
