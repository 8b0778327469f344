import t from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fromRoot } from '../../src/paths.ts'
import { dossierCodePattern } from '../../src/schemas.ts'
import { SEQUENCE_WIDTH, dossierCodePrefix, formatDossierCode, isDossierCode, parseDossierCode } from '../../src/domain/dossier-code.ts'
import { toVietnamIso, vietnamYYMMDD } from '../../src/domain/vietnam-time.ts'
import { STATUSES, STATUS_ON_RECEIPT, nationalStatusCode, statusFromNationalCode, type DossierStatus } from '../../src/domain/status.ts'
import { canonicalJson, sha256Hex } from '../../src/domain/fingerprint.ts'
import { birthYearFromCitizenId, citizenIdBirthYearMismatch } from '../../src/domain/citizen-id.ts'
import { backoffDelay, classifyHttpStatus, parseRetryAfter, type RetryPolicy } from '../../src/domain/retry.ts'
import { scrubLine } from '../../src/logger.ts'

const AGENCY = '000.00.06.H56'
/** 2026-11-23 18:06:59.277 in Vietnam */
const RECEIVED = new Date('2026-11-23T11:06:59.277Z')

t.test('dossier code: formatDossierCode', async (t) => {
  t.equal(SEQUENCE_WIDTH, 4, 'the sequence is 4 digits wide (Circular 01/2018 Art. 19)')
  t.equal(formatDossierCode(AGENCY, RECEIVED, 1), '000.00.06.H56-261123-0001', 'padded to 4 digits')
  t.equal(formatDossierCode(AGENCY, RECEIVED, 42), '000.00.06.H56-261123-0042')
  t.equal(formatDossierCode(AGENCY, RECEIVED, 361), '000.00.06.H56-261123-0361')
  t.equal(formatDossierCode(AGENCY, RECEIVED, 9999), '000.00.06.H56-261123-9999', 'the last 4-digit number')
  t.equal(formatDossierCode(AGENCY, RECEIVED, 10000), '000.00.06.H56-261123-10000', 'a busy day grows past 9999')
  t.equal(formatDossierCode(AGENCY, RECEIVED, 123456), '000.00.06.H56-261123-123456')
  t.ok(isDossierCode(formatDossierCode(AGENCY, RECEIVED, 10000)), 'a 5-digit sequence is still a valid code')

  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) {
    t.throws(() => formatDossierCode(AGENCY, RECEIVED, bad), RangeError, `sequence ${bad} is rejected`)
  }
})

t.test('dossier code: dossierCodePrefix uses the Vietnam date', async (t) => {
  t.equal(dossierCodePrefix(AGENCY, RECEIVED), '000.00.06.H56-261123-')
  t.equal(dossierCodePrefix(AGENCY, new Date('2026-11-23T16:59:59.999Z')), '000.00.06.H56-261123-', '23:59:59.999 in Vietnam')
  t.equal(dossierCodePrefix(AGENCY, new Date('2026-11-23T17:00:00.000Z')), '000.00.06.H56-261124-', 'midnight in Vietnam: the next day')
  t.equal(dossierCodePrefix('000.00.00.G22', new Date('2023-10-27T02:00:00Z')), '000.00.00.G22-231027-')
  t.equal(formatDossierCode(AGENCY, RECEIVED, 7).slice(0, dossierCodePrefix(AGENCY, RECEIVED).length), dossierCodePrefix(AGENCY, RECEIVED),
    'formatDossierCode starts with the prefix')
})

t.test('dossier code: parseDossierCode round trip', async (t) => {
  for (const [agency, when, seq, date] of [
    [AGENCY, RECEIVED, 1, '261123'],
    [AGENCY, RECEIVED, 9999, '261123'],
    [AGENCY, RECEIVED, 10000, '261123'],
    ['000.00.00.G22', new Date('2025-12-31T17:00:00Z'), 361, '260101'],
    ['H41', new Date('2024-02-29T05:00:00Z'), 12, '240229']
  ] as const) {
    const code = formatDossierCode(agency, when, seq)
    t.same(parseDossierCode(code), { agencyCode: agency, date, sequence: seq }, `round trip of ${code}`)
  }
  t.same(parseDossierCode('000.00.06.H56-231027-0361'), { agencyCode: '000.00.06.H56', date: '231027', sequence: 361 }, 'the real example')
})

