/**
 * Retention of closed dossiers (npm run retention; src/services/retention-service.ts), on the real
 * PostgreSQL, each test in a database of its own (test/db-helper.ts) with dossiers inserted by SQL
 * as the dossier store writes them (COMMON.md's contract): closed long ago, closed recently, open,
 * civil-status (kept for good), held by something pending. Checks the policy's config, the dry run,
 * the archive (content, signature, a changed byte), that exactly the due dossiers went with every
 * row of theirs, that an archived dossier can be put back with the documented SQL, that a rerun
 * does nothing more, and the crash points: before the archive is whole, and half-way through the
 * deletes.
 */
import t, { type Test } from 'tap'
import { execFile } from 'node:child_process'
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync, existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { fromRoot } from '../../src/paths.ts'
import { resolveHubConfig } from '../../src/config/hub-config.ts'
import { ConfigError } from '../../src/config/errors.ts'
import { cutoffBefore, cutoffs, ruleFor, type RetentionPolicy } from '../../src/domain/retention.ts'
import { dossierTables, RetentionSchemaError } from '../../src/store/retention-tables.ts'
import { RetentionBusyError, RetentionError, RetentionService } from '../../src/services/retention-service.ts'
import { verifyArchive } from '../../src/services/retention-verify.ts'
import { archiveLines, archiveTextLines, namesBeside } from '../../src/services/retention-archive.ts'
import { createTestDatabase } from '../db-helper.ts'

const run = promisify(execFile)

const LAND = '1.004227.000.00.00.H56' // default period (10 years in config/hub.json)
const BIRTH = '1.001193.000.00.00.H56' // civil status: kept for good
const EVN = '9.000001.000.00.00.H56' // given 2 years of its own in these tests

const DAY = 86_400_000
const now = new Date()
/** safely more than `y` years ago (366-day years) */
const yearsAgo = (y: number): Date => new Date(now.getTime() - y * 366 * DAY)
const tmp = (t: Test): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-retention-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

const shippedConfig = (): Record<string, unknown> => JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as Record<string, unknown>

/** The shipped config, with EVN's dossiers kept 2 years. */
function testConfig (): Record<string, unknown> {
  const raw = shippedConfig()
  const retention = raw.retention as Record<string, unknown>
  retention.procedures = { [EVN]: 2 }
  return raw
}

const testPolicy = (): RetentionPolicy => resolveHubConfig(testConfig(), 'test').retention

const keys = (): { privateKey: KeyObject, publicKey: KeyObject } => generateKeyPairSync('ed25519')

interface Fixture {
  code: string
  procedure: string
  status: number
  /** when it ended (closed_at for 3/7/8, resolved_at for 9, returned_at for 10) */
  ended?: Date
  /** the first step's state (default resolved) */
  stepState?: string
  /** one of its outbox messages not confirmed yet */
  unsent?: boolean
}

/** a 32-byte hash-like value */
const h = (s: string): Buffer => Buffer.from(s.padEnd(32, '.').slice(0, 32))

