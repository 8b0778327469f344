/**
 * The whole journey, as a newcomer sees it with `npm run demo`: the shipped config (real adapters,
 * real outbound auth with the development secrets), the agency simulators speaking each agency's
 * native format and posting progress back over HTTP, and the hub listening on a real port. Every
 * example dossier must reach `resolved`, through the right agencies, in the right order.
 *
 * The last tests need no hub: a tiny HTTP server stands in for it, to check the postal service's
 * tracking journey and the withdrawal notices every simulated agency takes.
 */
import t from 'tap'
import type { Test } from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { build, example, post, shippedConfig, waitFor, type ExampleName, type TestHub, asAdmin, deliveriesSettled } from '../helper.ts'
import { resolveHubConfig, type HubSettings, type ResolvedAgency } from '../../src/config/hub-config.ts'
import { startSimulators, type SimulatorOptions, type Simulators } from '../../scripts/simulators/index.ts'
import { dialects, s10 } from '../../scripts/simulators/dialects.ts'
import { authHeaders } from '../../src/delivery/outbound-auth.ts'
import { createNativeValidators } from '../../src/validation/native.ts'
import { adapters } from '../../adapters/index.ts'
import type { DeliverableDossier, DossierSubmission, OutboundContext, OutboundRequest, StatusReport, WithdrawalNotice } from '../../adapters/contract.ts'
import type { PostalStatus } from '../../adapters/postal/native.generated.ts'
import type { PaymentNotice, SupplementNotice } from '../../adapters/contract.ts'
import { postalAdapter } from '../../adapters/postal/index.ts'
import { fromRoot } from '../../src/paths.ts'
import type { Dossier, DossierSummary } from '../../src/types/schemas.generated.ts'
import { goldenPath } from '../golden-files.ts'

/** The shipped config with each local agency at the simulator's URL; everything else (adapters, auth) as shipped. */
function shippedAt (urls: ReadonlyMap<string, string>, change: (raw: ReturnType<typeof shippedConfig>) => void = () => {}): HubSettings {
  const raw = shippedConfig()
  for (const [id, agency] of Object.entries(raw.agencies)) {
    const url = urls.get(id)
    if (url !== undefined) agency.endpoint = url
    Object.assign(agency, { retry: { attempts: 3, baseDelayMs: 50, maxDelayMs: 500 }, timeoutMs: 3000 })
  }
  change(raw)
  return resolveHubConfig(raw, 'simulators test')
}

/** Simulators on free ports, then a hub listening on a free port that they post back to. */
async function journey (t: Test, o: { supplementRate?: number, rejectRate?: number, change?: Parameters<typeof shippedAt>[1] } = {}): Promise<{ hub: TestHub, sims: Simulators }> {
  let hubUrl = ''
  let seed = 7
  let keys: Record<string, string> = {}
  const sims = await startSimulators({
    settings: shippedAt(new Map()),
    hubUrl: () => hubUrl,
    keyFor: (agency) => keys[agency],
    delayMs: 40,
    supplementRate: o.supplementRate ?? 0,
    rejectRate: o.rejectRate ?? 0,
    portOverride: () => 0,
    log: () => {},
    // deterministic: the same dossiers take the same paths on every run
    random: () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
  })
  t.teardown(async () => { await sims.close() })
  const hub = await build(t, { settings: shippedAt(sims.urls, o.change) })
  keys = hub.keys.agencies
  hubUrl = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  return { hub, sims }
}

async function dossier (hub: TestHub, code: string): Promise<Dossier> {
  return (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })).json<Dossier>()
}

const examples = readdirSync(fromRoot('schemas', 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '') as ExampleName).sort()

