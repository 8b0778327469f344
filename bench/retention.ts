/**
 * What retention costs as it is built (row deletes, no partitions), to decide whether partitioning
 * dossiers by receipt month would pay: `npx tsx bench/retention.ts [dossiers] [due share]`
 * (default 100 000 dossiers, half of them due).
 *
 * In a scratch database on TEST_DATABASE_ADMIN_URL's server (dropped afterwards): N dossiers of the
 * example submissions with the rows of an ordinary life (2 steps, 5 history entries, 6 audit
 * entries, receive-once rows, 2 outbox messages; bench/record-bytes.ts's shape, inserted in bulk),
 * ended 1–20 years ago. Then: the dry run's time, `--apply`'s time (archive written and read back,
 * deletes) with the WAL it wrote, the archive's bytes per dossier, and the tables' size before and
 * after a VACUUM (the space deleted rows leave for new ones).
 */
import { readFileSync, readdirSync, rmSync, mkdtempSync } from 'node:fs'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { migrate } from '../src/store/migrate.ts'
import { fromRoot } from '../src/paths.ts'
import { RetentionService } from '../src/services/retention-service.ts'
import type { RetentionPolicy } from '../src/domain/retention.ts'

const N = Number(process.argv[2] ?? 100_000)
const DUE = Number(process.argv[3] ?? 0.5)
const ADMIN = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = `hub_retention_${randomBytes(4).toString('hex')}`
const quiet = { onnotice: () => {} }

const docs = readdirSync(fromRoot('schemas', 'examples')).filter((f) => f.endsWith('.json'))
  .map((f) => readFileSync(fromRoot('schemas', 'examples', f), 'utf8'))

const admin = postgres(ADMIN, { max: 1, ...quiet })
await admin.unsafe(`create database "${name}"`)
const url = new URL(ADMIN)
url.pathname = `/${name}`
const sql = postgres(url.toString(), { max: 4, ...quiet })
const out = mkdtempSync(join(tmpdir(), 'hub-retention-bench-'))
const secs = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(1)
const size = async (): Promise<number> => Number((await sql<Array<{ n: string }>>`select sum(pg_total_relation_size(c.oid))::text as n
  from pg_class c join pg_namespace s on s.oid = c.relnamespace where s.nspname = 'public' and c.relkind = 'r'`)[0]?.n)
