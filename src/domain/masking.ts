/**
 * Personal numbers masked for callers whose role may not see them (auditors): citizen ID numbers
 * (12 digits: 0012******67), old 9-digit ID numbers (038*****21) and mobile phone numbers
 * (09******78, +849******78) anywhere in a value, however deep. Pure.
 */
// a number stands alone: no letter or digit right before or after it (digits inside a SHA-256 hex
// string or a reference like DVC-2026-000123 are not personal numbers)
const CITIZEN_ID = /(?<![0-9A-Za-z])(\d{4})\d{6}(\d{2})(?![0-9A-Za-z])/g
const LEGACY_ID = /(?<![0-9A-Za-z])(\d{3})\d{4}(\d{2})(?![0-9A-Za-z])/g
const PHONE = /(?<![0-9A-Za-z+])((?:\+?84|0)[35789])\d{6}(\d{2})(?![0-9A-Za-z])/g

export function maskText (text: string): string {
  return text
    .replace(PHONE, (_m, head: string, tail: string) => `${head}${'*'.repeat(6)}${tail}`)
    .replace(CITIZEN_ID, (_m, head: string, tail: string) => `${head}${'*'.repeat(6)}${tail}`)
    .replace(LEGACY_ID, (_m, head: string, tail: string) => `${head}${'*'.repeat(4)}${tail}`)
}

/** A copy of `value` with every string masked. */
export function maskPersonal<T> (value: T): T {
  if (typeof value === 'string') return maskText(value) as T
  if (Array.isArray(value)) return value.map((v) => maskPersonal(v)) as T
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonal(v)])) as T
  }
  return value
}
