/**
 * The working-day calendar (src/domain/calendar.ts) over the shipped holiday table
 * (config/holidays.json), no Redis, no clock:
 *
 *  - the table itself: fits schemas/holiday-calendar.schema.json, and says what the Government
 *    Office announced for 2025 and 2026 (Tết Bính Ngọ Mon 16 – Fri 20 Feb 2026, Hùng Kings on
 *    Mon 27 Apr, 30/4–1/5, 31/8–2/9, làm bù on Sat 10 Jan and Sat 22 Aug);
 *  - due dates a one-stop clerk would write on a receipt (ngày hẹn trả), pauses, timeliness;
 *  - properties over random instants in 2025–2026 (fast-check);
 *  - coverage: 2027 provisional, 2028 missing.
 *
 * All instants are written in Vietnam time (+07:00) and compared as Vietnam ISO strings.
 */
import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import {
  DEFAULT_WORKING_HOURS, WorkingCalendar, vietnamDate,
  type DeadlineRule, type HolidayTable, type Timeliness
} from '../../src/domain/calendar.ts'
import { toVietnamIso } from '../../src/domain/vietnam-time.ts'
import { fromRoot } from '../../src/paths.ts'

// ---------------------------------------------------------------------------------------------
// Helpers

const TABLE = JSON.parse(readFileSync(fromRoot('config', 'holidays.json'), 'utf8')) as HolidayTable & { $schema?: string }
const SCHEMA = JSON.parse(readFileSync(fromRoot('schemas', 'holiday-calendar.schema.json'), 'utf8')) as Record<string, unknown>

const cal = new WorkingCalendar(TABLE)

const HOUR = 60 * 60 * 1000
const DAY = 8 * HOUR

/** '2026-04-24T16:00' Vietnam time → the instant */
const vn = (local: string): Date => {
  const d = new Date(`${local}+07:00`)
  if (Number.isNaN(d.getTime())) throw new Error(`bad test instant ${local}`)
  return d
}
/** the instant as a Vietnam ISO string, minutes precision: '2026-05-04T17:00' */
const show = (d: Date): string => toVietnamIso(d).slice(0, 16)

const working = (days: number): DeadlineRule => ({ days, count: 'working' })
const calendar = (days: number): DeadlineRule => ({ days, count: 'calendar' })

/** Vietnam time of day in minutes */
const minutesOfDay = (d: Date): number => {
  const iso = toVietnamIso(d)
  return Number(iso.slice(11, 13)) * 60 + Number(iso.slice(14, 16)) + Number(iso.slice(17, 23)) / 60
}
const clock = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

/** inside a period, or exactly at its end (never exactly at an opening) */
const atWorkingTime = (d: Date): boolean => {
  const m = minutesOfDay(d)
  return DEFAULT_WORKING_HOURS.some((p) => m > clock(p.start) && m <= clock(p.end))
}

// Random instants: anywhere in 2025–2026, and inside working time of a working day.
const FROM = vn('2025-01-01T00:00').getTime()
const TO = vn('2027-01-01T00:00').getTime()
const anyInstant = fc.integer({ min: FROM, max: TO - 1 }).map((ms) => new Date(ms))
/** a working-time offset (ms) into the default 8 h day → the wall-clock offset after midnight */
const wallOffset = (offset: number): number =>
  offset < 4.5 * HOUR ? 7 * HOUR + offset : 13.5 * HOUR + (offset - 4.5 * HOUR)
const inWorkingTime = fc.tuple(fc.integer({ min: 0, max: 729 }), fc.integer({ min: 0, max: DAY - 1 }))
  .map(([day, offset]) => new Date(FROM + day * 24 * HOUR + wallOffset(offset)))
  .filter((d) => cal.isWorkingDay(vietnamDate(d)))
const duration = fc.integer({ min: 0, max: 25 * DAY })
const rule = fc.record({ days: fc.integer({ min: 0, max: 30 }), count: fc.constantFrom<DeadlineRule['count']>('working', 'calendar') })

/** a property over 500 random cases, as one assertion (its message names the counterexample) */
const holds = (t: Test, name: string, property: fc.IProperty<unknown>): void => {
  t.doesNotThrow(() => fc.assert(property, { numRuns: 500 }), name)
}

// ---------------------------------------------------------------------------------------------

