/**
 * The administrators' API over the delivery queues: counts, failed deliveries with their dossier,
 * retry one or all, discard with a reason in the audit trail, pause and resume an agency without
 * losing anything, every job of one dossier by its code; admin only; the console behind the key.
 */
import t from 'tap'
import { answerJson, bearer, build, deadEndpoint, example, freePort, post, startAgency, testSettings, uniquePrefix, waitFor, type TestHub, asAdmin, asKey, anonymous } from '../../helper.ts'
import type { AuditEntry, DossierSummary } from '../../../src/types/schemas.generated.ts'
import { createHub } from '../../../src/runtime.ts'
import { createLogger } from '../../../src/logger.ts'
import { hubDatabase } from '../../db-helper.ts'

/** An agency that fails until told to work. */
async function flakyAgency (t: Parameters<typeof startAgency>[0]): Promise<{ url: string, heal: () => void, requests: Awaited<ReturnType<typeof startAgency>>['requests'] }> {
  let healthy = false
  const agency = await startAgency(t, (_req, res) => { if (healthy) answerJson(res, 201, { soBienNhan: 'OK-1', maTiepNhan: 'OK-1', reference: 'OK-1' }); else answerJson(res, 503, { error: 'maintenance' }) })
  return { url: agency.url, heal: () => { healthy = true }, requests: agency.requests }
}

async function failedBirth (hub: TestHub): Promise<string> {
  const s = example('birth-registration')
  s.source.reference = `ADM-${Math.random()}`
  const { code } = (await post(asAdmin(hub), s)).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'failed', 'the delivery to fail')
  return code
}

/**
 * The dossier's audit entries of one action, from its trail in the record. Counted rather than
 * looked for: the hubs of this file share its database, and until dossier codes are numbered there
 * two of them may give the same code, so a trail may hold another test's entries too.
 */
async function audited (hub: TestHub, code: string, action: AuditEntry['action']): Promise<AuditEntry[]> {
  return (await hub.audit.list(code)).filter((e) => e.action === action)
}

t.test('a failed delivery: seen in the counts and the failed list, found by its dossier, retried, delivered; the retry is audited', async (t) => {
  const agency = await flakyAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, attempts: 1 })
  const code = await failedBirth(hub)

  const queues = (await asAdmin(hub).inject({ url: '/v1/admin/queues' })).json<Array<{ agency: string, paused: boolean, counts: Record<string, number> }>>()
  t.same(queues.map((q) => q.agency).sort(), [...hub.queues.agencyIds].sort(), 'one queue per agency')
  t.equal(queues.find((q) => q.agency === 'justice')?.counts.failed, 1, 'justice: one failed')
  const failed = (await asAdmin(hub).inject({ url: '/v1/admin/queues/justice/failed' })).json<Array<Record<string, unknown>>>()
  t.match(failed, [{ jobId: `${code}/civil-status`, dossier: code, step: 'civil-status', agency: 'justice', state: 'failed', attemptsMade: 1, failedReason: /HTTP 503/ }], 'the failed job names its dossier and last error')

  const jobs = (await asAdmin(hub).inject({ url: `/v1/admin/dossiers/${code}/jobs` })).json<Array<{ step: string, stepState: string, job: Record<string, unknown> | null }>>()
  t.same(jobs.map((j) => [j.step, j.stepState, j.job?.state ?? null]), [['civil-status', 'failed', 'failed'], ['residence', 'waiting', null], ['health-insurance', 'waiting', null], ['return', 'waiting', null]], 'every job of the dossier, by its code (the birth certificate goes back by post: the postal return is the last step)')

  agency.heal()
  const retriesBefore = (await audited(hub, code, 'retry')).length
  const retried = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/steps/civil-status/retry` })
  t.equal(retried.statusCode, 200)
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivered after the retry')
  const notFailed = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/steps/civil-status/retry` })
  t.equal(notFailed.statusCode, 400, 'retrying a delivery that is not failed: 400')
  const retries = (await audited(hub, code, 'retry')).slice(retriesBefore)
  t.same(retries.map((e) => [e.client, e.status]), [['test-admin', 200]], 'the retry is in the dossier\'s audit trail (written before the answer), once')
})