t.test('dossier code: parseDossierCode and isDossierCode reject malformed codes', async (t) => {
  const malformed = [
    '',
    'junk',
    '000.00.06.H56',
    '000.00.06.H56-231027',
    '000.00.06.H56-231027-',
    '000.00.06.H56-231027-036', // 3-digit sequence
    '000.00.06.H56-23102-0361', // 5-digit date
    '000.00.06.H56-2310270-0361', // 7-digit date
    '000.00.06.h56-231027-0361', // lower case
    '.000.00.06.H56-231027-0361', // leading dot
    '000.00.06.H56.-231027-0361', // trailing dot
    '000 00 06 H56-231027-0361', // spaces
    '000.00.06.H56-231027-0361 ', // trailing space
    ' 000.00.06.H56-231027-0361', // leading space
    '000.00.06.H56-231027-0361\n', // trailing newline
    '000.00.06.H56_231027_0361',
    '000.00.06.H56-231027-03a1',
    '-231027-0361', // no agency code
    'A'.repeat(41) + '-231027-0361' // agency code longer than 40 characters
  ]
  for (const code of malformed) {
    t.equal(parseDossierCode(code), undefined, `parse rejects ${JSON.stringify(code)}`)
    t.equal(isDossierCode(code), false, `isDossierCode rejects ${JSON.stringify(code)}`)
  }
  t.equal(isDossierCode('000.00.06.H56-231027-0361'), true, 'the real example is a dossier code')
  t.equal(isDossierCode('A'.repeat(40) + '-231027-0361'), true, 'a 40-character agency code is allowed')
})

t.test('dossier code pattern comes from schemas/dossier.schema.json', async (t) => {
  const schema = JSON.parse(readFileSync(fromRoot('schemas', 'dossier.schema.json'), 'utf8')) as { properties: { code: { pattern: string } } }
  t.equal(dossierCodePattern.source, new RegExp(schema.properties.code.pattern).source, 'the same pattern as the canonical schema')
  t.ok(dossierCodePattern.test('000.00.06.H56-231027-0361'), 'the real example matches')
  t.ok(dossierCodePattern.test('000.00.00.G22-250101-0001'))
  for (const junk of ['junk', '000.00.06.H56-231027-361', 'x000.00.06.H56-231027-0361', '000.00.06.H56/231027/0361', '12345']) {
    t.notOk(dossierCodePattern.test(junk), `${junk} does not match`)
  }
})

t.test('Vietnam time around midnight and year ends', async (t) => {
  const before = new Date('2026-11-23T16:59:59.999Z')
  const midnight = new Date('2026-11-23T17:00:00.000Z')
  t.equal(toVietnamIso(before), '2026-11-23T23:59:59.999+07:00')
  t.equal(toVietnamIso(midnight), '2026-11-24T00:00:00.000+07:00')
  t.equal(vietnamYYMMDD(before), '261123', 'one millisecond before Vietnam midnight: still the 23rd')
  t.equal(vietnamYYMMDD(midnight), '261124', 'at Vietnam midnight: the 24th, same UTC day')
  t.equal(vietnamYYMMDD(new Date('2026-11-23T00:00:00.000Z')), '261123', 'UTC midnight is 07:00 in Vietnam')

  const yearEndBefore = new Date('2025-12-31T16:59:59.999Z')
  const newYear = new Date('2025-12-31T17:00:00.000Z')
  t.equal(toVietnamIso(yearEndBefore), '2025-12-31T23:59:59.999+07:00')
  t.equal(toVietnamIso(newYear), '2026-01-01T00:00:00.000+07:00', 'new year in Vietnam while still 31 Dec in UTC')
  t.equal(vietnamYYMMDD(yearEndBefore), '251231')
  t.equal(vietnamYYMMDD(newYear), '260101')
  t.equal(vietnamYYMMDD(new Date('2099-12-31T17:00:00.000Z')), '000101', 'the century rolls over to 00')
  t.equal(vietnamYYMMDD(new Date('2024-02-28T17:00:00.000Z')), '240229', 'leap day')

  t.equal(toVietnamIso(new Date('2026-01-05T01:02:03.004Z')), '2026-01-05T08:02:03.004+07:00', 'fields are zero-padded')
  const instant = new Date('2026-07-15T09:30:00.123Z')
  t.equal(new Date(toVietnamIso(instant)).getTime(), instant.getTime(), 'the ISO string denotes the same instant')
})

