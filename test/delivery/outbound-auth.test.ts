/**
 * Outbound authentication (src/delivery/outbound-auth.ts): the headers the hub sends to an agency,
 * and the checks an agency (and the simulators) run on them. Signatures are recomputed here with
 * node:crypto directly, not with the module's own hubSignature, so a wrong formula fails.
 */
import t from 'tap'
import { createHmac } from 'node:crypto'
import {
  SIGNATURE_HEADER, TIMESTAMP_HEADER, authHeaders, hubSignature, verifyBearer, verifyHubSignature
} from '../../src/delivery/outbound-auth.ts'
import type { ResolvedAuth } from '../../src/config/hub-config.ts'

const KEY = 'k3y-for-tu-phap-2026'
const TOKEN = 'tok_9f8e7d6c5b4a'
/** 2026-09-21T14:13:20.999Z: the fraction must be dropped, not rounded */
const NOW_MS = 1_790_000_000_999
const NOW_S = '1790000000'
const BODY = JSON.stringify({ dossierCode: '000.00.06.H56-261123-0001', applicant: { fullName: 'Nguyễn Thị Lan' } })

/** The signature as the documented formula gives it: sha256=<hex HMAC-SHA256(key, `${timestamp}.${body}`)> */
const expectedSignature = (key: string, timestamp: string, body: string | Buffer): string =>
  `sha256=${createHmac('sha256', key).update(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)])).digest('hex')}`

const hmac: ResolvedAuth = { type: 'hmac-sha256', secret: KEY }
const bearer: ResolvedAuth = { type: 'bearer', secret: TOKEN }

t.test('header names are the lower-case ones the README documents', async (t) => {
  t.equal(TIMESTAMP_HEADER, 'x-hub-timestamp')
  t.equal(SIGNATURE_HEADER, 'x-hub-signature')
})

t.test('authHeaders: no auth configured sends no headers', async (t) => {
  t.strictSame(authHeaders(undefined, BODY, NOW_MS), {})
})

t.test('authHeaders: bearer sends exactly the Authorization header', async (t) => {
  t.strictSame(authHeaders(bearer, BODY, NOW_MS), { authorization: `Bearer ${TOKEN}` })
  t.strictSame(authHeaders(bearer, 'another body', 0), { authorization: 'Bearer tok_9f8e7d6c5b4a' }, 'the body and the clock do not matter')
})

t.test('authHeaders: hmac-sha256 sends a unix-seconds timestamp and the HMAC over "timestamp.body"', async (t) => {
  const h = authHeaders(hmac, BODY, NOW_MS)
  t.strictSame(Object.keys(h).sort(), ['x-hub-signature', 'x-hub-timestamp'], 'exactly the two headers, no Authorization')
  t.equal(h[TIMESTAMP_HEADER], NOW_S, 'floor(now / 1000), the milliseconds dropped (not rounded up)')
  t.equal(h[TIMESTAMP_HEADER], String(Math.floor(NOW_MS / 1000)))
  t.match(h[SIGNATURE_HEADER], /^sha256=[0-9a-f]{64}$/, 'sha256= then 64 lower-case hex digits')
  t.equal(h[SIGNATURE_HEADER], expectedSignature(KEY, NOW_S, BODY), 'recomputed independently with createHmac')
  t.equal(h[SIGNATURE_HEADER], `sha256=${createHmac('sha256', KEY).update(`${NOW_S}.${BODY}`).digest('hex')}`, 'the same as one HMAC over the joined string')

  t.equal(authHeaders(hmac, BODY, 1_790_000_000_000)[TIMESTAMP_HEADER], NOW_S, 'a whole second')
  t.equal(authHeaders(hmac, BODY, 1_790_000_001_000)[TIMESTAMP_HEADER], '1790000001', 'the next second')

  const other = authHeaders(hmac, `${BODY} `, NOW_MS)
  t.equal(other[TIMESTAMP_HEADER], NOW_S)
  t.not(other[SIGNATURE_HEADER], h[SIGNATURE_HEADER], 'one more byte of body, another signature')
  t.not(authHeaders(hmac, BODY, NOW_MS + 1000)[SIGNATURE_HEADER], h[SIGNATURE_HEADER], 'another second, another signature')
  t.not(authHeaders({ type: 'hmac-sha256', secret: `${KEY}x` }, BODY, NOW_MS)[SIGNATURE_HEADER], h[SIGNATURE_HEADER], 'another key, another signature')
})

