/**
 * GET /v1/reports/indicators on real dossiers driven through their lifecycle in January 2026
 * (through the API, with the hub's clock set to each moment), hand-computed: power connections
 * (3 working days; received Monday 5 January 09:00 → due Thursday 8 January 09:00) in two communes
 * and at the province, resolved early and late, with one and with two supplement requests, one
 * still waiting for papers at the end of January, one still in progress then. January asked in
 * March and in June, with February's events in the record by then, gives the same figures.
 * Then criminal record certificates of April 2026 (10 calendar days; a paper result): 2.2 in
 * calendar days, 3.3 and 4.1 from the results registered in the document store, with maximum
 * scores set in the configuration.
 */
import t, { type Test } from 'tap'
import { build, example, post, startAgency, testSettings, waitFor, asAdmin, asAgency, anonymous } from '../../helper.ts'
import ExcelJS from 'exceljs'
import { judgeTimeliness, type HistoryPoint } from '../../../src/domain/indicators.ts'
import { STATUSES } from '../../../src/domain/status.ts'
import type { DossierSubmission, HistoryEntry, Dossier, DossierSummary, IndicatorReport, IndicatorUnit, StatusReport } from '../../../src/types/schemas.generated.ts'

const X = '000.31.35.H56'
const Y = '000.31.36.H56'
const PROVINCE_DESK = '000.00.06.H56'

/**
 * A hub on a clock the test moves (`at`, Vietnam time) and a birth registration it received at
 * `start`; `delivered` waits for a step's delivery, `report` posts an agency's report (201).
 */
async function clockedBirth (t: Test, start: string, reference: string) {
  let now = new Date(`${start}+07:00`)
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: () => now })
  const s = example('birth-registration')
  const res = await post(asAdmin(hub), { ...s, source: { system: s.source.system, reference } })
  t.equal(res.statusCode, 201, res.body)
  const summary = res.json<DossierSummary>()
  const code = summary.code
  return {
    hub,
    summary,
    code,
    at: (iso: string): void => { now = new Date(`${iso}+07:00`) },
    delivered: async (step: string): Promise<void> => {
      await waitFor(async () => (await hub.store.routingState(code, step))?.state === 'delivered', `${step} delivered`)
    },
    report: async (agencyId: string, r: StatusReport): Promise<void> => {
      const answer = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `e-${Math.random()}`, agency: agencyId, report: r } })
      t.equal(answer.statusCode, 201, answer.body)
    }
  }
}

const fig = (u: IndicatorUnit | undefined, id: string): Record<string, unknown> => {
  const f = u?.indicators.find((x) => x.id === id)
  if (f === undefined) throw new Error(`no ${id} in ${JSON.stringify(u)}`)
  return f as unknown as Record<string, unknown>
}

