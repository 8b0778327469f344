/**
 * Decision 766/QĐ-TTg (2022): the indicators provinces are scored and ranked on, as pure rules
 * (shared/DOMAIN.md, "Decision 766"). No I/O: the record's SQL (store/indicator-queries.ts) applies
 * the same rules at scale; this module is their specification, unit-tested on hand-computed
 * dossiers, and what turns counts into values, scores and ranks.
 *
 * Indicator 2.1 (đúng hạn, trước hạn), per dossier, judged as the record stood at the END of the
 * period (so a past period gives the same answer whenever it is asked):
 *   - counted: received by the period's end and not ended before its start ("received or handled
 *     in the period");
 *   - end of handling: the time of status 9 (resolved), else 10 (returned), else 8 / 3 (stopped /
 *     not accepted), else 7 (withdrawn) — the first such change at or before the period's end;
 *   - no end by then: a dossier waiting for the applicant (status 5, supplement; 6, payment: the
 *     hub's clock stops for both, DOMAIN.md "Deadlines") is judged at the request that paused it
 *     ("ends at the request"); any other open dossier at the period's last instant;
 *   - the applicant's supplement time (request → supplied) is subtracted: the record's due date
 *     (NgayHenTra) moves by the paused working time when the dossier leaves 5 / 6
 *     (lifecycle.changeStatus, calendar.shiftForPause), so the judgement compares with the due
 *     date in force at the judged instant (the last history row at or before it that set one,
 *     an announced delay excepted: on-time figures count against the due date, not the new date);
 *   - more than one supplement request (changes into 5) by then: overdue, whatever the dates;
 *   - on time: judged instant ≤ due date in force; without a due date (a procedure without a
 *     processing time) on time.
 */

import type { DeadlineRule, WorkingCalendar } from './calendar.ts'

/** Statuses by national code (domain/status.ts names them). */
export const S = { NEW: 1, RECEIVED: 2, NOT_ACCEPTED: 3, PROCESSING: 4, SUPPLEMENT: 5, PAYMENT: 6, WITHDRAWN: 7, STOPPED: 8, RESOLVED: 9, RETURNED: 10 } as const

/** One row of a dossier's history as the judgement reads it (dossier_history: at, type, status_from/to, due_at_to). */
export interface HistoryPoint {
  at: Date
  type?: string
  statusFrom?: number
  statusTo?: number
  dueAtTo?: Date
}

/** A reporting period: its first and its last instant (both included). */
export interface Period {
  start: Date
  end: Date
}

export type JudgedAs = 'resolved' | 'returned' | 'stopped' | 'not-accepted' | 'withdrawn' | 'awaiting-papers' | 'awaiting-payment' | 'open'

export interface TimelinessJudgement {
  /** how the dossier stood at the period's end */
  as: JudgedAs
  /** the instant judged against the due date */
  judgedAt: Date
  /** the due date in force at that instant (undefined: none) */
  dueAt?: Date
  /** changes into status 5 by then */
  supplementRequests: number
  onTime: boolean
}

const END_PRIORITY: ReadonlyArray<{ codes: readonly number[], as: JudgedAs }> = [
  { codes: [S.RESOLVED], as: 'resolved' },
  { codes: [S.RETURNED], as: 'returned' },
  { codes: [S.STOPPED, S.NOT_ACCEPTED], as: 'stopped' },
  { codes: [S.WITHDRAWN], as: 'withdrawn' }
]

const entered = (h: HistoryPoint, code: number): boolean => h.statusTo === code && h.statusFrom !== code

/**
 * The end of handling by `until`: the first change into 9, else 10, else 8/3, else 7. Undefined:
 * none by then.
 */
export function endOfHandling (history: readonly HistoryPoint[], until: Date): { at: Date, as: JudgedAs } | undefined {
  const by = history.filter((h) => h.at.getTime() <= until.getTime())
  for (const { codes, as } of END_PRIORITY) {
    const h = by.find((p) => codes.some((c) => entered(p, c)))
    if (h !== undefined) return { at: h.at, as: as === 'stopped' && h.statusTo === S.NOT_ACCEPTED ? 'not-accepted' : as }
  }
  return undefined
}

