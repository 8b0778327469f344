/** Pieces of route schemas shared by the resource files. */

/** An error answer: an RFC 9457 problem document. */
export const problem = (description: string): object => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: 'problem#' } } }
})

export const codeParam = {
  type: 'object',
  required: ['code'],
  properties: { code: { description: 'Mã hồ sơ — dossier code, e.g. 000.00.06.H56-231027-0361.', allOf: [{ $ref: 'dossier#/properties/code' }] } }
} as const

export const idempotencyHeaders = {
  type: 'object',
  properties: {
    'idempotency-key': { description: 'Khóa chống trùng — any 1–255 visible ASCII characters (a UUID is typical); repeats of the request with the same key return the first answer.', type: 'string' }
  }
} as const
