/**
 * Tampering with the audit trail by someone who can write to the store but does not hold the
 * hub's audit key: cutting a trail short, deleting it, rewriting it with recomputed hashes (the
 * old SHA-256 construction, or an HMAC under another key), forging or deleting its head record —
 * each is detected and named by the verification; the signed daily checkpoint verifies with the
 * published public key; and `npm run audit:verify` finds a cut made after a checkpoint even when
 * the head record was rewritten too.
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { REDIS_URL, bearer, build, example, post, waitFor, type TestHub } from './helper.ts'
import { GENESIS, auditKey, hashOf, headRecord, nextEntry, type AuditKey } from '../src/domain/audit-chain.ts'
import { checkTrail, signCheckpoint, verifyCheckpoint, type Checkpoint } from '../src/domain/audit-checkpoint.ts'
import { AuditStore, AuditTamperError, readTrail } from '../src/store/audit-store.ts'
import { Keys } from '../src/store/keys.ts'
import { fromRoot } from '../src/paths.ts'
import type { AuditEntry, DossierSummary } from '../src/types/schemas.generated.ts'

interface Verification { valid: boolean, entries: number, keyed: boolean, unkeyed: number, head?: { entries: number, hash: string }, problem?: string, brokenAt?: number, reason?: string }

async function verification (hub: TestHub, code: string): Promise<Verification> {
  const res = await hub.app.inject({ url: `/v1/dossiers/${code}/audit`, headers: bearer(hub.keys.auditor) })
  return res.json<{ verification: Verification }>().verification
}

const auditKeyOf = (hub: TestHub, code: string): string => `${hub.prefix}:audit:${code}`
const headsKey = (hub: TestHub): string => `${hub.prefix}:audit:heads`

async function settled (hub: TestHub, code: string, n: number): Promise<void> {
  await waitFor(async () => await hub.redis.llen(auditKeyOf(hub, code)) >= n && await hub.redis.hget(headsKey(hub), code) !== null, `${n} audit entries`)
}

/** A dossier whose trail has exactly `n` entries (the submission and n-1 reads), settled. */
async function dossierWithTrail (hub: TestHub, n: number): Promise<string> {
  const s = example('birth-registration')
  s.source.reference = `AUD-${Math.random()}`
  const { code } = (await post(hub.app, s, bearer(hub.keys.portal))).json<DossierSummary>()
  await settled(hub, code, 1)
  for (let i = 1; i < n; i++) await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(hub.keys.portal) })
  await settled(hub, code, n)
  // the last read's entry may still be on its way: wait until the head record says n
  await waitFor(async () => (await hub.redis.hget(headsKey(hub), code))?.startsWith(`${n}|`), `head record at ${n}`)
  return code
}

/** The trail rebuilt as a forger would: every entry recomputed by `hash`, chained, `edit` applied to each. */
function rewrite (code: string, entries: readonly AuditEntry[], hash: (body: Omit<AuditEntry, 'hash'>) => string, edit: (e: Omit<AuditEntry, 'hash'>) => Omit<AuditEntry, 'hash'>): AuditEntry[] {
  let prev = GENESIS
  return entries.map((e) => {
    const { hash: _h, ...rest } = e
    const body = edit({ ...rest, prev })
    const forged = { ...body, hash: hash(body) }
    prev = forged.hash
    return forged
  })
}

async function storeTrail (hub: TestHub, code: string, entries: readonly AuditEntry[]): Promise<void> {
  const key = auditKeyOf(hub, code)
  await hub.redis.multi().del(key).rpush(key, ...entries.map((e) => JSON.stringify(e))).exec()
}

const WRONG_KEY: AuditKey = auditKey('not-the-hubs-audit-key-but-long-enough-0123456789')

