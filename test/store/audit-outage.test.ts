/**
 * Audit entries and a record out of reach (a PostgreSQL server of the test's own, crashed and
 * started again). An answer's entry is written after the answer; when the record cannot be reached
 * then (no connection could be made, so nothing of the statement was written), the entry waits and
 * is tried again, in order, until the record answers: a restart of PostgreSQL does not cost the
 * trail an entry. A store that closes meanwhile stops waiting.
 */
import t from 'tap'
import postgres from 'postgres'
import { clusterSkip, ownServer } from '../pg-cluster.ts'
import { waitFor } from '../helper.ts'
import { migrate } from '../../src/store/migrate.ts'
import { AuditStore } from '../../src/store/audit-store.ts'
import { auditKey, verifyChain } from '../../src/domain/audit-chain.ts'
import type { AuditFields } from '../../src/domain/audit-chain.ts'

const fields = (requestId: string): AuditFields => ({ at: '2026-12-06T21:00:00.000+07:00', client: 'portal', role: 'portal', action: 'read', method: 'GET', route: '/v1/dossiers/:code', status: 200, requestId })

t.test('an entry whose statement met the record away is written once it is back, in its place in the chain', { skip: clusterSkip }, async (t) => {
  const pg = await ownServer(t)
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} })
  await admin`create database lienthong_audit`
  await admin.end()
  // connections close once idle (50 ms), so the crash finds none open: the entries' statement
  // meets a refused connection, not one lost under it
  const sql = postgres(pg.url('lienthong_audit'), { max: 2, idle_timeout: 0.05, onnotice: () => {} })
  t.teardown(async () => { await sql.end({ timeout: 5 }) })
  await migrate(sql)
  const key = auditKey('test-audit-secret')
  const store = new AuditStore(sql, key, async () => true, { flushMs: 0 })
  t.teardown(() => { store.close() })
  await store.append('D-1', fields('before'), { fresh: true })
  await new Promise((resolve) => setTimeout(resolve, 300))

  pg.stop('immediate')
  let settled: 'written' | 'failed' | undefined
  const during = store.append('D-1', fields('during'), { after: true }).then(() => { settled = 'written' }, () => { settled = 'failed' })
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(settled, undefined, 'still waiting for the record, not failed')
  // a reader of the trail meanwhile does not wait for it: its own read meets the record away
  const asked = Date.now()
  const reading = await store.read('D-1').then(() => 'read', (err: { code?: string }) => err.code)
  t.equal(reading, 'ECONNREFUSED', 'a read fails as the record is away')
  t.ok(Date.now() - asked < 2_000, 'at once, not after the waiting entry')
  pg.start()
  await during
  t.equal(settled, 'written', 'written once the record is back')
  await store.append('D-1', fields('after'), { after: true })
  const { entries, record } = await store.read('D-1')
  t.same(entries.map((e) => e.requestId), ['before', 'during', 'after'], 'in its place')
  t.equal(verifyChain('D-1', entries, record, key).valid, true, 'the chain verifies')

  // closing while the record is away: the waiting entry fails at once instead of waiting on
  pg.stop('immediate')
  let closed: 'written' | 'failed' | undefined
  const late = store.append('D-1', fields('closing'), { after: true }).then(() => { closed = 'written' }, () => { closed = 'failed' })
  await new Promise((resolve) => setTimeout(resolve, 500))
  const closing = Date.now()
  store.close()
  await late
  t.equal(closed, 'failed', 'failed when the store closed')
  t.ok(Date.now() - closing < 2_000, 'at once, not after the retries')
  pg.start()
  await waitFor(async () => await sql`select 1`.then(() => true, () => false), 'the record back')
})