t.test('hubSignature: UTF-8 bytes, string or Buffer alike', async (t) => {
  const vietnamese = '{"hoTen":"Trần Văn Đức","diaChi":"Phường Bến Nghé, Quận 1"}'
  const sig = hubSignature(KEY, NOW_S, vietnamese)
  t.equal(sig, expectedSignature(KEY, NOW_S, Buffer.from(vietnamese, 'utf8')))
  t.equal(hubSignature(KEY, NOW_S, Buffer.from(vietnamese, 'utf8')), sig, 'the raw bytes give the same signature as the string')
  t.not(hubSignature(KEY, NOW_S, Buffer.from(vietnamese, 'latin1')), sig, 'other bytes, another signature')
  t.equal(hubSignature(KEY, NOW_S, ''), `sha256=${createHmac('sha256', KEY).update(`${NOW_S}.`).digest('hex')}`, 'an empty body still signs "timestamp."')
})

t.test('verifyHubSignature: accepts what authHeaders signs, fresh', async (t) => {
  const h = authHeaders(hmac, BODY, NOW_MS)
  t.strictSame(verifyHubSignature(KEY, h, BODY, NOW_MS), { ok: true }, 'right away')
  t.strictSame(verifyHubSignature(KEY, h, Buffer.from(BODY), NOW_MS + 2000), { ok: true }, 'the raw body as a Buffer, two seconds later')
  t.strictSame(verifyHubSignature(KEY, { ...h, 'content-type': 'application/json', 'x-other': ['a', 'b'] }, BODY, NOW_MS), { ok: true }, 'other headers do not matter')
  // built by hand, as an agency in another language would sign
  const manual = { [TIMESTAMP_HEADER]: NOW_S, [SIGNATURE_HEADER]: expectedSignature(KEY, NOW_S, BODY) }
  t.strictSame(verifyHubSignature(KEY, manual, BODY, NOW_MS), { ok: true }, 'a signature computed independently')
})

t.test('verifyHubSignature: refuses a body changed by one byte', async (t) => {
  const h = authHeaders(hmac, BODY, NOW_MS)
  const bytes = Buffer.from(BODY)
  const flipped = Buffer.from(bytes)
  flipped[10] = (flipped[10] as number) ^ 0x01
  t.equal(flipped.length, bytes.length)
  const r = verifyHubSignature(KEY, h, flipped, NOW_MS)
  t.equal(r.ok, false, 'one bit of one byte')
  t.match(r, { ok: false, reason: /signature does not match/ })
  t.equal(verifyHubSignature(KEY, h, BODY.slice(0, -1), NOW_MS).ok, false, 'one byte fewer')
  t.equal(verifyHubSignature(KEY, h, `${BODY}\n`, NOW_MS).ok, false, 'one byte more (a trailing newline)')
  t.equal(verifyHubSignature(KEY, h, BODY.replace('Lan', 'Lân'), NOW_MS).ok, false, 'a diacritic added')
})

t.test('verifyHubSignature: refuses a wrong key', async (t) => {
  const h = authHeaders(hmac, BODY, NOW_MS)
  t.match(verifyHubSignature(`${KEY}!`, h, BODY, NOW_MS), { ok: false, reason: /signature does not match/ })
  t.match(verifyHubSignature('', h, BODY, NOW_MS), { ok: false, reason: /signature does not match/ })
  t.match(verifyHubSignature(KEY.toUpperCase(), h, BODY, NOW_MS), { ok: false })
})

