/**
 * The tamper-evident audit trail: every read and write of a dossier by a client is chained by
 * HMAC-SHA256 under the audit key and kept in the record (PostgreSQL); GET /v1/dossiers/:code/audit
 * verifies the chain; an entry row changed or deleted in the database is detected; concurrent
 * requests, and several processes, still make one unbroken chain. (Cutting, deleting, rewriting,
 * checkpoints: audit-tamper.test.ts.)
 */
import t from 'tap'
import postgres from 'postgres'
import { build, example, post, waitFor, type TestHub, asAuditor, asPortal, asAgency, asKey, asAdmin } from '../../helper.ts'
import { auditHub, entryCount, headOf, ownDatabase, trailId } from '../../audit-helper.ts'
import { GENESIS, nextEntry, verifyChain } from '../../../src/domain/audit-chain.ts'
import { AuditStore } from '../../../src/store/audit-store.ts'
import type { AuditEntry, DossierSummary } from '../../../src/types/schemas.generated.ts'

interface Trail { dossier: string, entries: AuditEntry[], verification: { valid: boolean, entries: number, keyed: boolean, unkeyed: number, problem?: string, brokenAt?: number, reason?: string } }

async function trail (hub: TestHub, code: string): Promise<Trail> {
  const res = await asAuditor(hub).inject({ url: `/v1/dossiers/${code}/audit` })
  return res.json<Trail>()
}

/** Waits until the dossier's trail holds `n` entries (they are written after each answer). */
async function entries (hub: TestHub, code: string, n: number): Promise<void> {
  await waitFor(async () => await entryCount(hub.db.sql, code) >= n, `${n} audit entries`)
}

const fields = (client: string): Parameters<AuditStore['append']>[1] => ({ at: '2026-11-23T10:00:00.000+07:00', client, role: 'admin', action: 'read', method: 'GET', route: '/v1/dossiers/:code', status: 200, requestId: 'req-x' })

t.test('who did what, when: every read and write of the dossier, chained and verified', async (t) => {
  const hub = await auditHub(t)
  const created = await post(asPortal(hub), example('birth-registration'))
  const { code } = created.json<DossierSummary>()
  await asPortal(hub).inject({ url: `/v1/dossiers/${code}` })
  await asAgency(hub, 'justice').inject({ url: `/v1/dossiers/${code}` })
  await asAgency(hub, 'evn').inject({ url: `/v1/dossiers/${code}` })
  await asAgency(hub, 'justice').inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: 'a1', agency: 'justice', report: { status: 'accepted' } } })
  await asAuditor(hub).inject({ url: `/v1/dossiers/${code}/history` })
  await post(asPortal(hub), example('birth-registration'))
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
  t.ok(list.every((e) => e.requestId.startsWith('req-') && e.at.endsWith('+07:00')), 'request ids and Vietnam times')
  t.equal(list[0]?.prev, GENESIS, 'the first entry follows the genesis hash')
  t.ok(list.slice(1).every((e, i) => e.prev === list[i]?.hash), 'each entry carries the hash of the one before')
  t.match(verification, { valid: true, entries: list.length, keyed: true, unkeyed: 0, head: { entries: list.length, hash: list.at(-1)?.hash } }, 'the chain verifies, keyed, and ends where its head record says')
  t.ok(list.every((e) => e.kid === hub.audit.key.kid), 'every entry names the audit key')

  await entries(hub, code, list.length + 1)
  const again = await trail(hub, code)
  t.match(again.entries.at(-1), { client: 'test-auditor', action: 'read-audit' }, 'reading the trail is itself recorded')
})

