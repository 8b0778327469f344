/**
 * Faults with a real Redis of the test's own (redis-server on a free port, append-only file with
 * appendfsync always): Redis dies in the middle of a stream of submissions and comes back. Every
 * submission that got 201 is still there afterwards; while Redis is away intake answers a fast
 * 503 problem+json (no hanging request); it recovers by itself.
 */
import t from 'tap'
import type { Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { answerJson, bearer, build, fileDatabase, deadEndpoint, example, freePort, post, startAgency, testSettings, waitFor } from './helper.ts'
import { createHub } from '../src/runtime.ts'
import { createLogger } from '../src/logger.ts'
import type { DossierSummary, Problem } from '../src/types/schemas.generated.ts'

async function startRedis (t: Test, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await waitFor(async () => {
    const r = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null })
    r.on('error', () => {})
    try { await r.connect(); return (await r.ping()) === 'PONG' } catch { return false } finally { r.disconnect() }
  }, 'redis-server to answer')
  return child
}

t.test('Redis crashes during a stream of submissions: fast 503 while it is away, every 201 kept, recovery by itself', async (t) => {
  const port = await freePort()
  const dir = t.testdir()
  let redis = await startRedis(t, port, dir)
  const hub = await createHub({
    role: 'api', redisUrl: `redis://127.0.0.1:${port}`, prefix: 'faults', settings: testSettings({ agencyUrl: await deadEndpoint() }),
    logger: createLogger('silent'), bodyLimit: 1 << 20, inlineAttachmentLimit: 65536, reconcileIntervalMs: 3_600_000,
    database: (await fileDatabase()).db
  })
  t.teardown(async () => { await hub.close() })
  const key = (await hub.clients.add({ id: 'portal', role: 'portal' })).key
  const app = hub.app
  if (app === undefined) throw new Error('no app')
  const submit = async (i: number): Promise<{ status: number, ms: number, code?: string, problem?: Problem }> => {
    const s = example('electricity-new-connection')
    s.source.reference = `FAULT-${i}`
    const started = Date.now()
    const res = await app.inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json', ...bearer(key) }, payload: JSON.stringify(s) })
    const ms = Date.now() - started
    return res.statusCode === 201 ? { status: 201, ms, code: res.json<DossierSummary>().code } : { status: res.statusCode, ms, problem: res.json<Problem>() }
  }

  const accepted: string[] = []
  for (let i = 0; i < 20; i++) {
    const r = await submit(i)
    if (r.code !== undefined) accepted.push(r.code)
  }
  t.equal(accepted.length, 20, 'twenty received before the crash')

  redis.kill('SIGKILL')
  await new Promise((r) => setTimeout(r, 200))
  const during = await Promise.all(Array.from({ length: 5 }, async (_, i) => await submit(100 + i)))
  for (const r of during) {
    t.equal(r.status, 503, 'Redis away: 503')
    t.equal(r.problem?.code, 'HUB_ERR_UNAVAILABLE')
    t.ok(r.ms < 5000, `answered in ${r.ms} ms, not left hanging`)
  }

  redis = await startRedis(t, port, dir)
  const after = await waitFor(async () => {
    const r = await submit(200)
    return r.status === 201 ? r : undefined
  }, 'intake to recover by itself', 20_000)
  t.ok(after.code, 'accepted again once Redis is back')
  for (const code of accepted) t.ok(await hub.store.exists(code), `${code}: still there after the crash (AOF)`)
})

t.test('an agency down for a stretch: deliveries back off, then all arrive when it returns', async (t) => {
  let up = false
  const agency = await startAgency(t, (_req, res) => { if (up) answerJson(res, 201, { maTiepNhan: 'EVN-OK' }); else answerJson(res, 503, { error: 'bảo trì' }) })
  const settings = testSettings({ agencyUrl: agency.url, attempts: 30, baseDelayMs: 100, maxDelayMs: 800 })
  const hub = await build(t, { settings })
  const codes: string[] = []
  for (let i = 0; i < 10; i++) {
    const s = example('electricity-new-connection')
    s.source.reference = `DOWN-${i}`
    codes.push((await post(hub.app, s)).json<DossierSummary>().code)
  }
  await new Promise((r) => setTimeout(r, 2500))
  const tries = agency.requests.filter((r) => r.headers['idempotency-key'] === `${codes[0] ?? ''}/evn`).map((r) => r.at)
  t.ok(tries.length >= 3, `retried while down (${tries.length} attempts for one dossier)`)
  const gaps = tries.slice(1).map((at, i) => at - (tries[i] ?? at))
  t.ok((gaps.at(-1) ?? 0) > (gaps[0] ?? 0), `backing off: gaps ${gaps.join(', ')} ms`)
  t.ok(agency.requests.length < 10 * 25, 'no hammering')
  up = true
  for (const code of codes) await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', `${code} delivered`, 15_000)
  t.pass('all arrived once the agency came back')
})
