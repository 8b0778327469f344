/**
 * Decision 766 indicators, the pure rules (src/domain/indicators.ts), on hand-computed 2026
 * dossiers. Due dates are counted by hand on the 2026 calendar (config/holidays.json: 1–2 Jan
 * off, Saturday 10 Jan a working day, Tết 16–20 Feb) and checked against the lifecycle's own
 * computation, so the histories below are the ones the hub writes.
 */
import t from 'tap'
import { reportPeriod } from '../../src/domain/stats.ts'
import { readFileSync } from 'node:fs'
import { WorkingCalendar, type HolidayTable } from '../../src/domain/calendar.ts'
import { changeStatus, dueAtReceipt, type DossierHead, type LifecycleFacts } from '../../src/domain/lifecycle.ts'
import {
  channelAndResult, handlingTime, stepHandlingTime, stepsHandlingTime, judgeStep, judgeTimeliness, maxScoreOf, notAvailable, percent, percentFigure, rank, round2, score, totalScore, S,
  PLACEHOLDER_MAX_SCORE, type HistoryPoint, type Period
} from '../../src/domain/indicators.ts'
import { fromRoot } from '../../src/paths.ts'

const calendar = new WorkingCalendar(JSON.parse(readFileSync(fromRoot('config', 'holidays.json'), 'utf8')) as HolidayTable)
const vn = (s: string): Date => new Date(`${s}+07:00`)
const month = (m: string, last: string): Period => ({ start: vn(`2026-${m}-01T00:00:00.000`), end: vn(`2026-${m}-${last}T23:59:59.999`) })
const JAN = month('01', '31')
const FEB = month('02', '28')

// Received Monday 5 January 2026 09:00, online, 5 working days: Tue 6, Wed 7, Thu 8, Fri 9,
// Saturday 10 (a working Saturday in 2026) → due Saturday 10 January 09:00.
const RECEIVED = vn('2026-01-05T09:00:00.000')
const DUE = vn('2026-01-10T09:00:00.000')
const received = (at = RECEIVED, due: Date | null = DUE): HistoryPoint => ({ at, type: 'received', statusTo: S.RECEIVED, ...(due !== null && { dueAtTo: due }) })
const change = (at: string, from: number, to: number, dueAtTo?: string): HistoryPoint =>
  ({ at: vn(at), type: 'agency-report', statusFrom: from, statusTo: to, ...(dueAtTo !== undefined && { dueAtTo: vn(dueAtTo) }) })

t.test('the hand-computed due dates are the lifecycle\'s', async (t) => {
  const facts: LifecycleFacts = { channel: 'online', level: 'commune', returnMethod: 'counter', rule: { days: 5, count: 'working' } }
  t.same(dueAtReceipt(calendar, RECEIVED, facts), DUE, '5 Jan + 5 working days = Sat 10 Jan (a working Saturday)')
  // paused Tue 6 09:00 → Mon 12 09:00: 5 working days (6→7, 7→8, 8→9, 9→Sat 10, Sat 10→Mon 12); the due
  // date moves from Sat 10 by 5 working days: Mon 12, Tue 13, Wed 14, Thu 15, Fri 16
  let head: DossierHead = { status: 'received', receivedAt: RECEIVED.toISOString(), dueAt: DUE.toISOString(), facts }
  head = changeStatus(calendar, head, 'supplement-requested', vn('2026-01-06T09:00:00.000'))
  head = changeStatus(calendar, head, 'processing', vn('2026-01-12T09:00:00.000'))
  t.equal(Date.parse(head.dueAt as string), vn('2026-01-16T09:00:00.000').getTime())
  // Thursday 12 February + 5 working days, Tết (16–20 Feb) skipped: Fri 13, Mon 23, Tue 24, Wed 25, Thu 26
  t.same(dueAtReceipt(calendar, vn('2026-02-12T09:00:00.000'), facts), vn('2026-02-26T09:00:00.000'))
})