t.test('an entry row changed or deleted in the database: the verification says where the chain breaks', async (t) => {
  const hub = await auditHub(t)
  const sql = hub.db.sql
  const { code } = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>()
  for (let i = 0; i < 4; i++) await asPortal(hub).inject({ url: `/v1/dossiers/${code}` })
  await entries(hub, code, 5)
  const id = await trailId(sql, code)
  const whole = async (what: string): Promise<void> => { t.equal((await trail(hub, code)).verification.valid, true, `${what}: whole again`) }

  // someone rewrites who read it
  await sql`update audit_entries set client = 'nobody' where trail_id = ${id} and seq = 3`
  const changed = (await trail(hub, code)).verification
  t.equal(changed.valid, false, 'a changed column breaks the chain')
  t.equal(changed.brokenAt, 3)
  t.match(changed.reason, /HMAC mismatch .* changed or rewritten without the key/)
  await sql`update audit_entries set client = 'test-portal' where trail_id = ${id} and seq = 3`
  await whole('the client restored')

  // ... or a field kept in the row's jsonb, or the time
  const [row] = await sql<Array<{ request: string }>>`select entry->>'requestId' as request from audit_entries where trail_id = ${id} and seq = 4`
  await sql`update audit_entries set entry = jsonb_set(entry, '{requestId}', '"req-999"') where trail_id = ${id} and seq = 4`
  t.match((await trail(hub, code)).verification, { valid: false, brokenAt: 4, reason: /HMAC mismatch/ }, 'a changed request id breaks it')
  await sql`update audit_entries set entry = jsonb_set(entry, '{requestId}', to_jsonb(${row?.request ?? ''}::text)) where trail_id = ${id} and seq = 4`
  await whole('the request id restored')
  await sql`update audit_entries set at = at - interval '1 hour' where trail_id = ${id} and seq = 2`
  t.match((await trail(hub, code)).verification, { valid: false, brokenAt: 2, reason: /HMAC mismatch/ }, 'a changed time breaks it')
  await sql`update audit_entries set at = at + interval '1 hour' where trail_id = ${id} and seq = 2`
  await whole('the time restored')

  // a deleted row: the next one no longer follows
  await entries(hub, code, 9)
  await sql`delete from audit_entries where trail_id = ${id} and seq = 2`
  const removed = (await trail(hub, code)).verification
  t.equal(removed.valid, false, 'a deleted entry breaks the chain')
  t.equal(removed.brokenAt, 2)
  t.match(removed.reason, /entry 2 says it is entry 3: an entry was removed, added or moved \(entries 2–2 are missing\)/)

  // a forged entry with a recomputed hash still does not follow its predecessor
  const all = (await trail(hub, code)).entries
  const forged = nextEntry(code, undefined, { at: all[0]?.at ?? '', client: 'forger', role: 'admin', action: 'read', method: 'GET', route: '/v1/dossiers/:code', status: 200, requestId: 'req-x' }, hub.audit.key, 2)
  const check = verifyChain(code, [all[0] as AuditEntry, forged], undefined, hub.audit.key)
  t.match(check, { valid: false, brokenAt: 2 }, 'an inserted entry with its own valid hash is caught by its prev')
})

t.test('rows leave out the dossier and prev, which the trail and the row before give; a time not in the hub\'s form keeps its text', async (t) => {
  const hub = await auditHub(t)
  const sql = hub.db.sql
  const { code } = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>()
  for (let i = 0; i < 2; i++) await asPortal(hub).inject({ url: `/v1/dossiers/${code}` })
  await entries(hub, code, 3)
  const rows = await sql<Array<{ seq: number, entry: Record<string, unknown> }>>`select seq, entry from audit_entries where trail_id = ${await trailId(sql, code)} order by seq`
  t.same(rows.map((r) => r.seq), [1, 2, 3])
  t.same(rows.map((r) => Object.keys(r.entry).sort()), [['method', 'requestId', 'role', 'route'], ['method', 'requestId', 'role', 'route'], ['method', 'requestId', 'role', 'route']],
    'the jsonb holds only what has no column: no dossier, no prev, no copy of the time, client, action, status, key or hash')
  const served = await trail(hub, code)
  t.match(served.verification, { valid: true, entries: 3 })
  t.equal(served.entries[0]?.prev, GENESIS)
  t.equal(served.entries[2]?.prev, served.entries[1]?.hash, 'prev served from the entry before')
  t.ok(served.entries.every((e) => e.dossier === code), 'the dossier served from the trail')

  // an entry whose time is written otherwise (UTC, no milliseconds): the column alone would give it back in Vietnam time
  await entries(hub, code, 4) // reading the trail above is entry 4
  const written = await hub.audit.append(code, { ...fields('someone'), at: '2026-11-23T03:00:00Z' })
  t.equal(written?.seq, 5)
  const [fifth] = await sql<Array<{ entry: Record<string, unknown> }>>`select entry from audit_entries where trail_id = ${await trailId(sql, code)} and seq = 5`
  t.equal(fifth?.entry.at, '2026-11-23T03:00:00Z', 'its text is kept beside the column')
  const after = await hub.audit.read(code)
  t.equal(after.entries[4]?.at, '2026-11-23T03:00:00Z', 'and served as written')
  t.match(verifyChain(code, after.entries, after.record, hub.audit.key), { valid: true, entries: 5 }, 'so its hash still matches')
})

t.test('concurrent requests make one unbroken chain', async (t) => {
  const hub = await auditHub(t)
  const { code } = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>()
  await Promise.all(Array.from({ length: 30 }, async (_, i) => await asKey(hub, i % 2 === 0 ? hub.keys.portal : hub.keys.auditor).inject({
    url: `/v1/dossiers/${code}`
  })))
  await entries(hub, code, 31)
  const { entries: list, verification } = await trail(hub, code)
  t.equal(verification.valid, true, 'valid')
  t.same(list.slice(0, 31).map((e) => e.seq), Array.from({ length: 31 }, (_, i) => i + 1), 'no gaps, no duplicates')
})

