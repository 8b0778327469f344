/**
 * PostgreSQL bytes per dossier of the record's schema (src/store/migrations), against the raw JSON
 * of the submissions: `npx tsx bench/record-bytes.ts [dossiers]` (default 5000).
 *
 * In a scratch database on TEST_DATABASE_ADMIN_URL's server (dropped afterwards), each of the
 * example submissions (schemas/examples) in turn becomes one dossier with what a dossier carries
 * through an ordinary life: two routing steps, five history entries (received, accepted,
 * processing, resolved, returned) each with its webhook notification, six audit entries (submit, four reads, one
 * report), its receive-once rows (idempotency key, source reference, content fingerprint), two
 * outbox messages and two agency events. Then: every table's size with its indexes and TOAST,
 * after VACUUM, divided by the number of dossiers. The row shapes are this script's guess at a whole
 * life; `npm run bench` measures the rows the hub really writes at intake and first delivery.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { migrate } from '../src/store/migrate.ts'
import { fromRoot } from '../src/paths.ts'

const N = Number(process.argv[2] ?? 5000)
const ADMIN = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = `hub_bytes_${randomBytes(4).toString('hex')}`
const quiet = { onnotice: () => {} }
const sha = (s: string): Buffer => createHash('sha256').update(s).digest()

const examples = readdirSync(fromRoot('schemas', 'examples')).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(fromRoot('schemas', 'examples', f), 'utf8')) as Record<string, unknown>)

const admin = postgres(ADMIN, { max: 1, ...quiet })
await admin.unsafe(`create database "${name}"`)
const url = new URL(ADMIN)
url.pathname = `/${name}`
const sql = postgres(url.toString(), { max: 4, ...quiet })
try {
  await migrate(sql)
  let raw = 0
  const t0 = Date.parse('2026-01-05T01:00:00Z')
  for (let i = 0; i < N; i++) {
    const doc: Record<string, unknown> = { ...examples[i % examples.length], source: { system: 'dvc', reference: `DVC-${i}` } }
    raw += Buffer.byteLength(JSON.stringify(doc))
    const at = new Date(t0 + i * 60_000)
    const code = `000.31.35.H56-${String(260105 + Math.floor(i / 9999)).padStart(6, '0')}-${String(i % 9999 + 1).padStart(4, '0')}`
    await sql.begin(async (tx) => {
      const [d] = await tx<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
          return_method, source_system, received_at, due_at, resolved_at, returned_at, timeliness, deadline_rule, fingerprint, updated_at, doc)
        values (${code}, 10, ${(doc.procedure as { code: string }).code}, '000.31.35.H56', 2, 'commune', 'online', 'dvc', ${at},
          ${new Date(at.getTime() + 3 * 86_400_000)}, ${new Date(at.getTime() + 2 * 86_400_000)}, ${new Date(at.getTime() + 2.5 * 86_400_000)},
          'early', ${tx.json({ days: 3, count: 'working' })}, ${sha(code)}, ${at}, ${tx.json(doc as postgres.JSONValue)}) returning id`
      const id = d?.id as string
      for (const [p, step] of ['tp', 'ca'].entries()) {
        await tx`insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, delivered_at, reported_at, detail)
          values (${id}, ${step}, ${p}, ${step}, ${p}, 'resolved', 1, ${at}, ${at}, ${tx.json({ lead: p === 0, agencyReference: `REF-${i}-${step}` })})`
      }
      const statuses = [2, 2, 4, 9, 10]
      for (let s = 0; s < 5; s++) {
        await tx`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, event_id, entry, notice_seq, notice)
          values (${id}, ${s + 1}, ${at}, ${s === 0 ? 'received' : s === 4 ? 'returned' : 'agency-report'}, ${s === 0 ? null : statuses[s - 1] as number},
            ${statuses[s] as number}, ${s > 0 && s < 4 ? `evt-${i}-${s}` : null},
            ${tx.json({ actor: { kind: s === 0 ? 'hub' : 'agency', id: 'tp' }, applied: true, ...(s > 0 && s < 4 && { step: 'tp', report: { status: 'processing', note: 'Đã tiếp nhận' } }) })},
            ${s + 1}, ${tx.json({ event: s === 0 ? 'received' : 'status-changed' })})`
      }
      const [trail] = await tx<Array<{ id: string }>>`insert into audit_trails (name, head_seq, head_hash, head_mac) values (${code}, 6, ${sha(`${code}6`)}, ${sha(`mac${code}`)}) returning id`
      const actions = ['submit', 'read', 'read', 'read-history', 'report', 'read']
      for (const [s, action] of actions.entries()) {
        await tx`insert into audit_entries (trail_id, seq, at, client, action, status, key_id, hash, entry)
          values (${trail?.id as string}, ${s + 1}, ${at}, 'portal', ${action}, 200, 'k1', ${sha(`${code}${s}`)},
            ${tx.json({ role: 'portal', method: 'GET', route: '/v1/dossiers/:code', requestId: `req-${i}-${s}` })})`
      }
      await tx`insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('portal', ${sha(`k${i}`)}, ${id}, ${sha(code)}, ${at})`
      await tx`insert into source_refs (system, reference, dossier_id, fingerprint, created_at) values ('dvc', ${`DVC-${i}`}, ${id}, ${sha(code)}, ${at})`
      await tx`insert into content_fingerprints (fingerprint, dossier_id, system, seen_at) values (${sha(`c${i}`)}, ${id}, 'dvc', ${at})`
      for (const step of ['tp', 'ca']) {
        await tx`insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at, queued_at, confirmed_at)
          values ('dossier', ${`agency.${step}`}, ${id}, ${step}, ${`${code}/${step}`}, ${at}, ${at}, ${at})`
      }
    })
  }
  await sql`vacuum analyze`
  const rows = await sql<Array<{ table: string, total: string, indexes: string }>>`select c.relname as table,
      pg_total_relation_size(c.oid) as total, pg_indexes_size(c.oid) as indexes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and c.relname <> 'schema_migrations' order by 2 desc`
  const total = rows.reduce((s, r) => s + Number(r.total), 0)
  console.log(`${N} dossiers; raw JSON ${(raw / N).toFixed(0)} B per dossier`)
  for (const r of rows) if (Number(r.total) > 16_384) console.log(`  ${r.table.padEnd(22)} ${(Number(r.total) / N).toFixed(0).padStart(6)} B per dossier (indexes ${(Number(r.indexes) / N).toFixed(0)})`)
  console.log(`total ${(total / N).toFixed(0)} B per dossier = ${(total / raw).toFixed(2)} × the raw JSON`)
} finally {
  await sql.end()
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.end()
}
