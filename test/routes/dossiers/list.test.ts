/**
 * GET /v1/dossiers: newest received first, filters, cursor paging (also across receivedAt ties),
 * and 400 problems naming the offending query parameter.
 */
import t, { type Test } from 'tap'
import { build, example, post, BIRTH, ELECTRICITY, type TestHub, asAdmin, type InjectResponse } from '../../helper.ts'
import type { DossierList, DossierSummary, Problem } from '../../../src/types/schemas.generated.ts'

type Kind = 'birth-registration' | 'electricity-new-connection'

interface Created {
  code: string
  kind: Kind
  agency: 'justice' | 'evn'
  /** the first step of its route */
  step: 'civil-status' | 'evn'
  procedure: string
  receivedAtMs: number
  summary: DossierSummary
}

const START = Date.parse('2026-11-23T01:00:00.000Z')
const BEFORE_TIES = 14
const TIES = 3
const AFTER_TIES = 11

/** An instant as ISO 8601 in Vietnam time with its offset, e.g. 2026-11-23T08:00:05.000+07:00. */
const vn = (ms: number): string => new Date(ms + 7 * 3600_000).toISOString().replace('Z', '+07:00')

/** Newest first; ties by code, descending (the order the hub uses for equal receivedAt). */
const newestFirst = (a: Created, b: Created): number =>
  b.receivedAtMs - a.receivedAtMs || (a.code < b.code ? 1 : a.code > b.code ? -1 : 0)

/** The hub with 28 dossiers: 14 one second apart, 3 in the same millisecond, 11 more one second apart. */
async function seed (t: Test): Promise<{ hub: TestHub, created: Created[], tieMs: number }> {
  let clock = new Date(START)
  const hub = await build(t, { role: 'api', now: () => clock })
  const created: Created[] = []
  let n = 0
  const submit = async (kind: Kind): Promise<void> => {
    const s = example(kind)
    s.source.reference = `LIST-${String(n++).padStart(3, '0')}`
    const res = await post(asAdmin(hub), s)
    t.equal(res.statusCode, 201, `${s.source.reference} created`)
    const summary = res.json<DossierSummary>()
    created.push({
      code: summary.code,
      kind,
      agency: kind === 'birth-registration' ? 'justice' : 'evn',
      step: kind === 'birth-registration' ? 'civil-status' : 'evn',
      procedure: kind === 'birth-registration' ? BIRTH : ELECTRICITY,
      receivedAtMs: clock.getTime(),
      summary
    })
  }
  const tick = (): void => { clock = new Date(clock.getTime() + 1000) }
  const kindOf = (i: number): Kind => (i % 3 === 0 ? 'electricity-new-connection' : 'birth-registration')
  for (let i = 0; i < BEFORE_TIES; i++) { await submit(kindOf(i)); tick() }
  const tieMs = clock.getTime()
  for (const kind of ['birth-registration', 'electricity-new-connection', 'birth-registration'] as const) await submit(kind)
  tick()
  for (let i = 0; i < AFTER_TIES; i++) { await submit(kindOf(i + 1)); tick() }
  t.equal(created.length, BEFORE_TIES + TIES + AFTER_TIES, 'all dossiers created')
  t.equal(new Set(created.map((c) => c.code)).size, created.length, 'all codes distinct')
  t.equal(created.filter((c) => c.receivedAtMs === tieMs).length, TIES, 'three dossiers share one receivedAt millisecond')
  return { hub, created, tieMs }
}

async function list (hub: TestHub, query: Record<string, string | number>): Promise<InjectResponse> {
  return await asAdmin(hub).inject({ method: 'GET', url: '/v1/dossiers', query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) })
}

/** Follows nextCursor until null; checks every page's size. Returns the pages. */
async function walk (t: Test, hub: TestHub, query: Record<string, string | number>, limit: number, label: string): Promise<DossierList[]> {
  const pages: DossierList[] = []
  let cursor: string | undefined
  for (let i = 0; i < 200; i++) {
    const res = await list(hub, { ...query, limit, ...(cursor !== undefined && { cursor }) })
    if (res.statusCode !== 200) {
      t.equal(res.statusCode, 200, `${label}: page ${i + 1} answers 200 (${res.body})`)
      break
    }
    const page = res.json<DossierList>()
    pages.push(page)
    if (page.nextCursor === null) break
    cursor = page.nextCursor
  }
  t.equal(pages.at(-1)?.nextCursor, null, `${label}: the walk ends with nextCursor null`)
  t.ok(pages.every((p) => p.items.length <= limit), `${label}: no page is larger than ${limit}`)
  return pages
}

