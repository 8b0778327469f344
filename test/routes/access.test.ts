/**
 * Who may do what: API keys (401 without a valid one), roles (403 for the wrong one), and agency
 * scoping (an agency never sees or touches a dossier that is not routed to it), on every route;
 * idempotency keys per client; removed clients; the client command.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { InjectOptions } from 'fastify'
import { bearer, build, dossierRow, example, post, REDIS_URL, removeKeys, storedDossiers, waitFor, type TestHub, asAdmin, anonymous, asAgency, asPortal, asKey } from '../helper.ts'
import { createTestDatabase } from '../db-helper.ts'
import { ClientStore } from '../../src/auth/clients.ts'
import { fromRoot } from '../../src/paths.ts'
import type { DossierList, DossierSummary, Problem } from '../../src/types/schemas.generated.ts'
import { Keys } from '../../src/store/keys.ts'
import { goldenPath } from '../golden-files.ts'

type Inject = InjectOptions
interface Call { name: string, request: (code: string) => Inject }

/** Every protected route, with a body that is valid for it. */
const routes: Call[] = [
  { name: 'POST /v1/dossiers', request: () => ({ method: 'POST', url: '/v1/dossiers', payload: { ...example('electricity-new-connection'), source: { system: 'dvc', reference: `R-${Math.random()}` } } }) },
  { name: 'GET /v1/dossiers/:code', request: (code) => ({ url: `/v1/dossiers/${code}` }) },
  { name: 'GET /v1/dossiers', request: () => ({ url: '/v1/dossiers' }) },
  { name: 'GET /v1/dossiers/:code/history', request: (code) => ({ url: `/v1/dossiers/${code}/history` }) },
  { name: 'POST /v1/dossiers/:code/events', request: (code) => ({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `e-${Math.random()}`, agency: 'justice', report: { status: 'processing' } } }) },
  { name: 'POST /v1/agencies/:agency/dossiers', request: () => ({ method: 'POST', url: '/v1/agencies/justice/dossiers', payload: { ...justiceNative(), soBienNhan: `J-${Math.random()}` } }) },
  { name: 'GET /v1/dossiers/:code/status', request: (code) => ({ url: `/v1/dossiers/${code}/status` }) },
  { name: 'GET /v1/dossiers/:code/notifications', request: (code) => ({ url: `/v1/dossiers/${code}/notifications` }) },
  { name: 'GET /v1/dossiers/:code/national-record', request: (code) => ({ url: `/v1/dossiers/${code}/national-record` }) },
  { name: 'GET /v1/stats', request: () => ({ url: '/v1/stats' }) },
  { name: 'GET /v1/reports/indicators', request: () => ({ url: '/v1/reports/indicators' }) },
  // last: they change the dossier (the return is refused with 409 before it is resolved, which is not a 403)
  { name: 'POST /v1/dossiers/:code/return', request: (code) => ({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'counter' } }) },
  { name: 'POST /v1/dossiers/:code/supplements', request: (code) => ({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: { supplementId: `S-${Math.random()}`, attachments: [{ componentCode: 'TP1', fileName: 'a.pdf', mediaType: 'application/pdf', byteSize: 10, sha256: 'a'.repeat(64), url: 'https://x.example/a.pdf' }] } }) },
  { name: 'POST /v1/dossiers/:code/withdraw', request: (code) => ({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'thử quyền' } }) }
]

/** A birth registration in the justice software's own format (adapters/justice/golden/). */
function justiceNative (): Record<string, unknown> {
  return JSON.parse(readFileSync(goldenPath('justice-submission-birth-registration.json'), 'utf8')) as Record<string, unknown>
}

const withKey = (req: Inject, headers: Record<string, string>): Inject => ({ ...req, headers: { ...req.headers, ...headers } })

async function birthDossier (hub: TestHub): Promise<string> {
  const res = await post(asAdmin(hub), example('birth-registration'))
  return res.json<DossierSummary>().code
}

