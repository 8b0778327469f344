/**
 * The working-day calendar of the one-stop administration: due dates (ngày hẹn trả), pauses and
 * timeliness, as pure functions of a yearly holiday table (config/holidays.json). No clock, no
 * Redis, and never the server's time zone: every day and hour is Vietnam time (UTC+7, no DST).
 *
 *  - A working day (ngày làm việc) is Mon–Fri minus the year's `daysOff`, plus its
 *    `workingSaturdays` (làm bù). A year missing from the table counts weekdays only and is
 *    reported once per year through `onMissingYear`; `coverage()` lists missing and provisional
 *    years so operators can be warned before a year starts.
 *  - Working time is the working periods of working days (default 07:00–11:30 and 13:30–17:00,
 *    8 h). Time outside them does not count. One "working day" of a deadline is the total length
 *    of the periods.
 *  - Handling starts at receipt, except a paper dossier received after the cutoff (15:00,
 *    Decree 61/2018/NĐ-CP Art. 18, replaced by Decree 118/2025/NĐ-CP: article not verified), or any dossier received on a non-working day or after the last
 *    period: those start at the next working day's opening. "After" is strictly later: a
 *    receipt stamped 15:00:00.000 is in time.
 *  - N working days: N × 8 h of working time from the start of handling, so the due instant is
 *    inside a period or at its end (17:00 when the count starts at an opening).
 *  - 0 days (civil-status matters without a set deadline): the end of the receipt day when it is
 *    a working day and the dossier came in not after the cutoff (any channel), else the end of
 *    the next working day.
 *  - N calendar days: the start of handling's date + N, moved forward off non-working days; due
 *    at that day's last period end.
 *  - A pause (supplement request, payment request) moves the due date by the working time paused
 *    (working count) or by the number of calendar dates paused (calendar count).
 *  - A finished dossier is overdue when finished after the due instant, early when finished on
 *    an earlier Vietnam date, on time otherwise.
 */
import { VIETNAM_OFFSET_MS } from './vietnam-time.ts'

export interface WorkingPeriod {
  /** 'HH:MM' Vietnam time */
  start: string
  /** 'HH:MM' Vietnam time, after start; '24:00' is allowed */
  end: string
}

export interface HolidayYear {
  status: 'announced' | 'provisional'
  source?: string
  note?: string
  /** weekdays off, 'YYYY-MM-DD' */
  daysOff: string[]
  /** Saturdays that are working days, 'YYYY-MM-DD' */
  workingSaturdays: string[]
}

export interface HolidayTable {
  years: Record<string, HolidayYear>
}

/** A procedure's deadline. `days` 0 = the same working day. */
export interface DeadlineRule {
  days: number
  count: 'working' | 'calendar'
}

export type Timeliness = 'early' | 'on-time' | 'overdue'

/** 07:00–11:30 and 13:30–17:00: 8 hours. */
export const DEFAULT_WORKING_HOURS: WorkingPeriod[] = [
  { start: '07:00', end: '11:30' },
  { start: '13:30', end: '17:00' }
]

/** Paper dossiers received after this time are handed over the next working day. */
export const DEFAULT_PAPER_CUTOFF = '15:00'

export interface CalendarOptions {
  hours?: WorkingPeriod[]
  paperCutoff?: string
  /** called once per year (per calendar) when a date of a year absent from the table is looked at */
  onMissingYear?: (year: number) => void
}

const DAY_MS = 24 * 60 * 60 * 1000
const MINUTE_MS = 60 * 1000
/** How far ahead a next working day is looked for before the table is deemed broken. */
const MAX_SEARCH_DAYS = 366

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** Vietnam day number (days since 1970-01-01 Vietnam time) of a Vietnam wall-clock ms value. */
const dayOf = (wall: number): number => Math.floor(wall / DAY_MS)