t.test('the shipped table fits its schema, and the schema documents itself', async (t) => {
  const ajv = new Ajv({ strict: true, allErrors: true })
  const validate = ajv.compile(SCHEMA)
  t.ok(validate(TABLE), `config/holidays.json is valid ${JSON.stringify(validate.errors ?? [])}`)
  t.equal(TABLE.$schema, '../schemas/holiday-calendar.schema.json', 'the table points editors at its schema')
  t.equal(SCHEMA.$id, 'holiday-calendar')

  const y2026 = TABLE.years['2026']
  t.notOk(validate({ years: { 2026: { ...y2026, extra: 1 } } }), 'an unknown property of a year is refused')
  t.notOk(validate({ years: { 2026: y2026 }, extra: 1 }), 'an unknown property at the root is refused')
  t.notOk(validate({ years: { 26: y2026 } }), 'a year key that is not four digits is refused')
  t.notOk(validate({ years: { 2026: { ...y2026, daysOff: ['16/02/2026'] } } }), 'a date not written YYYY-MM-DD is refused')
  t.notOk(validate({ years: { 2026: { ...y2026, status: 'guessed' } } }), 'a status other than announced/provisional is refused')
  t.notOk(validate({ years: { 2026: { status: 'announced', daysOff: [] } } }), 'workingSaturdays is required')

  // every node that has properties: each property, and the root, describes itself "Vietnamese — English"
  const undocumented: string[] = []
  const open: string[] = []
  const walk = (node: Record<string, unknown>, path: string): void => {
    const d = node.description
    if (typeof d !== 'string' || !/^[^—]+ — \S/.test(d)) undocumented.push(path)
    if (node.type === 'object' && node.additionalProperties !== false) open.push(path)
    const children = { ...(node.properties as Record<string, Record<string, unknown>> | undefined), ...(node.patternProperties as Record<string, Record<string, unknown>> | undefined) }
    for (const [name, child] of Object.entries(children)) walk(child, `${path}/${name}`)
    if (node.items !== undefined) walk(node.items as Record<string, unknown>, `${path}/items`)
  }
  walk(SCHEMA, '#')
  t.strictSame(undocumented, [], 'every description starts with the Vietnamese term and " — "')
  t.strictSame(open, [], 'every object has additionalProperties: false')
})

t.test('the table: what the Government Office announced', async (t) => {
  t.equal(TABLE.years['2025']?.status, 'announced')
  t.equal(TABLE.years['2026']?.status, 'announced')
  t.equal(TABLE.years['2027']?.status, 'provisional', '2027 is not announced: provisional, not silently guessed')
  t.match(TABLE.years['2027']?.note, /not announced/i, 'the note says the 2027 days are a guess')

  const days: Array<[string, boolean, string]> = [
    ['2026-01-01', false, 'Thu 1 Jan 2026: Tết Dương lịch'],
    ['2026-01-02', false, 'Fri 2 Jan 2026: swapped day off'],
    ['2026-01-05', true, 'Mon 5 Jan 2026: ordinary Monday'],
    ['2026-01-10', true, 'Sat 10 Jan 2026: làm bù for 2 Jan'],
    ['2026-01-17', false, 'Sat 17 Jan 2026: ordinary Saturday'],
    ['2026-01-11', false, 'Sun 11 Jan 2026'],
    ['2026-02-13', true, 'Fri 13 Feb 2026: last working day before Tết'],
    ['2026-02-16', false, 'Mon 16 Feb 2026: 29 Tết'],
    ['2026-02-17', false, 'Tue 17 Feb 2026: mùng 1 Tết Bính Ngọ'],
    ['2026-02-18', false, 'Wed 18 Feb 2026: mùng 2'],
    ['2026-02-19', false, 'Thu 19 Feb 2026: mùng 3'],
    ['2026-02-20', false, 'Fri 20 Feb 2026: mùng 4'],
    ['2026-02-23', true, 'Mon 23 Feb 2026: back to work'],
    ['2026-04-26', false, 'Sun 26 Apr 2026: Giỗ Tổ Hùng Vương on a Sunday'],
    ['2026-04-27', false, 'Mon 27 Apr 2026: compensatory day for Hùng Kings'],
    ['2026-04-28', true, 'Tue 28 Apr 2026'],
    ['2026-04-30', false, 'Thu 30 Apr 2026: Ngày Giải phóng miền Nam'],
    ['2026-05-01', false, 'Fri 1 May 2026: Quốc tế Lao động'],
    ['2026-05-04', true, 'Mon 4 May 2026'],
    ['2026-08-22', true, 'Sat 22 Aug 2026: làm bù for 31 Aug'],
    ['2026-08-31', false, 'Mon 31 Aug 2026: swapped day off'],
    ['2026-09-01', false, 'Tue 1 Sep 2026: Quốc khánh (adjacent day)'],
    ['2026-09-02', false, 'Wed 2 Sep 2026: Quốc khánh'],
    ['2026-09-03', true, 'Thu 3 Sep 2026'],
    ['2025-01-29', false, 'Wed 29 Jan 2025: mùng 1 Tết Ất Tỵ'],
    ['2025-04-07', false, 'Mon 7 Apr 2025: Hùng Kings'],
    ['2025-04-26', true, 'Sat 26 Apr 2025: làm bù for 2 May'],
    ['2025-05-02', false, 'Fri 2 May 2025: swapped day off'],
    ['2025-09-01', false, 'Mon 1 Sep 2025'],
    ['2027-02-08', false, 'Mon 8 Feb 2027: provisional Tết'],
    ['2027-05-03', false, 'Mon 3 May 2027: provisional compensatory day for Sat 1 May']
  ]
  for (const [date, expected, why] of days) t.equal(cal.isWorkingDay(date), expected, `${why}: ${expected ? 'working' : 'off'}`)

  // 261 weekdays in each of 2025 and 2026; 12 and 13 weekdays off; 1 and 2 working Saturdays
  t.equal(cal.workingTimeBetween(vn('2025-01-01T00:00'), vn('2026-01-01T00:00')), 250 * DAY, '2025 has 250 working days')
  t.equal(cal.workingTimeBetween(vn('2026-01-01T00:00'), vn('2027-01-01T00:00')), 250 * DAY, '2026 has 250 working days')
  t.equal(cal.workingTimeBetween(vn('2026-02-14T00:00'), vn('2026-02-23T00:00')), 0, 'nothing counts from Sat 14 to Sun 22 Feb 2026 (Tết)')

  t.throws(() => cal.isWorkingDay('2026-02-30'), RangeError, 'a date that does not exist is refused')
  t.throws(() => cal.isWorkingDay('17/02/2026'), RangeError, 'a date not written YYYY-MM-DD is refused')
})

