/**
 * The hub as real processes under faults (split from test/process/process.test.ts to keep each file within
 * its time budget): a worker process killed with SIGKILL in the middle of deliveries, and SIGTERM
 * under load behind a load balancer that watches /ready.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { answerJson, example, freePort, startAgency, waitFor, REDIS_URL } from '../helper.ts'
import { portalKey, startHub, withPrefix, writeConfig } from '../process-helper.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'
import { Keys } from '../../src/store/keys.ts'
import { deliveryQueueName } from '../../src/queues/delivery-queues.ts'

t.test('fault: the worker process is killed (SIGKILL) in the middle of deliveries; after a restart every dossier is delivered, repeats dropped by Idempotency-Key', async (t) => {
  const firstSeen = new Map<string, number>()
  let requests = 0
  const agency = await startAgency(t, async (req, res) => {
    requests++
    const key = String(req.headers['idempotency-key'])
    const repeat = firstSeen.has(key)
    if (!repeat) firstSeen.set(key, Date.now())
    await new Promise((resolve) => setTimeout(resolve, 40)) // the agency takes a moment: deliveries are in flight at the kill
    answerJson(res, repeat ? 200 : 201, { maTiepNhan: `EVN-${firstSeen.size}`, duplicate: repeat })
  })
  const { prefix, databaseUrl, store, clients } = await withPrefix(t)
  const key = await portalKey(clients)
  const config = writeConfig(t, agency.url)
  const port = await freePort()
  // a dead worker's deliveries are taken over once its lock lapses (2 s here, 30 s by default)
  const env = { REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl, HUB_CONFIG: config, RECONCILE_INTERVAL_MS: '1000', WORKER_LOCK_MS: '2000' }
  const api = startHub(t, { ...env, PORT: String(port) }, ['--role=api'])
  await waitFor(() => api.output().includes('"hub started"'), 'the API to start', 20_000)
  const codes: string[] = []
  for (let i = 0; i < 60; i++) {
    const s = example('electricity-new-connection')
    s.source.reference = `KILL-${i}`
    const res = await request(`http://127.0.0.1:${port}/v1/dossiers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(s) })
    codes.push((await res.body.json() as DossierSummary).code)
  }

  const doomed = startHub(t, { ...env, HUB_ROLE: 'worker' })
  await waitFor(() => requests >= 10, 'deliveries under way', 20_000)
  doomed.child.kill('SIGKILL')
  await doomed.exited
  const deliveredBefore = firstSeen.size
  t.ok(deliveredBefore < 60, `killed with deliveries left (${deliveredBefore} of 60 reached the agency)`)

  const survivor = startHub(t, { ...env, HUB_ROLE: 'worker' })
  await waitFor(async () => {
    for (const code of codes) if ((await store.routingState(code, 'evn'))?.state !== 'delivered') return false
    return true
  }, 'every dossier delivered after the restart', 60_000)
  t.equal(firstSeen.size, 60, 'the agency received every dossier')
  t.ok(requests >= 60, `${requests - 60} repeat(s) of deliveries that were in flight, each dropped by its Idempotency-Key`)
  survivor.child.kill('SIGTERM')
  api.child.kill('SIGTERM')
  t.equal(await survivor.exited, 0)
  t.equal(await api.exited, 0)
})

t.test('SIGTERM under load, behind a load balancer that watches /ready: no request fails, in-flight deliveries finish, nothing is lost', async (t) => {
  const seen = new Map<string, number>()
  const agency = await startAgency(t, async (req, res) => {
    const key = String(req.headers['idempotency-key'])
    seen.set(key, (seen.get(key) ?? 0) + 1)
    await new Promise((resolve) => setTimeout(resolve, 40)) // deliveries take a moment: some are on their way at the signal
    answerJson(res, 201, { maTiepNhan: `EVN-${seen.size}` })
  })
  const { prefix, databaseUrl, store, clients } = await withPrefix(t)
  const key = await portalKey(clients)
  const config = writeConfig(t, agency.url)
  const port = await freePort()
  const env = { REDIS_URL, REDIS_PREFIX: prefix, DATABASE_URL: databaseUrl, HUB_CONFIG: config, LOG_LEVEL: 'info' }
  const hub = startHub(t, { ...env, PORT: String(port), SHUTDOWN_DRAIN_MS: '1500' })
  await waitFor(() => hub.output().includes('"hub started"'), 'the hub to start', 20_000)

  // the load balancer: probes /ready every 100 ms and stops routing new requests here when it fails
  let routing = true
  const probe = setInterval(() => {
    request(`http://127.0.0.1:${port}/ready`).then(async (r) => { await r.body.dump(); if (r.statusCode !== 200) routing = false }, () => { routing = false })
  }, 100)
  t.teardown(() => { clearInterval(probe) })
  // sixteen portal connections submitting without pause through it, each request on its own connection
  const answers = new Map<number, number>()
  const errors = new Map<string, number>()
  const codes: string[] = []
  let sent = 0
  const loop = async (n: number): Promise<void> => {
    // eslint-disable-next-line no-unmodified-loop-condition -- the test clears `routing` while the loops await
    for (let i = 0; routing; i++) {
      const s = example('electricity-new-connection')
      s.source.reference = `SIGTERM-${n}-${i}`
      sent++
      try {
        const res = await request(`http://127.0.0.1:${port}/v1/dossiers`, {
          method: 'POST', reset: true, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(s)
        })
        answers.set(res.statusCode, (answers.get(res.statusCode) ?? 0) + 1)
        const body = await res.body.json() as DossierSummary
        if (res.statusCode === 201) codes.push(body.code)
      } catch (err) {
        const code = (err as { code?: string }).code ?? String(err)
        errors.set(code, (errors.get(code) ?? 0) + 1)
      }
    }
  }
  const loops = Array.from({ length: 16 }, async (_, n) => { await loop(n) })
  await waitFor(() => codes.length >= 60 ? true : undefined, 'load under way', 20_000)
  hub.child.kill('SIGTERM')
  const signalledAt = Date.now()
  await Promise.all(loops)
  t.ok(Date.now() - signalledAt < 1500, 'the load balancer saw /ready fail and stopped routing before the listener closed')
  t.equal(await hub.exited, 0, 'a clean exit')
  const deliveredAtExit = seen.size

  t.same([...answers.keys()], [201], `every answer was 201 (${answers.get(201) ?? 0} of ${sent} sent)`)
  t.same([...errors.entries()], [], 'no request was refused or cut off')
  t.equal(sent, answers.get(201))
  for (const code of codes) t.ok(await store.exists(code), `${code} stored`)
  t.match(hub.output(), /"msg":"draining: \/ready answers 503, requests are still served"/)
  t.ok(hub.output().includes('"msg":"delivered"'), 'deliveries were going on')
  const { Queue } = await import('bullmq')
  const redis = new Redis(REDIS_URL)
  const queue = new Queue(deliveryQueueName('evn'), { connection: redis, prefix: new Keys(prefix).queuePrefix })
  t.teardown(async () => { await queue.close(); await redis.quit() })
  t.equal(await queue.getActiveCount(), 0, 'no delivery left half-done: the active ones finished before the exit')

  // a worker picks up what was still waiting; every dossier reaches the agency once
  const worker = startHub(t, { ...env, HUB_ROLE: 'worker' })
  await waitFor(async () => {
    for (const code of codes) if ((await store.routingState(code, 'evn'))?.state !== 'delivered') return false
    return true
  }, 'every dossier delivered after the restart', 30_000)
  t.comment(`${deliveredAtExit} of ${codes.length} delivered by the exit, the rest after the restart`)
  t.equal(seen.size, codes.length, 'each dossier delivered')
  t.ok([...seen.values()].every((n) => n === 1), 'none twice')
  await waitFor(() => worker.output().includes('"hub started"'), 'the worker to start', 20_000)
  worker.child.kill('SIGTERM')
  t.equal(await worker.exited, 0)
})
