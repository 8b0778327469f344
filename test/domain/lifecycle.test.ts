/**
 * The lifecycle's pure parts, without a store: the transition table, what a status change does to
 * the clock and the finish stamps, the overdue flag, delays.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { TRANSITIONS, announceDelay, changeStatus, checkTransition, isOpen, markOverdue, overdueCheckAt, supplementRequestInTime, type DossierHead } from '../../src/domain/lifecycle.ts'
import { WorkingCalendar, type HolidayTable } from '../../src/domain/calendar.ts'
import { STATUSES, type DossierStatus } from '../../src/domain/status.ts'
import { fromRoot } from '../../src/paths.ts'

const calendar = new WorkingCalendar(JSON.parse(readFileSync(fromRoot('config', 'holidays.json'), 'utf8')) as HolidayTable)
const ALL = Object.keys(STATUSES) as DossierStatus[]

const head = (status: DossierStatus, extra: Partial<DossierHead> = {}): DossierHead => ({
  status,
  receivedAt: '2026-11-23T09:00:00.000+07:00',
  dueAt: '2026-11-26T09:00:00.000+07:00',
  facts: { channel: 'online', level: 'province', returnMethod: 'counter', rule: { days: 3, count: 'working' } },
  ...extra
})

t.test('the transition table: every pair, legal or refused with both statuses named', async (t) => {
  const legal: Array<[DossierStatus, DossierStatus]> = [
    ['new', 'received'], ['received', 'processing'], ['received', 'not-accepted'], ['processing', 'supplement-requested'],
    ['supplement-requested', 'processing'], ['payment-requested', 'processing'], ['processing', 'resolved'], ['resolved', 'returned'],
    ['received', 'withdrawn'], ['supplement-requested', 'withdrawn'], ['processing', 'stopped']
  ]
  for (const [from, to] of legal) t.ok(checkTransition(from, to).ok, `${from} → ${to}`)
  const refused: Array<[DossierStatus, DossierStatus]> = [
    ['processing', 'not-accepted'], ['received', 'returned'], ['resolved', 'withdrawn'], ['returned', 'processing'],
    ['withdrawn', 'resolved'], ['not-accepted', 'received'], ['stopped', 'processing'], ['resolved', 'processing']
  ]
  for (const [from, to] of refused) {
    const c = checkTransition(from, to)
    t.notOk(c.ok, `${from} → ${to} refused`)
    if (!c.ok) {
      t.match(c.detail, `from ${from} (${STATUSES[from].code}) to ${to} (${STATUSES[to].code})`)
    }
  }
  let pairs = 0
  for (const from of ALL) {
    for (const to of ALL) {
      pairs++
      t.equal(checkTransition(from, to).ok, from === to || TRANSITIONS[from].includes(to), `${from} → ${to} follows the table`)
    }
  }
  t.equal(pairs, 100)
  t.same(ALL.filter((s) => TRANSITIONS[s].length === 0).sort(), ['not-accepted', 'returned', 'stopped', 'withdrawn'], 'the ends')
  t.same(ALL.filter(isOpen).sort(), ['new', 'payment-requested', 'processing', 'received', 'supplement-requested'])
})

t.test('a pause moves the due date by the paused working time; finishing stamps and judges', async (t) => {
  const paused = changeStatus(calendar, head('processing'), 'supplement-requested', new Date('2026-11-24T09:00:00+07:00'))
  t.equal(paused.facts.pausedSince, '2026-11-24T09:00:00.000+07:00')
  t.equal(overdueCheckAt(paused), undefined, 'a paused dossier is not watched')
  const payment = changeStatus(calendar, paused, 'payment-requested', new Date('2026-11-25T09:00:00+07:00'))
  t.equal(payment.facts.pausedSince, paused.facts.pausedSince, 'still one pause from supplement to payment')
  const resumed = changeStatus(calendar, payment, 'processing', new Date('2026-11-26T09:00:00+07:00'))
  t.equal(resumed.facts.pausedSince, undefined)
  t.equal(new Date(resumed.dueAt as string).getTime(), Date.parse('2026-11-30T09:00:00+07:00'), '16 working hours later')
  t.equal(overdueCheckAt(resumed), Date.parse('2026-11-30T09:00:00+07:00'))
  const early = changeStatus(calendar, resumed, 'resolved', new Date('2026-11-27T10:00:00+07:00'))
  t.equal(early.facts.timeliness, 'early')
  t.equal(changeStatus(calendar, resumed, 'resolved', new Date('2026-11-30T08:00:00+07:00')).facts.timeliness, 'on-time')
  t.equal(changeStatus(calendar, resumed, 'resolved', new Date('2026-11-30T10:00:00+07:00')).facts.timeliness, 'overdue')
  const returned = changeStatus(calendar, early, 'returned', new Date('2026-12-01T10:00:00+07:00'))
  t.equal(returned.facts.resolvedAt, early.facts.resolvedAt, 'resolved stays when it was')
  t.equal(returned.facts.returnedAt, '2026-12-01T10:00:00.000+07:00')
  t.equal(changeStatus(calendar, head('received'), 'withdrawn', new Date('2026-11-24T09:00:00+07:00')).facts.closedAt, '2026-11-24T09:00:00.000+07:00')
})

t.test('the overdue flag: only an open, running, unflagged dossier past its due date', async (t) => {
  const due = new Date('2026-11-26T09:00:00+07:00')
  t.equal(markOverdue(head('processing'), new Date(due.getTime() - 1)), undefined, 'not before')
  const flagged = markOverdue(head('processing'), due)
  t.equal(flagged?.facts.overdueSince, '2026-11-26T09:00:00.000+07:00')
  t.equal(markOverdue(flagged as DossierHead, new Date(due.getTime() + 1000)), undefined, 'once')
  t.equal(markOverdue(head('supplement-requested'), due), undefined, 'not while paused')
  t.equal(markOverdue(head('resolved'), due), undefined, 'not when finished')
  t.equal(changeStatus(calendar, flagged as DossierHead, 'resolved', new Date(due.getTime() + 1000)).facts.overdueSince, undefined, 'a finished dossier is judged by its finish')
})

t.test('a delay announced: in time when a working day ahead; a date not later changes nothing', async (t) => {
  const h = head('processing')
  const inTime = announceDelay(calendar, h, new Date('2026-12-03T17:00:00+07:00'), new Date('2026-11-24T09:00:00+07:00'))
  t.equal(inTime?.inTime, true)
  t.equal(inTime?.head.facts.rescheduledDueAt, '2026-12-03T17:00:00.000+07:00')
  t.equal(inTime?.head.dueAt, h.dueAt, 'the legal due date stays')
  const late = announceDelay(calendar, h, new Date('2026-12-03T17:00:00+07:00'), new Date('2026-11-25T15:00:00+07:00'))
  t.equal(late?.inTime, false, 'less than a working day before')
  t.equal(announceDelay(calendar, h, new Date('2026-11-25T17:00:00+07:00'), new Date('2026-11-24T09:00:00+07:00')), undefined, 'earlier than the due date: no delay')
  t.equal(announceDelay(calendar, head('resolved'), new Date('2026-12-03T17:00:00+07:00'), new Date('2026-11-24T09:00:00+07:00')), undefined)
})

t.test('a supplement request is in time within 3 working days of the agency receiving the dossier', async (t) => {
  const at = (iso: string): Date => new Date(iso)
  // online, received Monday 23 Nov 2026 09:00: until Thursday 09:00
  const monday = at('2026-11-23T09:00:00+07:00')
  t.equal(supplementRequestInTime(calendar, monday, at('2026-11-26T09:00:00+07:00'), 'online'), true, 'Thursday 09:00: the last moment')
  t.equal(supplementRequestInTime(calendar, monday, at('2026-11-26T09:01:00+07:00'), 'online'), false, 'a minute later: late')
  // a paper dossier at the desk after 15:00 on Friday 24 Apr 2026 counts from the next working day, across 27 Apr (Hùng Kings) and 30 Apr – 1 May
  const friday = at('2026-04-24T16:00:00+07:00')
  t.equal(supplementRequestInTime(calendar, friday, at('2026-05-04T16:59:00+07:00'), 'counter'), true, 'Monday 4 May before 17:00')
  t.equal(supplementRequestInTime(calendar, friday, at('2026-05-05T08:00:00+07:00'), 'counter'), false, 'Tuesday 5 May: late')
  t.equal(supplementRequestInTime(calendar, friday, at('2026-05-04T16:00:00+07:00'), 'online'), true, 'online, counted from Friday 16:00: Monday 4 May 16:00')
  t.equal(supplementRequestInTime(calendar, friday, at('2026-05-04T16:30:00+07:00'), 'online'), false, 'half an hour later is late online, not on paper')
})
