/**
 * Checks the hub's audit trails against a signed checkpoint kept outside the hub:
 *
 *   npm run audit:verify -- <checkpoint.json> [--public-key <public.pem>]
 *
 * First the checkpoint's signature, with the public key the auditor kept (GET
 * /v1/audit/checkpoints gives it; without --public-key the one derived from the hub config's
 * signing key is used, which proves less: whoever controls the hub's config controls that key).
 * Then every trail the checkpoint lists: at least as long as it says, its entry at that length
 * hashing to the checkpointed head (under the audit key, from HUB_CONFIG). Head records are not
 * trusted: whoever cut a trail short may have rewritten them too. One line per problem; exit 0
 * when every trail holds, 1 when one does not, 2 when the checkpoint itself does not verify or
 * nothing can be checked. The trails are read from the record, the database chosen as the hub
 * chooses it (DATABASE_URL; unset: PostgreSQL at 127.0.0.1:5432, else the embedded PGlite under
 * data/pg; src/store/db-url.ts), and the command says which it read; the audit key comes from
 * HUB_CONFIG (default config/hub.json), as the hub's does.
 */
import { readFileSync } from 'node:fs'
import { createPublicKey, type KeyObject } from 'node:crypto'
import { parseArgs } from 'node:util'
import { loadHubConfig } from '../src/config/hub-config.ts'
import { ConfigError } from '../src/config/errors.ts'
import { openDatabase, type Database } from '../src/store/db.ts'
import { AuditStore } from '../src/store/audit-store.ts'
import { auditKey } from '../src/domain/audit-chain.ts'
import { publicKeyId, verifyCheckpoint } from '../src/domain/audit-checkpoint.ts'
import { checkStore } from '../src/services/audit-checkpoints.ts'

const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: { 'public-key': { type: 'string' } }, allowPositionals: true, strict: true })

function fail (message: string): never {
  process.stderr.write(`audit:verify: ${message}\n`)
  process.exit(2)
}

const file = positionals[0]
if (file === undefined || positionals.length > 1) fail('usage: npm run audit:verify -- <checkpoint.json> [--public-key <public.pem>]')

let settings: ReturnType<typeof loadHubConfig>
try {
  settings = loadHubConfig(process.env.HUB_CONFIG ?? 'config/hub.json')
} catch (err) {
  if (err instanceof ConfigError) fail(err.message)
  throw err
}

let doc: unknown
try {
  doc = JSON.parse(readFileSync(file, 'utf8'))
} catch (err) {
  fail(`${file} cannot be read as JSON (${(err as Error).message})`)
}

let publicKey: KeyObject = settings.audit.publicKey
if (values['public-key'] !== undefined) {
  try {
    publicKey = createPublicKey(readFileSync(values['public-key'], 'utf8'))
  } catch (err) {
    fail(`--public-key ${values['public-key']} is not a PEM public key (${(err as Error).message})`)
  }
} else {
  process.stderr.write(`audit:verify: no --public-key: using the hub config's own signing key (${publicKeyId(publicKey)}); give the key you kept to rule out a changed config\n`)
}

const signed = verifyCheckpoint(doc, publicKey)
if (!signed.valid) fail(`${file}: ${signed.reason}`)
const checkpoint = signed.checkpoint

let db: Database
try {
  db = await openDatabase({ max: 8 })
} catch (err) {
  fail(`cannot open the database (${(err as Error).message})`)
}
process.stderr.write(`audit:verify: the record is ${db.kind === 'server' ? 'the PostgreSQL database' : 'the embedded PGlite database in'} ${db.where}\n`)
try {
  // reads only: no trail is created, so no dossier needs to be asked about
  const audit = new AuditStore(db.sql, auditKey(settings.audit.secret), async () => false)
  // read-only: a database without the record's tables (the wrong DATABASE_URL) is an error, not migrated
  const report = await checkStore(checkpoint, audit).catch((err: unknown) => fail(`cannot read the audit trails in ${db.where} (${(err as Error).message})`))
  for (const p of report.problems) process.stdout.write(`${p.problem}: ${p.reason}\n`)
  const unverified = checkpoint.unverified.length > 0 ? `; ${checkpoint.unverified.length} head records did not verify when it was taken: ${checkpoint.unverified.slice(0, 10).join(', ')}` : ''
  process.stdout.write(`checkpoint of ${checkpoint.date} (${checkpoint.at}), signed by ${checkpoint.signer.keyId}: ${report.checked} trails checked, ${report.problems.length} cut short or rewritten${unverified}\n`)
  process.exitCode = report.problems.length > 0 ? 1 : 0
} finally {
  await db.close()
}
