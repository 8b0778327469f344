/**
 * Delivery to agencies: retries with backoff, idempotency keys stable across retries, permanent
 * failures, Retry-After, and failures that stay visible on the dossier and in the queue.
 */
import t from 'tap'
import { answerJson, build, deadEndpoint, example, post, startAgency, testSettings, waitFor, asAdmin } from '../helper.ts'
import type { Dossier, DossierSummary } from '../../src/types/schemas.generated.ts'

async function submitted (hub: Awaited<ReturnType<typeof build>>, name: 'birth-registration' | 'electricity-new-connection' = 'birth-registration'): Promise<string> {
  const res = await post(asAdmin(hub), example(name))
  if (res.statusCode !== 201) throw new Error(`submit answered ${res.statusCode}: ${res.body}`)
  return res.json<DossierSummary>().code
}

async function routingOf (hub: Awaited<ReturnType<typeof build>>, code: string, agency: string): Promise<NonNullable<Dossier['routing']>[string]> {
  const d = (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })).json<Dossier>()
  return d.routing?.[agency]
}

t.test('agency answers 500 twice then 200: delivered on the third attempt, same Idempotency-Key each time', async (t) => {
  const agency = await startAgency(t, (_req, res, n) => {
    if (n <= 2) answerJson(res, 500, { error: 'database busy' })
    else answerJson(res, 201, { soBienNhan: 'HT-2026-77' }) // the justice software's receipt
  })
  const hub = await build(t, { agencyUrl: agency.url, attempts: 5 })
  const code = await submitted(hub)
  const state = await waitFor(async () => {
    const r = await routingOf(hub, code, 'civil-status')
    return r?.state === 'delivered' ? r : undefined
  }, 'delivery after two 500s')
  t.equal(agency.requests.length, 3, 'three requests')
  t.same(agency.requests.map((r) => r.headers['idempotency-key']), Array(3).fill(`${code}/civil-status`), 'the same key every time: <code>/<step>')
  t.same(new Set(agency.requests.map((r) => JSON.stringify(r.body))).size, 1, 'the same body every time')
  t.equal(state.attempts, 3)
  t.equal(state.agencyReference, 'HT-2026-77')
  t.match(state.lastAttemptAt, /\+07:00$/)
  const job = await hub.queues.getJob('justice', code, 'civil-status')
  t.equal(await job?.getState(), 'completed')
})

t.test('agency down for every attempt: failed on the dossier with the last error, and kept in the failed set', async (t) => {
  const settings = testSettings({ agencyUrl: await deadEndpoint(), attempts: 3, baseDelayMs: 20 })
  const hub = await build(t, { settings })
  const code = await submitted(hub)
  const state = await waitFor(async () => {
    const r = await routingOf(hub, code, 'civil-status')
    return r?.state === 'failed' ? r : undefined
  }, 'failed state')
  t.equal(state.attempts, 3, 'all attempts used')
  t.match(state.lastError, /cannot reach the agency: ECONNREFUSED/)
  const failed = await waitFor(async () => {
    const jobs = await hub.queues.queue('justice').getFailed()
    return jobs.length > 0 ? jobs : undefined
  }, 'job in the failed set')
  t.equal(failed.length, 1)
  t.equal(failed[0]?.id, `${code}/civil-status`, 'the failed job is the dossier\'s delivery (job id <code>/<step>)')
  t.equal(failed[0]?.attemptsMade, 3)
  t.match(failed[0]?.failedReason, /ECONNREFUSED/)
  const list = (await asAdmin(hub).inject({ url: '/v1/dossiers?agency=justice' })).json<{ items: DossierSummary[] }>()
  t.equal(list.items[0]?.routing['civil-status']?.state, 'failed', 'the failure shows in the list too')
})

t.test('a 4xx other than 408/429 fails at once: one request, failed state, failed job', async (t) => {
  const agency = await startAgency(t, (_req, res) => { answerJson(res, 422, { message: 'mã thủ tục không hợp lệ' }) })
  const hub = await build(t, { agencyUrl: agency.url, attempts: 5 })
  const code = await submitted(hub, 'electricity-new-connection')
  const state = await waitFor(async () => {
    const r = await routingOf(hub, code, 'evn')
    return r?.state === 'failed' ? r : undefined
  }, 'failed state')
  t.equal(agency.requests.length, 1, 'not retried')
  t.equal(state.attempts, 1)
  t.match(state.lastError, /HTTP 422/)
  const job = await hub.queues.getJob('evn', code)
  t.equal(await job?.getState(), 'failed')
})

