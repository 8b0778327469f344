/**
 * Notices per month and channel (the province pays for SMS by message and segment): sent, failed
 * and SMS segments, by Vietnam month, from the record's counters (store/notice-store.ts).
 */
import type { MonthlyCount, NoticeStore } from '../store/notice-store.ts'
import { vietnamMonth } from '../store/notice-store.ts'
import { HubValidationError } from '../errors.ts'

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/
const MAX_MONTHS = 36

export class NoticeCounts {
  readonly #store: NoticeStore
  readonly #now: () => Date

  constructor (store: NoticeStore, now: () => Date = () => new Date()) {
    this.#store = store
    this.#now = now
  }

  /** `from` and `to` as yyyy-mm (default: this Vietnam month, and from = to). */
  async monthly (from?: string, to?: string): Promise<{ from: string, to: string, months: MonthlyCount[] }> {
    const current = vietnamMonth(this.#now()).slice(0, 7)
    const t = to ?? (from !== undefined && from > current ? from : current)
    const f = from ?? t
    const problems = [['from', f], ['to', t]].filter(([, v]) => !MONTH.test(v as string)).map(([name, v]) => ({ parameter: name as string, detail: `must be a month as yyyy-mm, not "${v as string}"` }))
    if (problems.length > 0) throw new HubValidationError(problems, 'The period is not a pair of months; nothing was read')
    const span = (Number(t.slice(0, 4)) - Number(f.slice(0, 4))) * 12 + Number(t.slice(5)) - Number(f.slice(5))
    if (span < 0) throw new HubValidationError([{ parameter: 'from', detail: `${f} is after ${t}` }], 'The period ends before it starts; nothing was read')
    if (span >= MAX_MONTHS) throw new HubValidationError([{ parameter: 'to', detail: `at most ${MAX_MONTHS} months at once` }], 'The period is too long; nothing was read')
    return { from: f, to: t, months: await this.#store.monthly(`${f}-01`, `${t}-01`) }
  }
}
