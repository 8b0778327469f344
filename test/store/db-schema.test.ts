/**
 * The record's schema (src/store/migrations) holds the hub's rules by itself, on the real
 * PostgreSQL in a database of its own: receive once (a second insert of the same idempotency key,
 * source reference, agency event id, supplement id or outbox key fails, also under 50 concurrent
 * copies), dossier codes unique and their day counters, the cross-channel window, the checks on
 * statuses and clients, and that a dossier's rows go with it. Checks of the schema, not of stores
 * (those come with the next steps of issue 13).
 */
import t from 'tap'
import type { Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { createTestDatabase } from '../db-helper.ts'

const UNIQUE = { code: '23505' }
const CHECK = { code: '23514' }
const hash = (n: number): Buffer => Buffer.alloc(32, n)

async function newDossier (sql: Sql, code: string): Promise<string> {
  const [row] = await sql<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
      return_method, source_system, received_at, due_at, due_index_at, fingerprint, updated_at, doc)
    values (${code}, 2, '1.001193.000.00.00.H56', '000.00.06.H56', 2, 'commune', 'online', 'portal', now(), now() + interval '3 days',
      now() + interval '3 days', ${hash(1)}, now(), ${JSON.stringify({ applicant: { name: 'Nguyễn Văn A' } })}::json) returning id`
  return row?.id as string
}

t.test('receive once: the schema\'s keys refuse a second copy', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const a = await newDossier(sql, '000.00.06.H56-261202-0001')
  const b = await newDossier(sql, '000.00.06.H56-261202-0002')
  await t.rejects(newDossier(sql, '000.00.06.H56-261202-0001'), UNIQUE, 'a dossier code is given once')

  const key = (client: string, dossier: string) => sql`insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at)
    values (${client}, ${hash(7)}, ${dossier}, ${hash(1)}, now())`
  await key('portal', a)
  await t.rejects(key('portal', b), UNIQUE, 'the same Idempotency-Key of the same client')
  await t.resolves(key('desk-1', b), 'the same key chosen by another client is its own')

  const source = (system: string, reference: string, dossier: string) => sql`insert into source_refs (system, reference, dossier_id, fingerprint, created_at)
    values (${system}, ${reference}, ${dossier}, ${hash(1)}, now())`
  await source('dvcqg', 'G22.99-261202-000123', a)
  await t.rejects(source('dvcqg', 'G22.99-261202-000123', b), UNIQUE, 'the same source reference of the same system')
  await t.resolves(source('tnmt-software', 'G22.99-261202-000123', b), 'another system\'s reference that reads the same')
  await t.resolves(source('tnmt-software', 'HS-5531', a), 'one dossier known under a second system\'s reference')

  const entry = (dossier: string, seq: number, eventId: string | null) => sql`insert into dossier_history (dossier_id, seq, at, type, event_id, entry)
    values (${dossier}, ${seq}, now(), 'agency-report', ${eventId}, ${sql.json({ applied: true })})`
  await entry(a, 1, 'evt-1')
  await t.rejects(entry(a, 2, 'evt-1'), UNIQUE, 'an agency report\'s event id, once per dossier')
  await t.resolves(entry(b, 1, 'evt-1'), 'the same event id on another dossier')
  await t.resolves(entry(a, 2, null), 'entries without an event id')
  await t.resolves(entry(a, 3, null), 'any number of them')

  const supplement = (dossier: string, seq: number) => sql`insert into supplements (dossier_id, seq, supplement_id, submitted_at, attachments)
    values (${dossier}, ${seq}, 'bs-1', now(), ${sql.json([])})`
  await supplement(a, 1)
  await t.rejects(supplement(a, 2), UNIQUE, 'a supplement id, once per dossier')

  const message = (dossier: string) => sql`insert into outbox (kind, destination, dossier_id, step, idempotency_key)
    values ('dossier', 'agency.tnmt', ${dossier}, 'tnmt', '000.00.06.H56-261202-0001|tnmt')`
  await message(a)
  await t.rejects(message(a), UNIQUE, 'an outbox message\'s idempotency key')
})

t.test('50 concurrent copies of one submission: exactly one keeps the key', async (t) => {
  const { sql } = await createTestDatabase(t, { max: 10 })
  await migrate(sql)
  const ids = await Promise.all(Array.from({ length: 50 }, async (_, i) => await newDossier(sql, `000.00.06.H56-261202-${String(i + 1).padStart(4, '0')}`)))
  const results = await Promise.allSettled(ids.map(async (id) => await sql`insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at)
    values ('portal', ${hash(9)}, ${id}, ${hash(1)}, now())`))
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
  t.ok(results.every((r) => r.status === 'fulfilled' || (r.reason as { code?: string }).code === '23505'), 'the others fail on the key')
})

t.test('day counters: each agency\'s day numbers from 1, no number twice under concurrency', async (t) => {
  const { sql } = await createTestDatabase(t, { max: 10 })
  await migrate(sql)
  // the statement the comment on code_counters gives
  const next = async (agency: string, day: string): Promise<number> => {
    const [row] = await sql<Array<{ last: number }>>`insert into code_counters (agency, day, last) values (${agency}, ${day}, 1)
      on conflict (agency, day) do update set last = code_counters.last + 1 returning last`
    return row?.last as number
  }
  const numbers = await Promise.all(Array.from({ length: 50 }, async () => await next('000.00.06.H56', '2026-12-02')))
  t.same([...numbers].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1))
  t.equal(await next('000.00.06.H56', '2026-12-03'), 1, 'a new day starts again at 1')
  t.equal(await next('000.00.00.H41', '2026-12-02'), 1, 'another agency has its own numbers')
})

t.test('day numbers from sequences (hub_code_number, 0018): from 1, none twice under 50 concurrent intakes, no lock held to commit, retired with their last number', async (t) => {
  const { sql } = await createTestDatabase(t, { max: 10 })
  await migrate(sql)
  const next = async (agency: string, day: string, keep = 30): Promise<number> => {
    const [row] = await sql<Array<{ n: string }>>`select hub_code_number(${agency}, ${day}::date, ${keep}) as n`
    return Number(row?.n)
  }
  // the first intakes of a day race to make its sequence: one makes it, the others use it
  const numbers = await Promise.all(Array.from({ length: 50 }, async () => await next('000.00.06.H56', '2026-12-02')))
  t.same([...numbers].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1))
  t.equal(await next('000.00.06.H56', '2026-12-03'), 1, 'a new day starts again at 1')
  t.equal(await next('000.00.00.H41', '2026-12-02'), 1, 'another agency has its own numbers')

  // a number taken inside an open transaction does not hold up the next one (the old counter's row lock did)
  const held = await sql.reserve()
  t.teardown(() => { held.release() })
  await held`begin`
  const [inside] = await held<Array<{ n: string }>>`select hub_code_number('000.00.06.H56', '2026-12-02'::date, 30) as n`
  const after = await Promise.race([next('000.00.06.H56', '2026-12-02'), new Promise<'waited'>((resolve) => { setTimeout(() => { resolve('waited') }, 5_000) })])
  t.equal(Number(inside?.n), 51)
  t.equal(after, 52, 'the next intake got its number while the first was still open')
  await held`rollback`
  t.equal(await next('000.00.06.H56', '2026-12-02'), 53, 'a rolled-back intake leaves a gap, never a number given twice')

  // a day numbered by the counter before 0018 goes on from its last number
  await sql`insert into code_counters (agency, day, last) values ('000.00.00.G22', '2026-12-02', 17)`
  t.equal(await next('000.00.00.G22', '2026-12-02'), 18)

  // the first intake of a later day retires the agency's sequences of days older than it keeps
  const sequences = async (): Promise<number> => Number((await sql<Array<{ n: string }>>`select count(*) as n from pg_class where relkind = 'S' and relname like 'code_%'`)[0]?.n)
  const before = await sequences()
  t.equal(await next('000.00.06.H56', '2027-01-10', 30), 1)
  t.equal(await sequences(), before - 1, 'the agency\'s sequences of 2026-12-02 and -03 (more than 30 days before) were dropped, the new day\'s made; other agencies\' are left')
  const rows = await sql<Array<{ day: string, last: number, by_sequence: boolean }>>`select to_char(day, 'YYYY-MM-DD') as day, last, by_sequence from code_counters where agency = '000.00.06.H56' order by day`
  t.same(rows, [
    { day: '2026-12-02', last: 53, by_sequence: false },
    { day: '2026-12-03', last: 1, by_sequence: false },
    { day: '2027-01-10', last: 0, by_sequence: true }
  ], 'retired days keep their last number in code_counters')
  t.equal(await next('000.00.06.H56', '2026-12-02', 400), 54, 'a retired day named again goes on after its last number')
})

t.test('cross-channel window: a fingerprint finds its dossier within the window, and is taken over after it', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const a = await newDossier(sql, '000.00.06.H56-261202-0001')
  const b = await newDossier(sql, '000.00.06.H56-261202-0002')
  // the upsert the comment on content_fingerprints gives, with a 1-hour window
  const claim = async (dossier: string, at: string) => await sql`insert into content_fingerprints (fingerprint, dossier_id, system, seen_at)
    values (${hash(5)}, ${dossier}, 'portal', ${at}::timestamptz)
    on conflict (fingerprint) do update set dossier_id = excluded.dossier_id, system = excluded.system, seen_at = excluded.seen_at
      where content_fingerprints.seen_at <= excluded.seen_at - interval '1 hour'
    returning dossier_id`
  t.equal((await claim(a, '2026-12-02T08:00:00+07:00')).length, 1, 'first: claimed')
  t.equal((await claim(b, '2026-12-02T08:30:00+07:00')).length, 0, 'within the window: the first dossier keeps it')
  t.equal((await claim(b, '2026-12-02T09:30:00+07:00')).length, 1, 'after the window: taken over')
})

t.test('checks: national status codes, agency clients name their agency, step states', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const a = await newDossier(sql, '000.00.06.H56-261202-0001')
  await t.rejects(sql`update dossiers set status = 11 where id = ${a}`, CHECK, 'status 11 is no national status')
  await t.rejects(sql`insert into clients (id, name, role, secret_hash, created_at, updated_at)
    values ('tnmt', 'TNMT', 'agency', ${hash(2)}, now(), now())`, CHECK, 'an agency client without its agency')
  await t.rejects(sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, detail)
    values (${a}, 'tnmt', 0, 'tnmt', 0, 'lost', '{}'::json)`, CHECK, 'an unknown step state')
})

