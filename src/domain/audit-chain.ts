/**
 * The audit trail's hash chain (pure): each entry carries the SHA-256 of the previous entry and
 * its own, computed over its canonical JSON (sorted keys) without the `hash` field. Changing,
 * removing, reordering or moving an entry to another dossier breaks the chain at that point.
 */
import type { AuditEntry } from '../types/schemas.generated.ts'
import { canonicalJson, sha256Hex } from './fingerprint.ts'

export const GENESIS = '0'.repeat(64)

export type AuditFields = Omit<AuditEntry, 'seq' | 'prev' | 'hash' | 'dossier'>

export function hashOf (entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(canonicalJson(entry))
}

/** The next entry of a dossier's chain, after `last` (undefined for the first), at position `seq`. */
export function nextEntry (dossier: string, last: AuditEntry | undefined, fields: AuditFields, seq = (last?.seq ?? 0) + 1): AuditEntry {
  const body: Omit<AuditEntry, 'hash'> = { ...fields, dossier, seq, prev: last?.hash ?? GENESIS }
  return { ...body, hash: hashOf(body) }
}

export type ChainCheck = { valid: true, entries: number } | { valid: false, entries: number, brokenAt: number, reason: string }

/** Verifies a dossier's whole chain, in order. */
export function verifyChain (dossier: string, entries: readonly AuditEntry[]): ChainCheck {
  let prev = GENESIS
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as AuditEntry
    const at = i + 1
    const fail = (reason: string): ChainCheck => ({ valid: false, entries: entries.length, brokenAt: at, reason })
    if (e.seq !== at) return fail(`entry ${at} says it is entry ${String(e.seq)}: an entry was removed, added or moved`)
    if (e.dossier !== dossier) return fail(`entry ${at} belongs to dossier ${String(e.dossier)}`)
    if (e.prev !== prev) return fail(`entry ${at} does not follow entry ${at - 1} (its prev is not that entry's hash)`)
    const { hash, ...body } = e
    if (hashOf(body) !== hash) return fail(`entry ${at} was changed after it was written (its hash does not match its content)`)
    prev = hash
  }
  return { valid: true, entries: entries.length }
}