t.test('2.1: resolved by the due date is on time, after it overdue; the end is the time of 9, else 10', async (t) => {
  const early = judgeTimeliness(RECEIVED, [received(), change('2026-01-09T16:00:00.000', 4, 9), change('2026-01-12T08:00:00.000', 9, 10)], JAN)
  t.match(early, { as: 'resolved', judgedAt: vn('2026-01-09T16:00:00.000'), dueAt: DUE, onTime: true, supplementRequests: 0 })
  const exact = judgeTimeliness(RECEIVED, [received(), change('2026-01-10T09:00:00.000', 2, 9)], JAN)
  t.equal(exact?.onTime, true, 'end = due date is on time')
  const late = judgeTimeliness(RECEIVED, [received(), change('2026-01-12T10:00:00.000', 4, 9)], JAN)
  t.match(late, { as: 'resolved', onTime: false })
  // returned without a 9 first: the end is the return
  const returned = judgeTimeliness(RECEIVED, [received(), change('2026-01-08T10:00:00.000', 2, 10)], JAN)
  t.match(returned, { as: 'returned', judgedAt: vn('2026-01-08T10:00:00.000'), onTime: true })
  // a resolution late, but returned: judged at 9 not 10
  const resolvedThenReturned = judgeTimeliness(RECEIVED, [received(), change('2026-01-12T10:00:00.000', 4, 9), change('2026-01-12T11:00:00.000', 9, 10)], JAN)
  t.match(resolvedThenReturned, { as: 'resolved', judgedAt: vn('2026-01-12T10:00:00.000'), onTime: false })
})

t.test('2.1: stopped, refused and withdrawn end the handling', async (t) => {
  t.match(judgeTimeliness(RECEIVED, [received(), change('2026-01-07T10:00:00.000', 4, 8)], JAN), { as: 'stopped', onTime: true })
  t.match(judgeTimeliness(RECEIVED, [received(), change('2026-01-06T10:00:00.000', 2, 3)], JAN), { as: 'not-accepted', onTime: true })
  t.match(judgeTimeliness(RECEIVED, [received(), { at: vn('2026-01-13T10:00:00.000'), type: 'withdrawn', statusFrom: 4, statusTo: 7 }], JAN),
    { as: 'withdrawn', judgedAt: vn('2026-01-13T10:00:00.000'), onTime: false }, 'a withdrawal after the due date is late')
})

t.test('2.1: the applicant\'s supplement time is subtracted (the due date moved by the paused working days)', async (t) => {
  // request Tue 6 09:00, supplied Mon 12 09:00: due Sat 10 → Fri 16; resolved Thu 15 10:00
  const history = [received(), change('2026-01-06T09:00:00.000', 2, 5), change('2026-01-12T09:00:00.000', 5, 4, '2026-01-16T09:00:00.000'), change('2026-01-15T10:00:00.000', 4, 9)]
  const j = judgeTimeliness(RECEIVED, history, JAN)
  t.match(j, { as: 'resolved', dueAt: vn('2026-01-16T09:00:00.000'), supplementRequests: 1, onTime: true })
  // the same resolution without the pause would be 5 days late
  t.equal(judgeTimeliness(RECEIVED, [received(), change('2026-01-15T10:00:00.000', 4, 9)], JAN)?.onTime, false)
  // resolved after the moved date: overdue
  const after = [...history.slice(0, 3), change('2026-01-16T09:00:01.000', 4, 9)]
  t.equal(judgeTimeliness(RECEIVED, after, JAN)?.onTime, false)
})

t.test('2.1: more than one supplement request counts overdue, however early it ends', async (t) => {
  const history = [
    received(),
    change('2026-01-06T09:00:00.000', 2, 5), change('2026-01-06T14:00:00.000', 5, 4, '2026-01-10T14:00:00.000'),
    change('2026-01-07T09:00:00.000', 4, 5), change('2026-01-07T10:00:00.000', 5, 4, '2026-01-10T15:00:00.000'),
    change('2026-01-08T09:00:00.000', 4, 9)
  ]
  t.match(judgeTimeliness(RECEIVED, history, JAN), { as: 'resolved', supplementRequests: 2, onTime: false })
  // one request only: on time
  t.match(judgeTimeliness(RECEIVED, [...history.slice(0, 3), history[5] as HistoryPoint], JAN), { supplementRequests: 1, onTime: true })
})