/** The due date in force at `at`: the last row at or before it that set one (an announced delay excepted). */
export function dueDateAt (history: readonly HistoryPoint[], at: Date): Date | undefined {
  let due: Date | undefined
  for (const h of history) {
    if (h.at.getTime() > at.getTime()) break
    if (h.dueAtTo !== undefined && h.type !== 'delay-announced') due = h.dueAtTo
  }
  return due
}

/**
 * Indicator 2.1 for one dossier: undefined when it is not counted in the period (received after
 * its end, or ended before its start); otherwise how it stood at the end and whether on time.
 * `history` in order (the receipt first, with the first due date).
 */
export function judgeTimeliness (receivedAt: Date, history: readonly HistoryPoint[], period: Period): TimelinessJudgement | undefined {
  if (receivedAt.getTime() > period.end.getTime()) return undefined
  const by = history.filter((h) => h.at.getTime() <= period.end.getTime())
  const end = endOfHandling(by, period.end)
  if (end !== undefined && end.at.getTime() < period.start.getTime()) return undefined
  let as: JudgedAs
  let judgedAt: Date
  if (end !== undefined) {
    as = end.as
    judgedAt = end.at
  } else {
    const last = by.filter((h) => h.statusTo !== undefined).at(-1)
    if (last !== undefined && (last.statusTo === S.SUPPLEMENT || last.statusTo === S.PAYMENT)) {
      // the request that paused it: the latest change into that status
      const request = by.filter((h) => entered(h, last.statusTo as number)).at(-1) ?? last
      as = last.statusTo === S.SUPPLEMENT ? 'awaiting-papers' : 'awaiting-payment'
      judgedAt = request.at
    } else {
      as = 'open'
      judgedAt = period.end
    }
  }
  const supplementRequests = by.filter((h) => h.at.getTime() <= judgedAt.getTime() && entered(h, S.SUPPLEMENT)).length
  const dueAt = dueDateAt(by, judgedAt)
  const onTime = supplementRequests <= 1 && (dueAt === undefined || judgedAt.getTime() <= dueAt.getTime())
  return { as, judgedAt, ...(dueAt !== undefined && { dueAt }), supplementRequests, onTime }
}

/**
 * An agency's judgement on its own step: the step ends when the agency reported it resolved or
 * rejected (`finishedAt`), else with the dossier's end (a withdrawal cancels it); a step not
 * finished by the period's end is judged as the dossier is (at the request that paused it, or the
 * period's last instant). It is judged against the step's own due date (`stepDueAt`; the dossier's
 * in force when the route gives the step none) and is overdue after more than one supplement
 * request of its own (`ownRequests`).
 */
export function judgeStep (
  dossier: TimelinessJudgement,
  step: { finishedAt?: Date, dueAt?: Date, ownRequests: number },
  period: Period
): { judgedAt: Date, dueAt?: Date, onTime: boolean } {
  const finished = step.finishedAt !== undefined && step.finishedAt.getTime() <= period.end.getTime() ? step.finishedAt : undefined
  const judgedAt = finished ?? dossier.judgedAt
  const dueAt = step.dueAt ?? dossier.dueAt
  const onTime = step.ownRequests <= 1 && (dueAt === undefined || judgedAt.getTime() <= dueAt.getTime())
  return { judgedAt, ...(dueAt !== undefined && { dueAt }), onTime }
}

/** The unit a dossier's handling time (2.2) is counted in: its procedure's deadline count. */
export type HandlingUnit = 'working-days' | 'calendar-days'

/** The unit of a procedure's deadline rule; a procedure without one: working days (the catalogue's default count). */
export const handlingUnitOf = (rule: DeadlineRule | undefined): HandlingUnit => rule?.count === 'calendar' ? 'calendar-days' : 'working-days'

const DAY_MS = 86_400_000

/**
 * Indicator 2.2 for one resolved dossier: its handling time in its procedure's own unit (DOMAIN.md
 * "Decision 766": "in the procedure's own unit"), the way its due date was counted:
 *   - from the start of handling (calendar.startOfHandling: the receipt, or for a paper dossier
 *     received after the cut-off, or any received outside working time, the next working opening)
 *     to the resolution;
 *   - less the applicant's time with the papers: each wait (a change into 5 until the next status
 *     row), clipped to that interval;
 *   - working days: working time (working periods of working days, holidays and swapped Saturdays
 *     of the table) ÷ the working day's length (8 h by default); calendar days: elapsed time ÷ 24 h.
 * Never below 0.
 */
