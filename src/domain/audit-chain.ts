/**
 * The audit trail's hash chain (pure; no storage): each entry carries the hash of the previous
 * entry and its own, computed over its canonical JSON (sorted keys) without the `hash` field.
 *
 * Entries are keyed: their hash is an HMAC-SHA256 under the hub's audit key, and they name the key
 * (`kid`, a fingerprint of it). Someone who can write to the store but does not hold the key can
 * change, remove or reorder entries, but cannot make a changed chain verify again. Entries written
 * by earlier versions (no `kid`) carry a plain SHA-256: they are still read and verified, and the
 * verification says how many are unkeyed. After a keyed entry, an unkeyed one is a forgery.
 *
 * Each dossier's trail has a head record, kept apart from the trail and keyed too:
 * "<length>|<hash of the last entry>|<HMAC of both and the dossier>". Cutting the trail short,
 * deleting it or rewriting it leaves the head record saying otherwise, and nobody without the
 * key can write a head record that verifies. The head record is updated in the same atomic step as
 * the append (store/audit-store.ts).
 */
import { createHmac } from 'node:crypto'
import type { AuditEntry } from '../types/schemas.generated.ts'
import { canonicalJson, sha256Hex } from './fingerprint.ts'

export const GENESIS = '0'.repeat(64)

export type AuditFields = Omit<AuditEntry, 'seq' | 'prev' | 'hash' | 'dossier' | 'kid'>

/** The hub's audit key: its id (named by every keyed entry) and the HMAC under it. */
export interface AuditKey {
  /** a fingerprint of the key (16 hex): tells which key an entry was written under, reveals nothing of it */
  readonly kid: string
  mac(text: string): string
}

export function auditKey (secret: string): AuditKey {
  const key = Buffer.from(secret, 'utf8')
  return {
    kid: sha256Hex(`lienthong-hub audit key id\n${secret}`).slice(0, 16),
    mac: (text) => createHmac('sha256', key).update(text).digest('hex')
  }
}

/** The hash of an entry (without its `hash`): the HMAC under `key` when it names a key, else plain SHA-256 (earlier versions). */
export function hashOf (entry: Omit<AuditEntry, 'hash'>, key?: AuditKey): string {
  const text = canonicalJson(entry)
  if (entry.kid === undefined) return sha256Hex(text)
  if (key === undefined) throw new Error('a keyed audit entry needs the audit key')
  return key.mac(text)
}

/** The next entry of a dossier's chain, after `last` (undefined for the first), at position `seq`, keyed with `key`. */
export function nextEntry (dossier: string, last: Pick<AuditEntry, 'hash' | 'seq'> | undefined, fields: AuditFields, key: AuditKey, seq = (last?.seq ?? 0) + 1): AuditEntry {
  const body: Omit<AuditEntry, 'hash'> = { ...fields, dossier, seq, prev: last?.hash ?? GENESIS, kid: key.kid }
  return { ...body, hash: hashOf(body, key) }
}

/** What a head record says: the trail's length and the hash of its last entry. */
export interface Head {
  entries: number
  hash: string
}

const headText = (dossier: string, head: Head): string => `audit-head|${dossier}|${head.entries}|${head.hash}`

/** The head record of a dossier's trail: "<length>|<head hash>|<HMAC>". */
export function headRecord (dossier: string, head: Head, key: AuditKey): string {
  return `${head.entries}|${head.hash}|${key.mac(headText(dossier, head))}`
}

/** Reads a head record; `valid` false when it does not verify under `key` (written without the key) or is malformed. */
export function readHead (dossier: string, record: string, key: AuditKey): { valid: true, head: Head } | { valid: false } {
  const [n, hash, mac, ...rest] = record.split('|')
  const entries = Number(n)
  if (rest.length > 0 || hash === undefined || mac === undefined || !Number.isSafeInteger(entries) || entries < 0 || !/^[0-9a-f]{64}$/.test(hash)) return { valid: false }
  const head = { entries, hash }
  return key.mac(headText(dossier, head)) === mac ? { valid: true, head } : { valid: false }
}

/** Why a trail does not verify. */
export type AuditProblem =
  | 'entry-changed' // an entry's hash (HMAC) does not match its content: changed, or rewritten without the key
  | 'entry-out-of-place' // an entry's position is not its sequence number: removed, added or moved
  | 'entry-foreign' // an entry of another dossier
  | 'entry-unlinked' // an entry does not carry the hash of the one before
  | 'entry-unkeyed' // an unkeyed (plain SHA-256) entry after keyed ones: a forgery
  | 'entry-other-key' // an entry names another key than the hub's
  | 'truncated' // fewer entries than the head record says
  | 'deleted' // the head record exists, the trail is gone
  | 'extended' // more entries than the head record says: added outside the hub
  | 'rewritten' // the trail's last entry is not the head the head record holds
  | 'head-missing' // keyed entries but no head record
  | 'head-invalid' // the head record does not verify under the key