t.test('a trail cut short (13 → 6 entries) is named, and stays visibly cut after the hub appends again', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await dossierWithTrail(hub, 13)
  await hub.redis.ltrim(auditKeyOf(hub, code), 0, 5)

  const cut = await verification(hub, code)
  t.match(cut, { valid: false, entries: 6, problem: 'truncated', head: { entries: 13 } })
  t.match(cut.reason, /the trail has 6 entries, its head record says 13: it was cut short/)

  // the hub appends the next entries after its head record, not after the cut: the gap shows
  await waitFor(async () => await hub.redis.llen(auditKeyOf(hub, code)) >= 7, 'the next entry')
  const later = await verification(hub, code)
  t.match(later, { valid: false, problem: 'entry-out-of-place', brokenAt: 7 })
  t.match(later.reason, /entry 7 says it is entry 14: .*entries 7–13 are missing/)
})

t.test('a deleted trail is named while its head record exists', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await dossierWithTrail(hub, 5)
  await hub.redis.del(auditKeyOf(hub, code))
  const gone = await verification(hub, code)
  t.match(gone, { valid: false, entries: 0, problem: 'deleted' })
  t.match(gone.reason, /the trail is gone: its head record says 5 entries/)
  await waitFor(async () => await hub.redis.llen(auditKeyOf(hub, code)) >= 1, 'the next entry')
  t.match(await verification(hub, code), { valid: false, problem: 'entry-out-of-place', brokenAt: 1 }, 'the entries written after it start at 6: still visible')
})

t.test('a trail rewritten with recomputed hashes: the old SHA-256 construction, or an HMAC under another key, is caught', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await dossierWithTrail(hub, 6)
  const original = readTrail(code, await hub.redis.lrange(auditKeyOf(hub, code), 0, -1))
  t.equal(original.length, 6)
  const hideReads = (e: Omit<AuditEntry, 'hash'>): Omit<AuditEntry, 'hash'> => ({ ...e, client: 'someone-else' })

  // 1. the construction of earlier versions: plain SHA-256, no key named — a chain anyone can compute
  await storeTrail(hub, code, rewrite(code, original, (b) => hashOf(b), (e) => { const { kid: _kid, ...rest } = hideReads(e); return rest }))
  const legacy = await verification(hub, code)
  t.match(legacy, { valid: false, entries: 6, keyed: false, unkeyed: 6, problem: 'rewritten' }, 'a self-consistent SHA-256 chain, but not the head its record holds')
  t.match(legacy.reason, /not the head its head record holds: the trail was rewritten/)

  // 2. the key id kept, the hashes recomputed with SHA-256
  await storeTrail(hub, code, rewrite(code, original, (b) => hashOf({ ...b, kid: undefined }), hideReads))
  t.match(await verification(hub, code), { valid: false, problem: 'entry-changed', brokenAt: 1, reason: /entry 1: HMAC mismatch/ })

  // 3. an HMAC under another key, claiming the hub's key id
  await storeTrail(hub, code, rewrite(code, original, (b) => hashOf(b, WRONG_KEY), hideReads))
  t.match(await verification(hub, code), { valid: false, problem: 'entry-changed', brokenAt: 1, reason: /HMAC mismatch/ })
  // ... and naming its own key
  await storeTrail(hub, code, rewrite(code, original, (b) => hashOf(b, WRONG_KEY), (e) => ({ ...hideReads(e), kid: WRONG_KEY.kid })))
  t.match(await verification(hub, code), { valid: false, problem: 'entry-other-key', brokenAt: 1 })

  // 4. the last entry replaced by one with a plain SHA-256, after keyed ones (a downgrade)
  const { hash: _h, kid: _kid, ...sixth } = original[5] as AuditEntry
  const body = { ...sixth, client: 'someone-else' }
  await storeTrail(hub, code, [...original.slice(0, 5), { ...body, hash: hashOf(body) }])
  t.match(await verification(hub, code), { valid: false, problem: 'entry-unkeyed', brokenAt: 6 })
})