t.test('no key, a malformed key, an unknown client, a wrong secret: 401 problem+json on every protected route', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await birthDossier(hub)
  const [, id] = hub.keys.portal.split('.')
  const wrong = [
    ['no key', { authorization: '' }],
    ['not a hub key', bearer('secret')],
    ['an unknown client', bearer(`lth.nobody.${'A'.repeat(43)}`)],
    ['a wrong secret', bearer(`lth.${id ?? ''}.${'B'.repeat(43)}`)],
    ['a wrong X-Api-Key', { 'x-api-key': 'lth.x.y' }]
  ] as const
  for (const route of routes) {
    for (const [what, headers] of wrong) {
      const res = await anonymous(hub).inject(withKey(route.request(code), headers))
      t.equal(res.statusCode, 401, `${route.name} with ${what}: 401`)
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
      t.equal(res.json<Problem>().code, 'HUB_ERR_UNAUTHENTICATED')
      t.match(res.headers['www-authenticate'], /^Bearer/)
    }
  }
  t.equal(await storedDossiers(hub), 1, 'nothing was stored')
  const docs = await anonymous(hub).inject({ url: '/docs/json' })
  t.equal(docs.statusCode, 200, 'the API documentation is public')
  const viaHeader = await anonymous(hub).inject({ url: `/v1/dossiers/${code}`, headers: { 'x-api-key': hub.keys.portal } })
  t.equal(viaHeader.statusCode, 200, 'X-Api-Key works as well as Authorization: Bearer')
})

t.test('each role on each route: allowed, or 403 naming the roles that may', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await birthDossier(hub)
  const allowed: Record<string, readonly string[]> = {
    'POST /v1/dossiers': ['portal', 'admin'],
    'GET /v1/dossiers/:code': ['portal', 'agency', 'admin', 'auditor'],
    'GET /v1/dossiers': ['portal', 'agency', 'admin', 'auditor'],
    'GET /v1/dossiers/:code/history': ['portal', 'agency', 'admin', 'auditor'],
    'POST /v1/dossiers/:code/events': ['agency', 'admin'],
    'POST /v1/agencies/:agency/dossiers': ['agency', 'admin'],
    'GET /v1/dossiers/:code/status': ['portal', 'agency', 'admin', 'auditor'],
    'GET /v1/dossiers/:code/notifications': ['portal', 'agency', 'admin', 'auditor'],
    'GET /v1/dossiers/:code/national-record': ['portal', 'admin', 'auditor'],
    'GET /v1/stats': ['portal', 'agency', 'admin', 'auditor'],
    'GET /v1/reports/indicators': ['portal', 'agency', 'admin', 'auditor'],
    'POST /v1/dossiers/:code/return': ['portal', 'admin'],
    'POST /v1/dossiers/:code/supplements': ['portal', 'admin'],
    'POST /v1/dossiers/:code/withdraw': ['portal', 'admin']
  }
  // the agency client here is the justice department's: the dossier is routed to it
  const keys = { portal: hub.keys.portal, agency: hub.keys.agencies.justice ?? '', admin: hub.keys.admin, auditor: hub.keys.auditor }
  for (const route of routes) {
    for (const [role, key] of Object.entries(keys)) {
      const res = await asKey(hub, key).inject(route.request(code))
      if (allowed[route.name]?.includes(role) === true) {
        t.ok(res.statusCode < 400 || (res.statusCode === 409 && (route.name.endsWith('/return') || route.name.endsWith('/supplements'))), `${route.name} as ${role}: allowed (${res.statusCode})`)
      } else {
        t.equal(res.statusCode, 403, `${route.name} as ${role}: 403`)
        const p = res.json<Problem>()
        t.equal(p.code, 'HUB_ERR_FORBIDDEN')
        t.match(p.detail, new RegExp(`role ${role}.*${(allowed[route.name] ?? []).join(', ')}`))
      }
    }
  }
})