export interface ChainCheck {
  valid: boolean
  /** entries checked */
  entries: number
  /** every entry carries an HMAC under the hub's audit key */
  keyed: boolean
  /** entries written by earlier versions, with a plain SHA-256 (anyone can recompute those) */
  unkeyed: number
  /** what the head record says, when there is one and it verifies */
  head?: Head
  problem?: AuditProblem
  /** the first entry (1-based) where the chain breaks, for problems of one entry */
  brokenAt?: number
  reason?: string
}

type EntryBreak = { problem: AuditProblem, brokenAt: number, reason: string }

/** Checks the entries alone, in order: positions, dossier, links, keys and hashes. */
function checkEntries (dossier: string, entries: readonly AuditEntry[], key: AuditKey): EntryBreak | undefined {
  let prev = GENESIS
  let keyedSeen = false
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as AuditEntry
    const at = i + 1
    const fail = (problem: AuditProblem, reason: string): EntryBreak => ({ problem, brokenAt: at, reason })
    if (e.seq !== at) {
      const gap = typeof e.seq === 'number' && e.seq > at ? ` (entries ${at}–${e.seq - 1} are missing)` : ''
      return fail('entry-out-of-place', `entry ${at} says it is entry ${String(e.seq)}: an entry was removed, added or moved${gap}`)
    }
    if (e.dossier !== dossier) return fail('entry-foreign', `entry ${at} belongs to dossier ${String(e.dossier)}`)
    if (e.prev !== prev) return fail('entry-unlinked', `entry ${at} does not follow entry ${at - 1} (its prev is not that entry's hash)`)
    const { hash, ...body } = e
    if (e.kid === undefined) {
      if (keyedSeen) return fail('entry-unkeyed', `entry ${at} has a plain SHA-256 after keyed entries: it was rewritten by someone without the audit key`)
      if (hashOf(body) !== hash) return fail('entry-changed', `entry ${at} was changed after it was written (its SHA-256 does not match its content)`)
    } else {
      keyedSeen = true
      if (e.kid !== key.kid) return fail('entry-other-key', `entry ${at} names audit key ${e.kid}, not the hub's (${key.kid}): it was not written by this hub, or under a key it no longer holds`)
      if (hashOf(body, key) !== hash) return fail('entry-changed', `entry ${at}: HMAC mismatch (its hash is not the HMAC of its content under the audit key): it was changed or rewritten without the key`)
    }
    prev = hash
  }
  return undefined
}

/**
 * Verifies a dossier's trail as read (entries in order) against its head record (undefined when
 * there is none) under the hub's audit key, and names the first problem: a forged head record; a
 * deleted trail; an entry changed, rewritten, removed or moved (by its position); a trail cut
 * short, extended or rewritten as a whole (by its head record); keyed entries without a head record.
 */
export function verifyChain (dossier: string, entries: readonly AuditEntry[], record: string | undefined, key: AuditKey): ChainCheck {
  const unkeyed = entries.filter((e) => e.kid === undefined).length
  const base = { entries: entries.length, keyed: unkeyed === 0, unkeyed }
  let head: Head | undefined
  const broken = (problem: AuditProblem, reason: string, brokenAt?: number): ChainCheck =>
    ({ valid: false, ...base, ...(head !== undefined && { head }), problem, ...(brokenAt !== undefined && { brokenAt }), reason })
  if (record !== undefined) {
    const read = readHead(dossier, record, key)
    if (!read.valid) return broken('head-invalid', 'the head record does not verify under the audit key: it was written by someone without the key')
    head = read.head
    if (entries.length === 0 && head.entries > 0) return broken('deleted', `the trail is gone: its head record says ${head.entries} entries`)
  }
  const entryBreak = checkEntries(dossier, entries, key)
  if (entryBreak !== undefined) return broken(entryBreak.problem, entryBreak.reason, entryBreak.brokenAt)
  if (head === undefined) {
    if (entries.length > unkeyed) return broken('head-missing', 'the trail has keyed entries but no head record: its head record was deleted, so a cut or rewrite cannot be ruled out here (compare with a checkpoint)')
    return { valid: true, ...base }
  }
  if (entries.length < head.entries) return broken('truncated', `the trail has ${entries.length} entries, its head record says ${head.entries}: it was cut short`)
  if (entries.length > head.entries) return broken('extended', `the trail has ${entries.length} entries, its head record says ${head.entries}: entries were added outside the hub`)
  if ((entries.at(-1)?.hash ?? GENESIS) !== head.hash) return broken('rewritten', 'the trail\'s last entry is not the head its head record holds: the trail was rewritten')
  return { valid: true, ...base, head }
}
