/**
 * Linked routing (liên thông) end to end, over real HTTP and a real Redis: stages in sequence,
 * steps in parallel, result documents carried forward, rejections stopping the rest, agency
 * reports (events) with their refusals, and one agency's outage not delaying another.
 *
 * Every agency here speaks the generic format (canonical JSON), as config-only agencies do; the
 * adapters' native formats have their own tests and the simulators test runs them end to end.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { answerJson, build, deadEndpoint, dossierRow, example, post, shippedConfig, startAgency, storedDossiers, waitFor, type AgencyServer, type TestHub, asAdmin } from '../../helper.ts'
import { resolveHubConfig, type HubSettings } from '../../../src/config/hub-config.ts'
import type { Dossier, DossierSummary, StatusReport } from '../../../src/types/schemas.generated.ts'
import type { GenericRequest } from '../../../adapters/generic/native.generated.ts'
import { createStrictAjv } from '../../../src/validation/ajv.ts'

/** The shipped routing table, every agency on the generic adapter at `<url>/<id>` (or a per-agency override). */
function genericSettings (url: string, endpoints: Record<string, string> = {}): HubSettings {
  const shipped = shippedConfig()
  const retry = { attempts: 3, baseDelayMs: 40, maxDelayMs: 500 }
  const agencies = Object.fromEntries(Object.entries(shipped.agencies).map(([id, a]) => [id, {
    name: a.name, adapter: 'generic', endpoint: endpoints[id] ?? `${url}/${id}`, retry, timeoutMs: 2000
  }]))
  return resolveHubConfig({ agencies, procedures: shipped.procedures }, 'generic test config')
}

async function submit (hub: TestHub, name: Parameters<typeof example>[0]): Promise<DossierSummary> {
  const res = await post(asAdmin(hub), example(name))
  if (res.statusCode !== 201) throw new Error(`submit answered ${res.statusCode}: ${res.body}`)
  return res.json<DossierSummary>()
}

async function dossier (hub: TestHub, code: string): Promise<Dossier> {
  return (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })).json<Dossier>()
}

let eventSeq = 0
async function report (hub: TestHub, code: string, agency: string, r: StatusReport, extra: Record<string, unknown> = {}): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await asAdmin(hub).inject({
    method: 'POST',
    url: `/v1/dossiers/${code}/events`,
    payload: { eventId: `ev-${process.pid}-${++eventSeq}`, agency, report: r, ...extra }
  })
  return { status: res.statusCode, body: res.json() }
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
const doc = (name: string, componentCode: string): NonNullable<StatusReport['results']>[number] =>
  ({ name, componentCode, url: `https://files.example.vn/${componentCode}.pdf`, sha256: sha(name) })

/** Requests an agency (by path) received, as generic envelopes. */
const received = (agency: AgencyServer, id: string): Array<{ body: GenericRequest, key: string, at: number }> =>
  agency.requests.filter((r) => r.path === `/${id}`).map((r) => ({ body: r.body as GenericRequest, key: String(r.headers['idempotency-key']), at: r.at }))

/** The delivery jobs of these steps of a dossier ([agency, step]): none, when nothing has released them. */
async function jobsFor (hub: TestHub, code: string, steps: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
  const found: string[] = []
  for (const [agency, step] of steps) if (await hub.queues.getJob(agency, code, step) !== undefined) found.push(step)
  return found
}

async function stepState (hub: TestHub, code: string, step: string): Promise<string | undefined> {
  return (await hub.store.routingState(code, step))?.state
}

