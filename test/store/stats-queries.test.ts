/**
 * The figures of GET /v1/stats as SQL queries over the record (store/stats-queries.ts), on the real
 * PostgreSQL in a database of this file's own: dossiers, their steps and their history are inserted
 * as the dossier store writes them (COMMON contract of issue 13), with chosen times, and the figures
 * of several periods, groupings and an agency scope are checked against counts made by hand from the
 * story below. A past period gives the same answer after later history is added; the /metrics
 * gauges count the same rows.
 *
 * The story (November 2026, Vietnam time; due dates as the dossiers carry them):
 *   A  P1 online, evn            received Mon 2 09:00, processing 10:00, resolved Wed 4 (early)
 *   B  P1 counter, evn + return  received Mon 2 23:30 (still the 2nd in Vietnam), resolved Thu 5
 *                                on time, returned by post Fri 6
 *   C  P2 by post, justice+police received Tue 3 08:00, due Fri 6 09:00, flagged overdue Fri 6
 *                                10:00, resolved late Tue 10
 *   D  P2 counter, justice       received Tue 3 00:30 (the 3rd, not the 2nd), withdrawn Wed 4
 *   E  P1 online, evn            received Tue 3, not accepted the same day
 *   F  P2 online, police         received Fri 30 Oct, due Wed 4; supplement requested Tue 3 (the
 *                                clock stops before the due date): paused, never overdue
 *   G  P1 counter, evn           received Thu 5, due Fri 6 09:00, still processing; the sweeper
 *                                flags it Mon 9
 *   H  P1 counter, evn           received Sat 7, stopped Sun 8
 */
import t, { type Test } from 'tap'
import type { Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { StatsQueries, periodBounds } from '../../src/store/stats-queries.ts'
import { DossierGauges } from '../../src/store/dossier-gauges.ts'
import { StatsService } from '../../src/services/stats-service.ts'
import type { Figures } from '../../src/domain/stats.ts'
import type { Client } from '../../src/auth/clients.ts'
import { createTestDatabase } from '../db-helper.ts'

type Channel = 'counter' | 'online' | 'postal'
type EventType = 'received' | 'agency-report' | 'withdrawn' | 'returned' | 'overdue'
/** [at (Vietnam wall time, 'MM-DD HH:MM' of 2026), type, status after (national code), due date in force after] */
type Event = [string, EventType, number?, string?]

interface Spec {
  code: string
  procedure: 'P1' | 'P2'
  channel: Channel
  returnMethod?: 'counter' | 'postal' | 'online'
  agencies: string[]
  /** a result-return step (the postal service, agency vnpost) */
  postalReturn?: boolean
  timeliness?: 'early' | 'on-time' | 'overdue'
  events: Event[]
}

const vn = (when: string): Date => new Date(`2026-${when.replace(' ', 'T')}:00+07:00`)
const CHANNEL = { counter: 1, online: 2, postal: 3 } as const
const OPEN = new Set([1, 2, 4, 5, 6])

/**
 * Inserts a dossier, its steps and its history as the store would have written them by the last
 * event, the columns (status, due date, flags, finish stamps) derived from the events.
 */
async function record (sql: Sql, spec: Spec): Promise<string> {
  const received = spec.events[0]
  if (received?.[1] !== 'received') throw new Error('the first event is the receipt')
  const [row] = await sql<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
      return_method, source_system, received_at, fingerprint, updated_at, doc)
    values (${spec.code}, 2, ${spec.procedure}, 'desk', ${CHANNEL[spec.channel]}, ${spec.procedure === 'P1' ? 'province' : 'district'},
      ${spec.returnMethod ?? (spec.postalReturn === true ? 'postal' : 'counter')}, 'portal', ${vn(received[0])}, ${Buffer.alloc(32, 1)},
      ${vn(received[0])}, ${sql.json({})}) returning id`
  const id = row?.id as string
  const steps = [...spec.agencies.map((agency, i) => ({ step: `s${i + 1}`, agency })), ...(spec.postalReturn === true ? [{ step: 'return', agency: 'vnpost' }] : [])]
  let position = 0
  for (const s of steps) {
    await sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, detail) values (${id}, ${s.step}, ${position++}, ${s.agency}, ${position}, 'delivered', ${JSON.stringify({ agency: s.agency, stage: position, state: 'delivered', attempts: 1 })}::json)`
  }
  await append(sql, id, spec, spec.events)
  return id
}

