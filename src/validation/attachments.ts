/**
 * Checks of attachments the JSON Schema cannot make: an inline attachment (contentBase64) is within
 * the limit, and its declared size and SHA-256 match its content. Used by intake and by the
 * applicant's supplements.
 */
import type { Attachment } from '../types/schemas.generated.ts'
import type { FieldProblem } from '../errors.ts'
import { sha256Hex } from '../domain/fingerprint.ts'

export function attachmentProblems (attachments: readonly Attachment[] | undefined, limit: number, pointer = '#/attachments'): FieldProblem[] {
  const problems: FieldProblem[] = []
  attachments?.forEach((a, i) => {
    if (a.contentBase64 === undefined) return
    const at = `${pointer}/${i}`
    const bytes = Buffer.from(a.contentBase64, 'base64')
    if (bytes.length > limit) {
      problems.push({ pointer: `${at}/contentBase64`, detail: `is ${bytes.length} bytes; inline attachments may have at most ${limit} (INLINE_ATTACHMENT_LIMIT): send it by url` })
      return
    }
    if (bytes.length !== a.byteSize) problems.push({ pointer: `${at}/byteSize`, detail: `says ${a.byteSize} bytes, but contentBase64 holds ${bytes.length}` })
    if (sha256Hex(bytes) !== a.sha256) problems.push({ pointer: `${at}/sha256`, detail: 'does not match the SHA-256 of contentBase64' })
  })
  return problems
}
