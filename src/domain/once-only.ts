/**
 * Once-only (Decree 45/2020/NĐ-CP; Decision 766 indicators 4.2–4.4): the pure rules of reusing a
 * valid electronic document the hub holds instead of asking the citizen for it again.
 *
 * - A document's holder is a person's 12-digit personal number (số định danh cá nhân) or an
 *   organisation's code (enterprise/tax code, organisation e-identifier, agency code).
 * - It may be reused for a dossier whose applicant is its holder, or which is about its holder: a
 *   personal number the procedure data names (the child of a birth registration, a parent, the
 *   deceased…) — any `citizenId`, `personalNumber` or `identityNumber` in `data`.
 * - It must be valid at the dossier's receipt: issued by then, not past `validUntil`, not revoked
 *   at or before it.
 * - The applicant consented, before the receipt, to its reuse for this dossier.
 * No I/O here: the document service reads the store and applies these.
 */
import type { Attachment, AttachmentReuse, DossierSubmission, ResultDocument, StoredDocument } from '../types/schemas.generated.ts'

/** A component as submitted: a file (attachment) or a stored document named for reuse. */
export type SubmittedAttachment = Attachment | AttachmentReuse

export function isReuse (a: SubmittedAttachment): a is AttachmentReuse {
  return (a as { reuse?: unknown }).reuse !== undefined
}

const PERSONAL_NUMBER = /^\d{12}$/
const HOLDER = /^[0-9A-Za-z][0-9A-Za-z.-]{2,31}$/
/** property names in procedure data that hold a person's personal number */
const PERSON_KEYS = /^(citizenId|personalNumber|identityNumber)$/

export function isPersonalNumber (id: string): boolean {
  return PERSONAL_NUMBER.test(id)
}

/** Why a holder id is not one, or undefined. */
export function holderProblem (id: string): string | undefined {
  return HOLDER.test(id) ? undefined : 'is not a holder: a person\'s 12-digit personal number or an organisation\'s code (3–32 letters, digits, dots, hyphens)'
}

/** The applicant's identity as a holder, when it is a personal number or an organisation's code. */
export function applicantHolder (applicant: DossierSubmission['applicant']): string | undefined {
  const { type, number } = applicant.identity
  if (type === 'legacy-id' || type === 'passport') return undefined
  return HOLDER.test(number) ? number : undefined
}

/** Everyone a dossier is about, as holders: the applicant and each personal number its data names. */
export function dossierSubjects (submission: Pick<DossierSubmission, 'applicant' | 'data'>): Set<string> {
  const subjects = new Set<string>()
  const applicant = applicantHolder(submission.applicant)
  if (applicant !== undefined) subjects.add(applicant)
  const walk = (node: unknown, depth: number): void => {
    if (depth > 6 || node === null || typeof node !== 'object') return
    if (Array.isArray(node)) { for (const x of node.slice(0, 100)) walk(x, depth + 1); return }
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && PERSON_KEYS.test(key) && PERSONAL_NUMBER.test(value)) subjects.add(value)
      else walk(value, depth + 1)
    }
  }
  walk(submission.data, 0)
  return subjects
}

/** The holder a result is registered under: the one the agency named, else the applicant. */
export function resultHolder (result: ResultDocument, applicant: DossierSubmission['applicant']): string | undefined {
  return result.holder ?? applicantHolder(applicant)
}

/** The parts of a stored document the rules look at. */
export type ReuseFacts = Pick<StoredDocument, 'id' | 'holder' | 'issuedAt' | 'validUntil' | 'revokedAt'>

/**
 * Why `document` cannot be reused for a dossier received at `receivedAt` about `subjects` with
 * `consent`; undefined when it can. Never names another holder.
 */
export function reuseRefusal (document: ReuseFacts, subjects: ReadonlySet<string>, receivedAt: Date, consent: AttachmentReuse['reuse']['consent']): string | undefined {
  if (!subjects.has(document.holder)) return `document ${document.id} belongs to another holder: a document can be reused only for its holder, as the applicant or a person the dossier is about`
  const at = receivedAt.getTime()
  if (Date.parse(document.issuedAt) > at) return `document ${document.id} was not yet issued at the dossier's receipt`
  if (document.validUntil !== undefined && Date.parse(document.validUntil) <= at) return `document ${document.id} expired on ${document.validUntil}, before the dossier's receipt`
  if (document.revokedAt !== undefined && Date.parse(document.revokedAt) <= at) return `document ${document.id} was revoked on ${document.revokedAt}, before the dossier's receipt`
  if (consent === undefined || !consent.given) return 'the applicant\'s consent to reuse this document is missing: give reuse.consent {given: true, at}'
  if (Date.parse(consent.at) > at) return `the applicant's consent (${consent.at}) is after the dossier's receipt`
  return undefined
}

/** The attachment a reused document becomes in the stored dossier: its file reference and digest, marked reused. */
export function reusedAttachment (component: AttachmentReuse, document: StoredDocument, consentAt: string): Attachment {
  return {
    componentCode: component.componentCode,
    ...(component.componentName !== undefined && { componentName: component.componentName }),
    fileName: document.fileName,
    mediaType: document.mediaType ?? 'application/octet-stream',
    byteSize: document.byteSize ?? 0,
    sha256: document.sha256,
    url: document.url,
    digitized: document.origin === 'digitized',
    reused: { documentId: document.id, ...(document.origin === 'national-store' && { fromNationalStore: true }), consentAt }
  }
}

/** Whether a document is valid (may be offered for reuse) at `at`. */
export function validAt (document: Pick<StoredDocument, 'issuedAt' | 'validUntil' | 'revokedAt'>, at: Date): boolean {
  const t = at.getTime()
  return Date.parse(document.issuedAt) <= t &&
    (document.validUntil === undefined || Date.parse(document.validUntil) > t) &&
    (document.revokedAt === undefined || Date.parse(document.revokedAt) > t)
}

/**
 * The documents' access-log rows of a dossier's (or a supplement's) reuses (Decree 13/2023/NĐ-CP):
 * one per holder, with the client that gave them; the store writes them in the transaction that
 * stores the dossier or the supplement.
 */
export interface ReuseLog {
  client: string
  role: string
  holders: ReadonlyArray<{ holder: string, documentIds: readonly string[] }>
}

export function reuseLogOf (reused: ReadonlyArray<Pick<StoredDocument, 'id' | 'holder'>>, client: { id: string, role: string }): ReuseLog {
  const byHolder = new Map<string, string[]>()
  for (const d of reused) byHolder.set(d.holder, [...(byHolder.get(d.holder) ?? []), d.id])
  return { client: client.id, role: client.role, holders: [...byHolder].map(([holder, documentIds]) => ({ holder, documentIds })) }
}