/** Appends history rows (after those already there) and updates the dossier's columns as the store does. */
async function append (sql: Sql, id: string, spec: Spec, events: Event[]): Promise<void> {
  const [last] = await sql<Array<{ seq: number, status: number | null }>>`select coalesce(max(seq), 0)::int as seq,
      (select status from dossiers where id = ${id}) as status from dossier_history where dossier_id = ${id}`
  let seq = last?.seq ?? 0
  let status: number | null = seq === 0 ? null : (last?.status ?? null)
  for (const [at, type, to, due] of events) {
    seq++
    const from = to === undefined ? null : status
    await sql`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, due_at_to, entry)
      values (${id}, ${seq}, ${vn(at)}, ${type}, ${from}, ${to ?? null}, ${due === undefined ? null : vn(due)}, ${sql.json({ applied: true })})`
    if (to !== undefined) status = to
  }
  // the columns: what the history says now
  const all = await sql<Array<{ at: Date, type: string, status_to: number | null, due_at_to: Date | null }>>`
    select at, type, status_to, due_at_to from dossier_history where dossier_id = ${id} order by seq`
  const final = status ?? 2
  const first = (p: (s: number) => boolean): Date | null => all.find((h) => h.status_to !== null && p(h.status_to))?.at ?? null
  const dueAt = all.filter((h) => h.due_at_to !== null).at(-1)?.due_at_to ?? null
  const flagged = OPEN.has(final) ? (all.find((h) => h.type === 'overdue')?.at ?? null) : null
  await sql`update dossiers set status = ${final}, due_at = ${dueAt}, overdue_since = ${flagged},
      resolved_at = ${first((s) => s === 9 || s === 10)}, returned_at = ${first((s) => s === 10)},
      closed_at = ${first((s) => s === 3 || s === 7 || s === 8)},
      timeliness = ${first((s) => s === 9 || s === 10) === null ? null : (spec.timeliness ?? null)},
      version = version + 1
    where id = ${id}`
}

const A: Spec = { code: 'A', procedure: 'P1', channel: 'online', agencies: ['evn'], timeliness: 'early', events: [['11-02 09:00', 'received', 2, '11-05 09:00'], ['11-02 10:00', 'agency-report', 4], ['11-04 10:00', 'agency-report', 9]] }
const B: Spec = { code: 'B', procedure: 'P1', channel: 'counter', agencies: ['evn'], postalReturn: true, timeliness: 'on-time', events: [['11-02 23:30', 'received', 2, '11-05 23:00'], ['11-05 15:00', 'agency-report', 9], ['11-06 11:00', 'returned', 10]] }
const C: Spec = { code: 'C', procedure: 'P2', channel: 'postal', agencies: ['justice', 'police'], timeliness: 'overdue', events: [['11-03 08:00', 'received', 2, '11-06 09:00'], ['11-03 09:00', 'agency-report', 4], ['11-06 10:00', 'overdue'], ['11-10 16:00', 'agency-report', 9]] }
const D: Spec = { code: 'D', procedure: 'P2', channel: 'counter', agencies: ['justice'], events: [['11-03 00:30', 'received', 2, '11-10 09:00'], ['11-04 08:00', 'withdrawn', 7]] }
const E: Spec = { code: 'E', procedure: 'P1', channel: 'online', agencies: ['evn'], events: [['11-03 10:00', 'received', 2, '11-06 10:00'], ['11-03 11:00', 'agency-report', 3]] }
const F: Spec = { code: 'F', procedure: 'P2', channel: 'online', agencies: ['police'], events: [['10-30 09:00', 'received', 2, '11-04 09:00'], ['10-31 09:00', 'agency-report', 4], ['11-03 15:00', 'agency-report', 5]] }
const G: Spec = { code: 'G', procedure: 'P1', channel: 'counter', agencies: ['evn'], timeliness: 'overdue', events: [['11-05 08:00', 'received', 2, '11-06 09:00'], ['11-05 09:00', 'agency-report', 4], ['11-09 08:00', 'overdue']] }
const H: Spec = { code: 'H', procedure: 'P1', channel: 'counter', agencies: ['evn'], events: [['11-07 09:00', 'received', 2, '11-12 09:00'], ['11-08 10:00', 'agency-report', 8]] }

/** The counts of a Figures (the rates follow from them), every one of them, zero unless given. */
type Counts = Omit<Figures, 'onTimeRate' | 'onlineRate' | 'postalRate'>
const ZERO: Counts = { received: 0, resolved: 0, resolvedOnTime: 0, early: 0, onTime: 0, resolvedLate: 0, overdue: 0, openOverdue: 0, inProgress: 0, returned: 0, notAccepted: 0, withdrawn: 0, stopped: 0, online: 0, postal: 0 }
const counts = (f: Figures): Counts => {
  const { onTimeRate, onlineRate, postalRate, ...rest } = f
  return rest
}
const expect = (c: Partial<Counts>): Counts => ({ ...ZERO, ...c })