/** A dossier with the rows of an ordinary life, inserted as the dossier store writes them; returns its id. */
async function insertDossier (sql: Sql, f: Fixture): Promise<string> {
  const received = new Date((f.ended ?? now).getTime() - 5 * DAY)
  const ended = f.ended ?? null
  const closed = [3, 7, 8].includes(f.status) ? ended : null
  const resolved = f.status === 9 || f.status === 10 ? (f.status === 10 ? new Date(received.getTime() + 3 * DAY) : ended) : null
  const returned = f.status === 10 ? ended : null
  return await sql.begin(async (tx) => {
    // the document as text: a number beyond double precision and Vietnamese text must come back unchanged
    const doc = `{"applicant": {"name": "Nguyễn Văn A", "id": "038090001234"}, "data": {"area": 123.45, "parcel": 12345678901234567890}, "note": "hồ sơ ${f.code}"}`
    const [d] = await tx<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
        return_method, source_system, received_at, due_at, resolved_at, returned_at, closed_at, timeliness, deadline_rule, fingerprint, updated_at, doc)
      values (${f.code}, ${f.status}, ${f.procedure}, '000.31.35.H56', 2, 'commune', 'online', 'dvc', ${received},
        ${new Date(received.getTime() + 7 * DAY)}, ${resolved}, ${returned}, ${closed}, ${resolved === null ? null : 'early'},
        ${tx.json({ days: 5, count: 'working' })}, ${h(`fp${f.code}`)}, ${ended ?? received}, ${doc}::text::jsonb) returning id`
    const id = d?.id as string
    for (const [p, step] of ['tp', 'ca'].entries()) {
      const state = p === 0 ? f.stepState ?? 'resolved' : 'resolved'
      await tx`insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, delivered_at, reported_at, detail)
        values (${id}, ${step}, ${p}, ${step}, ${p}, ${state}, 1, ${received}, ${received}, ${tx.json({ state, agencyReference: `REF-${f.code}-${step}` })})`
    }
    for (const [s, type] of ['received', 'agency-report', f.status === 10 ? 'returned' : 'agency-report'].entries()) {
      await tx`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, event_id, entry)
        values (${id}, ${s + 1}, ${received}, ${type}, ${s === 0 ? null : 2}, ${s === 0 ? 2 : f.status}, ${s === 1 ? `evt-${f.code}` : null},
          ${tx.json({ actor: { kind: 'agency', id: 'tp' }, note: 'Đã tiếp nhận' })})`
    }
    await tx`insert into supplements (dossier_id, seq, supplement_id, submitted_at, attachments, note)
      values (${id}, 1, ${`bs-${f.code}`}, ${received}, ${tx.json([{ name: 'giấy tờ bổ sung.pdf' }])}, 'bổ sung')`
    await tx`insert into webhook_cursors (dossier_id, subscriber, delivered) values (${id}, 'portal', 3)`
    for (let a = 1; a <= 2; a++) {
      await tx`insert into webhook_attempts (dossier_id, at, subscriber, seq, event, attempt, outcome, http_status)
        values (${id}, ${received}, 'portal', ${a}, 'status-changed', 1, 'delivered', 200)`
    }
    const [trail] = await tx<Array<{ id: string }>>`insert into audit_trails (name, head_seq, head_hash) values (${f.code}, 3, ${h(`head${f.code}`)}) returning id`
    for (let s = 1; s <= 3; s++) {
      await tx`insert into audit_entries (trail_id, seq, at, client, action, status, key_id, hash, entry)
        values (${trail?.id as string}, ${s}, ${received}, 'portal', 'read', 200, 'k1', ${h(`e${s}${f.code}`)}, ${tx.json({ role: 'portal', requestId: `req-${s}` })})`
    }
    await tx`insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('portal', ${h(`k${f.code}`)}, ${id}, ${h(`fp${f.code}`)}, ${received})`
    await tx`insert into source_refs (system, reference, dossier_id, fingerprint, created_at) values ('dvc', ${`DVC-${f.code}`}, ${id}, ${h(`fp${f.code}`)}, ${received})`
    await tx`insert into content_fingerprints (fingerprint, dossier_id, system, seen_at) values (${h(`c${f.code}`)}, ${id}, 'dvc', ${received})`
    for (const [i, step] of ['tp', 'ca'].entries()) {
      const confirmed = f.unsent === true && i === 1 ? null : received
      await tx`insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at, queued_at, confirmed_at)
        values ('dossier', ${step}, ${id}, ${step}, ${`${f.code}|${step}`}, ${received}, ${received}, ${confirmed})`
    }
    return id
  })
}

/** Tables with a dossier's rows, and how to find a dossier's rows in each ($1: its id, or its code for its trail). */
const ROWS_OF: Record<string, [query: string, by: 'id' | 'code']> = {
  dossiers: ['select row_to_json(t)::text as j from dossiers t where t.id = $1::bigint order by 1', 'id'],
  dossier_steps: ['select row_to_json(t)::text as j from dossier_steps t where t.dossier_id = $1::bigint order by 1', 'id'],
  dossier_history: ['select row_to_json(t)::text as j from dossier_history t where t.dossier_id = $1::bigint order by 1', 'id'],
  supplements: ['select row_to_json(t)::text as j from supplements t where t.dossier_id = $1::bigint order by 1', 'id'],
  webhook_cursors: ['select row_to_json(t)::text as j from webhook_cursors t where t.dossier_id = $1::bigint order by 1', 'id'],
  webhook_attempts: ['select row_to_json(t)::text as j from webhook_attempts t where t.dossier_id = $1::bigint order by 1', 'id'],
  audit_trails: ['select row_to_json(t)::text as j from audit_trails t where t.name = $1::text order by 1', 'code'],
  audit_entries: ['select row_to_json(t)::text as j from audit_entries t join audit_trails a on a.id = t.trail_id where a.name = $1::text order by 1', 'code'],
  idempotency_keys: ['select row_to_json(t)::text as j from idempotency_keys t where t.dossier_id = $1::bigint order by 1', 'id'],
  source_refs: ['select row_to_json(t)::text as j from source_refs t where t.dossier_id = $1::bigint order by 1', 'id'],
  content_fingerprints: ['select row_to_json(t)::text as j from content_fingerprints t where t.dossier_id = $1::bigint order by 1', 'id'],
  outbox: ['select row_to_json(t)::text as j from outbox t where t.dossier_id = $1::bigint order by 1', 'id']
}

/** The buffer with one byte flipped (a copy). */
function flip (bytes: Buffer, at: number, mask = 0x01): Buffer {
  const out = Buffer.from(bytes)
  out.writeUInt8(out.readUInt8(at) ^ mask, at)
  return out
}

/** Every row of a dossier, by table, as JSON text (UTC, hex bytea). */
async function rowsOf (sql: Sql, id: string, code: string): Promise<Record<string, string[]>> {
  return await sql.begin(async (tx) => {
    await tx`set local time zone 'UTC'`
    const out: Record<string, string[]> = {}
    for (const [table, [query, by]] of Object.entries(ROWS_OF)) {
      out[table] = (await tx.unsafe<Array<{ j: string }>>(query, [by === 'id' ? id : code])).map((r) => r.j)
    }
    return out
  })
}

const rowCount = (rows: Record<string, string[]>): number => Object.values(rows).reduce((n, r) => n + r.length, 0)

interface World {
  ids: Map<string, string>
  /** codes that must go, and that must stay */
  due: string[]
  kept: string[]
}

/** The dossiers of every test: what is due under testConfig() now, and what is not (and why). */
async function seed (sql: Sql): Promise<World> {
  const tenYears = cutoffBefore(now, 10)
  const fixtures: Array<Fixture & { due: boolean }> = [
    { code: 'A-returned-12y', procedure: LAND, status: 10, ended: yearsAgo(12), due: true },
    { code: 'B-withdrawn-11y', procedure: LAND, status: 7, ended: yearsAgo(11), due: true },
    { code: 'C-refused-10y1d', procedure: LAND, status: 3, ended: new Date(tenYears.getTime() - DAY), due: true },
    { code: 'D-returned-10y-less1d', procedure: LAND, status: 10, ended: new Date(tenYears.getTime() + DAY), due: false },
    { code: 'E-returned-9y', procedure: LAND, status: 10, ended: yearsAgo(9), due: false },
    { code: 'F-open-15y', procedure: LAND, status: 4, due: false },
    { code: 'G-birth-30y', procedure: BIRTH, status: 10, ended: yearsAgo(30), due: false },
    { code: 'H-resolved-12y-step-open', procedure: LAND, status: 9, ended: yearsAgo(12), stepState: 'processing', due: false },
    { code: 'I-resolved-12y', procedure: LAND, status: 9, ended: yearsAgo(12), due: true },
    { code: 'J-returned-12y-unsent', procedure: LAND, status: 10, ended: yearsAgo(12), unsent: true, due: false },
    { code: 'K-evn-3y', procedure: EVN, status: 10, ended: yearsAgo(3), due: true },
    { code: 'L-evn-1y', procedure: EVN, status: 10, ended: yearsAgo(1), due: false },
    { code: 'M-stopped-12y', procedure: LAND, status: 8, ended: yearsAgo(12), due: true },
    { code: 'N-stopped-12y-no-end', procedure: LAND, status: 8, due: false }
  ]
  const ids = new Map<string, string>()
  for (const f of fixtures) ids.set(f.code, await insertDossier(sql, f))
  // an open dossier received long ago: its received_at is old, but it has not ended
  await sql`update dossiers set received_at = ${yearsAgo(15)} where code = 'F-open-15y'`
  return { ids, due: fixtures.filter((f) => f.due).map((f) => f.code), kept: fixtures.filter((f) => !f.due).map((f) => f.code) }
}

async function codesInRecord (sql: Sql): Promise<string[]> {
  return (await sql<Array<{ code: string }>>`select code from dossiers order by code`).map((r) => r.code)
}

async function newWorld (t: Test): Promise<{ sql: Sql, world: World, url: string }> {
  const db = await createTestDatabase(t)
  await migrate(db.sql)
  return { sql: db.sql, url: db.url, world: await seed(db.sql) }
}

/** A world whose due dossiers a run has archived and not yet deleted. */
async function archivedWorld (t: Test, options: { leaseMs?: number } = {}) {
  const { sql, world } = await newWorld(t)
  const out = tmp(t)
  const service = new RetentionService({ sql, policy: testPolicy(), signingKey: keys().privateKey, ...options })
  const run = await service.start(out, now)
  if (run === undefined) throw new Error('nothing due')
  await service.archive(run)
  return { sql, world, out, service, run }
}

// ---------------------------------------------------------------------------------------------

t.test('policy: the shipped config keeps civil status for good, the rest 10 years; overrides and mistakes', async (t) => {
  const shipped = resolveHubConfig(shippedConfig(), 'config/hub.json').retention
  t.equal(shipped.configured, true)
  t.same(ruleFor(shipped, BIRTH), { years: 'forever', from: 'sector civil-status' })
  t.same(ruleFor(shipped, '1.000656.000.00.00.H56'), { years: 'forever', from: 'sector civil-status' }, 'death registration too')
  t.same(ruleFor(shipped, LAND), { years: 10, from: 'default' })
  t.same(ruleFor(shipped, '0.000000.000.00.00.H56'), { years: 10, from: 'default' }, 'a procedure no longer in the catalogue')

  const own = testConfig()
  ;(own.retention as { procedures: Record<string, unknown> }).procedures = { [EVN]: 2, [BIRTH]: 50 }
  const policy = resolveHubConfig(own, 'own.json').retention
  t.same(ruleFor(policy, EVN), { years: 2, from: 'procedure' })
  t.same(ruleFor(policy, BIRTH), { years: 50, from: 'procedure' }, 'a procedure\'s own period wins over its sector')
  const cut = cutoffs(policy, now)
  t.equal(cut.procedures.find((p) => p.procedure === '1.000656.000.00.00.H56')?.cutoff, null, 'for good: no cutoff')
  t.same(cut.procedures.find((p) => p.procedure === EVN)?.cutoff, cutoffBefore(now, 2))

  const absent = shippedConfig()
  delete absent.retention
  const none = resolveHubConfig(absent, 'none.json').retention
  t.equal(none.configured, false)
  t.equal(cutoffs(none, now).default, null, 'without a retention section nothing is ever due')

  const bad = (change: (r: Record<string, unknown>) => void): ConfigError => {
    const raw = shippedConfig()
    change(raw.retention as Record<string, unknown>)
    try {
      resolveHubConfig(raw, 'bad.json')
    } catch (err) {
      if (err instanceof ConfigError) return err
      throw err
    }
    throw new Error('accepted')
  }
  t.match(bad((r) => { r.defaultYears = 0 }).message, /bad\.json: \/retention\/defaultYears must be >= 1/)
  t.match(bad((r) => { r.defaultYears = 'never' }).message, /\/retention\/defaultYears is not valid: expected .*forever/)
  t.match(bad((r) => { r.procedures = { [EVN]: 2.5 } }).message, /\/retention\/procedures\/9\.000001\.000\.00\.00\.H56 must be integer/)
  t.match(bad((r) => { delete r.defaultYears }).message, /\/retention\/defaultYears is required/)
  t.match(bad((r) => { r.sectors = { a: { years: 5, procedures: [EVN] }, b: { years: 7, procedures: [EVN] } } }).message,
    /\/retention\/sectors\/b\/procedures lists 9\.000001\.000\.00\.00\.H56, which sector a lists too/)
  t.match(bad((r) => { r.keep = 3 }).message, /\/retention\/keep is not allowed here/)
})

t.test('years count on the Vietnam calendar from the end; 29 February falls due on 28 February', async (t) => {
  t.same(cutoffBefore(new Date('2026-03-01T10:00:00+07:00'), 10), new Date('2016-03-01T10:00:00+07:00'))
  // 00:30 on 1 Jan 2026 in Vietnam is still 31 Dec 2025 in UTC: the Vietnam date counts
  t.same(cutoffBefore(new Date('2026-01-01T00:30:00+07:00'), 1), new Date('2025-01-01T00:30:00+07:00'))
  t.same(cutoffBefore(new Date('2028-02-29T09:00:00+07:00'), 1), new Date('2027-02-28T09:00:00+07:00'))
})

t.test('the schema guard: a table the job does not know stops it before anything is written', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const tables = await dossierTables(sql)
  t.same(tables.children.map((c) => c.table).sort(), ['dossier_events', 'dossier_history', 'dossier_steps', 'national_sync', 'notice_attempts', 'notice_pending', 'notices', 'notifications', 'notify_pending', 'payments', 'postal_pickups', 'supplements', 'webhook_attempts', 'webhook_cursors'])
  t.same(tables.auditChildren.map((c) => c.table), ['audit_entries'])
  t.same(tables.loose.map((c) => c.table).sort(), ['content_fingerprints', 'idempotency_keys', 'outbox', 'source_refs'])
  t.same(tables.children.find((c) => c.table === 'dossier_steps')?.order, ['dossier_id', 'step'])

  await sql`create table refunds (id bigint primary key, dossier_id bigint not null)`
  await t.rejects(dossierTables(sql), RetentionSchemaError, 'a dossier_id column without a foreign key')
  await t.rejects(dossierTables(sql), /refunds has a dossier_id column without a foreign key/)
  await sql`drop table refunds`
  await sql`create table receipts (dossier_id bigint references dossiers (id), n int, primary key (dossier_id, n))`
  await t.rejects(dossierTables(sql), /receipts\.dossier_id refers to dossiers without on delete cascade/)
  await sql`drop table receipts`
  await sql`create table step_files (dossier_id bigint, step text, name text, foreign key (dossier_id, step) references dossier_steps on delete cascade)`
  await t.rejects(dossierTables(sql), /step_files refers to dossier_steps, a table of dossiers's rows/)
  await sql`drop table step_files`
  await sql`create table refunds (dossier_id bigint primary key references dossiers (id) on delete cascade, amount int)`
  t.ok((await dossierTables(sql)).children.some((c) => c.table === 'refunds'), 'a new child table with a cascading key is archived by itself')
})

t.test('npm run retention: dry run, --apply, --verify, --read; exactly the due dossiers go, with all their rows; a rerun does nothing more', async (t) => {
  const { sql, url, world } = await newWorld(t)
  const out = tmp(t)
  const config = join(tmp(t), 'hub.json')
  writeFileSync(config, JSON.stringify(testConfig()))
  const env = { ...process.env, DATABASE_URL: url, HUB_CONFIG: config, LOG_LEVEL: 'silent' }
  const retention = async (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => {
    try {
      const r = await run(process.execPath, ['--import=tsx', 'scripts/retention.ts', ...args], { cwd: fromRoot(), env })
      return { code: 0, stdout: r.stdout, stderr: r.stderr }
    } catch (err) {
      const e = err as { code: number, stdout: string, stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr }
    }
  }
  const before = new Map<string, Record<string, string[]>>()
  for (const [code, id] of world.ids) before.set(code, await rowsOf(sql, id, code))

  // dry run: counts per procedure, nothing changed
  const dry = await retention()
  t.equal(dry.code, 0, dry.stderr)
  const line = (procedure: string): string[] => dry.stdout.split('\n').find((l) => l.startsWith(procedure))?.split('\t') ?? []
  // LAND: ended A B C D E H I J M N = 10; due A B C I M = 5; held H J = 2; no end time N = 1
  t.same(line(LAND), [LAND, '10 years (default)', '10', '5', '2', '1'])
  t.same(line(BIRTH), [BIRTH, 'for good (sector civil-status)', '1', '0', '0', '0'])
  t.same(line(EVN), [EVN, '2 years (procedure)', '2', '1', '0', '0'])
  t.match(dry.stdout, /6 dossiers due; 2 past their period but held by something pending/)
  t.equal((await codesInRecord(sql)).length, world.ids.size, 'the dry run deletes nothing')
  t.same(readdirSync(out), [], 'and writes nothing')
  const later = await retention('--as-of', new Date(now.getTime() + 2 * 366 * DAY).toISOString())
  t.same(later.stdout.split('\n').find((l) => l.startsWith(LAND))?.split('\t')[3], '7', 'two years on, D and E are due too')

  t.equal((await retention('--apply')).code, 2, '--apply needs --out')
  const applied = await retention('--apply', '--out', out, '--batch', '2')
  t.equal(applied.code, 0, applied.stderr)
  const result = JSON.parse(applied.stdout) as { run: { run: string, archive: string, dossiers: number, deleted: number, changed: number, looseRows: Record<string, number> } }
  t.equal(result.run.dossiers, world.due.length)
  t.equal(result.run.deleted, world.due.length)
  t.same(result.run.looseRows, { content_fingerprints: 6, idempotency_keys: 6, outbox: 12, source_refs: 6 })

  // exactly the due dossiers are gone, with every row; the others are untouched
  t.same(await codesInRecord(sql), [...world.kept].sort())
  for (const [code, id] of world.ids) {
    const rows = await rowsOf(sql, id, code)
    if (world.due.includes(code)) t.equal(rowCount(rows), 0, `${code}: no row left in any table`)
    else t.same(rows, before.get(code), `${code}: every row as it was`)
  }

  // the archive: one file per run, its manifest and signature
  const names = namesBeside(`retention-${result.run.run}.jsonl.gz`)
  t.same(readdirSync(out).sort(), [names.archive, names.manifest, names.signature].sort())
  const archive = join(out, names.archive)
  t.equal(result.run.archive, archive)
  t.equal(statSync(archive).mode & 0o777, 0o600, 'personal data: readable by the hub\'s user only')
  const lines: Array<Record<string, unknown>> = []
  for await (const l of archiveLines(archive)) lines.push(l)
  t.equal(lines[0]?.kind, 'header')
  t.equal(lines.at(-1)?.kind, 'end')
  const dossierLines = lines.filter((l) => l.kind === 'dossier')
  t.same(dossierLines.map((l) => l.code).sort(), [...world.due].sort(), 'a line for each due dossier, none other')
  for (const l of dossierLines) {
    const code = l.code as string
    const archived = l.tables as Record<string, unknown[]>
    const was = before.get(code) ?? {}
    for (const [table, rows] of Object.entries(was)) {
      t.same((archived[table] ?? []).map((r) => JSON.stringify(r)).sort(), rows.map((r) => JSON.stringify(JSON.parse(r))).sort(), `${code}: ${table} archived as it was`)
    }
  }
  const manifest = JSON.parse(readFileSync(join(out, names.manifest), 'utf8')) as { dossiers: number, byProcedure: Record<string, number>, rows: Record<string, number> }
  t.equal(manifest.dossiers, 6)
  t.same(manifest.byProcedure, { [LAND]: 5, [EVN]: 1 })
  t.same(manifest.rows, { audit_entries: 18, audit_trails: 6, content_fingerprints: 6, dossier_history: 18, dossier_steps: 12, dossiers: 6, idempotency_keys: 6, outbox: 12, national_sync: 6, source_refs: 6, supplements: 6, webhook_attempts: 12, webhook_cursors: 6 })

  // --verify with the hub's key (the dev key of config/hub.json), and --read
  const devPublic = createPublicKey(readFileSync(fromRoot('config', 'dev-secrets', 'audit-signing.pem'), 'utf8')).export({ type: 'spki', format: 'pem' }) as string
  const pem = join(tmp(t), 'public.pem')
  writeFileSync(pem, devPublic)
  const verified = await retention('--verify', archive, '--public-key', pem)
  t.equal(verified.code, 0, verified.stdout)
  t.match(verified.stdout, new RegExp(`valid: run ${result.run.run}, 6 dossiers`))
  const read = await retention('--read', archive, '--code', 'A-returned-12y')
  t.equal(read.code, 0)
  t.equal((JSON.parse(read.stdout) as { code: string }).code, 'A-returned-12y')

  // a changed byte fails the check
  const bytes = readFileSync(archive)
  writeFileSync(archive, flip(bytes, Math.floor(bytes.length / 2)))
  const tampered = await retention('--verify', archive, '--public-key', pem)
  t.equal(tampered.code, 1)
  t.match(tampered.stdout, /SHA-256 .* the file was changed/)
  writeFileSync(archive, bytes)
  t.equal((await retention('--verify', archive, '--public-key', pem)).code, 0, 'the byte put back: valid again')

  // a rerun does nothing more: no new run, no new file, nothing else deleted
  const again = await retention('--apply', '--out', out)
  t.equal(again.code, 0, again.stderr)
  t.same(JSON.parse(again.stdout), {})
  t.same(readdirSync(out).sort(), [names.archive, names.manifest, names.signature].sort())
  t.same(await codesInRecord(sql), [...world.kept].sort())
  const register = await sql<Array<{ code: string }>>`select code from retention_dossiers where deleted_at is not null order by code`
  t.same(register.map((r) => r.code), [...world.due].sort(), 'the register names each deleted dossier once')
})

t.test('the archive\'s signature and hash: a changed byte of the archive or the manifest, or another key, fails', async (t) => {
  const { sql } = await newWorld(t)
  const out = tmp(t)
  const { privateKey, publicKey } = keys()
  const service = new RetentionService({ sql, policy: testPolicy(), signingKey: privateKey })
  const result = await service.apply(out)
  const archive = result.run?.archive as string
  const names = namesBeside(archive)
  t.same((await verifyArchive(archive, publicKey)).problems, [])
  t.equal((await verifyArchive(archive, publicKey)).valid, true)
  t.equal((await verifyArchive(archive, keys().publicKey)).valid, false, 'another key')
  t.match((await verifyArchive(archive, keys().publicKey)).problems[0], /signature does not verify/)

  const manifest = readFileSync(names.manifest)
  const changed = Buffer.from(manifest.toString('utf8').replace('"dossiers": 6', '"dossiers": 7'))
  writeFileSync(names.manifest, changed)
  t.match((await verifyArchive(archive, publicKey)).problems[0], /signature does not verify/, 'a changed manifest')
  writeFileSync(names.manifest, manifest)

  // the same bytes, a byte changed at the end (the gzip trailer) and at the start
  const original = readFileSync(archive)
  for (const at of [original.length - 1, 10]) {
    writeFileSync(archive, flip(original, at, 0x80))
    const check = await verifyArchive(archive, publicKey)
    t.equal(check.valid, false, `byte ${at} changed`)
    t.match(check.problems.join(' '), /the file was changed/)
  }
  writeFileSync(archive, original.subarray(0, original.length - 100))
  t.match((await verifyArchive(archive, publicKey)).problems.join(' '), /has \d+ bytes, the manifest says/, 'cut short')
  writeFileSync(archive, original)
  t.equal((await verifyArchive(archive, publicKey)).valid, true)
})

t.test('an archived dossier goes back with the SQL of docs/operations.md, row for row', async (t) => {
  const { sql, world } = await newWorld(t)
  const code = 'A-returned-12y'
  const id = world.ids.get(code) as string
  const before = await rowsOf(sql, id, code)
  const service = new RetentionService({ sql, policy: testPolicy(), signingKey: keys().privateKey })
  const result = await service.apply(tmp(t))
  t.equal(rowCount(await rowsOf(sql, id, code)), 0)
  // the line as written, as `--read --code` prints it
  let line: string | undefined
  for await (const l of archiveTextLines(result.run?.archive as string)) if ((JSON.parse(l) as { code?: string }).code === code) line = l
  // the psql recipe of docs/operations.md, as written there, with the line in place of :'line'
  const docs = readFileSync(fromRoot('docs', 'operations.md'), 'utf8')
  const recipe = /```sql\n(-- put one archived dossier back[\s\S]*?)```/.exec(docs)?.[1]
  t.ok(recipe, 'the recipe is in the docs')
  const psql = await sql.reserve() // one session, as psql's: the recipe has its own begin and commit
  try {
    await psql.unsafe((recipe ?? '').replace(":'line'", `'${(line ?? '').replaceAll("'", "''")}'`)).simple()
  } finally {
    psql.release()
  }
  t.same(await rowsOf(sql, id, code), before, 'every row as it was, the document\'s 20-digit number and Vietnamese text included')
  t.match(before.dossiers?.[0], /"doc":\{.*"parcel": 12345678901234567890\}/, 'the document is an object holding the 20-digit number')

  // an archive written before a migration added a column (0023's dossier_steps.rev): the line
  // without it comes back all the same, the column at its default
  // (edited as text: parsed and written again, the document's 20-digit number would not survive)
  const steps = (JSON.parse(line ?? '{}') as { tables: Record<string, unknown[]> }).tables.dossier_steps ?? []
  let removed = 0
  const older = (line ?? '').replace(/,"rev":\d+/g, () => { removed++; return '' })
  t.ok(steps.length > 0 && removed === steps.length, `the archive has each step's revision (${removed} of ${steps.length}), taken out`)
  await sql`delete from dossiers where id = ${id}`
  await sql`delete from audit_trails where name = ${code}`
  for (const table of ['idempotency_keys', 'source_refs', 'content_fingerprints', 'outbox']) await sql`delete from ${sql(table)} where dossier_id = ${id}`
  t.equal(rowCount(await rowsOf(sql, id, code)), 0)
  const again = await sql.reserve()
  try {
    await again.unsafe((recipe ?? '').replace(":'line'", `'${older.replaceAll("'", "''")}'`)).simple()
  } finally {
    again.release()
  }
  t.same(await rowsOf(sql, id, code), before, 'the older line restores every row (rev at its default, 0, as archived)')
})