t.test('the head record: missing or forged without the key is named; the hub appends nothing after a forged one', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await dossierWithTrail(hub, 4)
  // cut short, and the head record rewritten to match, with an HMAC under another key
  const kept = readTrail(code, await hub.redis.lrange(auditKeyOf(hub, code), 0, 1))
  await hub.redis.ltrim(auditKeyOf(hub, code), 0, 1)
  await hub.redis.hset(headsKey(hub), code, headRecord(code, { entries: 2, hash: kept[1]?.hash ?? '' }, WRONG_KEY))
  const forged = await verification(hub, code)
  t.match(forged, { valid: false, problem: 'head-invalid', reason: /head record does not verify under the audit key/ })

  const store = new AuditStore(hub.redis, new Keys(hub.prefix), hub.audit.key)
  const fields = { at: '2026-11-23T10:00:00.000+07:00', client: 'x', role: 'admin' as const, action: 'read' as const, method: 'GET', route: '/v1/dossiers/:code', status: 200, requestId: 'req-x' }
  await t.rejects(store.append(code, fields), AuditTamperError, 'appending would cover the forgery up: refused')
  t.equal(await hub.redis.llen(auditKeyOf(hub, code)), 2, 'nothing appended')

  // the head record deleted: keyed entries without one
  await hub.redis.hdel(headsKey(hub), code)
  t.match(await verification(hub, code), { valid: false, problem: 'head-missing' })
  await t.rejects(store.append(code, fields), AuditTamperError)
})

t.test('trails written by earlier versions (plain SHA-256, no head record) still read and verify, and say they are unkeyed', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await dossierWithTrail(hub, 3)
  const keyed = readTrail(code, await hub.redis.lrange(auditKeyOf(hub, code), 0, -1))
  // as an earlier version wrote it: no key id, SHA-256, whole entries, no head record
  const old = rewrite(code, keyed, (b) => hashOf(b), (e) => { const { kid: _kid, ...rest } = e; return rest })
  await storeTrail(hub, code, old)
  await hub.redis.hdel(headsKey(hub), code)
  const v = await verification(hub, code)
  t.match(v, { valid: true, entries: old.length, keyed: false, unkeyed: old.length })
  t.notOk('head' in v, 'no head record')
  // the hub chains on with keyed entries and a head record
  await waitFor(async () => await hub.redis.hget(headsKey(hub), code) !== null, 'the head record')
  t.match(await verification(hub, code), { valid: true, keyed: false, unkeyed: old.length, head: { entries: old.length + 1 } })
})

/** Fetches the day's checkpoint as an auditor would: the list with the public key, then the document. */
async function fetchCheckpoint (t: Test, hub: TestHub): Promise<{ doc: Checkpoint, text: string, pem: string }> {
  const list = await hub.app.inject({ url: '/v1/audit/checkpoints', headers: bearer(hub.keys.auditor) })
  t.equal(list.statusCode, 200)
  const { publicKey, checkpoints } = list.json<{ publicKey: { pem: string, keyId: string }, checkpoints: Array<{ date: string }> }>()
  const date = checkpoints[0]?.date ?? ''
  const res = await hub.app.inject({ url: `/v1/audit/checkpoints/${date}`, headers: bearer(hub.keys.auditor) })
  t.equal(res.statusCode, 200)
  return { doc: res.json<Checkpoint>(), text: res.body, pem: publicKey.pem }
}