t.test('the Decision 766 indicators of January 2026, per commune, agency and procedure, and the same later', async (t) => {
  let now = new Date('2026-01-05T09:00:00+07:00') // Monday
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: () => now })
  const at = (iso: string): void => { now = new Date(`${iso}+07:00`) }
  let n = 0
  // the due date each was given at receipt (the history shows the later ones on the entries that moved it)
  const dueAtReceipt = new Map<string, Date>()
  const submit = async (unit: string, channel: 'online' | 'counter', fees?: DossierSubmission['fees']): Promise<string> => {
    n++
    const base = example('electricity-new-connection')
    const s: DossierSubmission = {
      ...base,
      channel,
      ...(fees !== undefined && { fees }),
      source: { system: base.source.system, reference: `ind-${n}` },
      procedure: { ...base.procedure, level: unit === PROVINCE_DESK ? 'province' : 'commune', receivingAgency: { code: unit } }
    }
    const res = await post(asAdmin(hub), s)
    t.equal(res.statusCode, 201, res.body)
    const { code, dueAt } = res.json<DossierSummary>()
    if (dueAt !== undefined) dueAtReceipt.set(code, new Date(dueAt))
    await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', `${code} delivered`)
    return code
  }
  const report = async (code: string, r: StatusReport): Promise<void> => {
    const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `e-${Math.random()}`, agency: 'evn', report: r } })
    t.equal(res.statusCode, 201, `${r.status} on ${code}: ${res.body}`)
  }
  const supply = async (code: string): Promise<void> => {
    const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: { supplementId: `S-${Math.random()}`, attachments: [{ componentCode: 'TP1', fileName: 'a.pdf', mediaType: 'application/pdf', byteSize: 10, sha256: 'a'.repeat(64), url: 'https://x.example/a.pdf' }] } })
    t.equal(res.statusCode, 201, `supplied ${code}: ${res.body}`)
  }
  const missing = [{ componentCode: 'TP1', name: 'Bản sao giấy tờ' }]
  const result = { name: 'Hợp đồng mua bán điện', componentCode: 'KQ1', url: 'https://evn.example/kq.pdf', sha256: 'b'.repeat(64) }

  // Monday 5 January 09:00, all due Thursday 8 January 09:00
  const fee = (collection: 'online' | 'counter', amount = 50_000): NonNullable<DossierSubmission['fees']> => [{ code: 'LP1', name: 'Lệ phí', amount, collection, paid: true }]
  const a = await submit(X, 'online', fee('online')) // resolved Wed 7: on time, with a result file; its fee paid online
  const b = await submit(X, 'counter', fee('counter')) // resolved Fri 9: late; its fee paid at the counter
  const f = await submit(X, 'online', fee('online', 0)) // a zero fee line: not in 3.6's denominator; papers asked Tue 6, supplied Fri 9 (3 working days: due → Mon 12), resolved Mon 12 08:00: on time
  const c = await submit(Y, 'online') // two supplement requests, resolved Wed 7: overdue
  const d = await submit(Y, 'counter') // papers asked Wed 7, still waiting on 31 January: on time (ends at the request)
  at('2026-01-06T09:00:00')
  await report(f, { status: 'supplement-requested', missing })
  await report(c, { status: 'supplement-requested', missing })
  at('2026-01-06T14:00:00')
  await supply(c)
  at('2026-01-07T09:00:00')
  await report(c, { status: 'supplement-requested', missing })
  await report(d, { status: 'supplement-requested', missing })
  at('2026-01-07T10:00:00')
  await supply(c)
  await report(a, { status: 'resolved', results: [result] })
  at('2026-01-07T11:00:00')
  await report(c, { status: 'resolved' })
  at('2026-01-09T09:00:00')
  await supply(f)
  at('2026-01-09T10:00:00')
  await report(b, { status: 'resolved' })
  at('2026-01-12T08:00:00')
  await report(f, { status: 'resolved' })
  // Thursday 29 January 09:00, at the province's desk: due Tue 3 February 09:00; in progress on the 31st
  at('2026-01-29T09:00:00')
  const e = await submit(PROVINCE_DESK, 'counter')
  at('2026-01-30T09:00:00')
  await report(e, { status: 'processing' })

  // asked in March
  at('2026-03-16T09:00:00')
  const res = await asAdmin(hub).inject('/v1/reports/indicators?from=2026-01-01&to=2026-01-31')
  t.equal(res.statusCode, 200, res.body)
  const jan = res.json<IndicatorReport>()
  t.equal(jan.judgedAt, '2026-01-31T23:59:59.999+07:00')
  // 2.1: counted a b c d e f; on time a d e f
  t.match(fig(jan.province, '2.1'), { numerator: 4, denominator: 6, value: 66.67, threshold: 100, maxScore: 10, score: 6.67 })
  // 3.3: online a c f of 6 = 50%: the full score at the 50% threshold
  t.match(fig(jan.province, '3.3'), { numerator: 3, denominator: 6, value: 50, score: 10, shares: { online: 50, counter: 50, postal: 0 } })
  // 4.2: a component file and a result file by the end: a only (the others resolved without results)
  t.match(fig(jan.province, '4.2'), { numerator: 1, denominator: 6, value: 16.67, threshold: 80, score: 2.08 })
  // 2.2, in working days (the power connection's deadline is in working days; 8 h of working time a
  // day, 07:00–11:30 and 13:30–17:00): resolved in January of those received:
  //   a Mon 5 09:00 → Wed 7 10:00: Mon 6 h + Tue 8 h + Wed 3 h = 17 h = 2.125
  //   b Mon 5 09:00 → Fri 9 10:00: 6 + 8 + 8 + 8 + 3 = 33 h = 4.125
  //   c Mon 5 09:00 → Wed 7 11:00: 6 + 8 + 4 = 18 h, less its papers Tue 6 09:00–14:00 (3 h) and
  //     Wed 7 09:00–10:00 (1 h): 14 h = 1.75
  //   f Mon 5 09:00 → Mon 12 08:00: 6 + 8 × 5 (Tue 6 – Sat 10, a working Saturday) + 1 = 47 h, less
  //     its papers Tue 6 09:00 – Fri 9 09:00 (6 + 8 + 8 + 2 = 24 h): 23 h = 2.875
  // 10.875 working days ÷ 4 = 2.72 (in calendar days, as before, it was 2.9)
  t.match(fig(jan.province, '2.2'), { numerator: 10.88, denominator: 4, value: 2.72, unit: 'working-days', note: /own unit/ })
  t.match(fig(jan.procedures?.[0], '2.2'), { numerator: 10.88, denominator: 4, value: 2.72, unit: 'working-days' })
  // 1.4: no national portal in this hub's config: none of the six was taken by DVCQG
  t.match(fig(jan.province, '1.4'), { numerator: 0, denominator: 6, value: 0, note: /DVCQG/ })
  // 4.3, 4.4 (once-only): no component reused, none from the national personal data store
  t.match(fig(jan.province, '4.3'), { numerator: 0, denominator: 6, value: 0, note: /reuse/ })
  t.match(fig(jan.province, '4.4'), { numerator: 0, denominator: 6, value: 0, note: /national personal data store/ })
  // 4.1: a power connection's result is no paper document (paperResult false in the catalogue)
  t.match(fig(jan.province, '4.1'), { value: null, denominator: 0, reason: /paper/, maxScore: 10, maxScoreSource: 'placeholder' })
  // 3.6: dossiers with a fee above 0: a (paid online) and b (at the counter)
  t.match(fig(jan.province, '3.6'), { numerator: 1, denominator: 2, value: 50, threshold: 100, score: 5, note: /fee lines/ })

  // communes: X (a b f: 2 of 3 on time), Y (c d: 1 of 2); the province's desk is no commune
  t.same(jan.communes?.map((u) => u.key), [X, Y], 'ordered by total score')
  const [ux, uy] = jan.communes ?? []
  t.match(fig(ux, '2.1'), { numerator: 2, denominator: 3, value: 66.67 })
  t.match(fig(uy, '2.1'), { numerator: 1, denominator: 2, value: 50 })
  t.equal(ux?.rank, 1)
  t.equal(uy?.rank, 2)
  t.equal(fig(ux, '2.1').rank, 1)
  t.equal(fig(uy, '2.1').rank, 2)
  // X: 6.67 (2.1) + 10 (3.3: 66.67% online) + 5 (3.6: 1 of 2) + 10 × 33.33 / 80 = 4.17 (4.2) = 25.84
  t.equal(ux?.total, 25.84)
  t.match(fig(uy, '3.6'), { value: null, denominator: 0 }, 'no fee in Y')
  // the agency: its step, judged on its own due date (the dossier's) and its own supplement requests
  t.same(jan.agencies.map((u) => u.key), ['evn'])
  t.match(fig(jan.agencies[0], '2.1'), { numerator: 4, denominator: 6 })
  t.match(jan.agencies[0], { name: /Điện lực/ })
  t.same(jan.procedures?.map((u) => u.key), ['9.000001.000.00.00.H56'])

  // February happens: d supplied and resolved, e resolved late; then January asked in June
  at('2026-02-02T09:00:00')
  await supply(d)
  at('2026-02-03T10:00:00')
  await report(d, { status: 'resolved' })
  at('2026-02-04T10:00:00')
  await report(e, { status: 'resolved' })
  at('2026-06-15T09:00:00')
  const june = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-01-01&to=2026-01-31')).json<IndicatorReport>()
  t.same(june, jan, 'January asked in March and in June gives the same figures')
  const feb = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-02-01&to=2026-02-28')).json<IndicatorReport>()
  // February counts d and e, both late: d waited for papers from Wed 7 Jan 09:00 to Mon 2 Feb 09:00, 19
  // working days (8, 9, Sat 10, 12–16, 19–23, 26–30 Jan, 2 Feb), so its due date moved from Thu 8 Jan
  // 09:00 by 19 working days to Tue 3 Feb 09:00, and it was resolved at 10:00; e was due Tue 3 Feb 09:00
  t.match(fig(feb.province, '2.1'), { numerator: 0, denominator: 2, value: 0, score: 0 })
  t.match(fig(feb.province, '3.3'), { denominator: 0, value: null }, 'nothing received in February')

  // the record's SQL judges each dossier as the domain's rule does, from the history the API shows
  let onTime = 0
  let counted = 0
  for (const code of [a, b, c, d, e, f]) {
    const dossier = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>()
    const entries = (await asAdmin(hub).inject(`/v1/dossiers/${code}/history`)).json<{ entries: HistoryEntry[] }>().entries
    const history: HistoryPoint[] = entries.map((h) => ({
      at: new Date(h.at),
      type: h.type,
      ...(h.statusFrom !== undefined && { statusFrom: STATUSES[h.statusFrom].code }),
      ...(h.statusTo !== undefined && { statusTo: STATUSES[h.statusTo].code }),
      ...(h.dueAtTo !== undefined && { dueAtTo: new Date(h.dueAtTo) }),
      ...(h.type === 'received' && dueAtReceipt.has(code) && { dueAtTo: dueAtReceipt.get(code) })
    }))
    const j = judgeTimeliness(new Date(dossier.receivedAt as string), history, { start: new Date('2026-01-01T00:00:00+07:00'), end: new Date('2026-01-31T23:59:59.999+07:00') })
    if (j !== undefined) { counted++; if (j.onTime) onTime++ }
  }
  t.match(fig(june.province, '2.1'), { numerator: onTime, denominator: counted }, 'the SQL and the domain rule agree')

  // CSV and the XLSX workbook: the same figures
  const csv = await asAdmin(hub).inject({ url: '/v1/reports/indicators?from=2026-01-01&to=2026-01-31', headers: { accept: 'text/csv' } })
  t.equal(csv.statusCode, 200)
  t.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
  const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n')
  const header = (lines[0] ?? '').split(',')
  t.same(header.slice(0, 5), ['grouping', 'key', 'name', 'rank', 'total'])
  t.equal(lines.length, 1 + 1 + 2 + 1 + 1, 'header, province, two communes, one agency, one procedure')
  const xRow = (lines.find((l) => l.startsWith(`commune,${X},`)) ?? '').split(',')
  t.equal(xRow[header.indexOf('2.1 value')], '66.67')
  t.equal(xRow[header.indexOf('2.1 numerator')], '2')
  t.equal(xRow[header.indexOf('1.4 value')], '0')
  t.equal(xRow[header.indexOf('total')], '25.84')

  const xlsx = await asAdmin(hub).inject({ url: '/v1/reports/indicators?from=2026-01-01&to=2026-01-31', headers: { accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } })
  t.equal(xlsx.statusCode, 200)
  t.equal(xlsx.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  t.match(xlsx.headers['content-disposition'], /chi-so-766-2026-01-01-2026-01-31\.xlsx/)
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  t.same(wb.worksheets.map((w) => w.name), ['Toàn tỉnh', 'Cấp xã', 'Cơ quan', 'Thủ tục', 'Ghi chú'])
  const communes = wb.getWorksheet('Cấp xã')
  if (communes === undefined) throw new Error('no sheet')
  t.match(String(communes.getCell(1, 1).value), /766/)
  t.match(String(communes.getCell(2, 1).value), /2026-01-01.*2026-01-31/)
  // row 4: indicator names (merged over 5 columns), row 5: the parts, rows 6…: units in rank order
  const col = (id: string, part: string): number => {
    let c = 0
    communes.getRow(4).eachCell((cell, n) => { if (c === 0 && String(cell.value).startsWith(`${id}.`)) c = n })
    const offset = ['Tử số', 'Mẫu số', 'Giá trị', 'Điểm', 'Hạng'].indexOf(part)
    t.equal(communes.getCell(5, c + offset).value, part)
    return c + offset
  }
  t.same([communes.getCell(6, 2).value, communes.getCell(7, 2).value], [X, Y])
  t.equal(communes.getCell(6, 5).value, 25.84, 'total score')
  t.equal(communes.getCell(6, col('2.1', 'Giá trị')).value, 66.67)
  t.equal(communes.getCell(7, col('2.1', 'Tử số')).value, 1)
  t.equal(communes.getCell(7, col('2.1', 'Hạng')).value, 2)
  t.equal(communes.getCell(6, col('4.3', 'Giá trị')).value, 0)
  const notes = wb.getWorksheet('Ghi chú')
  t.match(String(notes?.getCell(2, 5).value), /sync/, '1.4: why N/A')

  // filters
  const onlyY = (await asAdmin(hub).inject(`/v1/reports/indicators?from=2026-01-01&to=2026-01-31&unit=${Y}`)).json<IndicatorReport>()
  t.match(fig(onlyY.province, '2.1'), { numerator: 1, denominator: 2 })
  t.equal(onlyY.unit, Y)
  const noSuch = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-01-01&to=2026-01-31&procedure=1.001193.000.00.00.H56')).json<IndicatorReport>()
  t.match(fig(noSuch.province, '2.1'), { denominator: 0, value: null })

  // an agency sees its own figures only
  const own = await asAgency(hub, 'evn').inject({ url: '/v1/reports/indicators?from=2026-01-01&to=2026-01-31' })
  t.equal(own.statusCode, 200)
  const ownReport = own.json<IndicatorReport>()
  t.equal(ownReport.agency, 'evn')
  t.same(ownReport.agencies, jan.agencies)
  t.notOk('province' in ownReport || 'communes' in ownReport || 'procedures' in ownReport)
  const other = await asAgency(hub, 'justice').inject({ url: '/v1/reports/indicators?from=2026-01-01&to=2026-01-31' })
  t.same(other.json<IndicatorReport>().agencies, [], 'another agency: none of these dossiers is routed to it')
})

