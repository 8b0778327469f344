/**
 * The Decision 766 indicators of a period (GET /v1/reports/indicators): the record's counts
 * (store/indicator-queries.ts) turned into figures, scores and ranks (domain/indicators.ts), for
 * the province, each commune, each agency and each procedure. An agency client gets its own
 * agency's figures only.
 */
import type { Client } from '../auth/clients.ts'
import { HubValidationError } from '../errors.ts'
import { reportPeriod } from '../domain/stats.ts'
import { vietnamDate } from '../domain/calendar.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { definition, notAvailable, percent, percentFigure, rank, round2, type IndicatorFigure, type IndicatorId, type MaxScores } from '../domain/indicators.ts'
import { periodBounds } from '../store/stats-queries.ts'
import type { GroupKind, IndicatorCounts, IndicatorQueries } from '../store/indicator-queries.ts'
import type { OnceOnlyCounts, OnceOnlyIndicatorQueries } from '../store/once-only-indicators.ts'
import type { NationalSyncCounts, NationalSyncIndicatorQueries } from '../store/national-sync-indicators.ts'
import type { IndicatorFigure as FigureOut, IndicatorQuery, IndicatorReport, IndicatorUnit } from '../types/schemas.generated.ts'

/** The longest period one request may cover. */
export const MAX_INDICATOR_DAYS = 1100

/** Why the hub has no figure for an indicator (N/A), or how it counts one where it differs from the national system. */
export const NOT_AVAILABLE: Readonly<Partial<Record<IndicatorId, string>>> = {
  1.4: 'no sync data: the counts of the record\'s sync to the national portal (DVCQG) were not asked for',
  4.3: 'no reuse data: a component\'s `reusable` says it may be reused later, not that it was reused from digitized data (DuocTaiSuDung)',
  4.4: 'no data on components taken from the national personal data store (DuocLayTuKhoDMQG) or results synced to it'
}

export const NOTES: Readonly<Partial<Record<IndicatorId, string>>> = {
  1.4: 'received in the period and taken by the national portal (DVCQG accepted its receipt message: national_sync.first_synced_at) by the period\'s end',
  2.2: 'dossiers received in the period and resolved by its end: from the start of handling to the resolution, less the time waiting for papers, in the procedure\'s own unit (its deadline\'s: working days — working time of working days ÷ the working day\'s length — or calendar days); units are not added together; an agency\'s from its own steps: from the step\'s receipt to its resolution, less the waits for papers within it',
  3.3: 'online = submitted online (channel 2) and, for a procedure whose result is a paper document (the catalogue\'s paperResult when the dossier was received), with an electronic result (a result document registered in the hub\'s document store: result code and file link) by the period\'s end',
  3.6: 'from the submission\'s fee lines (DanhSachLePhi: an amount above 0; collected online and paid); a payment made later, after a payment request (status 6), is not in the record',
  4.1: 'received in the period, of a procedure whose result is a paper document (the catalogue\'s paperResult when the dossier was received), with an electronic result (a result document registered in the hub\'s document store: result code and file link) by the period\'s end',
  4.2: 'received in the period with a component file and, by the period\'s end, a result file',
  4.3: 'received in the period with a component the hub resolved from its document store (reuse: DuocTaiSuDung 1), at receipt or in a supplement given by the period\'s end',
  4.4: 'received in the period with a component taken from the national personal data store (DuocLayTuKhoDMQG 1), at receipt or in a supplement given by the period\'s end, or a result synced to it by then'
}

export interface IndicatorSources {
  /** 4.3, 4.4 (the document store); without it they are N/A */
  onceOnly?: OnceOnlyIndicatorQueries
  /** 1.4 (the sync to DVCQG); without it, N/A */
  nationalSync?: NationalSyncIndicatorQueries
  /** the configured maximum scores (indicators.maxScores); the others count a placeholder */
  maxScores?: MaxScores
}

export class IndicatorService {
  readonly #queries: IndicatorQueries
  readonly #names: { agency: ReadonlyMap<string, string>, procedure: ReadonlyMap<string, string> }
  readonly #now: () => Date
  readonly #sources: IndicatorSources

  constructor (queries: IndicatorQueries, names: { agency: ReadonlyMap<string, string>, procedure: ReadonlyMap<string, string> }, now: () => Date = () => new Date(), sources: IndicatorSources = {}) {
    this.#queries = queries
    this.#names = names
    this.#now = now
    this.#sources = sources
  }

