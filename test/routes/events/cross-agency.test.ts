/**
 * No answer tells an agency that a dossier not routed to it exists (issue 12, item 1). Each test
 * runs the same requests in two worlds: one where another agency's dossier is there to be found
 * (by origin, content, source reference, idempotency key or code) and one where it is not; the
 * agency's answers, with dossier codes, times and request ids left out, must be the same, and the
 * other dossier must be left as it was, with nothing of the agency's bound to it.
 */
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { asKey, build, example, testSettings, type TestHub } from '../../helper.ts'
import type { DossierSubmission, DossierSummary } from '../../../src/types/schemas.generated.ts'
import { goldenPath } from '../../golden-files.ts'

const BIRTH = '1.001193.000.00.00.H56'
const CODE = /\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4,}/g
const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g

const golden = (name: string): Record<string, unknown> => JSON.parse(readFileSync(goldenPath(`${name}.json`), 'utf8')) as Record<string, unknown>

/** What a client can tell from an answer, with what differs by nature (codes, times, request ids) left out. */
interface Seen { status: number, type: string, location?: string, body: unknown }
function seen (res: LightMyRequestResponse): Seen {
  const text = res.body.replace(CODE, '<code>').replace(TIME, '<time>')
  let body: unknown = text
  try { body = JSON.parse(text) } catch { /* keep the text */ }
  if (body !== null && typeof body === 'object') delete (body as { requestId?: unknown }).requestId
  const location = res.headers.location
  return { status: res.statusCode, type: String(res.headers['content-type']), ...(typeof location === 'string' && { location: location.replace(CODE, '<code>') }), body }
}

/** A request and the key of the client that sends it (undefined: a client the hub does not have, refused). */
interface Sent { key: string | undefined, req: InjectOptions }
const as = (key: string | undefined, req: InjectOptions): Sent => ({ key, req })
const postAs = (key: string | undefined, url: string, payload: unknown, headers: Record<string, string> = {}): Sent =>
  as(key, { method: 'POST', url, headers, payload: payload as InjectOptions['payload'] })
const send = async (hub: TestHub, { key, req }: Sent): Promise<LightMyRequestResponse> => await asKey(hub, key ?? '').inject(req)

/** Everything the record holds of a dossier (its row, steps and history, as text), to show nothing changed. */
async function snapshot (hub: TestHub, code: string): Promise<{ dossier: string, steps: string[], history: string[] }> {
  const [row] = await hub.db.sql<Array<{ dossier: string, steps: string[], history: string[] }>>`
    select row_to_json(d)::text as dossier,
      array(select row_to_json(s)::text from dossier_steps s where s.dossier_id = d.id order by s.position) as steps,
      array(select row_to_json(h)::text from dossier_history h where h.dossier_id = d.id order by h.seq) as history
    from dossiers d where d.code = ${code}`
  if (row === undefined) throw new Error(`no dossier ${code}`)
  return row
}

/** How many receive-once rows (keys, references, content) point at the dossier. */
async function bindings (hub: TestHub, code: string): Promise<number> {
  const [row] = await hub.db.sql<Array<{ n: number }>>`
    select ((select count(*) from idempotency_keys k where k.dossier_id = d.id) + (select count(*) from source_refs r where r.dossier_id = d.id)
      + (select count(*) from content_fingerprints c where c.dossier_id = d.id))::int as n
    from dossiers d where d.code = ${code}`
  return row?.n ?? 0
}

interface World { hub: TestHub, other: string, answers: Seen[], responses: LightMyRequestResponse[] }

/**
 * Builds the two worlds: `setup` stores another agency's dossier, findable (`findable` true) or
 * not (the same kind of dossier, under another reference or with other content), and returns its
 * code; `probe` is what the agency does. The agency's answers must be the same in both.
 */
