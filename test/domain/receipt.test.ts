/**
 * The receiving system's code and receipt time (issue 14, point 2), on real dates: a counter
 * dossier received at the desk before 15:00 and forwarded after it counts from the desk's time;
 * the code the desk printed is the dossier's code; the hub's own arrival time is kept beside.
 */
import t from 'tap'
import { build, example, post, storedDossiers, asAdmin } from '../helper.ts'
import type { Dossier, DossierSubmission, DossierSummary } from '../../src/types/schemas.generated.ts'

interface Problem { code: string, detail: string, errors: Array<{ pointer: string, detail: string }> }

const at = (iso: string) => () => new Date(iso)
const sameInstant = (a: string | undefined, b: string): boolean => a !== undefined && Date.parse(a) === Date.parse(b)

function counterDossier (reference: string, extra: Partial<DossierSubmission> = {}): DossierSubmission {
  const d = example('electricity-new-connection')
  t.equal(d.channel, 'counter', 'a paper dossier: the 15:00 rule applies')
  d.source.reference = reference
  // a household's own request each time (content matching would find the same dossier otherwise)
  d.applicant.identity.number = `0380850${reference.replace(/\D/g, '').padStart(5, '0').slice(-5)}`
  d.applicant.dateOfBirth = '1985-04-02'
  return { ...d, ...extra }
}

t.test('a counter dossier stamped 14:30 and forwarded at 16:00 counts from 14:30: due date, code date, figures; the arrival is kept beside', async (t) => {
  // Tuesday 24 November 2026, 16:00 in Vietnam: after the 15:00 cut-off
  const late = await build(t, { role: 'api', now: at('2026-11-24T16:00:00+07:00') })
  const stamped = await post(asAdmin(late), counterDossier('Q-1', { receivedAt: '2026-11-24T14:30:00+07:00', code: '000.00.06.H56-261124-0042' }))
  t.equal(stamped.statusCode, 201, stamped.body)
  const s = stamped.json<DossierSummary>()
  t.equal(s.code, '000.00.06.H56-261124-0042', 'the code printed on the citizen\'s receipt')
  t.ok(sameInstant(s.receivedAt, '2026-11-24T14:30:00+07:00'), 'the desk\'s receipt time')
  const d = (await asAdmin(late).inject(`/v1/dossiers/${s.code}`)).json<Dossier>()
  t.ok(sameInstant(d.receivedAt, '2026-11-24T14:30:00+07:00'))
  t.ok(sameInstant(d.arrivedAt, '2026-11-24T16:00:00+07:00'), 'the hub\'s own arrival time beside it')

  // the same dossier counted by a hub that got it at 14:30 itself, and one at 16:00 without the desk's time
  const onTime = await build(t, { role: 'api', now: at('2026-11-24T14:30:00+07:00') })
  const direct = (await post(asAdmin(onTime), counterDossier('Q-2'))).json<DossierSummary>()
  const unstamped = (await post(asAdmin(late), counterDossier('Q-3'))).json<DossierSummary>()
  t.ok(s.dueAt !== undefined && direct.dueAt !== undefined && unstamped.dueAt !== undefined)
  t.equal(Date.parse(s.dueAt ?? ''), Date.parse(direct.dueAt ?? ''), 'the due date counts from 14:30, before the cut-off')
  t.ok(Date.parse(unstamped.dueAt ?? '') > Date.parse(s.dueAt ?? ''), 'received at 16:00 it would count from the next working day (15:00 rule)')

  // late at night: stamped Monday 23:50, arrived Tuesday 00:30
  const night = await build(t, { role: 'api', now: at('2026-11-24T00:30:00+07:00') })
  const monday = await post(asAdmin(night), counterDossier('Q-4', { receivedAt: '2026-11-23T23:50:00+07:00' }))
  t.equal(monday.statusCode, 201)
  t.match(monday.json<DossierSummary>().code, /^000\.00\.06\.H56-261123-\d{4}$/, 'the hub-issued code carries the receipt date, not the arrival\'s')
  const figures = (await asAdmin(night).inject('/v1/stats?from=2026-11-23&to=2026-11-23')).json<{ totals: { received: number } }>()
  t.equal(figures.totals.received, 1, 'counted as received on Monday')
  const tuesday = (await asAdmin(night).inject('/v1/stats?from=2026-11-24&to=2026-11-24')).json<{ totals: { received: number } }>()
  t.equal(tuesday.totals.received, 0, 'not on Tuesday, when it arrived')
})

