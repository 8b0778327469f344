/**
 * Receive once: two submissions are "the same" when their canonical JSON is the same. Keys are
 * sorted (safe-stable-stringify, the serializer pino itself uses), so key order does not matter;
 * any other difference does, and turns a repeated idempotency key into a conflict (409).
 */
import { createHash } from 'node:crypto'
import { configure } from 'safe-stable-stringify'

const stable = configure({ deterministic: true, circularValue: TypeError, bigint: false })

/** Canonical JSON text of a parsed JSON value: sorted keys, no whitespace. */
export function canonicalJson (value: unknown): string {
  const text = stable(value)
  if (text === undefined) throw new TypeError('value has no JSON representation')
  return text
}

export function sha256Hex (text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex')
}
