/** Pieces of route schemas and access rules shared by the resource files. */
import type { Client, Role } from '../auth/clients.ts'
import { problemResponse } from '../http/problem.ts'

/** Who may read dossiers (agencies only those routed to them: the services scope it). */
export const READERS: readonly Role[] = ['portal', 'agency', 'admin', 'auditor']

/** Idempotency keys are each client's own: two clients may use the same key for different dossiers. */
export function scopedKey (client: Client | undefined, key: string | undefined): string | undefined {
  return key === undefined ? undefined : `${client?.id ?? ''}\u0000${key}`
}

/** An error answer: an RFC 9457 problem document. */
export const problem = problemResponse

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

/** The Location header of an intake answer (documented on its 201 and 200: both carry it). */
export const locationHeader = {
  Location: { description: 'Địa chỉ hồ sơ — the dossier\'s URL, /v1/dossiers/{code}.', type: 'string', format: 'uri-reference' }
} as const
