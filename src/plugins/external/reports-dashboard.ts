/**
 * The administrators' dashboard of the Decision 766 indicators at /admin/reports: the on-time share
 * (2.1) month by month per commune and per agency as charts (chart.js, served from node_modules:
 * no CDN), the ranking table of the chosen period, filters (period, unit, procedure). Behind the
 * admin key as the queue console is (basic auth: any user name, the key as the password; or
 * Authorization: Bearer / X-Api-Key); the browser sends the same credentials for the page's data,
 * /admin/reports/data, which answers from the same service as GET /v1/reports/indicators.
 */
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import type { ClientStore } from '../../auth/clients.ts'
import { HubValidationError } from '../../errors.ts'
import { adminPageAuth } from './admin-page-auth.ts'
import { fromRoot } from '../../paths.ts'
import type { IndicatorQuery, IndicatorReport } from '../../types/schemas.generated.ts'

export const DASHBOARD_PATH = '/admin/reports'

/** The most months one dashboard request charts. */
const MAX_MONTHS = 24

/** The months ('YYYY-MM-DD' first and last day) a period touches. */
export function monthsOf (from: string, to: string): Array<{ month: string, from: string, to: string }> {
  const out: Array<{ month: string, from: string, to: string }> = []
  let y = Number(from.slice(0, 4))
  let m = Number(from.slice(5, 7))
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`
    if (month > to.slice(0, 7)) break
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate()
    out.push({ month, from: month === from.slice(0, 7) ? from : `${month}-01`, to: month === to.slice(0, 7) ? to : `${month}-${String(last).padStart(2, '0')}` })
    m++
    if (m > 12) { m = 1; y++ }
  }
  return out
}

const onTime = (u: { indicators: Array<{ id: string, value: number | null }> } | undefined): number | null => u?.indicators.find((f) => f.id === '2.1')?.value ?? null

export async function registerReportsDashboard (app: FastifyInstance, options: { clients: ClientStore }): Promise<void> {
  const files: Record<string, { path: string, type: string }> = {
    '': { path: fromRoot('src', 'web', 'reports', 'index.html'), type: 'text/html; charset=utf-8' },
    'dashboard.js': { path: fromRoot('src', 'web', 'reports', 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
    'chart.umd.js': { path: fromRoot('node_modules', 'chart.js', 'dist', 'chart.umd.js'), type: 'text/javascript; charset=utf-8' }
  }
  const cache = new Map<string, Buffer>()
  const read = (name: string): Buffer => {
    const f = files[name] as { path: string }
    let b = cache.get(name)
    if (b === undefined) { b = readFileSync(f.path); cache.set(name, b) }
    return b
  }
  await app.register(async (scope) => {
    const admitted = adminPageAuth(options.clients, 'the dashboard')
    scope.addHook('onRequest', async (request, reply) => { await admitted(request, reply) })
    scope.addHook('onSend', async (_request, reply, payload) => {
      // scripts from the hub only; chart.js sets canvas sizes through style attributes
      void reply.header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
      return payload
    })
    for (const name of Object.keys(files)) {
      scope.get(`${DASHBOARD_PATH}${name === '' ? '' : `/${name}`}`, { schema: { hide: true } }, async (_request, reply) => await reply.type((files[name] as { type: string }).type).header('cache-control', 'no-cache').send(read(name)))
    }
    scope.get<{ Querystring: IndicatorQuery }>(`${DASHBOARD_PATH}/data`, { schema: { hide: true, querystring: { $ref: 'indicator-query#' } } }, async (request) => {
      const report: IndicatorReport = await app.hub.indicators.report(request.query, request.client)
      const months = monthsOf(report.from, report.to)
      if (months.length > MAX_MONTHS) throw new HubValidationError([{ parameter: 'from', detail: `the dashboard charts at most ${MAX_MONTHS} months; ask for a shorter period` }])
      const filters = { ...(request.query.unit !== undefined && { unit: request.query.unit }), ...(request.query.procedure !== undefined && { procedure: request.query.procedure }) }
      const monthly = []
      for (const m of months) {
        // a month that has not begun yet is not charted
        if (m.from > report.judgedAt.slice(0, 10)) break
        const r = await app.hub.indicators.report({ from: m.from, to: m.to, ...filters }, request.client)
        monthly.push({
          month: m.month,
          province: onTime(r.province),
          communes: Object.fromEntries((r.communes ?? []).map((u) => [u.key, onTime(u)])),
          agencies: Object.fromEntries(r.agencies.map((u) => [u.name ?? u.key, onTime(u)]))
        })
      }
      return { report, monthly }
    })
  })
}