async function twoWorlds (
  t: Test,
  setup: (hub: TestHub, findable: boolean) => Promise<{ hub?: TestHub, other: string }>,
  probe: (hub: TestHub) => Promise<LightMyRequestResponse[]>
): Promise<{ findable: World, unfindable: World }> {
  const run = async (findable: boolean): Promise<World> => {
    const built = await build(t, { role: 'api' })
    const { hub = built, other } = await setup(built, findable)
    const before = await snapshot(hub, other)
    const bound = await bindings(hub, other)
    const responses = await probe(hub)
    t.same(await snapshot(hub, other), before, `${findable ? 'findable' : 'unfindable'}: the other agency's dossier is as it was`)
    // (fewer, when an entry of the agency's own that pointed at it was passed over and is now the agency's new dossier's)
    t.ok(await bindings(hub, other) <= bound, `${findable ? 'findable' : 'unfindable'}: nothing more is bound to it`)
    return { hub, other, answers: responses.map(seen), responses }
  }
  const findable = await run(true)
  const unfindable = await run(false)
  t.same(findable.answers, unfindable.answers, 'the agency\'s answers are those it gets when there is no such dossier')
  for (const res of findable.responses) t.notOk(res.body.includes(findable.other), 'no answer names the other dossier')
  return { findable, unfindable }
}

const portalBirth = (reference: string, system = 'dvc-thanhhoa'): DossierSubmission => ({ ...example('birth-registration'), source: { system, reference } })
const codeOf = (res: LightMyRequestResponse): string => res.json<DossierSummary>().code

t.test('origin lookup: the land office names the portal\'s reference of a dossier not routed to it (HoSoDVC)', async (t) => {
  const native = { ...golden('land-submission-transfer'), HoSoDVC: { HeThong: 'dvc-thanhhoa', MaThamChieu: 'DVC-2026-12-000001' } }
  const { findable } = await twoWorlds(t, async (hub, findable) => {
    // the same Idempotency-Key as the land office's below: keys are each client's own
    const res = await send(hub, postAs(hub.keys.portal, '/v1/dossiers', portalBirth(findable ? 'DVC-2026-12-000001' : 'DVC-2026-12-999999'), { 'idempotency-key': 'K-1' }))
    t.equal(res.statusCode, 201)
    return { other: codeOf(res) }
  }, async (hub) => {
    const land = hub.keys.agencies['land-office']
    const first = await send(hub, postAs(land, '/v1/agencies/land-office/dossiers', native, { 'idempotency-key': 'K-1' }))
    const again = await send(hub, postAs(land, '/v1/agencies/land-office/dossiers', native, { 'idempotency-key': 'K-1' }))
    const byReference = await send(hub, postAs(land, '/v1/agencies/land-office/dossiers', native))
    const own = await send(hub, as(land, { url: `/v1/dossiers/${codeOf(first)}` }))
    // an administrator submitting in the land office's name is looked up as the land office
    const byAdmin = await send(hub, postAs(hub.keys.admin, '/v1/agencies/land-office/dossiers', { ...native, SoBienNhan: 'VPDK-HT-2026-000777' }))
    return [first, again, byReference, own, byAdmin]
  })
  const [first, again, byReference, own, byAdmin] = findable.responses as [LightMyRequestResponse, LightMyRequestResponse, LightMyRequestResponse, LightMyRequestResponse, LightMyRequestResponse]
  t.equal(byAdmin.statusCode, 201, 'an administrator in the land office\'s name: a new dossier too')
  t.equal(first.statusCode, 201, 'a new dossier, as for an origin the hub has not seen')
  t.equal(again.statusCode, 200, 'its repeat (same key) finds it')
  t.equal(codeOf(again), codeOf(first))
  t.equal(codeOf(byReference), codeOf(first), 'and so does its repeat by the office\'s own reference: nothing of it was bound to the other dossier')
  t.equal(own.statusCode, 200)
  t.notOk(Object.values(first.json<DossierSummary>().routing).some((r) => r?.agency === 'justice'), 'no step of the other dossier\'s route')
  const other = await send(findable.hub, as(findable.hub.keys.agencies['land-office'], { url: `/v1/dossiers/${findable.other}` }))
  t.equal(other.statusCode, 404, 'and the other dossier stays not found to the land office')
})