t.test('2.1: still waiting for papers at the period\'s end, it ends at the request', async (t) => {
  // asked on Thu 8 Jan (before the due date), never supplied by 31 Jan: on time, judged on 8 Jan
  const waiting = judgeTimeliness(RECEIVED, [received(), change('2026-01-07T09:00:00.000', 2, 4), change('2026-01-08T09:00:00.000', 4, 5)], JAN)
  t.match(waiting, { as: 'awaiting-papers', judgedAt: vn('2026-01-08T09:00:00.000'), dueAt: DUE, onTime: true })
  // asked on Mon 12 Jan, after the due date: late at the request
  const lateRequest = judgeTimeliness(RECEIVED, [received(), change('2026-01-12T09:00:00.000', 2, 5)], JAN)
  t.match(lateRequest, { as: 'awaiting-papers', onTime: false })
  // waiting for a payment: the clock stops too
  t.match(judgeTimeliness(RECEIVED, [received(), change('2026-01-09T09:00:00.000', 2, 6)], JAN), { as: 'awaiting-payment', judgedAt: vn('2026-01-09T09:00:00.000'), onTime: true })
})

t.test('2.1: in progress at the period\'s end is judged at its last instant', async (t) => {
  // received Thu 29 Jan 09:00: Fri 30, Mon 2, Tue 3, Wed 4, Thu 5 → due Thu 5 Feb 09:00
  const r = vn('2026-01-29T09:00:00.000')
  const history = [received(r, vn('2026-02-05T09:00:00.000')), change('2026-01-30T08:00:00.000', 2, 4)]
  t.match(judgeTimeliness(r, history, JAN), { as: 'open', judgedAt: JAN.end, onTime: true }, 'within time on 31 Jan')
  t.match(judgeTimeliness(r, history, FEB), { as: 'open', judgedAt: FEB.end, onTime: false }, 'past its due date at the end of February')
  // without a due date (a procedure without a processing time): on time
  t.match(judgeTimeliness(RECEIVED, [received(RECEIVED, null)], JAN), { as: 'open', onTime: true })
  t.notOk('dueAt' in (judgeTimeliness(RECEIVED, [received(RECEIVED, null)], JAN) ?? {}))
})

t.test('2.1: which dossiers a period counts, and the same answer asked later', async (t) => {
  // received in December 2025, resolved in January: handled in January, not in February
  const dec = vn('2025-12-29T09:00:00.000')
  const carried = [received(dec, vn('2026-01-06T09:00:00.000')), change('2026-01-05T10:00:00.000', 4, 9)]
  t.match(judgeTimeliness(dec, carried, JAN), { as: 'resolved', onTime: true })
  t.equal(judgeTimeliness(dec, carried, FEB), undefined, 'ended before February began')
  t.equal(judgeTimeliness(vn('2026-02-02T09:00:00.000'), [received(vn('2026-02-02T09:00:00.000'))], JAN), undefined, 'received after January')
  // January asked in March and in June: what happened after 31 January changes nothing
  const r = vn('2026-01-29T09:00:00.000')
  const byMarch = [received(r, vn('2026-02-05T09:00:00.000')), change('2026-01-30T08:00:00.000', 2, 4), change('2026-02-10T09:00:00.000', 4, 9)]
  const byJune = [...byMarch, change('2026-05-04T09:00:00.000', 9, 10)]
  t.same(judgeTimeliness(r, byMarch, JAN), judgeTimeliness(r, byJune, JAN))
  t.match(judgeTimeliness(r, byJune, JAN), { as: 'open', onTime: true })
  t.match(judgeTimeliness(r, byJune, FEB), { as: 'resolved', onTime: false }, 'and February judges the late resolution')
})