t.test('vietnamDate and the time zone', async (t) => {
  t.equal(vietnamDate(new Date('2026-04-24T17:30:00Z')), '2026-04-25', '17:30 UTC is 00:30 the next day in Vietnam')
  t.equal(vietnamDate(new Date('2026-04-24T16:59:59.999Z')), '2026-04-24', 'one ms before Vietnam midnight')
  const tz = process.env.TZ
  try {
    process.env.TZ = 'America/Los_Angeles'
    t.equal(show(cal.dueDate(vn('2026-04-24T16:00'), working(3), { paper: true })), '2026-05-04T17:00', 'the server\'s time zone plays no part')
    t.equal(vietnamDate(vn('2026-02-17T00:30')), '2026-02-17', 'half past midnight on mùng 1 Tết is still 17 Feb')
  } finally {
    if (tz === undefined) delete process.env.TZ
    else process.env.TZ = tz
  }
})

t.test('startOfHandling: the 15:00 rule for paper dossiers (Decree 61/2018 Art. 18)', async (t) => {
  const cases: Array<[string, boolean, string, string]> = [
    ['2026-04-24T16:00', true, '2026-04-28T07:00', 'paper, Fri 24 Apr 16:00: next working day is Tue 28 Apr (27 Apr off)'],
    ['2026-04-24T16:00', false, '2026-04-24T16:00', 'online, Fri 24 Apr 16:00: counts at once'],
    ['2026-04-24T14:59', true, '2026-04-24T14:59', 'paper before 15:00: counts at once'],
    ['2026-04-24T15:00', true, '2026-04-24T15:00', 'paper at 15:00 sharp is not after 15:00'],
    ['2026-04-24T15:01', true, '2026-04-28T07:00', 'paper at 15:01: next working day'],
    ['2026-04-24T17:30', false, '2026-04-28T07:00', 'online after closing: next working day\'s opening'],
    ['2026-04-24T06:15', false, '2026-04-24T06:15', 'before opening on a working day: itself (time before 07:00 does not count anyway)'],
    ['2026-02-17T09:00', false, '2026-02-23T07:00', 'online on mùng 1 Tết: Mon 23 Feb'],
    ['2026-01-09T16:00', true, '2026-01-10T07:00', 'paper Fri 9 Jan 16:00: Sat 10 Jan is a working Saturday'],
    ['2026-01-17T09:00', false, '2026-01-19T07:00', 'online on an ordinary Saturday: Monday'],
    ['2026-08-28T16:00', true, '2026-09-03T07:00', 'paper Fri 28 Aug 16:00: 31 Aug – 2 Sep off, Thu 3 Sep']
  ]
  for (const [at, paper, expected, why] of cases) t.equal(show(cal.startOfHandling(vn(at), paper)), expected, why)
})