t.test('content match: an agency sends the content of a dossier not routed to it', async (t) => {
  const other = (findable: boolean): DossierSubmission => {
    const s = portalBirth('DVC-2026-12-000002')
    if (!findable) s.data = { ...s.data, child: { ...(s.data.child as object), fullName: 'Lê Minh Khang' } }
    return s
  }
  const agencyCopy = (agency: string): DossierSubmission => ({ ...example('birth-registration'), source: { system: agency, reference: `${agency}-0001` }, channel: 'counter' })

  await t.test('its procedure is not routed to the agency: refused, whatever the hub holds', async (t) => {
    const { findable } = await twoWorlds(t, async (hub, findable) => ({ other: codeOf(await send(hub, postAs(hub.keys.portal, '/v1/dossiers', other(findable)))) }),
      async (hub) => [await send(hub, postAs(hub.keys.agencies.tax, '/v1/agencies/tax/dossiers', agencyCopy('tax')))])
    t.equal(findable.answers[0]?.status, 400)
    t.match(findable.responses[0]?.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /procedure\/code 1\.001193\.000\.00\.00\.H56 is not routed to agency tax/)
    // an agency on the route still finds the portal's copy: the match itself works
    const police = await send(findable.hub, postAs(findable.hub.keys.agencies['police-residence'], '/v1/agencies/police-residence/dossiers', agencyCopy('police-residence')))
    t.equal(police.statusCode, 200, 'police-residence (a later step of the birth route) is given the portal\'s dossier')
    t.equal(codeOf(police), findable.other)
  })

  await t.test('the route has changed since the other dossier was received: it is passed over', async (t) => {
    // today the tax office checks births too; the portal's dossier was received before, without it
    const settings = testSettings({
      agencyUrl: 'http://127.0.0.1:9',
      procedures: (shipped) => {
        const birth = shipped[BIRTH] as { stages: Array<{ steps: unknown[] }> }
        birth.stages[1]?.steps.push({ id: 'tax-check', agency: 'tax', task: 'Kiểm tra lệ phí' })
        return shipped
      }
    })
    const { findable } = await twoWorlds(t, async (hub, findable) => {
      const otherCode = codeOf(await send(hub, postAs(hub.keys.portal, '/v1/dossiers', other(findable))))
      return { other: otherCode, hub: await build(t, { role: 'api', prefix: hub.prefix, settings }) }
    }, async (hub) => {
      const first = await send(hub, postAs(hub.keys.agencies.tax, '/v1/agencies/tax/dossiers', agencyCopy('tax')))
      const again = await send(hub, postAs(hub.keys.agencies.tax, '/v1/agencies/tax/dossiers', agencyCopy('tax')))
      return [first, again]
    })
    t.equal(findable.responses[0]?.statusCode, 201, 'a new dossier')
    t.equal(codeOf(findable.responses[1] as LightMyRequestResponse), codeOf(findable.responses[0] as LightMyRequestResponse), 'found again by its own reference')
  })
})

