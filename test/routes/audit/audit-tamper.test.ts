/**
 * Tampering with the audit trail by someone who can write to the record (PostgreSQL) but does not
 * hold the hub's audit key: cutting a trail short, deleting its entries, rewriting them with
 * recomputed hashes (the old SHA-256 construction, or an HMAC under another key), adding entries
 * beyond its head, forging or erasing its head record — each is detected and named by the
 * verification, and the hub appends nothing that would cover it up; the signed daily checkpoint
 * verifies with the published public key; and `npm run audit:verify` finds a cut made after a
 * checkpoint even when the head record was rewritten too.
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { build, example, post, waitFor, type TestHub, asAuditor, asPortal, asAdmin } from '../../helper.ts'
import { createTestDatabase } from '../../db-helper.ts'
import { auditHub, entryCount, headOf, insertEntry, settled, storeTrail, trailId } from '../../audit-helper.ts'
import { GENESIS, auditKey, hashOf, headRecord, nextEntry, verifyChain, type AuditKey } from '../../../src/domain/audit-chain.ts'
import { checkTrail, signCheckpoint, verifyCheckpoint, type Checkpoint } from '../../../src/domain/audit-checkpoint.ts'
import { AuditStore, AuditTamperError } from '../../../src/store/audit-store.ts'
import { CheckpointStore, KEEP } from '../../../src/store/checkpoint-store.ts'
import { fromRoot } from '../../../src/paths.ts'
import type { AuditEntry, DossierSummary } from '../../../src/types/schemas.generated.ts'

interface Verification { valid: boolean, entries: number, keyed: boolean, unkeyed: number, head?: { entries: number, hash: string }, problem?: string, brokenAt?: number, reason?: string }

async function verification (hub: TestHub, code: string): Promise<Verification> {
  const res = await asAuditor(hub).inject({ url: `/v1/dossiers/${code}/audit` })
  return res.json<{ verification: Verification }>().verification
}

/** A dossier whose trail has exactly `n` entries (the submission and n-1 reads), settled: rows and head at n. */
async function dossierWithTrail (hub: TestHub, n: number): Promise<string> {
  const s = example('birth-registration')
  s.source.reference = `AUD-${Math.random()}`
  const { code } = (await post(asPortal(hub), s)).json<DossierSummary>()
  await settled(hub, code, 1)
  for (let i = 1; i < n; i++) await asPortal(hub).inject({ url: `/v1/dossiers/${code}` })
  await settled(hub, code, n)
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

/** The trail's head record rewritten in place (its columns), e.g. with an HMAC under another key. */
async function setHead (hub: TestHub, code: string, record: string): Promise<void> {
  const [n, hash, mac] = record.split('|')
  await hub.db.sql`update audit_trails set head_seq = ${Number(n)}, head_hash = ${Buffer.from(hash ?? '', 'hex')}, head_mac = ${Buffer.from(mac ?? '', 'hex')} where name = ${code}`
}

/** The head record erased: its columns emptied (the row cannot go without its entries: they hang on it). */
async function eraseHead (hub: TestHub, code: string): Promise<void> {
  await hub.db.sql`update audit_trails set head_seq = 0, head_hash = null, head_mac = null where name = ${code}`
}

const WRONG_KEY: AuditKey = auditKey('not-the-hubs-audit-key-but-long-enough-0123456789')
const FIELDS = { at: '2026-11-23T10:00:00.000+07:00', client: 'x', role: 'admin' as const, action: 'read' as const, method: 'GET', route: '/v1/dossiers/:code', status: 200, requestId: 'req-x' }

t.test('a trail cut short (13 → 6 entries) is named, and stays visibly cut after the hub appends again', async (t) => {
  const hub = await auditHub(t)
  const code = await dossierWithTrail(hub, 13)
  await hub.db.sql`delete from audit_entries where trail_id = ${await trailId(hub.db.sql, code)} and seq > 6`

  const cut = await verification(hub, code)
  t.match(cut, { valid: false, entries: 6, problem: 'truncated', head: { entries: 13 } })
  t.match(cut.reason, /the trail has 6 entries, its head record says 13: it was cut short/)

  // the hub appends the next entries after its head record, not after the cut: the gap shows
  await waitFor(async () => await entryCount(hub.db.sql, code) >= 7, 'the next entry')
  const later = await verification(hub, code)
  t.match(later, { valid: false, problem: 'entry-out-of-place', brokenAt: 7 })
  t.match(later.reason, /entry 7 says it is entry 14: .*entries 7–13 are missing/)
})

t.test('a trail whose entries were all deleted is named while its head record exists', async (t) => {
  const hub = await auditHub(t)
  const code = await dossierWithTrail(hub, 5)
  await hub.db.sql`delete from audit_entries where trail_id = ${await trailId(hub.db.sql, code)}`
  const gone = await verification(hub, code)
  t.match(gone, { valid: false, entries: 0, problem: 'deleted' })
  t.match(gone.reason, /the trail is gone: its head record says 5 entries/)
  await waitFor(async () => await entryCount(hub.db.sql, code) >= 1, 'the next entry')
  t.match(await verification(hub, code), { valid: false, problem: 'entry-out-of-place', brokenAt: 1 }, 'the entries written after it start at 6: still visible')
})

t.test('a trail rewritten with recomputed hashes: the old SHA-256 construction, or an HMAC under another key, is caught', async (t) => {
  const hub = await auditHub(t)
  const sql = hub.db.sql
  const code = await dossierWithTrail(hub, 6)
  const original = (await hub.audit.read(code)).entries
  t.equal(original.length, 6)
  const hideReads = (e: Omit<AuditEntry, 'hash'>): Omit<AuditEntry, 'hash'> => ({ ...e, client: 'someone-else' })

  // 1. the construction of earlier versions: plain SHA-256, no key named — a chain anyone can compute
  await storeTrail(sql, code, rewrite(code, original, (b) => hashOf(b), (e) => { const { kid: _kid, ...rest } = hideReads(e); return rest }))
  const legacy = await verification(hub, code)
  t.match(legacy, { valid: false, entries: 6, keyed: false, unkeyed: 6, problem: 'rewritten' }, 'a self-consistent SHA-256 chain, but not the head its record holds')
  t.match(legacy.reason, /not the head its head record holds: the trail was rewritten/)

  // 2. the key id kept, the hashes recomputed with SHA-256
  await storeTrail(sql, code, rewrite(code, original, (b) => hashOf({ ...b, kid: undefined }), hideReads))
  t.match(await verification(hub, code), { valid: false, problem: 'entry-changed', brokenAt: 1, reason: /entry 1: HMAC mismatch/ })

  // 3. an HMAC under another key, claiming the hub's key id
  await storeTrail(sql, code, rewrite(code, original, (b) => hashOf(b, WRONG_KEY), hideReads))
  t.match(await verification(hub, code), { valid: false, problem: 'entry-changed', brokenAt: 1, reason: /HMAC mismatch/ })
  // ... and naming its own key
  await storeTrail(sql, code, rewrite(code, original, (b) => hashOf(b, WRONG_KEY), (e) => ({ ...hideReads(e), kid: WRONG_KEY.kid })))
  t.match(await verification(hub, code), { valid: false, problem: 'entry-other-key', brokenAt: 1 })

  // 4. the last entry replaced by one with a plain SHA-256, after keyed ones (a downgrade)
  const { hash: _h, kid: _kid, ...sixth } = original[5] as AuditEntry
  const body = { ...sixth, client: 'someone-else' }
  await storeTrail(sql, code, [...original.slice(0, 5), { ...body, hash: hashOf(body) }])
  t.match(await verification(hub, code), { valid: false, problem: 'entry-unkeyed', brokenAt: 6 })
})

t.test('the head record: forged without the key or erased is named; the hub appends nothing after either', async (t) => {
  const hub = await auditHub(t)
  const code = await dossierWithTrail(hub, 4)
  const whole = await hub.audit.read(code)
  // only its HMAC replaced (length and hash as they are): the hub, which remembers that length and hash, still refuses
  await setHead(hub, code, headRecord(code, { entries: 4, hash: whole.entries[3]?.hash ?? '' }, WRONG_KEY))
  await t.rejects(hub.audit.append(code, FIELDS), { name: 'AuditTamperError' }, 'the head\'s HMAC is compared too, not only where it says the trail ends')
  t.match(await verification(hub, code), { valid: false, problem: 'head-invalid' }, 'and the forged head is left for the verification to name')

  // cut short, and the head record rewritten to match, with an HMAC under another key
  const kept = whole.entries.slice(0, 2)
  await hub.db.sql`delete from audit_entries where trail_id = ${await trailId(hub.db.sql, code)} and seq > 2`
  await setHead(hub, code, headRecord(code, { entries: 2, hash: kept[1]?.hash ?? '' }, WRONG_KEY))
  const forged = await verification(hub, code)
  t.match(forged, { valid: false, problem: 'head-invalid', reason: /head record does not verify under the audit key/ })

  const store = new AuditStore(hub.db.sql, hub.audit.key, async () => true)
  await t.rejects(store.append(code, FIELDS), AuditTamperError, 'appending would cover the forgery up: refused')
  await t.rejects(hub.audit.append(code, FIELDS), { name: 'AuditTamperError', message: /head record of .* does not verify under the audit key/ }, 'by the hub\'s own store too, whose remembered head is stale')
  t.equal(await entryCount(hub.db.sql, code), 2, 'nothing appended')

  // the head record erased: keyed entries without one
  await eraseHead(hub, code)
  t.match(await verification(hub, code), { valid: false, problem: 'head-missing' })
  await t.rejects(store.append(code, FIELDS), { name: 'AuditTamperError', message: /keyed entries but no head record/ })
  t.equal(await entryCount(hub.db.sql, code), 2, 'still nothing appended')
  t.match(await headOf(hub.db.sql, code), { seq: 0, hash: null, mac: null }, 'and the head left as found')
})

t.test('entries added beyond the head record (written with the key, outside the hub) are named, and the hub appends nothing after them', async (t) => {
  const hub = await auditHub(t)
  const code = await dossierWithTrail(hub, 3)
  const trail = (await hub.audit.read(code)).entries
  const extra = nextEntry(code, trail.at(-1), { ...FIELDS, client: 'side-door' }, hub.audit.key)
  await insertEntry(hub.db.sql, await trailId(hub.db.sql, code), extra)
  t.match(await verification(hub, code), { valid: false, entries: 4, problem: 'extended', reason: /the trail has 4 entries, its head record says 3/ })
  await t.rejects(hub.audit.append(code, FIELDS), { name: 'AuditTamperError', message: /entries beyond its head record \(entry 4, the head says 3\)/ })
  t.equal(await entryCount(hub.db.sql, code), 4, 'nothing appended')
  t.match(await headOf(hub.db.sql, code), { seq: 3 }, 'the head not moved')
})

t.test('appends to many trails in one turn share a statement; a trail extended beyond its head among them fails alone', async (t) => {
  const hub = await auditHub(t)
  const codes = await Promise.all(Array.from({ length: 6 }, async () => await dossierWithTrail(hub, 2)))
  const [bad, ...good] = codes as [string, ...string[]]
  const trail = (await hub.audit.read(bad)).entries
  await insertEntry(hub.db.sql, await trailId(hub.db.sql, bad), nextEntry(bad, trail.at(-1), { ...FIELDS, client: 'side-door' }, hub.audit.key))
  // a store that remembers none of the heads reads them, then appends to all six in the same turn
  const store = new AuditStore(hub.db.sql, hub.audit.key, async () => true)
  const results = await Promise.allSettled(codes.map(async (code) => await store.append(code, { ...FIELDS, client: `batch-${code}` })))
  t.match(results[0], { status: 'rejected', reason: { name: 'AuditTamperError' } }, 'the extended trail is refused')
  t.same(results.slice(1).map((r) => r.status), good.map(() => 'fulfilled'), 'every other trail got its entry')
  for (const code of good) {
    // once each: the statement that failed for the extended trail was made again for the others, and read back whole
    const { entries, record } = await hub.audit.read(code)
    const check = verifyChain(code, entries, record, hub.audit.key)
    t.match(check, { valid: true }, `${code}: one unbroken chain`, { check })
    t.equal(entries.filter((e) => e.client === `batch-${code}`).length, 1, `${code}: the entry is there once`, { entries: entries.map((e) => [e.seq, e.client, e.action]) })
  }
  t.equal(await entryCount(hub.db.sql, bad), 3, 'nothing appended to the extended trail')
  // and fifty new trails at once (a burst of new dossiers): every one made, each chain valid
  const burst = Array.from({ length: 50 }, (_, i) => `burst-${i}`)
  const made = await Promise.all(burst.map(async (code) => await store.append(code, { ...FIELDS, client: code }, { fresh: true })))
  t.same(made.map((e) => e?.seq), burst.map(() => 1))
  for (const code of burst) {
    const { entries, record } = await hub.audit.read(code)
    if (!verifyChain(code, entries, record, hub.audit.key).valid) t.fail(`${code} does not verify`)
  }
})

t.test('trails written by earlier versions (plain SHA-256, no head record) still read and verify, and say they are unkeyed', async (t) => {
  const hub = await auditHub(t)
  const code = await dossierWithTrail(hub, 3)
  const keyed = (await hub.audit.read(code)).entries
  // as an earlier version wrote it: no key id, SHA-256, no head record
  const old = rewrite(code, keyed, (b) => hashOf(b), (e) => { const { kid: _kid, ...rest } = e; return rest })
  await storeTrail(hub.db.sql, code, old)
  await eraseHead(hub, code)
  const v = await verification(hub, code)
  t.match(v, { valid: true, entries: old.length, keyed: false, unkeyed: old.length })
  t.notOk('head' in v, 'no head record')
  // the hub chains on with keyed entries and a head record
  await waitFor(async () => (await headOf(hub.db.sql, code))?.mac !== null, 'the head record')
  t.match(await verification(hub, code), { valid: true, keyed: false, unkeyed: old.length, head: { entries: old.length + 1 } })
})

/** Fetches the day's checkpoint as an auditor would: the list with the public key, then the document. */
async function fetchCheckpoint (t: Test, hub: TestHub): Promise<{ doc: Checkpoint, text: string, pem: string }> {
  const list = await asAuditor(hub).inject({ url: '/v1/audit/checkpoints' })
  t.equal(list.statusCode, 200)
  const { publicKey, checkpoints } = list.json<{ publicKey: { pem: string, keyId: string }, checkpoints: Array<{ date: string }> }>()
  const date = checkpoints[0]?.date ?? ''
  const res = await asAuditor(hub).inject({ url: `/v1/audit/checkpoints/${date}` })
  t.equal(res.statusCode, 200)
  return { doc: res.json<Checkpoint>(), text: res.body, pem: publicKey.pem }
}

t.test('the daily checkpoint lists every head, is signed, and verifies with the published public key', async (t) => {
  const hub = await auditHub(t)
  const a = await dossierWithTrail(hub, 3)
  const b = await dossierWithTrail(hub, 5)
  const erased = await dossierWithTrail(hub, 2)
  await eraseHead(hub, erased)
  const taken = await hub.checkpoints.take()
  const { doc, pem } = await fetchCheckpoint(t, hub)
  t.same(doc, taken, 'the document served is the one kept')
  t.equal(doc.trails, 2)
  t.match(doc.heads.find((h) => h.dossier === a), { entries: 3 })
  t.match(doc.heads.find((h) => h.dossier === b), { entries: 5 })
  t.same(doc.unverified, [erased], 'a trail of keyed entries whose head record was erased is named, not left out silently')
  const publicKey = createPublicKey(pem)
  t.match(verifyCheckpoint(doc, publicKey), { valid: true }, 'signed by the hub\'s key')
  t.equal(doc.signer.keyId, (await asAuditor(hub).inject({ url: '/v1/audit/checkpoints' })).json<{ publicKey: { keyId: string } }>().publicKey.keyId)

  const changed = structuredClone(doc)
  ;(changed.heads[0] as { entries: number }).entries = 1
  t.match(verifyCheckpoint(changed, publicKey), { valid: false, reason: /signature does not verify/ }, 'a changed checkpoint does not verify')
  const other = generateKeyPairSync('ed25519')
  const { signature: _s, ...unsigned } = doc
  t.match(verifyCheckpoint(signCheckpoint(unsigned, other.privateKey), publicKey), { valid: false }, 'one signed by another key does not verify')

  const again = await hub.checkpoints.take()
  t.same(again, taken, 'one a day: a second run keeps the first')
  t.equal((await asPortal(hub).inject({ url: '/v1/audit/checkpoints' })).statusCode, 403, 'not for the portal')
  t.equal((await asAdmin(hub).inject({ url: '/v1/audit/checkpoints/1999-01-01' })).json<{ code: string }>().code, 'HUB_ERR_CHECKPOINT_NOT_FOUND')
  t.equal((await asAdmin(hub).inject({ url: '/v1/audit/checkpoints/2026-02-30' })).json<{ code: string }>().code, 'HUB_ERR_CHECKPOINT_NOT_FOUND', 'a day not on the calendar: not found either')
})

t.test('the checkpoint store keeps the first of a day and the last KEEP days, each served again exactly as signed', async (t) => {
  const hub = await auditHub(t)
  const store = new CheckpointStore(hub.db.sql)
  const key = generateKeyPairSync('ed25519').privateKey
  const day = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)
  const sign = (i: number, entries = 1): Checkpoint => signCheckpoint({ date: day(i), at: `${day(i)}T00:05:00.000+07:00`, heads: [{ dossier: `D-${i}`, entries, head: 'ab'.repeat(32) }], unverified: i % 2 === 0 ? ['X', 'A'] : [] }, key)
  for (let i = 0; i < KEEP + 2; i++) {
    const c = sign(i)
    t.same(await store.save(c, new Date(`${day(i)}T00:05:00.000+07:00`)), c)
  }
  const kept = await store.list()
  t.equal(kept.length, KEEP, `the last ${KEEP}`)
  t.same([kept[0]?.date, kept.at(-1)?.date], [day(KEEP + 1), day(2)], 'newest first; the two oldest gone')
  const second = sign(KEEP + 1, 7)
  t.same(await store.save(second, new Date()), sign(KEEP + 1), 'a second one of the same day: the first is kept, and returned')
  const back = await store.get(day(KEEP))
  t.equal(JSON.stringify(back), JSON.stringify(sign(KEEP)), 'the same JSON text as signed')
  t.match(verifyCheckpoint(back, createPublicKey(key)), { valid: true })
})