t.test('indicators: a bad period is a 400 problem, no key a 401', async (t) => {
  const hub = await build(t, { role: 'api', now: () => new Date('2026-06-15T09:00:00+07:00') })
  const backwards = await asAdmin(hub).inject('/v1/reports/indicators?from=2026-12-01&to=2026-11-01')
  t.equal(backwards.statusCode, 400)
  t.equal(backwards.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.match(backwards.json(), { code: 'HUB_ERR_VALIDATION', errors: [{ parameter: 'from' }] })
  t.equal((await asAdmin(hub).inject('/v1/reports/indicators?from=2020-01-01&to=2026-01-01')).statusCode, 400, 'more than 1100 days')
  t.equal((await asAdmin(hub).inject('/v1/reports/indicators?from=yesterday')).statusCode, 400)
  t.equal((await asAdmin(hub).inject('/v1/reports/indicators?from=2026-07-01&to=2026-07-31')).statusCode, 400, 'a period not begun')
  t.equal((await asAdmin(hub).inject('/v1/reports/indicators?colour=red')).statusCode, 400)
  t.equal((await anonymous(hub).inject({ url: '/v1/reports/indicators' })).statusCode, 401)
  const empty = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-01-01&to=2026-01-31')).json<IndicatorReport>()
  t.match(fig(empty.province, '2.1'), { value: null, denominator: 0 })
  t.same(empty.communes, [])
})

t.test('indicators per agency: each judged on its own step\'s due date and end', async (t) => {
  // a birth registration received Monday 5 January 2026 09:00: the dossier is due in 5 working days
  // (Saturday 10 January, a working Saturday), the justice department's step in 1 (Tuesday 6 09:00)
  const { hub, summary, at, delivered, report } = await clockedBirth(t, '2026-01-05T09:00:00', 'ind-birth')
  t.equal(summary.dueAt, '2026-01-10T09:00:00.000+07:00')
  t.equal((summary.routing as Record<string, { dueAt?: string }>)['civil-status']?.dueAt, '2026-01-06T09:00:00.000+07:00')
  await delivered('civil-status')
  at('2026-01-07T10:00:00') // a day late for its own step
  await report('justice', { status: 'resolved' })
  await delivered('residence')
  await delivered('health-insurance')
  at('2026-01-07T11:00:00')
  await report('police-residence', { status: 'resolved' })
  await report('social-insurance', { status: 'resolved' })
  at('2026-02-10T09:00:00')
  const jan = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-01-01&to=2026-01-31')).json<IndicatorReport>()
  t.match(fig(jan.province, '2.1'), { numerator: 1, denominator: 1, value: 100 }, 'the dossier was resolved on time')
  const byAgency = Object.fromEntries(jan.agencies.map((u) => [u.key, fig(u, '2.1')]))
  t.same(Object.keys(byAgency).sort(), ['justice', 'police-residence', 'social-insurance'], 'not the postal service returning the result')
  t.match(byAgency.justice, { numerator: 0, denominator: 1, value: 0, rank: 3 })
  t.match(byAgency['police-residence'], { numerator: 1, denominator: 1, value: 100, rank: 1 })
  t.match(byAgency['social-insurance'], { numerator: 1, denominator: 1, value: 100, rank: 1 })
  t.equal(jan.agencies.at(-1)?.key, 'justice', 'last by total score')
  const justice = (await asAgency(hub, 'justice').inject({ url: '/v1/reports/indicators?from=2026-01-01&to=2026-01-31' })).json<IndicatorReport>()
  t.same(justice.agencies.map((u) => u.key), ['justice'], 'the justice department sees its own row only')
  t.match(fig(justice.agencies[0], '2.1'), { numerator: 0, denominator: 1 })
})

t.test('criminal record certificates of April 2026: 2.2 in calendar days, 3.3 and 4.1 from electronic results, configured maximum scores', async (t) => {
  let now = new Date('2026-04-01T08:00:00+07:00') // Wednesday
  const agency = await startAgency(t)
  const settings = {
    ...testSettings({ agencyUrl: agency.url, extra: { indicators: { maxScores: { 3.3: 6, 4.1: 5 } } } }),
    duplicateWindowMs: 0
  }
  const hub = await build(t, { agencyUrl: agency.url, settings, now: () => now })
  const at = (iso: string): void => { now = new Date(`${iso}+07:00`) }
  const CRIMINAL = '2.000488.000.00.00.H56'
  const POWER = '9.000001.000.00.00.H56'
  let n = 0
  const submit = async (channel: 'online' | 'counter', name: 'criminal-record-certificate' | 'electricity-new-connection' = 'criminal-record-certificate'): Promise<{ code: string, agency: string }> => {
    n++
    const base = example(name)
    const s: DossierSubmission = { ...base, channel, resultReturn: { method: 'counter' }, source: { system: base.source.system, reference: `lltp-${n}` } }
    const res = await post(asAdmin(hub), s)
    t.equal(res.statusCode, 201, res.body)
    const { code, routing } = res.json<DossierSummary>()
    const [step, state] = Object.entries(routing as Record<string, { agency: string }>)[0] as [string, { agency: string }]
    await waitFor(async () => (await hub.store.routingState(code, step))?.state === 'delivered', `${code} delivered`)
    return { code, agency: state.agency }
  }
  const report = async (d: { code: string, agency: string }, r: StatusReport): Promise<void> => {
    const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${d.code}/events`, payload: { eventId: `e-${Math.random()}`, agency: d.agency, report: r } })
    t.equal(res.statusCode, 201, `${r.status} on ${d.code}: ${res.body}`)
  }
  const result = (k: number): NonNullable<StatusReport['results']>[number] => ({ name: 'Phiếu lý lịch tư pháp số 1', componentCode: 'KQ-LLTP', url: `https://police.example/lltp-${k}.pdf`, sha256: String(k).repeat(64).slice(0, 64) })

  // p: online Wed 1 April 08:00; papers asked Fri 3 08:00, supplied Mon 6 20:00 (3 days 12 h); resolved
  // Wed 15 April 20:00 with its certificate: 14 days 12 h − 3 days 12 h = 11 calendar days
  const p = await submit('online')
  at('2026-04-02T09:00:00')
  // q: online Thu 2 April 09:00, resolved Mon 6 09:00 without a result file: 4 days; no electronic result
  const q = await submit('online')
  at('2026-04-03T08:00:00')
  await report(p, { status: 'supplement-requested', missing: [{ componentCode: 'TP1', name: 'Tờ khai' }] })
  at('2026-04-04T09:00:00')
  // r: at the counter on Saturday 4 April 09:00: handling starts Monday 6 07:00; resolved Thu 9 19:00
  // with its certificate: 3 days 12 h = 3.5 calendar days
  const r = await submit('counter')
  at('2026-04-06T09:00:00')
  await report(q, { status: 'resolved' })
  // t: a power connection (3 working days, no paper result), online Mon 6 April 09:00, resolved Tue 7
  // 11:00: Mon 6 h + Tue 4 h = 10 h = 1.25 working days
  const tt = await submit('online', 'electricity-new-connection')
  at('2026-04-06T20:00:00')
  const supplied = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${p.code}/supplements`, payload: { supplementId: 'S-p', attachments: [{ componentCode: 'TP1', fileName: 'a.pdf', mediaType: 'application/pdf', byteSize: 10, sha256: 'a'.repeat(64), url: 'https://x.example/a.pdf' }] } })
  t.equal(supplied.statusCode, 201, supplied.body)
  at('2026-04-07T11:00:00')
  await report(tt, { status: 'resolved' })
  at('2026-04-09T19:00:00')
  await report(r, { status: 'resolved', results: [result(1)] })
  at('2026-04-15T20:00:00')
  await report(p, { status: 'resolved', results: [result(2)] })
  // s: online on Monday 27 April 10:00 (the Hùng Kings holiday), resolved with its certificate on 5 May
  at('2026-04-27T10:00:00')
  const s = await submit('online')

  at('2026-05-04T09:00:00')
  const april = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-04-01&to=2026-04-30')).json<IndicatorReport>()
  const criminal = april.procedures?.find((u) => u.key === CRIMINAL)
  const power = april.procedures?.find((u) => u.key === POWER)
  // 2.2: p 11, q 4, r 3.5 calendar days: 18.5 ÷ 3 = 6.17; t 1.25 working days; the province mixes the two
  t.match(fig(criminal, '2.2'), { numerator: 18.5, denominator: 3, value: 6.17, unit: 'calendar-days' })
  t.match(fig(power, '2.2'), { numerator: 1.25, denominator: 1, value: 1.25, unit: 'working-days' })
  t.match(fig(april.province, '2.2'), { value: null, denominator: 4, reason: /different units: 1 in working days \(average 1\.25\), 3 in calendar days \(average 6\.17\)/ })
  t.notOk('unit' in fig(april.province, '2.2'), 'no unit for a mixed average')
  // 3.3 (configured: 6 points at 50%): received p q r s t; online: p (its certificate issued by the end)
  // and t (no paper result); q and s were submitted online but have no electronic result by 30 April;
  // 2 of 5 = 40%: 40 × 6 ÷ 50 = 4.8
  t.match(fig(april.province, '3.3'), {
    numerator: 2,
    denominator: 5,
    value: 40,
    threshold: 50,
    maxScore: 6,
    maxScoreSource: 'configured',
    score: 4.8,
    shares: { online: 40, onlineWithoutElectronicResult: 40, counter: 20, postal: 0 },
    note: /2 submitted online without one are not counted online/
  })
  // 4.1 (configured: 5 points at 100%): the four certificates (a paper result), with an electronic
  // result by the end: p and r; 2 of 4 = 50%: 2.5
  t.match(fig(april.province, '4.1'), { numerator: 2, denominator: 4, value: 50, maxScore: 5, maxScoreSource: 'configured', score: 2.5 })
  t.match(fig(criminal, '4.1'), { numerator: 2, denominator: 4, value: 50 })
  t.match(fig(power, '4.1'), { value: null, denominator: 0, reason: /paper/ })
  t.match(fig(criminal, '3.3'), { numerator: 1, denominator: 4, value: 25, score: 3 })
  t.match(fig(april.province, '2.1'), { maxScore: 10, maxScoreSource: 'placeholder' }, 'not configured: the placeholder, said so')

  // May: s resolved with its certificate; April asked in June gives the same figures
  at('2026-05-05T10:00:00')
  await report(s, { status: 'resolved', results: [result(3)] })
  at('2026-06-10T09:00:00')
  t.same((await asAdmin(hub).inject('/v1/reports/indicators?from=2026-04-01&to=2026-04-30')).json<IndicatorReport>(), april, 'April asked in May and in June: the same figures')
  const aprilMay = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-04-01&to=2026-05-31')).json<IndicatorReport>()
  // over April and May, s counts online and electronic: 3.3 3 of 5, 4.1 3 of 4; s: handling starts
  // Tue 28 April 07:00 (after the holiday), resolved Tue 5 May 10:00: 7 days 3 h = 7.125 days
  t.match(fig(aprilMay.province, '3.3'), { numerator: 3, denominator: 5, value: 60, score: 6 })
  t.match(fig(aprilMay.province, '4.1'), { numerator: 3, denominator: 4, value: 75, score: 3.75 })
  t.match(fig(aprilMay.procedures?.find((u) => u.key === CRIMINAL), '2.2'), { numerator: 25.63, denominator: 4, value: 6.41, unit: 'calendar-days' })

  // the XLSX notes say where each maximum score comes from
  const xlsx = await asAdmin(hub).inject({ url: '/v1/reports/indicators?from=2026-04-01&to=2026-04-30', headers: { accept: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } })
  const wb = new ExcelJS.Workbook()
  await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
  const notes = wb.getWorksheet('Ghi chú')
  const row = (id: string): number => { let k = 0; notes?.eachRow((rw, i) => { if (rw.getCell(1).value === id) k = i }); return k }
  t.equal(notes?.getCell(row('3.3'), 4).value, 6)
  t.match(String(notes?.getCell(row('3.3'), 6).value), /cấu hình/)
  t.match(String(notes?.getCell(row('2.1'), 6).value), /tạm tính/)
})

t.test('indicators per agency: 2.2 from each agency\'s own step, from its receipt to its resolution, less the waits for papers within it', async (t) => {
  // a birth registration (5 working days; working time 07:00–11:30 and 13:30–17:00, 8 h a day)
  // received online on Thursday 23 April 2026 09:00; Monday 27 April is the Hùng Kings holiday
  const { hub, code, at, delivered, report } = await clockedBirth(t, '2026-04-23T09:00:00', 'ind-birth-22')
  await delivered('civil-status')
  // the justice department: received Thu 23 09:00, resolved Fri 24 09:00: Thu 09:00–11:30 and
  // 13:30–17:00 (6 h) + Fri 07:00–09:00 (2 h) = 8 h = 1 working day
  at('2026-04-24T09:00:00')
  await report('justice', { status: 'resolved' })
  await delivered('residence')
  await delivered('health-insurance')
  // the police ask for papers Fri 24 14:00; the applicant brings them Tue 28 09:00: the wait is Fri
  // 14:00–17:00 (3 h) + Tue 07:00–09:00 (2 h) = 5 h of working time (the weekend and the holiday count nothing)
  at('2026-04-24T14:00:00')
  await report('police-residence', { status: 'supplement-requested', missing: [{ componentCode: 'TP1', name: 'Giấy tờ' }] })
  at('2026-04-28T09:00:00')
  const supplied = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: { supplementId: 'S-22', attachments: [{ componentCode: 'TP1', fileName: 'a.pdf', mediaType: 'application/pdf', byteSize: 10, sha256: 'a'.repeat(64), url: 'https://x.example/a.pdf' }] } })
  t.equal(supplied.statusCode, 201, supplied.body)
  // social insurance: received Fri 24 09:00, resolved Tue 28 15:00: Fri 6 h + Tue 07:00–11:30 and
  // 13:30–15:00 (6 h) = 12 h, less the wait within it (5 h) = 7 h = 0.875 working days
  at('2026-04-28T15:00:00')
  await report('social-insurance', { status: 'resolved' })
  // the police: received Fri 24 09:00, resolved Wed 29 10:00: Fri 6 h + Tue 8 h + Wed 07:00–10:00
  // 3 h = 17 h − 5 h = 12 h = 1.5 working days; the dossier is resolved then
  at('2026-04-29T10:00:00')
  await report('police-residence', { status: 'resolved' })
  const dossier = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>()
  t.equal(dossier.status, 'resolved')

  at('2026-05-04T09:00:00')
  const april = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-04-01&to=2026-04-30')).json<IndicatorReport>()
  // the dossier: Thu 23 09:00 → Wed 29 10:00: 6 + 8 + 8 + 3 = 25 h − 5 h = 20 h = 2.5 working days
  t.match(fig(april.province, '2.2'), { numerator: 2.5, denominator: 1, value: 2.5, unit: 'working-days' })
  const byAgency = Object.fromEntries(april.agencies.map((u) => [u.key, fig(u, '2.2')]))
  t.match(byAgency.justice, { numerator: 1, denominator: 1, value: 1, unit: 'working-days', rank: 2 })
  t.match(byAgency['police-residence'], { numerator: 1.5, denominator: 1, value: 1.5, unit: 'working-days', rank: 3 })
  t.match(byAgency['social-insurance'], { numerator: 0.88, denominator: 1, value: 0.88, unit: 'working-days', rank: 1 })
  const police = (await asAgency(hub, 'police-residence').inject({ url: '/v1/reports/indicators?from=2026-04-01&to=2026-04-30' })).json<IndicatorReport>()
  t.match(fig(police.agencies[0], '2.2'), { numerator: 1.5, denominator: 1, value: 1.5 }, 'the police see their own 2.2')
})

t.test('a report recorded later with an earlier time does not change a past period', async (t) => {
  // a birth registration received Monday 19 January 2026 09:00: the justice department's step is
  // due in 1 working day (Tuesday 20 09:00); it has not reported by the end of January
  const { hub, code, at, delivered } = await clockedBirth(t, '2026-01-19T09:00:00', 'ind-backdated')
  await delivered('civil-status')
  const january = async (): Promise<IndicatorReport> => (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-01-01&to=2026-01-31')).json<IndicatorReport>()

  at('2026-02-02T09:00:00')
  const before = await january()
  const justice = (r: IndicatorReport): IndicatorUnit | undefined => r.agencies.find((u) => u.key === 'justice')
  // open at the end of January, past its step's due date: late; no result file by then
  t.match(fig(justice(before), '2.1'), { numerator: 0, denominator: 1 })
  t.match(fig(before.province, '4.2'), { numerator: 0, denominator: 1 })
  t.match(fig(justice(before), '2.2'), { value: null, denominator: 0 })

  // recorded on Monday 2 March, saying it happened on Monday 19 January 15:00, with its result file
  at('2026-03-02T10:00:00')
  const answer = await asAdmin(hub).inject({
    method: 'POST',
    url: `/v1/dossiers/${code}/events`,
    payload: { eventId: 'e-backdated', agency: 'justice', report: { status: 'resolved', occurredAt: '2026-01-19T15:00:00+07:00', results: [{ name: 'Giấy khai sinh', componentCode: 'KQ1', url: 'https://justice.example/ks.pdf', sha256: 'd'.repeat(64) }] } }
  })
  t.equal(answer.statusCode, 201, answer.body)
  t.equal((await hub.store.routingState(code, 'civil-status'))?.reportedAt, '2026-01-19T15:00:00+07:00', 'the step keeps the time the agency gave')
  t.same(await january(), before, 'January asked again after the backdated report: the same figures')
  at('2026-06-01T09:00:00')
  t.same(await january(), before, 'and in June')
  // counted from when it was recorded: in the first quarter the step ended on 2 March, late
  const quarter = (await asAdmin(hub).inject('/v1/reports/indicators?from=2026-01-01&to=2026-03-31')).json<IndicatorReport>()
  t.match(fig(justice(quarter), '2.1'), { numerator: 0, denominator: 1 })
  t.match(fig(quarter.province, '4.2'), { numerator: 1, denominator: 1 })
})
