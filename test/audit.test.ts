/**
 * The tamper-evident audit trail: every read and write of a dossier by a client is chained by
 * HMAC-SHA256 under the audit key; GET /v1/dossiers/:code/audit verifies the chain; an entry
 * changed or removed in Redis is detected; concurrent requests still make one unbroken chain.
 * (Cutting, deleting, rewriting, checkpoints: audit-tamper.test.ts.)
 */
import t from 'tap'
import { bearer, build, example, post, waitFor, type TestHub } from './helper.ts'
import { GENESIS, nextEntry, verifyChain } from '../src/domain/audit-chain.ts'
import { AuditStore, readTrail } from '../src/store/audit-store.ts'
import { Keys } from '../src/store/keys.ts'
import type { AuditEntry, DossierSummary } from '../src/types/schemas.generated.ts'

interface Trail { dossier: string, entries: AuditEntry[], verification: { valid: boolean, entries: number, keyed: boolean, unkeyed: number, problem?: string, brokenAt?: number, reason?: string } }

async function trail (hub: TestHub, code: string): Promise<Trail> {
  const res = await hub.app.inject({ url: `/v1/dossiers/${code}/audit`, headers: bearer(hub.keys.auditor) })
  return res.json<Trail>()
}

/** Waits until the dossier's trail holds `n` entries (they are written after each answer). */
async function entries (hub: TestHub, code: string, n: number): Promise<void> {
  await waitFor(async () => await hub.redis.llen(`${hub.prefix}:audit:${code}`) >= n, `${n} audit entries`)
}

t.test('who did what, when: every read and write of the dossier, chained and verified', async (t) => {
  const hub = await build(t, { role: 'api' })
  const created = await post(hub.app, example('birth-registration'), bearer(hub.keys.portal))
  const { code } = created.json<DossierSummary>()
  await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(hub.keys.portal) })
  await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(hub.keys.agencies.justice ?? '') })
  await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(hub.keys.agencies.evn ?? '') })
  await hub.app.inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, headers: bearer(hub.keys.agencies.justice ?? ''), payload: { eventId: 'a1', agency: 'justice', report: { status: 'accepted' } } })
  await hub.app.inject({ url: `/v1/dossiers/${code}/history`, headers: bearer(hub.keys.auditor) })
  await post(hub.app, example('birth-registration'), bearer(hub.keys.portal))
  await entries(hub, code, 7)

  const { entries: list, verification } = await trail(hub, code)
  t.same(list.slice(0, 7).map((e) => [e.seq, e.client, e.action, e.method, e.route, e.status]), [
    [1, 'test-portal', 'submit', 'POST', '/v1/dossiers', 201],
    [2, 'test-portal', 'read', 'GET', '/v1/dossiers/:code', 200],
    [3, 'agency-justice', 'read', 'GET', '/v1/dossiers/:code', 200],
    [4, 'agency-evn', 'read', 'GET', '/v1/dossiers/:code', 404],
    [5, 'agency-justice', 'report', 'POST', '/v1/dossiers/:code/events', 201],
    [6, 'test-auditor', 'read-history', 'GET', '/v1/dossiers/:code/history', 200],
    [7, 'test-portal', 'submit', 'POST', '/v1/dossiers', 200]
  ], 'each request, in order, with who and what it got (the refused agency too)')
  t.equal(list[3]?.agency, 'evn', 'an agency client\'s agency is recorded')
  t.ok(list.every((e) => /^req-/.test(e.requestId) && /\+07:00$/.test(e.at)), 'request ids and Vietnam times')
  t.equal(list[0]?.prev, GENESIS, 'the first entry follows the genesis hash')
  t.ok(list.slice(1).every((e, i) => e.prev === list[i]?.hash), 'each entry carries the hash of the one before')
  t.match(verification, { valid: true, entries: list.length, keyed: true, unkeyed: 0, head: { entries: list.length, hash: list.at(-1)?.hash } }, 'the chain verifies, keyed, and ends where its head record says')
  t.ok(list.every((e) => e.kid === hub.audit.key.kid), 'every entry names the audit key')

  await entries(hub, code, list.length + 1)
  const again = await trail(hub, code)
  t.match(again.entries.at(-1), { client: 'test-auditor', action: 'read-audit' }, 'reading the trail is itself recorded')
})