t.test('verifyHubSignature: refuses a timestamp outside the tolerance, past or future', async (t) => {
  // A whole second, so the distances are exact.
  const now = 1_790_000_000_000
  const signedAt = (ms: number): Record<string, string> => authHeaders(hmac, BODY, ms)

  t.strictSame(verifyHubSignature(KEY, signedAt(now - 300_000), BODY, now), { ok: true }, '300 s old is still fresh (default tolerance)')
  t.strictSame(verifyHubSignature(KEY, signedAt(now + 300_000), BODY, now), { ok: true }, '300 s ahead is still fresh')
  const past = verifyHubSignature(KEY, signedAt(now - 301_000), BODY, now)
  t.match(past, { ok: false, reason: /x-hub-timestamp is more than 300 s away/ }, '301 s old: a replay')
  const future = verifyHubSignature(KEY, signedAt(now + 301_000), BODY, now)
  t.match(future, { ok: false, reason: /more than 300 s away/ }, '301 s in the future')
  t.equal(verifyHubSignature(KEY, signedAt(now - 86_400_000), BODY, now).ok, false, 'a day old')
  t.equal(verifyHubSignature(KEY, signedAt(0), BODY, now).ok, false, 'the epoch')

  t.strictSame(verifyHubSignature(KEY, signedAt(now - 30_000), BODY, now, 30), { ok: true }, 'a custom tolerance: at the edge')
  t.match(verifyHubSignature(KEY, signedAt(now - 31_000), BODY, now, 30), { ok: false, reason: /more than 30 s away/ }, 'a custom tolerance: past it')
  t.match(verifyHubSignature(KEY, signedAt(now + 31_000), BODY, now, 30), { ok: false, reason: /more than 30 s away/ }, 'a custom tolerance: ahead of it')

  // a fresh timestamp pasted over a stale, correctly signed request does not help
  const stale = signedAt(now - 3_600_000)
  const refreshed = { ...stale, [TIMESTAMP_HEADER]: String(now / 1000) }
  t.match(verifyHubSignature(KEY, refreshed, BODY, now), { ok: false, reason: /signature does not match/ }, 'the timestamp is signed too')
})

t.test('verifyHubSignature: refuses missing or malformed headers', async (t) => {
  const h = authHeaders(hmac, BODY, NOW_MS)
  const sig = h[SIGNATURE_HEADER] as string
  const ts = h[TIMESTAMP_HEADER] as string

  t.match(verifyHubSignature(KEY, {}, BODY, NOW_MS), { ok: false, reason: /missing or malformed x-hub-timestamp/ }, 'no headers at all')
  t.match(verifyHubSignature(KEY, { [SIGNATURE_HEADER]: sig }, BODY, NOW_MS), { ok: false, reason: /missing or malformed x-hub-timestamp/ }, 'no timestamp')
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: ts }, BODY, NOW_MS), { ok: false, reason: /missing x-hub-signature/ }, 'no signature')
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: undefined }, BODY, NOW_MS), { ok: false, reason: /missing x-hub-signature/ }, 'signature undefined')

  for (const bad of ['', 'abc', '1790000000.5', '-1790000000', ' 1790000000', '1790000000 ', '0x6AB0C680', '1.79e9', '1234567890123']) {
    t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: bad, [SIGNATURE_HEADER]: hubSignature(KEY, bad, BODY) }, BODY, NOW_MS),
      { ok: false, reason: /missing or malformed x-hub-timestamp/ }, `timestamp ${JSON.stringify(bad)}`)
  }
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: [ts, ts], [SIGNATURE_HEADER]: sig }, BODY, NOW_MS), { ok: false, reason: /malformed x-hub-timestamp/ }, 'a repeated timestamp header (array)')
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: [sig, sig] }, BODY, NOW_MS), { ok: false, reason: /missing x-hub-signature/ }, 'a repeated signature header (array)')
  t.match(verifyHubSignature(KEY, { 'X-Hub-Timestamp': ts, 'X-Hub-Signature': sig }, BODY, NOW_MS), { ok: false }, 'headers are looked up lower-case, as node gives them')

  const hex = sig.slice('sha256='.length)
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: hex }, BODY, NOW_MS), { ok: false, reason: /signature does not match/ }, 'the bare hex, no sha256= prefix')
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: `sha1=${hex}` }, BODY, NOW_MS), { ok: false }, 'another algorithm label')
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: `sha256=${hex.toUpperCase()}` }, BODY, NOW_MS), { ok: false }, 'upper-case hex is not the documented form')
  t.match(verifyHubSignature(KEY, { [TIMESTAMP_HEADER]: ts, [SIGNATURE_HEADER]: '' }, BODY, NOW_MS), { ok: false, reason: /signature does not match/ }, 'an empty signature')
})

