/**
 * Checks a retention archive against its signed manifest (`npm run retention -- --verify <file>`):
 * the manifest's detached signature with the hub's public key, then the archive's length and
 * SHA-256 against the manifest, then the archive read through (header, every line JSON, the end
 * line) with its counts against the manifest's. Any changed byte of the archive fails the hash; a
 * changed byte of the manifest fails the signature.
 */
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { KeyObject } from 'node:crypto'
import { verifyManifest, type RetentionManifest } from '../domain/retention-manifest.ts'
import { namesBeside, sha256File, sortKeys, summarizeArchive } from './retention-archive.ts'

export interface ArchiveCheck {
  valid: boolean
  manifest?: RetentionManifest
  problems: string[]
}

async function readOrProblem (path: string, what: string, problems: string[]): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    problems.push(`${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    return undefined
  }
}

export async function verifyArchive (archivePath: string, publicKey: KeyObject): Promise<ArchiveCheck> {
  const problems: string[] = []
  const names = namesBeside(basename(archivePath))
  const dir = dirname(archivePath)
  const text = await readOrProblem(join(dir, names.manifest), 'the manifest', problems)
  const signature = await readOrProblem(join(dir, names.signature), 'the signature', problems)
  if (text === undefined || signature === undefined) return { valid: false, problems }
  const signed = verifyManifest(text, signature, publicKey)
  if (!signed.valid) return { valid: false, problems: [signed.reason] }
  const manifest = signed.manifest
  let file: { bytes: number, sha256: Buffer }
  try {
    file = await sha256File(archivePath)
  } catch (err) {
    return { valid: false, manifest, problems: [`the archive ${archivePath} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`] }
  }
  if (file.bytes !== manifest.archive.bytes) problems.push(`the archive has ${file.bytes} bytes, the manifest says ${manifest.archive.bytes}`)
  if (file.sha256.toString('hex') !== manifest.archive.sha256) problems.push(`the archive's SHA-256 is ${file.sha256.toString('hex')}, the manifest says ${manifest.archive.sha256}: the file was changed`)
  if (problems.length > 0) return { valid: false, manifest, problems }
  const summary = await summarizeArchive(archivePath)
  problems.push(...summary.problems)
  if (summary.header !== undefined && summary.header.run !== manifest.run) problems.push(`the archive is of run ${String(summary.header.run)}, the manifest of run ${manifest.run}`)
  if (summary.dossiers !== manifest.dossiers) problems.push(`the archive holds ${summary.dossiers} dossiers, the manifest says ${manifest.dossiers}`)
  if (JSON.stringify(sortKeys(summary.rows)) !== JSON.stringify(sortKeys(manifest.rows))) problems.push('the archive\'s rows per table are not the manifest\'s')
  return { valid: problems.length === 0, manifest, problems }
}