const codesOf = (pages: DossierList[]): string[] => pages.flatMap((p) => p.items.map((i) => i.code))

t.test('GET /v1/dossiers', async (t) => {
  const { hub, created, tieMs } = await seed(t)
  const expected = [...created].sort(newestFirst)
  const expectedCodes = expected.map((c) => c.code)
  const byCode = new Map(created.map((c) => [c.code, c]))

  t.test('one page with everything: newest first, summaries as at intake', async (t) => {
    const res = await list(hub, { limit: 100 })
    t.equal(res.statusCode, 200)
    t.match(String(res.headers['content-type']), /^application\/json/)
    const page = res.json<DossierList>()
    t.equal(page.nextCursor, null, 'everything fits: no next page')
    t.same(page.items.map((i) => i.code), expectedCodes, 'newest first, ties by code descending')
    const ms = page.items.map((i) => Date.parse(i.receivedAt))
    t.ok(ms.every((v, i) => i === 0 || (ms[i - 1] as number) >= v), 'receivedAt never increases down the list')
    for (const item of page.items) {
      const c = byCode.get(item.code)
      t.ok(c, `${item.code} is one of ours`)
      if (c === undefined) continue
      t.equal(item.status, 'received', `${item.code}: status`)
      t.equal(item.statusCode, 2, `${item.code}: statusCode`)
      t.equal(Date.parse(item.receivedAt), c.receivedAtMs, `${item.code}: receivedAt is the injected clock`)
      t.match(item.receivedAt, /\+07:00$/, `${item.code}: receivedAt in Vietnam time`)
      t.same(item.procedure, { code: c.procedure, name: example(c.kind).procedure.name }, `${item.code}: procedure code and name`)
      t.equal(item.routing[c.step]?.agency, c.agency, `${item.code}: routed to ${c.agency} first`)
      t.equal(item.routing[c.step]?.state, 'pending', `${item.code}: not delivered (no workers)`)
      t.same(item, c.summary, `${item.code}: the same summary as the intake answer`)
    }
  })

  t.test('the default page size is 20', async (t) => {
    const res = await list(hub, {})
    t.equal(res.statusCode, 200)
    const page = res.json<DossierList>()
    t.same(page.items.map((i) => i.code), expectedCodes.slice(0, 20))
    t.type(page.nextCursor, 'string')
  })

  t.test('paging with limit=4: every dossier once, newest first, ties across a page boundary', async (t) => {
    const pages = await walk(t, hub, {}, 4, 'limit=4')
    const codes = codesOf(pages)
    t.equal(codes.length, created.length, 'as many items as dossiers')
    t.equal(new Set(codes).size, codes.length, 'no dossier twice')
    t.same(codes, expectedCodes, 'the same order as one big page')
    t.ok(pages.slice(0, -1).every((p) => p.items.length === 4), 'every page before the last is full')
    // the three tied dossiers sit at positions 12–14, split by the page boundary after 12
    t.same(codes.slice(11, 14).map((c) => byCode.get(c)?.receivedAtMs), [tieMs, tieMs, tieMs], 'the tie straddles pages 3 and 4')
  })

  t.test('paging with other limits gives the same sequence', async (t) => {
    for (const limit of [1, 2, 3, 5, 7, 13, 27, 28]) {
      const codes = codesOf(await walk(t, hub, {}, limit, `limit=${limit}`))
      t.same(codes, expectedCodes, `limit=${limit}: each dossier once, same order`)
    }
  })

  t.test('filter by agency', async (t) => {
    for (const agency of ['evn', 'justice'] as const) {
      const res = await list(hub, { agency, limit: 100 })
      t.equal(res.statusCode, 200)
      const page = res.json<DossierList>()
      t.ok(page.items.every((i) => Object.values(i.routing).some((r) => r?.agency === agency)), `${agency}: every item routed to ${agency}`)
      t.same(page.items.map((i) => i.code), expected.filter((c) => c.agency === agency).map((c) => c.code), `${agency}: all of them, newest first`)
      t.equal(page.nextCursor, null)
    }
    t.ok(expected.some((c) => c.agency === 'evn') && expected.some((c) => c.agency === 'justice'), 'both agencies have dossiers')
    const none = (await list(hub, { agency: 'nobody' })).json<DossierList>()
    t.same(none, { items: [], nextCursor: null }, 'an agency without dossiers: empty page')
  })

  t.test('filter by procedure', async (t) => {
    for (const procedure of [BIRTH, ELECTRICITY]) {
      const res = await list(hub, { procedure, limit: 100 })
      t.equal(res.statusCode, 200)
      const page = res.json<DossierList>()
      t.ok(page.items.every((i) => i.procedure.code === procedure), `${procedure}: only this procedure`)
      t.same(page.items.map((i) => i.code), expected.filter((c) => c.procedure === procedure).map((c) => c.code), `${procedure}: all of them, newest first`)
    }
  })

  t.test('filter by status', async (t) => {
    const received = (await list(hub, { status: 'received', limit: 100 })).json<DossierList>()
    t.same(received.items.map((i) => i.code), expectedCodes, 'status=received: all dossiers')
    t.equal(received.nextCursor, null)
    const resolvedRes = await list(hub, { status: 'resolved', limit: 100 })
    t.equal(resolvedRes.statusCode, 200)
    t.same(resolvedRes.json<DossierList>(), { items: [], nextCursor: null }, 'status=resolved: none')
  })

  t.test('filter by receivedFrom / receivedTo: inclusive window', async (t) => {
    const from = START + 5000
    const to = START + 10_000
    const inWindow = (lo: number, hi: number): string[] => expected.filter((c) => c.receivedAtMs >= lo && c.receivedAtMs <= hi).map((c) => c.code)
    const res = await list(hub, { receivedFrom: vn(from), receivedTo: vn(to), limit: 100 })
    t.equal(res.statusCode, 200)
    const codes = res.json<DossierList>().items.map((i) => i.code)
    t.equal(codes.length, 6, 'both ends included: 6 dossiers one second apart')
    t.same(codes, inWindow(from, to), 'exactly the dossiers in the window, newest first')

    // the same instant written with another offset selects the same dossiers
    const utc = (await list(hub, { receivedFrom: new Date(from).toISOString(), receivedTo: new Date(to).toISOString(), limit: 100 })).json<DossierList>()
    t.same(utc.items.map((i) => i.code), codes, 'Z and +07:00 name the same instants')

    // one millisecond inside each end drops the dossiers at the ends
    const inner = (await list(hub, { receivedFrom: vn(from + 1), receivedTo: vn(to - 1), limit: 100 })).json<DossierList>()
    t.same(inner.items.map((i) => i.code), inWindow(from + 1, to - 1), 'bounds are instants, not seconds')
    t.equal(inner.items.length, 4)

    const fromOnly = (await list(hub, { receivedFrom: vn(tieMs), limit: 100 })).json<DossierList>()
    t.same(fromOnly.items.map((i) => i.code), inWindow(tieMs, Infinity), 'receivedFrom alone: the ties and everything after')
    t.equal(fromOnly.items.length, TIES + AFTER_TIES)

    const toOnly = (await list(hub, { receivedTo: vn(tieMs), limit: 100 })).json<DossierList>()
    t.same(toOnly.items.map((i) => i.code), inWindow(-Infinity, tieMs), 'receivedTo alone: everything up to and including the ties')
    t.equal(toOnly.items.length, BEFORE_TIES + TIES)

    const empty = (await list(hub, { receivedFrom: vn(START + 3_600_000), limit: 100 })).json<DossierList>()
    t.same(empty, { items: [], nextCursor: null }, 'a window after every dossier: empty')
  })

  t.test('filters combine', async (t) => {
    const from = tieMs - 3000
    const res = await list(hub, { agency: 'evn', receivedFrom: vn(from), limit: 100 })
    t.equal(res.statusCode, 200)
    const want = expected.filter((c) => c.agency === 'evn' && c.receivedAtMs >= from).map((c) => c.code)
    t.ok(want.length > 0 && want.length < expected.filter((c) => c.agency === 'evn').length, 'the combination is narrower than either filter')
    t.same(res.json<DossierList>().items.map((i) => i.code), want, 'agency=evn and receivedFrom')

    const three = (await list(hub, { agency: 'justice', procedure: BIRTH, status: 'received', receivedTo: vn(tieMs), limit: 100 })).json<DossierList>()
    t.same(three.items.map((i) => i.code), expected.filter((c) => c.agency === 'justice' && c.receivedAtMs <= tieMs).map((c) => c.code), 'agency + procedure + status + receivedTo')

    const contradictory = (await list(hub, { agency: 'evn', procedure: BIRTH, limit: 100 })).json<DossierList>()
    t.same(contradictory, { items: [], nextCursor: null }, 'agency=evn with the birth procedure: nothing')
  })

  t.test('paging works with filters', async (t) => {
    const cases: Array<[string, Record<string, string>, (c: Created) => boolean, number[]]> = [
      ['agency=justice', { agency: 'justice' }, (c) => c.agency === 'justice', [1, 3, 4]],
      ['agency=evn', { agency: 'evn' }, (c) => c.agency === 'evn', [1, 2]],
      ['procedure=electricity', { procedure: ELECTRICITY }, (c) => c.procedure === ELECTRICITY, [1, 4]],
      ['status=received', { status: 'received' }, () => true, [4, 6]],
      ['window around the ties', { receivedFrom: vn(tieMs - 2000), receivedTo: vn(tieMs + 2000) }, (c) => c.receivedAtMs >= tieMs - 2000 && c.receivedAtMs <= tieMs + 2000, [1, 2, 4]],
      ['receivedTo at the ties', { receivedTo: vn(tieMs) }, (c) => c.receivedAtMs <= tieMs, [1, 2, 4]],
      ['agency=justice from before the ties', { agency: 'justice', receivedFrom: vn(tieMs - 4000) }, (c) => c.agency === 'justice' && c.receivedAtMs >= tieMs - 4000, [1, 2, 4]]
    ]
    for (const [label, query, keep, limits] of cases) {
      const want = expected.filter(keep).map((c) => c.code)
      t.ok(want.length > 1, `${label}: selects several dossiers`)
      for (const limit of limits) {
        const codes = codesOf(await walk(t, hub, query, limit, `${label}, limit=${limit}`))
        t.same(codes, want, `${label}, limit=${limit}: each matching dossier once, newest first`)
      }
    }
  })

  t.test('a cursor walks the same sequence when asked again', async (t) => {
    const first = (await list(hub, { limit: 12 })).json<DossierList>()
    t.type(first.nextCursor, 'string')
    const a = (await list(hub, { limit: 5, cursor: first.nextCursor as string })).json<DossierList>()
    const b = (await list(hub, { limit: 5, cursor: first.nextCursor as string })).json<DossierList>()
    t.same(a, b, 'the same cursor gives the same page')
    t.same(a.items.map((i) => i.code), expectedCodes.slice(12, 17), 'continuing right after the first page, inside the tie')
  })
})

