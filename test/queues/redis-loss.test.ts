/**
 * Losing Redis loses nothing (issue 13): PostgreSQL is the record; Redis holds BullMQ's queues and
 * what can be rebuilt. Here every key of the hub's Redis prefix is deleted under a running hub
 * while deliveries and webhook notifications are in flight (agencies and the portal's receiver are
 * down, their jobs retrying). Afterwards: every dossier reads back, clients authenticate with their
 * keys, and every delivery and notification not yet confirmed is queued again from the outbox and
 * the pending notifications, and arrives; agencies see repeats only under the Idempotency-Key they
 * already had.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'
import { answerJson, build, example, keysUnder, post, removeKeys, startAgency, testSettings, unconfirmedOutbox, waitFor, REDIS_URL, type ReceivedRequest, asPortal, asKey } from '../helper.ts'

t.test('the hub\'s Redis emptied under a running hub: every dossier, client, delivery and notification survives', async (t) => {
  let up = false
  const accepted: ReceivedRequest[] = []
  const agency = await startAgency(t, (req, res, n) => {
    if (!up) return answerJson(res, 503, { error: 'maintenance' })
    accepted.push(req)
    answerJson(res, 201, { reference: `R-${n}`, maTiepNhan: `R-${n}`, soBienNhan: `R-${n}` })
  })
  const notified: ReceivedRequest[] = []
  const receiver = await startAgency(t, (req, res) => {
    if (!up) return answerJson(res, 503, { error: 'maintenance' })
    notified.push(req)
    answerJson(res, 200, { ok: true })
  })
  const settings = testSettings({
    agencyUrl: agency.url,
    attempts: 100,
    baseDelayMs: 50,
    maxDelayMs: 200,
    subscribers: { portal: { url: receiver.url, secret: 'portal-webhook-secret-0123456789', attempts: 100 } }
  })
  const hub = await build(t, { settings, reconcileIntervalMs: 300, reconcileGraceMs: 0 })

  // twelve dossiers in flight: six power connections (one step, evn), six births (first step: justice)
  const firstSteps: Array<{ code: string, step: string }> = []
  for (let i = 0; i < 12; i++) {
    const birth = i % 2 === 0
    const s = example(birth ? 'birth-registration' : 'electricity-new-connection')
    s.source.reference = `LOSS-${i}`
    const res = await post(asPortal(hub), s)
    t.equal(res.statusCode, 201, `dossier ${i} accepted`)
    firstSteps.push({ code: res.json<DossierSummary>().code, step: birth ? 'civil-status' : 'evn' })
  }
  await waitFor(async () => {
    for (const { code, step } of firstSteps) if (((await hub.store.routingState(code, step))?.attempts ?? 0) < 1) return false
    return true
  }, 'every first delivery tried and refused', 30_000)
  const redis = new Redis(REDIS_URL)
  t.teardown(async () => { await redis.quit() })
  t.ok((await keysUnder(redis, hub.prefix)).length > 0, 'the hub keeps its queues in Redis')
  t.ok(agency.requests.length >= 12, 'the agencies were tried')
  t.ok(receiver.requests.length >= 1, 'the portal\'s receiver was tried')

  // Redis loses everything of the hub
  await removeKeys(redis, hub.prefix)
  up = true

  for (const { code } of firstSteps) {
    const res = await asPortal(hub).inject({ url: `/v1/dossiers/${code}` })
    t.equal(res.statusCode, 200, `${code}: read back with the portal's key`)
    t.equal(res.json<{ code: string }>().code, code)
  }
  const agencyKey = hub.keys.agencies.evn ?? ''
  t.equal((await asKey(hub, agencyKey).inject({ url: '/v1/dossiers?limit=1' })).statusCode, 200, 'an agency\'s key still authenticates')

  await waitFor(async () => {
    for (const { code, step } of firstSteps) if ((await hub.store.routingState(code, step))?.state !== 'delivered') return false
    return true
  }, 'every delivery queued again from the outbox and delivered', 60_000)
  const keys = new Set(accepted.map((r) => String(r.headers['idempotency-key'])))
  t.equal(keys.size, firstSteps.length, 'one Idempotency-Key per delivery: the agencies drop any repeat')
  const everyKey = new Set(agency.requests.map((r) => String(r.headers['idempotency-key'])))
  t.equal(everyKey.size, firstSteps.length, 'no attempt, before or after the loss, under another key')

  await waitFor(async () => {
    const got = new Set(notified.map((r) => String(r.headers['x-hub-delivery'])))
    return firstSteps.every(({ code }) => got.has(`${code}:1`))
  }, 'every receipt notification delivered to the portal', 60_000)
  await waitFor(async () => (await unconfirmedOutbox(hub)).length === 0 ? true : undefined, 'every outbox row confirmed', 30_000)
  const [pending] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from notify_pending`
  await waitFor(async () => {
    const [row] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from notify_pending`
    return row?.n === 0 ? true : undefined
  }, `no notification left pending (${pending?.n ?? 0} were, just after delivery)`, 30_000)
})