t.test('the daily checkpoint lists every head, is signed, and verifies with the published public key', async (t) => {
  const hub = await build(t, { role: 'api' })
  const a = await dossierWithTrail(hub, 3)
  const b = await dossierWithTrail(hub, 5)
  const taken = await hub.checkpoints.take()
  const { doc, pem } = await fetchCheckpoint(t, hub)
  t.same(doc, taken, 'the document served is the one kept')
  t.equal(doc.trails, 2)
  t.match(doc.heads.find((h) => h.dossier === a), { entries: 3 })
  t.match(doc.heads.find((h) => h.dossier === b), { entries: 5 })
  const publicKey = createPublicKey(pem)
  t.match(verifyCheckpoint(doc, publicKey), { valid: true }, 'signed by the hub\'s key')
  t.equal(doc.signer.keyId, (await hub.app.inject({ url: '/v1/audit/checkpoints', headers: bearer(hub.keys.auditor) })).json<{ publicKey: { keyId: string } }>().publicKey.keyId)

  const changed = structuredClone(doc)
  ;(changed.heads[0] as { entries: number }).entries = 1
  t.match(verifyCheckpoint(changed, publicKey), { valid: false, reason: /signature does not verify/ }, 'a changed checkpoint does not verify')
  const other = generateKeyPairSync('ed25519')
  const { signature: _s, ...unsigned } = doc
  t.match(verifyCheckpoint(signCheckpoint(unsigned, other.privateKey), publicKey), { valid: false }, 'one signed by another key does not verify')

  const again = await hub.checkpoints.take()
  t.same(again, taken, 'one a day: a second run keeps the first')
  t.equal((await hub.app.inject({ url: '/v1/audit/checkpoints', headers: bearer(hub.keys.portal) })).statusCode, 403, 'not for the portal')
  t.equal((await hub.app.inject({ url: '/v1/audit/checkpoints/1999-01-01', headers: bearer(hub.keys.admin) })).json<{ code: string }>().code, 'HUB_ERR_CHECKPOINT_NOT_FOUND')
})

t.test('a worker takes the checkpoint by its job scheduler', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await dossierWithTrail(hub, 2)
  // a worker on the same store, its checkpoint job every 200 ms (one a day is kept); its clients' keys replace the API's
  const worker = await build(t, { role: 'worker', prefix: hub.prefix, checkpointEveryMs: 200 })
  hub.keys = worker.keys
  const list = await waitFor(async () => {
    const r = (await hub.app.inject({ url: '/v1/audit/checkpoints', headers: bearer(hub.keys.auditor) })).json<{ checkpoints: unknown[] }>()
    return r.checkpoints.length > 0 ? r : undefined
  }, 'a checkpoint')
  t.equal(list.checkpoints.length, 1)
  const { doc } = await fetchCheckpoint(t, hub)
  t.ok(doc.heads.some((h) => h.dossier === code), 'it lists the dossier\'s trail')
})

