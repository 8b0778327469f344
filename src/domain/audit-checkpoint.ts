/**
 * Signed checkpoints of the audit trails (pure; no storage): once a day the hub lists every
 * trail's head (dossier, length, hash of the last entry), sorted by dossier, with a SHA-256 over
 * that list, and signs the document with its Ed25519 key. An auditor keeps the documents outside
 * the hub (as X-Road archives its message log's hash chains); later, every trail must still be at
 * least as long as a checkpoint says, its entry at that length hashing to the checkpointed head.
 * Someone who can write to the store cannot undo that: the checkpoint is outside, and signed.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto'
import type { AuditEntry } from '../types/schemas.generated.ts'
import { canonicalJson, sha256Hex } from './fingerprint.ts'
import { verifyChain, type AuditKey } from './audit-chain.ts'

export const CHECKPOINT_TYPE = 'lienthong-hub/audit-checkpoint'

export interface CheckpointHead {
  dossier: string
  entries: number
  /** the hash of the trail's entry number `entries` */
  head: string
}

export interface Checkpoint {
  type: typeof CHECKPOINT_TYPE
  version: 1
  /** the Vietnam day it was taken on (YYYY-MM-DD) */
  date: string
  /** when (ISO 8601, Vietnam time) */
  at: string
  /** number of trails */
  trails: number
  /** SHA-256 over the heads, one "<dossier>|<entries>|<head>\n" line each, sorted by dossier */
  headsDigest: string
  heads: CheckpointHead[]
  /** head records that did not verify under the audit key when the checkpoint was taken (left out of `heads`) */
  unverified: string[]
  signer: { algorithm: 'Ed25519', keyId: string }
  /** Ed25519 signature (base64) over the canonical JSON of the document without this field */
  signature: string
}

/** The id of a public key: the first 16 hex of the SHA-256 of its SPKI (DER) form. */
export function publicKeyId (key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key
  return sha256Hex(pub.export({ type: 'spki', format: 'der' })).slice(0, 16)
}

const byDossier = (a: CheckpointHead, b: CheckpointHead): number => a.dossier < b.dossier ? -1 : a.dossier > b.dossier ? 1 : 0

export function headsDigest (heads: readonly CheckpointHead[]): string {
  return sha256Hex([...heads].sort(byDossier).map((h) => `${h.dossier}|${h.entries}|${h.head}\n`).join(''))
}

/** A signed checkpoint of `heads`, taken on `date` at `at`. */
export function signCheckpoint (input: { date: string, at: string, heads: readonly CheckpointHead[], unverified?: readonly string[] }, privateKey: KeyObject): Checkpoint {
  const heads = [...input.heads].sort(byDossier)
  const unsigned: Omit<Checkpoint, 'signature'> = {
    type: CHECKPOINT_TYPE,
    version: 1,
    date: input.date,
    at: input.at,
    trails: heads.length,
    headsDigest: headsDigest(heads),
    heads,
    unverified: [...(input.unverified ?? [])].sort(),
    signer: { algorithm: 'Ed25519', keyId: publicKeyId(privateKey) }
  }
  return { ...unsigned, signature: sign(null, Buffer.from(canonicalJson(unsigned)), privateKey).toString('base64') }
}

/** Checks a checkpoint document (as parsed from a file) against the hub's published public key. */
export function verifyCheckpoint (doc: unknown, publicKey: KeyObject): { valid: true, checkpoint: Checkpoint } | { valid: false, reason: string } {
  const c = doc as Partial<Checkpoint> | null
  if (c === null || typeof c !== 'object' || c.type !== CHECKPOINT_TYPE || c.version !== 1 || !Array.isArray(c.heads) || typeof c.signature !== 'string') {
    return { valid: false, reason: `not an audit checkpoint (type ${CHECKPOINT_TYPE}, version 1)` }
  }
  const { signature, ...unsigned } = c
  let ok = false
  try {
    ok = verify(null, Buffer.from(canonicalJson(unsigned)), publicKey, Buffer.from(signature, 'base64'))
  } catch {
    ok = false
  }
  if (!ok) return { valid: false, reason: `the signature does not verify with the public key ${publicKeyId(publicKey)}: the checkpoint was changed, or signed by another key` }
  if (headsDigest(c.heads) !== c.headsDigest || c.trails !== c.heads.length) return { valid: false, reason: 'the heads do not match the digest signed with them' }
  return { valid: true, checkpoint: c as Checkpoint }
}

export type TrailAgainstCheckpoint =
  | { ok: true }
  | { ok: false, dossier: string, problem: 'deleted' | 'truncated' | 'rewritten', reason: string }

/**
 * Checks one trail as it is now (its entries in order, as read) against its head in a checkpoint:
 * at least as long, its first `head.entries` entries a whole chain under the key, the last of them
 * hashing to the checkpointed head. The trail's head record is not consulted: whoever rewrote the
 * trail may have rewritten that too.
 */
export function checkTrail (head: CheckpointHead, entries: readonly AuditEntry[], key: AuditKey, date: string): TrailAgainstCheckpoint {
  const fail = (problem: 'deleted' | 'truncated' | 'rewritten', reason: string): TrailAgainstCheckpoint => ({ ok: false, dossier: head.dossier, problem, reason: `${head.dossier}: ${reason}` })
  if (entries.length === 0) return fail('deleted', `the trail is gone; the checkpoint of ${date} says ${head.entries} entries`)
  if (entries.length < head.entries) return fail('truncated', `the trail has ${entries.length} entries, the checkpoint of ${date} says ${head.entries}: it was cut short`)
  const prefix = entries.slice(0, head.entries)
  const last = prefix.at(-1)
  const chain = verifyChain(head.dossier, prefix, undefined, key)
  if (!chain.valid && chain.brokenAt !== undefined) return fail('rewritten', `${chain.reason ?? ''} (the checkpoint of ${date} holds its first ${head.entries} entries)`)
  if (last?.hash !== head.head) return fail('rewritten', `entry ${head.entries} does not hash to the head the checkpoint of ${date} holds: the trail was rewritten`)
  return { ok: true }
}
