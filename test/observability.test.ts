/**
 * /health, /ready and /metrics: liveness without a key, readiness that fails visibly when Redis
 * or a worker is down, Prometheus metrics with HTTP latency, queue depth and dossiers by status.
 */
import t from 'tap'
import { bearer, build, deadEndpoint, example, freePort, post, testSettings, waitFor } from './helper.ts'
import { createHub } from '../src/runtime.ts'
import { createLogger } from '../src/logger.ts'

t.test('/health answers without a key', async (t) => {
  const hub = await build(t, { role: 'api' })
  const res = await hub.app.inject({ url: '/health', headers: { authorization: '' } })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'ok', role: 'api' })
})

t.test('/ready: Redis and the workers', async (t) => {
  const all = await build(t)
  const ready = await all.app.inject({ url: '/ready', headers: { authorization: '' } })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', checks: { redis: 'ok', workers: 'ok' } })

  const api = await build(t, { role: 'api' })
  t.same((await api.app.inject({ url: '/ready' })).json(), { status: 'ready', checks: { redis: 'ok' } }, 'the api role has no workers to check')

  await all.workers[0]?.close()
  const stopped = await all.app.inject({ url: '/ready' })
  t.equal(stopped.statusCode, 503, 'a stopped worker: not ready')
  t.match(stopped.json(), { status: 'not-ready', checks: { redis: 'ok', workers: /not running: deliver\./ } })
})

t.test('/ready with Redis out of reach: 503 within a couple of seconds, saying so', async (t) => {
  const hub = await createHub({
    role: 'api', redisUrl: `redis://127.0.0.1:${await freePort()}`, prefix: 'unreachable', settings: testSettings({ agencyUrl: await deadEndpoint() }),
    logger: createLogger('silent'), bodyLimit: 1 << 20, inlineAttachmentLimit: 65536, reconcileIntervalMs: 3_600_000
  })
  t.teardown(async () => { await hub.close() })
  const started = Date.now()
  const res = await hub.app?.inject({ url: '/ready' })
  t.equal(res?.statusCode, 503)
  t.match(res?.json(), { status: 'not-ready', checks: { redis: /unreachable|no answer/ } })
  t.ok(Date.now() - started < 3000, `no hanging (${Date.now() - started} ms)`)
  t.equal((await hub.app?.inject({ url: '/health' }))?.statusCode, 200, 'the process itself is alive')
})

t.test('/metrics: Prometheus text, admin or auditor key', async (t) => {
  const hub = await build(t, { agencyUrl: await deadEndpoint(), attempts: 1 })
  const { code } = (await post(hub.app, example('birth-registration'))).json<{ code: string }>()
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'failed', 'a failed delivery')
  await hub.app.inject({ url: `/v1/dossiers/${code}` })

  t.equal((await hub.app.inject({ url: '/metrics', headers: { authorization: '' } })).statusCode, 401, 'no key: 401')
  t.equal((await hub.app.inject({ url: '/metrics', headers: bearer(hub.keys.portal) })).statusCode, 403, 'the portal: 403')
  const res = await hub.app.inject({ url: '/metrics', headers: bearer(hub.keys.auditor) })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = res.body
  t.match(text, /hub_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/dossiers\/:code"[^}]*\} \d+/, 'latency histogram by route')
  t.match(text, /hub_http_requests_total\{[^}]*method="POST",route="\/v1\/dossiers",status="201"[^}]*\} 1/, 'request counts')
  t.match(text, /hub_delivery_queue_jobs\{[^}]*agency="justice",state="failed"[^}]*\} 1/, 'the failed delivery in justice\'s queue')
  t.match(text, /hub_dossiers\{[^}]*status="received",code="2"[^}]*\} 1/, 'one dossier received')
  t.match(text, /process_resident_memory_bytes/, 'process metrics')
})
