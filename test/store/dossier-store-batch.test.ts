/**
 * The dossier reads and step compare-and-sets of one turn share one statement (a delivery worker
 * reads and records dozens at once): each caller gets what it would have got alone, and one bad
 * call does not take the others with it. On the real PostgreSQL, counting the statements sent.
 */
import t, { type Test } from 'tap'
import postgres, { type Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { DossierStore } from '../../src/store/dossier-store.ts'
import { createTestDatabase } from '../db-helper.ts'

const hash = Buffer.alloc(32, 1)

async function dossierWithSteps (sql: Sql, code: string, steps: string[]): Promise<void> {
  const [row] = await sql<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
      return_method, source_system, received_at, due_at, due_index_at, fingerprint, updated_at, doc, facts)
    values (${code}, 2, '1.001193.000.00.00.H56', '000.00.06.H56', 2, 'commune', 'online', 'portal', now(), now() + interval '3 days',
      now() + interval '3 days', ${hash}, now(), ${JSON.stringify({ applicant: { fullName: `Người nộp ${code}` } })}::text::json, ${JSON.stringify({ channel: 'online' })}::text::json) returning id`
  let position = 0
  for (const step of steps) {
    await sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, detail)
      values (${row?.id as string}, ${step}, ${position++}, ${step}, 0, 'pending', 0, ${JSON.stringify({ agency: step, stage: 0, state: 'pending' })}::text::json)`
  }
}

async function counted (t: Test): Promise<{ store: DossierStore, sql: Sql, statements: () => number }> {
  const db = await createTestDatabase(t)
  await migrate(db.sql)
  let n = 0
  // one connection, opened (and its types fetched) before anything is counted
  const sql = postgres(db.url, { max: 1, onnotice: () => {}, debug: () => { n++ } })
  t.teardown(async () => { await sql.end({ timeout: 5 }) })
  await sql`select 1`
  return { store: new DossierStore(sql), sql: db.sql, statements: () => n }
}

const pending = JSON.stringify({ agency: 'a', stage: 0, state: 'pending' })
const delivered = (step: string) => ({ agency: step, stage: 0, state: 'delivered' as const, attempts: 1, deliveredAt: '2026-12-04T10:00:00+07:00' })

t.test('the reads of one turn: one statement, each its own dossier, an unknown code none', async (t) => {
  const { store, sql, statements } = await counted(t)
  const codes = Array.from({ length: 10 }, (_, i) => `000.00.06.H56-261204-${String(i + 1).padStart(4, '0')}`)
  for (const code of codes) await dossierWithSteps(sql, code, ['a', 'b'])
  const before = statements()
  const read = await Promise.all([...codes, 'NO-SUCH-CODE', codes[0] as string].map(async (c) => await store.getForUpdate(c)))
  t.equal(statements() - before, 1, 'one statement for twelve reads')
  codes.forEach((code, i) => {
    t.equal(read[i]?.dossier.code, code)
    t.equal(read[i]?.dossier.applicant?.fullName, `Người nộp ${code}`, 'its own document')
    t.same(Object.keys(read[i]?.routing ?? {}), ['a', 'b'])
  })
  t.equal(read[10], undefined, 'an unknown code: none')
  t.equal(read[11]?.dossier.code, codes[0], 'the same code twice: both answered')
  // alone in its turn: the statement it always had
  const alone = await store.getForUpdate(codes[3] as string)
  t.equal(alone?.dossier.code, codes[3])
})

