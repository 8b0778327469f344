/**
 * Native fields every notice to an agency fills the same way (a withdrawal, a supplement): free
 * text cut to what the native field holds, and an ISO 8601 time as yyyyMMddHHmmss Vietnam time.
 */
import { AdapterMappingError } from '../contract.ts'
import { toCompactVietnam } from './vietnam-datetime.ts'

/**
 * Text for a native field of at most `max` characters (counted in code points, as JSON Schema
 * does): trimmed, cut with an ellipsis when too long; undefined when blank.
 */
export function nativeText (text: string | undefined, max: number): string | undefined {
  const trimmed = text?.trim() ?? ''
  if (trimmed === '') return undefined
  const chars = Array.from(trimmed)
  return chars.length <= max ? trimmed : `${chars.slice(0, max - 1).join('')}…`
}

/** An ISO 8601 date-time → yyyyMMddHHmmss, Vietnam time; not a date-time is an AdapterMappingError naming `field`. */
export function nativeTime (iso: string, field: string): string {
  try {
    return toCompactVietnam(iso)
  } catch (err) {
    if (err instanceof RangeError) throw new AdapterMappingError(`${field} is not an ISO 8601 date-time: ${iso}`)
    throw err
  }
}

/**
 * The agency's own reference for a notice, when it gave a usable one: native reference fields
 * hold 1–128 characters, and the dossier code identifies the dossier without it.
 */
export function noticeReference (reference: string | undefined): string | undefined {
  return reference !== undefined && reference.trim() !== '' && Array.from(reference).length <= 128 ? reference : undefined
}
