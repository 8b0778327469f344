/**
 * The indicators' facts (migrations 0012, 0013: indicator_facts, indicator_spans; the writes mark a
 * dossier, a flush rebuilds its facts) give the counts the rules give (domain/indicators.ts judgeTimeliness,
 * judgeStep), on the real PostgreSQL in a database of this file's own.
 *
 * 80 dossiers of early 2026 with seeded random lives are written as the store writes them (the
 * dossier, its steps, its history; some in the order a dossier comes back from the archive: history
 * before steps; some with the dossier's columns updated after its history): supplement requests
 * (one or two; answered or not), payment requests, announced delays, steps of the same agency twice,
 * steps resolved with and without result files, papers supplied with or without files (4.2),
 * their own supplement requests, withdrawals,
 * refusals, returns. For several periods (a past month, a year, a period not over yet, one unit,
 * one procedure, one agency's scope) every count of every grouping is compared with the same count
 * made in TypeScript from the history by the domain's rules. Then later history is appended and a
 * past period is asked again: the same answer.
 *
 * Each dossier's procedure deadline is in working days, in calendar days or not given (2.2 counts
 * its handling time in that unit, with the holiday table: domain/indicators.ts handlingTime); its
 * procedure issues a paper result, or not, or the catalogue did not say (3.3, 4.1); some have a
 * result document registered in the document store (an electronic result), some after their
 * facts were built.
 */
import t, { type Test } from 'tap'
import type { Sql } from 'postgres'
import { migrate } from '../../src/store/migrate.ts'
import { IndicatorQueries, flushIndicatorFacts, type IndicatorCounts, type IndicatorQuery } from '../../src/store/indicator-queries.ts'
import { periodBounds } from '../../src/store/stats-queries.ts'
import { channelAndResult, handlingTime, judgeStep, judgeTimeliness, stepsHandlingTime, type HistoryPoint } from '../../src/domain/indicators.ts'
import { WorkingCalendar, type DeadlineRule, type HolidayTable } from '../../src/domain/calendar.ts'
import { fromRoot } from '../../src/paths.ts'
import { createTestDatabase } from '../db-helper.ts'
import { readFileSync } from 'node:fs'