t.test('2.1 per agency: its own step\'s due date and end, its own supplement requests', async (t) => {
  const dossier = judgeTimeliness(RECEIVED, [received(), change('2026-01-12T10:00:00.000', 4, 9)], JAN)
  if (dossier === undefined) throw new Error('counted')
  // the first step (1 working day: due Tue 6 09:00) finished Mon 5 16:00: on time, though the dossier was late
  t.match(judgeStep(dossier, { finishedAt: vn('2026-01-05T16:00:00.000'), dueAt: vn('2026-01-06T09:00:00.000'), ownRequests: 0 }, JAN), { onTime: true })
  // a step finished after its own due date is late even when the dossier would not be
  t.match(judgeStep(dossier, { finishedAt: vn('2026-01-07T10:00:00.000'), dueAt: vn('2026-01-06T09:00:00.000'), ownRequests: 0 }, JAN), { onTime: false })
  // finished after the period: judged as the dossier stood (its end, 12 Jan), against the step's date
  t.match(judgeStep(dossier, { finishedAt: vn('2026-02-02T10:00:00.000'), dueAt: vn('2026-01-13T09:00:00.000'), ownRequests: 0 }, JAN), { judgedAt: vn('2026-01-12T10:00:00.000'), onTime: true })
  // no date of its own: the dossier's; two requests of its own: late
  t.match(judgeStep(dossier, { ownRequests: 0 }, JAN), { dueAt: DUE, onTime: false })
  t.match(judgeStep(dossier, { finishedAt: vn('2026-01-05T16:00:00.000'), dueAt: vn('2026-01-06T09:00:00.000'), ownRequests: 2 }, JAN), { onTime: false })
})

t.test('values, scores, N/A and ranks', async (t) => {
  t.equal(round2(12.345), 12.35)
  t.equal(round2(1.005), 1.01)
  t.equal(round2(2 / 3 * 100), 66.67)
  t.equal(percent(2, 3), 66.67)
  t.equal(percent(1, 8), 12.5)
  t.equal(percent(0, 0), undefined)
  t.equal(score(40, 50, 10), 8, '3.3: 40% online of a 50% threshold → 8 of 10')
  t.equal(score(60, 50, 10), 10, 'at or above the threshold: the maximum')
  t.equal(score(66.67, 80, 10), 8.33)
  const online = percentFigure('3.3', 2, 5)
  t.match(online, { id: '3.3', numerator: 2, denominator: 5, value: 40, score: 8, threshold: 50 })
  t.match(percentFigure('2.1', 0, 0), { value: null, reason: /denominator/ })
  t.match(notAvailable('1.4', 'no sync record yet'), { id: '1.4', value: null, reason: 'no sync record yet' })
  t.equal(totalScore([online, percentFigure('2.1', 3, 4), notAvailable('1.4', 'x')]), 15.5, '8 + 7.5, N/A counts nothing')

  const units = [
    { key: 'a', indicators: [percentFigure('2.1', 3, 4), percentFigure('3.3', 1, 4)] }, // 7.5 + 5 = 12.5
    { key: 'b', indicators: [percentFigure('2.1', 4, 4), percentFigure('3.3', 0, 4)] }, // 10 + 0 = 10
    { key: 'c', indicators: [percentFigure('2.1', 4, 4), notAvailable('3.3', 'x')] }, // 10
    { key: 'd', indicators: [percentFigure('2.1', 1, 4), percentFigure('3.3', 4, 4)] } // 2.5 + 10 = 12.5
  ]
  const ranked = rank(units)
  t.same(ranked.map((r) => [r.unit.key, r.total, r.rank]), [['a', 12.5, 1], ['d', 12.5, 1], ['b', 10, 3], ['c', 10, 3]])
  t.same(ranked.find((r) => r.unit.key === 'b')?.ranks, { 2.1: 1, 3.3: 3 })
  t.same(ranked.find((r) => r.unit.key === 'c')?.ranks, { 2.1: 1 }, 'N/A has no rank')
})

