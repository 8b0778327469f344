/**
 * /health, /ready and /metrics: liveness without a key, readiness that fails visibly when Redis
 * or a worker is down, Prometheus metrics with HTTP latency, queue depth, delivery latency and
 * dossiers by status (overdue dossiers: test/routes/lifecycle/lifecycle.test.ts, with the sweeper).
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { build, fileDatabase, deadEndpoint, example, freePort, post, removeKeys, startAgency, testSettings, uniquePrefix, waitFor, REDIS_URL, anonymous, asAdmin, asPortal, asAuditor } from '../helper.ts'
import { hubDatabase } from '../db-helper.ts'
import { createHub } from '../../src/runtime.ts'
import { createLogger } from '../../src/logger.ts'

t.test('/health answers without a key', async (t) => {
  const hub = await build(t, { role: 'api' })
  const res = await anonymous(hub).inject({ url: '/health' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { status: 'ok', role: 'api' })
})

t.test('/ready: Redis and the workers', async (t) => {
  const all = await build(t)
  const ready = await anonymous(all).inject({ url: '/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', checks: { database: 'ok', redis: 'ok', workers: 'ok' } })

  const api = await build(t, { role: 'api' })
  t.same((await asAdmin(api).inject({ url: '/ready' })).json(), { status: 'ready', checks: { database: 'ok', redis: 'ok' } }, 'the api role has no workers to check')

  await all.workers[0]?.close()
  const stopped = await asAdmin(all).inject({ url: '/ready' })
  t.equal(stopped.statusCode, 503, 'a stopped worker: not ready')
  t.match(stopped.json(), { status: 'not-ready', checks: { redis: 'ok', workers: /not running: deliver\./ } })
})

t.test('/ready with the record out of reach: 503, saying so', async (t) => {
  const record = await hubDatabase({ reuse: false })
  const prefix = uniquePrefix()
  const hub = await createHub({
    role: 'api',
    redisUrl: REDIS_URL,
    prefix,
    settings: testSettings({ agencyUrl: await deadEndpoint() }),
    logger: createLogger('silent'),
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    reconcileIntervalMs: 3_600_000,
    database: record.db
  })
  t.teardown(async () => {
    await hub.close()
    await record.drop()
    // the queues' keys (build() removes them for the hubs it makes)
    const cleaner = new Redis(REDIS_URL)
    await removeKeys(cleaner, prefix)
    await cleaner.quit()
  })
  t.equal((await hub.app?.inject({ url: '/ready' }))?.statusCode, 200, 'ready while the record answers')
  await record.db.sql.end()
  const res = await hub.app?.inject({ url: '/ready' })
  t.equal(res?.statusCode, 503)
  t.match(res?.json(), { status: 'not-ready', checks: { database: /unreachable|no answer/, redis: 'ok' } })
})

t.test('/ready with Redis out of reach: 503 within a couple of seconds, saying so', async (t) => {
  const hub = await createHub({
    role: 'api',
    redisUrl: `redis://127.0.0.1:${await freePort()}`,
    prefix: 'unreachable',
    settings: testSettings({ agencyUrl: await deadEndpoint() }),
    logger: createLogger('silent'),
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    reconcileIntervalMs: 3_600_000,
    database: (await fileDatabase()).db
  })
  t.teardown(async () => { await hub.close() })
  const started = Date.now()
  const res = await hub.app?.inject({ url: '/ready' })
  t.equal(res?.statusCode, 503)
  t.match(res?.json(), { status: 'not-ready', checks: { redis: /unreachable|no answer/ } })
  // the probe's own bound is one second; this only tells a bounded answer from a hang (ioredis
  // would retry for ever), with room for a loaded machine
  t.ok(Date.now() - started < 15_000, `no hanging (${Date.now() - started} ms)`)
  t.equal((await hub.app?.inject({ url: '/health' }))?.statusCode, 200, 'the process itself is alive')
})

t.test('/metrics: Prometheus text, admin or auditor key', async (t) => {
  const hub = await build(t, { agencyUrl: await deadEndpoint(), attempts: 1 })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<{ code: string }>()
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'failed', 'a failed delivery')
  await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })

  t.equal((await anonymous(hub).inject({ url: '/metrics' })).statusCode, 401, 'no key: 401')
  t.equal((await asPortal(hub).inject({ url: '/metrics' })).statusCode, 403, 'the portal: 403')
  const res = await asAuditor(hub).inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = res.body
  t.match(text, /hub_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/dossiers\/:code"[^}]*\} \d+/, 'latency histogram by route')
  t.match(text, /hub_http_requests_total\{[^}]*method="POST",route="\/v1\/dossiers",status="201"[^}]*\} 1/, 'request counts')
  t.match(text, /hub_delivery_queue_jobs\{[^}]*agency="justice",state="failed"[^}]*\} 1/, 'the failed delivery in justice\'s queue')
  t.match(text, /hub_dossiers\{[^}]*status="received",code="2"[^}]*\} 1/, 'one dossier received')
  t.match(text, /process_resident_memory_bytes/, 'process metrics')
})

t.test('/metrics: delivery latency per agency, from the counters the workers keep in Redis', async (t) => {
  const agency = await startAgency(t)
  const worker = await build(t, { agencyUrl: agency.url })
  const started = Date.now()
  const { code } = (await post(asAdmin(worker), example('birth-registration'))).json<{ code: string }>()
  const routing = await waitFor(async () => {
    const d = (await asAdmin(worker).inject({ url: `/v1/dossiers/${code}` })).json<{ routing: Record<string, { agency: string, state: string }> }>()
    const steps = Object.values(d.routing)
    return steps.length > 0 && steps.every((r) => r.state !== 'pending' && r.state !== 'retrying') ? steps : undefined
  }, 'every step delivered')
  const elapsed = (Date.now() - started) / 1000
  const delivered = new Map<string, number>()
  for (const r of routing) if (r.state === 'delivered') delivered.set(r.agency, (delivered.get(r.agency) ?? 0) + 1)
  t.ok(delivered.size > 0, 'some steps delivered')

  // another process, API only, serves what the worker recorded
  const text = await waitFor(async () => {
    const body = (await asAdmin(worker).inject({ url: '/metrics' })).body
    return [...delivered].every(([a, n]) => new RegExp(`hub_delivery_latency_seconds_count\\{agency="${a}"[^}]*\\} ${n}\\n`).test(body)) ? body : undefined
  }, 'latency counts')
  for (const [a, n] of delivered) {
    const buckets = [...text.matchAll(new RegExp(`hub_delivery_latency_seconds_bucket\\{agency="${a}",le="([^"]+)"[^}]*\\} (\\d+)`, 'g'))].map((m) => [m[1], Number(m[2])] as const)
    t.equal(buckets.at(-1)?.[0], '+Inf', `${a}: buckets end with +Inf`)
    t.equal(buckets.at(-1)?.[1], n, `${a}: +Inf counts every delivery`)
    t.ok(buckets.every(([, c], i) => i === 0 || c >= (buckets[i - 1]?.[1] ?? 0)), `${a}: cumulative`)
    const sum = Number(new RegExp(`hub_delivery_latency_seconds_sum\\{agency="${a}"[^}]*\\} ([\\d.]+)`).exec(text)?.[1])
    t.ok(sum >= 0 && sum <= n * elapsed, `${a}: ${sum} s in all, within what the test waited (${elapsed} s each)`)
    t.comment(buckets.map(([le, c]) => `${le}:${c}`).join(' '))
    const within = buckets.find(([le]) => le !== '+Inf' && Number(le) >= elapsed)
    if (within !== undefined) t.equal(within[1], n, `${a}: every delivery within ${within[0]} s`)
  }
})

t.test('/metrics: the webhook queue by state, a notification that failed for good included', async (t) => {
  const hub = await build(t, { agencyUrl: await deadEndpoint(), attempts: 1, settings: testSettings({ agencyUrl: await deadEndpoint(), attempts: 1, subscribers: { portal: { url: await deadEndpoint(), secret: 'webhook-test-secret', attempts: 1 } } }) })
  const metric = async (): Promise<Record<string, number>> => {
    const text = (await asAdmin(hub).inject({ url: '/metrics' })).body
    return Object.fromEntries([...text.matchAll(/^hub_webhook_queue_jobs\{state="(\w+)"[^}]*\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]))
  }
  await post(asAdmin(hub), example('birth-registration'))
  const counts = await waitFor(async () => { const m = await metric(); return (m.failed ?? 0) >= 1 ? m : undefined }, 'a failed notification counted')
  t.same(Object.keys(counts).sort(), ['active', 'delayed', 'failed', 'waiting'])
  t.equal(counts.failed, (await hub.webhooks?.queue.getJobCounts('failed'))?.failed, 'as the queue says')
})