const calendar = new WorkingCalendar(JSON.parse(readFileSync(fromRoot('config', 'holidays.json'), 'utf8')) as HolidayTable)

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** A seeded generator (mulberry32): the same story on every run. */
function rng (seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

interface H { at: Date, type: string, from: number | null, to: number | null, due: Date | null, entry: Record<string, unknown> }
interface Step { step: string, agency: string, state: string, dueAt?: Date, reportedAt?: Date, deliveredAt?: Date, results: boolean }
interface Dossier {
  code: string
  receivedAt: Date
  unit: string
  level: 'commune' | 'province'
  procedure: string
  channel: 1 | 2 | 3
  fees: Array<{ amount: number, collection: string, paid: boolean }>
  attachments: number
  steps: Step[]
  history: H[]
  rule?: DeadlineRule
  paperResult?: boolean
  /** when a result document was registered for it (issued_at), if one was */
  electronicResultAt?: Date
}

function story (n: number): Dossier[] {
  const r = rng(766)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
  const out: Dossier[] = []
  for (let i = 0; i < n; i++) {
    const receivedAt = new Date(Date.parse('2026-01-05T08:00:00+07:00') + Math.floor(r() * 70 * 24) * HOUR)
    let due = new Date(receivedAt.getTime() + 5 * DAY)
    const agencies = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(['justice', 'tax', 'evn']))
    const steps: Step[] = agencies.map((agency, k) => ({
      step: `s${k + 1}`,
      agency,
      state: 'processing',
      results: false,
      ...(r() < 0.7 && { dueAt: new Date(receivedAt.getTime() + (2 + Math.floor(r() * 4)) * DAY) }),
      // delivered to the agency an hour after the receipt (the first step: no delivery recorded, its receipt counts)
      ...(k > 0 && { deliveredAt: new Date(receivedAt.getTime() + HOUR) })
    }))
    if (r() < 0.3) steps.push({ step: 'return', agency: 'vnpost', state: 'processing', results: false })
    const history: H[] = [{ at: receivedAt, type: 'received', from: null, to: 2, due, entry: {} }]
    let t = receivedAt.getTime()
    let status = 2
    const next = (hours: number): Date => { t += Math.ceil(hours * HOUR); return new Date(t) }
    const change = (type: string, to: number | null, entry: Record<string, unknown> = {}, newDue: Date | null = null): void => {
      history.push({ at: next(1 + r() * 40), type, from: to === null ? null : status, to, due: newDue, entry })
      if (to !== null) status = to
    }
    change('agency-report', 4, { step: 's1', applied: true, report: { status: 'processing' } })
    const events = Math.floor(r() * 4)
    for (let e = 0; e < events; e++) {
      const kind = r()
      const step = pick(steps.filter((s) => s.step !== 'return')).step
      if (kind < 0.45) {
        change('agency-report', 5, { step, applied: true, report: { status: 'supplement-requested' } })
        if (r() < 0.3) change('agency-report', null, { step, applied: true, report: { status: 'supplement-requested' } })
        if (r() < 0.75) {
          due = new Date(due.getTime() + Math.floor(r() * 3 + 1) * DAY)
          change('supplement-provided', 4, { supplementId: `S${e}`, files: r() < 0.6 }, due)
        } else break
      } else if (kind < 0.6) {
        change('agency-report', 6, { step, applied: true, report: { status: 'payment-requested' } })
        if (r() < 0.7) change('agency-report', 4, { step, applied: true, report: { status: 'processing' } })
        else break
      } else if (kind < 0.75) {
        change('delay-announced', null, {}, new Date(due.getTime() + 4 * DAY))
      } else {
        change('agency-report', null, { step, applied: r() < 0.8, report: { status: 'supplement-requested' } })
      }
    }
    const end = r()
    if (status === 4 && end < 0.55) {
      for (const s of steps) {
        if (s.step === 'return') continue
        s.state = 'resolved'
        s.reportedAt = next(r() * 30)
        s.results = r() < 0.5
      }
      change('agency-report', 9, { step: 's1', applied: true, report: { status: 'resolved' } })
      if (r() < 0.3) change('returned', 10)
    } else if (status === 4 && end < 0.65) {
      const s = steps[0] as Step
      s.state = 'rejected'
      s.reportedAt = next(r() * 10)
      change('agency-report', 8, { step: 's1', applied: true, report: { status: 'rejected' } })
    } else if (end < 0.72) {
      change('withdrawn', 7)
    } else if (steps[0] !== undefined && r() < 0.5) {
      // one step finished, the dossier still open
      steps[0].state = 'resolved'
      steps[0].reportedAt = next(r() * 20)
      steps[0].results = true
    }
    out.push({
      code: `D${String(i).padStart(3, '0')}`,
      receivedAt,
      unit: pick(['000.31.11.H56', '000.31.12.H56', '000.00.06.H56']),
      level: r() < 0.7 ? 'commune' : 'province',
      procedure: pick(['P1', 'P2', 'P3']),
      channel: pick([1, 2, 3] as const),
      fees: r() < 0.5 ? [] : [{ amount: r() < 0.8 ? 50000 : 0, collection: pick(['online', 'counter']), paid: r() < 0.6 }],
      attachments: r() < 0.6 ? 1 : 0,
      steps,
      history,
      ...(r() < 0.8 && { rule: r() < 0.6 ? { days: 5, count: 'working' as const } : { days: 10, count: 'calendar' as const } }),
      ...(r() < 0.85 && { paperResult: r() < 0.6 })
    })
    const last = out.at(-1) as Dossier
    const withResult = steps.find((s) => s.results && s.reportedAt !== undefined)
    if (withResult !== undefined && r() < 0.7) last.electronicResultAt = withResult.reportedAt as Date
  }
  return out
}

const firstInto = (d: Dossier, codes: number[]): Date | null =>
  d.history.find((h) => h.to !== null && codes.includes(h.to) && h.from !== h.to)?.at ?? null

/**
 * When a step ended as the hub recorded it (migration 0020): its reportedAt, not before the first
 * applied agency report of the history that put it in its state.
 */
const stepEnd = (d: Dossier, s: Step): Date | undefined => {
  if ((s.state !== 'resolved' && s.state !== 'rejected') || s.reportedAt === undefined) return undefined
  const recorded = d.history.filter((h) => h.type === 'agency-report' && h.entry.step === s.step && h.entry.applied !== false &&
    (h.entry.report as { status: string }).status === s.state).map((h) => h.at.getTime())
  return new Date(Math.max(s.reportedAt.getTime(), ...recorded))
}