t.test('retry every failed delivery of an agency; discard one with a reason', async (t) => {
  const agency = await flakyAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, attempts: 1 })
  const [a, b, c] = [await failedBirth(hub), await failedBirth(hub), await failedBirth(hub)]

  const discardsBefore = (await audited(hub, c, 'discard')).length
  const noReason = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${c}/steps/civil-status/discard`, payload: {} })
  t.equal(noReason.statusCode, 400, 'a discard needs a reason')
  const discarded = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${c}/steps/civil-status/discard`, payload: { reason: 'Hồ sơ trùng, đã nộp trực tiếp tại Sở Tư pháp' } })
  t.same(discarded.json(), { discarded: `${c}/civil-status` })
  t.equal(await hub.queues.getJob('justice', c, 'civil-status'), undefined, 'the job is gone')
  t.equal((await hub.store.routingState(c, 'civil-status'))?.state, 'failed', 'the step still says failed')
  const discards = (await audited(hub, c, 'discard')).slice(discardsBefore)
  t.equal(discards.length, 1, 'the discard is audited, once')
  const entry = discards[0]
  t.equal(entry?.note, 'Hồ sơ trùng, đã nộp trực tiếp tại Sở Tư pháp', 'with its reason')

  agency.heal()
  const all = await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/queues/justice/retry-failed' })
  t.same(all.json(), { retried: 2 }, 'the two remaining failed deliveries')
  for (const code of [a, b]) await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', `${code} delivered`)
  t.equal((await hub.store.routingState(c, 'civil-status'))?.state, 'failed', 'the discarded one was not sent again')
})

t.test('a failed delivery whose job was removed from Redis (cleaned) is found by retry-failed and delivered once', async (t) => {
  const agency = await flakyAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, attempts: 1 })
  const code = await failedBirth(hub)
  // what a "clean failed" (a console, or anyone with Redis access) does: the job is gone, the step says failed
  await hub.queues.queue('justice').clean(0, 1000, 'failed')
  t.equal(await hub.queues.getJob('justice', code, 'civil-status'), undefined, 'the job is gone')
  const jobs = (await asAdmin(hub).inject({ url: `/v1/admin/dossiers/${code}/jobs` })).json<Array<{ step: string, stepState: string, job: unknown }>>()
  t.match(jobs.find((j) => j.step === 'civil-status'), { stepState: 'failed', job: null })

  agency.heal()
  const retriesBefore = (await audited(hub, code, 'retry')).length
  const all = await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/queues/justice/retry-failed' })
  t.same(all.json(), { retried: 1 }, 'retry-failed finds the step whose job was removed')
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivered after the retry')
  const sent = agency.requests.filter((r) => r.path === '/justice')
  t.equal(sent.length, 2, 'the failed attempt and one delivery')
  t.equal(sent[1]?.headers['idempotency-key'], sent[0]?.headers['idempotency-key'], 'with the same Idempotency-Key')
  t.same((await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/queues/justice/retry-failed' })).json(), { retried: 0 }, 'nothing left to retry')
  t.equal((await audited(hub, code, 'retry')).length, retriesBefore + 1, 'the retry audited')
})

t.test('one failed step whose job was removed is retried from its routing state, delivered once; a discarded one is left out of retry-failed but can still be retried', async (t) => {
  const agency = await flakyAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, attempts: 1 })
  const [code, other] = [await failedBirth(hub), await failedBirth(hub)]
  for (const c of [code, other]) await (await hub.queues.getJob('justice', c, 'civil-status'))?.remove()

  agency.heal()
  const retriesBefore = (await audited(hub, code, 'retry')).length
  const retried = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${code}/steps/civil-status/retry` })
  t.equal(retried.statusCode, 200, 'retried without its job')
  t.match(retried.json(), { jobId: `${code}/civil-status`, dossier: code, step: 'civil-status' })
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivered after the retry')
  t.equal((await audited(hub, code, 'retry')).length, retriesBefore + 1, 'the retry is on the audit trail')

  const discarded = await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${other}/steps/civil-status/discard`, payload: { reason: 'Đã chuyển bản giấy' } })
  t.same(discarded.json(), { discarded: `${other}/civil-status` }, 'a failed step without its job can be discarded')
  t.same((await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/queues/justice/retry-failed' })).json(), { retried: 0 }, 'retry-failed leaves the discarded one alone')
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: `/v1/admin/dossiers/${other}/steps/civil-status/retry` })).statusCode, 200, 'an explicit retry still sends it')
  await waitFor(async () => (await hub.store.routingState(other, 'civil-status'))?.state === 'delivered', 'the discarded one delivered on request')
  t.equal(agency.requests.filter((r) => r.path === '/justice').length, 4, 'each dossier: one failed attempt, one delivery')
})