t.test('birth registration: justice first, then residence and health insurance in parallel with the birth certificate; resolved when both are', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: genericSettings(agency.url) })
  const { code, routing } = await submit(hub, 'birth-registration')
  t.same(Object.keys(routing), ['civil-status', 'residence', 'health-insurance'], 'three steps in route order')
  t.same(Object.values(routing).map((r) => r?.state), ['pending', 'waiting', 'waiting'], 'only the first stage is released')
  t.equal(routing['civil-status']?.lead, true, 'justice leads')

  await waitFor(async () => await stepState(hub, code, 'civil-status') === 'delivered', 'justice delivered')
  // stage 2 is released only in the same change that records justice's resolution: no job, still waiting
  t.same(await jobsFor(hub, code, [['police-residence', 'residence'], ['social-insurance', 'health-insurance']]), [], 'stage 2 not queued before justice resolves')
  t.same([await stepState(hub, code, 'residence'), await stepState(hub, code, 'health-insurance')], ['waiting', 'waiting'])
  t.equal(received(agency, 'police-residence').length + received(agency, 'social-insurance').length, 0, 'stage 2 not delivered before justice resolves')
  const first = received(agency, 'justice')
  t.equal(first.length, 1)
  t.same(first[0]?.body.step, { id: 'civil-status', stage: 0, task: 'Đăng ký khai sinh, cấp số định danh cá nhân', lead: true }, 'the envelope names the step')
  t.equal(first[0]?.key, `${code}/civil-status`, 'idempotency key per step')

  t.equal((await report(hub, code, 'justice', { status: 'accepted' })).status, 201)
  const processing = await report(hub, code, 'justice', { status: 'processing', note: 'Đang thẩm định' })
  t.equal(processing.body.status, 'processing', 'the dossier is processing')
  const certificate = doc('Giấy khai sinh (bản chính)', 'KQ-KS-01')
  const resolved = await report(hub, code, 'justice', { status: 'resolved', results: [certificate] })
  t.equal(resolved.status, 201)
  t.same(resolved.body.released, ['residence', 'health-insurance'], 'both next steps released at once')
  t.equal(resolved.body.status, 'processing', 'not resolved while steps remain')

  await waitFor(async () => received(agency, 'police-residence').length === 1 && received(agency, 'social-insurance').length === 1, 'stage 2 delivered')
  for (const id of ['police-residence', 'social-insurance']) {
    const got = received(agency, id)[0]
    t.same(got?.body.dossier.results, [{ ...certificate, step: 'civil-status', agency: 'justice' }], `${id} receives the birth certificate`)
    t.equal(got?.body.step.stage, 1)
  }
  const justiceAt = first[0]?.at ?? 0
  t.ok(received(agency, 'police-residence').every((r) => r.at > justiceAt), 'residence after justice')

  await report(hub, code, 'police-residence', { status: 'resolved', results: [doc('Xác nhận thông tin cư trú', 'KQ-CT-01')] })
  t.equal((await dossier(hub, code)).status, 'processing', 'one parallel step left')
  const last = await report(hub, code, 'social-insurance', { status: 'resolved', results: [doc('Thẻ BHYT trẻ em', 'KQ-BHYT-01')] })
  t.equal(last.body.status, 'resolved', 'resolved when the last required step resolves')
  const final = await dossier(hub, code)
  t.equal(final.status, 'resolved')
  t.equal(final.statusCode, 9)
  t.same(final.results?.map((r) => r.componentCode), ['KQ-KS-01', 'KQ-CT-01', 'KQ-BHYT-01'], 'every result document, in route order')

  const history = (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}/history` })).json<{ entries: Array<Record<string, unknown>> }>()
  t.equal(history.entries.length, 6, 'the receipt and five reports in the history')
  t.same(history.entries.map((e) => e.statusTo).filter((s) => s !== undefined), ['received', 'processing', 'resolved'], 'the status changes are recorded')
  const validEntry = createStrictAjv().getSchema('history-entry')
  t.ok(history.entries.every((e) => validEntry?.(e) === true), 'every entry fits schemas/history-entry.schema.json')
  t.same(history.entries[5], {
    at: history.entries[5]?.at,
    type: 'agency-report',
    actor: { kind: 'agency', id: 'social-insurance' },
    eventId: history.entries[5]?.eventId,
    step: 'health-insurance',
    report: { status: 'resolved', results: [doc('Thẻ BHYT trẻ em', 'KQ-BHYT-01')] },
    applied: true,
    statusFrom: 'processing',
    statusTo: 'resolved'
  }, 'the last entry: who, which step, the report, the change')
})

t.test('land transfer: land office → tax → land office, strictly in order, each stage with the earlier results', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: genericSettings(agency.url) })
  const { code, routing } = await submit(hub, 'land-use-right-transfer')
  t.same(Object.keys(routing), ['land-registration', 'tax', 'land-certificate'])
  t.same(Object.values(routing).map((r) => r?.stage), [0, 1, 2])

  await waitFor(async () => received(agency, 'land-office').length === 1, 'land office, first time')
  await report(hub, code, 'land-office', { status: 'processing' })
  t.same(await jobsFor(hub, code, [['tax', 'tax']]), [], 'tax not queued while the land office is processing')
  t.equal(received(agency, 'tax').length, 0, 'tax never starts while the land office is processing')
  t.equal(await stepState(hub, code, 'tax'), 'waiting')

  const cadastral = doc('Phiếu chuyển thông tin địa chính', 'KQ-DC-01')
  await report(hub, code, 'land-office', { status: 'resolved', results: [cadastral] })
  await waitFor(async () => received(agency, 'tax').length === 1, 'tax delivered')
  t.same(received(agency, 'tax')[0]?.body.dossier.results?.map((r) => r.componentCode), ['KQ-DC-01'], 'tax gets the cadastral information')
  t.equal(received(agency, 'land-office').length, 1, 'the land office is not asked again yet')

  const payment = await report(hub, code, 'tax', { status: 'payment-requested', payment: { amount: 48_000_000, note: 'Thuế TNCN 2%, lệ phí trước bạ 0,5%' } })
  t.equal(payment.body.status, 'payment-requested', 'the dossier waits for the payment (clock paused)')
  await report(hub, code, 'tax', { status: 'resolved', results: [doc('Thông báo nộp thuế đã hoàn thành', 'KQ-THUE-01')] })
  await waitFor(async () => received(agency, 'land-office').length === 2, 'land office, second time')
  const second = received(agency, 'land-office')[1]
  t.equal(second?.body.step.id, 'land-certificate')
  t.equal(second?.key, `${code}/land-certificate`, 'a new idempotency key for the second step of the same agency')
  t.same(second?.body.dossier.results?.map((r) => r.componentCode), ['KQ-DC-01', 'KQ-THUE-01'], 'with both earlier results')
  const [a, b, c] = [received(agency, 'land-office')[0]?.at ?? 0, received(agency, 'tax')[0]?.at ?? 0, second?.at ?? 0]
  t.ok(a < b && b < c, 'land → tax → land, in that order')

  // the land office reports without naming the step: the hub applies it to the one under way
  const done = await report(hub, code, 'land-office', { status: 'resolved', results: [doc('Giấy chứng nhận quyền sử dụng đất', 'KQ-GCN-01')] })
  t.equal(done.body.step, 'land-certificate')
  t.equal(done.body.status, 'resolved')
  t.equal((await dossier(hub, code)).routing?.['land-registration']?.state, 'resolved', 'the first land step stays resolved')
})

t.test('a rejection stops the remaining steps and is reported', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: genericSettings(agency.url) })

  const refused = await submit(hub, 'land-use-right-transfer')
  await waitFor(async () => await stepState(hub, refused.code, 'land-registration') === 'delivered', 'delivered')
  const r1 = await report(hub, refused.code, 'land-office', { status: 'rejected', reason: 'Thửa đất đang có tranh chấp' })
  t.equal(r1.body.status, 'not-accepted', 'refused before being accepted: not accepted (3)')
  t.same(r1.body.cancelled, ['tax', 'land-certificate'])
  const d1 = await dossier(hub, refused.code)
  t.equal(d1.statusCode, 3)
  t.equal(d1.routing?.['land-registration']?.reason, 'Thửa đất đang có tranh chấp', 'the reason is kept')
  t.match(d1.routing?.tax?.reason, /land-registration \(land-office\) rejected/, 'cancelled steps say why')

  const stopped = await submit(hub, 'birth-registration')
  await waitFor(async () => await stepState(hub, stopped.code, 'civil-status') === 'delivered', 'delivered')
  await report(hub, stopped.code, 'justice', { status: 'accepted' })
  const r2 = await report(hub, stopped.code, 'justice', { status: 'rejected', reason: 'Giấy chứng sinh không hợp lệ' })
  t.equal(r2.body.status, 'stopped', 'refused after acceptance: processing stopped (8)')
  // a late report on a stopped dossier changes nothing: 409, the status machine says why
  const late = await report(hub, stopped.code, 'police-residence', { status: 'resolved' })
  t.equal(late.status, 409)
  t.match(late.body.detail, /cannot go from stopped \(8\) to resolved \(9\)/)
  t.same([...await jobsFor(hub, refused.code, [['tax', 'tax'], ['land-office', 'land-certificate']]), ...await jobsFor(hub, stopped.code, [['police-residence', 'residence'], ['social-insurance', 'health-insurance']])], [], 'no later step was ever queued')
  t.equal(received(agency, 'tax').length + received(agency, 'police-residence').length + received(agency, 'social-insurance').length, 0, 'no later step was ever delivered')
})

t.test('events: refused when wrong, idempotent by id, kept but not applied when out of order', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: genericSettings(agency.url) })
  const { code } = await submit(hub, 'birth-registration')
  await waitFor(async () => await stepState(hub, code, 'civil-status') === 'delivered', 'delivered')
  const before = (await dossierRow(hub, code))?.version

  const wrong = await report(hub, code, 'evn', { status: 'resolved' })
  t.equal(wrong.status, 403, 'an agency the dossier is not routed to: 403')
  t.equal(wrong.body.code, 'HUB_ERR_NOT_ROUTED')
  const missing = await report(hub, '000.00.06.H56-261123-9999', 'justice', { status: 'accepted' })
  t.equal(missing.status, 404)
  const unknown = await report(hub, code, 'nobody', { status: 'accepted' })
  t.equal(unknown.status, 400)
  t.same((unknown.body.errors as Array<{ pointer: string }>).map((e) => e.pointer), ['#/agency'])
  const noReason = await report(hub, code, 'justice', { status: 'rejected' } as StatusReport)
  t.equal(noReason.status, 400, 'a rejection without a reason is bad input')
  const wrongStep = await report(hub, code, 'justice', { status: 'accepted' }, { step: 'residence' })
  t.equal(wrongStep.status, 403, 'another agency\'s step: 403')
  const both = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: 'x1', agency: 'justice' } })
  t.equal(both.statusCode, 400, 'neither report nor native')
  t.equal((await dossierRow(hub, code))?.version, before, 'none of these changed the dossier')
  t.equal((await dossierRow(hub, code))?.history, 1, 'nor its history (the receipt only)')

  const event = { eventId: 'JUS-2026-0001', agency: 'justice', report: { status: 'processing', occurredAt: '2026-11-23T10:00:00+07:00' } }
  const firstPost = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event })
  t.equal(firstPost.statusCode, 201)
  const again = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event })
  t.equal(again.statusCode, 200, 'the same event again: 200')
  t.same(again.json(), firstPost.json(), 'with the first answer')
  t.equal((await dossierRow(hub, code))?.history, 2, 'and no second history entry (receipt + the report)')
  const reused = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { ...event, report: { status: 'resolved' } } })
  t.equal(reused.statusCode, 409, 'the same id with other content: 409')
  t.equal(reused.json<{ code: string }>().code, 'HUB_ERR_EVENT_CONFLICT')

  const backwards = await report(hub, code, 'justice', { status: 'accepted', occurredAt: '2026-11-23T09:00:00+07:00' })
  t.equal(backwards.status, 201)
  t.equal(backwards.body.applied, false, 'accepted after processing is not applied')
  t.equal(backwards.body.reason, 'older-than-current')
  const older = await report(hub, code, 'justice', { status: 'supplement-requested', missing: [{ name: 'Giấy chứng sinh' }], occurredAt: '2026-11-23T09:30:00+07:00' })
  t.equal(older.body.applied, false, 'a same-rank report older than the current one is not applied')
  t.equal((await dossier(hub, code)).status, 'processing', 'the dossier did not move backwards')
  const supplement = await report(hub, code, 'justice', { status: 'supplement-requested', missing: [{ name: 'Giấy chứng sinh', note: 'Bản chụp mờ' }], occurredAt: '2026-11-23T11:00:00+07:00' })
  t.equal(supplement.body.status, 'supplement-requested', 'a newer supplement request applies')
  t.same((await dossier(hub, code)).routing?.['civil-status']?.missing, [{ name: 'Giấy chứng sinh', note: 'Bản chụp mờ' }], 'what is missing is on the step')
  const entries = (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}/history` })).json<{ entries: Array<{ applied: boolean }> }>().entries
  t.same(entries.map((e) => e.applied), [true, true, false, false, true], 'the receipt, then every report, applied or not')

  const stepNotStarted = await report(hub, code, 'police-residence', { status: 'accepted' })
  t.equal(stepNotStarted.body.reason, 'step-not-started', 'a report for a step not yet delivered is kept, not applied')
  const noHistory = await asAdmin(hub).inject({ url: '/v1/dossiers/000.00.06.H56-261123-9999/history' })
  t.equal(noHistory.statusCode, 404)
})

