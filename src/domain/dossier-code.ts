/**
 * Mã hồ sơ — the dossier code, <agency code>-<YYMMDD>-<NNNN>: the format of Circular 01/2018/TT-VPCP Art. 19,
 * which the hub keeps: Circular 03/2025/TT-VPCP (which guides the dossier code, mã số hồ sơ, for Decree
 * 118/2025/NĐ-CP) replaced it; the new circular's article on the code is not verified here (docs/lifecycle.md, Legal sources).
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

/** Where the code's format comes from, for refusals. */
export const CODE_RULE_SOURCE = 'mã hồ sơ <receiving agency code>-<YYMMDD>-<NNNN>, Circular 01/2018/TT-VPCP Art. 19 (Circular 03/2025/TT-VPCP, guiding Decree 118/2025/NĐ-CP, replaced it and guides the mã số hồ sơ; its article on the format is not verified)'

/**
 * Why a code a receiving system issued (the desk, the national portal) cannot be this dossier's,
 * or undefined when it can: the format, the receiving agency, the receipt date (Vietnam time).
 */
export function givenCodeProblem (code: string, receivingAgencyCode: string, receivedAt: Date): string | undefined {
  const parsed = parseDossierCode(code)
  if (parsed === undefined) return `is not a dossier code (${CODE_RULE_SOURCE}; at least 4 digits of sequence)`
  if (parsed.agencyCode !== receivingAgencyCode) return `starts with agency code ${parsed.agencyCode}, but the receiving agency is ${receivingAgencyCode} (procedure.receivingAgency.code): ${CODE_RULE_SOURCE}`
  const day = vietnamYYMMDD(receivedAt)
  if (parsed.date !== day) return `carries the date ${parsed.date}, but the dossier was received on ${day} (Vietnam time, receivedAt): ${CODE_RULE_SOURCE}; give the receipt time the code was issued with`
  if (parsed.sequence < 1) return `has sequence number 0: ${CODE_RULE_SOURCE} numbers from 0001`
  return undefined
}
