/**
 * The retention archive file: gzip'd JSON lines, one file per run.
 *
 *   line 1        {"kind":"header","type":"lienthong-hub/retention-archive","version":1,"run",…,"tables":{…}}
 *   one per dossier {"kind":"dossier","id","code","procedure","status","endedAt","tables":{"dossiers":[row],
 *                  "dossier_steps":[…],…,"audit_trails":[…],"audit_entries":[…],"idempotency_keys":[…],…}}
 *   last line     {"kind":"end","run","dossiers":n,"rows":{table: n}}
 *
 * Rows are PostgreSQL's row_to_json of the table's row (store/retention-rows.ts); `tables` lists
 * them in an order they can be inserted back in. The trailer makes a cut-short file visible even
 * where gzip's own check is not read.
 *
 * Durability: the file is written as <name>.part, fsynced, renamed to its name, and the folder
 * fsynced; manifests and signatures likewise. Nothing is deleted from the record before the file
 * has been read back from the disk and found whole (services/retention-service.ts).
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import { ARCHIVE_TYPE } from '../domain/retention-manifest.ts'

export interface ArchiveNames {
  archive: string
  manifest: string
  signature: string
}

/** The file names of a run's archive, manifest and signature. */
export function archiveNames (run: string): ArchiveNames {
  return namesBeside(`retention-${run}.jsonl.gz`)
}

/** The manifest and signature that go with an archive file (path or name). */
export function namesBeside (archive: string): ArchiveNames {
  const stem = archive.replace(/\.jsonl\.gz$/, '')
  return { archive, manifest: `${stem}.manifest.json`, signature: `${stem}.manifest.json.sig` }
}

/** fsync of a folder: a rename or a new file in it survives a crash. */
async function syncFolder (dir: string): Promise<void> {
  const fh = await open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function syncFile (path: string): Promise<void> {
  const fh = await open(path, 'r+')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/**
 * Writes `chunks` (text, each ending in a newline) gzip'd to `path` through `path`.part: fsynced,
 * renamed, the folder fsynced. Returns the length and SHA-256 of the bytes written.
 */
export async function writeArchiveFile (path: string, chunks: AsyncIterable<string>): Promise<{ bytes: number, sha256: Buffer }> {
  const part = `${path}.part`
  const hash = createHash('sha256')
  let bytes = 0
  const count = new Transform({
    transform (chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      bytes += chunk.length
      done(null, chunk)
    }
  })
  // personal data (names, ID numbers): readable by the hub's user only
  await pipeline(Readable.from(chunks), createGzip(), count, createWriteStream(part, { mode: 0o600 }))
  await syncFile(part)
  await rename(part, path)
  await syncFolder(dirname(path))
  return { bytes, sha256: hash.digest() }
}

/** Writes a small file durably (manifest, signature): written, fsynced, the folder fsynced. */
export async function writeDurable (path: string, data: string | Buffer): Promise<void> {
  const fh = await open(path, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await syncFolder(dirname(path))
}

/** Removes a run's files, finished or not (an abandoned run: nothing of it was deleted); a folder that is gone is fine. */
export async function removeRunFiles (dir: string, names: ArchiveNames): Promise<void> {
  for (const name of [`${names.archive}.part`, names.archive, names.manifest, names.signature]) await rm(`${dir}/${name}`, { force: true })
  try {
    await syncFolder(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

export async function sha256File (path: string): Promise<{ bytes: number, sha256: Buffer }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer)
    bytes += (chunk as Buffer).length
  }
  return { bytes, sha256: hash.digest() }
}

/** The archive's lines as written (JSON text: a number beyond double precision stays exact), in order. */
export async function * archiveTextLines (path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line !== '') yield line
  }
}

/** The archive's lines, parsed, in order. */
export async function * archiveLines (path: string): AsyncGenerator<Record<string, unknown>> {
  for await (const line of archiveTextLines(path)) yield JSON.parse(line) as Record<string, unknown>
}

export interface ArchiveSummary {
  header?: Record<string, unknown>
  dossiers: number
  byProcedure: Record<string, number>
  rows: Record<string, number>
  /** what makes the file not a whole archive: no header, no trailer, counts that differ from it */
  problems: string[]
}

/** Reads an archive through and counts what it holds; the file is whole when `problems` is empty. */
export async function summarizeArchive (path: string): Promise<ArchiveSummary> {
  const out: ArchiveSummary = { dossiers: 0, byProcedure: {}, rows: {}, problems: [] }
  let trailer: Record<string, unknown> | undefined
  let n = 0
  try {
    for await (const line of archiveLines(path)) {
      n++
      if (trailer !== undefined) {
        out.problems.push(`line ${n} follows the end line`)
        break
      }
      if (n === 1) {
        if (line.kind !== 'header' || line.type !== ARCHIVE_TYPE || line.version !== 1) {
          out.problems.push(`${basename(path)} does not start with a retention archive header (type ${ARCHIVE_TYPE}, version 1)`)
          break
        }
        out.header = line
      } else if (line.kind === 'dossier') {
        out.dossiers++
        const procedure = String(line.procedure)
        out.byProcedure[procedure] = (out.byProcedure[procedure] ?? 0) + 1
        for (const [table, rows] of Object.entries(line.tables as Record<string, unknown[]>)) out.rows[table] = (out.rows[table] ?? 0) + rows.length
      } else if (line.kind === 'end') {
        trailer = line
      } else {
        out.problems.push(`line ${n} is of an unknown kind (${String(line.kind)})`)
      }
    }
  } catch (err) {
    out.problems.push(`${basename(path)} cannot be read through: ${(err as Error).message}`)
    return out
  }
  if (out.header === undefined && out.problems.length === 0) out.problems.push(`${basename(path)} is empty`)
  else if (trailer === undefined) out.problems.push(`${basename(path)} has no end line: it was cut short`)
  else {
    if (trailer.dossiers !== out.dossiers) out.problems.push(`the end line says ${String(trailer.dossiers)} dossiers, the file holds ${out.dossiers}`)
    const said = JSON.stringify(sortKeys(trailer.rows as Record<string, number>))
    if (said !== JSON.stringify(sortKeys(out.rows))) out.problems.push(`the end line says rows ${said}, the file holds ${JSON.stringify(sortKeys(out.rows))}`)
  }
  return out
}

export function sortKeys (o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v > 0).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
}