t.test('agency scoping: the wrong agency sees and touches nothing, by any route', async (t) => {
  const hub = await build(t, { role: 'api' })
  const birth = await birthDossier(hub)
  const electricity = (await post(asAdmin(hub), example('electricity-new-connection'))).json<DossierSummary>().code
  const evn = asAgency(hub, 'evn')
  const justice = asAgency(hub, 'justice')

  const get = await evn.inject({ url: `/v1/dossiers/${birth}` })
  t.equal(get.statusCode, 404, 'GET another agency\'s dossier: not found, as if it did not exist')
  t.equal(get.json<Problem>().code, 'HUB_ERR_DOSSIER_NOT_FOUND')
  t.notMatch(get.body, /Nguyễn|038/, 'nothing of it in the answer')
  const history = await evn.inject({ url: `/v1/dossiers/${birth}/history` })
  t.equal(history.statusCode, 404, 'its history: not found')
  for (const path of ['status', 'notifications']) {
    const res = await evn.inject({ url: `/v1/dossiers/${birth}/${path}` })
    t.equal(res.statusCode, 404, `its ${path}: not found`)
  }
  const stats = (await evn.inject({ url: '/v1/stats?groupBy=agency' })).json<{ agency: string, totals: { received: number }, groups: Array<{ key: string }> }>()
  t.equal(stats.agency, 'evn')
  t.equal(stats.totals.received, 1, 'statistics count only its own dossier')
  t.same(stats.groups.map((g) => g.key), ['evn'], 'and show only its own row')
  const byProcedure = await evn.inject({ url: '/v1/stats?groupBy=procedure' })
  t.equal(byProcedure.statusCode, 403, 'figures grouped by procedure would count other agencies\' dossiers: 403')
  t.equal(byProcedure.json<Problem>().code, 'HUB_ERR_STATS_SCOPE')
  const list = (await evn.inject({ url: '/v1/dossiers' })).json<DossierList>()
  t.same(list.items.map((i) => i.code), [electricity], 'the list holds only the agency\'s own dossiers')
  const filtered = await evn.inject({ url: '/v1/dossiers?agency=justice' })
  t.equal(filtered.statusCode, 403, 'asking for another agency\'s list: 403')
  t.equal(filtered.json<Problem>().code, 'HUB_ERR_WRONG_AGENCY')
  const statusList = (await evn.inject({ url: '/v1/dossiers?status=received&procedure=1.001193.000.00.00.H56' })).json<DossierList>()
  t.same(statusList.items, [], 'other filters never reach beyond the agency\'s own dossiers')

  const asOther = await evn.inject({ method: 'POST', url: `/v1/dossiers/${birth}/events`, payload: { eventId: 'x1', agency: 'justice', report: { status: 'resolved' } } })
  t.equal(asOther.statusCode, 403, 'reporting in another agency\'s name: 403')
  t.equal(asOther.json<Problem>().code, 'HUB_ERR_WRONG_AGENCY')
  const notRouted = await evn.inject({ method: 'POST', url: `/v1/dossiers/${birth}/events`, payload: { eventId: 'x2', agency: 'evn', report: { status: 'resolved' } } })
  t.equal(notRouted.statusCode, 404, 'reporting on a dossier not routed to it: not found, as if it did not exist (test/routes/events/cross-agency.test.ts)')
  t.equal(notRouted.json<Problem>().code, 'HUB_ERR_DOSSIER_NOT_FOUND')
  const intake = await evn.inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', payload: justiceNative() })
  t.equal(intake.statusCode, 403, 'submitting as another agency: 403')
  t.equal((await dossierRow(hub, birth))?.history, 1, 'no report reached the dossier: its history holds only its receipt')
  t.equal(await storedDossiers(hub), 2, 'nothing new stored')

  const own = await justice.inject({ url: `/v1/dossiers/${birth}` })
  t.equal(own.statusCode, 200, 'the agency the dossier is routed to reads it')
  const later = await asAgency(hub, 'police-residence').inject({ url: `/v1/dossiers/${birth}` })
  t.equal(later.statusCode, 200, 'so does an agency of a later step')
  const report = await justice.inject({ method: 'POST', url: `/v1/dossiers/${birth}/events`, payload: { eventId: 'j1', agency: 'justice', report: { status: 'accepted' } } })
  t.equal(report.statusCode, 201, 'and reports on it')
})