/** The dossier's waits for papers up to `until`: each change into 5 until the next status row that is not 5. */
const waitsUntil = (d: Dossier, until: Date): Array<{ from: Date, to: Date }> => {
  const out: Array<{ from: Date, to: Date }> = []
  d.history.forEach((h, i) => {
    if (h.to !== 5 || h.from === 5 || h.at.getTime() > until.getTime()) return
    const after = d.history.slice(i + 1).find((n) => n.to !== null && n.to !== 5)
    out.push({ from: h.at, to: after?.at ?? until })
  })
  return out
}

/** Writes one dossier as the store would have by its last history row. */
async function write (sql: Sql, d: Dossier, order: 'store' | 'restore' | 'late-columns'): Promise<void> {
  const status = d.history.filter((h) => h.to !== null).at(-1)?.to ?? 2
  const due = d.history.filter((h) => h.due !== null && h.type !== 'delay-announced').at(-1)?.due ?? null
  const resolved = firstInto(d, [9]) ?? firstInto(d, [10])
  const closed = firstInto(d, [3, 7, 8])
  const doc = { fees: d.fees, attachments: Array.from({ length: d.attachments }, () => ({ name: 'a.pdf' })) }
  const facts = { channel: ['counter', 'online', 'postal'][d.channel - 1], ...(d.rule !== undefined && { rule: d.rule }), ...(d.paperResult !== undefined && { paperResult: d.paperResult }) }
  const [row] = await sql<Array<{ id: string }>>`insert into dossiers (code, status, procedure_code, receiving_agency, channel, level,
      return_method, source_system, received_at, due_at, resolved_at, closed_at, fingerprint, updated_at, doc, deadline_rule, facts)
    values (${d.code}, ${status}, ${d.procedure}, ${d.unit}, ${d.channel}, ${d.level}, 'counter', 'portal', ${d.receivedAt},
      ${order === 'late-columns' ? null : due}, ${order === 'late-columns' ? null : resolved}, ${order === 'late-columns' ? null : closed},
      ${Buffer.alloc(32, 1)}, ${d.receivedAt}, ${JSON.stringify(doc)}::text::json,
      ${d.rule === undefined ? null : JSON.stringify(d.rule)}::text::json, ${JSON.stringify(facts)}::text::json) returning id`
  const id = row?.id as string
  const steps = async (): Promise<void> => {
    for (const [position, s] of d.steps.entries()) {
      const detail = {
        agency: s.agency,
        stage: 1,
        state: s.state,
        attempts: 1,
        ...(s.dueAt !== undefined && { dueAt: s.dueAt.toISOString() }),
        ...(s.reportedAt !== undefined && { reportedAt: s.reportedAt.toISOString() }),
        ...(s.deliveredAt !== undefined && { deliveredAt: s.deliveredAt.toISOString() }),
        ...(s.results && { results: [{ name: 'KQ', componentCode: 'KQ1', url: 'https://x.example/kq.pdf' }] })
      }
      await sql`insert into dossier_steps (dossier_id, step, position, agency, stage, state, detail)
        values (${id}, ${s.step}, ${position}, ${s.agency}, 1, ${s.state}, ${JSON.stringify(detail)}::text::json)`
    }
  }
  const history = async (): Promise<void> => {
    // one statement, as hub_apply writes its entries
    await sql`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, due_at_to, entry)
      select ${id}::bigint, o::integer, (x->>'at')::timestamptz, x->>'type', (x->>'from')::smallint, (x->>'to')::smallint,
        (x->>'due')::timestamptz, x->'entry'
      from json_array_elements(${JSON.stringify(d.history)}::text::json) with ordinality as e(x, o)`
  }
  if (order === 'restore') {
    await history()
    await steps()
  } else {
    await steps()
    await history()
  }
  // the papers supplied (4.2 counts a dossier whose component files came in a supplement, from when it came)
  for (const [seq, h] of d.history.filter((x) => x.type === 'supplement-provided').entries()) {
    const files = h.entry.files === true ? [{ name: 'bs.pdf', url: 'https://x.example/bs.pdf' }] : []
    await sql`insert into supplements (dossier_id, seq, supplement_id, submitted_at, attachments)
      values (${id}, ${seq + 1}, ${String(h.entry.supplementId)}, ${h.at}, ${JSON.stringify(files)}::text::jsonb)`
  }
  if (order === 'late-columns') await sql`update dossiers set due_at = ${due}, resolved_at = ${resolved}, closed_at = ${closed} where id = ${id}`
}

