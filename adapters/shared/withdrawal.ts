/**
 * Pieces every adapter's withdrawal notice (thông báo rút hồ sơ) needs: the applicant's reason as
 * a native text field takes it, and the time of the withdrawal in the native date-time format.
 */
import { nativeText, nativeTime } from './notice-fields.ts'

/** What the notice says when the portal forwarded no reason (native reason fields are never empty). */
export const NO_REASON_GIVEN = 'Người nộp hồ sơ yêu cầu rút hồ sơ, không nêu lý do'

/** The applicant's reason for a native text field of at most `max` characters; never empty. */
export function withdrawalReason (reason: string, max: number): string {
  return nativeText(reason, max) ?? NO_REASON_GIVEN
}

/** When the applicant withdrew (ISO 8601) → yyyyMMddHHmmss, Vietnam time. */
export const withdrawalTime = (withdrawnAt: string): string => nativeTime(withdrawnAt, 'withdrawnAt')