t.test('reportPeriod: the defaults, a backwards period and one too long (stats and indicators share it)', async (t) => {
  t.same(reportPeriod({}, '2026-03-15', 1100, 'MAX'), { from: '2026-01-01', to: '2026-03-15' }, 'to today, from 1 January of its year')
  t.same(reportPeriod({ to: '2025-06-30' }, '2026-03-15', 1100, 'MAX'), { from: '2025-01-01', to: '2025-06-30' })
  t.match(reportPeriod({ from: '2026-02-01', to: '2026-01-31' }, '2026-03-15', 1100, 'MAX'), { problem: /is after to \(2026-02-01 > 2026-01-31\)/ })
  t.same(reportPeriod({ from: '2026-01-01', to: '2026-01-31' }, '2026-03-15', 31, 'MAX'), { from: '2026-01-01', to: '2026-01-31' }, '31 days of 31 allowed')
  t.match(reportPeriod({ from: '2026-01-01', to: '2026-02-01' }, '2026-03-15', 31, 'MAX'), { problem: /has 32 days; ask for at most 31 \(MAX\)/ })
})

t.test('2.2: the handling time in the procedure\'s own unit: working days with the 2026 holiday table', async (t) => {
  const working = { days: 5, count: 'working' as const }
  // online, Thursday 12 February 10:00 → Monday 23 February 15:00, across Tết (Mon 16 – Fri 20 off):
  // Thu 12 10:00–11:30 and 13:30–17:00 (5 h), Fri 13 (8 h), Mon 23 07:00–11:30 and 13:30–15:00 (6 h):
  // 19 h of working time, 19 ÷ 8 = 2.375 working days (11 days 5 hours of calendar time)
  t.same(handlingTime(calendar, { receivedAt: vn('2026-02-12T10:00:00.000'), resolvedAt: vn('2026-02-23T15:00:00.000'), paper: false, rule: working, supplementWaits: [] }),
    { value: 2.375, unit: 'working-days' })
  // at the counter Monday 5 January 16:00 (after the 15:00 cut-off): handling starts Tue 6 07:00; papers
  // asked Wed 7 09:00, supplied Mon 12 14:00; resolved Tue 13 10:00. Start → resolution: Tue 6, Wed 7,
  // Thu 8, Fri 9, Sat 10 (a working Saturday), Mon 12 (8 h each) and Tue 13 07:00–10:00 (3 h) = 51 h;
  // the wait: Wed 7 09:00–17:00 (6 h), Thu 8, Fri 9, Sat 10 (24 h), Mon 12 07:00–14:00 (5 h) = 35 h;
  // 51 − 35 = 16 h = 2 working days
  const waits = [{ from: vn('2026-01-07T09:00:00.000'), to: vn('2026-01-12T14:00:00.000') }]
  t.same(handlingTime(calendar, { receivedAt: vn('2026-01-05T16:00:00.000'), resolvedAt: vn('2026-01-13T10:00:00.000'), paper: true, rule: working, supplementWaits: waits }),
    { value: 2, unit: 'working-days' })
  // the same received online: Monday 16:00–17:00 counts too, 17 h = 2.125 working days
  t.same(handlingTime(calendar, { receivedAt: vn('2026-01-05T16:00:00.000'), resolvedAt: vn('2026-01-13T10:00:00.000'), paper: false, rule: working, supplementWaits: waits }),
    { value: 2.125, unit: 'working-days' })
  // a procedure without a processing time: working days too (the catalogue's default count)
  t.same(handlingTime(calendar, { receivedAt: vn('2026-01-05T16:00:00.000'), resolvedAt: vn('2026-01-13T10:00:00.000'), paper: true, supplementWaits: waits }),
    { value: 2, unit: 'working-days' })
  // never below 0: a wait reported past the resolution is clipped to it
  t.same(handlingTime(calendar, { receivedAt: vn('2026-01-05T09:00:00.000'), resolvedAt: vn('2026-01-05T10:00:00.000'), paper: false, rule: working, supplementWaits: [{ from: vn('2026-01-05T09:00:00.000'), to: vn('2026-01-06T09:00:00.000') }] }),
    { value: 0, unit: 'working-days' })
})