t.test('an entry changed or removed in Redis: the verification says where the chain breaks', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(hub.app, example('birth-registration'), bearer(hub.keys.portal))).json<DossierSummary>()
  for (let i = 0; i < 4; i++) await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(hub.keys.portal) })
  await entries(hub, code, 5)
  const key = `${hub.prefix}:audit:${code}`

  // someone rewrites who read it
  const third = JSON.parse(await hub.redis.lindex(key, 2) ?? '{}') as AuditEntry
  await hub.redis.lset(key, 2, JSON.stringify({ ...third, client: 'nobody' }))
  const changed = (await trail(hub, code)).verification
  t.equal(changed.valid, false, 'a changed entry breaks the chain')
  t.equal(changed.brokenAt, 3)
  t.match(changed.reason, /HMAC mismatch .* changed or rewritten without the key/)

  // restore it, then remove one: the next one no longer follows
  await hub.redis.lset(key, 2, JSON.stringify(third))
  t.equal((await trail(hub, code)).verification.valid, true, 'restored: whole again')
  await entries(hub, code, 7)
  const second = await hub.redis.lindex(key, 1) ?? ''
  await hub.redis.lrem(key, 1, second)
  const removed = (await trail(hub, code)).verification
  t.equal(removed.valid, false, 'a removed entry breaks the chain')
  t.equal(removed.brokenAt, 2)
  t.match(removed.reason, /removed, added or moved/)

  // a forged entry with a recomputed hash still does not follow its predecessor
  const all = readTrail(code, await hub.redis.lrange(key, 0, -1))
  const forged = nextEntry(code, undefined, { at: all[0]?.at ?? '', client: 'forger', role: 'admin', action: 'read', method: 'GET', route: '/v1/dossiers/:code', status: 200, requestId: 'req-x' }, hub.audit.key, 2)
  const check = verifyChain(code, [all[0] as AuditEntry, forged], undefined, hub.audit.key)
  t.match(check, { valid: false, brokenAt: 2 }, 'an inserted entry with its own valid hash is caught by its prev')
})

t.test('stored entries leave out the dossier and prev, which their place gives; whole entries of earlier versions still read', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(hub.app, example('birth-registration'), bearer(hub.keys.portal))).json<DossierSummary>()
  for (let i = 0; i < 2; i++) await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(hub.keys.portal) })
  await entries(hub, code, 3)
  const key = `${hub.prefix}:audit:${code}`
  const raw = (await hub.redis.lrange(key, 0, -1)).map((e) => JSON.parse(e) as Record<string, unknown>)
  t.same(raw.map((e) => ['dossier' in e, 'prev' in e, typeof e.hash, e.seq]), [[false, false, 'string', 1], [false, false, 'string', 2], [false, false, 'string', 3]], 'no dossier, no prev in Redis')
  const served = await trail(hub, code)
  t.match(served.verification, { valid: true, entries: 3 })
  t.equal(served.entries[0]?.prev, GENESIS)
  t.equal(served.entries[2]?.prev, served.entries[1]?.hash, 'prev served from the entry before')
  t.ok(served.entries.every((e) => e.dossier === code), 'the dossier served from the list')

  // a trail written whole by an earlier version (entries carrying dossier and prev) reads and verifies the same
  await entries(hub, code, 4) // reading the trail above is entry 4
  const whole = readTrail(code, await hub.redis.lrange(key, 0, -1))
  await hub.redis.multi().del(key).rpush(key, ...whole.map((e) => JSON.stringify(e))).exec()
  t.match((await trail(hub, code)).verification, { valid: true, entries: 4 }, 'whole entries verify')
  await entries(hub, code, 5)
  t.match((await trail(hub, code)).verification, { valid: true, entries: 5 }, 'and the next one, stored without them, chains on')
  // a whole entry's own prev is kept, so editing it still shows
  const second = served.entries[1] as AuditEntry
  await hub.redis.lset(key, 1, JSON.stringify({ ...second, prev: second.hash }))
  t.match((await trail(hub, code)).verification, { valid: false, brokenAt: 2 })
})