t.test('statuses: national codes 1..10 both ways', async (t) => {
  const schema = JSON.parse(readFileSync(fromRoot('schemas', 'dossier.schema.json'), 'utf8')) as { properties: { status: { enum: string[] } } }
  const names = Object.keys(STATUSES) as DossierStatus[]
  t.same([...names].sort(), [...schema.properties.status.enum].sort(), 'the names are the schema\'s status enum')
  t.same(names.map(nationalStatusCode).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'codes 1..10, each once')
  for (const name of schema.properties.status.enum as DossierStatus[]) {
    t.equal(statusFromNationalCode(nationalStatusCode(name)), name, `${name} survives the round trip`)
  }
  for (let code = 1; code <= 10; code++) {
    const name = statusFromNationalCode(code)
    t.not(name, undefined, `code ${code} has a name`)
    if (name !== undefined) t.equal(nationalStatusCode(name), code, `code ${code} survives the round trip`)
  }
  // the table of DOMAIN.md
  const expected: Array<[number, DossierStatus]> = [
    [1, 'new'], [2, 'received'], [3, 'not-accepted'], [4, 'processing'], [5, 'supplement-requested'],
    [6, 'payment-requested'], [7, 'withdrawn'], [8, 'stopped'], [9, 'resolved'], [10, 'returned']
  ]
  for (const [code, name] of expected) t.equal(statusFromNationalCode(code), name, `${code} is ${name}`)
  for (const code of [0, 11, -1, 2.5, Number.NaN]) t.equal(statusFromNationalCode(code), undefined, `code ${code} is unknown`)
  t.equal(STATUS_ON_RECEIPT, 'received')
  t.equal(nationalStatusCode(STATUS_ON_RECEIPT), 2)
  // report groups: in progress = 2, 4; done = 9, 10; paused = 5, 6; ended = 3, 7, 8 (8 stopped ends handling, issue 14)
  const byGroup = (g: string): number[] => Object.values(STATUSES).filter((s) => s.group === g).map((s) => s.code).sort((a, b) => a - b)
  t.same(byGroup('in-progress'), [2, 4])
  t.same(byGroup('done'), [9, 10])
  t.same(byGroup('paused'), [5, 6])
  t.same(byGroup('ended'), [3, 7, 8])
  t.equal(STATUSES['not-accepted'].vi, 'Không được tiếp nhận', '3 stays not accepted (at the desk)')
  t.equal(STATUSES.stopped.vi, 'Dừng xử lý')
})

t.test('fingerprint: canonicalJson', async (t) => {
  const a = { b: 1, a: { y: [1, 2, { q: 1, p: 2 }], x: 'x' }, c: null }
  const b = { c: null, a: { x: 'x', y: [1, 2, { p: 2, q: 1 }] }, b: 1 }
  t.equal(canonicalJson(a), canonicalJson(b), 'key order does not matter, nested objects included')
  t.equal(canonicalJson(a), '{"a":{"x":"x","y":[1,2,{"p":2,"q":1}]},"b":1,"c":null}', 'sorted keys, no whitespace')
  t.not(canonicalJson({ list: [1, 2] }), canonicalJson({ list: [2, 1] }), 'array order matters')
  t.not(canonicalJson([{ a: 1 }, { b: 2 }]), canonicalJson([{ b: 2 }, { a: 1 }]), 'array order matters for objects too')
  t.not(canonicalJson({ a: 1 }), canonicalJson({ a: '1' }), 'types matter')
  t.not(canonicalJson({ a: { b: 1 } }), canonicalJson({ a: { b: 2 } }), 'nested values matter')
  t.equal(canonicalJson('Trần Văn Bình'), '"Trần Văn Bình"')
  t.throws(() => canonicalJson(undefined), TypeError, 'undefined has no JSON representation')
  const circular: Record<string, unknown> = {}
  circular.self = circular
  t.throws(() => canonicalJson(circular), TypeError, 'circular values are refused')
})

t.test('fingerprint: sha256Hex', async (t) => {
  const text = '000.00.06.H56-231027-0361 Trần Văn Bình'
  t.equal(sha256Hex(text), createHash('sha256').update(text, 'utf8').digest('hex'))
  t.equal(sha256Hex(Buffer.from(text, 'utf8')), createHash('sha256').update(text, 'utf8').digest('hex'), 'a Buffer gives the same hash')
  t.equal(sha256Hex(''), createHash('sha256').update('').digest('hex'))
  t.match(sha256Hex('abc'), /^[0-9a-f]{64}$/)
  t.not(sha256Hex('abc'), sha256Hex('abd'))
})