/** Runs `npm run audit:verify` against the hub's store. */
function auditVerify (hub: TestHub, ...args: string[]): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, ['--import=tsx', 'scripts/audit-verify.ts', ...args], {
    cwd: fromRoot(), env: { ...process.env, REDIS_URL, REDIS_PREFIX: hub.prefix, HUB_CONFIG: fromRoot('config', 'hub.json') }, encoding: 'utf8'
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test('audit:verify finds a trail cut short after the checkpoint, even with its head record rewritten by someone without the key', async (t) => {
  const hub = await build(t, { role: 'api' })
  const code = await dossierWithTrail(hub, 13)
  const other = await dossierWithTrail(hub, 4)
  await hub.checkpoints.take()
  const { text, pem } = await fetchCheckpoint(t, hub)
  const dir = t.testdir()
  const file = join(dir, 'checkpoint.json')
  const keyFile = join(dir, 'public.pem')
  writeFileSync(file, text)
  writeFileSync(keyFile, pem)

  const clean = auditVerify(hub, file, '--public-key', keyFile)
  t.equal(clean.status, 0, clean.stderr)
  t.match(clean.stdout, /2 trails checked, 0 cut short or rewritten/)

  // the cut, and a head record made to match it (the forger has no key: any HMAC will do, or none)
  await waitFor(async () => (await hub.redis.hget(headsKey(hub), code)) !== null, 'head')
  const six = readTrail(code, await hub.redis.lrange(auditKeyOf(hub, code), 0, 5))
  await hub.redis.ltrim(auditKeyOf(hub, code), 0, 5)
  await hub.redis.hset(headsKey(hub), code, headRecord(code, { entries: 6, hash: six[5]?.hash ?? '' }, WRONG_KEY))
  // the other trail rewritten whole with SHA-256, its head record deleted
  const otherTrail = readTrail(other, await hub.redis.lrange(auditKeyOf(hub, other), 0, -1))
  await storeTrail(hub, other, rewrite(other, otherTrail, (b) => hashOf(b), (e) => { const { kid: _kid, ...rest } = e; return { ...rest, client: 'someone-else' } }))
  await hub.redis.hdel(headsKey(hub), other)

  const found = auditVerify(hub, file, '--public-key', keyFile)
  t.equal(found.status, 1, 'exit 1')
  t.match(found.stdout, new RegExp(`truncated: ${code.replaceAll('.', '\\.')}: the trail has 6 entries, the checkpoint of \\d{4}-\\d{2}-\\d{2} says 13`))
  t.match(found.stdout, new RegExp(`rewritten: ${other.replaceAll('.', '\\.')}: `))
  t.match(found.stdout, /2 trails checked, 2 cut short or rewritten/)

  // a checkpoint file changed to match the cut does not verify
  const edited = JSON.parse(text) as Checkpoint
  for (const h of edited.heads) if (h.dossier === code) h.entries = 6
  writeFileSync(file, JSON.stringify(edited))
  const refused = auditVerify(hub, file, '--public-key', keyFile)
  t.equal(refused.status, 2)
  t.match(refused.stderr, /signature does not verify/)
})

t.test('domain: a keyed entry verifies only under its key', async (t) => {
  const key = auditKey('a-test-audit-key-that-is-long-enough-0123456789')
  const e = nextEntry('X', undefined, { at: '2026-11-23T10:00:00.000+07:00', client: 'c', role: 'admin', action: 'read', method: 'GET', route: '/r', status: 200, requestId: 'req-1' }, key)
  t.equal(e.kid, key.kid)
  const { hash, ...body } = e
  t.equal(hashOf(body, key), hash)
  t.not(hashOf(body, WRONG_KEY), hash)
  t.not(hash, hashOf({ ...body, kid: undefined } as never), 'not the plain SHA-256')
})

t.test('domain: a trail against its checkpointed head — cut short, deleted, rewritten, or whole and grown since', async (t) => {
  const key = auditKey('a-test-audit-key-that-is-long-enough-0123456789')
  const fields = { at: '2026-11-23T10:00:00.000+07:00', client: 'c', role: 'admin' as const, action: 'read' as const, method: 'GET', route: '/r', status: 200, requestId: 'req-1' }
  const trail: AuditEntry[] = []
  for (let i = 0; i < 5; i++) trail.push(nextEntry('X', trail.at(-1), fields, key))
  const head = { dossier: 'X', entries: 3, head: trail[2]?.hash ?? '' }
  t.same(checkTrail(head, trail, key, '2026-11-23'), { ok: true }, 'grown since: fine')
  t.match(checkTrail(head, trail.slice(0, 2), key, '2026-11-23'), { ok: false, problem: 'truncated', reason: /the trail has 2 entries, the checkpoint of 2026-11-23 says 3/ })
  t.match(checkTrail(head, [], key, '2026-11-23'), { ok: false, problem: 'deleted' })
  const forged = rewrite('X', trail, (b) => hashOf(b, WRONG_KEY), (e) => e)
  t.match(checkTrail(head, forged, key, '2026-11-23'), { ok: false, problem: 'rewritten', reason: /HMAC mismatch/ })
  const legacy = rewrite('X', trail, (b) => hashOf(b), (e) => { const { kid: _kid, ...rest } = e; return rest })
  t.match(checkTrail(head, legacy, key, '2026-11-23'), { ok: false, problem: 'rewritten', reason: /does not hash to the head/ })
})