/** Registers a result document for the dossier in the document store, as the hub does after an agency's report. */
async function registerResult (sql: Sql, d: Dossier): Promise<void> {
  if (d.electronicResultAt === undefined) return
  await sql`insert into documents (id, holder, kind, name, issuer, origin, issued_at, file_name, url, sha256, dossier_code, step, registered_by)
    values (${`DOC-${d.code}`}, '038200000001', 'KQ1', 'Kết quả', 'justice', 'result', ${d.electronicResultAt}, 'kq.pdf',
      'https://x.example/kq.pdf', ${'c'.repeat(64)}, ${d.code}, 's1', 'justice')`
}

type Counts = Omit<IndicatorCounts, 'kind' | 'key'>
const zero = (): Counts => ({
  counted: 0,
  onTime: 0,
  received: 0,
  online: 0,
  onlineWithoutElectronicResult: 0,
  counter: 0,
  postal: 0,
  paperResult: 0,
  electronicResult: 0,
  resultKindUnknown: 0,
  withFee: 0,
  paidOnline: 0,
  digitized: 0,
  resolved: 0,
  resolvedWorking: 0,
  workingDays: 0,
  resolvedCalendar: 0,
  calendarDays: 0
})

/** The counts by the domain's rules, from the same dossiers. */
function expected (dossiers: readonly Dossier[], q: IndicatorQuery): Map<string, Counts> {
  const { start, end } = periodBounds(q.from, q.to, q.now)
  const period = { start, end }
  const out = new Map<string, Counts>()
  /** `steps`: an agency's own steps on the dossier (its 2.2 comes from them) */
  const add = (key: string, d: Dossier, onTime: boolean, steps?: Step[]): void => {
    const c = out.get(key) ?? zero()
    out.set(key, c)
    const received = d.receivedAt.getTime() >= start.getTime()
    const resolvedAt = firstInto(d, [9]) ?? firstInto(d, [10])
    const resolved = received && resolvedAt !== null && resolvedAt.getTime() <= end.getTime()
    if (steps !== undefined) {
      // an agency: its steps all resolved by the end, their handling times summed
      const ends = steps.map((s) => s.state === 'resolved' ? stepEnd(d, s) : undefined)
      if (received && ends.every((e) => e !== undefined && e.getTime() <= end.getTime())) {
        c.resolved++
        const h = stepsHandlingTime(calendar, steps.map((s, i) => ({ receivedAt: s.deliveredAt ?? d.receivedAt, resolvedAt: ends[i] as Date })),
          { ...(d.rule !== undefined && { rule: d.rule }), supplementWaits: waitsUntil(d, new Date(Math.max(...ends.map((e) => (e as Date).getTime())))) })
        if (h?.unit === 'working-days') {
          c.resolvedWorking++
          c.workingDays += h.value
        } else if (h !== undefined) {
          c.resolvedCalendar++
          c.calendarDays += h.value
        }
      }
    }
    c.counted++
    if (onTime) c.onTime++
    if (received) {
      c.received++
      // the result document (of step s1) not before its step's recorded end
      const s1 = d.steps.find((s) => s.step === 's1')
      const s1End = s1 === undefined ? undefined : stepEnd(d, s1)
      const electronicResultAt = d.electronicResultAt === undefined ? undefined : new Date(Math.max(d.electronicResultAt.getTime(), s1End?.getTime() ?? 0))
      const cr = channelAndResult({ channel: (['counter', 'online', 'postal'] as const)[d.channel - 1], ...(d.paperResult !== undefined && { paperResult: d.paperResult }), ...(electronicResultAt !== undefined && { electronicResultAt }) }, end)
      if (cr.channel === 'online') c.online++
      if (cr.channel === 'online-without-electronic-result') c.onlineWithoutElectronicResult++
      if (cr.channel === 'counter') c.counter++
      if (cr.channel === 'postal') c.postal++
      if (cr.paperResult) c.paperResult++
      if (cr.electronicResult) c.electronicResult++
      if (d.paperResult === undefined) c.resultKindUnknown++
      if (d.fees.some((f) => f.amount > 0)) c.withFee++
      if (d.fees.some((f) => f.amount > 0 && f.collection === 'online' && f.paid)) c.paidOnline++
      const files = d.attachments > 0 || d.history.some((h) => h.type === 'supplement-provided' && h.entry.files === true && h.at.getTime() <= end.getTime())
      if (files && d.steps.some((s) => s.state === 'resolved' && s.results && (stepEnd(d, s) as Date).getTime() <= end.getTime())) c.digitized++
    }
    if (steps === undefined && resolved && resolvedAt !== null) {
      c.resolved++
      // less the time waiting for papers: each change into 5 until the next status row that is not 5
      const supplementWaits: Array<{ from: Date, to: Date }> = []
      d.history.forEach((h, i) => {
        if (h.to !== 5 || h.from === 5 || h.at.getTime() > resolvedAt.getTime()) return
        const after = d.history.slice(i + 1).find((n) => n.to !== null && n.to !== 5)
        supplementWaits.push({ from: h.at, to: after?.at ?? resolvedAt })
      })
      const { value, unit } = handlingTime(calendar, { receivedAt: d.receivedAt, resolvedAt, paper: d.channel !== 2, ...(d.rule !== undefined && { rule: d.rule }), supplementWaits })
      if (unit === 'working-days') {
        c.resolvedWorking++
        c.workingDays += value
      } else {
        c.resolvedCalendar++
        c.calendarDays += value
      }
    }
  }
  for (const d of dossiers) {
    if (q.unit !== undefined && d.unit !== q.unit) continue
    if (q.procedure !== undefined && d.procedure !== q.procedure) continue
    const own = d.steps.filter((s) => s.step !== 'return')
    if (q.agency !== undefined && !own.some((s) => s.agency === q.agency)) continue
    const points: HistoryPoint[] = d.history.map((h) => ({
      at: h.at, type: h.type, ...(h.from !== null && { statusFrom: h.from }), ...(h.to !== null && { statusTo: h.to }), ...(h.due !== null && { dueAtTo: h.due })
    }))
    const judged = judgeTimeliness(d.receivedAt, points, period)
    if (judged === undefined) continue
    add('province:', d, judged.onTime)
    if (d.level === 'commune') add(`commune:${d.unit}`, d, judged.onTime)
    add(`procedure:${d.procedure}`, d, judged.onTime)
    for (const agency of new Set(own.map((s) => s.agency))) {
      if (q.agency !== undefined && agency !== q.agency) continue
      const onTime = own.filter((s) => s.agency === agency).every((s) => {
        const ownRequests = d.history.filter((h) => h.type === 'agency-report' && (h.to === 5 || h.to === null) && h.entry.step === s.step &&
          (h.entry.report as { status: string }).status === 'supplement-requested' && h.entry.applied !== false && h.at.getTime() <= end.getTime()).length
        const finishedAt = stepEnd(d, s)
        return judgeStep(judged, { ...(finishedAt !== undefined && { finishedAt }), ...(s.dueAt !== undefined && { dueAt: s.dueAt }), ownRequests }, period).onTime
      })
      add(`agency:${agency}`, d, onTime, own.filter((s) => s.agency === agency))
    }
  }
  return out
}

