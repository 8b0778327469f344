/**
 * A change that PostgreSQL ends to break a deadlock (40P01) wrote nothing, like a change on a stale
 * version: the service reads the dossier again and applies it (DossierStore.applyChange). Here the
 * test makes the deadlock itself: it holds the dossier's step rows, an agency report's hub_apply
 * takes the dossier row and waits for them, and the test then asks for the dossier row.
 */
import t from 'tap'
import { asAdmin, build, example, post, startAgency, waitFor } from '../helper.ts'
import type { Dossier, DossierSummary } from '../../src/types/schemas.generated.ts'

t.test('an agency report that PostgreSQL ends in a deadlock is applied on the next read, not answered 500', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const submitted = await post(asAdmin(hub), example('birth-registration'))
  t.equal(submitted.statusCode, 201)
  const { code } = submitted.json<DossierSummary>()
  const dossier = async (): Promise<Dossier> => (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })).json<Dossier>()
  await waitFor(async () => (await dossier()).routing?.['civil-status']?.state === 'delivered', 'delivered')

  const sql = hub.db.sql
  const held = await sql.reserve()
  t.teardown(async () => { await held`rollback`.catch(() => {}); held.release() })
  await held`begin`
  await held`select 1 from dossier_steps s join dossiers d on d.id = s.dossier_id where d.code = ${code} for update of s`
  const answered = asAdmin(hub).inject({
    method: 'POST',
    url: `/v1/dossiers/${code}/events`,
    payload: { eventId: `deadlock-${process.pid}`, agency: 'justice', report: { status: 'accepted', occurredAt: new Date().toISOString() } }
  })
  // hub_apply holds the dossier row and waits for the steps this session holds
  await waitFor(async () => {
    const w = await sql`select query from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`
    return w.some((r) => String(r.query).includes('hub_apply'))
  }, 'the report waiting for the step rows')
  // the cycle: this session asks for the dossier row. hub_apply has waited longer, so its check
  // (after deadlock_timeout) finds the deadlock first and PostgreSQL ends it; this session goes on
  const mine = await held`select 1 from dossiers where code = ${code} for update`.then(() => 'granted', (err: { code?: string }) => err.code)
  t.equal(mine, 'granted', 'PostgreSQL ended the report\'s statement, not this session\'s (else the test proves nothing)')
  await held`commit`

  const res = await answered
  t.equal(res.statusCode, 201, `the report is recorded (${res.body})`)
  t.equal((await dossier()).routing?.['civil-status']?.state, 'accepted', 'and applied')
})
