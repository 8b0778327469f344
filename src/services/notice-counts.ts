/**
 * Notices per month and channel (the province pays for SMS by message and segment): sent, failed
 * and SMS segments, by Vietnam month, from the record's counters (store/notice-store.ts).
 */
import type { MonthlyCount, NoticeStore } from '../store/notice-store.ts'
import { HubValidationError } from '../errors.ts'
import { monthOf, monthRange } from '../domain/months.ts'

/** The most months one request covers. */
export const MAX_NOTICE_MONTHS = 36

export class NoticeCounts {
  readonly #store: NoticeStore
  readonly #now: () => Date

  constructor (store: NoticeStore, now: () => Date = () => new Date()) {
    this.#store = store
    this.#now = now
  }

  /** `from` and `to` as yyyy-mm (default: this Vietnam month, and from = to; domain/months.ts monthRange). */
  async monthly (from?: string, to?: string): Promise<{ from: string, to: string, months: MonthlyCount[] }> {
    const period = monthRange({ from, to }, MAX_NOTICE_MONTHS, monthOf(this.#now()))
    if ('problems' in period) throw new HubValidationError(period.problems, 'The period is not a range of months; nothing was read')
    return { from: period.from, to: period.to, months: await this.#store.monthly(`${period.from}-01`, `${period.to}-01`) }
  }
}