t.test('dueDate: working days, as a clerk writes the ngày hẹn trả', async (t) => {
  const cases: Array<[string, boolean, number, string, string]> = [
    ['2026-04-24T16:00', true, 3, '2026-05-04T17:00', 'paper Fri 24 Apr 16:00, 3 days: Tue 28, Wed 29, Mon 4 May (27 Apr, 30 Apr, 1 May off)'],
    ['2026-04-24T16:00', false, 3, '2026-05-04T16:00', 'online Fri 24 Apr 16:00 keeps its Friday hour: Mon 4 May 16:00'],
    ['2026-04-24T14:00', true, 3, '2026-05-04T14:00', 'paper Fri 24 Apr 14:00 (before 15:00): Mon 4 May 14:00'],
    ['2026-02-13T16:00', true, 3, '2026-02-25T17:00', 'paper Fri 13 Feb 16:00 before Tết, 3 days: Mon 23, Tue 24, Wed 25 Feb'],
    ['2026-02-13T16:00', false, 3, '2026-02-25T16:00', 'online Fri 13 Feb 16:00, 3 days: Wed 25 Feb 16:00'],
    ['2026-02-12T10:00', true, 5, '2026-02-26T10:00', 'paper Thu 12 Feb 10:00, 5 days across Tết: Thu 26 Feb 10:00'],
    ['2026-02-13T09:00', true, 1, '2026-02-23T09:00', 'paper Fri 13 Feb 09:00, 1 day: Mon 23 Feb 09:00'],
    ['2026-01-09T16:00', true, 1, '2026-01-10T17:00', 'paper Fri 9 Jan 16:00, 1 day: the working Saturday 10 Jan'],
    ['2026-01-10T09:00', false, 1, '2026-01-12T09:00', 'online on the working Saturday 10 Jan 09:00: Mon 12 Jan 09:00'],
    ['2026-08-21T16:00', true, 1, '2026-08-22T17:00', 'paper Fri 21 Aug 16:00, 1 day: the working Saturday 22 Aug'],
    ['2026-08-28T16:00', true, 2, '2026-09-04T17:00', 'paper Fri 28 Aug 16:00, 2 days: Thu 3, Fri 4 Sep'],
    ['2026-08-28T16:00', false, 2, '2026-09-04T16:00', 'online Fri 28 Aug 16:00, 2 days: Fri 4 Sep 16:00'],
    ['2026-03-02T12:00', false, 1, '2026-03-03T11:30', 'online at lunch: the count starts at 13:30, ends at Tuesday\'s lunch break'],
    ['2026-03-02T07:00', true, 10, '2026-03-13T17:00', 'paper Mon 2 Mar at opening, 10 days: Fri 13 Mar 17:00'],
    ['2025-04-25T16:00', true, 1, '2025-04-26T17:00', 'paper Fri 25 Apr 2025 16:00: Sat 26 Apr 2025 is làm bù'],
    ['2025-12-31T16:00', true, 1, '2026-01-05T17:00', 'paper Wed 31 Dec 2025 16:00: 1–2 Jan 2026 off, Mon 5 Jan']
  ]
  for (const [at, paper, days, expected, why] of cases) t.equal(show(cal.dueDate(vn(at), working(days), { paper })), expected, why)
})

t.test('dueDate: calendar days move off weekends and holidays', async (t) => {
  const cases: Array<[string, boolean, number, string, string]> = [
    ['2026-04-13T10:00', false, 14, '2026-04-28T17:00', 'Mon 13 Apr + 14 = Mon 27 Apr (Hùng Kings): Tue 28 Apr'],
    ['2026-04-16T10:00', false, 14, '2026-05-04T17:00', 'Thu 16 Apr + 14 = Thu 30 Apr: 30/4, 1/5, weekend: Mon 4 May'],
    ['2026-04-01T10:00', true, 4, '2026-04-06T17:00', 'Wed 1 Apr + 4 = Sun 5 Apr: Mon 6 Apr'],
    ['2026-02-02T10:00', true, 15, '2026-02-23T17:00', 'Mon 2 Feb + 15 = Tue 17 Feb (mùng 1): Mon 23 Feb'],
    ['2026-04-10T16:00', true, 3, '2026-04-16T17:00', 'paper Fri 10 Apr 16:00 counts from Mon 13 Apr: Thu 16 Apr'],
    ['2026-04-10T16:00', false, 3, '2026-04-13T17:00', 'online Fri 10 Apr 16:00 counts from Fri 10 Apr: Mon 13 Apr'],
    ['2026-08-19T09:00', false, 3, '2026-08-22T17:00', 'Wed 19 Aug + 3 = Sat 22 Aug, a working Saturday: stays'],
    ['2026-08-26T09:00', false, 5, '2026-09-03T17:00', 'Wed 26 Aug + 5 = Mon 31 Aug: 31/8 – 2/9 off, Thu 3 Sep']
  ]
  for (const [at, paper, days, expected, why] of cases) t.equal(show(cal.dueDate(vn(at), calendar(days), { paper })), expected, why)
})