async function story (t: Test): Promise<{ sql: Sql, ids: Record<string, string> }> {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const ids: Record<string, string> = {}
  for (const spec of [A, B, C, D, E, F, G, H]) ids[spec.code] = await record(sql, spec)
  return { sql, ids }
}

const LATER = new Date('2027-06-01T00:00:00+07:00')

t.test('the bounds of a period are Vietnam days, and its end is never after now', async (t) => {
  const b = periodBounds('2026-11-02', '2026-11-03', LATER)
  t.equal(b.start.toISOString(), '2026-11-01T17:00:00.000Z', '00:00 on the 2nd in Vietnam')
  t.equal(b.next.toISOString(), '2026-11-03T17:00:00.000Z', 'the start of the day after `to`')
  t.equal(b.end.toISOString(), '2026-11-03T16:59:59.999Z', 'the last instant of `to`')
  const now = new Date('2026-11-03T10:00:00+07:00')
  t.equal(periodBounds('2026-11-02', '2026-11-30', now).end.toISOString(), now.toISOString(), 'a period not over yet ends now')
})

t.test('totals of several periods count each figure on its day, the present at the period\'s end', async (t) => {
  const { sql } = await story(t)
  const stats = new StatsQueries(sql)
  const at = async (from: string, to: string, now = LATER): Promise<Counts> => counts((await stats.figures({ from, to, now })).totals)

  t.same(await at('2026-11-02', '2026-11-02'), expect({
    received: 2,
    online: 1,
    postal: 1, // A online; B returned by post; D (00:30 on the 3rd) is not of the 2nd
    inProgress: 3 // A, B, and F received in October, processing at the end of the 2nd, not yet due
  }), 'Mon 2: A and B received; F carried over')

  t.same(await at('2026-11-01', '2026-11-07'), expect({
    received: 7,
    online: 2,
    postal: 2, // A B C D E G H; online A E; postal C (by post), B (returned by post)
    resolved: 2,
    early: 1,
    onTime: 1,
    resolvedOnTime: 2,
    returned: 1,
    withdrawn: 1,
    notAccepted: 1,
    inProgress: 4,
    openOverdue: 2,
    overdue: 2 // open at Sat 7 24:00: C (flagged Fri), F (paused), G (due Fri, not flagged yet), H
  }), 'the first week')

  t.same(await at('2026-11-08', '2026-11-14'), expect({
    resolved: 1,
    resolvedLate: 1,
    stopped: 1, // C resolved late on the 10th, H stopped on the 8th
    inProgress: 2,
    openOverdue: 1,
    overdue: 2 // F paused; G flagged on the 9th; overdue = late C + open G
  }), 'the second week: nothing received')

  t.same(await at('2026-10-01', '2026-10-31'), expect({ received: 1, online: 1, inProgress: 1 }), 'October: F received and open at its end')
  t.same(await at('2026-12-01', '2026-12-31'), expect({ inProgress: 2, openOverdue: 1, overdue: 1 }), 'December: only what is still open (F, G)')

  t.same(await at('2026-11-01', '2026-11-30', new Date('2026-11-05T12:00:00+07:00')), expect({
    received: 6,
    online: 2,
    postal: 2,
    resolved: 1,
    early: 1,
    resolvedOnTime: 1,
    withdrawn: 1,
    notAccepted: 1,
    inProgress: 4,
    openOverdue: 0 // at Thu 5 12:00: B, C, F (paused), G; C and G not due before Fri
  }), 'a month not over: its end is now (Thu 5 noon), what happened later is not counted yet')

  const full = (await stats.figures({ from: '2026-11-01', to: '2026-11-07', now: LATER })).totals
  t.equal(full.onTimeRate, 1, '(early + on time) / resolved')
  t.equal(full.onlineRate, 0.2857, 'online / received, 4 decimals')
  t.equal((await stats.figures({ from: '2026-11-08', to: '2026-11-14', now: LATER })).totals.onTimeRate, 0, 'one resolved, late')
  t.equal((await stats.figures({ from: '2025-01-01', to: '2025-12-31', now: LATER })).totals.onTimeRate, null, 'nothing resolved: no rate')
})

