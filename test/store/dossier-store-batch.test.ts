/**
 * The dossier reads and step compare-and-sets of one turn share one statement (a delivery worker
 * reads and records dozens at once): each caller gets what it would have got alone, and one bad
 * call does not take the others with it. On the real PostgreSQL, counting the statements sent.
 */
import t, { type Test } from 'tap'
import postgres, { type Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { createHash } from 'node:crypto'
import { DossierStore, INTAKE_BATCH, INTAKE_BATCH_BYTES, INTAKE_PARALLEL, type IntakeInput } from '../../src/store/dossier-store.ts'
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
  // all three in one turn: the statement fails, each goes alone, and only the refused one's caller hears of it
  const next = { ...delivered('a'), attempts: 2 }
  const [raw4, raw5, raw3] = [await raw(codes[4] as string, 'a'), await raw(codes[5] as string, 'a'), await raw(codes[3] as string, 'b')]
  const before3 = statements()
  const mixed = await Promise.allSettled([
    store.updateStep(codes[4] as string, 'a', raw4, next, at),
    store.updateStep(codes[5] as string, 'a', raw5, { ...next, state: 'bogus' as 'delivered' }, at),
    store.updateStep(codes[3] as string, 'b', raw3, next, at)
  ])
  t.equal(statements() - before3, 4, 'the turn\'s statement, then each alone')
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

/** A new dossier's intake as the intake service makes it (one pending step, agency a). */
function intakeInput (reference: string, extra: Partial<IntakeInput> = {}): IntakeInput {
  const receivedAt = '2026-12-04T10:00:00.000+07:00'
  const doc = JSON.stringify({ procedure: { code: '1.001193.000.00.00.H56' }, source: { system: 'portal', reference }, applicant: { fullName: `Người nộp ${reference}` } })
  return {
    source: { system: 'portal', reference },
    fingerprint: createHash('sha256').update(doc).digest('hex'),
    codePrefix: '000.00.06.H56-261204-',
    sequenceWidth: 4,
    receivingAgencyCode: '000.00.06.H56',
    yymmdd: '261204',
    doc,
    receivedAt,
    receivedAtMs: Date.parse(receivedAt),
    status: 'received',
    procedureCode: '1.001193.000.00.00.H56',
    procedureName: 'Đăng ký khai sinh',
    routing: { a: { agency: 'a', stage: 0, state: 'pending', attempts: 0 } },
    contentFingerprint: createHash('sha256').update(`content ${reference}`).digest('hex'),
    duplicateWindowMs: 86_400_000,
    codeDaysKept: 400,
    facts: { channel: 'online', level: 'commune', returnMethod: 'online' },
    history: { at: receivedAt, type: 'received', actor: { kind: 'portal', id: 'portal' }, applied: true, statusTo: 'received' },
    ...extra
  }
}

/** The transactions that wrote the dossiers of `codes` (their rows' xmin), one per code. */
async function writers (sql: Sql, codes: string[]): Promise<string[]> {
  const rows = await sql<Array<{ code: string, x: string }>>`select code, xmin::text as x from dossiers where code = any(${codes}::text[])`
  const by = new Map(rows.map((r) => [r.code, r.x]))
  return codes.map((c) => by.get(c) ?? 'none')
}

t.test('the intakes of one turn share a few statements and commits, each answered as if alone', async (t) => {
  const { store, sql, statements } = await counted(t)
  const references = Array.from({ length: 12 }, (_, i) => `R-${String(12 - i).padStart(2, '0')}`)
  const before = statements()
  const answers = await Promise.all([
    ...references.map(async (r) => await store.intake(intakeInput(r))),
    // a copy of the fourth in the same turn: the same dossier, answered as a repeat
    store.intake(intakeInput(references[3] as string)),
    // the first's reference with other content: a conflict
    store.intake(intakeInput(references[0] as string, { fingerprint: 'ff'.repeat(32) }))
  ])
  // fourteen in one turn: INTAKE_PARALLEL statements of up to ceil(14 / INTAKE_PARALLEL)
  t.equal(statements() - before, Math.ceil(14 / Math.ceil(14 / INTAKE_PARALLEL)), 'a few statements for fourteen intakes')
  const created = answers.slice(0, 12)
  t.same(created.map((a) => a.outcome), Array.from({ length: 12 }, () => 'created'))
  const codes = created.map((a) => (a as { summary: { code: string } }).summary.code)
  t.equal(new Set(codes).size, 12, 'twelve codes')
  t.ok(new Set(await writers(sql, codes)).size <= INTAKE_PARALLEL, 'written by as many transactions at most')
  // each answer is its own submission's dossier
  const stored = await sql<Array<{ code: string, reference: string }>>`select d.code, r.reference from dossiers d join source_refs r on r.dossier_id = d.id where d.code = any(${codes}::text[])`
  const referenceOf = new Map(stored.map((s) => [s.code, s.reference]))
  references.forEach((r, i) => { t.equal(referenceOf.get(codes[i] as string), r, `${r} answered with its own dossier`) })
  t.same(answers[12], { outcome: 'duplicate', summary: answers[12]?.outcome === 'duplicate' ? { ...answers[12].summary, code: codes[3] } : undefined }, 'the copy: the fourth\'s dossier')
  t.same(answers[13], { outcome: 'conflict', code: codes[0] }, 'the first\'s reference with other content: a conflict naming it')
  t.equal(Number((await sql`select count(*) as n from outbox where dossier_id in (select id from dossiers where code = any(${codes}::text[]))`)[0]?.n), 12, 'one outbox row each')

  // alone in its turn: the statement it always had
  const alone = await store.intake(intakeInput('R-alone'))
  t.equal(alone.outcome, 'created')
})

t.test('a batched intake stores each document as its very text, and a notification only when it has one', async (t) => {
  const { store, sql } = await counted(t)
  // texts the statement's JSON must carry as they are: quotes, backslashes, escapes, line separators,
  // decomposed and astral characters, spacing and key order of the document as written
  const odd = ['"quoted" \\ back\\slash', 'tab\there\nline', '\u2028\u2029', 'Nguye\u0302\u0303n', '𝔘 😀', '</script>']
  const inputs = odd.map((text, i) => {
    const input = intakeInput(`R-text-${i}`)
    const doc = `{"z": 1, "applicant":{"fullName":${JSON.stringify(text)}},"a":"\\u00e9\\/"}`
    return { ...input, doc, fingerprint: createHash('sha256').update(doc).digest('hex'), ...(i % 2 === 0 && { notification: { event: 'status-changed', n: i } }) }
  })
  const answers = await Promise.all(inputs.map(async (input) => await store.intake(input)))
  const codes = answers.map((a) => (a as { summary: { code: string } }).summary.code)
  t.ok(new Set(await writers(sql, codes)).size <= INTAKE_PARALLEL, 'in a few shared statements')
  const rows = await sql<Array<{ code: string, doc: string, notes: string }>>`select d.code, d.doc::text as doc, (select count(*) from notifications n where n.dossier_id = d.id)::text as notes
    from dossiers d where d.code = any(${codes}::text[])`
  const by = new Map(rows.map((r) => [r.code, r]))
  inputs.forEach((input, i) => {
    const row = by.get(codes[i] as string)
    t.equal(row?.doc, input.doc, `document ${i} stored as its very text`)
    t.equal(row?.notes, i % 2 === 0 ? '1' : '0', `document ${i}: ${i % 2 === 0 ? 'its notification' : 'no notification'}`)
  })
})

t.test('an intake the record refuses fails alone: the others of its turn are stored, each in its own transaction', async (t) => {
  const { store, sql } = await counted(t)
  const settled = await Promise.allSettled([
    store.intake(intakeInput('S-1')),
    store.intake(intakeInput('S-2', { yymmdd: '26xx04' })), // a day that is no date: the statement fails
    store.intake(intakeInput('S-3'))
  ])
  t.same(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled'])
  t.match((settled[1] as PromiseRejectedResult).reason, { code: '22007' }, 'the refused one gets its own error')
  const codes = settled.filter((s) => s.status === 'fulfilled').map((s) => (s.value as { summary: { code: string } }).summary.code)
  const xs = await writers(sql, codes)
  t.notOk(xs.includes('none'), 'both stored')
  t.equal(new Set(xs).size, 2, 'each by a transaction of its own, after the batch failed')
  t.equal(Number((await sql`select count(*) as n from source_refs where reference = 'S-2'`)[0]?.n), 0, 'the refused one left nothing')
})

t.test('an intake of content received within the window does not wait for another intake of it to commit (0026)', async (t) => {
  const db = await createTestDatabase(t)
  await migrate(db.sql)
  // the second writer gives up after 1 s of waiting for a lock
  const impatient = postgres(db.url, { max: 1, onnotice: () => {}, connection: { lock_timeout: 1000 } })
  t.teardown(async () => { await impatient.end({ timeout: 5 }) })
  const store = new DossierStore(db.sql)
  const content = createHash('sha256').update('one applicant, one procedure').digest('hex')
  t.equal((await store.intake(intakeInput('W-1', { contentFingerprint: content }))).outcome, 'created', 'the content is seen')
  const held = await db.sql.reserve()
  t.teardown(() => { held.release() })
  await held`begin`
  // a second dossier of that content (the same system: not a repeat), its transaction left open
  const second = intakeInput('W-2', { contentFingerprint: content })
  const args = (i: IntakeInput): unknown[] => [JSON.stringify({ fingerprint: i.fingerprint, source: i.source, receivedAt: i.receivedAt, contentFingerprint: i.contentFingerprint, windowMs: i.duplicateWindowMs, codeDaysKept: 400, width: 4, codePrefix: i.codePrefix, agencyCode: i.receivingAgencyCode, day: '2026-12-04', status: 2, procedure: i.procedureCode, procedureName: i.procedureName, channel: 2 }),
    i.doc, JSON.stringify(Object.entries(i.routing)), JSON.stringify(i.history), 'null', JSON.stringify(i.facts)]
  const [open] = await held.unsafe('select hub_intake($1::text::jsonb, $2::text::json, $3::text::json, $4::text::json, $5::text::json, $6::text::json) as r', args(second) as never[])
  t.match(open?.r, { outcome: 'created' }, 'the second stored, not committed')
  // a third, through another connection that will not wait: stored at once
  const third = await new DossierStore(impatient).intake(intakeInput('W-3', { contentFingerprint: content }))
  t.equal(third.outcome, 'created', 'stored while the second is not committed')
  await held`commit`
  const seen = await db.sql<Array<{ dossier_id: string }>>`select dossier_id from content_fingerprints where fingerprint = ${Buffer.from(content, 'hex')}`
  const [first] = await db.sql<Array<{ id: string }>>`select d.id from dossiers d join source_refs r on r.dossier_id = d.id where r.reference = 'W-1'`
  t.same(seen.map((s) => s.dossier_id), [first?.id], 'the fingerprint still names the first dossier of the window')
})

t.test('the receive-once lookups of one turn: one statement, each its own answer', async (t) => {
  const { store, statements } = await counted(t)
  const first = await store.intake(intakeInput('P-1'))
  const second = await store.intake(intakeInput('P-2'))
  const code = (o: typeof first): string => (o as { summary: { code: string } }).summary.code
  const input = intakeInput('P-1')
  const before = statements()
  const answers = await Promise.all([
    store.prior({ source: input.source, fingerprint: input.fingerprint }),
    store.prior({ source: { system: 'portal', reference: 'P-2' }, fingerprint: intakeInput('P-2').fingerprint }),
    store.prior({ source: input.source, fingerprint: 'ee'.repeat(32) }),
    store.prior({ source: { system: 'portal', reference: 'P-none' }, fingerprint: input.fingerprint }),
    store.prior({ source: input.source, fingerprint: input.fingerprint, asAgency: 'b' })
  ])
  t.equal(statements() - before, 1, 'one statement for five lookups')
  t.match(answers[0], { outcome: 'duplicate', summary: { code: code(first) } }, 'its own dossier')
  t.match(answers[1], { outcome: 'duplicate', summary: { code: code(second) } }, 'the other\'s')
  t.same(answers[2], { outcome: 'conflict', code: code(first) }, 'other content: a conflict')
  t.equal(answers[3], undefined, 'an unknown reference: none')
  t.equal(answers[4], undefined, 'an agency the dossier is not routed to does not learn of it')
  // alone in its turn
  t.match(await store.prior({ source: input.source, fingerprint: input.fingerprint }), { outcome: 'duplicate', summary: { code: code(first) } })
})

t.test('two processes taking in new dossiers of shared contents at once, on a new record: every intake stored once, none lost to a deadlock', async (t) => {
  const db = await createTestDatabase(t)
  await migrate(db.sql)
  // two API processes: two stores, each with a pool of its own
  const pools = [0, 1].map(() => postgres(db.url, { max: 10, onnotice: () => {} }))
  t.teardown(async () => { await Promise.all(pools.map(async (p) => { await p.end({ timeout: 5 }) })) })
  const stores = pools.map((p) => new DossierStore(p))
  const contents = Array.from({ length: 8 }, (_, i) => createHash('sha256').update(`applicant ${i}`).digest('hex'))
  const settled: Array<PromiseSettledResult<Awaited<ReturnType<DossierStore['intake']>>>> = []
  const sent: string[] = []
  for (let turn = 0; turn < 6; turn++) {
    const calls = stores.flatMap((store, s) => Array.from({ length: 40 }, (_, i) => {
      // every fifth a copy of one the other process sends in this turn
      const reference = i % 5 === 4 ? `T${turn}-${1 - s}-${i - 1}` : `T${turn}-${s}-${i}`
      sent.push(reference)
      return store.intake(intakeInput(reference, { contentFingerprint: contents[(i * 7 + s * 3 + turn) % contents.length] as string }))
    }))
    settled.push(...await Promise.allSettled(calls))
  }
  const failed = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))
  t.same(failed, [], 'no intake failed')
  const answers = settled.flatMap((s) => s.status === 'fulfilled' ? [s.value] : [])
  const unique = new Set(sent)
  const created = answers.filter((a) => a.outcome === 'created')
  t.equal(created.length, unique.size, 'one dossier for each submission')
  t.equal(answers.filter((a) => a.outcome === 'duplicate').length, sent.length - unique.size, 'each copy answered as a repeat')
  const [stored] = await db.sql<Array<{ n: string }>>`select count(*) as n from dossiers`
  t.equal(Number(stored?.n), unique.size, 'and the record holds exactly those')
})