t.test('citizen ID: birth year', async (t) => {
  t.equal(birthYearFromCitizenId('038190012345'), 1990, 'century digit 1: 1900s, female')
  t.equal(birthYearFromCitizenId('038090012345'), 1990, 'century digit 0: 1900s, male')
  t.equal(birthYearFromCitizenId('001203004567'), 2003, 'century digit 2: 2000s')
  t.equal(birthYearFromCitizenId('079312004567'), 2012, 'century digit 3: 2000s')
  t.equal(birthYearFromCitizenId('001400004567'), 2100, 'century digit 4: 2100s')
  t.equal(birthYearFromCitizenId('001599004567'), 2199, 'century digit 5: 2100s')
  t.equal(birthYearFromCitizenId('038085004321'), 1985, 'the electricity example applicant')
  for (const bad of ['', '03819001234', '0381900123456', '03819001234a', '038 190012345', '123456789', ' 038190012345']) {
    t.equal(birthYearFromCitizenId(bad), undefined, `${JSON.stringify(bad)} is not a 12-digit ID`)
  }
})

t.test('citizen ID: mismatch with the date of birth', async (t) => {
  t.equal(citizenIdBirthYearMismatch('038190012345', '1990-05-17'), undefined, 'consistent')
  t.equal(citizenIdBirthYearMismatch('001203004567', '2003-01-01'), undefined, 'consistent')
  const reason = citizenIdBirthYearMismatch('038190012345', '1991-05-17')
  t.type(reason, 'string', 'a reason when the years differ')
  t.match(reason, /1990/, 'names the encoded year')
  t.match(reason, /1991/, 'names the year of the date of birth')
  const century = citizenIdBirthYearMismatch('038290012345', '1990-05-17')
  t.match(century, /2090/, 'a wrong century digit is a mismatch too')
  t.match(century, /1990/)
  t.equal(citizenIdBirthYearMismatch('123456789', '1990-05-17'), undefined, 'an old 9-digit ID cannot be checked')
})

t.test('retry: classifyHttpStatus', async (t) => {
  for (const s of [200, 201, 202, 204]) t.equal(classifyHttpStatus(s), 'delivered', `${s} delivered`)
  for (const s of [408, 429, 500, 502, 503, 504]) t.equal(classifyHttpStatus(s), 'retry', `${s} retry`)
  for (const s of [400, 401, 403, 404, 409, 410, 413, 422]) t.equal(classifyHttpStatus(s), 'permanent', `${s} permanent`)
})

t.test('retry: backoffDelay', async (t) => {
  const policy: RetryPolicy = { attempts: 10, baseDelayMs: 1000, maxDelayMs: 30_000 }
  const low = (): number => 0
  const high = (): number => 0.9999999999

  for (let attempt = 1; attempt <= 12; attempt++) {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
    const lo = backoffDelay(attempt, policy, undefined, low)
    const hi = backoffDelay(attempt, policy, undefined, high)
    t.equal(lo, ceiling / 2, `attempt ${attempt}: random 0 gives half the ceiling`)
    t.ok(hi >= ceiling / 2 && hi <= ceiling, `attempt ${attempt}: random 0.999… stays within [${ceiling / 2}, ${ceiling}] (got ${hi})`)
    t.ok(hi > lo, `attempt ${attempt}: the random half adds to the delay`)
  }
  t.equal(backoffDelay(1, policy, undefined, low), 500)
  t.equal(backoffDelay(2, policy, undefined, low), 1000, 'doubles per attempt')
  t.equal(backoffDelay(3, policy, undefined, low), 2000, 'doubles per attempt')
  t.equal(backoffDelay(4, policy, undefined, low), 4000, 'doubles per attempt')
  t.equal(backoffDelay(2, policy, undefined, high), 1999)
  t.equal(backoffDelay(3, policy, undefined, high), 3999)
  t.equal(backoffDelay(0, policy, undefined, low), 500, 'attempt 0 is treated like the first')
  t.equal(backoffDelay(20, policy, undefined, low), 15_000, 'capped: half of maxDelayMs')
  t.equal(backoffDelay(20, policy, undefined, high), 29_999, 'capped: never above maxDelayMs')
  t.equal(backoffDelay(1000, policy, undefined, high), 29_999, 'huge attempt numbers do not overflow')

  // Retry-After is a floor, capped by maxDelayMs
  t.equal(backoffDelay(1, policy, 5000, low), 5000, 'Retry-After above the backoff wins')
  t.equal(backoffDelay(1, policy, 5000, high), 5000)
  t.equal(backoffDelay(3, policy, 100, low), 2000, 'Retry-After below the backoff does not shorten it')
  t.equal(backoffDelay(1, policy, 0, low), 500, 'Retry-After 0 does not shorten it')
  t.equal(backoffDelay(1, policy, 120_000, low), 30_000, 'Retry-After is capped by maxDelayMs')
  t.equal(backoffDelay(20, policy, 120_000, high), 30_000, 'Retry-After is capped by maxDelayMs')

  let calls = 0
  backoffDelay(1, policy, undefined, () => { calls++; return 0.5 })
  t.equal(calls, 1, 'the injected random source is used')
})