t.test('every example dossier reaches resolved through the right agencies, in the right order', async (t) => {
  const { hub, sims } = await journey(t, { supplementRate: 0.4 })
  t.ok(examples.length >= 8, `${examples.length} examples`)
  const codes = new Map<ExampleName, string>()
  for (const name of examples) {
    const res = await post(asAdmin(hub), example(name))
    t.equal(res.statusCode, 201, `${name}: received`)
    codes.set(name, res.json<DossierSummary>().code)
  }
  for (const [name, code] of codes) {
    // a result returned by post ends when the postal service delivers it (10); the others at resolved (9)
    const final = example(name).resultReturn.method === 'postal' ? 'returned' : 'resolved'
    const done = await waitFor(async () => {
      const d = await dossier(hub, code)
      return d.status === final || d.status === 'stopped' || d.status === 'not-accepted' ? d : undefined
    }, `${name} ${final}`, 60_000)
    t.equal(done.status, final, `${name}: ${final}`)
    const route = hub.store && (await hub.store.getForUpdate(code))?.routing
    const steps = Object.entries(route ?? {})
    t.ok(steps.length > 0 && steps.filter(([, r]) => r.required !== false).every(([, r]) => r.state === 'resolved'), `${name}: every required step resolved`)
    // the simulators saw each step once, in stage order
    const seen = sims.deliveries.filter((d) => d.code === code)
    t.same(seen.map((d) => `${d.agency}`).sort(), steps.map(([, r]) => r.agency).sort(), `${name}: each agency of the route received it once per step`)
    const stageOf = new Map(steps.map(([id, r]) => [id, r.stage]))
    const stages = seen.map((d) => stageOf.get(d.step ?? d.agency) ?? stageOf.get(d.agency) ?? -1)
    t.same(stages, [...stages].sort((a, b) => a - b), `${name}: delivered stage by stage (${stages.join(' → ')})`)
    t.ok((done.results ?? []).length > 0, `${name}: result documents returned`)
    t.ok((done.results ?? []).every((r) => /^http:\/\/127\.0\.0\.1:\d+\/files\//.test(r.url) && /^[0-9a-f]{64}$/.test(r.sha256)), `${name}: results point to the agency's files, with digests`)
  }
  const land = codes.get('land-use-right-transfer') ?? ''
  const order = sims.deliveries.filter((d) => d.code === land).map((d) => d.step)
  t.same(order, ['land-registration', 'tax', 'land-certificate'], 'land transfer: land office → tax → land office')
  const birth = codes.get('birth-registration') ?? ''
  const birthOrder = sims.deliveries.filter((d) => d.code === birth).map((d) => d.step)
  t.equal(birthOrder[0], 'civil-status', 'birth: justice first')
  t.same(birthOrder.slice(1, 3).sort(), ['health-insurance', 'residence'], 'then residence and health insurance')
  t.same(birthOrder.slice(3), ['return'], 'then the result goes back by post')
  t.equal(sims.unauthorized, 0, 'every delivery carried valid credentials (bearer for the power company, HMAC for the land office)')
  t.ok(sims.events.length > 0 && sims.events.every((e) => e.answer === 201), `every progress report accepted (${sims.events.length})`)
  t.ok(sims.events.some((e) => e.status === 'supplement-requested'), 'some went through a supplement request')
  t.same(sims.events.filter((e) => e.status === 'payment-requested').map((e) => e.agency), ['tax', 'tax'], 'the tax authority asked for payment in both land routes')
})

t.test('a refusal by the simulated agency stops the dossier', async (t) => {
  const { hub, sims } = await journey(t, { rejectRate: 1 })
  const res = await post(asAdmin(hub), example('land-use-right-transfer'))
  const { code } = res.json<DossierSummary>()
  const done = await waitFor(async () => {
    const d = await dossier(hub, code)
    return d.status === 'not-accepted' || d.status === 'stopped' ? d : undefined
  }, 'refused', 20_000)
  t.equal(done.status, 'stopped', 'refused after being accepted: stopped')
  t.equal(done.routing?.tax?.state, 'cancelled')
  await deliveriesSettled(hub)
  t.same(sims.deliveries.filter((d) => d.code === code).map((d) => d.step), ['land-registration'], 'the tax authority never received it')
})

t.test('wrong credentials: the agency refuses (401) and the delivery fails visibly', async (t) => {
  const { hub, sims } = await journey(t, {
    change: (raw) => {
      process.env.HUB_TEST_WRONG_EVN_TOKEN = 'not-the-token'
      ;(raw.agencies.evn as { auth?: unknown }).auth = { type: 'bearer', secretEnv: 'HUB_TEST_WRONG_EVN_TOKEN' }
    }
  })
  const res = await post(asAdmin(hub), example('electricity-new-connection'))
  const { code } = res.json<DossierSummary>()
  const step = await waitFor(async () => {
    const r = await hub.store.routingState(code, 'evn')
    return r?.state === 'failed' ? r : undefined
  }, 'failed delivery')
  t.match(step.lastError, /HTTP 401/)
  t.ok(sims.unauthorized >= 1, 'the simulator refused it')
  t.equal(sims.deliveries.filter((d) => d.code === code).length, 0, 'and never took it in')
})

// ── without a hub: the postal service's tracking, and withdrawal notices ──────────────────────

const POSTAL_AGENCY = 'vnpost-test'
const CUSTOMER = 'C038000123'

/** The shipped agencies plus a postal service (bearer auth), as a hub config would name it. */
function withPostal (): HubSettings {
  process.env.HUB_TEST_VNPOST_TOKEN = 'vnpost-test-token'
  const raw = shippedConfig()
  ;(raw.agencies as Record<string, unknown>)[POSTAL_AGENCY] = {
    name: 'Bưu điện tỉnh Thanh Hóa (VNPost), bưu chính công ích',
    code: CUSTOMER,
    adapter: 'postal',
    endpoint: 'http://127.0.0.1:4199/vnpost/don-hang',
    auth: { type: 'bearer', secretEnv: 'HUB_TEST_VNPOST_TOKEN' }
  }
  return resolveHubConfig(raw, 'simulators test (postal)')
}

interface HubCall { code: string, authorization: string | undefined, body: { eventId: string, agency: string, step?: string, native?: unknown, report?: StatusReport }, at: number }

/** A stand-in for the hub: takes every event, answers 201, remembers it. */
async function tinyHub (t: Test): Promise<{ url: string, calls: HubCall[] }> {
  const calls: HubCall[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const m = /^\/v1\/dossiers\/([^/]+)\/events$/.exec(req.url ?? '')
      if (req.method !== 'POST' || m === null) { res.writeHead(404).end(); return }
      const headers: IncomingHttpHeaders = req.headers
      calls.push({ code: decodeURIComponent(m[1] ?? ''), authorization: headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as HubCall['body'], at: Date.now() })
      res.writeHead(201, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => { resolve() }))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls }
}

async function simulatorsFor (t: Test, hubUrl: string, o: Partial<SimulatorOptions> = {}): Promise<{ sims: Simulators, settings: HubSettings }> {
  const settings = withPostal()
  const sims = await startSimulators({ settings, hubUrl, keyFor: (agency) => `key-${agency}`, delayMs: 30, portOverride: () => 0, log: () => {}, ...o })
  t.teardown(async () => { await sims.close() })
  return { sims, settings }
}

function agencyOf (settings: HubSettings, id: string): ResolvedAgency {
  const a = settings.agencies.get(id)
  if (a === undefined) throw new Error(`no agency ${id}`)
  return a
}

/** Sends a request the way the hub's HTTP client does: path appended to the endpoint, JSON, credentials, Idempotency-Key. */
async function send (url: string, agency: ResolvedAgency, req: OutboundRequest, key: string, auth = agency.auth): Promise<{ status: number, body: unknown }> {
  const target = req.path === undefined ? url : new URL(req.path, url.endsWith('/') ? url : `${url}/`).href
  const body = JSON.stringify(req.body)
  const res = await request(target, { method: req.method, headers: { 'content-type': 'application/json', 'idempotency-key': key, ...authHeaders(auth, body, Date.now()) }, body })
  const text = await res.body.text()
  return { status: res.statusCode, body: text === '' ? undefined : JSON.parse(text) as unknown }
}

const postalCode = (n: number): string => `000.31.35.H56-261120-${String(n).padStart(4, '0')}`

/** The birth registration example (a postal return) with its results, ready for the return step. */
function postalDossier (code: string): DeliverableDossier {
  const submission = JSON.parse(readFileSync(fromRoot('schemas', 'examples', 'birth-registration.json'), 'utf8')) as DossierSubmission
  return {
    ...submission,
    code,
    status: 'resolved',
    statusCode: 9,
    receivedAt: '2026-11-20T09:16:40+07:00',
    results: [{ name: 'Giấy khai sinh (bản chính)', componentCode: 'KQ-KS-01', url: 'https://hotich.example.vn/ks.pdf', sha256: 'ab'.repeat(32), originalCopies: 1 }]
  }
}

function postalContext (code: string): OutboundContext {
  return { agencyId: POSTAL_AGENCY, agencyCode: CUSTOMER, idempotencyKey: `${code}/return`, dataSchema: 'birth-registration', step: { id: 'return', stage: 2, lead: false } }
}

const nativeValidators = createNativeValidators(adapters)

t.test('the dialects match the adapters: withdrawal paths, withdrawal notices, postal tracking updates', async (t) => {
  t.same(Object.keys(dialects).sort(), [...adapters.keys()].sort(), 'a simulator dialect per adapter')
  const notice: WithdrawalNotice = { dossierCode: '000.20.38.H56-261124-0007', step: 'land-certificate', reason: 'Rút hồ sơ', withdrawnAt: '2026-11-25T16:42:05+07:00' }
  const schemaOf: Record<string, string> = { electricity: 'electricity-new-connection', justice: 'birth-registration', land: 'land-use-right-transfer' }
  for (const [name, dialect] of Object.entries(dialects)) {
    const adapter = adapters.get(name)
    if (adapter === undefined) continue
    const req = adapter.withdrawal(notice, { agencyId: name, agencyCode: CUSTOMER, idempotencyKey: 'k', dataSchema: schemaOf[name] ?? 'birth-registration', step: { id: notice.step, stage: 0, lead: true } })
    t.equal(dialect.withdrawalPath, req.path, `${name}: the simulator listens where the adapter sends`)
    const w = dialect.parseWithdrawal(req.body)
    t.equal(w.code, notice.dossierCode, `${name}: reads the dossier code of the adapter's notice`)
    const golden = JSON.parse(readFileSync(goldenPath(`${name}-withdrawal.json`), 'utf8')) as unknown
    t.ok(dialect.parseWithdrawal(golden).code.length > 0, `${name}: reads the golden notice`)
    t.throws(() => dialect.parseWithdrawal({ unrelated: true }), `${name}: refuses something else`)
  }

  const postal = dialects.postal
  const validate = nativeValidators.get('postal')?.status
  if (postal?.journey === undefined || validate === undefined) throw new Error('no postal dialect, journey or validator')
  const d = { code: postalCode(1), step: 'return', receipt: s10(1), recipient: 'Nguyễn Thị Hoa' }
  t.match(s10(1), /^EB\d{9}VN$/, 'an S10 tracking number')
  t.equal(s10(12345678), 'EB123456785VN', 'with the UPU check digit')
  for (const [label, o] of [['delivered', { failure: false, refusal: false }], ['a failed attempt first', { failure: true, refusal: false }], ['returned', { failure: false, refusal: true }]] as const) {
    const steps = postal.journey(d, o)
    for (const step of steps) {
      const payload = step.payload('2026-11-26T08:30:00+07:00') as { native: PostalStatus }
      t.equal(validate(payload.native) ? '' : JSON.stringify(validate.errors), '', `${label}: ${payload.native.StatusCode} is a valid tracking update`)
      t.equal(postalAdapter.status(payload.native).report.status, step.status, `${label}: ${payload.native.StatusCode} maps to ${step.status}`)
    }
    t.equal(steps.at(-1)?.status, label === 'returned' ? 'rejected' : 'resolved', `${label}: how it ends`)
  }
  for (const report of [{ status: 'accepted' }, { status: 'processing', note: 'x' }, { status: 'resolved' }, { status: 'rejected', reason: 'Sai địa chỉ' }] as StatusReport[]) {
    const payload = postal.event(d, report, { agencyId: POSTAL_AGENCY }) as { native: PostalStatus }
    t.equal(validate(payload.native) ? '' : JSON.stringify(validate.errors), '', `event(${report.status}): valid`)
    t.equal(postalAdapter.status(payload.native).report.status, report.status, `event(${report.status}): maps back`)
  }
})

t.test('every simulated agency words each progress report in its adapter\'s native codes: valid, and mapped back to the same status', async (t) => {
  const reports: StatusReport[] = [
    { status: 'accepted' },
    { status: 'processing', note: 'Đang thẩm định' },
    { status: 'supplement-requested', missing: [{ name: 'Bản sao sổ đỏ', componentCode: 'TP-02' }] },
    { status: 'payment-requested', payment: { amount: 120_000, reference: 'TB-1' } },
    { status: 'rejected', reason: 'Không đủ điều kiện' },
    { status: 'resolved', results: [{ name: 'Kết quả', componentCode: 'KQ-01', url: 'https://ket-qua.example.vn/1.pdf', sha256: 'a'.repeat(64) }] }
  ]
  const delivered: Record<string, { kind: string, step: string, stage: number }> = {
    electricity: { kind: 'CAP_DIEN_MOI_HA_AP', step: 'evn', stage: 0 },
    land: { kind: 'CHUYEN_NHUONG', step: 'land-office', stage: 1 },
    justice: { kind: 'KS', step: 'justice', stage: 0 },
    generic: { kind: 'x', step: 'generic', stage: 0 },
    postal: { kind: 'BCCI_TKQ', step: 'return', stage: 0 }
  }
  for (const [name, dialect] of Object.entries(dialects)) {
    const adapter = adapters.get(name)
    const validate = nativeValidators.get(name)?.status
    const d = { code: '000.20.38.H56-261124-0007', receipt: name === 'postal' ? s10(1) : 'R-1', ...delivered[name] }
    if (adapter === undefined || validate === undefined) throw new Error(`no adapter or status validator for ${name}`)
    for (const report of reports) {
      const payload = dialect.event(d, { ...report, occurredAt: '2026-11-26T08:30:00+07:00' }, { agencyId: name })
      if (!('native' in payload)) {
        t.equal(payload.report.status, report.status, `${name} ${report.status}: reported canonically`)
        continue
      }
      t.equal(validate(payload.native) ? '' : JSON.stringify(validate.errors), '', `${name} ${report.status}: a valid native report`)
      t.equal(adapter.status(payload.native as never).report.status, report.status, `${name} ${report.status}: the adapter reads it back as ${report.status}`)
    }
  }
})

t.test('the postal simulator: a shipment gets a tracking number, then tracking updates in the native format', async (t) => {
  const hub = await tinyHub(t)
  let roll = 0
  const rolls = [0.1, 0.9]
  const { sims, settings } = await simulatorsFor(t, hub.url, { supplementRate: 0.5, rejectRate: 0, random: () => rolls[roll++ % rolls.length] ?? 0.9 })
  const agency = agencyOf(settings, POSTAL_AGENCY)
  const url = sims.urls.get(POSTAL_AGENCY)
  if (url === undefined) throw new Error('the postal agency is not simulated')
  t.match(url, /\/vnpost\/don-hang$/, 'listening at the configured path')

  const codes = [postalCode(11), postalCode(12)]
  const items: string[] = []
  for (const code of codes) {
    const req = postalAdapter.outbound(postalDossier(code), postalContext(code))
    const res = await send(url, agency, req, `${code}/return`)
    t.equal(res.status, 201, `${code}: shipment created`)
    const item = postalAdapter.receipt({ status: res.status, body: res.body })
    t.match(item, /^EB\d{9}VN$/, `${code}: the adapter reads the tracking number (${String(item)})`)
    t.match(res.body, { OrderNumber: code }, 'the answer repeats the order number')
    items.push(item ?? '')
  }
  const again = await send(url, agency, postalAdapter.outbound(postalDossier(codes[0] ?? ''), postalContext(codes[0] ?? '')), `${codes[0] ?? ''}/return`)
  t.equal(again.status, 200, 'a repeat (same Idempotency-Key) is answered, not shipped twice')
  t.equal(postalAdapter.receipt(again), items[0], 'with the same tracking number')
  t.equal(sims.duplicates, 1)
  const wrong = await send(url, agency, postalAdapter.outbound(postalDossier(postalCode(13)), postalContext(postalCode(13))), `${postalCode(13)}/return`, { type: 'bearer', secret: 'not-the-token' })
  t.equal(wrong.status, 401, 'wrong credentials: refused')

  await waitFor(() => codes.every((code) => hub.calls.some((c) => c.code === code && (c.body.native as PostalStatus | undefined)?.StatusCode === 400)), 'both delivered', 10_000)
  const validate = nativeValidators.get('postal')?.status
  if (validate === undefined) throw new Error('no postal status validator')
  const journeys = codes.map((code) => hub.calls.filter((c) => c.code === code))
  t.same(journeys[0]?.map((c) => (c.body.native as PostalStatus).StatusCode), [100, 200, 300, 500, 300, 400], 'the first: picked up, in transit, out for delivery, a failed attempt, out again, delivered')
  t.same(journeys[1]?.map((c) => (c.body.native as PostalStatus).StatusCode), [100, 200, 300, 400], 'the second: delivered at the first attempt')
  for (const [i, calls] of journeys.entries()) {
    for (const call of calls ?? []) {
      const native = call.body.native as PostalStatus
      t.equal(call.authorization, `Bearer key-${POSTAL_AGENCY}`, 'posted with the agency\'s key')
      t.match(call.body, { agency: POSTAL_AGENCY, step: 'return' }, 'for the return step')
      t.type(call.body.eventId, 'string')
      t.equal(validate(native) ? '' : JSON.stringify(validate.errors), '', `${native.StatusCode}: a valid postal-status update`)
      const mapped = postalAdapter.status(native)
      t.equal(mapped.dossierCode, codes[i], 'OrderNumber = the dossier code')
      t.equal(mapped.report.agencyReference, items[i], 'ItemCode = the tracking number it answered')
    }
  }
  const delivered = postalAdapter.status(journeys[0]?.at(-1)?.body.native as PostalStatus)
  t.equal(delivered.report.status, 'resolved')
  t.match(delivered.report.note, /Người ký nhận: Nguyễn Thị Hoa/, 'signed by the recipient the shipment named')
  // the simulator records an update once the hub's answer is back: a moment after the hub has it
  await waitFor(() => sims.events.filter((e) => e.agency === POSTAL_AGENCY).length >= 10, 'the simulator has every answer', 5_000)
  t.same(sims.events.filter((e) => e.agency === POSTAL_AGENCY).map((e) => e.answer), Array(10).fill(201), 'every update recorded with the hub\'s answer')
})

t.test('withdrawal: every simulated agency takes the notice at its adapter\'s path, drops repeats and posts nothing more', async (t) => {
  const hub = await tinyHub(t)
  const { sims, settings } = await simulatorsFor(t, hub.url, { supplementRate: 0, rejectRate: 0, delayMs: 60 })
  const notice = (code: string, step: string): WithdrawalNotice => ({ dossierCode: code, step, reason: 'Người nộp hồ sơ muốn nộp lại sau', withdrawnAt: '2026-11-25T16:42:05+07:00' })
  const schemaOf: Record<string, string> = { electricity: 'electricity-new-connection', justice: 'birth-registration', land: 'land-use-right-transfer' }
  let n = 0
  for (const [id, agency] of settings.agencies) {
    const url = sims.urls.get(id)
    const adapter = adapters.get(agency.adapter)
    if (url === undefined || adapter === undefined) continue
    n++
    const code = `000.20.38.H56-261125-${String(n).padStart(4, '0')}`
    const ctx: OutboundContext = { agencyId: id, ...(agency.code !== undefined && { agencyCode: agency.code }), idempotencyKey: `${code}/${id}/withdrawal`, dataSchema: schemaOf[agency.adapter] ?? 'birth-registration', step: { id, stage: 0, lead: true } }
    const req = adapter.withdrawal(notice(code, id), ctx)
    const first = await send(url, agency, req, ctx.idempotencyKey)
    t.equal(first.status, 200, `${id} (${agency.adapter}): notice taken at ${new URL(req.path ?? '', `${url}/`).pathname}`)
    const before = sims.duplicates
    t.equal((await send(url, agency, req, ctx.idempotencyKey)).status, 200, `${id}: a repeat is answered`)
    t.equal(sims.duplicates, before + 1, `${id}: and dropped`)
    if (agency.auth !== undefined) {
      t.equal((await send(url, agency, req, `${ctx.idempotencyKey}-x`, { type: agency.auth.type, secret: 'wrong' })).status, 401, `${id}: wrong credentials refused`)
    }
    t.equal((await send(url, agency, { ...req, body: { nothing: 'here' } }, `${ctx.idempotencyKey}-y`)).status, 400, `${id}: not a notice in its format`)
    t.match(sims.withdrawals.filter((w) => w.code === code), [{ agency: id, code, idempotencyKey: ctx.idempotencyKey }], `${id}: recorded once`)
  }
  t.ok(n >= 7, `${n} agencies checked`)

  // a delivered dossier withdrawn at once: no progress after the notice; another one goes on
  const land = agencyOf(settings, 'land-office')
  const landAdapter = adapters.get('land')
  const landUrl = sims.urls.get('land-office')
  if (landAdapter === undefined || landUrl === undefined) throw new Error('the land office is not simulated')
  const transfer = JSON.parse(readFileSync(fromRoot('schemas', 'examples', 'land-use-right-transfer.json'), 'utf8')) as DossierSubmission
  const step = { id: 'land-registration', stage: 0, lead: true }
  const ctx = (code: string): OutboundContext => ({ agencyId: 'land-office', idempotencyKey: `${code}/land-registration`, dataSchema: 'land-use-right-transfer', step })
  const [kept, dropped] = ['000.20.38.H56-261125-0101', '000.20.38.H56-261125-0102']
  for (const code of [kept, dropped] as string[]) {
    const res = await send(landUrl, land, landAdapter.outbound({ ...transfer, code, status: 'received', statusCode: 2, receivedAt: '2026-11-25T08:00:00+07:00' }, ctx(code)), ctx(code).idempotencyKey)
    t.equal(res.status, 201, `${code}: delivered`)
  }
  const w = await send(landUrl, land, landAdapter.withdrawal(notice(dropped ?? '', 'land-registration'), ctx(dropped ?? '')), `${dropped ?? ''}/land-registration/withdrawal`)
  t.equal(w.status, 200, 'withdrawn right after delivery')
  const withdrawnAt = Date.now()
  await waitFor(() => hub.calls.some((c) => c.code === kept && c.body.native !== undefined && (c.body.native as { MaTrangThai?: string }).MaTrangThai === 'CHUYEN_THUE'), 'the other dossier resolved', 10_000)
  // A check that nothing happens (bounded): both journeys were planned at the same moment, and the
  // kept one has reached its end; a little more for a report of the dropped one already on its way.
  // No state of the simulator says "this journey was cut short".
  await new Promise((resolve) => setTimeout(resolve, 120))
  t.same(hub.calls.filter((c) => c.code === dropped && c.at > withdrawnAt + 20), [], 'nothing posted for the withdrawn dossier after the notice')
  t.ok(hub.calls.filter((c) => c.code === kept).length >= 3, 'the other dossier\'s progress went on')
})

// ── supplement notices: the papers an agency asked for ────────────────────────────────────────

/** A supplement of two papers (one by address, one inline) for a dossier and step. */
function supplementNotice (dossierCode: string, step: string, sequence = 1): SupplementNotice {
  return {
    dossierCode,
    step,
    sequence,
    attachments: [
      { componentCode: 'TP-02', fileName: 'van-ban-uy-quyen.pdf', mediaType: 'application/pdf', byteSize: 248731, sha256: 'ab'.repeat(32), url: `https://dichvucong.thanhhoa.gov.vn/files/${dossierCode}/van-ban-uy-quyen.pdf` },
      { componentCode: 'TP-01', fileName: 'cccd.pdf', mediaType: 'application/pdf', byteSize: 5, sha256: createHashHex('%PDF-'), contentBase64: Buffer.from('%PDF-').toString('base64') }
    ],
    note: 'Đã bổ sung theo yêu cầu',
    submittedAt: '2026-11-27T09:30:15+07:00'
  }
}

function createHashHex (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

const SUPPLEMENT_SCHEMA_OF: Record<string, string> = { electricity: 'electricity-new-connection', justice: 'birth-registration', land: 'land-use-right-transfer' }

t.test('the dialects match the adapters: supplement paths and notices; the postal service takes none', async (t) => {
  for (const [name, dialect] of Object.entries(dialects)) {
    const adapter = adapters.get(name)
    if (adapter === undefined) continue
    const notice = supplementNotice('000.20.38.H56-261127-0007', 'land-registration', 2)
    const ctx: OutboundContext = { agencyId: name, agencyCode: CUSTOMER, idempotencyKey: 'k', dataSchema: SUPPLEMENT_SCHEMA_OF[name] ?? 'birth-registration', step: { id: notice.step, stage: 0, lead: true } }
    if (name === 'postal') {
      t.equal(dialect.supplement, undefined, 'postal: the simulator takes no supplements')
      t.throws(() => adapter.supplement(notice, ctx), { name: 'AdapterMappingError' }, 'postal: nor does the adapter send any')
      continue
    }
    const intake = dialect.supplement
    if (intake === undefined) { t.fail(`${name}: no supplement intake`); continue }
    const req = adapter.supplement(notice, ctx)
    t.equal(intake.path, req.path, `${name}: the simulator listens where the adapter sends (${intake.path})`)
    t.not(intake.path, dialect.withdrawalPath, `${name}: not where withdrawals go`)
    const s = intake.parse(req.body)
    t.equal(s.code, notice.dossierCode, `${name}: reads the dossier code of the adapter's notice`)
    t.equal(s.sequence, 2, `${name}: reads the supplement's number`)
    if (name !== 'electricity') t.equal(s.step, notice.step, `${name}: reads the step`)
    const golden = JSON.parse(readFileSync(goldenPath(`${name}-supplement.json`), 'utf8')) as unknown
    t.ok(intake.parse(golden).code.length > 0, `${name}: reads the golden notice`)
    t.throws(() => intake.parse({ unrelated: true }), `${name}: refuses something else`)
    const validate = nativeValidators.get(name)?.supplement
    if (validate !== undefined) t.equal(validate(req.body) ? '' : JSON.stringify(validate.errors), '', `${name}: the notice is valid against the hub's native validator`)
  }
})

t.test('supplement: every simulated agency that takes supplements takes the notice at its adapter\'s path, records it and drops repeats', async (t) => {
  const hub = await tinyHub(t)
  const { sims, settings } = await simulatorsFor(t, hub.url, { supplementRate: 0, rejectRate: 0 })
  let n = 0
  let taking = 0
  for (const [id, agency] of settings.agencies) {
    const url = sims.urls.get(id)
    const adapter = adapters.get(agency.adapter)
    if (url === undefined || adapter === undefined) continue
    n++
    const code = `000.20.38.H56-261127-${String(n).padStart(4, '0')}`
    const ctx: OutboundContext = { agencyId: id, ...(agency.code !== undefined && { agencyCode: agency.code }), idempotencyKey: `${code}/${id}/supplement-1`, dataSchema: SUPPLEMENT_SCHEMA_OF[agency.adapter] ?? 'birth-registration', step: { id, stage: 0, lead: true } }
    if (agency.adapter === 'postal') {
      t.throws(() => adapter.supplement(supplementNotice(code, id), ctx), { name: 'AdapterMappingError' }, `${id}: the postal service takes no supplements`)
      continue
    }
    taking++
    const req = adapter.supplement(supplementNotice(code, id), ctx)
    const first = await send(url, agency, req, ctx.idempotencyKey)
    t.equal(first.status, 200, `${id} (${agency.adapter}): notice taken at ${new URL(req.path ?? '', `${url}/`).pathname}`)
    t.same(first.body, { received: true }, `${id}: answered { received: true }`)
    const before = sims.duplicates
    t.equal((await send(url, agency, req, ctx.idempotencyKey)).status, 200, `${id}: a repeat is answered`)
    t.equal(sims.duplicates, before + 1, `${id}: and dropped`)
    if (agency.auth !== undefined) {
      t.equal((await send(url, agency, req, `${ctx.idempotencyKey}-x`, { type: agency.auth.type, secret: 'wrong' })).status, 401, `${id}: wrong credentials refused`)
    }
    t.equal((await send(url, agency, { ...req, body: { nothing: 'here' } }, `${ctx.idempotencyKey}-y`)).status, 400, `${id}: not a notice in its format`)
    const second = adapter.supplement(supplementNotice(code, id, 2), { ...ctx, idempotencyKey: `${code}/${id}/supplement-2` })
    t.equal((await send(url, agency, second, `${code}/${id}/supplement-2`)).status, 200, `${id}: a second supplement is taken too`)
    const step = agency.adapter === 'electricity' ? {} : { step: id }
    t.match(sims.supplements.filter((s) => s.code === code), [
      { agency: id, code, ...step, sequence: 1, idempotencyKey: ctx.idempotencyKey },
      { agency: id, code, ...step, sequence: 2, idempotencyKey: `${code}/${id}/supplement-2` }
    ], `${id}: each supplement recorded once, with its number`)
    t.equal(sims.supplements.filter((s) => s.code === code).length, 2, `${id}: no more`)
    t.same(sims.withdrawals.filter((w) => w.code === code), [], `${id}: not taken for a withdrawal`)
    t.same(sims.deliveries.filter((d) => d.code === code), [], `${id}: nor for a delivery`)
  }
  t.ok(n >= 7, `${n} agencies checked`)
  t.ok(taking >= 6 && taking < n, `${taking} take supplements, the postal services do not`)
  t.equal(sims.supplements.length, 2 * taking, 'two supplements per agency that takes them')
  t.same(hub.calls, [], 'a supplement makes the simulator post nothing by itself')
})

t.test('payment: every simulated agency that asks for fees takes the notice in its own format at its adapter\'s path, records it and drops repeats', async (t) => {
  const hub = await tinyHub(t)
  const { sims, settings } = await simulatorsFor(t, hub.url, { supplementRate: 0, rejectRate: 0 })
  const notice = (dossierCode: string, step: string): PaymentNotice => ({
    dossierCode,
    step,
    reference: 'LT261204ABCDEFGHIJ',
    amount: 250_000,
    lines: [{ code: 'LP-01', name: 'Lệ phí', amount: 50_000 }, { name: 'Phí thẩm định', amount: 200_000 }],
    provider: 'vnpay',
    transactionNo: '14729981',
    receiptNumber: 'BL-0000321/2026',
    paidAt: '2026-12-04T10:00:00+07:00'
  })
  let n = 0
  let taking = 0
  for (const [id, agency] of settings.agencies) {
    const url = sims.urls.get(id)
    const adapter = adapters.get(agency.adapter)
    if (url === undefined || adapter === undefined) continue
    n++
    const code = `000.20.38.H56-261204-${String(n).padStart(4, '0')}`
    const key = `${code}/${id}/payment-LT261204ABCDEFGHIJ`
    const ctx: OutboundContext = { agencyId: id, ...(agency.code !== undefined && { agencyCode: agency.code }), idempotencyKey: key, dataSchema: SUPPLEMENT_SCHEMA_OF[agency.adapter] ?? 'birth-registration', step: { id, stage: 0, lead: true } }
    if (agency.adapter === 'postal') {
      t.throws(() => adapter.payment(notice(code, id), ctx), { name: 'AdapterMappingError' }, `${id}: the postal service asks for no fees`)
      continue
    }
    taking++
    const req = adapter.payment(notice(code, id), ctx)
    const first = await send(url, agency, req, key)
    t.equal(first.status, 200, `${id} (${agency.adapter}): notice taken at ${new URL(req.path ?? '', `${url}/`).pathname}`)
    const before = sims.duplicates
    t.equal((await send(url, agency, req, key)).status, 200, `${id}: a repeat is answered`)
    t.equal(sims.duplicates, before + 1, `${id}: and dropped`)
    t.equal((await send(url, agency, { ...req, body: { nothing: 'here' } }, `${key}-y`)).status, 400, `${id}: not a notice in its format`)
    t.match(sims.payments.filter((p) => p.code === code), [{ agency: id, code, reference: 'LT261204ABCDEFGHIJ', amount: 250_000, receiptNumber: 'BL-0000321/2026', idempotencyKey: key }], `${id}: recorded once, with the amount and the e-receipt`)
    t.same(sims.deliveries.filter((d) => d.code === code), [], `${id}: not taken for a delivery`)
  }
  t.ok(n >= 7, `${n} agencies checked`)
  t.ok(taking >= 6 && taking < n, `${taking} take payment notices, the postal services do not`)
  t.equal(sims.payments.length, taking, 'one per agency that takes them')
  t.same(hub.calls, [], 'a payment notice makes the simulator post nothing by itself')
})

t.test('pickup: the post office checks the hub\'s credentials first, takes the request in its format, answers a repeat with the same tracking number', async (t) => {
  const hub = await tinyHub(t)
  const { sims, settings } = await simulatorsFor(t, hub.url)
  const agency = agencyOf(settings, POSTAL_AGENCY)
  const url = sims.urls.get(POSTAL_AGENCY) ?? ''
  const code = postalCode(91)
  const req = postalAdapter.pickup?.({
    dossierCode: code,
    procedureName: 'Đăng ký khai sinh',
    desk: { code: '000.31.35.H56', name: 'Bộ phận một cửa' },
    contactName: 'Trần Văn Bình',
    phone: '+84987654321',
    address: { provinceCode: '38', wardCode: '14758', line: 'Số 8, ngõ 45, đường Bà Triệu' },
    provincePaysPostage: true
  }, { agencyId: POSTAL_AGENCY, agencyCode: CUSTOMER })
  if (req === undefined) throw new Error('the postal adapter takes no pickups')
  const key = `${code}/pickup`
  const forged = await send(url, agency, req, key, { type: 'bearer', secret: 'not-the-token' })
  t.equal(forged.status, 401, 'wrong credentials: 401')
  const bare = await request(new URL(req.path ?? '', `${url}/`).href, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(req.body) })
  await bare.body.text()
  t.equal(bare.statusCode, 401, 'none: 401')
  t.equal(sims.unauthorized, 2, 'counted')
  t.same(sims.pickups, [], 'and not ordered')
  const first = await send(url, agency, req, key)
  t.equal(first.status, 201, 'with the right ones: ordered')
  const item = (first.body as { ItemCode?: string }).ItemCode
  t.match(item, /^[A-Z]{2}\d{9}VN$/, 'a tracking number (S10)')
  const again = await send(url, agency, req, key)
  t.same(again, first, 'a repeat (same Idempotency-Key): the same answer')
  t.equal(sims.duplicates, 1, 'dropped')
  t.match(sims.pickups, [{ agency: POSTAL_AGENCY, code, itemCode: item, idempotencyKey: key }], 'recorded once')
  t.equal(sims.pickups.length, 1)
  t.equal((await send(url, agency, { ...req, body: { nothing: 'here' } }, `${key}-x`)).status, 400, 'not a pickup request: 400')
})

t.test('simulators leave alone the endpoints they are not asked to serve (SIM_AGENCIES)', async (t) => {
  const { sims, settings } = await simulatorsFor(t, 'http://127.0.0.1:9', { only: new Set(['evn', 'tax']) })
  t.same([...sims.urls.keys()].sort(), ['evn', 'tax'], 'only the agencies named')
  t.ok(settings.agencies.size > 2, 'of a config with more local agencies')
  // the command line: a name the config lacks is one line and exit 1, before anything listens
  const { spawnSync } = await import('node:child_process')
  const run = spawnSync(process.execPath, ['--import=tsx', fromRoot('scripts', 'agencies.ts')], { env: { ...process.env, SIM_AGENCIES: 'evn,no-such-agency' }, encoding: 'utf8', timeout: 60_000 })
  t.equal(run.status, 1, 'exits 1')
  t.match(run.stderr, /SIM_AGENCIES names no-such-agency, not in the hub config/, 'naming what is wrong')
  t.equal(run.stderr.trim().split('\n').length, 1, 'in one line')
})
