/**
 * "Never a stored dossier without its routing job, nor a job without its dossier."
 * Intake stores the dossier and its outbox entries in one Lua transaction, then queues the jobs;
 * a crash in between leaves outbox entries, which the reconciler turns into jobs.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { answerJson, build, example, post, REDIS_URL, startAgency, testSettings, unconfirmedOutbox, waitFor, asAdmin } from '../helper.ts'
import { createEventService, createHub, createIntakeService } from '../../src/runtime.ts'
import { createLogger } from '../../src/logger.ts'
import { DossierStore } from '../../src/store/dossier-store.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'

t.test('queueing fails after the dossier is stored: 201 anyway, and the reconciler delivers it', async (t) => {
  const agency = await startAgency(t)
  // the worker's scheduled reconciler runs once at start-up: a long grace period keeps it away from this test's entry
  const hub = await build(t, { agencyUrl: agency.url, reconcileGraceMs: 60_000 })
  const settings = testSettings({ agencyUrl: agency.url })
  // An intake whose queueing step dies, as if the process crashed right after the Lua script.
  const crashing = createIntakeService({
    store: new DossierStore(hub.db.sql),
    enqueue: async () => { throw new Error('simulated crash between store and enqueue') },
    settings,
    inlineAttachmentLimit: 65536,
    log: createLogger('silent')
  })
  const { created, summary } = await crashing.submit(example('birth-registration'))
  t.ok(created, 'the dossier is accepted')
  const code = summary.code
  t.ok(await hub.store.exists(code), 'stored')
  t.equal(await hub.queues.getJob('justice', code, 'civil-status'), undefined, 'but no delivery job exists')
  t.same(await unconfirmedOutbox(hub), [`${code}|civil-status`], 'the outbox remembers the delivery of the first step (the later ones wait)')

  const report = await hub.reconciler.runOnce(Date.now() + 61_000)
  t.same(report, { checked: 1, requeued: 1, queued: 0, dropped: 0 })
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivered by the reconciled job')
  t.equal(agency.requests.length, 1)
  t.same(await unconfirmedOutbox(hub), [], 'outbox empty')

  const again = await hub.reconciler.runOnce(Date.now() + 61_000)
  t.same(again, { checked: 0, requeued: 0, queued: 0, dropped: 0 }, 'nothing left to do')
})

t.test('a normal intake leaves nothing for the reconciler, and running it twice delivers once', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const res = await post(asAdmin(hub), example('electricity-new-connection'))
  const code = res.json<DossierSummary>().code
  // right after intake the entry may still be there (the job exists): the reconciler only confirms it
  const first = await hub.reconciler.runOnce(Date.now() + 1)
  t.equal(first.requeued, 0, 'never re-queues a delivery whose job exists')
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered')
  const second = await hub.reconciler.runOnce(Date.now() + 1)
  t.equal(second.requeued, 0, 'nor one that was delivered')
  t.equal(await (await hub.queues.getJob('evn', code))?.getState(), 'completed', 'its job stays completed: nothing queued again')
  t.equal(agency.requests.length, 1, 'one delivery')
  t.equal((await unconfirmedOutbox(hub)).length, 0)
})

t.test('the reconciler respects the grace period for fresh entries', async (t) => {
  const hub = await build(t, { role: 'api', reconcileGraceMs: 60_000 })
  const crashing = createIntakeService({
    store: hub.store,
    enqueue: async () => { throw new Error('crash') },
    settings: testSettings({ agencyUrl: 'http://127.0.0.1:9' }),
    inlineAttachmentLimit: 65536,
    log: createLogger('silent')
  })
  await crashing.submit(example('birth-registration'))
  t.same(await hub.reconciler.runOnce(), { checked: 0, requeued: 0, queued: 0, dropped: 0 }, 'a fresh entry is left to intake')
  const later = await hub.reconciler.runOnce(Date.now() + 61_000)
  t.equal(later.requeued, 1, 'an old one is queued')
})

t.test('the scheduled reconciler runs by itself in the worker role', async (t) => {
  const agency = await startAgency(t)
  const api = await build(t, { role: 'api', agencyUrl: agency.url })
  const crashing = createIntakeService({
    store: api.store,
    enqueue: async () => { throw new Error('crash') },
    settings: testSettings({ agencyUrl: agency.url }),
    inlineAttachmentLimit: 65536,
    log: createLogger('silent')
  })
  const { summary } = await crashing.submit(example('birth-registration'))
  // a worker process on the same prefix, reconciling every second
  const worker = await createHub({
    role: 'worker',
    redisUrl: REDIS_URL,
    prefix: api.prefix,
    settings: testSettings({ agencyUrl: agency.url }),
    logger: createLogger('silent'),
    bodyLimit: 1 << 20,
    inlineAttachmentLimit: 65536,
    reconcileIntervalMs: 1000,
    reconcileGraceMs: 0,
    database: api.db
  })
  t.teardown(async () => { await worker.close() })
  await waitFor(async () => (await api.store.routingState(summary.code, 'civil-status'))?.state === 'delivered', 'delivered by the scheduled reconciler', 15_000)
  t.equal(agency.requests.length, 1)
})

t.test('a job whose dossier does not exist fails visibly', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  await hub.queues.enqueue('000.00.06.H56-261123-4242', [{ step: 'evn', agency: 'evn' }])
  const job = await waitFor(async () => {
    const j = await hub.queues.getJob('evn', '000.00.06.H56-261123-4242')
    // the job as read, not only its state now: a copy read while it was still active has no failedReason
    return j?.failedReason !== undefined && (await j.getState()) === 'failed' ? j : undefined
  }, 'failed job')
  t.match(job.failedReason, /does not exist/)
  t.equal(agency.requests.length, 0, 'nothing was sent')
})

t.test('a report releases the next stage but queueing it fails: the reconciler delivers the released steps', async (t) => {
  const agency = await startAgency(t)
  // the worker's scheduled reconciler runs once at start-up: a long grace period keeps it away from this test's entry
  const hub = await build(t, { agencyUrl: agency.url, reconcileGraceMs: 60_000 })
  const res = await post(asAdmin(hub), example('birth-registration'))
  const { code } = res.json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'justice delivered')
  // an API process that stores the report and dies before queueing the released steps
  const crashing = createEventService({
    store: hub.store,
    settings: testSettings({ agencyUrl: agency.url }),
    enqueue: async () => { throw new Error('simulated crash between store and enqueue') },
    log: createLogger('silent')
  })
  const { answer } = await crashing.post(code, { eventId: 'ev-1', agency: 'justice', report: { status: 'resolved' } })
  t.same(answer.released, ['residence', 'health-insurance'], 'the next stage is released')
  t.same((await unconfirmedOutbox(hub)), [`${code}|health-insurance`, `${code}|residence`], 'its deliveries are in the outbox')
  t.equal(await hub.queues.getJob('police-residence', code, 'residence'), undefined, 'but not queued')

  const report = await hub.reconciler.runOnce(Date.now() + 61_000)
  t.same(report, { checked: 2, requeued: 2, queued: 0, dropped: 0 })
  await waitFor(async () => (await hub.store.routingState(code, 'residence'))?.state === 'delivered' &&
    (await hub.store.routingState(code, 'health-insurance'))?.state === 'delivered', 'both delivered')
  t.same(agency.requests.map((r) => r.path).sort(), ['/justice', '/police-residence', '/social-insurance'], 'each agency once')
})

t.test('a job Redis left without its data fails at once, and the relay queues the delivery again from the outbox', async (t) => {
  let up = false
  const agency = await startAgency(t, (_req, res, n) => { if (up) answerJson(res, 201, { maTiepNhan: `EVN-${n}` }); else answerJson(res, 503, { error: 'bảo trì' }) })
  const hub = await build(t, { settings: testSettings({ agencyUrl: agency.url, attempts: 50, baseDelayMs: 300, maxDelayMs: 300 }), reconcileIntervalMs: 300, reconcileGraceMs: 0 })
  const code = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>().code
  await waitFor(async () => ((await hub.store.routingState(code, 'evn'))?.attempts ?? 0) >= 1 ? true : undefined, 'a first attempt refused')
  // what a worker leaves when Redis lost the job's keys under it: the job's hash without its data and options
  const job = await hub.queues.getJob('evn', code)
  if (job === undefined) throw new Error('no job')
  const redis = new Redis(REDIS_URL)
  t.teardown(async () => { await redis.quit() })
  await redis.hdel(`${job.queueQualifiedName}:${job.id ?? ''}`, 'data', 'opts')
  up = true
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered' ? true : undefined, 'delivered after the relay queued it again', 20_000)
  const keys = new Set(agency.requests.map((r) => String(r.headers['idempotency-key'])))
  t.same([...keys], [`${code}/evn`], 'under the one Idempotency-Key of the delivery')
  t.same(await unconfirmedOutbox(hub), [], 'and its outbox row confirmed')
})