t.test('a worker takes the checkpoint by its job scheduler', async (t) => {
  const hub = await auditHub(t)
  const code = await dossierWithTrail(hub, 2)
  // a worker on the same Redis prefix and database, its checkpoint job every 200 ms (one a day is kept)
  const worker = await build(t, { role: 'worker', prefix: hub.prefix, database: hub.db, checkpointEveryMs: 200 })
  hub.keys = worker.keys
  const list = await waitFor(async () => {
    const r = (await asAuditor(hub).inject({ url: '/v1/audit/checkpoints' })).json<{ checkpoints: unknown[] }>()
    return r.checkpoints.length > 0 ? r : undefined
  }, 'a checkpoint')
  t.equal(list.checkpoints.length, 1)
  const { doc } = await fetchCheckpoint(t, hub)
  t.ok(doc.heads.some((h) => h.dossier === code), 'it lists the dossier\'s trail')
})

/** Runs `npm run audit:verify` against the hub's database. */
function auditVerify (hub: TestHub, ...args: string[]): { status: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, ['--import=tsx', 'scripts/audit-verify.ts', ...args], {
    cwd: fromRoot(), env: { ...process.env, DATABASE_URL: hub.db.where, HUB_CONFIG: fromRoot('config', 'hub.json') }, encoding: 'utf8'
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

t.test('audit:verify finds a trail cut short after the checkpoint, even with its head record rewritten by someone without the key', async (t) => {
  const hub = await auditHub(t)
  const sql = hub.db.sql
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
  t.match(clean.stderr, new RegExp(`the record is the PostgreSQL database .*${hub.db.where.split('/').at(-1) ?? ''}`), 'it says which database it read')

  // the cut, and a head record made to match it (the forger has no key: any HMAC will do, or none)
  const six = (await hub.audit.read(code)).entries.slice(0, 6)
  await sql`delete from audit_entries where trail_id = ${await trailId(sql, code)} and seq > 6`
  await setHead(hub, code, headRecord(code, { entries: 6, hash: six[5]?.hash ?? '' }, WRONG_KEY))
  // the other trail rewritten whole with SHA-256, its head record erased
  const otherTrail = (await hub.audit.read(other)).entries
  await storeTrail(sql, other, rewrite(other, otherTrail, (b) => hashOf(b), (e) => { const { kid: _kid, ...rest } = e; return { ...rest, client: 'someone-else' } }))
  await eraseHead(hub, other)

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

t.test('audit:verify on a database without the record\'s tables: exit 2, saying so (it reads, it does not migrate)', async (t) => {
  const empty = await createTestDatabase(t)
  const dir = t.testdir()
  const key = generateKeyPairSync('ed25519')
  const file = join(dir, 'checkpoint.json')
  const keyFile = join(dir, 'public.pem')
  writeFileSync(file, JSON.stringify(signCheckpoint({ date: '2026-12-01', at: '2026-12-01T00:05:00.000+07:00', heads: [{ dossier: 'X', entries: 1, head: 'ab'.repeat(32) }] }, key.privateKey)))
  writeFileSync(keyFile, key.publicKey.export({ type: 'spki', format: 'pem' }).toString())
  const r = spawnSync(process.execPath, ['--import=tsx', 'scripts/audit-verify.ts', file, '--public-key', keyFile], {
    cwd: fromRoot(), env: { ...process.env, DATABASE_URL: empty.url, HUB_CONFIG: fromRoot('config', 'hub.json') }, encoding: 'utf8'
  })
  t.equal(r.status, 2, r.stdout)
  t.match(r.stderr, /cannot read the audit trails in .*audit_trails/)
  const [tables] = await empty.sql<Array<{ n: number }>>`select count(*)::int as n from information_schema.tables where table_schema = 'public'`
  t.equal(tables?.n, 0, 'nothing was created in it')
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