t.test('a dossier\'s rows go with it; the overdue sweeper\'s index holds only running clocks', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const a = await newDossier(sql, '000.00.06.H56-261202-0001')
  await sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, detail) values (${a}, 'tnmt', 0, 'tnmt', 0, 'pending', '{}'::json)`
  await sql`insert into dossier_history (dossier_id, seq, at, type, status_to, entry) values (${a}, 1, now(), 'received', 2, '{}'::json)`
  await sql`insert into notifications (dossier_id, seq, at, body) values (${a}, 1, now(), ${JSON.stringify({ event: 'received' })}::json)`
  await sql`insert into notify_pending (dossier_id, since) values (${a}, now())`
  await sql`insert into dossier_events (dossier_id, event_id, answer) values (${a}, 'ev-1', '{}')`
  await sql`insert into webhook_cursors (dossier_id, subscriber, delivered) values (${a}, 'portal', 1)`
  await sql`delete from dossiers where id = ${a}`
  for (const table of ['dossier_steps', 'dossier_history', 'notifications', 'notify_pending', 'dossier_events', 'webhook_cursors']) {
    t.same(await sql`select count(*)::int as n from ${sql(table)}`, [{ n: 0 }], `${table} emptied with the dossier`)
  }
  await newDossier(sql, '000.00.06.H56-261202-0002')
  const paused = await newDossier(sql, '000.00.06.H56-261202-0003')
  // the lifecycle stops the sweeper's clock of a paused dossier (DossierStore.applyChange dueIndex)
  await sql`update dossiers set status = 5, paused_since = now(), due_index_at = null where id = ${paused}`
  await sql`analyze dossiers`
  // three rows: a sequential scan would be cheaper; ask for the index as a large table would get it
  const plan = await sql.begin(async (tx) => {
    await tx`set local enable_seqscan = off`
    return await tx<Array<{ 'QUERY PLAN': string }>>`explain select code from dossiers
      where due_index_at is not null and due_index_at <= now() + interval '5 days' order by due_index_at`
  })
  t.match(plan.map((r) => r['QUERY PLAN']).join('\n'), /dossiers_due_index/, 'the sweeper\'s query uses the partial index')
  const [size] = await sql<Array<{ n: number }>>`select count(*)::int as n from dossiers where due_index_at is not null`
  t.equal(size?.n, 1, 'the index holds the running clock only')
  const due = await sql`select code from dossiers where due_index_at is not null and due_index_at <= now() + interval '5 days'`
  t.same(due.map((r) => r.code), ['000.00.06.H56-261202-0002'], 'the paused dossier is not due')
})

t.test('the record\'s functions are PL/pgSQL (planned once per connection), and the receive-once helpers answer as before', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  // An SQL-language function PostgreSQL cannot inline (a subquery, a FROM) is parsed and planned
  // again by every statement that calls it: the repeat's lookup paid that twice per request
  // (migration 0024). None is left in the record's schema.
  const sqlFunctions = await sql<Array<{ name: string }>>`select p.proname as name from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
    where n.nspname = current_schema() and l.lanname = 'sql' order by 1`
  t.same(sqlFunctions.map((f) => f.name), [], 'no SQL-language function')
  const helpers = await sql<Array<{ name: string, language: string }>>`select p.proname as name, l.lanname as language from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace join pg_language l on l.oid = p.prolang
    where n.nspname = current_schema() and p.proname in ('hub_known', 'hub_answer', 'hub_code_sequence') order by 1`
  t.same(helpers, [{ name: 'hub_answer', language: 'plpgsql' }, { name: 'hub_code_sequence', language: 'plpgsql' }, { name: 'hub_known', language: 'plpgsql' }])
  // The indicators' refresh is compiled by no JIT: its plan's estimate passes jit_above_cost, and
  // compiling took about a third of a refresh of 1 000 dossiers (migration 0025)
  const [refresh] = await sql<Array<{ config: string[] | null }>>`select p.proconfig as config from pg_proc p
    join pg_namespace n on n.oid = p.pronamespace where n.nspname = current_schema() and p.proname = 'indicator_refresh'`
  t.same(refresh?.config, ['jit=off'], 'indicator_refresh runs with jit off')

  const id = await newDossier(sql, '000.00.06.H56-261202-0009')
  await sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, detail)
    values (${id}, 'civil-status', 0, 'justice', 1, 'pending', 0, ${sql.json({ agency: 'justice', state: 'pending' })})`
  const [known] = await sql<Array<{ any: boolean, justice: boolean, evn: boolean, none: boolean }>>`select hub_known(${id}, null) as any,
    hub_known(${id}, 'justice') as justice, hub_known(${id}, 'evn') as evn, hub_known(${id} + 1000, null) as none`
  t.same(known, { any: true, justice: true, evn: false, none: false }, 'known: to anyone, to the agency on its route, not to another, not when absent')
  const [answers] = await sql<Array<{ same: { outcome: string, code: string, steps: unknown[] }, other: { outcome: string, code: string }, unkeyed: { outcome: string }, none: unknown }>>`select
    hub_answer(${id}, ${hash(1)}, ${hash(1)}) as same, hub_answer(${id}, ${hash(1)}, ${hash(2)}) as other,
    hub_answer(${id}, null, ${hash(2)}) as unkeyed, hub_answer(${id} + 1000, null, ${hash(1)}) as none`
  t.match(answers?.same, { outcome: 'duplicate', code: '000.00.06.H56-261202-0009', steps: [['civil-status', { agency: 'justice' }]] }, 'the same fingerprint: the dossier')
  t.same(answers?.other, { outcome: 'conflict', code: '000.00.06.H56-261202-0009' }, 'another fingerprint: a conflict')
  t.equal(answers?.unkeyed.outcome, 'duplicate', 'nothing expected: the dossier')
  t.equal(answers?.none, null, 'no such dossier: null')
  const [name] = await sql<Array<{ name: string }>>`select hub_code_sequence('000.00.06.H56', '2026-12-05') as name`
  t.match(name?.name, /^code_20261205_[0-9a-f]{16}$/, 'the sequence of an agency\'s day')
})