t.test('a crash before the archive is whole: the next run drops it (nothing was deleted) and starts again', async (t) => {
  const { sql, world } = await newWorld(t)
  const out = tmp(t)
  const policy = testPolicy()
  const signingKey = keys().privateKey
  // the crashed process: registered its run, wrote part of the archive, died (its lease lapses at once)
  const crashed = new RetentionService({ sql, policy, signingKey, leaseMs: 1 })
  const run = await crashed.start(out, now)
  t.ok(run)
  const part = join(out, `${run?.archive_file as string}.part`)
  writeFileSync(part, 'half an archive')
  t.equal((await codesInRecord(sql)).length, world.ids.size)

  const busy = new RetentionService({ sql, policy, signingKey })
  await sql`update retention_runs set lease_until = now() + interval '1 hour'`
  await t.rejects(busy.apply(out), RetentionBusyError, 'a run whose lease has not lapsed is another process\'s')
  await sql`update retention_runs set lease_until = now() - interval '1 second'`

  const result = await busy.apply(out)
  t.equal(result.abandoned, run?.id)
  t.equal(result.resumed, undefined)
  t.equal(result.run?.deleted, world.due.length)
  t.notOk(existsSync(part), 'the crashed run\'s part file is gone')
  t.same(readdirSync(out).filter((f) => f.endsWith('.jsonl.gz')), [`retention-${result.run?.run as string}.jsonl.gz`], 'one archive, the new run\'s')
  t.same(await codesInRecord(sql), [...world.kept].sort())
  t.same((await sql`select id from retention_runs`).map((r) => r.id), [result.run?.run], 'the crashed run is not in the record')
})

