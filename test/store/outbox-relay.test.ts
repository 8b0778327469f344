/**
 * The outbox relay rows (src/store/outbox-relay.ts), one helper for the three relays — deliveries
 * to agencies (DossierStore), payments (PaymentStore), postal pickups (PickupStore) — on the real
 * PostgreSQL: each reads its own kinds only, least recently looked at first, and stamps or confirms
 * a whole batch in one statement (counted with the driver's debug hook).
 */
import t from 'tap'
import postgres from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { OutboxRelayRows } from '../../src/store/outbox-relay.ts'
import { DossierStore } from '../../src/store/dossier-store.ts'
import { PaymentStore } from '../../src/store/payment-store.ts'
import { PickupStore } from '../../src/store/pickup-store.ts'
import { createTestDatabase } from '../db-helper.ts'

const ROWS: Array<[kind: string, key: string, minutesAgo: number]> = [
  ['dossier', 'A-1|civil-status', 30],
  ['withdrawal', 'A-1|tax|withdrawal', 20],
  ['supplement-2', 'A-1|tax|supplement-2', 25],
  ['payment-create', 'pay|LT1|create', 40],
  ['payment-notice', 'pay|LT1|notice', 10],
  ['postal-pickup', 'pickup|A-2', 50],
  ['postal-pickup-cancel', 'pickup|A-2|cancel', 5],
  ['supplementary', 'other|x', 60]
]

t.test('each relay reads its own kinds, least recently looked at first; a batch is stamped and confirmed in one statement', async (t) => {
  const db = await createTestDatabase(t)
  await migrate(db.sql)
  for (const [kind, key, ago] of ROWS) {
    await db.sql`insert into outbox (kind, destination, idempotency_key, created_at) values (${kind}, 'x', ${key}, now() - ${`${ago} minutes`}::interval)`
  }
  // a row already confirmed and one discarded are never due
  await db.sql`insert into outbox (kind, destination, idempotency_key, created_at, confirmed_at) values ('dossier', 'x', 'A-3|s', now() - interval '1 hour', now())`
  await db.sql`insert into outbox (kind, destination, idempotency_key, created_at, discarded_at) values ('dossier', 'x', 'A-4|s', now() - interval '1 hour', now())`
  let statements = 0
  const sql = postgres(db.url, { max: 1, onnotice: () => {}, debug: () => { statements++ } })
  t.teardown(async () => { await sql.end() })
  const now = Date.now()

  const dossiers = new DossierStore(sql)
  t.same((await dossiers.outboxDue(now, 10)).map((d) => d.member), ['A-1|civil-status', 'A-1|tax|supplement-2', 'A-1|tax|withdrawal'], 'deliveries, withdrawal and supplement notices (not a kind that merely starts alike), oldest first')
  t.same(await new PaymentStore(sql).outboxDue(now), [{ reference: 'LT1', message: 'create' }, { reference: 'LT1', message: 'notice' }], 'payments')
  t.same(await new PickupStore(sql).outboxDue(now), [{ code: 'A-2', cancel: false }, { code: 'A-2', cancel: true }], 'pickups')
  t.same(await new OutboxRelayRows(sql, { kinds: ['dossier'] }).due(now - 35 * 60_000, 10), [], 'nothing written before the grace period')

  statements = 0
  await dossiers.outboxSeen(['A-1|civil-status', 'A-1|tax|supplement-2'])
  await new PaymentStore(sql).outboxSeen([{ reference: 'LT1', message: 'create' }, { reference: 'LT1', message: 'notice' }])
  await new PickupStore(sql).outboxSeen([{ code: 'A-2', cancel: false }, { code: 'A-2', cancel: true }])
  t.equal(statements, 3, 'one statement per batch')
  const stamped = await db.sql<Array<{ key: string }>>`select idempotency_key as key from outbox where queued_at is not null order by 1`
  t.same(stamped.map((r) => r.key), ['A-1|civil-status', 'A-1|tax|supplement-2', 'pay|LT1|create', 'pay|LT1|notice', 'pickup|A-2', 'pickup|A-2|cancel'], 'stamped as seen')
  const later = (await dossiers.outboxDue(now + 60_000, 10)).map((d) => d.member)
  t.equal(later[0], 'A-1|tax|withdrawal', 'the rows just seen come last')
  t.same(later.slice(1).sort(), ['A-1|civil-status', 'A-1|tax|supplement-2'])
  t.same((await dossiers.outboxDue(now, 10)).map((d) => d.member), ['A-1|tax|withdrawal'], 'and are not due again before the grace period')

  statements = 0
  await dossiers.outboxRemove(['A-1|civil-status', 'A-1|tax|withdrawal'])
  await dossiers.outboxRemove('A-1|tax|supplement-2')
  await dossiers.outboxSeen([])
  t.equal(statements, 2, 'one statement per batch (or one row); none for an empty one')
  t.same(await dossiers.outboxDue(now + 60_000, 10), [], 'confirmed rows are not due')
})