t.test('dueDate: the same-day rule (days 0) for civil-status matters', async (t) => {
  const cases: Array<[string, boolean, string, string]> = [
    ['2026-04-14T10:00', true, '2026-04-14T17:00', 'paper Tue 14 Apr 10:00: the same day, 17:00'],
    ['2026-04-14T10:00', false, '2026-04-14T17:00', 'online Tue 14 Apr 10:00: the same day'],
    ['2026-04-14T15:00', true, '2026-04-14T17:00', 'at 15:00 sharp: still the same day'],
    ['2026-04-14T15:30', true, '2026-04-15T17:00', 'paper after 15:00: the next working day'],
    ['2026-04-14T15:30', false, '2026-04-15T17:00', 'online after 15:00: the next working day too'],
    ['2026-04-29T16:00', true, '2026-05-04T17:00', 'Wed 29 Apr 16:00: 30/4 and 1/5 off, Mon 4 May'],
    ['2026-01-10T09:00', true, '2026-01-10T17:00', 'on the working Saturday 10 Jan'],
    ['2026-01-11T09:00', false, '2026-01-12T17:00', 'online on Sunday 11 Jan: Monday 12 Jan'],
    ['2026-02-13T15:30', true, '2026-02-23T17:00', 'Fri 13 Feb after 15:00: after Tết, Mon 23 Feb'],
    ['2026-04-14T06:30', false, '2026-04-14T17:00', 'before opening: the same day']
  ]
  for (const [at, paper, expected, why] of cases) {
    t.equal(show(cal.dueDate(vn(at), working(0), { paper })), expected, `${why} (working)`)
    t.equal(show(cal.dueDate(vn(at), calendar(0), { paper })), expected, `${why} (calendar)`)
  }
  t.throws(() => cal.dueDate(vn('2026-04-14T10:00'), working(-1), { paper: true }), RangeError, 'negative days are refused')
  t.throws(() => cal.dueDate(vn('2026-04-14T10:00'), working(1.5), { paper: true }), RangeError, 'fractional days are refused')
})

t.test('shiftForPause: a supplement request across Tết', async (t) => {
  // paper, Mon 9 Feb 2026 08:00, 5 working days: 9–13 Feb give 39 h, the last hour is after Tết
  const due = cal.dueDate(vn('2026-02-09T08:00'), working(5), { paper: true })
  t.equal(show(due), '2026-02-23T08:00', 'due Mon 23 Feb 08:00, after Tết')
  // supplement requested Wed 11 Feb 10:00, papers brought Tue 24 Feb 10:00:
  // Wed 5 h + Thu 8 h + Fri 8 h + Mon 23 8 h + Tue 24 3 h = 32 h = 4 working days paused
  t.equal(cal.workingTimeBetween(vn('2026-02-11T10:00'), vn('2026-02-24T10:00')), 32 * HOUR, 'Tết does not count as paused time')
  t.equal(show(cal.shiftForPause(due, vn('2026-02-11T10:00'), vn('2026-02-24T10:00'), 'working')), '2026-02-27T08:00', 'the due date moves by 4 working days: Fri 27 Feb 08:00')
  t.equal(show(cal.shiftForPause(due, vn('2026-02-16T09:00'), vn('2026-02-20T09:00'), 'working')), '2026-02-23T08:00', 'a pause inside Tết moves nothing')
  t.equal(show(cal.shiftForPause(due, vn('2026-02-13T10:00'), vn('2026-02-13T09:00'), 'working')), '2026-02-23T08:00', 'resumed before paused: nothing')

  // calendar count: due Fri 13 Feb 17:00, paused Thu 12 Feb, resumed Mon 23 Feb: 11 dates
  const calDue = cal.dueDate(vn('2026-02-03T10:00'), calendar(10), { paper: false })
  t.equal(show(calDue), '2026-02-13T17:00', 'Tue 3 Feb + 10 calendar days: Fri 13 Feb')
  t.equal(show(cal.shiftForPause(calDue, vn('2026-02-12T10:00'), vn('2026-02-23T08:00'), 'calendar')), '2026-02-24T17:00', '+11 days: Tue 24 Feb')
  t.equal(show(cal.shiftForPause(calDue, vn('2026-02-11T10:00'), vn('2026-02-12T08:00'), 'calendar')), '2026-02-23T17:00', '+1 day: Sat 14 Feb → past Tết, Mon 23 Feb')
  t.equal(show(cal.shiftForPause(calDue, vn('2026-02-12T08:00'), vn('2026-02-12T16:00'), 'calendar')), '2026-02-13T17:00', 'paused and resumed the same day: unchanged')
  t.equal(show(cal.shiftForPause(vn('2026-02-13T10:00'), vn('2026-02-12T08:00'), vn('2026-02-12T16:00'), 'calendar')), '2026-02-13T10:00', 'no date paused: a due instant is kept as it is')
  t.equal(show(cal.shiftForPause(vn('2026-03-10T10:00'), vn('2026-03-02T08:00'), vn('2026-03-04T16:00'), 'calendar')), '2026-03-12T17:00', '2 dates paused: Thu 12 Mar, at closing')
})

t.test('timeliness', async (t) => {
  const due = vn('2026-05-04T17:00')
  const cases: Array<[string, Timeliness, string]> = [
    ['2026-04-29T10:00', 'early', 'finished the working day before'],
    ['2026-05-03T23:59', 'early', 'finished on the Sunday before'],
    ['2026-05-04T07:00', 'on-time', 'finished on the due date, morning'],
    ['2026-05-04T17:00', 'on-time', 'finished exactly at the due instant'],
    ['2026-05-04T17:01', 'overdue', 'one minute late'],
    ['2026-05-05T08:00', 'overdue', 'the next day']
  ]
  for (const [at, expected, why] of cases) t.equal(cal.timeliness(vn(at), due), expected, why)
})