t.test('408 is retried like a 5xx', async (t) => {
  const agency = await startAgency(t, (_req, res, n) => { answerJson(res, n === 1 ? 408 : 201, {}) })
  const hub = await build(t, { agencyUrl: agency.url })
  const code = await submitted(hub)
  await waitFor(async () => (await routingOf(hub, code, 'civil-status'))?.state === 'delivered', 'delivered after a 408')
  t.equal(agency.requests.length, 2)
})

t.test('429 with Retry-After: the next attempt waits at least that long', async (t) => {
  const agency = await startAgency(t, (_req, res, n) => {
    if (n === 1) answerJson(res, 429, { error: 'slow down' }, { 'retry-after': '1' })
    else answerJson(res, 201, { reference: 'ok' })
  })
  const hub = await build(t, { agencyUrl: agency.url, attempts: 3 })
  const code = await submitted(hub)
  await waitFor(async () => (await routingOf(hub, code, 'civil-status'))?.state === 'delivered', 'delivered after a 429', 15_000)
  t.equal(agency.requests.length, 2)
  const gap = (agency.requests[1]?.at ?? 0) - (agency.requests[0]?.at ?? 0)
  // the backoff alone would be 20–40 ms; Retry-After: 1 asks for a whole second
  t.ok(gap >= 950, `second attempt came ${gap} ms after the first (Retry-After: 1)`)
})

t.test('a slow agency times out and is retried', async (t) => {
  const agency = await startAgency(t, async (_req, res, n) => {
    if (n === 1) await new Promise((resolve) => setTimeout(resolve, 800))
    answerJson(res, 201, {})
  })
  const settings = testSettings({ agencyUrl: agency.url, timeoutMs: 200, attempts: 3 })
  const hub = await build(t, { settings })
  const code = await submitted(hub)
  const state = await waitFor(async () => {
    const r = await routingOf(hub, code, 'civil-status')
    return r?.state === 'delivered' ? r : undefined
  }, 'delivered after a timeout')
  t.equal(state.attempts, 2)
})

t.test('one agency down does not hold back another agency\'s deliveries', async (t) => {
  const agency = await startAgency(t, (req, res) => {
    if (req.path === '/justice') return // never answers
    answerJson(res, 201, { maTiepNhan: 'EVN-1' })
  })
  const settings = testSettings({ agencyUrl: agency.url, timeoutMs: 1500, attempts: 1 })
  const hub = await build(t, { settings })
  const stuck = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
    const s = example('birth-registration')
    s.source.reference = `stuck-${i}`
    return (await post(asAdmin(hub), s)).json<DossierSummary>().code
  }))
  const code = await submitted(hub, 'electricity-new-connection')
  await waitFor(async () => (await routingOf(hub, code, 'evn'))?.state === 'delivered', 'evn delivery while justice hangs')
  const justice = await Promise.all(stuck.map(async (c) => (await routingOf(hub, c, 'civil-status'))?.state))
  t.ok(justice.every((s) => s !== 'delivered'), 'justice deliveries are still hanging')
})

t.test('a delivery already recorded as delivered is not sent again', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const code = await submitted(hub)
  await waitFor(async () => (await routingOf(hub, code, 'civil-status'))?.state === 'delivered', 'delivered')
  const job = await hub.queues.getJob('justice', code, 'civil-status')
  await job?.remove()
  await hub.queues.enqueue(code, [{ step: 'civil-status', agency: 'justice' }])
  await waitFor(async () => await (await hub.queues.getJob('justice', code, 'civil-status'))?.getState() === 'completed', 'second job completed')
  t.equal(agency.requests.length, 1, 'the agency saw one request')
  t.same((await hub.queues.getJob('justice', code, 'civil-status'))?.returnvalue, { outcome: 'already-delivered' })
})