t.test('without code and receivedAt the hub issues both, as before', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2026-11-24T09:00:00+07:00') })
  const res = await post(asAdmin(hub), counterDossier('Q-5'))
  t.equal(res.statusCode, 201)
  const s = res.json<DossierSummary>()
  t.equal(s.code, '000.00.06.H56-261124-0001')
  const d = (await asAdmin(hub).inject(`/v1/dossiers/${s.code}`)).json<Dossier>()
  t.ok(sameInstant(d.receivedAt, '2026-11-24T09:00:00+07:00'))
  t.equal(d.arrivedAt, d.receivedAt, 'arrival and receipt are one time')
})

t.test('a given code is unique: another dossier with it is 409; a repeat is the same dossier; the hub\'s numbering passes over it', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2026-11-24T09:00:00+07:00') })
  const given = { code: '000.00.06.H56-261124-0001', receivedAt: '2026-11-24T08:40:00+07:00' }
  t.equal((await post(asAdmin(hub), counterDossier('Q-6', given))).statusCode, 201)
  t.equal((await post(asAdmin(hub), counterDossier('Q-6', given))).statusCode, 200, 'the same submission again: the same dossier')
  const taken = await post(asAdmin(hub), counterDossier('Q-7', given))
  t.equal(taken.statusCode, 409)
  t.equal(taken.headers['content-type'], 'application/problem+json; charset=utf-8')
  const p = taken.json<Problem>()
  t.equal(p.code, 'HUB_ERR_DOSSIER_CODE_TAKEN')
  t.match(p.detail, /000\.00\.06\.H56-261124-0001 is held by another dossier/)
  t.equal(await storedDossiers(hub), 1, 'nothing stored')
  const numbered = (await post(asAdmin(hub), counterDossier('Q-8'))).json<DossierSummary>()
  t.equal(numbered.code, '000.00.06.H56-261124-0002', 'the day counter passes over the code the desk gave')
  const concurrent = await Promise.all([counterDossier('Q-9', { code: '000.00.06.H56-261124-0077' }), counterDossier('Q-10', { code: '000.00.06.H56-261124-0077' })].map(async (d) => await post(asAdmin(hub), d)))
  t.same(concurrent.map((r) => r.statusCode).sort(), [201, 409], 'two dossiers racing for one code: one gets it')
})

t.test('bad code or receivedAt: 400 naming the field and the rule; nothing stored', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2026-11-24T09:00:00+07:00') })
  const cases: Array<[string, Partial<DossierSubmission>, string, RegExp]> = [
    ['no offset', { receivedAt: '2026-11-24T08:00:00' }, '#/receivedAt', /expected an ISO 8601 date-time with its offset/],
    ['in the future', { receivedAt: '2026-11-24T10:00:00+07:00' }, '#/receivedAt', /is in the future.*giấy tiếp nhận/],
    ['before submittedAt', { receivedAt: '2026-11-21T14:00:00+07:00' }, '#/receivedAt', /is before submittedAt/],
    ['too old', { receivedAt: '2026-10-20T08:00:00+07:00', submittedAt: '2026-10-20T07:00:00+07:00' }, '#/receivedAt', /more than 30 days.*receivedAtMaxAgeDays/],
    ['not a code', { code: 'HS-0001' }, '#/code', /expected Mã hồ sơ.*Circular 01\/2018\/TT-VPCP Art\. 19/],
    ['another agency', { code: '000.00.07.H56-261124-0001' }, '#/code', /receiving agency is 000\.00\.06\.H56.*Circular 01\/2018\/TT-VPCP Art\. 19/],
    ['another day', { code: '000.00.06.H56-261123-0001' }, '#/code', /carries the date 261123, but the dossier was received on 261124/]
  ]
  for (const [name, extra, pointer, detail] of cases) {
    const res = await post(asAdmin(hub), counterDossier(`B-${name}`, extra))
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.match(res.json<Problem>().errors, [{ pointer, detail }], name)
  }
  t.equal(await storedDossiers(hub), 0)
})