/** 'YYYY-MM-DD' of a Vietnam day number. */
function dateOfDay (day: number): string {
  const d = new Date(day * DAY_MS)
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Vietnam day number of 'YYYY-MM-DD'; throws on anything that is not a real calendar date. */
function dayOfDate (date: string): number {
  const m = DATE_RE.exec(date)
  if (m === null) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`)
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  const day = ms / DAY_MS
  if (dateOfDay(day) !== date) throw new RangeError(`not a calendar date: ${date}`)
  return day
}

/** 0 = Sunday … 6 = Saturday. Day 0 (1970-01-01) was a Thursday. */
const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7

const yearOfDay = (day: number): number => new Date(day * DAY_MS).getUTCFullYear()

/** Minutes after midnight of 'HH:MM' (00:00–24:00). */
function parseClock (value: string, what: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(value)
  const minutes = m === null ? NaN : Number(m[1]) * 60 + Number(m[2])
  if (m === null || Number(m[2]) > 59 || minutes > 24 * 60) {
    throw new Error(`${what}: ${JSON.stringify(value)} is not a time of day HH:MM between 00:00 and 24:00`)
  }
  return minutes
}

function wallOf (instant: Date, what: string): number {
  const ms = instant.getTime()
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid date`)
  return ms + VIETNAM_OFFSET_MS
}

const instantOf = (wall: number): Date => new Date(wall - VIETNAM_OFFSET_MS)

/** 'YYYY-MM-DD' Vietnam date of an instant. */
export function vietnamDate (instant: Date): string {
  return dateOfDay(dayOf(wallOf(instant, 'instant')))
}

interface YearDays {
  status: HolidayYear['status']
  off: Set<number>
  on: Set<number>
}

export class WorkingCalendar {
  /** periods as [start, end) ms after Vietnam midnight, sorted */
  readonly #periods: ReadonlyArray<readonly [number, number]>
  /** the working time of one working day (8 h by default) */
  readonly dayLength: number
  readonly #cutoff: number
  /** ms after Vietnam midnight when the last period ends */
  readonly #lastEnd: number
  readonly #years = new Map<number, YearDays>()
  readonly #onMissingYear: ((year: number) => void) | undefined
  readonly #reported = new Set<number>()
  readonly #cache = new Map<number, boolean>()