t.test('the step writes of one turn: one statement, each its own answer; a bad one alone fails', async (t) => {
  const { store, sql, statements } = await counted(t)
  const codes = Array.from({ length: 6 }, (_, i) => `000.00.06.H56-261204-${String(i + 1).padStart(4, '0')}`)
  for (const code of codes) await dossierWithSteps(sql, code, ['a', 'b'])
  const raw = async (code: string, step: string): Promise<string> => (await store.stepState(code, step))?.raw as string
  const expected = new Map<string, string>()
  for (const code of codes) for (const step of ['a', 'b']) expected.set(`${code}/${step}`, await raw(code, step))
  const at = '2026-12-04T10:00:00+07:00'
  const versionBefore = (await store.getForUpdate(codes[2] as string))?.version
  const before = statements()
  const answers = await Promise.all([
    ...codes.flatMap((code) => ['a', 'b'].map(async (step) => await store.updateStep(code, step, expected.get(`${code}/${step}`) as string, delivered(step), at))),
    store.updateStep(codes[0] as string, 'a', pending, delivered('a'), at), // stale: the batch above changes it first or its text differs
    store.updateStep('NO-SUCH-CODE', 'a', pending, delivered('a'), at),
    store.updateStep(codes[1] as string, 'zzz', pending, delivered('zzz'), at)
  ])
  t.equal(statements() - before, 1, 'one statement for fifteen writes')
  t.same(answers.slice(0, 12), Array.from({ length: 12 }, () => 'updated'))
  t.same(answers.slice(12), ['stale', 'no-dossier', 'no-step'])
  for (const code of codes) {
    for (const step of ['a', 'b']) t.same(JSON.parse(await raw(code, step)), delivered(step), `${code}/${step} written as sent`)
    t.equal(await raw(code, 'a'), JSON.stringify(delivered('a')), 'stored as its text (the next compare-and-set compares text)')
  }
  t.equal(Number((await store.getForUpdate(codes[2] as string))?.version), Number(versionBefore) + 2, 'each write moved the version a change compares')

  // one call the record refuses (a state the schema's check does not allow): the others of its turn are written all the same
  const next = { ...delivered('a'), attempts: 2 }
  const mixed = await Promise.allSettled([
    store.updateStep(codes[4] as string, 'a', await raw(codes[4] as string, 'a'), next, at),
    store.updateStep(codes[5] as string, 'a', await raw(codes[5] as string, 'a'), { ...next, state: 'bogus' as 'delivered' }, at),
    store.updateStep(codes[3] as string, 'b', await raw(codes[3] as string, 'b'), next, at)
  ])
  t.same(mixed.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled'])
  t.same(mixed.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value), ['updated', 'updated'])
  t.equal(JSON.parse(await raw(codes[4] as string, 'a')).attempts, 2)
  t.equal(JSON.parse(await raw(codes[3] as string, 'b')).attempts, 2)
  t.equal(JSON.parse(await raw(codes[5] as string, 'a')).attempts, 1, 'the refused one changed nothing')
})

t.test('a delivery outcome moves the version a change compares without writing the dossier row; a change read before it is stale', async (t) => {
  const { store, sql } = await counted(t)
  const code = '000.00.06.H56-261204-0001'
  await dossierWithSteps(sql, code, ['a', 'b'])
  const at = '2026-12-04T10:00:00+07:00'
  const row = async (): Promise<{ ctid: string, version: number }> =>
    (await sql<Array<{ ctid: string, version: number }>>`select ctid::text as ctid, version from dossiers where code = ${code}`)[0] as { ctid: string, version: number }
  const read = await store.getForUpdate(code)
  if (read === undefined) throw new Error('not read')
  const stored = await row()

  const raw = (await store.stepState(code, 'a'))?.raw as string
  t.equal(await store.updateStep(code, 'a', raw, delivered('a'), at), 'updated')
  t.same(await row(), stored, 'the dossier row was not written again (same place, same version)')
  const again = await store.getForUpdate(code)
  t.equal(Number(again?.version), Number(read.version) + 1, 'the version read for a change moved with the step')

  // a change computed from the read before the outcome would write step b over a route it read
  // with a pending; it is stale, and the outcome stays
  const change = (expectedVersion: string) => ({
    code,
    expectedVersion,
    status: read.status,
    nextStatus: read.status,
    receivedAtMs: read.receivedAtMs,
    routing: { b: { agency: 'b', stage: 0, state: 'accepted' as const, attempts: 1 } },
    release: [],
    at,
    nowMs: Date.now()
  })
  t.same(await store.applyChange(change(read.version)), { outcome: 'stale' }, 'the change read before the outcome is refused')
  t.equal((await store.stepState(code, 'a'))?.state.state, 'delivered', 'the outcome is kept')
  t.equal((await store.stepState(code, 'b'))?.state.state, 'pending', 'and the stale change wrote nothing')
  t.equal((await store.applyChange(change(again?.version as string))).outcome, 'ok', 'read again, it applies')
  t.equal((await store.stepState(code, 'b'))?.state.state, 'accepted')
  t.equal((await row()).version, stored.version + 1, 'the change moved the dossier\'s own version')
  t.same(await store.applyChange(change(again?.version as string)), { outcome: 'stale' }, 'and the same read again is stale')
})