t.test('coverage and years missing from the table', async (t) => {
  t.strictSame(cal.coverage(2025, 2028), { missing: [2028], provisional: [2027] }, '2027 provisional, 2028 missing')
  t.strictSame(cal.coverage(2025, 2026), { missing: [], provisional: [] }, '2025–2026 announced')
  t.strictSame(cal.coverage(2024, 2024), { missing: [2024], provisional: [] })
  t.throws(() => cal.coverage(2028, 2025), RangeError)

  const reported: number[] = []
  const c = new WorkingCalendar(TABLE, { onMissingYear: (year) => reported.push(year) })
  t.equal(show(c.dueDate(vn('2027-06-01T10:00'), working(5), { paper: true })), '2027-06-08T10:00', 'inside 2027: nothing reported')
  t.strictSame(reported, [], 'a provisional year is not a missing year')
  // Thu 23 Dec 2027 16:00, paper, 10 days: Fri 24, Mon 27 – Fri 31 Dec (6), then weekdays of 2028 (Mon 3 – Thu 6 Jan)
  t.equal(show(c.dueDate(vn('2027-12-23T16:00'), working(10), { paper: true })), '2028-01-06T17:00', '2028 counts weekdays only')
  t.strictSame(reported, [2028], 'onMissingYear called for 2028')
  c.addWorkingTime(vn('2027-12-30T10:00'), 30 * DAY)
  t.equal(c.isWorkingDay('2028-01-03'), true, 'Mon 3 Jan 2028: a weekday')
  t.equal(c.isWorkingDay('2028-01-01'), false, 'Sat 1 Jan 2028: weekend')
  t.strictSame(reported, [2028], 'reported once per year per calendar')
  c.isWorkingDay('2029-03-01')
  t.strictSame(reported, [2028, 2029], 'another missing year is reported too')

  const other: number[] = []
  const c2 = new WorkingCalendar(TABLE, { onMissingYear: (year) => other.push(year) })
  c2.isWorkingDay('2028-05-02')
  t.strictSame(other, [2028], 'each calendar reports for itself')
})

t.test('options: working hours and cutoff are validated and used', async (t) => {
  t.throws(() => new WorkingCalendar(TABLE, { hours: [{ start: '13:30', end: '17:00' }, { start: '07:00', end: '11:30' }] }), /sorted/, 'unsorted periods')
  t.throws(() => new WorkingCalendar(TABLE, { hours: [{ start: '07:00', end: '12:00' }, { start: '11:30', end: '17:00' }] }), /overlap/, 'overlapping periods')
  t.throws(() => new WorkingCalendar(TABLE, { hours: [{ start: '11:30', end: '07:00' }] }), /start before it ends/, 'start after end')
  t.throws(() => new WorkingCalendar(TABLE, { hours: [{ start: '07:00', end: '07:00' }] }), /start before it ends/, 'empty period')
  t.throws(() => new WorkingCalendar(TABLE, { hours: [{ start: '7h', end: '11:30' }] }), /HH:MM/, 'not HH:MM')
  t.throws(() => new WorkingCalendar(TABLE, { hours: [{ start: '07:00', end: '25:00' }] }), /HH:MM/, 'past 24:00')
  t.throws(() => new WorkingCalendar(TABLE, { hours: [] }), /at least one/, 'no period')
  t.throws(() => new WorkingCalendar(TABLE, { paperCutoff: '3pm' }), /paper cutoff/, 'bad cutoff')
  t.throws(() => new WorkingCalendar({ years: { 2026: { status: 'announced', daysOff: ['2026-02-21'], workingSaturdays: [] } } }), /weekday/, 'a Saturday listed as a day off')
  t.throws(() => new WorkingCalendar({ years: { 2026: { status: 'announced', daysOff: [], workingSaturdays: ['2026-01-09'] } } }), /Saturday/, 'a Friday listed as a working Saturday')
  t.throws(() => new WorkingCalendar({ years: { 2026: { status: 'announced', daysOff: ['2025-12-31'], workingSaturdays: [] } } }), /not in 2026/, 'a date filed under the wrong year')
  t.doesNotThrow(() => new WorkingCalendar(TABLE, { hours: [{ start: '07:00', end: '11:30' }, { start: '11:30', end: '17:00' }] }), 'touching periods are fine')

  t.equal(cal.dayLength, DAY, 'the default day is 8 h')
  const long = new WorkingCalendar(TABLE, { hours: [{ start: '07:30', end: '16:30' }], paperCutoff: '16:00' })
  t.equal(long.dayLength, 9 * HOUR, 'one 9 h period')
  t.equal(show(long.dueDate(vn('2026-04-24T15:30'), working(3), { paper: true })), '2026-05-04T15:30', 'a 15:30 paper dossier is in time with a 16:00 cutoff')
  t.equal(show(long.dueDate(vn('2026-04-24T16:10'), working(3), { paper: true })), '2026-05-04T16:30', 'after 16:00: counted from Tue 28 Apr 07:30')
  t.equal(show(long.dueDate(vn('2026-04-14T15:30'), working(0), { paper: false })), '2026-04-14T16:30', 'same day ends at 16:30')
  const lateCutoff = new WorkingCalendar(TABLE, { paperCutoff: '18:00' })
  t.equal(show(lateCutoff.dueDate(vn('2026-04-14T17:30'), working(0), { paper: true })), '2026-04-15T17:00', 'a cutoff after closing: received after closing is due the next day, never before receipt')
  t.equal(show(lateCutoff.dueDate(vn('2026-04-14T16:30'), working(0), { paper: true })), '2026-04-14T17:00', 'a cutoff after closing: received before closing, the same day')
})