t.test('pause an agency: deliveries wait, nothing is lost; resume delivers them all', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const paused = await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/queues/evn/pause' })
  t.match(paused.json(), { agency: 'evn', paused: true })
  const codes: string[] = []
  for (let i = 0; i < 3; i++) {
    const s = example('electricity-new-connection')
    s.source.reference = `PAUSE-${i}`
    codes.push((await post(asAdmin(hub), s)).json<DossierSummary>().code)
  }
  // the three jobs are in the paused queue: no worker can take one from there
  const queued = async (): Promise<{ agency: string, paused: boolean, counts: Record<string, number> } | undefined> =>
    (await asAdmin(hub).inject({ url: '/v1/admin/queues' })).json<Array<{ agency: string, paused: boolean, counts: Record<string, number> }>>().find((q) => q.agency === 'evn')
  const during = await waitFor(async () => { const q = await queued(); return q?.counts.waiting === 3 ? q : undefined }, 'three deliveries waiting in the paused queue')
  t.equal(during.paused, true)
  t.equal(during.counts.active ?? 0, 0, 'none taken')
  t.equal(agency.requests.filter((r) => r.path === '/evn').length, 0, 'nothing sent while paused')
  const resumed = await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/queues/evn/resume' })
  t.match(resumed.json(), { paused: false })
  for (const code of codes) await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', `${code} delivered after resume`)
  t.equal(agency.requests.filter((r) => r.path === '/evn').length, 3, 'each once')
})

t.test('admin only, on the API and the console', async (t) => {
  const hub = await build(t, { role: 'api' })
  for (const key of [hub.keys.portal, hub.keys.auditor, hub.keys.agencies.evn ?? '']) {
    for (const [method, url] of [['GET', '/v1/admin/queues'], ['POST', '/v1/admin/queues/evn/pause'], ['GET', '/v1/admin/queues/evn/failed']] as const) {
      t.equal((await asKey(hub, key).inject({ method, url })).statusCode, 403, `${method} ${url}: 403 for a non-admin`)
    }
  }
  t.equal((await asAdmin(hub).inject({ url: '/v1/admin/queues/nowhere/failed' })).statusCode, 404, 'an unknown agency: 404')
  const noKey = await anonymous(hub).inject({ url: '/admin/queues' })
  t.equal(noKey.statusCode, 401, 'the console without a key: 401')
  t.match(noKey.headers['www-authenticate'], /^Basic /, 'asking the browser for basic auth')
  const basic = (key: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`admin:${key}`).toString('base64')}` })
  t.equal((await anonymous(hub).inject({ url: '/admin/queues', headers: basic(hub.keys.portal) })).statusCode, 403, 'another role: 403')
  const page = await anonymous(hub).inject({ url: '/admin/queues', headers: basic(hub.keys.admin) })
  t.equal(page.statusCode, 200, 'the admin key as the password: the console')
  t.match(page.headers['content-type'], /text\/html/)
})

t.test('the queue routes while this process cannot reach Redis: 503 at once, naming why; 401 still first', async (t) => {
  const record = await hubDatabase()
  const hub = await createHub({
    role: 'api',
    redisUrl: `redis://127.0.0.1:${await freePort()}`,
    prefix: uniquePrefix(),
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
  })
  const app = hub.app
  if (app === undefined) throw new Error('no app')
  const { key } = await hub.clients.add({ id: 'admin-no-redis', role: 'admin' })
  for (const url of ['/v1/admin/queues', '/v1/admin/queues/evn/failed', '/v1/admin/dossiers/000.00.06.H56-261203-0001/jobs']) {
    const res = await app.inject({ url, headers: bearer(key) })
    t.equal(res.statusCode, 503, `${url}: 503 rather than waiting for Redis`)
    t.match(res.json(), { code: 'HUB_ERR_UNAVAILABLE', detail: /Redis, which this process cannot reach now \(connection \w+\)/ })
  }
  t.equal((await app.inject({ url: '/v1/admin/queues', headers: { authorization: '' } })).statusCode, 401, 'without a key: 401 first')
  const posted = await app.inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json', ...bearer(key) }, payload: JSON.stringify(example('electricity-new-connection')) })
  t.equal(posted.statusCode, 201, 'intake goes on: the record is PostgreSQL')
})
