/**
 * Mã hồ sơ — the dossier code, Circular 01/2018/TT-VPCP Art. 19: <agency code>-<YYMMDD>-<NNNN>.
 * The receiving agency's code, the receipt date in Vietnam time, and that agency's sequence number
 * for the day, zero-padded to 4 digits (a busier day simply continues with 10000, 10001, …).
 *
 * The whole format lives here. The record's intake (hub_intake) gets the prefix and the width from
 * these functions and only takes the day's next number and pads it, so that numbering commits with
 * storing.
 */
import { agencyCodePattern, dossierCodePattern } from '../schemas.ts'
import { vietnamYYMMDD } from './vietnam-time.ts'

export const SEQUENCE_WIDTH = 4

/** `<agency code>-<YYMMDD>-`: everything but the day's sequence number. */
export function dossierCodePrefix (agencyCode: string, receivedAt: Date): string {
  if (!agencyCodePattern.test(agencyCode)) throw new RangeError(`not an agency code: ${agencyCode}`)
  return `${agencyCode}-${vietnamYYMMDD(receivedAt)}-`
}

export function formatDossierCode (agencyCode: string, receivedAt: Date, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`sequence must be a positive integer, got ${sequence}`)
  return dossierCodePrefix(agencyCode, receivedAt) + String(sequence).padStart(SEQUENCE_WIDTH, '0')
}

export interface ParsedDossierCode {
  agencyCode: string
  /** YYMMDD, Vietnam date of receipt */
  date: string
  sequence: number
}

export function parseDossierCode (code: string): ParsedDossierCode | undefined {
  if (!dossierCodePattern.test(code)) return undefined
  const m = /^(.+)-(\d{6})-(\d+)$/.exec(code)
  if (m === null) return undefined
  return { agencyCode: m[1] as string, date: m[2] as string, sequence: Number(m[3]) }
}

export function isDossierCode (value: string): boolean {
  return dossierCodePattern.test(value)
}