export function handlingTime (
  calendar: WorkingCalendar,
  d: { receivedAt: Date, resolvedAt: Date, paper: boolean, rule?: DeadlineRule, supplementWaits: ReadonlyArray<{ from: Date, to: Date }> }
): { value: number, unit: HandlingUnit } {
  const unit = handlingUnitOf(d.rule)
  const start = calendar.startOfHandling(d.receivedAt, d.paper)
  const end = d.resolvedAt
  const span = (a: Date, b: Date): number => unit === 'working-days' ? calendar.workingTimeBetween(a, b) : Math.max(0, b.getTime() - a.getTime())
  let total = span(start, end)
  for (const w of d.supplementWaits) {
    const from = new Date(Math.max(w.from.getTime(), start.getTime()))
    const to = new Date(Math.min(w.to.getTime(), end.getTime()))
    if (to.getTime() > from.getTime()) total -= span(from, to)
  }
  const value = Math.max(0, total) / (unit === 'working-days' ? calendar.dayLength : DAY_MS)
  return { value, unit }
}

/**
 * Indicator 2.2 for one agency on one dossier (an agency is judged on its own steps, only for the
 * dossiers routed to it): the handling time of its step, in the procedure's unit, from the step's
 * receipt (`receivedAt`: when the hub delivered it to the agency) to its resolution
 * (`resolvedAt`: when the agency's report that resolved it was recorded), less the applicant's
 * waits for papers within it (the dossier's changes into 5, each until the next status row,
 * clipped to the step). The step reached the agency electronically, so no paper cut-off: handling
 * starts at the receipt, or at the next working opening when it came outside working time.
 * An agency with several steps on one dossier counts their sum (stepsHandlingTime).
 */
export function stepHandlingTime (
  calendar: WorkingCalendar,
  step: { receivedAt: Date, resolvedAt: Date },
  d: { rule?: DeadlineRule, supplementWaits: ReadonlyArray<{ from: Date, to: Date }> }
): { value: number, unit: HandlingUnit } {
  return handlingTime(calendar, { receivedAt: step.receivedAt, resolvedAt: step.resolvedAt, paper: false, ...(d.rule !== undefined && { rule: d.rule }), supplementWaits: d.supplementWaits })
}

/**
 * 2.2 for one agency on one dossier with several steps there: the sum of its steps' handling times
 * when all of them are resolved; undefined while one is not.
 */
export function stepsHandlingTime (
  calendar: WorkingCalendar,
  steps: ReadonlyArray<{ receivedAt: Date, resolvedAt?: Date }>,
  d: { rule?: DeadlineRule, supplementWaits: ReadonlyArray<{ from: Date, to: Date }> }
): { value: number, unit: HandlingUnit } | undefined {
  if (steps.length === 0 || steps.some((s) => s.resolvedAt === undefined)) return undefined
  const unit = handlingUnitOf(d.rule)
  const value = steps.reduce((sum, s) => sum + stepHandlingTime(calendar, { receivedAt: s.receivedAt, resolvedAt: s.resolvedAt as Date }, d).value, 0)
  return { value, unit }
}

/**
 * Indicators 3.3 and 4.1 for one dossier received in the period, as it stood at the period's end.
 * `paperResult`: its procedure issues a paper result (the catalogue, recorded at receipt; undefined:
 * not said). `electronicResultAt`: when a result document (result code and file link) was first
 * registered for it.
 *   - 3.3: online when submitted online (channel 2) and, if the result is a paper document, it has
 *     an electronic result by the end; at the counter: channel 1 (or unknown); by post: channel 3
 *     (a result returned by post does not make a dossier postal);
 *   - 4.1: counted (denominator) when its result is a paper document; electronic (numerator) when
 *     it has an electronic result by the end.
 */
export function channelAndResult (
  d: { channel: 'counter' | 'online' | 'postal' | undefined, paperResult?: boolean, electronicResultAt?: Date },
  periodEnd: Date
): { channel: 'online' | 'counter' | 'postal' | 'online-without-electronic-result', paperResult: boolean, electronicResult: boolean } {
  const electronic = d.electronicResultAt !== undefined && d.electronicResultAt.getTime() <= periodEnd.getTime()
  const paperResult = d.paperResult === true
  const channel = d.channel === 'postal'
    ? 'postal'
    : d.channel === 'online' ? (paperResult && !electronic ? 'online-without-electronic-result' : 'online') : 'counter'
  return { channel, paperResult, electronicResult: paperResult && electronic }
}

