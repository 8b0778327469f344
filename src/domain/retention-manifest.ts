/**
 * The manifest of a retention archive and its detached signature (pure; no files). The manifest
 * names the archive file, its length and SHA-256, and what it holds (dossiers, per procedure and
 * rows per table); the hub signs the manifest's bytes with its Ed25519 key (the audit checkpoints'
 * key) into a detached signature, 64 raw bytes, which `openssl pkeyutl -verify -rawin` checks as
 * well. Ed25519 signs a message in one pass, in memory: signing the manifest, which binds the
 * archive by its SHA-256, keeps an archive of any size out of memory.
 */
import { sign, verify, type KeyObject } from 'node:crypto'
import { publicKeyId } from './audit-checkpoint.ts'

export const ARCHIVE_TYPE = 'lienthong-hub/retention-archive'
export const MANIFEST_TYPE = 'lienthong-hub/retention-manifest'

export interface RetentionManifest {
  type: typeof MANIFEST_TYPE
  version: 1
  run: string
  /** when the archive was written (ISO 8601, UTC) */
  createdAt: string
  /** the instant the policy's years were counted back from */
  asOf: string
  archive: { file: string, bytes: number, sha256: string }
  dossiers: number
  byProcedure: Record<string, number>
  /** rows per table, the dossier rows included */
  rows: Record<string, number>
  policy: Record<string, unknown>
  signer: { algorithm: 'Ed25519', keyId: string }
}

/** The manifest file's text (what is signed, byte for byte). */
export function manifestText (manifest: RetentionManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}

export function signManifest (text: string | Buffer, privateKey: KeyObject): Buffer {
  return sign(null, Buffer.from(text), privateKey)
}

export type ManifestCheck = { valid: true, manifest: RetentionManifest } | { valid: false, reason: string }

/** Checks a manifest's bytes against its detached signature and the hub's public key. */
export function verifyManifest (text: Buffer, signature: Buffer, publicKey: KeyObject): ManifestCheck {
  let ok = false
  try {
    ok = verify(null, text, publicKey, signature)
  } catch {
    ok = false
  }
  if (!ok) return { valid: false, reason: `the signature does not verify with the public key ${publicKeyId(publicKey)}: the manifest was changed, or signed by another key` }
  let doc: Partial<RetentionManifest>
  try {
    doc = JSON.parse(text.toString('utf8')) as Partial<RetentionManifest>
  } catch (err) {
    return { valid: false, reason: `the manifest is signed but not JSON (${(err as Error).message})` }
  }
  if (doc.type !== MANIFEST_TYPE || doc.version !== 1 || typeof doc.archive?.sha256 !== 'string' || typeof doc.archive.bytes !== 'number') {
    return { valid: false, reason: `not a retention manifest (type ${MANIFEST_TYPE}, version 1)` }
  }
  return { valid: true, manifest: doc as RetentionManifest }
}