t.test('a past period gives the same answer after later history is added', async (t) => {
  const { sql, ids } = await story(t)
  const stats = new StatsQueries(sql)
  const week = async (): Promise<Counts> => counts((await stats.figures({ from: '2026-11-01', to: '2026-11-07', now: LATER })).totals)
  const before = await week()
  t.equal(before.inProgress, 4)
  t.equal(before.openOverdue, 2)

  // G resolved late and F supplied and resolved, after the week; the dossiers' columns move on
  // (G's overdue_since is cleared, its status is 9) as the store writes them
  await append(sql, ids.G as string, G, [['11-20 10:00', 'agency-report', 9]])
  await append(sql, ids.F as string, F, [['11-21 10:00', 'agency-report', 4, '11-24 09:00'], ['11-22 10:00', 'agency-report', 9]])
  const [g] = await sql<Array<{ status: number, overdue_since: Date | null }>>`select status, overdue_since from dossiers where id = ${ids.G as string}`
  t.same(g, { status: 9, overdue_since: null }, 'G is resolved and no longer flagged')

  t.same(await week(), before, 'the first week is unchanged: G and F were open at its end, G overdue')
  t.same(counts((await stats.figures({ from: '2026-11-15', to: '2026-11-30', now: LATER })).totals), expect({
    resolved: 2, early: 0, onTime: 1, resolvedLate: 1, resolvedOnTime: 1, overdue: 1 // G late; F on time (no timeliness stamped)
  }), 'the later period has them resolved')
  t.same(counts((await stats.figures({ from: '2026-12-01', to: '2026-12-31', now: LATER })).totals), ZERO, 'nothing open any more')
})

t.test('groupings: by agency (the return step left out), procedure, level and channel', async (t) => {
  const { sql } = await story(t)
  const stats = new StatsQueries(sql)
  const grouped = async (groupBy: 'agency' | 'procedure' | 'level' | 'channel'): Promise<Record<string, Counts>> => {
    const table = await stats.figures({ from: '2026-11-01', to: '2026-11-07', groupBy, now: LATER })
    t.same(counts(table.totals).received, 7, `${groupBy}: the totals count each dossier once`)
    return Object.fromEntries((table.groups ?? []).map((g) => { const { key, ...f } = g; return [key, counts(f)] }))
  }

  const byAgency = await grouped('agency')
  t.same(Object.keys(byAgency), ['evn', 'justice', 'police'], 'sorted; vnpost (the return step) is no row')
  t.same(byAgency.evn, expect({ received: 5, online: 2, postal: 1, resolved: 2, early: 1, onTime: 1, resolvedOnTime: 2, returned: 1, notAccepted: 1, inProgress: 2, openOverdue: 1, overdue: 1 }), 'evn: A B E G H')
  t.same(byAgency.justice, expect({ received: 2, postal: 1, withdrawn: 1, inProgress: 1, openOverdue: 1, overdue: 1 }), 'justice: C D')
  t.same(byAgency.police, expect({ received: 1, postal: 1, inProgress: 2, openOverdue: 1, overdue: 1 }), 'police: C, and F carried over')

  const byProcedure = await grouped('procedure')
  t.same(Object.keys(byProcedure), ['P1', 'P2'])
  t.same(byProcedure.P1, byAgency.evn, 'P1 is evn\'s')
  t.same(byProcedure.P2, expect({ received: 2, postal: 1, withdrawn: 1, inProgress: 2, openOverdue: 1, overdue: 1 }), 'P2: C D, F open')

  const byLevel = await grouped('level')
  t.same(byLevel, { district: byProcedure.P2, province: byProcedure.P1 }, 'P1 is provincial, P2 district')

  const byChannel = await grouped('channel')
  t.same(Object.keys(byChannel), ['counter', 'online', 'postal'])
  t.same(byChannel.online, expect({ received: 2, online: 2, resolved: 1, early: 1, resolvedOnTime: 1, notAccepted: 1, inProgress: 1 }), 'online: A E, F open')
  t.same(byChannel.counter, expect({ received: 4, postal: 1, resolved: 1, onTime: 1, resolvedOnTime: 1, returned: 1, withdrawn: 1, inProgress: 2, openOverdue: 1, overdue: 1 }), 'counter: B D G H')
  t.same(byChannel.postal, expect({ received: 1, postal: 1, inProgress: 1, openOverdue: 1, overdue: 1 }), 'by post: C')
})