t.test('source references: an agency\'s reference that the portal used, and the portal\'s own references', async (t) => {
  const transfer = (source: { system: string, reference: string }): DossierSubmission => ({ ...example('land-use-right-transfer'), source, channel: 'counter' })
  const { findable } = await twoWorlds(t, async (hub, findable) => {
    // the portal names the tax office's id as its system: that reference is now in the tax office's namespace
    const other = codeOf(await send(hub, postAs(hub.keys.portal, '/v1/dossiers', portalBirth(findable ? 'TAX-1' : 'TAX-OTHER', 'tax'))))
    await send(hub, postAs(hub.keys.portal, '/v1/dossiers', portalBirth(findable ? 'DVC-2026-12-000003' : 'DVC-2026-12-999998')))
    return { other }
  }, async (hub) => {
    const tax = hub.keys.agencies.tax
    const own = await send(hub, postAs(tax, '/v1/agencies/tax/dossiers', transfer({ system: 'tax', reference: 'TAX-1' })))
    const again = await send(hub, postAs(tax, '/v1/agencies/tax/dossiers', transfer({ system: 'tax', reference: 'TAX-1' })))
    // the generic format carries the source as sent: the portal's system and reference are not the tax office's to use
    const portals = await send(hub, postAs(tax, '/v1/agencies/tax/dossiers', transfer({ system: 'dvc-thanhhoa', reference: 'DVC-2026-12-000003' })))
    return [own, again, portals]
  })
  const [own, again, portals] = findable.responses as [LightMyRequestResponse, LightMyRequestResponse, LightMyRequestResponse]
  t.equal(own.statusCode, 201, 'a new dossier, no 409 naming the portal\'s')
  t.equal(again.statusCode, 200)
  t.equal(codeOf(again), codeOf(own), 'the tax office\'s reference is its own dossier\'s from now on')
  t.equal(portals.statusCode, 400, 'another system\'s reference as the source: refused')
  t.match(portals.json<{ errors: Array<{ detail: string }> }>().errors[0]?.detail, /\/source\/system must be tax/)
})

t.test('idempotency keys: a client given to another agency keeps its id, not its old agency\'s dossiers', async (t) => {
  let desk = ''
  const { findable } = await twoWorlds(t, async (hub, findable) => {
    // (both worlds' hubs share the file's database: the second world issues desk-7 anew)
    const justice = await hub.clients.add({ id: 'desk-7', role: 'agency', agency: 'justice' }, { replace: true })
    const res = await send(hub, postAs(justice.key, '/v1/agencies/justice/dossiers', golden('justice-submission-birth-registration'), { 'idempotency-key': findable ? 'K-7' : 'K-OTHER' }))
    t.equal(res.statusCode, 201)
    desk = (await hub.clients.add({ id: 'desk-7', role: 'agency', agency: 'land-office' }, { replace: true })).key
    return { other: codeOf(res) }
  }, async (hub) => {
    const first = await send(hub, postAs(desk, '/v1/agencies/land-office/dossiers', golden('land-submission-transfer'), { 'idempotency-key': 'K-7' }))
    const again = await send(hub, postAs(desk, '/v1/agencies/land-office/dossiers', golden('land-submission-transfer'), { 'idempotency-key': 'K-7' }))
    return [first, again]
  })
  t.equal(findable.responses[0]?.statusCode, 201, 'a new dossier, no 409 naming the justice department\'s')
  t.equal(codeOf(findable.responses[1] as LightMyRequestResponse), codeOf(findable.responses[0] as LightMyRequestResponse), 'the key is the new dossier\'s from now on')
})

