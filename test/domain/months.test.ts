/**
 * domain/months.ts: the one check of a period of whole months that the notice counts and the
 * postage per month both use.
 */
import t from 'tap'
import { isMonth, monthIndex, monthOf, monthRange, monthStart, nextMonth } from '../../src/domain/months.ts'

t.test('months: format, arithmetic, Vietnam instants', async (t) => {
  t.ok(isMonth('2026-01') && isMonth('2026-12'))
  for (const bad of ['2026-13', '2026-00', '2026-1', '26-01', '2026-01-01', '2026/01', '']) t.notOk(isMonth(bad), bad)
  t.equal(monthIndex('2026-12') - monthIndex('2026-01'), 11)
  t.equal(monthIndex('2027-01') - monthIndex('2026-12'), 1)
  t.throws(() => monthIndex('2026-13'), RangeError)
  t.equal(nextMonth('2026-12'), '2027-01')
  t.equal(nextMonth('2026-02'), '2026-03')
  t.same(monthStart('2026-03'), new Date('2026-02-28T17:00:00.000Z'), 'midnight of 1 March in Vietnam')
  t.equal(monthOf(new Date('2026-02-28T17:00:00.000Z')), '2026-03', 'the first instant of March in Vietnam is March')
  t.equal(monthOf(new Date('2026-02-28T16:59:59.999Z')), '2026-02')
})

t.test('month ranges: defaults, order, length', async (t) => {
  t.match(monthRange({ from: '2026-11', to: '2026-12' }, 36), { from: '2026-11', to: '2026-12', months: 2, start: new Date('2026-10-31T17:00:00.000Z'), end: new Date('2026-12-31T17:00:00.000Z') })
  t.match(monthRange({}, 36, '2026-12'), { from: '2026-12', to: '2026-12', months: 1 }, 'this month by default')
  t.match(monthRange({ from: '2026-10' }, 36, '2026-12'), { from: '2026-10', to: '2026-12', months: 3 })
  t.match(monthRange({ from: '2027-02' }, 36, '2026-12'), { from: '2027-02', to: '2027-02', months: 1 }, 'a later from: to = from')
  t.match(monthRange({ to: '2026-06' }, 36, '2026-12'), { from: '2026-06', to: '2026-06' })
  t.same(monthRange({ from: '2026-11' }, 36), { problems: [{ parameter: 'to', detail: 'is required (yyyy-mm)' }] }, 'no current month: both are needed')
  t.same(monthRange({ from: '2026-12', to: '2026-11' }, 36), { problems: [{ parameter: 'from', detail: '2026-12 is after 2026-11' }] })
  // 36 months, both ends included, whatever the months' lengths; 37 refused
  t.match(monthRange({ from: '2024-01', to: '2026-12' }, 36), { months: 36 })
  t.match(monthRange({ from: '2024-02', to: '2027-02' }, 36), { problems: [{ parameter: 'to', detail: /37 months; at most 36/ }] })
  t.same(monthRange({ from: '2026-13', to: 'x' }, 36), {
    problems: [{ parameter: 'from', detail: 'must be a month as yyyy-mm, not "2026-13"' }, { parameter: 'to', detail: 'must be a month as yyyy-mm, not "x"' }]
  }, 'every bad month named')
})