t.test('a dossier\'s document is compressed with lz4 (0027); a document stored before keeps its method', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const [column] = await sql<Array<{ c: string }>>`select attcompression as c from pg_attribute where attrelid = 'dossiers'::regclass and attname = 'doc'`
  t.equal(column?.c, 'l', 'the column asks for lz4')
  const big = JSON.stringify({ applicant: { name: 'Nguyễn Văn A' }, data: Array.from({ length: 200 }, (_, i) => ({ field: `giá trị ${i}` })) })
  const [row] = await sql<Array<{ code: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
      return_method, source_system, received_at, due_at, fingerprint, updated_at, doc)
    values ('000.00.06.H56-261202-0009', 2, '1.001193.000.00.00.H56', '000.00.06.H56', 2, 'commune', 'online', 'portal', now(),
      now() + interval '3 days', ${hash(1)}, now(), ${big}::text::json) returning code`
  const [stored] = await sql<Array<{ method: string | null, doc: string }>>`select pg_column_compression(doc) as method, doc::text as doc from dossiers where code = ${row?.code ?? ''}`
  t.equal(stored?.method, 'lz4', 'a large document is stored compressed with lz4')
  t.equal(stored?.doc, big, 'and reads back as written')
  await sql`alter table dossiers alter column doc set compression pglz`
  await newDossier(sql, '000.00.06.H56-261202-0010')
  await sql`update dossiers set doc = ${big}::text::json where code = '000.00.06.H56-261202-0010'`
  await sql`alter table dossiers alter column doc set compression lz4`
  const methods = await sql<Array<{ method: string | null }>>`select pg_column_compression(doc) as method from dossiers order by code`
  t.same(methods.map((m) => m.method), ['lz4', 'pglz'], 'a value keeps the method it was written with')
})