  constructor (table: HolidayTable, options: CalendarOptions = {}) {
    const hours = options.hours ?? DEFAULT_WORKING_HOURS
    if (hours.length === 0) throw new Error('working hours: at least one working period is needed')
    const periods: Array<readonly [number, number]> = []
    for (const [i, p] of hours.entries()) {
      const start = parseClock(p.start, `working period ${i + 1} start`)
      const end = parseClock(p.end, `working period ${i + 1} end`)
      if (start >= end) throw new Error(`working period ${i + 1} (${p.start}–${p.end}) must start before it ends`)
      const previous = periods.at(-1)
      if (previous !== undefined && start < previous[1] / MINUTE_MS) {
        throw new Error(`working period ${i + 1} (${p.start}–${p.end}) must start after period ${i} ends: periods must be sorted and must not overlap`)
      }
      periods.push([start * MINUTE_MS, end * MINUTE_MS])
    }
    this.#periods = periods
    this.dayLength = periods.reduce((sum, [s, e]) => sum + e - s, 0)
    this.#lastEnd = periods.at(-1)?.[1] ?? 0
    this.#cutoff = parseClock(options.paperCutoff ?? DEFAULT_PAPER_CUTOFF, 'paper cutoff') * MINUTE_MS
    this.#onMissingYear = options.onMissingYear

    for (const [key, y] of Object.entries(table.years)) {
      if (!/^\d{4}$/.test(key)) throw new Error(`holiday table: year key ${JSON.stringify(key)} is not a four-digit year`)
      const year = Number(key)
      const days = (list: readonly string[], name: string, weekdays: readonly number[], expected: string): Set<number> => {
        const set = new Set<number>()
        for (const date of list) {
          const day = dayOfDate(date)
          if (yearOfDay(day) !== year) throw new Error(`holiday table ${key}.${name}: ${date} is not in ${key}`)
          if (!weekdays.includes(weekdayOf(day))) throw new Error(`holiday table ${key}.${name}: ${date} is not ${expected}`)
          set.add(day)
        }
        return set
      }
      if (y.status !== 'announced' && y.status !== 'provisional') {
        throw new Error(`holiday table ${key}.status: ${JSON.stringify(y.status)} is neither announced nor provisional`)
      }
      this.#years.set(year, {
        status: y.status,
        off: days(y.daysOff, 'daysOff', [1, 2, 3, 4, 5], 'a weekday (weekends are off already)'),
        on: days(y.workingSaturdays, 'workingSaturdays', [6], 'a Saturday')
      })
    }
  }

  /** years in [fromYear, toYear] absent from the table, and years marked provisional */
  coverage (fromYear: number, toYear: number): { missing: number[], provisional: number[] } {
    if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || fromYear > toYear) {
      throw new RangeError(`coverage: ${fromYear}–${toYear} is not a range of years`)
    }
    const missing: number[] = []
    const provisional: number[] = []
    for (let year = fromYear; year <= toYear; year++) {
      const y = this.#years.get(year)
      if (y === undefined) missing.push(year)
      else if (y.status === 'provisional') provisional.push(year)
    }
    return { missing, provisional }
  }

  /** 'YYYY-MM-DD' Vietnam date: Mon–Fri minus daysOff, plus workingSaturdays. */
  isWorkingDay (date: string): boolean {
    return this.#isWorking(dayOfDate(date))
  }

  #isWorking (day: number): boolean {
    const cached = this.#cache.get(day)
    if (cached !== undefined) return cached
    const year = yearOfDay(day)
    const y = this.#years.get(year)
    if (y === undefined && !this.#reported.has(year)) {
      this.#reported.add(year)
      this.#onMissingYear?.(year)
    }
    const weekday = weekdayOf(day)
    const working = (y?.on.has(day) ?? false) || (weekday >= 1 && weekday <= 5 && !(y?.off.has(day) ?? false))
    this.#cache.set(day, working)
    return working
  }

  /** The first working day after `day`. */
  #nextWorkingDay (day: number): number {
    for (let d = day + 1; d <= day + MAX_SEARCH_DAYS; d++) if (this.#isWorking(d)) return d
    throw new Error(`holiday table: no working day within ${MAX_SEARCH_DAYS} days after ${dateOfDay(day)}`)
  }

  /** `day` itself when it is a working day, else the next one. */
  #workingDayFrom (day: number): number {
    return this.#isWorking(day) ? day : this.#nextWorkingDay(day)
  }

  #opening (day: number): number {
    return day * DAY_MS + (this.#periods[0]?.[0] ?? 0)
  }

  #closing (day: number): number {
    return day * DAY_MS + this.#lastEnd
  }

  /** the instant `ms` of working time after `from` (time outside working periods does not count). addWorkingTime(t, 0) = t */
  addWorkingTime (from: Date, ms: number): Date {
    let wall = wallOf(from, 'from')
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`working time to add must be a finite number of ms ≥ 0, not ${ms}`)
    if (ms === 0) return new Date(from.getTime())
    let remaining = ms
    let day = dayOf(wall)
    for (;;) {
      if (this.#isWorking(day)) {
        const midnight = day * DAY_MS
        if (wall === midnight && remaining > this.dayLength) {
          remaining -= this.dayLength // a whole working day at once
        } else {
          for (const [s, e] of this.#periods) {
            const start = Math.max(wall, midnight + s)
            const available = midnight + e - start
            if (available <= 0) continue
            if (remaining <= available) return instantOf(start + remaining)
            remaining -= available
          }
        }
      }
      day = this.#workingDayFrom(day + 1)
      wall = day * DAY_MS
    }
  }

  /** working time (ms) between two instants (0 when to <= from) */
  workingTimeBetween (from: Date, to: Date): number {
    const a = wallOf(from, 'from')
    const b = wallOf(to, 'to')
    if (b <= a) return 0
    let total = 0
    const last = dayOf(b)
    for (let day = dayOf(a); day <= last; day++) {
      if (!this.#isWorking(day)) continue
      const midnight = day * DAY_MS
      if (midnight >= a && midnight + DAY_MS <= b) {
        total += this.dayLength
        continue
      }
      for (const [s, e] of this.#periods) {
        const overlap = Math.min(b, midnight + e) - Math.max(a, midnight + s)
        if (overlap > 0) total += overlap
      }
    }
    return total
  }

  /**
   * When work on a dossier received at `receivedAt` starts counting: itself, except a paper
   * dossier received after the cutoff on a working day, or any dossier received on a
   * non-working day or after the last period: the next working day's opening.
   */
  startOfHandling (receivedAt: Date, paper: boolean): Date {
    const wall = wallOf(receivedAt, 'receivedAt')
    const day = dayOf(wall)
    const time = wall - day * DAY_MS
    const late = time > this.#lastEnd || (paper && time > this.#cutoff)
    if (this.#isWorking(day) && !late) return new Date(receivedAt.getTime())
    return instantOf(this.#opening(this.#nextWorkingDay(day)))
  }

  /** the due date (ngày hẹn trả) of a dossier received at `receivedAt` */
  dueDate (receivedAt: Date, rule: DeadlineRule, options: { paper: boolean }): Date {
    if (!Number.isInteger(rule.days) || rule.days < 0) throw new RangeError(`deadline days must be an integer ≥ 0, not ${rule.days}`)
    if (rule.count !== 'working' && rule.count !== 'calendar') throw new RangeError(`deadline count must be working or calendar, not ${String(rule.count)}`)
    if (rule.days === 0) {
      const wall = wallOf(receivedAt, 'receivedAt')
      const day = dayOf(wall)
      const time = wall - day * DAY_MS
      const sameDay = this.#isWorking(day) && time <= Math.min(this.#cutoff, this.#lastEnd)
      return instantOf(this.#closing(sameDay ? day : this.#nextWorkingDay(day)))
    }
    const start = this.startOfHandling(receivedAt, options.paper)
    if (rule.count === 'working') return this.addWorkingTime(start, rule.days * this.dayLength)
    const day = dayOf(wallOf(start, 'start')) + rule.days
    return instantOf(this.#closing(this.#workingDayFrom(day)))
  }

  /** the due date moved by a pause (a supplement or payment request) from pausedAt to resumedAt */
  shiftForPause (dueAt: Date, pausedAt: Date, resumedAt: Date, count: DeadlineRule['count']): Date {
    const due = wallOf(dueAt, 'dueAt')
    if (count === 'working') return this.addWorkingTime(dueAt, this.workingTimeBetween(pausedAt, resumedAt))
    if (count !== 'calendar') throw new RangeError(`deadline count must be working or calendar, not ${String(count)}`)
    const days = dayOf(wallOf(resumedAt, 'resumedAt')) - dayOf(wallOf(pausedAt, 'pausedAt'))
    if (days <= 0) return new Date(dueAt.getTime())
    return instantOf(this.#closing(this.#workingDayFrom(dayOf(due) + days)))
  }

  /** a finished dossier: overdue when finishedAt > dueAt; early when finished on an earlier Vietnam date; else on-time */
  timeliness (finishedAt: Date, dueAt: Date): Timeliness {
    const finished = wallOf(finishedAt, 'finishedAt')
    const due = wallOf(dueAt, 'dueAt')
    if (finished > due) return 'overdue'
    return dayOf(finished) < dayOf(due) ? 'early' : 'on-time'
  }
}