t.test('an agency scope counts only the dossiers routed to it', async (t) => {
  const { sql } = await story(t)
  const stats = new StatsQueries(sql)
  const justice = await stats.figures({ from: '2026-11-01', to: '2026-11-07', agency: 'justice', now: LATER })
  t.same(counts(justice.totals), expect({ received: 2, postal: 1, withdrawn: 1, inProgress: 1, openOverdue: 1, overdue: 1 }), 'C and D')
  t.equal(justice.groups, undefined, 'no grouping asked: no rows')
  const own = await stats.figures({ from: '2026-11-01', to: '2026-11-07', agency: 'justice', groupBy: 'agency', now: LATER })
  t.same(own.groups?.map((g) => g.key), ['justice'], 'grouped by agency: its own row only, though C also goes to police')
  const { key, ...row } = own.groups?.[0] ?? { key: '', ...justice.totals }
  t.equal(key, 'justice')
  t.same(counts(row), counts(justice.totals), 'its row is its totals')
  const postal = await stats.figures({ from: '2026-11-01', to: '2026-11-07', agency: 'vnpost', now: LATER })
  t.same(counts(postal.totals), ZERO, 'the postal service carrying a result is not an agency of the route')
})

t.test('the service: its bounds and scope errors, names, and the figures of the queries', async (t) => {
  const { sql } = await story(t)
  const now = (): Date => LATER
  const service = new StatsService(new StatsQueries(sql), { agency: new Map([['evn', 'Điện lực']]) }, now)
  const answer = await service.query({ from: '2026-11-01', to: '2026-11-07', groupBy: 'agency' })
  t.same(answer.groups?.map((g) => [g.key, g.name, g.received]), [['evn', 'Điện lực', 5], ['justice', undefined, 2], ['police', undefined, 1]])
  t.equal(answer.totals.inProgress, 4)
  const year = await service.query({})
  t.equal(year.from, '2027-01-01', 'default: from 1 January of today\'s year')
  t.equal(year.to, '2027-06-01')
  t.equal(year.totals.received, 0)
  t.equal(year.totals.inProgress, 2, 'F and G, open since November 2026, are open now')
  const agency: Client = { id: 'evn-client', name: 'EVN', role: 'agency', agency: 'evn', createdAt: '2026-01-01T00:00:00.000+07:00' }
  const evn = await service.query({ from: '2026-11-01', to: '2026-11-07' }, agency)
  t.equal(evn.agency, 'evn')
  t.equal(evn.totals.received, 5)
  await t.rejects(service.query({ from: '2026-11-01', to: '2026-11-07', groupBy: 'procedure' }, agency), { code: 'HUB_ERR_STATS_SCOPE' })
  await t.rejects(service.query({ from: '2020-01-01', to: '2026-01-01' }), { code: 'HUB_ERR_VALIDATION' }, 'more than MAX_STATS_DAYS')
  await t.rejects(service.query({ from: '2026-12-01', to: '2026-11-01' }), { code: 'HUB_ERR_VALIDATION' }, 'backwards')
})

t.test('the /metrics gauges count the dossiers by status and the overdue ones, by SQL', async (t) => {
  const { sql, ids } = await story(t)
  const gauges = new DossierGauges(sql)
  t.same(Object.fromEntries(await gauges.byStatus()), { 3: 1, 5: 1, 4: 1, 7: 1, 8: 1, 9: 2, 10: 1 }, 'E 3; F 5; G 4; D 7; H 8; A C 9; B 10')
  const overdue = await gauges.overdue(LATER)
  t.equal(overdue.total, 1, 'G, flagged (F is paused)')
  t.same(Object.fromEntries(overdue.byAgency), { evn: 1 })

  // a dossier past due that the sweeper has not reached: in the total, not in the flagged rows
  const I: Spec = { code: 'I', procedure: 'P2', channel: 'online', agencies: ['justice'], postalReturn: true, events: [['11-20 09:00', 'received', 2, '11-23 09:00']] }
  await record(sql, I)
  t.equal((await gauges.overdue(new Date('2026-11-23T08:59:00+07:00'))).total, 1, 'not yet due')
  const due = await gauges.overdue(new Date('2026-11-23T09:00:00+07:00'))
  t.equal(due.total, 2, 'due: counted before the sweep')
  t.same(Object.fromEntries(due.byAgency), { evn: 1 })
  await append(sql, ids.G as string, G, [['11-24 10:00', 'agency-report', 9]])
  t.same(Object.fromEntries(await gauges.byStatus()), { 2: 1, 3: 1, 5: 1, 7: 1, 8: 1, 9: 3, 10: 1 }, 'G resolved, I received')
  t.same(Object.fromEntries((await gauges.overdue(LATER)).byAgency), {}, 'nothing flagged is open')
})
