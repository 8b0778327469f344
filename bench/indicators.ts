/**
 * How long the Decision 766 indicators take on a year of generated dossiers:
 * `npx tsx bench/indicators.ts [dossiers]` (default 1 000 000; the target: a year of one
 * million answers within 2 s).
 *
 * In a scratch database on TEST_DATABASE_ADMIN_URL's server (dropped afterwards): N dossiers
 * received through 2026 in receipt order, each with the example submissions' documents (so the
 * fee lines and attachments the indicators read are as large as real ones), 20 communes and the
 * province's desk, the 8 procedures, one routing step at one of 6 agencies (with a due date, and a
 * result file for half of the resolved), and the history an ordinary life writes: received,
 * processing, one dossier in 7 asked for papers (one in 70 twice) and supplied, resolved — one in
 * 50 still open at the year's end — written with the triggers off, then the indicators' facts
 * (migration 0012) built in one indicator_refresh over all, as the migration does for an existing
 * record, and the handling times (2.2, migration 0015) counted in each dossier's unit (one in four
 * procedures' deadlines in calendar days, the others in working days, with config/holidays.json)
 * as the flush does; one dossier in three of a procedure with a paper result, half of the resolved
 * ones with an electronic result (a result document). Then GET /v1/reports/indicators' statement
 * (store/indicator-queries.ts) for the whole year and for one month, three times each (the best
 * and the median are printed), after VACUUM ANALYZE; BENCH_PLAN=1 prints the year's plan,
 * BENCH_KEEP=1 keeps the database.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { migrate } from '../src/store/migrate.ts'
import { fromRoot } from '../src/paths.ts'
import { IndicatorQueries } from '../src/store/indicator-queries.ts'
import { fillHandlingTimes } from '../src/store/indicator-handling.ts'
import { WorkingCalendar, type HolidayTable } from '../src/domain/calendar.ts'

const N = Number(process.argv[2] ?? 1_000_000)
const ADMIN = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const name = `hub_indicators_${randomBytes(4).toString('hex')}`
const quiet = { onnotice: () => {} }
const docs = readdirSync(fromRoot('schemas', 'examples')).filter((f) => f.endsWith('.json'))
  .map((f) => readFileSync(fromRoot('schemas', 'examples', f), 'utf8'))
const procedures = docs.map((d) => (JSON.parse(d) as { procedure: { code: string } }).procedure.code)

const admin = postgres(ADMIN, { max: 1, ...quiet })
await admin.unsafe(`create database "${name}"`)
const url = new URL(ADMIN)
url.pathname = `/${name}`
const sql = postgres(url.toString(), { max: 4, ...quiet })
const secs = (t0: number): string => ((performance.now() - t0) / 1000).toFixed(2)
try {
  await migrate(sql)
  let t0 = performance.now()
  // the record's rows in three statements, its triggers off (session_replication_role); the
  // indicators' facts (migration 0012) then rebuilt in one statement, as the migration does
  const gen = await sql.reserve()
  await gen`set session_replication_role = replica`
  await gen`create temporary table docs (i int, doc json, procedure text)`
  for (const [i, doc] of docs.entries()) await gen`insert into docs values (${i}, (${doc}::text)::json, ${procedures[i] as string})`
  // g: receipt order through 2026 (Vietnam time); the life of each, from g
  await gen`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level, return_method, source_system,
      received_at, due_at, resolved_at, timeliness, deadline_rule, fingerprint, updated_at, doc, facts)
    select 'B-' || lpad(g::text, 10, '0'), case when g % 50 = 0 then 4 else 9 end, d.procedure,
      case when g % 21 = 0 then '000.00.06.H56' else '000.31.' || lpad((10 + g % 21)::text, 2, '0') || '.H56' end,
      1 + g % 3, case when g % 21 = 0 then 'province' else 'commune' end, 'counter', 'bench',
      r, r + interval '5 days' + case when g % 7 = 0 then interval '1 day' else interval '0' end,
      case when g % 50 <> 0 then r + (g % 8) * interval '1 day' + interval '2 hours' end,
      case when g % 50 <> 0 then case when g % 8 < 5 then 'early' else 'overdue' end end,
      case when g % 4 = 0 then '{"days": 10, "count": "calendar"}' else '{"days": 5, "count": "working"}' end::json,
      sha256(g::text::bytea), r, d.doc
      , json_build_object('paperResult', g % 3 = 0)
    from generate_series(1, ${N}) g
      cross join lateral (select timestamptz '2026-01-01 07:00:00+07' + (g::float8 / ${N}) * interval '364 days' as r) t
      join docs d on d.i = g % ${docs.length}
    order by g`
  await gen`insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, delivered_at, reported_at, due_at, detail)
    select id, 'main', 0, (array['justice', 'land-office', 'tax', 'evn', 'police-residence', 'social-insurance'])[1 + id % 6], 0,
      case when resolved_at is null then 'processing' else 'resolved' end, 1, received_at, coalesce(resolved_at, received_at), received_at + interval '3 days',
      json_build_object('agency', (array['justice', 'land-office', 'tax', 'evn', 'police-residence', 'social-insurance'])[1 + id % 6],
        'state', case when resolved_at is null then 'processing' else 'resolved' end, 'dueAt', received_at + interval '3 days',
        'reportedAt', coalesce(resolved_at, received_at),
        'results', case when resolved_at is not null and id % 2 = 0 then json_build_array(json_build_object('name', 'KQ', 'componentCode', 'KQ1', 'url', 'https://x.example/kq.pdf', 'sha256', repeat('a', 64))) else '[]'::json end)
    from dossiers`
  await gen`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, due_at_to, entry)
    select id, 1, received_at, 'received', null, 2, received_at + interval '5 days', '{"actor": {"kind": "portal", "id": "dvc"}}'::json from dossiers
    union all
    select id, 2, received_at + interval '1 hour', 'agency-report', 2, 4, null, '{"step": "main", "applied": true, "report": {"status": "processing"}}' from dossiers
    union all
    select id, 3, received_at + interval '1 day', 'agency-report', 4, 5, null, '{"step": "main", "applied": true, "report": {"status": "supplement-requested"}}' from dossiers where id % 7 = 0
    union all
    select id, 4, received_at + interval '2 days', 'supplement-provided', 5, 4, due_at, '{"supplementId": "S1"}' from dossiers where id % 7 = 0
    union all
    select id, 5, received_at + interval '2 days 1 hour', 'agency-report', 4, 5, null, '{"step": "main", "applied": true, "report": {"status": "supplement-requested"}}' from dossiers where id % 70 = 0
    union all
    select id, 6, received_at + interval '2 days 2 hours', 'supplement-provided', 5, 4, due_at, '{"supplementId": "S2"}' from dossiers where id % 70 = 0
    union all
    select id, 7, resolved_at, 'agency-report', 4, 9, null, '{"step": "main", "applied": true, "report": {"status": "resolved"}}' from dossiers where resolved_at is not null
    order by 1, 2`
  // an electronic result (a result document in the document store) for half of the resolved
  await gen`insert into documents (id, holder, kind, name, issuer, origin, issued_at, file_name, url, sha256, dossier_code, step, registered_by)
    select 'D-' || id, '038200000001', 'KQ1', 'KQ', 'justice', 'result', resolved_at, 'kq.pdf', 'https://x.example/kq.pdf', repeat('a', 64), code, 'main', 'bench'
    from dossiers where resolved_at is not null and id % 2 = 0`
  await gen`set session_replication_role = origin`
  gen.release()
  console.log(`record of ${N} dossiers written in ${secs(t0)} s`)
  t0 = performance.now()
  await sql`analyze`
  await sql`select indicator_refresh(array(select id from dossiers))`
  console.log(`indicator facts built in ${secs(t0)} s`)
  t0 = performance.now()
  const calendar = new WorkingCalendar(JSON.parse(readFileSync(fromRoot('config', 'holidays.json'), 'utf8')) as HolidayTable)
  const filled = await fillHandlingTimes(sql, calendar, 20_000)
  console.log(`handling times of ${filled} resolved dossiers and steps counted in their unit in ${secs(t0)} s`)
  t0 = performance.now()
  await sql`vacuum analyze`
  const [{ mb } = { mb: '?' }] = await sql<Array<{ mb: string }>>`select (pg_database_size(current_database()) / 1e6)::int::text as mb`
  console.log(`vacuum analyze ${secs(t0)} s; database ${mb} MB`)

  const q = new IndicatorQueries(sql)
  const now = new Date('2027-01-15T09:00:00+07:00')
  for (const [label, from, to] of [['year 2026', '2026-01-01', '2026-12-31'], ['June 2026', '2026-06-01', '2026-06-30']] as const) {
    const times: number[] = []
    let units = 0
    for (let i = 0; i < 3; i++) {
      t0 = performance.now()
      const rows = await q.counts({ from, to, now })
      times.push(performance.now() - t0)
      units = rows.length
    }
    times.sort((a, b) => a - b)
    console.log(`${label}: best ${(times[0] as number).toFixed(0)} ms, median ${(times[1] as number).toFixed(0)} ms (${units} units: province, communes, agencies, procedures)`)
  }
  if (process.env.BENCH_PLAN === '1') {
    const plan = await sql`explain (analyze, buffers) ${q.statement({ from: '2026-01-01', to: '2026-12-31', now })}`
    console.log(plan.map((r) => Object.values(r)[0]).join('\n'))
  }
} finally {
  await sql.end()
  if (process.env.BENCH_KEEP === '1') console.log(`kept: ${name}`)
  else await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.end()
}
