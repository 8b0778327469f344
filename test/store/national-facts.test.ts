/**
 * The national record's view of a dossier (store/national-facts.ts): the dossier, its history and
 * its facts come from one statement, so from one snapshot. A status change committed while the
 * record is read is in both the dossier and its history, or in neither.
 */
import t from 'tap'
import type { Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { NationalFactsQuery } from '../../src/store/national-facts.ts'
import { createTestDatabase } from '../db-helper.ts'

const CODE = '000.00.06.H56-261206-0001'

async function newDossier (sql: Sql): Promise<string> {
  const [row] = await sql<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
      return_method, source_system, received_at, due_at, due_index_at, fingerprint, updated_at, doc)
    values (${CODE}, 4, '1.001193.000.00.00.H56', '000.00.06.H56', 2, 'commune', 'online', 'portal', now(), now() + interval '3 days',
      now() + interval '3 days', ${Buffer.alloc(32, 1)}, now(), ${JSON.stringify({ applicant: { name: 'Nguyễn Văn A' } })}::json) returning id`
  return row?.id as string
}

/** One change, as a change of the hub writes it: the dossier's status and its history entry, in one transaction. */
async function change (sql: Sql, id: string, seq: number, to: 4 | 5): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`update dossiers set status = ${to} where id = ${id}`
    await tx`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, entry)
      values (${id}, ${seq}, now(), 'agency-report', ${to === 4 ? 5 : 4}, ${to}, ${sql.json({ seq, to })})`
  })
}

t.test('the dossier, its history and its facts; undefined for no dossier', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const query = new NationalFactsQuery(sql, 2)
  t.equal(await query.view(CODE), undefined, 'no such dossier')
  const id = await newDossier(sql)
  const empty = await query.view(CODE)
  t.equal(empty?.dossier.code, CODE, 'the dossier')
  t.same(empty?.history, [], 'no history yet')
  t.same(empty?.facts, { payments: [], resultDocuments: [] }, 'no payment, no result')
  await change(sql, id, 1, 5)
  await change(sql, id, 2, 4)
  await sql`insert into payments (reference, dossier_id, step, requested_at, agency, provider, amount, lines, state, created_at, expires_at)
    values ('P1', ${id}, 'civil-status', now(), 'justice', 'vnpay', 50000, ${sql.json([{ name: 'Lệ phí', amount: 50000 }])}, 'paid', now(), now() + interval '1 day')`
  const two = await query.view(CODE)
  t.same(two?.history, [{ seq: 1, to: 5 }, { seq: 2, to: 4 }], 'the history, oldest first')
  t.same(two?.facts, { payments: [{ reference: 'P1', state: 'paid', lines: [{ name: 'Lệ phí', amount: 50000 }] }], resultDocuments: [], paidOnline: 2 }, 'the payment, paid online')
})

t.test('one snapshot: a change committed while the record is read is in the dossier and its history, or in neither', async (t) => {
  const { sql } = await createTestDatabase(t, { max: 6 })
  await migrate(sql)
  const query = new NationalFactsQuery(sql, 2)
  const id = await newDossier(sql)
  // the status as the dossier shows it after a change to 4 and after one to 5
  await change(sql, id, 1, 5)
  const five = (await query.view(CODE))?.dossier.status
  await change(sql, id, 2, 4)
  const four = (await query.view(CODE))?.dossier.status
  t.not(five, four, 'the two statuses differ')

  const CHANGES = 300
  const writing = { done: false }
  let reads = 0
  const mismatches: string[] = []
  const writer = (async () => {
    for (let seq = 3; seq < 3 + CHANGES; seq++) await change(sql, id, seq, seq % 2 === 0 ? 4 : 5)
    writing.done = true
  })()
  const reader = async (): Promise<void> => {
    while (!writing.done) {
      const view = await query.view(CODE)
      reads++
      const last = view?.history.at(-1) as { seq: number, to: 4 | 5 } | undefined
      const expected = last?.to === 4 ? four : five
      if (view?.dossier.status !== expected) mismatches.push(`history ends with the change to ${last?.to} (seq ${last?.seq}), the dossier says ${view?.dossier.status}`)
    }
  }
  await Promise.all([writer, reader(), reader(), reader(), reader()])
  t.ok(reads > 50, `the record was read while it changed (${reads} reads over ${CHANGES} changes)`)
  t.same(mismatches.slice(0, 5), [], 'every read: the dossier\'s status is its history\'s last change')
})