t.test('the intakes of one turn go in statements of at most INTAKE_BATCH intakes and INTAKE_BATCH_BYTES of documents, at least INTAKE_PARALLEL', async (t) => {
  const { store, sql, statements } = await counted(t)
  const large = (reference: string): IntakeInput => {
    const input = intakeInput(reference)
    const doc = JSON.stringify({ ...JSON.parse(input.doc), note: 'x'.repeat(Math.ceil(INTAKE_BATCH_BYTES * 0.4)) })
    return { ...input, doc, fingerprint: createHash('sha256').update(doc).digest('hex') }
  }
  // 3 × INTAKE_PARALLEL documents of 0.4 × the cap: three a slice by number, two by size
  const n = 3 * INTAKE_PARALLEL
  let before = statements()
  const big = await Promise.all(Array.from({ length: n }, async (_, i) => await store.intake(large(`L-${String(i).padStart(2, '0')}`))))
  t.equal(statements() - before, n / 2, `${n} documents of 0.4 × the cap: two a statement`)
  const bigCodes = big.map((a) => (a as { summary: { code: string } }).summary.code)
  t.equal(new Set(await writers(sql, bigCodes)).size, n / 2, 'as many transactions')
  // more small ones than INTAKE_PARALLEL statements of INTAKE_BATCH take: INTAKE_BATCH a statement
  const m = INTAKE_PARALLEL * INTAKE_BATCH + 3
  before = statements()
  const many = await Promise.all(Array.from({ length: m }, async (_, i) => await store.intake(intakeInput(`M-${String(i).padStart(3, '0')}`))))
  t.equal(statements() - before, Math.ceil(m / INTAKE_BATCH), `${m} small ones: ${INTAKE_BATCH} a statement`)
  t.equal(many.filter((a) => a.outcome === 'created').length, m, 'each stored')
  // a few: split into INTAKE_PARALLEL statements (one each)
  before = statements()
  await Promise.all(Array.from({ length: INTAKE_PARALLEL }, async (_, i) => await store.intake(intakeInput(`F-${i}`))))
  t.equal(statements() - before, INTAKE_PARALLEL, `${INTAKE_PARALLEL} in a turn: one statement each, at once`)
})
