/**
 * GET /v1/stats against a recount: dossiers go through many lives (resolved early, on time and
 * late, withdrawn, refused, overdue and still open, returned by post and at the counter) over
 * several days, through the API; the figures the hub answers must equal a count made here from the
 * dossiers and their histories, by the definitions the API documents (store/stats-queries.ts) —
 * in progress and open overdue as they were at the end of each period — and a period that is over
 * must give the same answer weeks later.
 */
import t from 'tap'
import { build, example, post, startAgency, waitFor, type TestHub, asAdmin } from '../../helper.ts'
import type { Dossier, DossierList, DossierSummary, StatusReport, DossierSubmission, HistoryEntry } from '../../../src/types/schemas.generated.ts'

interface Figures { received: number, resolved: number, early: number, onTime: number, resolvedLate: number, openOverdue: number, inProgress: number, withdrawn: number, notAccepted: number, returned: number, online: number, postal: number }

const vnDay = (iso: string): string => new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 10)

interface Recorded { dossier: Dossier, history: HistoryEntry[] }

const OPEN = new Set(['new', 'received', 'processing', 'supplement-requested', 'payment-requested'])
const RUNNING = new Set(['new', 'received', 'processing'])

/** The end of a period: the last instant of `to` (Vietnam day), or now while it has not ended. */
const endOf = (to: string, now: Date): number => Math.min(now.getTime(), Date.parse(`${to}T00:00:00+07:00`) + 86_400_000 - 1)

/** The figures counted here, from the dossiers and their histories, by the definitions the API documents. */
function recount (dossiers: Recorded[], from: string, to: string, now: Date, keep: (d: Dossier) => boolean = () => true): Figures {
  const end = endOf(to, now)
  const inRange = (iso: string | undefined): boolean => iso !== undefined && vnDay(iso) >= from && vnDay(iso) <= to && Date.parse(iso) <= end
  const f: Figures = { received: 0, resolved: 0, early: 0, onTime: 0, resolvedLate: 0, openOverdue: 0, inProgress: 0, withdrawn: 0, notAccepted: 0, returned: 0, online: 0, postal: 0 }
  for (const { dossier: d, history } of dossiers.filter((r) => keep(r.dossier))) {
    if (inRange(d.receivedAt)) {
      f.received++
      if (d.channel === 'online') f.online++
      if (d.channel === 'postal' || d.resultReturn.method === 'postal') f.postal++
    }
    if ((d.status === 'resolved' || d.status === 'returned') && inRange(d.resolvedAt)) {
      f.resolved++
      if (d.timeliness === 'early') f.early++
      else if (d.timeliness === 'overdue') f.resolvedLate++
      else f.onTime++
    }
    if (d.status === 'returned' && inRange(d.returnedAt)) f.returned++
    if (d.status === 'withdrawn' && inRange(d.closedAt)) f.withdrawn++
    if (d.status === 'not-accepted' && inRange(d.closedAt)) f.notAccepted++
    // the state at the end: the last status change by then
    const before = history.filter((h) => Date.parse(h.at) <= end)
    const status = before.filter((h) => h.statusTo !== undefined).at(-1)?.statusTo
    if (status !== undefined && OPEN.has(status)) {
      f.inProgress++
      // no dossier of this story pauses, so its due date never moved: dueAt was in force all along
      const flagged = before.some((h) => h.type === 'overdue')
      if (flagged || (RUNNING.has(status) && d.dueAt !== undefined && Date.parse(d.dueAt) <= end)) f.openOverdue++
    }
  }
  return f
}

async function all (hub: TestHub): Promise<Recorded[]> {
  const out: Recorded[] = []
  let cursor: string | null = null
  do {
    const page: DossierList = (await asAdmin(hub).inject(`/v1/dossiers?limit=100${cursor === null ? '' : `&cursor=${cursor}`}`)).json<DossierList>()
    for (const item of page.items) {
      out.push({
        dossier: (await asAdmin(hub).inject(`/v1/dossiers/${item.code}`)).json<Dossier>(),
        history: (await asAdmin(hub).inject(`/v1/dossiers/${item.code}/history`)).json<{ entries: HistoryEntry[] }>().entries
      })
    }
    cursor = page.nextCursor
  } while (cursor !== null)
  return out
}

const pick = (f: Record<string, unknown>): Figures => ({
  received: f.received as number,
  resolved: f.resolved as number,
  early: f.early as number,
  onTime: f.onTime as number,
  resolvedLate: f.resolvedLate as number,
  openOverdue: f.openOverdue as number,
  inProgress: f.inProgress as number,
  withdrawn: f.withdrawn as number,
  notAccepted: f.notAccepted as number,
  returned: f.returned as number,
  online: f.online as number,
  postal: f.postal as number
})