t.test('2.2: the handling time in calendar days for a procedure counted in calendar days', async (t) => {
  const calendarDays = { days: 10, count: 'calendar' as const }
  // online Wednesday 1 April 08:00, papers asked Fri 3 08:00 and supplied Mon 6 20:00 (3 days 12 h),
  // resolved Wed 15 April 20:00 (14 days 12 h after receipt): 14.5 − 3.5 = 11 days
  t.same(handlingTime(calendar, {
    receivedAt: vn('2026-04-01T08:00:00.000'),
    resolvedAt: vn('2026-04-15T20:00:00.000'),
    paper: false,
    rule: calendarDays,
    supplementWaits: [{ from: vn('2026-04-03T08:00:00.000'), to: vn('2026-04-06T20:00:00.000') }]
  }), { value: 11, unit: 'calendar-days' })
  // at the counter on Saturday 4 April 09:00: handling starts Monday 6 April 07:00; resolved Thursday
  // 9 April 19:00: 3 days 12 h = 3.5 days
  t.same(handlingTime(calendar, { receivedAt: vn('2026-04-04T09:00:00.000'), resolvedAt: vn('2026-04-09T19:00:00.000'), paper: true, rule: calendarDays, supplementWaits: [] }),
    { value: 3.5, unit: 'calendar-days' })
})

t.test('3.3 and 4.1: an online dossier of a paper-result procedure counts online only with an electronic result by the end', async (t) => {
  const end = JAN.end
  const issued = vn('2026-01-20T10:00:00.000')
  const later = vn('2026-02-02T10:00:00.000')
  t.same(channelAndResult({ channel: 'online', paperResult: true, electronicResultAt: issued }, end), { channel: 'online', paperResult: true, electronicResult: true })
  t.same(channelAndResult({ channel: 'online', paperResult: true, electronicResultAt: later }, end), { channel: 'online-without-electronic-result', paperResult: true, electronicResult: false },
    'a result issued in February does not count for January')
  t.same(channelAndResult({ channel: 'online', paperResult: true, electronicResultAt: later }, FEB.end), { channel: 'online', paperResult: true, electronicResult: true })
  t.same(channelAndResult({ channel: 'online', paperResult: true }, end), { channel: 'online-without-electronic-result', paperResult: true, electronicResult: false })
  t.same(channelAndResult({ channel: 'online', paperResult: false }, end), { channel: 'online', paperResult: false, electronicResult: false }, 'no paper result: online by its channel; outside 4.1')
  t.same(channelAndResult({ channel: 'online' }, end), { channel: 'online', paperResult: false, electronicResult: false }, 'not said: online by its channel; outside 4.1')
  t.same(channelAndResult({ channel: 'counter', paperResult: true, electronicResultAt: issued }, end), { channel: 'counter', paperResult: true, electronicResult: true })
  t.same(channelAndResult({ channel: 'postal', paperResult: true }, end), { channel: 'postal', paperResult: true, electronicResult: false })
  t.same(channelAndResult({ channel: undefined }, end).channel, 'counter', 'an unknown channel counts at the counter')
})