t.test('a crash half-way through the deletes: the next run finishes that run, from its archive, and does nothing twice', async (t) => {
  const { sql, world } = await newWorld(t)
  const out = tmp(t)
  const policy = testPolicy()
  const signingKey = keys().privateKey
  const crashed = new RetentionService({ sql, policy, signingKey, batch: 2, leaseMs: 1 })
  const run = await crashed.start(out, now)
  if (run === undefined) throw new Error('nothing due')
  await crashed.archive(run)
  const partial = await crashed.deleteRun(run, 1)
  t.equal(partial.deleted, 2, 'one batch of two deleted, then the process died')
  const [open] = await sql`select finished_at from retention_runs where id = ${run.id}`
  t.equal(open?.finished_at, null)
  const looseLeft = await sql`select count(*)::int as n from idempotency_keys`
  t.equal(looseLeft[0]?.n, world.ids.size, 'their receive-once rows were not reached yet')

  const next = new RetentionService({ sql, policy, signingKey })
  const report = await next.report(now)
  t.same(report.open, { id: run.id, archived: true }, 'the dry run says a run was left open')
  const result = await next.apply(out)
  t.equal(result.resumed?.run, run.id)
  t.equal(result.resumed?.deleted, world.due.length, 'the run\'s dossiers, all deleted now')
  t.same(result.resumed?.looseRows, { content_fingerprints: 6, idempotency_keys: 6, outbox: 12, source_refs: 6 })
  t.equal(result.run, undefined, 'and nothing else is due')
  t.same(await codesInRecord(sql), [...world.kept].sort())
  for (const [code, id] of world.ids) {
    if (world.due.includes(code)) t.equal(rowCount(await rowsOf(sql, id, code)), 0, `${code}: gone with every row`)
  }
  t.same(readdirSync(out).filter((f) => f.endsWith('.jsonl.gz')).length, 1, 'one archive')
  t.equal((await verifyArchive(join(out, run.archive_file), createPublicKey(signingKey))).valid, true)
  t.same(await next.apply(out), {}, 'a third run: nothing')
})