async function compare (t: Test, queries: IndicatorQueries, dossiers: readonly Dossier[], q: IndicatorQuery): Promise<Map<string, IndicatorCounts>> {
  const got = new Map((await queries.counts(q)).map((r) => [`${r.kind}:${r.key}`, r]))
  const want = expected(dossiers, q)
  const label = `${q.from}…${q.to} asked ${q.now.toISOString()}${q.unit !== undefined ? ` unit ${q.unit}` : ''}${q.procedure !== undefined ? ` procedure ${q.procedure}` : ''}${q.agency !== undefined ? ` agency ${q.agency}` : ''}`
  // the province row is there even when nothing is counted
  if (!want.has('province:')) want.set('province:', zero())
  t.same([...got.keys()].sort(), [...want.keys()].sort(), `${label}: the same groupings`)
  for (const [key, w] of want) {
    const g = got.get(key)
    if (g === undefined) continue
    const { kind: _kind, key: _key, workingDays, calendarDays, ...counts } = g
    const { workingDays: wantWorking, calendarDays: wantCalendar, ...wantCounts } = w
    t.same(counts, wantCounts, `${label}: ${key}`)
    t.ok(Math.abs(workingDays - wantWorking) < 1e-6, `${label}: ${key} working days ${workingDays} = ${wantWorking}`)
    t.ok(Math.abs(calendarDays - wantCalendar) < 1e-6, `${label}: ${key} calendar days ${calendarDays} = ${wantCalendar}`)
  }
  return got
}