t.test('retry: parseRetryAfter', async (t) => {
  const now = Date.parse('2026-11-23T08:00:00Z')
  t.equal(parseRetryAfter('120', now), 120_000, 'delay-seconds')
  t.equal(parseRetryAfter('0', now), 0)
  t.equal(parseRetryAfter(' 5 ', now), 5000, 'surrounding whitespace is ignored')
  t.equal(parseRetryAfter(['3', '9'], now), 3000, 'the first of repeated headers')
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 08:00:30 GMT', now), 30_000, 'an HTTP date 30 s after now')
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now), 3_600_000, 'an HTTP date one hour after now')
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now + 1_800_000), 1_800_000, 'relative to the given now')
  t.equal(parseRetryAfter('Sun, 22 Nov 2026 08:00:00 GMT', now), 0, 'a past date: no wait')
  t.equal(parseRetryAfter('soon', now), undefined, 'garbage')
  t.equal(parseRetryAfter('', now), undefined, 'empty')
  t.equal(parseRetryAfter('5s', now), undefined, 'garbage with a number')
  t.equal(parseRetryAfter(undefined, now), undefined, 'absent')
  t.equal(parseRetryAfter([], now), undefined, 'an empty list of headers')
})

t.test('logger: scrubLine masks citizen IDs and phones, nothing else', async (t) => {
  const sha = createHash('sha256').update('cccd-mat-truoc.jpg').digest('hex')
  const record = {
    level: 30,
    time: 1795432015216,
    msg: 'received dossier 000.00.06.H56-261123-0001 from 038190012345, call 0912345678',
    code: '000.00.06.H56-261123-0001',
    receivedAt: '2026-11-23T18:06:59.277+07:00',
    sha256: sha,
    applicant: { number: '038190012345', phone: '+84912345678', other: '84912345678' },
    phones: ['0912345678', '+84912345678', '84912345678', '0387654321']
  }
  const line = JSON.stringify(record)
  const scrubbed = scrubLine(line)
  for (const secret of ['038190012345', '0912345678', '84912345678', '0387654321']) {
    t.notOk(scrubbed.includes(secret), `${secret} does not reach the log`)
  }
  const out = JSON.parse(scrubbed) as typeof record
  t.equal(out.applicant.number, '0***********', 'citizen ID masked')
  t.equal(out.applicant.phone, '**********', '+84 phone masked')
  t.equal(out.applicant.other, '**********', '84 phone masked')
  t.same(out.phones, ['**********', '**********', '**********', '**********'], 'every phone form masked')
  t.equal(out.msg, 'received dossier 000.00.06.H56-261123-0001 from 0***********, call **********', 'inside free text too')
  t.equal(out.code, record.code, 'dossier code untouched')
  t.equal(out.receivedAt, record.receivedAt, 'ISO timestamp untouched')
  t.equal(out.time, record.time, 'epoch milliseconds untouched')
  t.equal(out.sha256, sha, 'SHA-256 untouched')
  t.equal(out.level, 30)

  const harmless = JSON.stringify({
    time: 1795432015216,
    codes: ['000.00.06.H56-261123-0001', '000.00.06.H56-231027-0361', '000.00.00.G22-250101-10000'],
    at: '2026-11-23T18:06:59.277+07:00',
    hashes: ['f2706795811480dd9a8d300fbbd4c2b7ff0bcb460a979dc96e090d570d4c0b6c', '0912345678038190012345098765432109876543210987654321098765432109'],
    procedure: '9.000001.000.00.00.H56'
  })
  t.equal(scrubLine(harmless), harmless, 'a line without personal numbers is unchanged')
})

t.test('regressions found in review', async (t) => {
  t.throws(() => dossierCodePrefix('abc-x', RECEIVED), RangeError, 'an agency code that would make an invalid dossier code is refused')
  t.throws(() => formatDossierCode('000.00.06.h56', RECEIVED, 1), RangeError, 'lower case is not an agency code')
  t.equal(citizenIdBirthYearMismatch('038190012345', ''), undefined, 'no date of birth, nothing to contradict')
  t.equal(citizenIdBirthYearMismatch('038190012345', 'unknown'), undefined)
  for (const junk of ['-5', '1.5', '1 2', 'Sunday', '2026-11-23']) {
    t.equal(parseRetryAfter(junk, Date.now()), undefined, `Retry-After "${junk}" is ignored, not read as a date`)
  }
  t.equal(parseRetryAfter('Mon, 23 Nov 2026 11:00:10 GMT', Date.parse('2026-11-23T11:00:00Z')), 10_000, 'an IMF-fixdate still works')
})