t.test('agency reports race each other and the deliveries: every one is applied exactly once', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { settings: genericSettings(agency.url) })
  const { code } = await submit(hub, 'birth-registration')
  await waitFor(async () => await stepState(hub, code, 'civil-status') === 'delivered', 'delivered')
  await report(hub, code, 'justice', { status: 'resolved', results: [doc('Giấy khai sinh', 'KQ-KS-01')] })
  // both parallel agencies report at the same moment, several times each with distinct event ids
  const results = await Promise.all([
    ...Array.from({ length: 5 }, async (_, i) => await report(hub, code, 'police-residence', { status: 'processing', occurredAt: `2026-11-23T10:0${i}:00+07:00` })),
    ...Array.from({ length: 5 }, async (_, i) => await report(hub, code, 'social-insurance', { status: 'processing', occurredAt: `2026-11-23T10:0${i}:00+07:00` })),
    report(hub, code, 'police-residence', { status: 'resolved', occurredAt: '2026-11-23T11:00:00+07:00' }),
    report(hub, code, 'social-insurance', { status: 'resolved', occurredAt: '2026-11-23T11:00:00+07:00' })
  ])
  t.ok(results.every((r) => r.status === 201), 'every report answered 201')
  const d = await dossier(hub, code)
  t.equal(d.routing?.residence?.state, 'resolved')
  t.equal(d.routing?.['health-insurance']?.state, 'resolved')
  t.equal(d.status, 'resolved', 'resolved once both are')
  t.equal((await dossierRow(hub, code))?.history, 14, 'the receipt and one history entry per report, none lost')
})