t.test('concurrent requests make one unbroken chain', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(hub.app, example('birth-registration'), bearer(hub.keys.portal))).json<DossierSummary>()
  await Promise.all(Array.from({ length: 30 }, async (_, i) => await hub.app.inject({
    url: `/v1/dossiers/${code}`, headers: bearer(i % 2 === 0 ? hub.keys.portal : hub.keys.auditor)
  })))
  await entries(hub, code, 31)
  const { entries: list, verification } = await trail(hub, code)
  t.equal(verification.valid, true, 'valid')
  t.same(list.slice(0, 31).map((e) => e.seq), Array.from({ length: 31 }, (_, i) => i + 1), 'no gaps, no duplicates')
})

t.test('only administrators and auditors read the trail; no trail for a dossier that does not exist', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(hub.app, example('birth-registration'), bearer(hub.keys.portal))).json<DossierSummary>()
  for (const key of [hub.keys.portal, hub.keys.agencies.justice ?? '']) {
    t.equal((await hub.app.inject({ url: `/v1/dossiers/${code}/audit`, headers: bearer(key) })).statusCode, 403)
  }
  t.equal((await hub.app.inject({ url: `/v1/dossiers/${code}/audit`, headers: bearer(hub.keys.admin) })).statusCode, 200)
  const missing = '000.31.35.H56-261123-9999'
  t.equal((await hub.app.inject({ url: `/v1/dossiers/${missing}`, headers: bearer(hub.keys.portal) })).statusCode, 404)
  await new Promise((r) => setTimeout(r, 100))
  t.equal(await hub.redis.exists(`${hub.prefix}:audit:${missing}`), 0, 'no audit list is created for a code that names no dossier')
})

t.test('two processes append to one chain, each guessing the tail from what it wrote last: still one unbroken chain', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(hub.app, example('birth-registration'), bearer(hub.keys.portal))).json<DossierSummary>()
  await entries(hub, code, 1)
  const a = new AuditStore(hub.redis, new Keys(hub.prefix), hub.audit.key)
  const b = new AuditStore(hub.redis, new Keys(hub.prefix), hub.audit.key)
  const fields = (client: string): Parameters<typeof a.append>[1] => ({ at: '2026-11-23T10:00:00.000+07:00', client, role: 'admin', action: 'read', method: 'GET', route: '/v1/dossiers/:code', status: 200, requestId: 'req-x' })
  for (let i = 0; i < 10; i++) {
    await a.append(code, fields('process-a'))
    await b.append(code, fields('process-b'))
  }
  await Promise.all(Array.from({ length: 10 }, async (_, i) => await (i % 2 === 0 ? a : b).append(code, fields(`both-${i}`))))
  const { entries: list, verification } = await trail(hub, code)
  t.equal(verification.valid, true, 'valid')
  t.equal(list.filter((e) => e.client.startsWith('process-') || e.client.startsWith('both-')).length, 30, 'every append is there')
  t.same(list.map((e) => e.seq), Array.from({ length: list.length }, (_, i) => i + 1), 'no gaps, no duplicates')
  const fresh = await a.append(code, fields('wrong-guess'), { fresh: true })
  t.equal(fresh?.seq, list.length + 1, 'a wrong "fresh" guess is corrected by the compare-and-set')
})
