/**
 * The whole journey, as a newcomer sees it with `npm run demo`: the shipped config (real adapters,
 * real outbound auth with the development secrets), the agency simulators speaking each agency's
 * native format and posting progress back over HTTP, and the hub listening on a real port. Every
 * example dossier must reach `resolved`, through the right agencies, in the right order.
 */
import t from 'tap'
import type { Test } from 'tap'
import { readdirSync } from 'node:fs'
import { build, example, post, shippedConfig, waitFor, type ExampleName, type TestHub } from './helper.ts'
import { resolveHubConfig, type HubSettings } from '../src/config/hub-config.ts'
import { startSimulators, type Simulators } from '../scripts/simulators/index.ts'
import { fromRoot } from '../src/paths.ts'
import type { Dossier, DossierSummary } from '../src/types/schemas.generated.ts'

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
  return (await hub.app.inject({ url: `/v1/dossiers/${code}` })).json<Dossier>()
}

const examples = readdirSync(fromRoot('schemas', 'examples')).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '') as ExampleName).sort()

t.test('every example dossier reaches resolved through the right agencies, in the right order', async (t) => {
  const { hub, sims } = await journey(t, { supplementRate: 0.4 })
  t.ok(examples.length >= 8, `${examples.length} examples`)
  const codes = new Map<ExampleName, string>()
  for (const name of examples) {
    const res = await post(hub.app, example(name))
    t.equal(res.statusCode, 201, `${name}: received`)
    codes.set(name, res.json<DossierSummary>().code)
  }
  for (const [name, code] of codes) {
    const done = await waitFor(async () => {
      const d = await dossier(hub, code)
      return d.status === 'resolved' || d.status === 'stopped' || d.status === 'not-accepted' ? d : undefined
    }, `${name} resolved`, 60_000)
    t.equal(done.status, 'resolved', `${name}: resolved`)
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
  t.same(birthOrder.slice(1).sort(), ['health-insurance', 'residence'], 'then residence and health insurance')
  t.equal(sims.unauthorized, 0, 'every delivery carried valid credentials (bearer for the power company, HMAC for the land office)')
  t.ok(sims.events.length > 0 && sims.events.every((e) => e.answer === 201), `every progress report accepted (${sims.events.length})`)
  t.ok(sims.events.some((e) => e.status === 'supplement-requested'), 'some went through a supplement request')
  t.same(sims.events.filter((e) => e.status === 'payment-requested').map((e) => e.agency), ['tax', 'tax'], 'the tax authority asked for payment in both land routes')
})

t.test('a refusal by the simulated agency stops the dossier', async (t) => {
  const { hub, sims } = await journey(t, { rejectRate: 1 })
  const res = await post(hub.app, example('land-use-right-transfer'))
  const { code } = res.json<DossierSummary>()
  const done = await waitFor(async () => {
    const d = await dossier(hub, code)
    return d.status === 'not-accepted' || d.status === 'stopped' ? d : undefined
  }, 'refused', 20_000)
  t.equal(done.status, 'stopped', 'refused after being accepted: stopped')
  t.equal(done.routing?.tax?.state, 'cancelled')
  await new Promise((r) => setTimeout(r, 200))
  t.same(sims.deliveries.filter((d) => d.code === code).map((d) => d.step), ['land-registration'], 'the tax authority never received it')
})

t.test('wrong credentials: the agency refuses (401) and the delivery fails visibly', async (t) => {
  const { hub, sims } = await journey(t, {
    change: (raw) => {
      process.env.HUB_TEST_WRONG_EVN_TOKEN = 'not-the-token'
      ;(raw.agencies.evn as { auth?: unknown }).auth = { type: 'bearer', secretEnv: 'HUB_TEST_WRONG_EVN_TOKEN' }
    }
  })
  const res = await post(hub.app, example('electricity-new-connection'))
  const { code } = res.json<DossierSummary>()
  const step = await waitFor(async () => {
    const r = await hub.store.routingState(code, 'evn')
    return r?.state === 'failed' ? r : undefined
  }, 'failed delivery')
  t.match(step.lastError, /HTTP 401/)
  t.ok(sims.unauthorized >= 1, 'the simulator refused it')
  t.equal(sims.deliveries.filter((d) => d.code === code).length, 0, 'and never took it in')
})