t.test('verifyHubSignature: a signature of another length is refused, not thrown on', async (t) => {
  const h = authHeaders(hmac, BODY, NOW_MS)
  const sig = h[SIGNATURE_HEADER] as string
  for (const other of [sig.slice(0, -1), `${sig}0`, 'sha256=abcd', `${sig}${sig}`]) {
    t.not(other.length, sig.length)
    let r: ReturnType<typeof verifyHubSignature> | undefined
    t.doesNotThrow(() => { r = verifyHubSignature(KEY, { ...h, [SIGNATURE_HEADER]: other }, BODY, NOW_MS) }, `length ${other.length}`)
    t.match(r, { ok: false, reason: /signature does not match/ }, `length ${other.length} refused`)
  }
  // the same length, one hex digit off
  const last = sig.at(-1) === '0' ? '1' : '0'
  t.match(verifyHubSignature(KEY, { ...h, [SIGNATURE_HEADER]: `${sig.slice(0, -1)}${last}` }, BODY, NOW_MS), { ok: false, reason: /signature does not match/ }, 'the same length, last digit changed')
})

t.test('verifyBearer', async (t) => {
  t.equal(verifyBearer(TOKEN, `Bearer ${TOKEN}`), true, 'the right token')
  t.equal(verifyBearer(TOKEN, authHeaders(bearer, BODY, NOW_MS).authorization), true, 'what authHeaders sends')

  t.equal(verifyBearer(TOKEN, `Bearer ${TOKEN.slice(0, -1)}X`), false, 'a wrong token of the same length')
  t.equal(verifyBearer(TOKEN, `Bearer ${TOKEN}x`), false, 'a longer token')
  t.equal(verifyBearer(TOKEN, `Bearer ${TOKEN.slice(0, -1)}`), false, 'a prefix of the token')
  t.equal(verifyBearer(TOKEN, 'Bearer '), false, 'an empty token')
  t.equal(verifyBearer(TOKEN, 'Bearer'), false, 'the scheme alone')
  t.equal(verifyBearer(TOKEN, undefined), false, 'no header')
  t.equal(verifyBearer(TOKEN, ''), false, 'an empty header')
  t.equal(verifyBearer(TOKEN, [`Bearer ${TOKEN}`]), false, 'a repeated header (array)')
  t.equal(verifyBearer(TOKEN, TOKEN), false, 'the token without a scheme')
  t.equal(verifyBearer(TOKEN, `Basic ${TOKEN}`), false, 'the Basic scheme')
  t.equal(verifyBearer(TOKEN, `Token ${TOKEN}`), false, 'another scheme')
  t.equal(verifyBearer(TOKEN, `Digest ${TOKEN}`), false, 'another scheme of the same length as Bearer')
  t.equal(verifyBearer(TOKEN, `Beare: ${TOKEN}`), false, 'a look-alike of Bearer')
  t.equal(verifyBearer(TOKEN, `Bearer  ${TOKEN}`), false, 'two spaces: the token would start with a space')
  t.equal(verifyBearer(TOKEN, `Bearer ${TOKEN} `), false, 'a trailing space')
  t.equal(verifyBearer('tôken-ñ', 'Bearer tôken-ñ'), true, 'non-ASCII tokens compare by their UTF-8 bytes')
  t.equal(verifyBearer('tôken-ñ', 'Bearer token-n'), false, 'and differ from their ASCII look-alikes')
})
