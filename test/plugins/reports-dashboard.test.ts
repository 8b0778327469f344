/**
 * The administrators' dashboard of the Decision 766 indicators (/admin/reports): behind the admin
 * key like the queue console, and, in a real browser (Debian's Chromium, driven by playwright-core),
 * it loads, draws the monthly on-time shares from the hub's data (chart.js served by the hub) and
 * the ranking table, with no error in the browser console. Skipped, saying why, only when Chromium
 * is not installed.
 */
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { build, example, post, startAgency, waitFor, anonymous, asPortal, asAdmin } from '../helper.ts'
import type { DossierSubmission, DossierSummary } from '../../src/types/schemas.generated.ts'
import { monthsOf } from '../../src/plugins/external/reports-dashboard.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

t.test('the months a period touches', async (t) => {
  t.same(monthsOf('2026-01-15', '2026-03-03'), [
    { month: '2026-01', from: '2026-01-15', to: '2026-01-31' },
    { month: '2026-02', from: '2026-02-01', to: '2026-02-28' },
    { month: '2026-03', from: '2026-03-01', to: '2026-03-03' }
  ])
  t.same(monthsOf('2025-12-01', '2026-01-31').map((m) => m.month), ['2025-12', '2026-01'])
})

t.test('the dashboard needs the admin key', async (t) => {
  const hub = await build(t, { role: 'api' })
  t.equal((await anonymous(hub).inject({ url: '/admin/reports' })).statusCode, 401)
  t.equal((await asPortal(hub).inject({ url: '/admin/reports/data' })).statusCode, 403)
  const page = await anonymous(hub).inject({ url: '/admin/reports', headers: { authorization: `Basic ${Buffer.from(`admin:${hub.keys.admin}`).toString('base64')}` } })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-security-policy'], /script-src 'self'[;]/, 'no inline or foreign script')
  t.match(page.body, /src="\/admin\/reports\/chart\.umd\.js"/, 'chart.js from the hub, not a CDN')
  const chart = await asAdmin(hub).inject({ url: '/admin/reports/chart.umd.js' })
  t.equal(chart.statusCode, 200)
  t.match(chart.body.slice(0, 300), /Chart\.js/)
  t.equal((await asAdmin(hub).inject('/admin/reports/data?from=2026-02-01&to=2026-01-01')).statusCode, 400)
})

t.test('an administrator opens the dashboard: charts and ranking drawn from the hub\'s figures, no console errors', { skip: existsSync(CHROMIUM) ? false : `Chromium is not installed at ${CHROMIUM}` }, async (t) => {
  let now = new Date('2026-01-05T09:00:00+07:00')
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: () => now })
  let n = 0
  const submit = async (unit: string): Promise<string> => {
    n++
    const base = example('electricity-new-connection')
    const s: DossierSubmission = { ...base, source: { system: base.source.system, reference: `dash-${n}` }, procedure: { ...base.procedure, level: 'commune', receivingAgency: { code: unit } } }
    const { code } = (await post(asAdmin(hub), s)).json<DossierSummary>()
    await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', `${code} delivered`)
    return code
  }
  const resolve = async (code: string): Promise<void> => {
    const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `e-${Math.random()}`, agency: 'evn', report: { status: 'resolved' } } })
    t.equal(res.statusCode, 201)
  }
  const early = await submit('000.31.35.H56')
  const late = await submit('000.31.36.H56')
  now = new Date('2026-01-06T10:00:00+07:00')
  await resolve(early)
  now = new Date('2026-02-02T10:00:00+07:00')
  await resolve(late)
  now = new Date('2026-03-10T09:00:00+07:00')
  const base = await hub.app.listen({ port: 0, host: '127.0.0.1' })

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  t.teardown(async () => { await browser.close() })
  const context = await browser.newContext({ httpCredentials: { username: 'admin', password: hub.keys.admin } })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
  page.on('pageerror', (e) => { errors.push(String(e)) })
  await page.goto(`${base}/admin/reports?from=2026-01-01&to=2026-02-28`)
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 })
  t.pass('the page loaded its data')
  t.equal(await page.locator('#communes-chart').getAttribute('data-series'), '2', 'one line per commune')
  t.equal(await page.locator('#agencies-chart').getAttribute('data-series'), '1', 'one line for the power company')
  // chart.js drew: the canvas holds non-blank pixels
  const drawn = await page.evaluate(`(() => {
    const c = document.getElementById('communes-chart')
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    let painted = 0
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++
    return painted
  })()`) as number
  t.ok(drawn > 500, `the chart is drawn (${drawn} painted pixels)`)
  const rows = await page.locator('#ranking tbody tr').allTextContents()
  t.equal(rows.length, 2, 'the ranking table: two communes')
  t.match(rows[0], /^1000\.31\.35\.H56/, 'the one on time ranks first')
  t.match(rows[1], /^2000\.31\.36\.H56/)
  t.match(await page.locator('#judged').textContent(), /2026-02-28T23:59:59\.999\+07:00/)
  // filter: the agencies' ranking
  await page.selectOption('select[name=grouping]', 'agencies')
  await page.click('button[type=submit]')
  await page.locator('#ranking tbody tr', { hasText: 'evn' }).waitFor({ timeout: 10_000 })
  t.pass('the agencies\' ranking after filtering')
  await page.screenshot({ path: join(t.testdir(), 'dashboard.png'), fullPage: true })
  t.same(errors, [], 'no errors in the browser console')
})