t.test('an archived run whose archive is missing deletes nothing until it is back', async (t) => {
  const { sql, world, out, service, run } = await archivedWorld(t, { leaseMs: 1 })
  const archive = join(out, run.archive_file)
  const kept = readFileSync(archive)
  rmSync(archive)
  await t.rejects(service.apply(out), RetentionError)
  await t.rejects(service.apply(out), /is not at .* not deleted until it is back/)
  writeFileSync(archive, flip(kept, 20))
  await t.rejects(service.apply(out), /no longer the file written/)
  t.equal((await codesInRecord(sql)).length, world.ids.size, 'nothing deleted')
  writeFileSync(archive, kept)
  const result = await service.apply(out)
  t.equal(result.resumed?.deleted, world.due.length)
})

t.test('a dossier that changed after it was archived is not deleted; a later run archives it again', async (t) => {
  const { sql, world, out, service, run } = await archivedWorld(t)
  // after the archive: one dossier gets an audit entry (someone read it), another a webhook attempt
  const [trail] = await sql`select id from audit_trails where name = 'A-returned-12y'`
  await sql`insert into audit_entries (trail_id, seq, at, client, action, status, hash, entry)
    values (${trail?.id as string}, 4, now(), 'auditor', 'read', 200, ${h('late')}, '{}')`
  await sql`update webhook_cursors set delivered = 4 where dossier_id = ${world.ids.get('I-resolved-12y') as string}`
  const outcome = await service.deleteRun(run)
  t.equal(outcome.changed, 2)
  t.equal(outcome.deleted, world.due.length - 2)
  const left = await codesInRecord(sql)
  t.ok(left.includes('A-returned-12y') && left.includes('I-resolved-12y'), 'the changed ones stay')
  const a = await rowsOf(sql, world.ids.get('A-returned-12y') as string, 'A-returned-12y')
  t.equal(a.audit_entries?.length, 4, 'with their trail')
  t.equal(a.idempotency_keys?.length, 1, 'and their receive-once rows')

  const again = await service.apply(out)
  t.equal(again.run?.dossiers, 2, 'the next run archives them again, as they are now')
  t.equal(again.run?.deleted, 2)
  t.same(await codesInRecord(sql), [...world.kept].sort())
})

t.test('a delete batch waits for a flush of the indicators\' facts (their lock first, before any row), then deletes', async (t) => {
  const { sql, world, service, run } = await archivedWorld(t)
  // a flush under way: this session holds its lock, as indicator_flush() does for its transaction
  const flush = await sql.reserve()
  t.teardown(async () => { await flush`rollback`.catch(() => {}); flush.release() })
  await flush`begin`
  await flush`select pg_advisory_xact_lock(hashtext('indicator_flush'))`
  let settled = false
  const deleting = service.deleteRun(run).finally(() => { settled = true })
  for (let i = 0; i < 100; i++) {
    const waiting = await sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory' and datname = current_database()`
    if (waiting.length > 0) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const [waits] = await sql<Array<{ n: number }>>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and wait_event = 'advisory' and datname = current_database()`
  t.equal(waits?.n, 1, 'the batch waits for the flush\'s lock')
  t.notOk(settled, 'and has deleted nothing meanwhile')
  t.equal((await codesInRecord(sql)).length, world.due.length + world.kept.length)
  await flush`commit`
  const outcome = await deleting
  t.equal(outcome.deleted, world.due.length, 'once the flush ends, it deletes')
  t.same(await codesInRecord(sql), [...world.kept].sort())
})
