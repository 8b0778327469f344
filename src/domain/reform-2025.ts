/**
 * Rules that depend on when a dossier was received (its receipt time, `receivedAt`: the time the
 * receiving system stamped, or the hub's arrival time when none was given). Pure: callers pass
 * the receipt instant. The dates are Vietnam calendar days (UTC+7).
 *
 *   - Two levels of local government from 1 July 2025 (Law on Organisation of Local Government
 *     2025, in force that day): districts
 *     (cấp huyện) no longer exist, so a dossier received on or after that day has no district
 *     level. Older dossiers keep theirs (they are read, stored and counted as they were).
 *   - The 9-digit identity card (CMND) lapsed on 31 December 2024 (Law on Identification 2023,
 *     Art. 46): a dossier received on or after 1 January 2025 identifies a citizen by the 12-digit
 *     personal identification number (or a passport); older dossiers keep their CMND.
 */
import { VIETNAM_OFFSET_MS } from './vietnam-time.ts'

/** 00:00 Vietnam time of a Vietnam calendar day, as an instant. */
const vietnamMidnight = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`) - VIETNAM_OFFSET_MS

/** The first day of the two-level local government (districts abolished). */
export const TWO_LEVEL_FROM = '2025-07-01'
const TWO_LEVEL_FROM_MS = vietnamMidnight(TWO_LEVEL_FROM)
/** The first day the 9-digit CMND is no longer valid (it lapsed on 31 December 2024). */
export const LEGACY_ID_INVALID_FROM = '2025-01-01'
const LEGACY_ID_INVALID_FROM_MS = vietnamMidnight(LEGACY_ID_INVALID_FROM)

export const TWO_LEVEL_SOURCE = 'the two-level local government reform of 1 July 2025 (Law on Organisation of Local Government 2025): districts (cấp huyện) were abolished'
export const LEGACY_ID_SOURCE = 'the 9-digit identity card (CMND) lapsed on 31 December 2024 (Law on Identification 2023, Art. 46)'

/** Whether a dossier received at `receivedAt` falls under the two-level government. */
export const isTwoLevel = (receivedAt: Date): boolean => receivedAt.getTime() >= TWO_LEVEL_FROM_MS

/** Why `level` cannot be a dossier's level when received at `receivedAt`, or undefined when it can. */
export function levelProblem (level: string, receivedAt: Date): string | undefined {
  if (level !== 'district' || !isTwoLevel(receivedAt)) return undefined
  return `district is not a level of a dossier received on or after ${TWO_LEVEL_FROM}: ${TWO_LEVEL_SOURCE}; use province (cấp tỉnh) or commune (cấp xã)`
}

/** Why a 9-digit CMND cannot identify the applicant of a dossier received at `receivedAt`, or undefined when it can. */
export function legacyIdProblem (receivedAt: Date): string | undefined {
  if (receivedAt.getTime() < LEGACY_ID_INVALID_FROM_MS) return undefined
  return `a 9-digit CMND (legacy-id) does not identify the applicant of a dossier received on or after ${LEGACY_ID_INVALID_FROM}: ${LEGACY_ID_SOURCE}; use the 12-digit personal identification number (citizen-id) or a passport`
}