t.test('only administrators and auditors read the trail; no trail for a dossier that does not exist', async (t) => {
  const hub = await auditHub(t)
  const { code } = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>()
  for (const key of [hub.keys.portal, hub.keys.agencies.justice ?? '']) {
    t.equal((await asKey(hub, key).inject({ url: `/v1/dossiers/${code}/audit` })).statusCode, 403)
  }
  t.equal((await asAdmin(hub).inject({ url: `/v1/dossiers/${code}/audit` })).statusCode, 200)
  const missing = '000.31.35.H56-261123-9999'
  t.equal((await asPortal(hub).inject({ url: `/v1/dossiers/${missing}` })).statusCode, 404)
  // the dossier store is asked before a trail is created: nothing to audit
  t.equal(await hub.audit.append(missing, fields('someone')), undefined, 'an append for a code that names no dossier writes nothing')
  t.equal(await headOf(hub.db.sql, missing), undefined, 'no trail row is created for it')
  // a store asked whether dossiers exist, told yes: the same append makes a trail (so the check above is the callback's)
  const told = new AuditStore(hub.db.sql, hub.audit.key, async () => true)
  t.equal((await told.append(missing, fields('someone')))?.seq, 1)
  t.equal((await headOf(hub.db.sql, missing))?.seq, 1)
})

t.test('two processes append to one chain, each guessing the head from what it wrote last: still one unbroken chain', async (t) => {
  const hub = await auditHub(t)
  const { code } = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>()
  await entries(hub, code, 1)
  const exists = async (): Promise<boolean> => true
  const a = new AuditStore(hub.db.sql, hub.audit.key, exists)
  const b = new AuditStore(hub.db.sql, hub.audit.key, exists)
  for (let i = 0; i < 10; i++) {
    await a.append(code, fields('process-a'))
    await b.append(code, fields('process-b'))
  }
  await Promise.all(Array.from({ length: 10 }, async (_, i) => await (i % 2 === 0 ? a : b).append(code, fields(`both-${i}`))))
  // read from the store, not through the API: reading the trail there would add an entry of its own
  const { entries: list, record } = await hub.audit.read(code)
  t.match(verifyChain(code, list, record, hub.audit.key), { valid: true, entries: 31 }, 'valid')
  t.equal(list.filter((e) => e.client.startsWith('process-') || e.client.startsWith('both-')).length, 30, 'every append is there')
  t.same(list.map((e) => e.seq), Array.from({ length: list.length }, (_, i) => i + 1), 'no gaps, no duplicates')
  // a third process that has not seen the trail, told the dossier was just created: it guesses no trail
  const c = new AuditStore(hub.db.sql, hub.audit.key, async () => false)
  const fresh = await c.append(code, fields('wrong-guess'), { fresh: true })
  t.equal(fresh?.seq, list.length + 1, 'a wrong "fresh" guess is corrected by the compare-and-set')
})

t.test('many processes at once on one trail, and on a trail none of them has seen: every append lands, in one chain', async (t) => {
  const hub = await auditHub(t)
  const { code } = (await post(asPortal(hub), example('birth-registration'))).json<DossierSummary>()
  await entries(hub, code, 1)
  const stores = Array.from({ length: 6 }, () => new AuditStore(hub.db.sql, hub.audit.key, async () => true))
  // each store appends alone, in parallel with the others: its remembered head is stale almost every time
  await Promise.all(stores.map(async (s, i) => { for (let n = 0; n < 8; n++) await s.append(code, fields(`p${i}-${n}`)) }))
  const after = await hub.audit.read(code)
  t.equal(after.entries.length, 1 + 6 * 8, 'every append is there')
  t.match(verifyChain(code, after.entries, after.record, hub.audit.key), { valid: true, entries: 49 }, 'one chain, ending at its head')
  for (let i = 0; i < 6; i++) {
    const own = after.entries.filter((e) => e.client.startsWith(`p${i}-`)).map((e) => e.client)
    t.same(own, Array.from({ length: 8 }, (_, n) => `p${i}-${n}`), `process ${i}'s entries in the order it wrote them`)
  }

  // a new trail, created by all of them at once
  const other = 'shared-trail'
  const made = await Promise.all(stores.map(async (s, i) => await s.append(other, fields(`first-${i}`), { fresh: true })))
  t.same(made.map((e) => e?.seq).sort((x, y) => (x ?? 0) - (y ?? 0)), [1, 2, 3, 4, 5, 6], 'one creates it, the others chain on')
  const second = await hub.audit.read(other)
  t.match(verifyChain(other, second.entries, second.record, hub.audit.key), { valid: true, entries: 6 })
})