t.test('the facts give the counts the domain rules give, for any period and scope; a past period stays as it was', async (t) => {
  const { sql } = await createTestDatabase(t)
  await migrate(sql)
  const dossiers = story(80)
  for (const [i, d] of dossiers.entries()) {
    await write(sql, d, i % 5 === 3 ? 'restore' : i % 5 === 4 ? 'late-columns' : 'store')
    // half of the results registered now, the others after the first flush
    if (i % 2 === 0) await registerResult(sql, d)
  }
  // the writes only marked the dossiers (migration 0013): a flush rebuilds their facts
  const [marked] = await sql<Array<{ n: number, marks: number }>>`select count(distinct dossier_id)::int as n, count(*)::int as marks from indicator_stale`
  t.ok(dossiers.some((d) => d.electronicResultAt !== undefined) && dossiers.some((d) => d.rule?.count === 'calendar') && dossiers.some((d) => d.paperResult === true), 'the story has electronic results, calendar-day procedures and paper results')
  t.equal(marked?.n, 80, 'every dossier written is marked for a rebuild')
  t.equal(await flushIndicatorFacts(sql, calendar, 30), marked?.marks, 'a flush takes every mark, in batches')
  const [todo] = await sql<Array<{ n: number }>>`select count(*)::int as n from indicator_facts where resolved_at is not null and handling is null`
  t.equal(todo?.n, 0, 'and counts the handling time of every resolved dossier')
  const [facts] = await sql<Array<{ n: number }>>`select count(distinct dossier_id)::int as n from indicator_facts`
  t.equal(facts?.n, 80, 'every dossier has its facts')
  const [left] = await sql<Array<{ n: number }>>`select count(*)::int as n from indicator_stale`
  t.equal(left?.n, 0, 'and no mark is left')
  for (const [i, d] of dossiers.entries()) if (i % 2 === 1) await registerResult(sql, d)
  const [late] = await sql<Array<{ n: number }>>`select count(distinct dossier_id)::int as n from indicator_stale`
  t.equal(late?.n, dossiers.filter((d, i) => i % 2 === 1 && d.electronicResultAt !== undefined).length, 'a result registered later marks its dossier')
  const [due] = await sql<Array<{ n: number }>>`select count(*)::int as n from dossier_steps where due_at is null and detail->>'dueAt' is not null`
  t.equal(due?.n, 0, 'dossier_steps.due_at is written with the step\'s first due date')

  // an agency announcing a later date for its step (the report's dueAt in the routing state): the
  // step's own due date stays the route's
  const [step] = await sql<Array<{ id: string, step: string, due: Date }>>`select dossier_id as id, step, due_at as due from dossier_steps where due_at is not null order by dossier_id, step limit 1`
  await sql`update dossier_steps set detail = (detail::jsonb || jsonb_build_object('dueAt', ${'2026-12-31T00:00:00+07:00'}::text))::json
    where dossier_id = ${step?.id as string} and step = ${step?.step as string}`
  const [kept] = await sql<Array<{ due: Date }>>`select due_at as due from dossier_steps where dossier_id = ${step?.id as string} and step = ${step?.step as string}`
  t.same(kept?.due, step?.due, 'a step\'s due date is the one written with it, not a later report\'s')

  const queries = new IndicatorQueries(sql, { calendar })
  const later = new Date('2026-12-01T09:00:00+07:00')
  const variety = await compare(t, queries, dossiers, { from: '2026-01-01', to: '2026-12-31', now: later })
  t.ok((variety.get('province:')?.counted ?? 0) > 60 && (variety.get('province:')?.onTime ?? 0) > 0, 'the story counts dossiers on time and late')
  t.ok([...variety.values()].some((r) => r.kind === 'agency'), 'agencies counted')
  const january = { from: '2026-01-01', to: '2026-01-31', now: new Date('2026-03-01T10:00:00+07:00') }
  const before = await compare(t, queries, dossiers, january)
  await compare(t, queries, dossiers, { from: '2026-02-01', to: '2026-02-28', now: later })
  await compare(t, queries, dossiers, { from: '2026-02-01', to: '2026-03-31', now: new Date('2026-02-20T14:30:00+07:00') })
  await compare(t, queries, dossiers, { from: '2026-01-15', to: '2026-02-15', now: later, unit: '000.31.11.H56' })
  await compare(t, queries, dossiers, { from: '2026-01-01', to: '2026-03-31', now: later, procedure: 'P2' })
  await compare(t, queries, dossiers, { from: '2026-01-01', to: '2026-03-31', now: later, agency: 'tax' })

  // later history: every open dossier is resolved in April (a supplement request first for some)
  let changed = 0
  for (const d of dossiers) {
    const status = d.history.filter((h) => h.to !== null).at(-1)?.to ?? 2
    if (![2, 4, 5, 6].includes(status)) continue
    const [row] = await sql<Array<{ id: string, seq: number }>>`select d.id, max(h.seq)::int as seq from dossiers d join dossier_history h on h.dossier_id = d.id where d.code = ${d.code} group by d.id`
    const rows: H[] = []
    if (status === 4) rows.push({ at: new Date('2026-04-01T09:00:00+07:00'), type: 'agency-report', from: 4, to: 5, due: null, entry: { step: 's1', applied: true, report: { status: 'supplement-requested' } } })
    // (the report that resolves it names a step still open: one on a finished step is not applied)
    const open = d.steps.find((s) => s.step !== 'return' && s.state !== 'resolved' && s.state !== 'rejected')
    rows.push({ at: new Date('2026-04-02T09:00:00+07:00'), type: 'agency-report', from: rows.length > 0 ? 5 : status, to: 9, due: null, entry: { step: open?.step ?? 's1', applied: open !== undefined, report: { status: 'resolved' } } })
    await sql.begin(async (tx) => {
      await tx`update dossiers set status = 9, resolved_at = ${'2026-04-02T09:00:00+07:00'} where id = ${row?.id as string}`
      await tx`update dossier_steps set state = 'resolved', detail = json_build_object('agency', agency, 'state', 'resolved', 'reportedAt', ${'2026-04-02T09:00:00+07:00'}::text, 'deliveredAt', detail->'deliveredAt') where dossier_id = ${row?.id as string} and step <> 'return' and state not in ('resolved', 'rejected')`
      await tx`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, due_at_to, entry)
        select ${row?.id as string}::bigint, ${row?.seq as number} + o::integer, (x->>'at')::timestamptz, x->>'type', (x->>'from')::smallint,
          (x->>'to')::smallint, null, x->'entry'
        from json_array_elements(${JSON.stringify(rows)}::text::json) with ordinality as e(x, o)`
    })
    d.history.push(...rows)
    // (a finished step stays as it was)
    for (const s of d.steps) if (s.step !== 'return' && s.state !== 'resolved' && s.state !== 'rejected') Object.assign(s, { state: 'resolved', reportedAt: new Date('2026-04-02T09:00:00+07:00'), results: false })
    changed++
  }
  t.ok(changed > 5, `${changed} open dossiers resolved later`)
  const after = new Map((await queries.counts({ ...january, now: new Date('2026-06-01T10:00:00+07:00') })).map((r) => [`${r.kind}:${r.key}`, r]))
  t.same(after, before, 'January asked in March and in June: the same figures')
  await compare(t, queries, dossiers, { from: '2026-01-01', to: '2026-06-30', now: later })

  // a change rolled back leaves the facts as they were
  const [one] = await sql<Array<{ id: string }>>`select id from dossiers order by id limit 1`
  const snapshot = async (): Promise<string> => JSON.stringify(await sql`select * from indicator_facts where dossier_id = ${one?.id as string} order by agency, step_due_at`)
  const was = await snapshot()
  await t.rejects(sql.begin(async (tx) => {
    await tx`insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, entry) values (${one?.id as string}, 1000, now(), 'agency-report', 9, 5, '{}')`
    throw new Error('rolled back')
  }))
  t.equal(await snapshot(), was, 'a rolled-back write marks nothing')
  t.equal(await flushIndicatorFacts(sql, calendar), 0, 'so the next flush has nothing to rebuild')
})
