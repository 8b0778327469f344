/**
 * The receipt time a receiving system (a one-stop desk, the national portal) stamped on the
 * citizen's receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả), when a submission carries it
 * (`receivedAt`). Pure: the caller passes the hub's clock and its configured bound.
 *
 * It is the dossier's receipt time: due dates, the 15:00 rule, statistics and the code's date
 * count from it. So it must be a time the dossier could have been received at: not in the future
 * (beyond RECEIPT_CLOCK_SKEW_MS, the clocks of two systems are never equal), not before the
 * applicant submitted it (submittedAt), not older than the configured bound (a late forward must
 * not rewrite figures of periods long reported).
 */
import { toVietnamIso } from './vietnam-time.ts'

/** How far ahead of the hub's clock a receiving system's clock may be. */
export const RECEIPT_CLOCK_SKEW_MS = 5 * 60_000

const SOURCE = 'the receipt time the receiving system stamped on the receipt (giấy tiếp nhận hồ sơ và hẹn trả kết quả)'

/** Why `receivedAt` cannot be this submission's receipt time, or undefined when it can. */
export function receivedAtProblem (receivedAt: Date, submittedAt: Date, arrived: Date, maxAgeMs: number): string | undefined {
  const t = receivedAt.getTime()
  if (Number.isNaN(t)) return 'is not a date-time'
  if (t > arrived.getTime() + RECEIPT_CLOCK_SKEW_MS) {
    return `is in the future (the hub's time is ${toVietnamIso(arrived)}; clocks may differ by ${RECEIPT_CLOCK_SKEW_MS / 60_000} minutes): it must be ${SOURCE}`
  }
  if (!Number.isNaN(submittedAt.getTime()) && t < submittedAt.getTime()) {
    return `is before submittedAt (${toVietnamIso(submittedAt)}): a dossier is received after it is submitted; it must be ${SOURCE}`
  }
  if (t < arrived.getTime() - maxAgeMs) {
    return `is more than ${Math.round(maxAgeMs / 86_400_000)} days before the hub received the dossier (intake.receivedAtMaxAgeDays): due dates and figures of past periods are not rewritten by a late forward`
  }
  return undefined
}
