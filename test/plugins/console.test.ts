/**
 * The queue console is read-only: its write actions (clean, retry, remove, promote, pause…) are
 * refused, through bull-board's API as through any other request, and nothing changes. In a real
 * browser (Debian's Chromium, driven by playwright-core): an administrator logs in (basic auth
 * with the admin key), sees an agency's failed delivery, finds no button to change it, retries it
 * through the admin API, and sees it completed. A screenshot is saved in the test's directory. The
 * browser tests are skipped, saying why, only when Chromium is not installed (.ci/run installs it).
 */
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { answerJson, build, deadEndpoint, example, post, startAgency, testSettings, waitFor, asAdmin, anonymous } from '../helper.ts'
import { deliveryQueueName } from '../../src/queues/delivery-queues.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

t.test('the console cannot clean, retry, remove or promote: every write is refused (405) and the failed delivery stays', async (t) => {
  const agency = await startAgency(t, (_req, res) => { answerJson(res, 503, { error: 'down' }) })
  const hub = await build(t, { agencyUrl: agency.url, attempts: 1 })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'failed', 'the delivery to fail')
  const jobId = `${code}/civil-status`
  const queue = deliveryQueueName('justice')
  const basic = { authorization: `Basic ${Buffer.from(`admin:${hub.keys.admin}`).toString('base64')}` }
  const api = `/admin/queues/api/queues/${encodeURIComponent(queue)}`
  const job = `${api}/${encodeURIComponent(jobId)}`
  for (const [method, url, what] of [
    ['PUT', `${api}/clean/failed`, 'clean failed'],
    ['PUT', `${api}/retry/failed`, 'retry all failed'],
    ['PUT', `${api}/promote`, 'promote all'],
    ['PUT', `${job}/clean`, 'remove the job'],
    ['PUT', `${job}/retry`, 'retry the job'],
    ['PUT', `${job}/promote`, 'promote the job'],
    ['PUT', `${api}/empty`, 'empty the queue'],
    ['PUT', `${api}/pause`, 'pause the queue'],
    ['POST', `${api}/add`, 'add a job']
  ] as const) {
    const res = await anonymous(hub).inject({ method, url, headers: { ...basic, 'content-type': 'application/json' }, payload: '{}' })
    t.equal(res.statusCode, 405, `${what}: refused`)
    t.equal(res.json<{ code: string }>().code, 'HUB_ERR_READ_ONLY_CONSOLE', `${what}: a problem document naming the read-only console`)
  }
  t.equal(await (await hub.queues.getJob('justice', code, 'civil-status'))?.getState(), 'failed', 'the job is still in the failed set')
  t.equal((await hub.queues.queue('justice').getJobCounts('failed')).failed, 1)
  const shown = (await anonymous(hub).inject({ url: '/admin/queues/api/queues?activeQueue=' + queue, headers: basic })).json<{ queues: Array<{ name: string, readOnlyMode: boolean }> }>()
  t.ok(shown.queues.length > 0 && shown.queues.every((q) => q.readOnlyMode), 'every queue is shown read-only (no action buttons)')
  t.equal(agency.requests.length, 1, 'nothing was sent again')
})

t.test('an administrator sees a failed delivery in the read-only console, retries it through the admin API and sees it completed', { skip: existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM} (apt-get install chromium; .ci/run does)` }, async (t) => {
  let healthy = false
  const agency = await startAgency(t, (_req, res) => { if (healthy) answerJson(res, 201, { soBienNhan: 'HT-OK' }); else answerJson(res, 503, { error: 'down' }) })
  // a portal subscriber that nothing answers for: its notifications fail into the webhook queue
  const settings = testSettings({ agencyUrl: agency.url, attempts: 1, subscribers: { portal: { url: await deadEndpoint(), secret: 'console-test-secret', attempts: 1 } } })
  const hub = await build(t, { settings })
  const base = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'failed', 'the delivery to fail')
  const jobId = `${code}/civil-status`

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: hub.keys.admin } })
  const page = await context.newPage()

  await page.goto(`${base}/admin/queues`)
  await page.getByText('deliver.justice').first().waitFor({ timeout: 15_000 })
  t.pass('logged in: the console lists the agency queues')
  await page.getByText('deliver.vnpost').first().waitFor({ timeout: 5000 })
  t.pass('the postal return queue')
  await page.getByText('webhooks', { exact: true }).first().waitFor({ timeout: 5000 })
  t.pass('and the webhook queue')
  await waitFor(async () => (await hub.webhooks?.queue.getJobCounts('failed'))?.failed === 1 ? true : undefined, 'the receipt notification failed')
  await page.goto(`${base}/admin/queues/queue/webhooks?status=failed`)
  await page.getByText(`portal/${code}/1`).first().waitFor({ timeout: 15_000 })
  t.pass('a failed notification is shown by its job id (subscriber / dossier / sequence)')
  const webhooks = (await asAdmin(hub).inject('/v1/admin/webhooks')).json<{ failed: Array<{ dossier: string, subscriber: string }> }>()
  t.match(webhooks.failed, [{ dossier: code, subscriber: 'portal' }], 'the admin API lists it too')

  await page.goto(`${base}/admin/queues/queue/deliver.justice?status=failed`)
  await page.getByText(jobId).first().waitFor({ timeout: 15_000 })
  t.pass('the failed delivery is shown by its job id (dossier code / step)')
  await page.getByText(/HTTP 503/).first().waitFor({ timeout: 5000 })
  t.pass('with its last error')
  const dir = t.testdir()
  await page.screenshot({ path: join(dir, 'failed.png'), fullPage: true })

  t.equal(await page.getByRole('button', { name: 'Retry all' }).count(), 0, 'no retry button: the console is read-only')
  t.equal(await page.getByRole('button', { name: /^Clean/ }).count(), 0, 'no clean button')

  healthy = true
  const retried = await asAdmin(hub).inject({ method: 'POST', url: '/v1/admin/queues/justice/retry-failed' })
  t.same(retried.json(), { retried: 1 }, 'retried through the admin API (audited)')
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivered after the retry', 15_000)
  t.pass('the retry delivered it')

  await page.goto(`${base}/admin/queues/queue/deliver.justice?status=completed`)
  await page.getByText(jobId).first().waitFor({ timeout: 15_000 })
  t.pass('the console shows it completed')
  const shot = join(dir, 'completed.png')
  await page.screenshot({ path: shot, fullPage: true })
  t.ok(existsSync(shot), `screenshot saved: ${shot}`)
  t.equal(agency.requests.length, 2, 'the agency saw the failed attempt and the retried one')
})

t.test('the API documentation renders in a browser under the security headers (CSP)', { skip: existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM}` }, async (t) => {
  const hub = await build(t, { role: 'api' })
  const base = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  t.teardown(async () => { await browser.close() })
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  const res = await page.goto(`${base}/docs`)
  t.match(res?.headers()['content-security-policy'], /default-src 'self'/, 'served with a content security policy')
  await page.getByText('/v1/dossiers/{code}/events').first().waitFor({ timeout: 15_000 })
  t.pass('Swagger UI lists the operations')
  await page.getByRole('button', { name: /Authorize/ }).first().waitFor({ timeout: 5000 })
  t.pass('with the API key scheme to authorize with')
  t.same(errors, [], 'no errors in the browser console (nothing blocked by the CSP)')
  await page.screenshot({ path: join(t.testdir(), 'docs.png') })
})
