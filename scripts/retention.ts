/**
 * Retention of closed dossiers (thời hạn lưu trữ; docs/operations.md#retention):
 *
 *   npm run retention [-- --as-of <ISO date>]        dry run: per procedure, how many are due
 *   npm run retention -- --apply --out <dir> [--batch 500] [--scan-batch 50000]
 *                                                    archive what is due to <dir>, signed, then delete it
 *   npm run retention -- --verify <archive.jsonl.gz> [--public-key <public.pem>]
 *   npm run retention -- --read <archive.jsonl.gz> [--code <dossier code>]   (the line as written)
 *
 * The policy is the hub config's `retention` section (HUB_CONFIG, default config/hub.json), the
 * signing key its audit key; the database is the hub's (DATABASE_URL, as at start-up; its
 * migrations are applied first, as at start-up). Exit 0: done (--verify: the archive holds);
 * 1: it failed (--verify: it does not hold); 2: wrong usage or configuration.
 */
import { readFileSync } from 'node:fs'
import { createPublicKey, type KeyObject } from 'node:crypto'
import { parseArgs } from 'node:util'
import { loadHubConfig } from '../src/config/hub-config.ts'
import { ConfigError } from '../src/config/errors.ts'
import { createLogger } from '../src/logger.ts'
import { openDatabase, type Database } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'
import { publicKeyId } from '../src/domain/audit-checkpoint.ts'
import { RetentionService, type RetentionReport } from '../src/services/retention-service.ts'
import { verifyArchive } from '../src/services/retention-verify.ts'
import { archiveTextLines } from '../src/services/retention-archive.ts'

const USAGE = `usage:
  npm run retention [-- --as-of <ISO date>]
  npm run retention -- --apply --out <dir> [--batch <n>] [--scan-batch <n>]
  npm run retention -- --verify <archive.jsonl.gz> [--public-key <public.pem>]
  npm run retention -- --read <archive.jsonl.gz> [--code <dossier code>]`

function fail (message: string, code = 2): never {
  process.stderr.write(`retention: ${message}\n`)
  process.exit(code)
}

let values: Record<string, string | boolean | undefined>
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      apply: { type: 'boolean' },
      out: { type: 'string' },
      'as-of': { type: 'string' },
      batch: { type: 'string' },
      'scan-batch': { type: 'string' },
      verify: { type: 'string' },
      'public-key': { type: 'string' },
      read: { type: 'string' },
      code: { type: 'string' }
    },
    strict: true
  }))
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`)
}

const str = (name: string): string | undefined => values[name] as string | undefined
const positive = (name: string): number | undefined => {
  const v = str(name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) fail(`--${name} expects a whole number of at least 1, not ${v}`)
  return n
}

function settings (): ReturnType<typeof loadHubConfig> {
  try {
    return loadHubConfig(process.env.HUB_CONFIG ?? 'config/hub.json')
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
}

if (str('read') !== undefined) {
  // restore-read: the header and end lines, or one dossier's line, as written (jq pretty-prints it;
  // re-serialized here, a number beyond double precision in a document would change)
  const code = str('code')
  let found = false
  for await (const text of archiveTextLines(str('read') as string)) {
    const line = JSON.parse(text) as Record<string, unknown>
    if (code === undefined ? line.kind !== 'dossier' : line.kind === 'dossier' && line.code === code) {
      process.stdout.write(`${text}\n`)
      found = true
    }
  }
  if (code !== undefined && !found) fail(`no dossier ${code} in ${str('read') as string}`, 1)
  process.exit(0)
}

if (str('verify') !== undefined) {
  let publicKey: KeyObject
  const keyFile = str('public-key')
  if (keyFile !== undefined) {
    try {
      publicKey = createPublicKey(readFileSync(keyFile, 'utf8'))
    } catch (err) {
      fail(`--public-key ${keyFile} is not a PEM public key (${(err as Error).message})`)
    }
  } else {
    publicKey = settings().audit.publicKey
    process.stderr.write(`retention: no --public-key: using the hub config's own signing key (${publicKeyId(publicKey)}); give the key you kept to rule out a changed config\n`)
  }
  const check = await verifyArchive(str('verify') as string, publicKey)
  for (const p of check.problems) process.stdout.write(`${p}\n`)
  const m = check.manifest
  process.stdout.write(check.valid && m !== undefined
    ? `valid: run ${m.run}, ${m.dossiers} dossiers, sha256 ${m.archive.sha256}, signed by ${m.signer.keyId}\n`
    : 'NOT valid\n')
  process.exit(check.valid ? 0 : 1)
}

if (values.apply === true && str('out') === undefined) fail(`--apply needs --out <dir>, the folder the archive goes to\n${USAGE}`)
if (values.apply !== true && str('out') !== undefined) fail(`--out is for --apply (without it the command only reports)\n${USAGE}`)
let asOf = new Date()
if (str('as-of') !== undefined) {
  if (values.apply === true) fail('--as-of is for the dry run: --apply counts from now')
  asOf = new Date(str('as-of') as string)
  if (Number.isNaN(asOf.getTime())) fail(`--as-of expects an ISO 8601 date or time, not ${str('as-of') as string}`)
}

const hub = settings()
const log = createLogger(process.env.LOG_LEVEL ?? 'warn')
let db: Database
try {
  db = await openDatabase({ log, max: 4 })
} catch (err) {
  fail(`cannot open the database (${(err as Error).message})`, 1)
}

function printReport (r: RetentionReport): void {
  const out: string[] = []
  out.push(`retention as of ${r.asOf.toISOString()} (${db.where})`)
  if (!r.configured) out.push('the hub config has no retention section: every dossier is kept for good')
  const years = (y: number | 'forever'): string => y === 'forever' ? 'for good' : `${y} years`
  out.push(['procedure', 'kept', 'ended', 'due', 'held', 'no end time'].join('\t'))
  for (const row of r.rows) out.push([row.procedure, `${years(row.rule.years)} (${row.rule.from})`, row.ended, row.due, row.held, row.noEnd].join('\t'))
  out.push(`${r.due} dossiers due; ${r.held} past their period but held by something pending (an open step, an unsent message)`)
  if (r.open !== undefined) out.push(`run ${r.open.id} was left open by a crash (${r.open.archived ? 'archived: --apply finishes it' : 'not archived: --apply drops it and starts again'})`)
  if (r.due > 0) out.push('npm run retention -- --apply --out <dir> archives and deletes them')
  process.stdout.write(`${out.join('\n')}\n`)
}

try {
  await migrate(db.sql)
  const batch = positive('batch')
  const scanBatch = positive('scan-batch')
  const service = new RetentionService({
    sql: db.sql,
    policy: hub.retention,
    signingKey: hub.audit.signingKey,
    ...(batch !== undefined && { batch }),
    ...(scanBatch !== undefined && { scanBatch }),
    log: (line) => { process.stderr.write(`retention: ${line}\n`) }
  })
  if (values.apply === true) {
    const result = await service.apply(str('out') as string)
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  } else {
    printReport(await service.report(asOf))
  }
} catch (err) {
  process.stderr.write(`retention: ${(err as Error).message}\n`)
  process.exitCode = 1
} finally {
  await db.close()
}
