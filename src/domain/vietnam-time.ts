/**
 * Vietnam time (Asia/Ho_Chi_Minh): UTC+7 all year, no daylight saving. The business day of the
 * one-stop administration is the Vietnam calendar day, whatever the server's time zone.
 */
export const VIETNAM_OFFSET_MS = 7 * 60 * 60 * 1000

/** The Vietnam wall-clock fields of an instant (read with getUTC* methods). */
function vietnamWallClock (instant: Date): Date {
  return new Date(instant.getTime() + VIETNAM_OFFSET_MS)
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/** ISO 8601 with the +07:00 offset, e.g. 2026-11-23T17:45:40.123+07:00. */
export function toVietnamIso (instant: Date): string {
  const w = vietnamWallClock(instant)
  return `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}` +
    `T${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}:${pad(w.getUTCSeconds())}.${pad(w.getUTCMilliseconds(), 3)}+07:00`
}

/** The Vietnam calendar date of an instant as YYMMDD (the date part of a dossier code). */
export function vietnamYYMMDD (instant: Date): string {
  const w = vietnamWallClock(instant)
  return `${pad(w.getUTCFullYear() % 100)}${pad(w.getUTCMonth() + 1)}${pad(w.getUTCDate())}`
}

/** The instant a Vietnam calendar day ('YYYY-MM-DD') starts. */
export function vietnamDayStart (day: string): Date {
  const ms = Date.parse(`${day}T00:00:00Z`)
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${day}`)
  return new Date(ms - VIETNAM_OFFSET_MS)
}