// ---------------------------------------------------------------------------------------------
// Values, scores, ranks

export type IndicatorId = '1.4' | '2.1' | '2.2' | '3.3' | '3.6' | '4.1' | '4.2' | '4.3' | '4.4'

export interface IndicatorDefinition {
  id: IndicatorId
  /** Vietnamese name */
  name: string
  /** what the value is: a percentage, or (2.2) an average time in each procedure's own unit */
  unit: 'percent' | 'time'
  /** the value that earns the full score (percent); undefined: not scored (2.2) */
  threshold?: number
  /** scored (has a maximum score) */
  scored: boolean
}

/**
 * The maximum score each scored indicator counts when the configuration (indicators.maxScores in
 * config/hub.json) does not set one. A PLACEHOLDER, not Decision 766's figure: its annex gives each
 * indicator its points, but neither shared/DOMAIN.md nor the public texts found give the points of
 * these indicators one by one — only the groups' maxima (18, 20, 22, 22, 18: 100 in all) and, in a
 * secondary summary, 20 for handling on time (docs/configuration.md says where each was read).
 */
export const PLACEHOLDER_MAX_SCORE = 10

/** Maximum scores by indicator (configured); a scored indicator not in it counts PLACEHOLDER_MAX_SCORE. */
export type MaxScores = Readonly<Partial<Record<IndicatorId, number>>>

export const INDICATORS: readonly IndicatorDefinition[] = [
  { id: '1.4', name: 'Tỷ lệ hồ sơ được đồng bộ lên Cổng DVCQG', unit: 'percent', threshold: 100, scored: true },
  { id: '2.1', name: 'Tỷ lệ hồ sơ giải quyết đúng hạn, trước hạn', unit: 'percent', threshold: 100, scored: true },
  { id: '2.2', name: 'Thời gian giải quyết trung bình', unit: 'time', scored: false },
  { id: '3.3', name: 'Tỷ lệ hồ sơ nộp trực tuyến', unit: 'percent', threshold: 50, scored: true },
  { id: '3.6', name: 'Tỷ lệ hồ sơ thanh toán trực tuyến', unit: 'percent', threshold: 100, scored: true },
  { id: '4.1', name: 'Tỷ lệ hồ sơ cấp kết quả điện tử', unit: 'percent', threshold: 100, scored: true },
  { id: '4.2', name: 'Tỷ lệ số hóa hồ sơ, kết quả', unit: 'percent', threshold: 80, scored: true },
  { id: '4.3', name: 'Tỷ lệ khai thác, tái sử dụng dữ liệu số hóa', unit: 'percent', threshold: 80, scored: true },
  { id: '4.4', name: 'Tỷ lệ hồ sơ sử dụng dữ liệu từ Kho quản lý dữ liệu điện tử của tổ chức, cá nhân', unit: 'percent', threshold: 100, scored: true }
]

/** The maximum score of a scored indicator (configured, else the placeholder); undefined for 2.2. */
export function maxScoreOf (id: IndicatorId, maxScores: MaxScores = {}): { maxScore: number, maxScoreSource: 'configured' | 'placeholder' } | undefined {
  if (!definition(id).scored) return undefined
  const configured = maxScores[id]
  return configured === undefined ? { maxScore: PLACEHOLDER_MAX_SCORE, maxScoreSource: 'placeholder' } : { maxScore: configured, maxScoreSource: 'configured' }
}

export const INDICATOR_IDS: readonly IndicatorId[] = INDICATORS.map((d) => d.id)

