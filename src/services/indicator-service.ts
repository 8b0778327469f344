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
import { definition, notAvailable, percent, percentFigure, rank, round2, type IndicatorFigure, type IndicatorId } from '../domain/indicators.ts'
import { periodBounds } from '../store/stats-queries.ts'
import type { GroupKind, IndicatorCounts, IndicatorQueries } from '../store/indicator-queries.ts'
import type { OnceOnlyCounts, OnceOnlyIndicatorQueries } from '../store/once-only-indicators.ts'
import type { IndicatorFigure as FigureOut, IndicatorQuery, IndicatorReport, IndicatorUnit } from '../types/schemas.generated.ts'

/** The longest period one request may cover. */
export const MAX_INDICATOR_DAYS = 1100

/** Why the hub has no figure for an indicator (N/A), or how it counts one where it differs from the national system. */
export const NOT_AVAILABLE: Readonly<Partial<Record<IndicatorId, string>>> = {
  1.4: 'no sync data: the counts of the record\'s sync to the national portal (DVCQG) were not asked for',
  4.1: 'no data on which procedures issue a paper result: the procedure catalogue (config/hub.json) does not say, and it is the denominator',
  4.3: 'no reuse data: a component\'s `reusable` says it may be reused later, not that it was reused from digitized data (DuocTaiSuDung)',
  4.4: 'no data on components taken from the national personal data store (DuocLayTuKhoDMQG) or results synced to it'
}

export const NOTES: Readonly<Partial<Record<IndicatorId, string>>> = {
  1.4: 'received in the period and taken by the national portal (DVCQG accepted its receipt message: national_sync.first_synced_at) by the period\'s end',
  2.2: 'calendar days from receipt to resolution, less the time waiting for papers; the procedure\'s own unit (working days, hours) is not applied yet',
  3.3: 'online = submitted online (channel 2); the catalogue does not say which results are paper documents, so an online dossier is not also checked for an electronic result',
  3.6: 'from the submission\'s fee lines (DanhSachLePhi: an amount above 0; collected online and paid); a payment made later, after a payment request (status 6), is not in the record',
  4.2: 'received in the period with a component file and, by the period\'s end, a result file',
  4.3: 'received in the period with a component the hub resolved from its document store (reuse: DuocTaiSuDung 1)',
  4.4: 'received in the period with a component taken from the national personal data store (DuocLayTuKhoDMQG 1), or a result synced to it by the period\'s end'
}

export class IndicatorService {
  readonly #queries: IndicatorQueries
  readonly #names: { agency: ReadonlyMap<string, string>, procedure: ReadonlyMap<string, string> }
  readonly #now: () => Date
  readonly #onceOnly: OnceOnlyIndicatorQueries | undefined

  /** `onceOnly`: the counts of 1.4 (the sync to DVCQG), 4.3 and 4.4 (the document store); without it they are N/A */
  constructor (queries: IndicatorQueries, names: { agency: ReadonlyMap<string, string>, procedure: ReadonlyMap<string, string> }, now: () => Date = () => new Date(), onceOnly?: OnceOnlyIndicatorQueries) {
    this.#queries = queries
    this.#names = names
    this.#now = now
    this.#onceOnly = onceOnly
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
    const [rows, once] = await Promise.all([this.#queries.counts(query), this.#onceOnly?.counts(query)])
    const onceOf = (kind: GroupKind, key: string): OnceOnlyCounts | undefined => once === undefined
      ? undefined
      : once.find((o) => o.kind === kind && o.key === key) ?? { kind, key, reused: 0, fromNationalStore: 0, synced: 0 }
    const group = (kind: GroupKind): IndicatorUnit[] => ranked(rows.filter((r) => r.kind === kind).map((r) => unitOf(r, this.#name(kind, r.key), onceOf(kind, r.key))))
    const province = rows.find((r) => r.kind === 'province')
    return {
      from,
      to,
      judgedAt: toVietnamIso(end),
      ...(q.unit !== undefined && { unit: q.unit }),
      ...(q.procedure !== undefined && { procedure: q.procedure }),
      ...(agency !== undefined && { agency }),
      ...(agency === undefined && {
        province: ranked([unitOf(province ?? emptyCounts('province', 'province'), 'Toàn tỉnh', onceOf('province', province?.key ?? ''))])[0] as IndicatorUnit,
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
  return { kind, key, counted: 0, onTime: 0, received: 0, online: 0, counter: 0, postal: 0, withFee: 0, paidOnline: 0, digitized: 0, resolved: 0, handlingDays: 0 }
}

/** The figures of one unit from its counts, in the Decision's order; 4.3 and 4.4 N/A without `once`. */
export function figuresOf (c: IndicatorCounts, once?: OnceOnlyCounts): IndicatorFigure[] {
  const note = (id: IndicatorId): string | undefined => NOTES[id]
  const na = (id: IndicatorId): IndicatorFigure => notAvailable(id, NOT_AVAILABLE[id] as string)
  const days = round2(c.handlingDays)
  const average: IndicatorFigure = c.resolved === 0
    ? { id: '2.2', numerator: days, denominator: 0, value: null, reason: 'no dossier received in the period was resolved by its end: N/A', note: NOTES['2.2'] as string }
    : { id: '2.2', numerator: days, denominator: c.resolved, value: round2(c.handlingDays / c.resolved), note: NOTES['2.2'] as string }
  return [
    once === undefined ? na('1.4') : percentFigure('1.4', once.synced, c.received, note('1.4')),
    percentFigure('2.1', c.onTime, c.counted),
    average,
    percentFigure('3.3', c.online, c.received, note('3.3')),
    percentFigure('3.6', c.paidOnline, c.withFee, note('3.6')),
    na('4.1'),
    percentFigure('4.2', c.digitized, c.received, note('4.2')),
    once === undefined ? na('4.3') : percentFigure('4.3', once.reused, c.received, note('4.3')),
    once === undefined ? na('4.4') : percentFigure('4.4', once.fromNationalStore, c.received, note('4.4'))
  ]
}

interface Unranked { key: string, name?: string, indicators: IndicatorFigure[], counts: IndicatorCounts }

function unitOf (c: IndicatorCounts, name: string | undefined, once?: OnceOnlyCounts): Unranked {
  return { key: c.key, ...(name !== undefined && { name }), indicators: figuresOf(c, once), counts: c }
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
    unit: def.unit,
    ...(r !== undefined && { rank: r }),
    ...(f.id === '3.3' && { shares: { online: percent(c.online, c.received) ?? null, counter: percent(c.counter, c.received) ?? null, postal: percent(c.postal, c.received) ?? null } })
  }
}