t.test('the statistics equal a recount of the dossiers, by every grouping, and a past period keeps its answer', async (t) => {
  let now = new Date('2026-11-16T09:00:00+07:00') // Monday
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url, now: () => now })
  let n = 0
  const submit = async (s: DossierSubmission): Promise<string> => {
    n++
    const res = await post(asAdmin(hub), { ...s, source: { system: s.source.system, reference: `stats-${n}` } })
    t.equal(res.statusCode, 201)
    const { code } = res.json<DossierSummary>()
    return code
  }
  const delivered = async (code: string, step: string): Promise<void> => {
    await waitFor(async () => (await hub.store.routingState(code, step))?.state === 'delivered', `${code} ${step} delivered`)
  }
  const report = async (code: string, agencyId: string, r: StatusReport, step?: string): Promise<void> => {
    const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `e-${Math.random()}`, agency: agencyId, ...(step !== undefined && { step }), report: r } })
    t.ok(res.statusCode === 201, `${agencyId} ${r.status} on ${code}: ${res.statusCode} ${res.statusCode === 201 ? '' : res.body}`)
  }
  const at = (iso: string): void => { now = new Date(iso) }
  const online = (name: 'electricity-new-connection' | 'electricity-contract-holder-change'): DossierSubmission => ({ ...example(name), channel: 'online' })

  // Monday: three power connections (3 working days, due Thursday 09:00) and a birth registration (postal return)
  const early = await submit(online('electricity-new-connection'))
  const onTime = await submit(example('electricity-new-connection'))
  const late = await submit(online('electricity-new-connection'))
  const birth = await submit(example('birth-registration'))
  // Tuesday: a contract change (2 working days) withdrawn, one refused at intake, a land transfer
  at('2026-11-17T10:00:00+07:00')
  const withdrawn = await submit(online('electricity-contract-holder-change'))
  const refused = await submit({ ...example('electricity-contract-holder-change'), channel: 'counter' })
  const land = await submit(example('land-use-right-transfer'))
  for (const code of [early, onTime, late, withdrawn, refused]) await delivered(code, 'evn')

  at('2026-11-17T15:00:00+07:00')
  await report(early, 'evn', { status: 'resolved' })
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${withdrawn}/withdraw`, payload: { reason: 'không còn nhu cầu' } })).statusCode, 200)
  await report(refused, 'evn', { status: 'rejected', reason: 'hồ sơ không đúng thẩm quyền' })
  at('2026-11-19T08:30:00+07:00')
  await report(onTime, 'evn', { status: 'resolved' })
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${onTime}/return`, payload: { method: 'counter' } })).statusCode, 200)
  // Friday: the sweeper finds the late one and the land transfer (10 days: not yet) open
  at('2026-11-20T10:00:00+07:00')
  const swept = await hub.lifecycle.sweepOverdue()
  t.equal(swept.flagged, 1, 'one open dossier past its due date')
  // the rest of the month, asked while it is not over, and the first four days, which are
  const monthSoFar = (await asAdmin(hub).inject('/v1/stats?from=2026-11-16&to=2026-11-30')).json<{ totals: Record<string, unknown> }>()
  const firstDays = (await asAdmin(hub).inject('/v1/stats?from=2026-11-16&to=2026-11-19')).json<{ totals: Record<string, unknown> }>()
  t.equal(monthSoFar.totals.openOverdue, 1, 'the late one, flagged this morning')
  t.equal(monthSoFar.totals.resolved, 2, 'resolved so far: the early one and the one on time')
  t.equal(firstDays.totals.openOverdue, 1, 'past due on Thursday at 09:00 already, before the sweeper saw it')
  at('2026-11-23T10:00:00+07:00')
  await report(late, 'evn', { status: 'resolved' })
  // the birth registration all the way to the applicant by post
  await delivered(birth, 'civil-status')
  await report(birth, 'justice', { status: 'resolved' })
  await delivered(birth, 'residence')
  await delivered(birth, 'health-insurance')
  await report(birth, 'police-residence', { status: 'resolved' })
  await report(birth, 'social-insurance', { status: 'resolved' })
  await delivered(birth, 'return')
  at('2026-11-24T11:00:00+07:00')
  await report(birth, 'vnpost', { status: 'resolved', note: 'phát thành công' }, 'return')
  await delivered(land, 'land-registration')
  await report(land, 'land-office', { status: 'accepted' }, 'land-registration')
  at('2026-12-10T10:00:00+07:00')
  t.equal((await hub.lifecycle.sweepOverdue()).flagged, 1, 'the land transfer is overdue now')

  const dossiers = await all(hub)
  t.equal(dossiers.length, 7)
  t.same(dossiers.map((d) => d.dossier.status).sort(), ['not-accepted', 'processing', 'resolved', 'resolved', 'returned', 'returned', 'withdrawn'].sort())

  for (const [from, to] of [['2026-11-16', '2026-11-16'], ['2026-11-17', '2026-11-20'], ['2026-11-16', '2026-12-31'], ['2026-12-01', '2026-12-31'], ['2026-11-01', '2026-11-15']] as const) {
    const stats = (await asAdmin(hub).inject(`/v1/stats?from=${from}&to=${to}`)).json<{ totals: Record<string, unknown> }>()
    t.same(pick(stats.totals), recount(dossiers, from, to, now), `totals ${from}..${to}`)
  }
  const from = '2026-11-01'
  const to = '2026-12-31'
  const groupings: Record<string, (d: Dossier, key: string) => boolean> = {
    agency: (d, key) => Object.entries(d.routing ?? {}).some(([id, r]) => id !== 'return' && r?.agency === key),
    procedure: (d, key) => d.procedure.code === key,
    level: (d, key) => d.procedure.level === key,
    channel: (d, key) => d.channel === key
  }
  for (const [groupBy, belongs] of Object.entries(groupings)) {
    const stats = (await asAdmin(hub).inject(`/v1/stats?from=${from}&to=${to}&groupBy=${groupBy}`)).json<{ groups: Array<Record<string, unknown> & { key: string }> }>()
    t.ok(stats.groups.length > 1, `${groupBy}: ${stats.groups.map((g) => g.key).join(', ')}`)
    for (const g of stats.groups) t.same(pick(g), recount(dossiers, from, to, now, (d) => belongs(d, g.key)), `${groupBy} ${g.key}`)
  }
  const totals = (await asAdmin(hub).inject(`/v1/stats?from=${from}&to=${to}`)).json<{ totals: Record<string, number | null> }>().totals
  t.equal(totals.onTimeRate, Math.round(((totals.early as number) + (totals.onTime as number)) / (totals.resolved as number) * 10_000) / 10_000)
  t.equal(totals.overdue, (totals.resolvedLate as number) + (totals.openOverdue as number))
  t.equal(totals.resolvedLate, 2, 'the late power connection, and the birth registration (due Mon 23 09:00, resolved at 10:00)')
  t.equal(totals.early, 1, 'the power connection resolved on Tuesday, due Thursday')
  t.equal(totals.onTime, 1, 'the one resolved on its due day, before the hour')
  t.equal(totals.inProgress, 1, 'the land transfer, open now')
  t.equal(totals.openOverdue, 1, 'and overdue')

  // the first days are over: the same answer three weeks later, though the late power connection
  // and the birth registration have been resolved since (open and overdue at the end of the 19th)
  const firstDaysLater = (await asAdmin(hub).inject('/v1/stats?from=2026-11-16&to=2026-11-19')).json<{ totals: Record<string, unknown> }>()
  t.same(firstDaysLater, firstDays, 'a past period gives the same answer later')
  t.equal(firstDaysLater.totals.inProgress, 3, 'the late power connection, the birth registration, the land transfer')
  const monthLater = (await asAdmin(hub).inject('/v1/stats?from=2026-11-16&to=2026-11-30')).json<{ totals: Record<string, unknown> }>()
  t.equal(monthLater.totals.resolved, 4, 'the month asked on the 20th was not over: its end was then; now it is, with two more resolved')
  t.same(pick(monthLater.totals), recount(dossiers, '2026-11-16', '2026-11-30', now), 'judged at its end')
})

t.test('stats: a bad period is a 400 naming the parameter', async (t) => {
  const hub = await build(t, { role: 'api' })
  const backwards = await asAdmin(hub).inject('/v1/stats?from=2026-12-01&to=2026-11-01')
  t.equal(backwards.statusCode, 400)
  t.match(backwards.json<{ errors: Array<{ parameter: string }> }>().errors, [{ parameter: 'from' }])
  t.equal((await asAdmin(hub).inject('/v1/stats?from=2020-01-01&to=2026-01-01')).statusCode, 400, 'more than 1100 days')
  t.equal((await asAdmin(hub).inject('/v1/stats?groupBy=colour')).statusCode, 400)
  t.equal((await asAdmin(hub).inject('/v1/stats?from=yesterday')).statusCode, 400)
  const empty = (await asAdmin(hub).inject('/v1/stats?from=2026-01-01&to=2026-01-31')).json<{ totals: { received: number, onTimeRate: null | number } }>()
  t.equal(empty.totals.received, 0)
  t.equal(empty.totals.onTimeRate, null, 'no rate without anything resolved')
})