t.test('every route, about a dossier not routed to the agency: the answer about a code nobody has', async (t) => {
  const hub = await build(t, { role: 'api' })
  const land = hub.keys.agencies['land-office']
  const scoped = [
    { url: '/v1/dossiers' }, { url: `/v1/dossiers?procedure=${BIRTH}` }, { url: '/v1/dossiers?status=received&limit=100' },
    { url: '/v1/stats' }, { url: '/v1/stats?groupBy=agency' }
  ]
  const listsBefore = await Promise.all(scoped.map(async (r) => seen(await send(hub, as(land, r)))))

  const created = await send(hub, postAs(hub.keys.portal, '/v1/dossiers', portalBirth('DVC-2026-12-000004')))
  const foreign = codeOf(created)
  const missing = `${foreign.slice(0, -4)}9999`
  t.equal((await send(hub, as(hub.keys.agencies.justice, { url: `/v1/dossiers/${foreign}` }))).statusCode, 200, 'the dossier is there (the justice department reads it)')
  const before = await snapshot(hub, foreign)

  const attachment = { componentCode: 'TP1', fileName: 'a.pdf', mediaType: 'application/pdf', byteSize: 10, sha256: 'a'.repeat(64), url: 'https://x.example/a.pdf' }
  const requests: Array<{ name: string, request: (code: string) => InjectOptions }> = [
    { name: 'GET dossier', request: (c) => ({ url: `/v1/dossiers/${c}` }) },
    { name: 'GET history', request: (c) => ({ url: `/v1/dossiers/${c}/history` }) },
    { name: 'GET status', request: (c) => ({ url: `/v1/dossiers/${c}/status` }) },
    { name: 'GET notifications', request: (c) => ({ url: `/v1/dossiers/${c}/notifications` }) },
    { name: 'GET national-record', request: (c) => ({ url: `/v1/dossiers/${c}/national-record` }) },
    { name: 'GET audit', request: (c) => ({ url: `/v1/dossiers/${c}/audit` }) },
    { name: 'report (canonical)', request: (c) => ({ method: 'POST', url: `/v1/dossiers/${c}/events`, payload: { eventId: 'x-1', agency: 'land-office', report: { status: 'processing' } } }) },
    { name: 'report on a named step', request: (c) => ({ method: 'POST', url: `/v1/dossiers/${c}/events`, payload: { eventId: 'x-2', agency: 'land-office', step: 'civil-status', report: { status: 'resolved' } } }) },
    { name: 'report (native)', request: (c) => ({ method: 'POST', url: `/v1/dossiers/${c}/events`, payload: { eventId: 'x-3', agency: 'land-office', native: { MaHoSo: c, MaTrangThai: 'DANG_XU_LY', ThoiDiem: '20261203100000' } } }) },
    { name: 'report in another agency\'s name', request: (c) => ({ method: 'POST', url: `/v1/dossiers/${c}/events`, payload: { eventId: 'x-4', agency: 'justice', report: { status: 'processing' } } }) },
    { name: 'withdraw', request: (c) => ({ method: 'POST', url: `/v1/dossiers/${c}/withdraw`, payload: { reason: 'thử' } }) },
    { name: 'return', request: (c) => ({ method: 'POST', url: `/v1/dossiers/${c}/return`, payload: { method: 'counter' } }) },
    { name: 'supplements', request: (c) => ({ method: 'POST', url: `/v1/dossiers/${c}/supplements`, payload: { supplementId: 'S-1', attachments: [attachment] } }) },
    { name: 'admin jobs', request: (c) => ({ url: `/v1/admin/dossiers/${c}/jobs` }) },
    { name: 'admin retry', request: (c) => ({ method: 'POST', url: `/v1/admin/dossiers/${c}/steps/civil-status/retry` }) },
    { name: 'admin discard', request: (c) => ({ method: 'POST', url: `/v1/admin/dossiers/${c}/steps/civil-status/discard`, payload: { reason: 'thử quyền' } }) }
  ]
  for (const agency of ['land-office', 'evn']) {
    const key = hub.keys.agencies[agency]
    for (const r of requests) {
      const other = seen(await send(hub, as(key, r.request(foreign))))
      const nobody = seen(await send(hub, as(key, r.request(missing))))
      t.same(other, nobody, `${agency}, ${r.name}: ${other.status} ${JSON.stringify((other.body as { code?: string }).code ?? '')}, as for a code nobody has`)
    }
  }
  const report = seen(await send(hub, as(land, requests[6]?.request(foreign) ?? {})))
  t.match(report, { status: 404, body: { code: 'HUB_ERR_DOSSIER_NOT_FOUND', detail: 'No dossier has the code <code>' } }, 'a report on it: the same 404, not a 403 that tells it exists')
  t.same(await snapshot(hub, foreign), before, 'the dossier is as it was: no report reached it')

  const listsAfter = await Promise.all(scoped.map(async (r) => seen(await send(hub, as(land, r)))))
  t.same(listsAfter, listsBefore, 'the land office\'s lists and statistics are as they were before the dossier came')
})