t.test('entries written after their answers wait a little to share one statement; an entry someone waits for goes out at the end of its turn', async (t) => {
  const database = await ownDatabase(t)
  const hub = await build(t, { role: 'api', database })
  const base = example('birth-registration')
  const codes: string[] = []
  for (let i = 0; i < 4; i++) codes.push((await post(asPortal(hub), { ...base, source: { ...base.source, reference: `${base.source.reference}-w${i}` } })).json<DossierSummary>().code)
  t.equal(new Set(codes).size, 4, 'four dossiers')
  for (const code of codes) await entries(hub, code, 1)
  let statements = 0
  // one connection of its own, opened before anything is counted
  const sql = postgres(database.url, { max: 1, onnotice: () => {}, debug: () => { statements++ } })
  t.teardown(async () => { await sql.end({ timeout: 5 }) })
  await sql`select 1`
  const store = new AuditStore(sql, hub.audit.key, async () => true, { flushMs: 200 })
  for (const code of codes) await store.append(code, fields('warm'))
  const turn = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

  // the entries of answers, made in four turns: nothing goes out until the window ends, then one statement
  let before = statements
  const later: Array<ReturnType<AuditStore['append']>> = []
  for (const code of codes) {
    later.push(store.append(code, fields('after'), { after: true }))
    await turn()
  }
  const written = await Promise.all(later)
  t.equal(statements - before, 1, 'four trails\' entries of four turns: one statement')
  t.ok(written.every((e) => e?.client === 'after' && e.seq === 3), 'each appended to its own trail')

  // an entry waited for: out at the end of its turn, with those already waiting
  before = statements
  const waiting = store.append(codes[0] as string, fields('after-2'), { after: true })
  await turn()
  const started = Date.now()
  const [w, now] = await Promise.all([waiting, store.append(codes[1] as string, fields('now'))])
  t.ok(Date.now() - started < 150, 'not held for the window')
  t.equal(statements - before, 1, 'one statement for both')
  t.match([w?.client, now?.client], ['after-2', 'now'])
  const read = await hub.audit.read(codes[0] as string)
  t.match(verifyChain(codes[0] as string, read.entries, read.record, hub.audit.key), { valid: true, entries: 4 }, 'the trail verifies')

  // a reader of a trail sees the entries of answers already sent, without waiting out the window
  const slow = new AuditStore(sql, hub.audit.key, async () => true, { flushMs: 60_000 })
  const pending = slow.append(codes[2] as string, fields('unseen'), { after: true })
  const other = slow.append(codes[3] as string, fields('other'), { after: true })
  const seen = await slow.read(codes[2] as string)
  t.same(seen.entries.slice(1).map((e) => e.client), ['warm', 'after', 'unseen'], 'the queued entry is written before the trail is read')
  t.match(verifyChain(codes[2] as string, seen.entries, seen.record, hub.audit.key), { valid: true, entries: 4 }, 'and the trail verifies')
  t.equal((await pending)?.client, 'unseen')
  const prefix = await slow.prefix(codes[3] as string, 10)
  t.same(prefix.entries.slice(1).map((e) => e.client), ['warm', 'after', 'other'], 'so is one read by its first entries')
  t.equal((await other)?.client, 'other')

  // a trail appended to without pause is still read: the reader waits for what was queued when it asked
  const busy = codes[1] as string
  const appends: Array<ReturnType<AuditStore['append']>> = []
  // an entry every turn of the event loop (the trail's queue never empties meanwhile), until the
  // read comes back, or 20 s or 100 000 entries have gone by (a reader that waited for the trail to
  // fall quiet would come back only then)
  const state = { stop: false, gaveUp: false }
  const until = Date.now() + 20_000
  const appender = (async () => {
    while (!state.stop) {
      if (Date.now() > until || appends.length >= 100_000) { state.gaveUp = true; return }
      appends.push(slow.append(busy, fields(`busy-${appends.length}`), { after: true }))
      await turn()
    }
  })()
  while (appends.length < 20) await turn()
  const asked = appends.length
  const during = await slow.read(busy)
  const madeBy = appends.length
  const stillAppending = !state.gaveUp
  state.stop = true
  await appender
  // the appends made since: a read takes them out of the window too (else each batch would wait it out)
  await slow.read(busy)
  await Promise.all(appends)
  t.ok(stillAppending, `the read came back while entries were still being appended (${madeBy} appends by then)`)
  const busyEntries = during.entries.filter((e) => e.client.startsWith('busy-'))
  t.ok(busyEntries.length >= asked, `it holds every entry queued before it asked (${busyEntries.length} of at least ${asked})`)
  t.match(verifyChain(busy, during.entries, during.record, hub.audit.key), { valid: true }, 'and verifies')
})