t.test('GET /v1/dossiers on an empty hub: an empty last page', async (t) => {
  const hub = await build(t, { role: 'api' })
  const res = await list(hub, {})
  t.equal(res.statusCode, 200)
  t.same(res.json<DossierList>(), { items: [], nextCursor: null })
})

t.test('GET /v1/dossiers bad input: 400 problem naming the parameter', async (t) => {
  const hub = await build(t, { role: 'api' })
  const cases: Array<[string, Record<string, string>, string]> = [
    ['limit=0', { limit: '0' }, 'limit'],
    ['limit=101', { limit: '101' }, 'limit'],
    ['limit not a number', { limit: 'ten' }, 'limit'],
    ['status=bogus', { status: 'bogus' }, 'status'],
    ['receivedFrom=yesterday', { receivedFrom: 'yesterday' }, 'receivedFrom'],
    ['receivedTo without a time', { receivedTo: '2026-11-23' }, 'receivedTo'],
    ['unknown parameter', { colour: 'red' }, 'colour'],
    ['cursor=garbage', { cursor: 'garbage' }, 'cursor'],
    ['cursor too long', { cursor: 'A'.repeat(201) }, 'cursor']
  ]
  for (const [label, query, parameter] of cases) {
    const res = await list(hub, query)
    t.equal(res.statusCode, 400, `${label}: 400`)
    t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${label}: problem+json`)
    const p = res.json<Problem>()
    t.equal(p.status, 400, `${label}: status member`)
    t.equal(p.code, 'HUB_ERR_VALIDATION', `${label}: code`)
    t.ok(p.errors?.some((e) => e.parameter === parameter), `${label}: errors name ${parameter} (got ${JSON.stringify(p.errors)})`)
  }
})
