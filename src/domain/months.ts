/**
 * Periods of whole Vietnam calendar months ('yyyy-mm'), as the monthly figures ask for them (notices
 * per month, GET /v1/stats/notices; postage per month, GET /v1/admin/postal/postage): one check for
 * both, so the same `from`/`to` is taken or refused, for the same reason, by each.
 *
 * - a month is 'yyyy-mm' (01–12);
 * - `to` defaults to the current month (or to `from` when that is later), `from` to `to`; without a
 *   current month (a route that requires both) a missing one is a problem;
 * - `from` after `to` is refused (on `from`);
 * - at most `maxMonths` months, both ends included (counted in months, not approximated in days).
 */
import { VIETNAM_OFFSET_MS, vietnamDayStart } from './vietnam-time.ts'

/** A month as a JSON Schema pattern (the routes' query strings). */
export const MONTH_PATTERN = '^\\d{4}-(0[1-9]|1[0-2])$'
const MONTH = new RegExp(MONTH_PATTERN)

export const isMonth = (s: string): boolean => MONTH.test(s)

/** Months since year 0 ('2026-01' → 2026 × 12): a difference is a number of months. */
export function monthIndex (month: string): number {
  if (!isMonth(month)) throw new RangeError(`not a month as yyyy-mm: ${month}`)
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1
}

/** The month after `month`. */
export function nextMonth (month: string): string {
  const i = monthIndex(month) + 1
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`
}

/** The first instant of `month` in Vietnam time (UTC+7). */
export function monthStart (month: string): Date {
  monthIndex(month)
  return vietnamDayStart(`${month}-01`)
}

/** The Vietnam month of an instant. */
export const monthOf = (at: Date): string => new Date(at.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 7)

export interface MonthProblem { parameter: 'from' | 'to', detail: string }

/**
 * The months `from` to `to` (both included) a request asks for: the period, with its length in
 * months, and the instants it spans ([start, end): the first instant of `from`, of the month after
 * `to`); or every problem with it.
 */
export function monthRange (
  asked: { from?: string | undefined, to?: string | undefined },
  maxMonths: number,
  current?: string
): { from: string, to: string, months: number, start: Date, end: Date } | { problems: MonthProblem[] } {
  const problems: MonthProblem[] = []
  const bad = (parameter: 'from' | 'to', v: string | undefined): boolean => {
    if (v === undefined || isMonth(v)) return false
    problems.push({ parameter, detail: `must be a month as yyyy-mm, not "${v}"` })
    return true
  }
  const badFrom = bad('from', asked.from)
  const badTo = bad('to', asked.to)
  if (badFrom || badTo) return { problems }
  const to = asked.to ?? (current === undefined ? undefined : asked.from !== undefined && asked.from > current ? asked.from : current)
  const from = asked.from ?? to
  if (to === undefined || from === undefined) {
    if (asked.from === undefined) problems.push({ parameter: 'from', detail: 'is required (yyyy-mm)' })
    if (asked.to === undefined) problems.push({ parameter: 'to', detail: 'is required (yyyy-mm)' })
    return { problems }
  }
  const months = monthIndex(to) - monthIndex(from) + 1
  if (months < 1) return { problems: [{ parameter: 'from', detail: `${from} is after ${to}` }] }
  if (months > maxMonths) return { problems: [{ parameter: 'to', detail: `the period from ${from} to ${to} has ${months} months; at most ${maxMonths} at once` }] }
  return { from, to, months, start: monthStart(from), end: monthStart(nextMonth(to)) }
}