/** Rounds half away from zero to 2 decimals (decimal-exact for the values here: 12.345 → 12.35). */
export function round2 (x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`)
  const sign = x < 0 ? -1 : 1
  return sign * Number(`${Math.round(Number(`${Math.abs(x)}e2`))}e-2`)
}

/** numerator ÷ denominator as a percentage, 2 decimals; undefined for a zero denominator. */
export function percent (numerator: number, denominator: number): number | undefined {
  if (denominator === 0) return undefined
  return round2((numerator * 100) / denominator)
}

/** The score of a value: the maximum at or above the threshold, value × maximum ÷ threshold below it, 2 decimals. */
export function score (value: number, threshold: number, maxScore: number): number {
  if (value >= threshold) return maxScore
  return round2((Math.max(0, value) * maxScore) / threshold)
}

/** One indicator's figure for one unit: a value, or N/A with the reason. */
export type IndicatorFigure = {
  id: IndicatorId
  numerator?: number
  denominator?: number
  threshold?: number
  maxScore?: number
  maxScoreSource?: 'configured' | 'placeholder'
  /** 2.2: the unit of its value */
  unit?: 'percent' | HandlingUnit
  note?: string
} & ({ value: number, score?: number } | { value: null, reason: string })

/** A figure from counts (percent indicators): N/A when the denominator is 0 (`emptyReason`, else the usual one). */
export function percentFigure (id: IndicatorId, numerator: number, denominator: number, note?: string, maxScores: MaxScores = {}, emptyReason?: string): IndicatorFigure {
  const def = definition(id)
  const value = percent(numerator, denominator)
  const max = maxScoreOf(id, maxScores)
  const base = { id, unit: 'percent' as const, numerator, denominator, ...(def.threshold !== undefined && { threshold: def.threshold }), ...max, ...(note !== undefined && { note }) }
  if (value === undefined) return { ...base, value: null, reason: emptyReason ?? 'no dossier in the denominator (0): N/A' }
  return { ...base, value, ...(def.threshold !== undefined && max !== undefined && { score: score(value, def.threshold, max.maxScore) }) }
}

/** An indicator the record has no data for. */
export function notAvailable (id: IndicatorId, reason: string, maxScores: MaxScores = {}): IndicatorFigure {
  const def = definition(id)
  return { id, ...(def.threshold !== undefined && { threshold: def.threshold }), ...maxScoreOf(id, maxScores), value: null, reason }
}

export function definition (id: IndicatorId): IndicatorDefinition {
  const d = INDICATORS.find((x) => x.id === id)
  if (d === undefined) throw new RangeError(`no indicator ${id}`)
  return d
}

/** The total score of a unit: the sum of its scored figures (N/A ones count nothing), 2 decimals. */
export function totalScore (figures: readonly IndicatorFigure[]): number {
  return round2(figures.reduce((sum, f) => sum + (f.value !== null && f.score !== undefined ? f.score : 0), 0))
}

export interface Ranked<U> {
  unit: U
  total: number
  /** 1-based, by total score (ties share a rank: 1, 1, 3) */
  rank: number
  /** each indicator's rank among the units that have a value for it (by value, higher first; 2.2 lower first) */
  ranks: Partial<Record<IndicatorId, number>>
}

/** Units ordered by total score (ties by key), each with its rank and each indicator's rank. */
export function rank<U extends { key: string, indicators: readonly IndicatorFigure[] }> (units: readonly U[]): Array<Ranked<U>> {
  const totals = units.map((u) => ({ unit: u, total: totalScore(u.indicators) }))
  totals.sort((a, b) => b.total - a.total || a.unit.key.localeCompare(b.unit.key))
  const byIndicator = new Map<IndicatorId, Map<string, number>>()
  for (const id of INDICATOR_IDS) {
    const lowerIsBetter = id === '2.2'
    const values = units.flatMap((u) => {
      const f = u.indicators.find((x) => x.id === id)
      return f === undefined || f.value === null ? [] : [{ key: u.key, value: f.value }]
    })
    byIndicator.set(id, competitionRanks(values, lowerIsBetter))
  }
  const overall = competitionRanks(totals.map((t) => ({ key: t.unit.key, value: t.total })), false)
  return totals.map(({ unit, total }) => {
    const ranks: Partial<Record<IndicatorId, number>> = {}
    for (const id of INDICATOR_IDS) {
      const r = byIndicator.get(id)?.get(unit.key)
      if (r !== undefined) ranks[id] = r
    }
    return { unit, total, rank: overall.get(unit.key) as number, ranks }
  })
}

/** Standard competition ranking (1, 1, 3): equal values share the better rank. */
function competitionRanks (values: ReadonlyArray<{ key: string, value: number }>, lowerIsBetter: boolean): Map<string, number> {
  const sorted = [...values].sort((a, b) => lowerIsBetter ? a.value - b.value : b.value - a.value)
  const out = new Map<string, number>()
  sorted.forEach((v, i) => {
    const prev = sorted[i - 1]
    out.set(v.key, prev !== undefined && prev.value === v.value ? (out.get(prev.key) as number) : i + 1)
  })
  return out
}
