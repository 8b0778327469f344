/**
 * The hub as a real process: `npm start`'s entry point serving /docs, the API and worker roles
 * as separate processes sharing one Redis, SIGTERM letting an in-flight delivery finish, and
 * `npm run agencies` (the simulators) taking deliveries from the hub process and reporting back.
 */
import t from 'tap'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { request } from 'undici'
import { answerJson, example, freePort, startAgency, waitFor, REDIS_URL } from '../helper.ts'
import { portalKey, startHub, submit, withPrefix, writeConfig } from '../process-helper.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { Keys } from '../../src/store/keys.ts'
import { deliveryQueueName } from '../../src/queues/delivery-queues.ts'

t.test('npm start\'s entry point: serves /docs and the API, delivers, and SIGTERM lets the in-flight delivery finish', async (t) => {
  let release: (() => void) | undefined
  const agency = await startAgency(t, async (_req, res) => {
    await new Promise<void>((resolve) => { release = resolve })
    answerJson(res, 201, { maTiepNhan: 'EVN-SLOW-1' })
  })
  const { prefix, databaseUrl, store, clients } = await withPrefix(t)
  const key = await portalKey(clients)
  const port = await freePort()
  const hub = startHub(t, { PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl, HUB_CONFIG: writeConfig(t, agency.url) })
  await waitFor(() => hub.output().includes('"hub started"'), 'the hub to start', 45_000)

  const docs = await request(`http://127.0.0.1:${port}/docs/json`)
  t.equal(docs.statusCode, 200, '/docs/json answers')
  t.equal((await docs.body.json() as { openapi: string }).openapi, '3.1.0')

  const { status, body } = await submit(port, 'electricity-new-connection', key)
  t.equal(status, 201)
  await waitFor(() => agency.requests.length === 1, 'the delivery to reach the agency')

  hub.child.kill('SIGTERM')
  // the agency answers only after the hub has begun to close: the delivery is in flight
  await waitFor(() => hub.output().includes('"closing gracefully'), 'the hub to begin its close', 10_000)
  t.equal(hub.child.exitCode, null, 'the hub waits for the in-flight delivery')
  release?.()
  t.equal(await hub.exited, 0, 'exits 0 after a graceful close')
  t.match(hub.output(), /"closing gracefully/)
  const state = await store.routingState(body.code, 'evn')
  t.equal(state?.state, 'delivered', 'the in-flight delivery was finished and recorded')
  t.equal(state?.agencyReference, 'EVN-SLOW-1')
})

t.test('API and worker as separate processes on one Redis', async (t) => {
  const agency = await startAgency(t)
  const { prefix, databaseUrl, store, clients } = await withPrefix(t)
  const key = await portalKey(clients)
  const config = writeConfig(t, agency.url)
  const port = await freePort()
  const env = { REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl, HUB_CONFIG: config }
  const api = startHub(t, { ...env, PORT: String(port) }, ['--role=api'])
  await waitFor(() => api.output().includes('"hub started"'), 'the API to start', 45_000)
  t.match(api.output(), /"role":"api"/)

  const { status, body } = await submit(port, 'birth-registration', key)
  t.equal(status, 201)
  // the API has handed the delivery to its queue: only a worker could take it from there
  const redis = new Redis(REDIS_URL)
  const queue = new Queue(deliveryQueueName('justice'), { connection: redis, prefix: new Keys(prefix).queuePrefix })
  t.teardown(async () => { await queue.close(); await redis.quit() })
  await waitFor(async () => Object.values(await queue.getJobCounts('wait', 'prioritized', 'delayed')).some((n) => n > 0) ? true : undefined, 'the delivery queued', 10_000)
  t.equal(agency.requests.length, 0, 'the API alone delivers nothing')
  t.equal((await store.routingState(body.code, 'justice'))?.state, 'pending')

  const worker = startHub(t, { ...env, HUB_ROLE: 'worker' })
  await waitFor(() => worker.output().includes('"hub started"'), 'the worker to start', 45_000)
  t.match(worker.output(), /"role":"worker"/)
  t.notMatch(worker.output(), /Server listening/, 'the worker does not listen')
  await waitFor(async () => (await store.routingState(body.code, 'justice'))?.state === 'delivered', 'the worker to deliver', 15_000)
  t.equal(agency.requests.length, 1)

  api.child.kill('SIGTERM')
  worker.child.kill('SIGTERM')
  t.equal(await api.exited, 0)
  t.equal(await worker.exited, 0)
})

t.test('npm run agencies: simulators for the configured agencies take deliveries and post progress back to the hub process', async (t) => {
  const { prefix, databaseUrl, store } = await withPrefix(t)
  const [port, evnPort, justicePort, dvcqgPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const file = join(t.testdir(), 'hub.json')
  const retry = { attempts: 3, baseDelayMs: 50, maxDelayMs: 1000 }
  writeFileSync(file, JSON.stringify({
    nationalPortal: { endpoint: `http://127.0.0.1:${dvcqgPort}/dvcqg/dong-bo-ho-so`, retry },
    agencies: {
      evn: { name: 'EVN', adapter: 'electricity', endpoint: `http://127.0.0.1:${evnPort}/evn`, retry },
      justice: { name: 'Sở Tư pháp', adapter: 'justice', endpoint: `http://127.0.0.1:${justicePort}/hotich`, retry }
    },
    procedures: {
      '1.001193.000.00.00.H56': { name: 'Đăng ký khai sinh', dataSchema: 'birth-registration', agencies: ['justice'] },
      '9.000001.000.00.00.H56': { name: 'Cấp điện mới', dataSchema: 'electricity-new-connection', agencies: ['evn'] }
    }
  }))
  // the hub writes the development clients' keys (HUB_DEV_CLIENTS); the simulators read them
  const keysFile = join(dirname(file), 'dev-clients.json')
  const agencies = startHub(t, { HUB_CONFIG: file, HUB_URL: `http://127.0.0.1:${port}`, SIM_DELAY_MS: '50', SIM_SUPPLEMENT_RATE: '0', SIM_KEYS_FILE: keysFile }, [], 'scripts/agencies.ts')
  await waitFor(() => agencies.output().includes('justice simulated at'), 'the simulators to start', 45_000)
  t.match(agencies.output(), new RegExp(`evn simulated at http://127\\.0\\.0\\.1:${evnPort}/evn`))
  await waitFor(() => agencies.output().includes('national portal dossier sync simulated at'), 'the DVCQG simulator to start', 45_000)
  const hub = startHub(t, { PORT: String(port), REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl, HUB_CONFIG: file, HUB_DEV_CLIENTS: keysFile })
  await waitFor(() => hub.output().includes('"hub started"'), 'the hub to start', 45_000)
  const devKeys = JSON.parse(readFileSync(keysFile, 'utf8')) as { portal: string, agencies: Record<string, string> }
  t.same(Object.keys(devKeys.agencies).sort(), ['evn', 'justice'], 'a development key per agency')
  t.equal((statSync(keysFile).mode & 0o777).toString(8), '600', 'readable by its owner only')

  const codes = await Promise.all((['birth-registration', 'electricity-new-connection'] as const).map(async (name) => {
    const { status, body } = await submit(port, name, devKeys.portal)
    t.equal(status, 201, `${name} received`)
    return body.code
  }))
  for (const code of codes) {
    await waitFor(async () => (await store.get(code))?.status === 'resolved', `${code} resolved by the simulated agency`, 20_000)
  }
  t.match(agencies.output(), /justice: received .* receipt JUSTICE-/, 'the simulators print each delivery')
  // the simulator prints its line once the hub's answer is back: a moment after the hub stored it
  await waitFor(() => /→ resolved \(hub answered 201\)/.test(agencies.output()), 'the simulators to print the hub\'s answer')
  t.match(agencies.output(), /→ resolved \(hub answered 201\)/, 'and each report with the hub\'s answer')
  for (const code of codes) {
    await waitFor(() => agencies.output().includes(`[dvcqg] ${code} #1 tiếp nhận: trạng thái 2`), `${code}'s receipt synced to the simulated DVCQG`, 20_000)
    await waitFor(() => new RegExp(`\\[dvcqg\\] ${code.replace(/\./g, '\\.')} #\\d+ cập nhật: trạng thái 9`).test(agencies.output()), `${code}'s resolution synced`, 20_000)
  }
  agencies.child.kill('SIGTERM')
  hub.child.kill('SIGTERM')
  t.equal(await agencies.exited, 0, 'the simulators stop on SIGTERM')
  t.equal(await hub.exited, 0)
})

t.test('npm run agencies: a broken hub config is reported and exits 1', async (t) => {
  const file = join(t.testdir(), 'hub.json')
  writeFileSync(file, JSON.stringify({ agencies: {}, procedures: {} }))
  const agencies = startHub(t, { HUB_CONFIG: file }, [], 'scripts/agencies.ts')
  t.equal(await agencies.exited, 1)
  t.match(agencies.output(), /configuration is invalid/)
})

t.test('one API and two worker processes on one Redis: every dossier delivered once, the load shared', async (t) => {
  const seen = new Map<string, number>()
  const agency = await startAgency(t, async (req, res) => {
    const key = String(req.headers['idempotency-key'])
    seen.set(key, (seen.get(key) ?? 0) + 1)
    await new Promise((resolve) => setTimeout(resolve, 30)) // a real agency takes a moment: both workers get work
    answerJson(res, 201, { maTiepNhan: `EVN-${seen.size}` })
  })
  const { prefix, databaseUrl, store, clients } = await withPrefix(t)
  const key = await portalKey(clients)
  const config = writeConfig(t, agency.url)
  const port = await freePort()
  const env = { REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl, HUB_CONFIG: config, LOG_LEVEL: 'info' }
  const api = startHub(t, { ...env, PORT: String(port) }, ['--role=api'])
  const workers = [startHub(t, { ...env, HUB_ROLE: 'worker' }), startHub(t, { ...env, HUB_ROLE: 'worker' })]
  await waitFor(() => [api, ...workers].every((p) => p.output().includes('"hub started"')), 'three processes to start', 60_000)

  const codes: string[] = []
  for (let i = 0; i < 40; i++) {
    const s = example('electricity-new-connection')
    s.source.reference = `MP-${i}`
    const res = await request(`http://127.0.0.1:${port}/v1/dossiers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(s) })
    t.equal(res.statusCode, 201)
    codes.push((await res.body.json() as DossierSummary).code)
  }
  await waitFor(async () => {
    for (const code of codes) if ((await store.routingState(code, 'evn'))?.state !== 'delivered') return false
    return true
  }, 'every dossier delivered', 30_000)

  t.equal(seen.size, 40, 'forty deliveries')
  t.ok([...seen.values()].every((n) => n === 1), 'none delivered twice')
  // a worker logs "delivered" just after it records the state: give the last lines a moment to arrive
  const counts = (): number[] => workers.map((w) => (w.output().match(/"msg":"delivered"/g) ?? []).length)
  await waitFor(() => counts().reduce((a, b) => a + b, 0) >= 40 ? true : undefined, 'every delivery logged', 5000).catch(() => undefined)
  const deliveredBy = counts()
  t.equal(deliveredBy[0]! + deliveredBy[1]!, 40, `the two workers delivered them all (${deliveredBy.join(' + ')})`)
  t.ok(deliveredBy.every((n) => n > 0), 'both took a share')
  for (const p of [api, ...workers]) p.child.kill('SIGTERM')
  for (const p of [api, ...workers]) t.equal(await p.exited, 0)
})