  async report (q: IndicatorQuery, viewer?: Client): Promise<IndicatorReport> {
    const now = this.#now()
    const period = reportPeriod(q, vietnamDate(now), MAX_INDICATOR_DAYS, 'MAX_INDICATOR_DAYS')
    if ('problem' in period) throw new HubValidationError([{ parameter: 'from', detail: period.problem }])
    const { from, to } = period
    const { end } = periodBounds(from, to, now)
    if (end.getTime() < periodBounds(from, from, now).start.getTime()) throw new HubValidationError([{ parameter: 'from', detail: `is in the future (${from})` }])
    const agency = viewer?.role === 'agency' ? (viewer.agency ?? '') : undefined
    const query = {
      from,
      to,
      now,
      ...(q.unit !== undefined && { unit: q.unit }),
      ...(q.procedure !== undefined && { procedure: q.procedure }),
      ...(agency !== undefined && { agency })
    }
    const { onceOnly, nationalSync, maxScores = {} } = this.#sources
    const [rows, once, synced] = await Promise.all([this.#queries.counts(query), onceOnly?.counts(query), nationalSync?.counts(query)])
    const extraOf = (kind: GroupKind, key: string): Extra => ({
      ...(once !== undefined && { once: once.find((o) => o.kind === kind && o.key === key) ?? { kind, key, reused: 0, fromNationalStore: 0 } }),
      ...(synced !== undefined && { synced: synced.find((o) => o.kind === kind && o.key === key) ?? { kind, key, synced: 0 } })
    })
    const group = (kind: GroupKind): IndicatorUnit[] => ranked(rows.filter((r) => r.kind === kind).map((r) => unitOf(r, this.#name(kind, r.key), extraOf(kind, r.key), maxScores)))
    const province = rows.find((r) => r.kind === 'province')
    return {
      from,
      to,
      judgedAt: toVietnamIso(end),
      ...(q.unit !== undefined && { unit: q.unit }),
      ...(q.procedure !== undefined && { procedure: q.procedure }),
      ...(agency !== undefined && { agency }),
      ...(agency === undefined && {
        province: ranked([unitOf(province ?? emptyCounts('province', 'province'), 'Toàn tỉnh', extraOf('province', province?.key ?? ''), maxScores)])[0] as IndicatorUnit,
        communes: group('commune')
      }),
      agencies: group('agency'),
      ...(agency === undefined && { procedures: group('procedure') })
    }
  }

  #name (kind: GroupKind, key: string): string | undefined {
    if (kind === 'agency') return this.#names.agency.get(key)
    if (kind === 'procedure') return this.#names.procedure.get(key)
    return undefined
  }
}

function emptyCounts (kind: GroupKind, key: string): IndicatorCounts {
  return {
    kind,
    key,
    counted: 0,
    onTime: 0,
    received: 0,
    online: 0,
    onlineWithoutElectronicResult: 0,
    counter: 0,
    postal: 0,
    paperResult: 0,
    electronicResult: 0,
    resultKindUnknown: 0,
    withFee: 0,
    paidOnline: 0,
    digitized: 0,
    resolved: 0,
    resolvedWorking: 0,
    workingDays: 0,
    resolvedCalendar: 0,
    calendarDays: 0
  }
}

/** What other queries count for a unit: 4.3, 4.4 (once-only), 1.4 (the sync to DVCQG). */
export interface Extra { once?: OnceOnlyCounts, synced?: NationalSyncCounts }

/**
 * 2.2 for one unit: the average handling time in its dossiers' unit (working days or calendar
 * days); N/A when none was resolved, or when they are of procedures counted in different units
 * (an average of working days and calendar days means nothing: each procedure has its own figure).
 */
export function averageHandling (c: IndicatorCounts): IndicatorFigure {
  const note = NOTES['2.2'] as string
  if (c.resolvedWorking > 0 && c.resolvedCalendar > 0) {
    const w = round2(c.workingDays / c.resolvedWorking)
    const d = round2(c.calendarDays / c.resolvedCalendar)
    return {
      id: '2.2',
      denominator: c.resolved,
      value: null,
      reason: `its dossiers are of procedures counted in different units: ${c.resolvedWorking} in working days (average ${w}), ${c.resolvedCalendar} in calendar days (average ${d}); see each procedure's figure`,
      note
    }
  }
  const working = c.resolvedCalendar === 0
  const n = working ? c.resolvedWorking : c.resolvedCalendar
  const sum = round2(working ? c.workingDays : c.calendarDays)
  const unit = working ? 'working-days' as const : 'calendar-days' as const
  if (n === 0) return { id: '2.2', numerator: 0, denominator: 0, value: null, reason: 'no dossier received in the period was resolved by its end: N/A', note }
  return { id: '2.2', unit, numerator: sum, denominator: n, value: round2((working ? c.workingDays : c.calendarDays) / n), note }
}

/** The figures of one unit from its counts, in the Decision's order; 1.4, 4.3 and 4.4 N/A without their counts. */
export function figuresOf (c: IndicatorCounts, extra: Extra = {}, maxScores: MaxScores = {}): IndicatorFigure[] {
  const note = (id: IndicatorId): string | undefined => NOTES[id]
  const na = (id: IndicatorId): IndicatorFigure => notAvailable(id, NOT_AVAILABLE[id] as string, maxScores)
  const { once, synced } = extra
  const unknown = c.resultKindUnknown > 0 ? `; ${c.resultKindUnknown} received dossier(s) of procedures the catalogue did not say (when they were received) whether their result is paper (paperResult) are outside it` : ''
  const noPaper = c.resultKindUnknown > 0
    ? `no dossier received in the period is of a procedure known to issue a paper result: the catalogue did not say (paperResult) for the procedures of ${c.resultKindUnknown} of them when they were received, and the others' results are not paper documents: N/A`
    : 'no dossier received in the period is of a procedure whose result is a paper document (the catalogue\'s paperResult): N/A'
  return [
    synced === undefined ? na('1.4') : percentFigure('1.4', synced.synced, c.received, note('1.4'), maxScores),
    percentFigure('2.1', c.onTime, c.counted, undefined, maxScores),
    averageHandling(c),
    percentFigure('3.3', c.online, c.received, `${note('3.3') as string}${c.onlineWithoutElectronicResult > 0 ? `; ${c.onlineWithoutElectronicResult} submitted online without one are not counted online` : ''}${unknown.replace('are outside it', 'count online by their channel alone')}`, maxScores),
    percentFigure('3.6', c.paidOnline, c.withFee, note('3.6'), maxScores),
    percentFigure('4.1', c.electronicResult, c.paperResult, `${note('4.1') as string}${unknown}`, maxScores, noPaper),
    percentFigure('4.2', c.digitized, c.received, note('4.2'), maxScores),
    once === undefined ? na('4.3') : percentFigure('4.3', once.reused, c.received, note('4.3'), maxScores),
    once === undefined ? na('4.4') : percentFigure('4.4', once.fromNationalStore, c.received, note('4.4'), maxScores)
  ]
}

interface Unranked { key: string, name?: string, indicators: IndicatorFigure[], counts: IndicatorCounts }

function unitOf (c: IndicatorCounts, name: string | undefined, extra: Extra, maxScores: MaxScores): Unranked {
  return { key: c.key, ...(name !== undefined && { name }), indicators: figuresOf(c, extra, maxScores), counts: c }
}

/** Units ordered by total score, each with its rank and each indicator's rank, as the API shows them. */
function ranked (units: readonly Unranked[]): IndicatorUnit[] {
  return rank(units).map(({ unit, total, rank: r, ranks }) => ({
    key: unit.key,
    ...(unit.name !== undefined && { name: unit.name }),
    total,
    rank: r,
    indicators: unit.indicators.map((f) => out(f, ranks[f.id], unit.counts))
  }))
}

function out (f: IndicatorFigure, r: number | undefined, c: IndicatorCounts): FigureOut {
  const def = definition(f.id)
  return {
    ...f,
    name: def.name,
    ...(f.unit === undefined && def.unit === 'percent' && { unit: 'percent' as const }),
    ...(r !== undefined && { rank: r }),
    ...(f.id === '3.3' && {
      shares: {
        online: percent(c.online, c.received) ?? null,
        onlineWithoutElectronicResult: percent(c.onlineWithoutElectronicResult, c.received) ?? null,
        counter: percent(c.counter, c.received) ?? null,
        postal: percent(c.postal, c.received) ?? null
      }
    })
  }
}