t.test('an agency that is down does not delay another agency\'s queue', async (t) => {
  const agency = await startAgency(t)
  const down = await deadEndpoint()
  const hub = await build(t, { settings: genericSettings(agency.url, { 'police-residence': down }) })
  const { code } = await submit(hub, 'birth-registration')
  await waitFor(async () => await stepState(hub, code, 'civil-status') === 'delivered', 'delivered')
  await report(hub, code, 'justice', { status: 'resolved' })
  await waitFor(async () => received(agency, 'social-insurance').length === 1, 'social insurance delivered while residence is down')
  const residence = await waitFor(async () => {
    const r = await hub.store.routingState(code, 'residence')
    return r !== undefined && r.attempts >= 1 ? r : undefined
  }, 'residence tried')
  t.match(residence.state, /retrying|failed/, 'residence is retrying (or failed), visibly')
  t.match(residence.lastError, /cannot reach the agency/)
})

t.test('agency-side intake: a dossier the portal already sent is the same dossier', async (t) => {
  const agency = await startAgency(t, (_req, res) => { answerJson(res, 201, { reference: 'SI-1' }) })
  const hub = await build(t, { settings: genericSettings(agency.url) })
  const fromPortal = await submit(hub, 'birth-registration')

  // the justice software sends the same dossier in its own (here: canonical) format, under its own reference
  const native = example('birth-registration')
  native.source = { system: 'justice', reference: 'HT-TH-2026-00077' }
  native.channel = 'counter'
  native.submittedAt = '2026-11-20T10:00:00+07:00'
  const res = await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', payload: native })
  t.equal(res.statusCode, 200, 'recognised: 200')
  t.equal(res.json<DossierSummary>().code, fromPortal.code, 'the same code')
  const again = await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', payload: native })
  t.equal(again.json<DossierSummary>().code, fromPortal.code, 'and again by its own reference')
  t.equal(await storedDossiers(hub), 1, 'one dossier stored')

  // a new dossier from an agency: its own step counts as delivered, the rest follows the route
  const fresh = example('birth-registration')
  fresh.source = { system: 'justice', reference: 'HT-TH-2026-00078' }
  fresh.applicant.identity.number = '038190054321'
  const created = await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', payload: fresh })
  t.equal(created.statusCode, 201)
  const summary = created.json<DossierSummary>()
  t.not(summary.code, fromPortal.code)
  t.equal(summary.routing['civil-status']?.state, 'delivered', 'the submitting agency holds it already')
  t.equal(summary.routing['civil-status']?.agencyReference, 'HT-TH-2026-00078')
  // intake hands the first stage's deliveries to Redis as it answers: once that is done, none for the step the agency holds
  await hub.app?.hub.intake.handOffs()
  t.same(await jobsFor(hub, summary.code, [['justice', 'civil-status']]), [], 'no delivery queued back to the agency that sent it')
  t.equal(received(agency, 'justice').filter((r) => r.body.dossier.code === summary.code).length, 0, 'it is not sent back to the agency that sent it')

  const bad = await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', payload: { ...fresh, applicant: { ...fresh.applicant, fullName: 42 } } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.same(bad.json<{ errors: Array<{ pointer: string }> }>().errors.map((e) => e.pointer), ['#/applicant/fullName'], 'names the native field')
  const nobody = await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/nobody/dossiers', payload: fresh })
  t.equal(nobody.statusCode, 404)
  t.equal(await storedDossiers(hub), 2, 'nothing stored by the bad ones')

  // the same agency sending the same content under another reference is a new dossier (its own decision)
  const other = example('birth-registration')
  other.source = { system: other.source.system, reference: 'DVC-OTHER' }
  const portalAgain = await post(asAdmin(hub), other)
  t.equal(portalAgain.statusCode, 201, 'the portal itself sending the same content under a new reference: a new dossier')
})