const wal = async (): Promise<string> => (await sql<Array<{ l: string }>>`select pg_current_wal_lsn()::text as l`)[0]?.l as string
const walSince = async (from: string): Promise<number> => Number((await sql<Array<{ n: string }>>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${from}::pg_lsn)::text as n`)[0]?.n)

try {
  await migrate(sql)
  let t0 = performance.now()
  await sql`create temporary table docs (i int, doc jsonb)`
  for (const [i, d] of docs.entries()) await sql`insert into docs values (${i}, ${d}::jsonb)`
  // ended: due (11–20 years ago) for the first DUE share of ids, else 1–9 years ago
  await sql`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level, return_method, source_system,
      received_at, due_at, resolved_at, returned_at, timeliness, deadline_rule, fingerprint, updated_at, doc)
    select '000.31.35.H56-' || lpad(g::text, 10, '0'), 10, '1.004227.000.00.00.H56', '000.31.35.H56', 2, 'commune', 'online', 'dvc',
      e - interval '5 days', e, e - interval '1 day', e, 'early', '{"days": 5, "count": "working"}', sha256(g::text::bytea), e, d.doc
    from generate_series(1, ${N}) g
      cross join lateral (select now() - (case when g <= ${Math.round(N * DUE)} then 11 + (g % 9) else 1 + (g % 8) end) * interval '1 year' as e) t
      join docs d on d.i = g % ${docs.length}
    order by e`
  await sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, delivered_at, reported_at, detail)
    select id, s.step, s.p, s.step, s.p, 'resolved', 1, received_at, received_at, json_build_object('lead', s.p = 0, 'agencyReference', 'REF-' || id || s.step)
    from dossiers, (values ('tp', 0), ('ca', 1)) s (step, p)`
  await sql`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, event_id, entry, notice_seq, notice)
    select id, s, received_at, case s when 1 then 'received' when 5 then 'returned' else 'agency-report' end,
      case when s > 1 then (array[2, 2, 4, 9])[s - 1] end, (array[2, 2, 4, 9, 10])[s], case when s between 2 and 4 then 'evt-' || id || '-' || s end,
      '{"actor": {"kind": "agency", "id": "tp"}, "applied": true, "report": {"status": "processing", "note": "Đã tiếp nhận"}}', s, '{"event": "status-changed"}'
    from dossiers, generate_series(1, 5) s`
  await sql`insert into audit_trails (name, head_seq, head_hash) select code, 6, sha256(code::bytea) from dossiers`
  await sql`insert into audit_entries (trail_id, seq, at, client, action, status, key_id, hash, entry)
    select a.id, s, d.received_at, 'portal', 'read', 200, 'k1', sha256((a.name || s)::bytea), '{"role": "portal", "method": "GET", "route": "/v1/dossiers/:code", "requestId": "req-1"}'
    from audit_trails a join dossiers d on d.code = a.name, generate_series(1, 6) s`
  await sql`insert into idempotency_keys select 'portal', sha256(('k' || id)::bytea), id, fingerprint, received_at from dossiers`
  await sql`insert into source_refs select 'dvc', 'DVC-' || id, id, fingerprint, received_at from dossiers`
  await sql`insert into content_fingerprints select sha256(('c' || id)::bytea), id, 'dvc', received_at from dossiers`
  await sql`insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at, queued_at, confirmed_at)
    select 'dossier', s, id, s, code || '|' || s, received_at, received_at, received_at from dossiers, (values ('tp'), ('ca')) v (s)`
  await sql`vacuum analyze`
  const before = await size()
  console.log(`${N} dossiers inserted in ${secs(t0)} s; record ${(before / N).toFixed(0)} B per dossier`)

  const { privateKey } = generateKeyPairSync('ed25519')
  const policy: RetentionPolicy = { configured: true, defaultYears: 10, sectors: [], procedures: new Map() }
  const service = new RetentionService({ sql, policy, signingKey: privateKey })
  t0 = performance.now()
  const report = await service.report(new Date())
  console.log(`dry run: ${report.due} due, ${secs(t0)} s`)

  const phases = new RetentionService({ sql, policy, signingKey: privateKey })
  const lsn = await wal()
  t0 = performance.now()
  const run = await phases.start(out, new Date())
  if (run === undefined) throw new Error('nothing due')
  const tStart = secs(t0)
  let t1 = performance.now()
  const manifest = await phases.archive(run)
  const tArchive = secs(t1)
  t1 = performance.now()
  const done = await phases.deleteRun(run)
  const tDelete = secs(t1)
  const total = (performance.now() - t0) / 1000
  const walBytes = await walSince(lsn)
  console.log(`apply: ${done.deleted} deleted in ${total.toFixed(1)} s (${(done.deleted / total).toFixed(0)} dossiers/s): select ${tStart} s, archive ${tArchive} s, delete ${tDelete} s`)
  console.log(`  archive ${(manifest.archive.bytes / done.deleted).toFixed(0)} B per dossier (gzip); WAL ${(walBytes / done.deleted).toFixed(0)} B per deleted dossier`)
  const after = await size()
  await sql`vacuum analyze`
  const vacuumed = await size()
  console.log(`record: ${(before / 1e6).toFixed(0)} MB before, ${(after / 1e6).toFixed(0)} MB after the deletes, ${(vacuumed / 1e6).toFixed(0)} MB after VACUUM (free space is reused by new rows; VACUUM FULL would return it)`)
} finally {
  rmSync(out, { recursive: true, force: true })
  await sql.end()
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.end()
}
