/**
 * How the hub proves itself to an agency system, per agency (hub config `auth`):
 *   bearer       Authorization: Bearer <token>
 *   hmac-sha256  X-Hub-Timestamp: <unix seconds>
 *                X-Hub-Signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + raw body)>
 * The receiver recomputes the HMAC over the exact bytes it received, compares in constant time
 * and refuses timestamps too far from its clock (replays). `verifyHubSignature` does exactly that;
 * the agency simulators use it, and the README shows the same steps for other languages.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { ResolvedAuth } from '../config/hub-config.ts'

export const TIMESTAMP_HEADER = 'x-hub-timestamp'
export const SIGNATURE_HEADER = 'x-hub-signature'

export function hubSignature (key: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.`).update(body).digest('hex')}`
}

/** The headers that authenticate one request with `body` (the exact bytes sent). */
export function authHeaders (auth: ResolvedAuth | undefined, body: string, nowMs: number): Record<string, string> {
  if (auth === undefined) return {}
  if (auth.type === 'bearer') return { authorization: `Bearer ${auth.secret}` }
  const timestamp = String(Math.floor(nowMs / 1000))
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: hubSignature(auth.secret, timestamp, body) }
}

export type VerifyResult = { ok: true } | { ok: false, reason: string }

/** Checks a signed request as an agency should: header present, fresh timestamp, HMAC equal in constant time. */
export function verifyHubSignature (
  key: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string | Buffer,
  nowMs: number,
  toleranceSeconds = 300
): VerifyResult {
  const timestamp = headers[TIMESTAMP_HEADER]
  const signature = headers[SIGNATURE_HEADER]
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER}` }
  if (typeof signature !== 'string') return { ok: false, reason: `missing ${SIGNATURE_HEADER}` }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: `${TIMESTAMP_HEADER} is more than ${toleranceSeconds} s away from now` }
  const expected = Buffer.from(hubSignature(key, timestamp, rawBody))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature does not match' }
  return { ok: true }
}

/** Checks a bearer token in constant time (the scheme name is case-insensitive, RFC 9110). */
export function verifyBearer (token: string, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string' || !/^bearer /i.test(header)) return false
  const given = Buffer.from(header.slice(7))
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