t.test('addWorkingTime and workingTimeBetween: concrete values and cost', async (t) => {
  t.equal(show(cal.addWorkingTime(vn('2026-04-24T11:00'), HOUR)), '2026-04-24T14:00', 'the lunch break does not count')
  t.equal(show(cal.addWorkingTime(vn('2026-04-24T11:00'), 30 * 60 * 1000)), '2026-04-24T11:30', 'ends exactly at the break')
  t.equal(show(cal.addWorkingTime(vn('2026-04-24T20:00'), 0)), '2026-04-24T20:00', 'adding nothing stays put, even outside working time')
  t.equal(show(cal.addWorkingTime(vn('2026-04-24T20:00'), 1)), '2026-04-28T07:00', 'adding 1 ms from Friday night: Tue 28 Apr 07:00')
  t.equal(cal.workingTimeBetween(vn('2026-04-24T16:00'), vn('2026-04-28T08:00')), 2 * HOUR, 'Fri 16–17 and Tue 07–08')
  t.equal(cal.workingTimeBetween(vn('2026-04-28T08:00'), vn('2026-04-24T16:00')), 0, 'backwards is 0')
  t.throws(() => cal.addWorkingTime(vn('2026-04-24T11:00'), -1), RangeError, 'negative time is refused')
  t.throws(() => cal.addWorkingTime(new Date(NaN), 1), RangeError, 'an invalid date is refused')

  // 100 working days from Mon 5 Jan 2026 07:00: whole days at a time, not minute by minute
  const from = vn('2026-01-05T07:00')
  const due = cal.addWorkingTime(from, 100 * DAY)
  t.equal(cal.workingTimeBetween(from, due), 100 * DAY)
  t.equal(toVietnamIso(due).slice(11, 16), '17:00', 'whole days end at closing')
  const started = performance.now()
  for (let i = 0; i < 1000; i++) cal.addWorkingTime(new Date(from.getTime() + i * 60_000), 100 * DAY)
  const elapsed = performance.now() - started
  t.ok(elapsed < 1000, `1000 × 100 working days took ${elapsed.toFixed(0)} ms`)
})

// ---------------------------------------------------------------------------------------------
// Properties

t.test('property: addWorkingTime is additive', async (t) => {
  holds(t, 'add a then b = add a + b, from inside working time', fc.property(inWorkingTime, duration, duration, (from, a, b) =>
    cal.addWorkingTime(cal.addWorkingTime(from, a), b).getTime() === cal.addWorkingTime(from, a + b).getTime()
  ))
  holds(t, 'add a then b = add a + b, from any instant', fc.property(anyInstant, duration, duration, (from, a, b) =>
    cal.addWorkingTime(cal.addWorkingTime(from, a), b).getTime() === cal.addWorkingTime(from, a + b).getTime()
  ))
})

t.test('property: workingTimeBetween undoes addWorkingTime', async (t) => {
  holds(t, 'workingTimeBetween(from, addWorkingTime(from, x)) = x, from inside working time', fc.property(inWorkingTime, duration, (from, x) => cal.workingTimeBetween(from, cal.addWorkingTime(from, x)) === x))
  holds(t, 'workingTimeBetween(from, addWorkingTime(from, x)) = x, from any instant', fc.property(anyInstant, duration, (from, x) => cal.workingTimeBetween(from, cal.addWorkingTime(from, x)) === x))
  holds(t, 'adding working time lands later, on a working day, in working hours or at a period end', fc.property(inWorkingTime, fc.integer({ min: 1, max: 25 * DAY }), (from, x) => {
    const to = cal.addWorkingTime(from, x)
    return to > from && atWorkingTime(to) && cal.isWorkingDay(vietnamDate(to))
  }))
  holds(t, 'workingTimeBetween adds up over consecutive intervals', fc.property(anyInstant, anyInstant, anyInstant, (a, b, c) => {
    const [x, y, z] = [a, b, c].sort((p, q) => p.getTime() - q.getTime()) as [Date, Date, Date]
    return cal.workingTimeBetween(x, y) + cal.workingTimeBetween(y, z) === cal.workingTimeBetween(x, z)
  }))
})

