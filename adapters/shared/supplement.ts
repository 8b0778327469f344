/**
 * Pieces every adapter's supplement notice (hồ sơ bổ sung) needs: the supplement's number, the
 * papers (each by address or inline, never both), the note as a native text field takes it, and
 * the time the applicant supplied them in the native date-time format.
 */
import { AdapterMappingError, type Attachment, type SupplementNotice } from '../contract.ts'
import { nativeText, nativeTime } from './notice-fields.ts'

/**
 * A supplied paper with exactly one source: its inline content when the canonical attachment
 * carries it (the agency need not fetch anything), else its url; neither is an
 * AdapterMappingError naming the paper.
 */
export function withOneSource (a: Attachment, field: string): Attachment {
  const paper = { ...a } // its fields in their order
  if (a.contentBase64 !== undefined) delete paper.url
  else if (a.url !== undefined) delete paper.contentBase64
  else throw new AdapterMappingError(`${field} (${a.fileName}) has neither url nor contentBase64: the agency could not get the paper`)
  return paper
}

/**
 * Every paper of the notice, with one source each, through the adapter's own attachment mapping,
 * in order; a notice without papers is an AdapterMappingError (native lists of supplied papers
 * are never empty).
 */
export function supplementPapers<T> (notice: SupplementNotice, toNative: (a: Attachment) => T): T[] {
  if (!Array.isArray(notice.attachments) || notice.attachments.length === 0) {
    throw new AdapterMappingError(`supplement ${String(notice.sequence)} of dossier ${notice.dossierCode} carries no papers`)
  }
  return notice.attachments.map((a, i) => toNative(withOneSource(a, `attachments[${i}]`)))
}

/** The supplement's number in the dossier (1, 2…); anything else is an AdapterMappingError. */
export function supplementSequence (sequence: number): number {
  if (!Number.isInteger(sequence) || sequence < 1) throw new AdapterMappingError(`sequence must be a whole number from 1, not ${String(sequence)}`)
  return sequence
}

/** The applicant's or the desk's note for a native text field of at most `max` characters; undefined when blank. */
export const supplementNote = (note: string | undefined, max: number): string | undefined => nativeText(note, max)

/** When the applicant supplied the papers (ISO 8601) → yyyyMMddHHmmss, Vietnam time. */
export const supplementTime = (submittedAt: string): string => nativeTime(submittedAt, 'submittedAt')
