/**
 * Faults with a real Redis of the test's own (redis-server on a free port): Redis dies in the
 * middle of a stream of submissions and comes back empty. The record is PostgreSQL: while Redis is
 * away intake still answers 201, promptly (the dossier and its outbox rows are committed; its jobs
 * wait; while Redis stalls the answer does not wait for the jobs' hand-off either; the rate limit, whose counters are in Redis, lets requests through uncounted); every dossier is there afterwards, and once Redis is back the outbox relay queues what it
 * lost or never got, and every delivery arrives, once per Idempotency-Key.
 */
import t from 'tap'
import type { Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { answerJson, bearer, build, example, freePort, post, startAgency, testSettings, unconfirmedOutbox, waitFor, asAdmin } from '../helper.ts'
import { hubDatabase } from '../db-helper.ts'
import { createHub } from '../../src/runtime.ts'
import { createLogger } from '../../src/logger.ts'
import type { DossierSummary, Problem } from '../../src/types/schemas.generated.ts'

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

/**
 * Kills the test's redis-server (SIGKILL) and waits, bounded, until its process has exited and the
 * hub's connection has seen it go (no longer 'ready'): from then on the hub works without Redis.
 */
async function killRedis (child: ChildProcess, hubRedis: Redis): Promise<void> {
  let exited = child.exitCode !== null || child.signalCode !== null
  child.once('exit', () => { exited = true })
  child.kill('SIGKILL')
  await waitFor(() => exited, 'redis-server to exit')
  await waitFor(() => hubRedis.status !== 'ready', 'the hub to see Redis gone')
}

t.test('Redis crashes during a stream of submissions and comes back empty: every dossier accepted, kept and delivered', async (t) => {
  const port = await freePort()
  let redis = await startRedis(t, port, t.testdir())
  const agency = await startAgency(t)
  const prefix = 'faults'
  const record = await hubDatabase()
  const hub = await createHub({
    role: 'all',
    redisUrl: `redis://127.0.0.1:${port}`,
    prefix,
    settings: testSettings({ agencyUrl: agency.url, attempts: 20, baseDelayMs: 50, maxDelayMs: 200 }),
    logger: createLogger('silent'),
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    reconcileIntervalMs: 300,
    reconcileGraceMs: 0,
    // the rate limit's counters are in Redis: with Redis away, requests go uncounted, not refused
    rateLimit: { max: 10_000, timeWindowMs: 60_000 },
    database: record.db
  })
  t.teardown(async () => {
    await hub.close()
    await record.drop()
  })
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

  await killRedis(redis, hub.redis)
  const during = await Promise.all(Array.from({ length: 5 }, async (_, i) => await submit(100 + i)))
  for (const r of during) {
    t.equal(r.status, 201, 'Redis away: still accepted, the record is PostgreSQL')
    t.ok(r.ms < 5000, `answered in ${r.ms} ms, not left hanging`)
    if (r.code !== undefined) accepted.push(r.code)
  }
  const read = await app.inject({ url: `/v1/dossiers/${during[0]?.code ?? ''}`, headers: bearer(key) })
  t.equal(read.statusCode, 200, 'and read back while Redis is away')

  // back, with nothing of before: no queue, no job
  redis = await startRedis(t, port, t.testdir())
  const after = await waitFor(async () => {
    const r = await submit(200)
    return r.status === 201 ? r : undefined
  }, 'intake to go on', 20_000)
  if (after.code !== undefined) accepted.push(after.code)
  for (const code of accepted) t.ok(await hub.store.exists(code), `${code}: in the record`)
  await waitFor(async () => {
    for (const code of accepted) if ((await hub.store.routingState(code, 'evn'))?.state !== 'delivered') return false
    return true
  }, 'every dossier delivered, those Redis lost queued again from the outbox', 60_000)
  const keys = new Set(agency.requests.map((r) => String(r.headers['idempotency-key'])))
  t.equal(keys.size, accepted.length, 'one Idempotency-Key per dossier: the agency can drop any repeat')
})

t.test('Redis stalls: intake answers once the dossier is committed, and its jobs go when Redis resumes', async (t) => {
  const port = await freePort()
  const redis = await startRedis(t, port, t.testdir())
  const record = await hubDatabase()
  t.teardown(async () => { await record.drop() })
  // the hub's warnings about a dossier: a hand-off of its jobs to Redis that gives up says so
  // (src/runtime.ts, after 2 s; the intake logs it with the dossier's code)
  const warnings: string[] = []
  const logger = createLogger('warn', new Writable({
    write (chunk: Buffer, _enc, done) {
      const line = JSON.parse(chunk.toString()) as { msg?: string, dossier?: string }
      if (line.dossier !== undefined) warnings.push(`${line.dossier}: ${String(line.msg)}`)
      done()
    }
  }))
  const hub = await createHub({
    role: 'api', // no worker: the delivery job stays queued, to be looked at
    redisUrl: `redis://127.0.0.1:${port}`,
    prefix: 'faults-stall',
    settings: testSettings({ agencyUrl: 'http://127.0.0.1:9/' }),
    logger,
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    // the relay would queue the job too: it waits, so what queues it here is the intake's own hand-off
    reconcileIntervalMs: 3_600_000,
    database: record.db
  })
  let stopped = false
  t.teardown(async () => {
    if (stopped) redis.kill('SIGCONT')
    await hub.close()
  })
  const key = (await hub.clients.add({ id: 'portal', role: 'portal' })).key
  const app = hub.app
  if (app === undefined) throw new Error('no app')
  const s = example('electricity-new-connection')
  s.source.reference = 'STALL-1'

  // Redis takes nothing while stopped: the connection stays open, commands wait unanswered
  redis.kill('SIGSTOP')
  stopped = true
  const res = await app.inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json', ...bearer(key) }, payload: JSON.stringify(s) })
  t.equal(res.statusCode, 201, 'accepted while Redis answers nothing')
  t.same(warnings, [], 'answered before the hand-off of its jobs gave up on Redis: the answer waited for the commit, not for Redis')
  const code = res.json<DossierSummary>().code
  t.ok(await hub.store.exists(code), 'the dossier is in the record')

  redis.kill('SIGCONT')
  stopped = false
  const job = await waitFor(async () => await hub.queues.getJob('evn', code), 'the delivery job, queued by the intake once Redis answered')
  t.equal(job.data.code, code, 'the job is the dossier\'s')
  t.same(warnings, [], 'and nothing was left to the relay')
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
    codes.push((await post(asAdmin(hub), s)).json<DossierSummary>().code)
  }
  // five attempts of one dossier while the agency is down (back-off 100, 200, 400, 800 ms, with jitter)
  const triesOf = (): number[] => agency.requests.filter((r) => r.headers['idempotency-key'] === `${codes[0] ?? ''}/evn`).map((r) => r.at)
  const tries = await waitFor(() => { const at = triesOf(); return at.length >= 5 ? at : undefined }, 'five attempts while the agency is down', 15_000)
  t.ok(tries.length >= 3, `retried while down (${tries.length} attempts for one dossier)`)
  const gaps = tries.slice(1).map((at, i) => at - (tries[i] ?? at))
  t.ok((gaps.at(-1) ?? 0) > (gaps[0] ?? 0), `backing off: gaps ${gaps.join(', ')} ms`)
  t.ok(agency.requests.length < 10 * 25, 'no hammering')
  up = true
  for (const code of codes) await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', `${code} delivered`, 15_000)
  t.pass('all arrived once the agency came back')
})

