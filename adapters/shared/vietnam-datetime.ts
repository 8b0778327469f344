/**
 * Dates as Vietnamese agency systems and the national portal exchange them: `yyyyMMddHHmmss`
 * (and `yyyyMMdd` for dates) in Vietnam time, UTC+7, no offset written.
 */
import { AdapterMappingError } from '../contract.ts'
const OFFSET_MS = 7 * 60 * 60 * 1000
const pad = (n: number): string => String(n).padStart(2, '0')

/** ISO 8601 instant (any offset) → yyyyMMddHHmmss in Vietnam time. */
export function toCompactVietnam (iso: string): string {
  const t = Date.parse(iso)
  if (Number.isNaN(t)) throw new RangeError(`not an ISO 8601 date-time: ${iso}`)
  const w = new Date(t + OFFSET_MS)
  return `${w.getUTCFullYear()}${pad(w.getUTCMonth() + 1)}${pad(w.getUTCDate())}${pad(w.getUTCHours())}${pad(w.getUTCMinutes())}${pad(w.getUTCSeconds())}`
}

/** True when the fields name a real calendar date and time (no 31 April, no 25:00). */
function isRealDateTime (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d &&
    t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s
}

/** yyyyMMddHHmmss in Vietnam time → ISO 8601 with +07:00. */
export function fromCompactVietnam (compact: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(compact)
  if (m === null || !isRealDateTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))) {
    throw new RangeError(`not a yyyyMMddHHmmss date-time: ${compact}`)
  }
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`
}

/** YYYY-MM-DD → yyyyMMdd. */
export function toCompactDate (date: string): string {
  return date.replaceAll('-', '')
}

/** yyyyMMdd → YYYY-MM-DD. */
export function fromCompactDate (compact: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(compact)
  if (m === null || !isRealDateTime(Number(m[1]), Number(m[2]), Number(m[3]))) throw new RangeError(`not a yyyyMMdd date: ${compact}`)
  return `${m[1]}-${m[2]}-${m[3]}`
}

/** yyyyMMddHHmmss in a native field → ISO 8601; an impossible date is an AdapterMappingError naming the field. */
export function nativeDateTime (value: string, field: string): string {
  try {
    return fromCompactVietnam(value)
  } catch (err) {
    if (err instanceof RangeError) throw new AdapterMappingError(`${field} is not a real yyyyMMddHHmmss date-time: ${value}`)
    throw err
  }
}

/** yyyyMMdd in a native field → YYYY-MM-DD; an impossible date is an AdapterMappingError naming the field. */
export function nativeDate (value: string, field: string): string {
  try {
    return fromCompactDate(value)
  } catch (err) {
    if (err instanceof RangeError) throw new AdapterMappingError(`${field} is not a real yyyyMMdd date: ${value}`)
    throw err
  }
}
