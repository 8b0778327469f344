/**
 * The hub's credential to the national personal data store (hub config nationalDataStore.auth):
 * sent on every fetch and sync by the store's client, checked by the simulator when it is given
 * one. Real servers on 127.0.0.1; a wrong or missing credential is a 401 the hub answers as the
 * store being unavailable (503), a sync it retries.
 */
import t from 'tap'
import { demoDocuments, startNationalStore } from '../../adapters/national-data-store/simulator.ts'
import { nationalStoreFetch } from '../../src/delivery/national-store.ts'
import { NationalStoreUnavailableError } from '../../src/errors.ts'
import { resolveHubConfig } from '../../src/config/hub-config.ts'
import { build, example, post, shippedConfig, startAgency, testSettings, waitFor, asPortal, asAdmin } from '../helper.ts'
import { toVietnamIso } from '../../src/domain/vietnam-time.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'

t.test('a bearer token or an API key is sent on every fetch; the simulator refuses a call without it', async (t) => {
  for (const auth of [{ type: 'bearer' as const, header: 'authorization', secret: 'tok-bearer-123' }, { type: 'api-key' as const, header: 'x-kho-key', secret: 'key-456' }]) {
    const store = await startNationalStore({ seed: demoDocuments, auth })
    t.teardown(store.close)
    const [demo] = demoDocuments(store.url)
    const ref = demo?.MaGiayTo as string
    const good = nationalStoreFetch({ endpoint: store.url, timeoutMs: 2000, auth })
    t.match(await good(ref), { nationalStoreReference: ref, holder: demo?.SoDinhDanh }, `${auth.type}: fetched with the credential`)
    const none = nationalStoreFetch({ endpoint: store.url, timeoutMs: 2000 })
    await t.rejects(none(ref), NationalStoreUnavailableError, `${auth.type}: without it, the store refuses (401) and the hub says unavailable`)
    const wrong = nationalStoreFetch({ endpoint: store.url, timeoutMs: 2000, auth: { ...auth, secret: `${auth.secret}x` } })
    await t.rejects(wrong(ref), /answered 401/, `${auth.type}: a wrong one is refused too`)
    t.same(store.fetched, [ref], `${auth.type}: only the call with the credential reached the store`)
    t.equal(store.unauthorized.length, 2, `${auth.type}: two refused`)
  }
  // without a configured credential the simulator asks none (the shipped demo without auth)
  const open = await startNationalStore({ seed: demoDocuments })
  t.teardown(open.close)
  const [demo] = demoDocuments(open.url)
  t.ok(await nationalStoreFetch({ endpoint: open.url, timeoutMs: 2000 })(demo?.MaGiayTo as string), 'no credential asked when none is configured')
})

t.test('the hub config: the secret from a file or the environment, the header of an API key', async (t) => {
  const base = shippedConfig() as Record<string, unknown>
  const withAuth = (auth: Record<string, unknown>): Record<string, unknown> => ({ ...base, nationalDataStore: { endpoint: 'http://127.0.0.1:4109', auth } })
  const apiKey = resolveHubConfig(withAuth({ type: 'api-key', secretEnv: 'KHO_KEY' }) as never, 'test', { env: { KHO_KEY: ' k-1 ' } })
  t.same(apiKey.nationalDataStore?.auth, { type: 'api-key', header: 'x-api-key', secret: 'k-1' }, 'api-key: X-API-Key by default, the secret trimmed')
  const named = resolveHubConfig(withAuth({ type: 'api-key', header: 'X-Kho-Key', secretEnv: 'KHO_KEY' }) as never, 'test', { env: { KHO_KEY: 'k-2' } })
  t.equal(named.nationalDataStore?.auth?.header, 'x-kho-key', 'a header of its own')
  const shipped = resolveHubConfig(base as never, 'test', { env: {} })
  t.equal(shipped.nationalDataStore?.auth?.type, 'api-key', 'the shipped config gives the demo store a development key')
  t.throws(() => resolveHubConfig(withAuth({ type: 'bearer', header: 'X-A', secretEnv: 'KHO_KEY' }) as never, 'test', { env: { KHO_KEY: 'x' } }), /nationalDataStore\/auth\/header is for type api-key only/)
  t.throws(() => resolveHubConfig(withAuth({ type: 'bearer', secretEnv: 'KHO_MISSING' }) as never, 'test', { env: {} }), /nationalDataStore\/auth\/secretEnv names the environment variable KHO_MISSING, which is not set/)
  t.throws(() => resolveHubConfig(withAuth({ type: 'bearer' }) as never, 'test', { env: {} }), /nationalDataStore\/auth must give exactly one of secretEnv and secretFile/)
})

t.test('through the hub: a reuse fetched and a result synced with the credential', async (t) => {
  const auth = { type: 'bearer' as const, header: 'authorization', secret: 'hub-to-kho-token' }
  const store = await startNationalStore({ seed: demoDocuments, auth })
  t.teardown(store.close)
  const agency = await startAgency(t)
  const hub = await build(t, { settings: { ...testSettings({ agencyUrl: agency.url }), nationalDataStore: { endpoint: store.url, timeoutMs: 2000, auth } }, dataStoreSyncIntervalMs: 200 })
  const [demo] = demoDocuments(store.url)
  const s = example('child-residence-insurance')
  s.source = { system: 'dvc-thanhhoa', reference: 'KHO-AUTH-1' }
  s.attachments = [...(s.attachments ?? []), { componentCode: 'TT-02', reuse: { nationalStoreReference: demo?.MaGiayTo, consent: { given: true, at: toVietnamIso(new Date(Date.now() - 60_000)) } } } as never]
  const res = await post(asPortal(hub), s)
  t.equal(res.statusCode, 201, res.body)
  t.same(store.fetched, [demo?.MaGiayTo], 'fetched with the credential')
  const birth = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>().code
  await waitFor(() => agency.requests.some((r) => r.path === '/justice'), 'justice delivered')
  const report = { eventId: 'kho-auth-1', agency: 'justice', report: { status: 'resolved', results: [{ name: 'Giấy khai sinh', componentCode: 'KQ-KS', url: 'https://hotich.example.vn/gks.pdf', sha256: 'a'.repeat(64), holder: '038226001234' }] } }
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${birth}/events`, payload: report })).statusCode, 201)
  await waitFor(() => [...store.documents.values()].some((d) => d.MaHoSo === birth), 'the result synced, with the credential')
  t.same(store.unauthorized, [], 'nothing refused')
})