t.test('maximum scores: configured, else the placeholder, said so', async (t) => {
  t.same(maxScoreOf('2.1'), { maxScore: PLACEHOLDER_MAX_SCORE, maxScoreSource: 'placeholder' })
  t.same(maxScoreOf('2.1', { 2.1: 20 }), { maxScore: 20, maxScoreSource: 'configured' })
  t.equal(maxScoreOf('2.2', { 2.1: 20 }), undefined, '2.2 is not scored')
  // 2 of 3 on time = 66.67% of a threshold of 100: 66.67 × 20 ÷ 100 = 13.33 configured, 6.67 placeholder
  t.match(percentFigure('2.1', 2, 3, undefined, { 2.1: 20 }), { value: 66.67, maxScore: 20, maxScoreSource: 'configured', score: 13.33 })
  t.match(percentFigure('2.1', 2, 3), { value: 66.67, maxScore: 10, maxScoreSource: 'placeholder', score: 6.67 })
  // 3.3: 40% of the 50% threshold with 6 points: 40 × 6 ÷ 50 = 4.8
  t.match(percentFigure('3.3', 2, 5, undefined, { 3.3: 6 }), { value: 40, threshold: 50, score: 4.8 })
  t.match(notAvailable('4.1', 'why', { 4.1: 5 }), { value: null, maxScore: 5, maxScoreSource: 'configured', reason: 'why' })
})

t.test('2.2 per agency: its own step, from the step\'s receipt to its resolution, less the waits within it', async (t) => {
  const working = { days: 5, count: 'working' as const }
  // papers asked Fri 24 April 2026 14:00, brought Tue 28 09:00 (Mon 27: the Hùng Kings holiday): 5 h of working time
  const waits = [{ from: vn('2026-04-24T14:00:00.000'), to: vn('2026-04-28T09:00:00.000') }]
  // a step received Fri 24 09:00, resolved Wed 29 10:00: Fri 6 h + Tue 8 h + Wed 3 h = 17 h − 5 h = 12 h
  t.same(stepHandlingTime(calendar, { receivedAt: vn('2026-04-24T09:00:00.000'), resolvedAt: vn('2026-04-29T10:00:00.000') }, { rule: working, supplementWaits: waits }),
    { value: 1.5, unit: 'working-days' })
  // a step resolved before the papers were asked for: the wait is not within it (Thu 23 09:00 → Fri 24 09:00: 8 h)
  t.same(stepHandlingTime(calendar, { receivedAt: vn('2026-04-23T09:00:00.000'), resolvedAt: vn('2026-04-24T09:00:00.000') }, { rule: working, supplementWaits: waits }),
    { value: 1, unit: 'working-days' })
  // delivered to the agency on Saturday 25 April 20:00 (no paper cut-off for a step): from Tue 28 07:00 (the
  // holiday skipped), less the wait's Tue 07:00–09:00; resolved Tue 28 15:00: 6 h − 2 h = 4 h
  t.same(stepHandlingTime(calendar, { receivedAt: vn('2026-04-25T20:00:00.000'), resolvedAt: vn('2026-04-28T15:00:00.000') }, { rule: working, supplementWaits: waits }),
    { value: 0.5, unit: 'working-days' })
  // calendar days: Fri 24 09:00 → Wed 29 10:00 = 5 days 1 h, less Fri 14:00 → Tue 09:00 (3 days 19 h) = 1 day 6 h
  t.same(stepHandlingTime(calendar, { receivedAt: vn('2026-04-24T09:00:00.000'), resolvedAt: vn('2026-04-29T10:00:00.000') }, { rule: { days: 10, count: 'calendar' }, supplementWaits: waits }),
    { value: 1.25, unit: 'calendar-days' })
  // two steps of one agency: their sum, once both are resolved
  const two = [
    { receivedAt: vn('2026-04-23T09:00:00.000'), resolvedAt: vn('2026-04-24T09:00:00.000') },
    { receivedAt: vn('2026-04-24T09:00:00.000'), resolvedAt: vn('2026-04-29T10:00:00.000') }
  ]
  t.same(stepsHandlingTime(calendar, two, { rule: working, supplementWaits: waits }), { value: 2.5, unit: 'working-days' })
  t.equal(stepsHandlingTime(calendar, [two[0] as { receivedAt: Date, resolvedAt: Date }, { receivedAt: vn('2026-04-24T09:00:00.000') }], { rule: working, supplementWaits: waits }), undefined, 'not while one is open')
})
