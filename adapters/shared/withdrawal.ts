/**
 * Pieces every adapter's withdrawal notice (thông báo rút hồ sơ) needs: the applicant's reason as
 * a native text field takes it, and the time of the withdrawal in the native date-time format.
 */
import { AdapterMappingError } from '../contract.ts'
import { toCompactVietnam } from './vietnam-datetime.ts'

/** What the notice says when the portal forwarded no reason (native reason fields are never empty). */
export const NO_REASON_GIVEN = 'Người nộp hồ sơ yêu cầu rút hồ sơ, không nêu lý do'

/**
 * The applicant's reason for a native text field of at most `max` characters (counted in code
 * points, as JSON Schema does): trimmed, cut with an ellipsis when too long, never empty.
 */
export function withdrawalReason (reason: string, max: number): string {
  const text = reason.trim()
  if (text === '') return NO_REASON_GIVEN
  const chars = Array.from(text)
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}

/** When the applicant withdrew (ISO 8601) → yyyyMMddHHmmss, Vietnam time; not a date-time is an AdapterMappingError. */
export function withdrawalTime (withdrawnAt: string): string {
  try {
    return toCompactVietnam(withdrawnAt)
  } catch (err) {
    if (err instanceof RangeError) throw new AdapterMappingError(`withdrawnAt is not an ISO 8601 date-time: ${withdrawnAt}`)
    throw err
  }
}

/**
 * The agency's own reference for the notice, when it gave a usable one: native reference fields
 * hold 1–128 characters, and the dossier code identifies the dossier without it.
 */
export function withdrawalReference (reference: string | undefined): string | undefined {
  return reference !== undefined && reference.trim() !== '' && Array.from(reference).length <= 128 ? reference : undefined
}