t.test('a change registers the results it carries in its own statement, only when it applies, each once', async (t) => {
  const { store, sql, statements } = await counted(t)
  const code = '000.00.06.H56-261204-0001'
  await dossierWithSteps(sql, code, ['a'])
  const at = '2026-12-04T10:00:00+07:00'
  const read = await store.getForUpdate(code)
  if (read === undefined) throw new Error('not read')
  const result = (id: string) => ({
    id,
    holder: '001090000001',
    kind: 'KQ01',
    name: 'Giấy khai sinh',
    issuer: 'a',
    origin: 'result' as const,
    issuedAt: at,
    fileName: 'kq01.pdf',
    mediaType: 'application/pdf',
    byteSize: 1234,
    url: 'https://a.example/kq01.pdf',
    sha256: 'ab'.repeat(32),
    dossier: code,
    step: 'a',
    registeredBy: 'a'
  })
  const change = (expectedVersion: string, id: string) => ({
    code,
    expectedVersion,
    status: read.status,
    nextStatus: read.status,
    receivedAtMs: read.receivedAtMs,
    routing: { a: { agency: 'a', stage: 0, state: 'resolved' as const, attempts: 1 } },
    release: [],
    at,
    nowMs: Date.now(),
    results: { agency: 'a', documents: [result(id)] }
  })
  const documents = async (): Promise<Array<{ id: string, byte_size: string, issued_at: Date }>> => await sql`select id, byte_size, issued_at from documents where dossier_code = ${code}`
  const logged = async (): Promise<Array<{ client: string, document_ids: string[], purpose: string }>> =>
    await sql`select client, document_ids, purpose from document_access where action = 'register'`

  t.same(await store.applyChange(change(String(Number(read.version) + 5), 'DOC-STALE')), { outcome: 'stale' })
  t.same(await documents(), [], 'a stale change registers nothing')
  t.same(await logged(), [])

  const before = statements()
  t.equal((await store.applyChange(change(read.version, 'DOC-1'))).outcome, 'ok')
  t.equal(statements() - before, 1, 'the change and its results: one statement')
  const stored = await documents()
  t.same(stored.map((d) => [d.id, Number(d.byte_size), d.issued_at.toISOString()]), [['DOC-1', 1234, '2026-12-04T03:00:00.000Z']])
  t.same(await logged(), [{ client: 'a', document_ids: ['DOC-1'], purpose: code }], 'its register entry on the access log')

  // the same result again (a later change carrying it): kept as it is, logged once
  const again = await store.getForUpdate(code)
  t.equal((await store.applyChange(change(again?.version as string, 'DOC-2'))).outcome, 'ok')
  t.same((await documents()).map((d) => d.id), ['DOC-1'], 'registered once')
  t.equal((await logged()).length, 1, 'logged once')
})

t.test('a status change asked to sync now marks what the dossier owes DVCQG queued and answers up to which message, in its statement', async (t) => {
  const { store, sql, statements } = await counted(t)
  const code = '000.00.06.H56-261204-0001'
  await dossierWithSteps(sql, code, ['a'])
  const at = '2026-12-04T10:00:00+07:00'
  const change = async (syncNow: boolean, from: 'received' | 'processing' | 'resolved', to: 'processing' | 'resolved') => {
    const read = await store.getForUpdate(code)
    if (read === undefined) throw new Error('not read')
    return await store.applyChange({
      code,
      expectedVersion: read.version,
      status: read.status,
      nextStatus: to,
      receivedAtMs: read.receivedAtMs,
      routing: {},
      release: [],
      history: [{ at, type: 'agency-report', actor: { kind: 'agency', id: 'a' }, step: 'a', applied: true, statusFrom: from, statusTo: to }],
      at,
      nowMs: Date.now(),
      ...(syncNow && { syncNow: true })
    })
  }
  const sync = async (): Promise<{ wanted: number, queued: boolean } | undefined> =>
    (await sql<Array<{ wanted: number, queued: boolean }>>`select s.wanted, s.queued_at is not null as queued from national_sync s join dossiers d on d.id = s.dossier_id where d.code = ${code}`)[0]

  const quiet = await change(false, 'received', 'processing')
  t.same(quiet, { outcome: 'ok', sequence: 0 }, 'not asked: no number')
  t.same(await sync(), { wanted: 1, queued: false }, 'owed, left for the relay')

  const before = statements()
  const now = await change(true, 'processing', 'resolved')
  t.equal(statements() - before, 2, 'the read and the change: no statement of its own for the sync')
  t.same(now, { outcome: 'ok', sequence: 0, syncUpTo: 2 }, 'asked: up to its last message')
  t.same(await sync(), { wanted: 2, queued: true }, 'marked queued in the same statement')

  // a failed sync is not queued now: its later messages wait behind it until an administrator retries it
  await sql`update national_sync set state = 'failed', queued_at = null`
  const behind = await change(true, 'resolved', 'processing')
  t.equal(behind.outcome, 'ok')
  t.notOk('syncUpTo' in behind, 'failed: nothing to queue')
  t.same(await sync(), { wanted: 3, queued: false })
})
