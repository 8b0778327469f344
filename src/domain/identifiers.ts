/**
 * Identifiers that differ only in what nobody can see are one identifier: a sending system's
 * reference (source.reference, source.origin.reference), an idempotency key, a dossier code in a
 * path. Without this a zero-width space, a trailing space or full-width letters in a reference
 * made a second dossier of identical content (issue 12).
 *
 * normalizeIdentifier: NFKC (compatibility forms to their plain ones: full-width "ＤＶＣ－１" →
 * "DVC-1", no-break and ideographic spaces → spaces; Vietnamese letters keep their diacritics,
 * composed), then invisible characters removed (Unicode format characters, Cf, and every default-
 * ignorable code point: zero-width spaces and joiners, soft hyphen, byte-order mark, word joiner,
 * variation selectors, Hangul fillers…), then surrounding white space trimmed. Case is kept.
 */

const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu
/** C0 and C1 controls (tab, line breaks included) and DEL: no place in an identifier */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u // eslint-disable-line no-control-regex -- control characters are what it finds

export function normalizeIdentifier (value: string): string {
  return value.normalize('NFKC').replace(INVISIBLE, '').trim()
}

/** Why a normalized identifier cannot be used, or undefined when it can. */
export function identifierProblem (normalized: string): string | undefined {
  if (normalized === '') return 'is empty once invisible characters and surrounding spaces are removed'
  const control = CONTROL.exec(normalized)
  if (control !== null) return `contains a control character (U+${control[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}): tabs and line breaks have no place in an identifier`
  return undefined
}

export interface SourceReferences {
  system: string
  reference: string
  origin?: { system: string, reference: string }
}

/** The submission's source with its references normalized (a copy; unchanged when nothing changes). */
export function normalizeSource<S extends SourceReferences> (source: S): S {
  const reference = normalizeIdentifier(source.reference)
  const origin = source.origin === undefined ? undefined : { ...source.origin, reference: normalizeIdentifier(source.origin.reference) }
  if (reference === source.reference && origin?.reference === source.origin?.reference) return source
  return { ...source, reference, ...(origin !== undefined && { origin }) }
}

/** Problems of a normalized source's references, as field pointers and details. */
export function sourceProblems (source: SourceReferences): Array<{ pointer: string, detail: string }> {
  const problems: Array<{ pointer: string, detail: string }> = []
  const reference = identifierProblem(source.reference)
  if (reference !== undefined) problems.push({ pointer: '#/source/reference', detail: reference })
  const origin = source.origin === undefined ? undefined : identifierProblem(source.origin.reference)
  if (origin !== undefined) problems.push({ pointer: '#/source/origin/reference', detail: origin })
  return problems
}