t.test('idempotency keys are each client\'s own; a removed client\'s key stops working', async (t) => {
  const hub = await build(t, { role: 'api' })
  const other = await hub.clients.add({ id: 'second-portal', role: 'portal' })
  const a = example('birth-registration')
  const b = example('electricity-new-connection')
  const first = await post(asPortal(hub), a, { 'idempotency-key': 'same-key' })
  const second = await post(asKey(hub, other.key), b, { 'idempotency-key': 'same-key' })
  t.equal(first.statusCode, 201)
  t.equal(second.statusCode, 201, 'another client\'s key of the same name is no conflict')
  const repeat = await post(asPortal(hub), a, { 'idempotency-key': 'same-key' })
  t.equal(repeat.statusCode, 200, 'a client\'s own repeat is recognised')

  t.ok(await hub.clients.remove('second-portal'))
  const gone = await asKey(hub, other.key).inject({ url: '/v1/dossiers' })
  t.equal(gone.statusCode, 401, 'the removed client\'s key: 401')
  const stored = JSON.stringify(await hub.db.sql`select * from clients where id = 'test-portal'`)
  t.match(stored, /"secret_hash"/, 'the row is there')
  t.notOk(stored.includes(hub.keys.portal.split('.')[2] ?? 'x'), 'the key itself is not stored')
})

t.test('a client removed or given a new key in one process stops working in every other at once (not after the cache time)', async (t) => {
  const hub = await build(t, { role: 'api' })
  // two processes' stores, caching for a minute: only the change message can make them forget
  const [here, there] = [new ClientStore(hub.db.sql, hub.redis, hub.prefix, 60_000), new ClientStore(hub.db.sql, hub.redis, hub.prefix, 60_000)]
  const stop = here.watch()
  t.teardown(stop)
  await waitFor(async () => {
    const [, n] = await hub.redis.pubsub('NUMSUB', new Keys(hub.prefix).clientsChanged) as [string, number]
    return n >= 2 // the hub's own watch and this one
  }, 'watching')
  const { key } = await there.add({ id: 'watched', role: 'auditor' })
  t.equal((await here.verify(key))?.id, 'watched', 'known (and now cached) here')
  await there.remove('watched')
  await waitFor(async () => (await here.verify(key)) === undefined, 'the removed key refused here', 2000)
  t.pass('refused here within 2 s, with a 60 s cache')
  const again = await there.add({ id: 'watched', role: 'auditor' })
  await waitFor(async () => (await here.verify(again.key))?.id === 'watched', 'added again: known here, though "no such client" was cached', 2000)
  const replaced = await there.add({ id: 'watched', role: 'auditor' }, { replace: true })
  await waitFor(async () => (await here.verify(again.key)) === undefined, 'the replaced key refused here', 2000)
  t.equal((await here.verify(replaced.key))?.id, 'watched', 'the new key works')
})