t.test('property: due dates', async (t) => {
  holds(t, 'a due date is after receipt, on a working day, in working hours; N working days are N × 8 h of work', fc.property(anyInstant, rule, fc.boolean(), (receivedAt, r, paper) => {
    const due = cal.dueDate(receivedAt, r, { paper })
    if (!(due > receivedAt)) return false
    if (!cal.isWorkingDay(vietnamDate(due)) || !atWorkingTime(due)) return false
    if (r.days === 0 || r.count === 'calendar') return minutesOfDay(due) === clock('17:00')
    // N working days = N × 8 h of working time from the start of handling
    return cal.workingTimeBetween(cal.startOfHandling(receivedAt, paper), due) === r.days * DAY
  }))
})

t.test('property: due dates are monotonic in receipt time and in N', async (t) => {
  holds(t, 'a later receipt is never due earlier', fc.property(anyInstant, anyInstant, rule, fc.boolean(), (a, b, r, paper) => {
    const [early, late] = a <= b ? [a, b] : [b, a]
    return cal.dueDate(early, r, { paper }) <= cal.dueDate(late, r, { paper })
  }))
  holds(t, 'more days are never due earlier', fc.property(anyInstant, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom<DeadlineRule['count']>('working', 'calendar'), fc.boolean(), (receivedAt, m, n, count, paper) => {
    const [few, many] = m <= n ? [m, n] : [n, m]
    // online, working count: the same-day rule (end of the next day after 15:00) may end later than
    // 1 working day (which keeps the afternoon's online hours): compare from 1 day up there
    fc.pre(paper || count === 'calendar' || few > 0)
    return cal.dueDate(receivedAt, { days: few, count }, { paper }) <= cal.dueDate(receivedAt, { days: many, count }, { paper })
  }))
  holds(t, 'an online dossier is never due later than the same dossier on paper', fc.property(anyInstant, rule, (receivedAt, r) =>
    cal.dueDate(receivedAt, r, { paper: false }) <= cal.dueDate(receivedAt, r, { paper: true })
  ))
})

t.test('property: a pause never moves the due date earlier', async (t) => {
  holds(t, 'a pause never moves the due date earlier, and moves it by what was paused', fc.property(anyInstant, rule, fc.boolean(), anyInstant, fc.integer({ min: 0, max: 60 * 24 * HOUR }), (receivedAt, r, paper, pausedAt, length) => {
    const due = cal.dueDate(receivedAt, r, { paper })
    const resumedAt = new Date(pausedAt.getTime() + length)
    const shifted = cal.shiftForPause(due, pausedAt, resumedAt, r.count)
    if (shifted < due) return false
    if (!cal.isWorkingDay(vietnamDate(shifted)) || !atWorkingTime(shifted)) return false
    if (r.count === 'working') return cal.workingTimeBetween(due, shifted) === cal.workingTimeBetween(pausedAt, resumedAt)
    const pausedDates = Math.round((Date.parse(vietnamDate(resumedAt)) - Date.parse(vietnamDate(pausedAt))) / (24 * HOUR))
    // calendar: at least as many dates later as were paused, at closing
    return pausedDates === 0
      ? shifted.getTime() === due.getTime()
      : Date.parse(vietnamDate(shifted)) - Date.parse(vietnamDate(due)) >= pausedDates * 24 * HOUR && minutesOfDay(shifted) === clock('17:00')
  }))
})

t.test('property: timeliness is consistent with ordering', async (t) => {
  const rank: Record<Timeliness, number> = { early: 0, 'on-time': 1, overdue: 2 }
  holds(t, 'overdue iff finished after the due instant; early iff on an earlier Vietnam date', fc.property(anyInstant, anyInstant, (finishedAt, dueAt) => {
    const verdict = cal.timeliness(finishedAt, dueAt)
    if (finishedAt > dueAt) return verdict === 'overdue'
    return verdict === (vietnamDate(finishedAt) < vietnamDate(dueAt) ? 'early' : 'on-time')
  }))
  holds(t, 'finishing later never gives a better verdict', fc.property(anyInstant, anyInstant, anyInstant, (a, b, dueAt) => {
    const [first, second] = a <= b ? [a, b] : [b, a]
    return rank[cal.timeliness(first, dueAt)] <= rank[cal.timeliness(second, dueAt)]
  }))
  holds(t, 'finishing at the due instant is on time, 1 ms later overdue', fc.property(anyInstant, rule, fc.boolean(), (receivedAt, r, paper) => {
    const due = cal.dueDate(receivedAt, r, { paper })
    return cal.timeliness(due, due) === 'on-time' && cal.timeliness(new Date(due.getTime() + 1), due) === 'overdue'
  }))
})