t.test('a hub closes while its Redis is away, deliveries in flight: the close ends, and the record keeps what was not delivered', async (t) => {
  const port = await freePort()
  const redis = await startRedis(t, port, t.testdir())
  // the agency answers three requests and holds the others (until the test ends): those deliveries
  // are in flight when Redis dies and the hub closes
  const agency = await startAgency(t, (_req, res, n) => { if (n <= 3) answerJson(res, 201, { maTiepNhan: `EVN-${n}` }) })
  const record = await hubDatabase()
  t.teardown(async () => { await record.drop() })
  const hub = await createHub({
    role: 'all',
    redisUrl: `redis://127.0.0.1:${port}`,
    prefix: 'faults-close',
    settings: testSettings({ agencyUrl: agency.url, attempts: 20, baseDelayMs: 50, maxDelayMs: 200 }),
    logger: createLogger('silent'),
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    reconcileIntervalMs: 300,
    reconcileGraceMs: 0,
    database: record.db
  })
  const key = (await hub.clients.add({ id: 'portal', role: 'portal' })).key
  const app = hub.app
  if (app === undefined) throw new Error('no app')
  const codes: string[] = []
  for (let i = 0; i < 8; i++) {
    const s = example('electricity-new-connection')
    s.source.reference = `CLOSE-${i}`
    const res = await app.inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json', ...bearer(key) }, payload: JSON.stringify(s) })
    t.equal(res.statusCode, 201)
    codes.push(res.json<DossierSummary>().code)
  }
  await waitFor(async () => agency.requests.length > 3 ? true : undefined, 'deliveries to be in flight')
  await killRedis(redis, hub.redis)
  // before: QUIT waited in the offline queue of the workers' connection, and the workers' graceful
  // close waited for a blocking connection that never ended: hub.close() never returned
  let timer: NodeJS.Timeout | undefined
  const closed = await Promise.race([
    hub.close().then(() => 'closed' as const),
    new Promise<'still closing'>((resolve) => { timer = setTimeout(() => { resolve('still closing') }, 60_000) })
  ])
  clearTimeout(timer)
  t.equal(closed, 'closed', 'the hub closed with Redis away')
  const unconfirmed = new Set(await unconfirmedOutbox(hub))
  let undelivered = 0
  for (const code of codes) {
    t.ok(await hub.store.exists(code), `${code}: in the record`)
    if ((await hub.store.routingState(code, 'evn'))?.state === 'delivered') continue
    undelivered++
    t.ok(unconfirmed.has(`${code}|evn`), `${code}: not delivered, still in the outbox for the relay`)
  }
  t.ok(undelivered > 0, `${undelivered} of ${codes.length} were in flight, not delivered, when the hub closed`)
})