t.test('npm run client:add / client:list / client:remove', async (t) => {
  const hub = await build(t, { role: 'api' })
  const url = hub.databaseUrl ?? ''
  const run = (...args: string[]): { status: number | null, out: string, err: string } => {
    const r = spawnSync(process.execPath, ['--import=tsx', 'scripts/client.ts', ...args], { cwd: fromRoot(), env: { ...process.env, REDIS_URL, REDIS_PREFIX: hub.prefix, DATABASE_URL: url }, encoding: 'utf8' })
    return { status: r.status, out: r.stdout, err: r.stderr }
  }
  const added = run('add', '--id', 'vbdlis', '--role', 'agency', '--agency', 'land-office', '--name', 'VBDLIS Thanh Hóa')
  t.equal(added.status, 0, added.err)
  const key = /^(lth\.vbdlis\.[A-Za-z0-9_-]{43})$/m.exec(added.out)?.[1] ?? ''
  t.ok(key !== '', 'the key is printed')
  const res = await asKey(hub, key).inject({ url: '/v1/dossiers' })
  t.equal(res.statusCode, 200, 'and works')
  t.equal(run('add', '--id', 'vbdlis', '--role', 'agency', '--agency', 'land-office').status, 1, 'the same id again without --replace: refused')
  t.match(run('add', '--id', 'x', '--role', 'agency', '--agency', 'nowhere').err, /not an agency of the hub config/)
  t.match(run('add', '--id', 'x', '--role', 'root').err, /role "root" must be one of portal, agency, admin, auditor/)
  t.match(run('add', '--id', 'x', '--role', 'portal', '--agency', 'evn').err, /only an agency client may have one/)
  const listed = run('list')
  t.match(listed.err, new URL(url).pathname.slice(1), 'says which database it used')
  t.match(listed.out, /^vbdlis\tagency\tland-office\tVBDLIS Thanh Hóa\t/m, 'listed')
  t.notOk(listed.out.includes(key.split('.')[2] ?? 'x'), 'without the key')
  const replaced = run('add', '--id', 'vbdlis', '--role', 'agency', '--agency', 'land-office', '--replace')
  t.equal(replaced.status, 0)
  // (the change message is read once this process runs again after the command)
  await waitFor(async () => (await asKey(hub, key).inject({ url: '/v1/dossiers' })).statusCode === 401, 'the replaced key refused in the running hub', 1000)
  t.pass('the replaced key stops working in the running hub at once')
  const newKey = /^(lth\.vbdlis\.[A-Za-z0-9_-]{43})$/m.exec(replaced.out)?.[1] ?? ''
  t.equal((await asKey(hub, newKey).inject({ url: '/v1/dossiers' })).statusCode, 200, 'the new one works (and is cached)')
  t.equal(run('remove', '--id', 'vbdlis').status, 0)
  await waitFor(async () => (await asKey(hub, newKey).inject({ url: '/v1/dossiers' })).statusCode === 401, 'the removed key refused in the running hub', 1000)
  t.pass('removed by the command: 401 in the running hub at once')
  t.equal(run('remove', '--id', 'vbdlis').status, 1, 'removing it twice: refused')
})

t.test('clients live in the record: with every key of the hub\'s Redis gone, a client still authenticates', async (t) => {
  const hub = await build(t, { role: 'api' })
  // added, never used: not in the hub's cache, so the request below has to find it in the store
  const { key } = await hub.clients.add({ id: 'survivor', role: 'portal' })
  await removeKeys(hub.redis, hub.prefix)
  const res = await asKey(hub, key).inject({ url: '/v1/dossiers' })
  t.equal(res.statusCode, 200, 'authenticated after the loss of Redis')
  t.ok((await hub.clients.list()).some((c) => c.id === 'survivor'), 'and listed')
})

t.test('npm run client:list on a database without clients says so (and which database) instead of printing nothing', async (t) => {
  const empty = await createTestDatabase(t)
  const r = spawnSync(process.execPath, ['--import=tsx', 'scripts/client.ts', 'list'], { cwd: fromRoot(), env: { ...process.env, REDIS_URL, DATABASE_URL: empty.url }, encoding: 'utf8' })
  t.equal(r.status, 1, r.stderr)
  t.equal(r.stdout, '')
  t.match(r.stderr, /no clients in /)
  t.match(r.stderr, empty.name, 'names the database')
})
