/**
 * Bad input: a clear 4xx problem+json naming what is wrong, and nothing stored or queued.
 */
import t, { type Test } from 'tap'
import { connect } from 'node:net'
import { build, dossierRow, example, keysUnder, post, storedDossiers, type TestHub, asAdmin } from '../helper.ts'
import type { DossierSubmission, DossierSummary, Problem } from '../../src/types/schemas.generated.ts'
import { Keys } from '../../src/store/keys.ts'

type Mutate = (s: DossierSubmission & Record<string, unknown>) => void

/** Everything the hub keeps lives under its prefix: no key there means nothing stored or queued. */
async function assertNothingStored (t: Test, hub: TestHub, label: string): Promise<void> {
  // BullMQ keeps queue metadata; the clients are the test's callers
  const keys = (await keysUnder(hub.redis, hub.prefix)).filter((k) => !k.startsWith(`${new Keys(hub.prefix).queuePrefix}:`))
  t.same(keys, [], `${label}: no dossier keys`)
  for (const id of hub.queues.agencyIds) {
    const counts = await hub.queues.queue(id).getJobCounts()
    t.same(Object.values(counts).reduce((a, b) => a + b, 0), 0, `${label}: no job queued for ${id}`)
  }
}

function expectProblem (t: Test, res: { statusCode: number, headers: Record<string, unknown>, json: <T>() => T }, status: number, label: string): Problem {
  t.equal(res.statusCode, status, `${label}: HTTP ${status}`)
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${label}: problem+json`)
  const p = res.json<Problem>()
  t.equal(p.status, status, `${label}: status member`)
  t.match(p.type, /^urn:lienthong-hub:problem:/, `${label}: type URI`)
  t.ok(typeof p.title === 'string' && p.title.length > 0, `${label}: title`)
  t.ok(typeof p.detail === 'string' && p.detail.length > 0, `${label}: detail`)
  return p
}

const cases: Array<[string, Mutate, string, RegExp]> = [
  ['missing field', (s) => { delete (s as Partial<DossierSubmission>).applicant }, '#/applicant', /required/],
  ['missing nested field', (s) => { delete (s.procedure as Partial<DossierSubmission['procedure']>).receivingAgency }, '#/procedure/receivingAgency', /required/],
  ['wrong type', (s) => { (s.data as Record<string, unknown>).requestedCapacityKw = '5' }, '#/data/requestedCapacityKw', /number/],
  ['wrong type in envelope', (s) => { (s as Record<string, unknown>).attachments = 'none' }, '#/attachments', /array/],
  ['bad citizen ID (11 digits)', (s) => { s.applicant.identity.number = '03819001234' }, '#/applicant/identity/number', /12-digit citizen ID/],
  ['bad citizen ID (no such province)', (s) => { s.applicant.identity.number = '999190012345' }, '#/applicant/identity/number', /12-digit citizen ID/],
  ['citizen ID contradicts the date of birth', (s) => { s.applicant.dateOfBirth = '1970-01-01' }, '#/applicant/identity/number', /1985.*1970/],
  ['organisation with a citizen ID', (s) => { s.applicant.kind = 'organisation' }, '#/applicant/identity/type', /tax-code/],
  ['unknown property', (s) => { s.unexpected = true }, '#/unexpected', /unknown property/],
  ['unknown nested property', (s) => { (s.applicant as Record<string, unknown>).nickname = 'Bình' }, '#/applicant/nickname', /unknown property/],
  ['hub-assigned property sent by the client', (s) => { (s as Record<string, unknown>).status = 'resolved' }, '#/status', /unknown property/],
  ['a code of another receiving agency', (s) => { s.code = '000.00.07.H56-261123-0001' }, '#/code', /receiving agency is 000\.00\.06\.H56.*Circular 01\/2018\/TT-VPCP Art\. 19/],
  ['a receipt time before the submission', (s) => { s.receivedAt = '2026-11-21T14:00:00+07:00' }, '#/receivedAt', /is before submittedAt/],
  ['bad phone', (s) => { s.applicant.phone = '12345' }, '#/applicant/phone', /mobile phone/],
  ['bad date-time', (s) => { s.submittedAt = '2026-11-21 14:05' }, '#/submittedAt', /date-time|ISO 8601/],
  ['bad enum', (s) => { (s as Record<string, unknown>).channel = 'fax' }, '#/channel', /counter.*online.*postal/],
  ['postal return without delivery address', (s) => { s.resultReturn = { method: 'postal' } }, '#/resultReturn/delivery', /required/],
  ['attachment with both url and inline content', (s) => { const first = s.attachments?.[0] as unknown as Record<string, unknown> | undefined; if (first === undefined) throw new Error('the example has an attachment'); first.contentBase64 = 'AAAA' }, '#/attachments/0', /must not have contentBase64 together with/],
  ['inline attachment whose SHA-256 does not match', (s) => { s.attachments = [{ componentCode: 'X', fileName: 'a.txt', mediaType: 'text/plain', byteSize: 3, sha256: 'a'.repeat(64), contentBase64: Buffer.from('abc').toString('base64') }] }, '#/attachments/0/sha256', /SHA-256/],
  ['inline attachment over the inline limit', (s) => { const big = Buffer.alloc(70 * 1024, 1); s.attachments = [{ componentCode: 'X', fileName: 'a.bin', mediaType: 'application/octet-stream', byteSize: big.length, sha256: '0'.repeat(64), contentBase64: big.toString('base64') }] }, '#/attachments/0/contentBase64', /INLINE_ATTACHMENT_LIMIT/],
  ['procedure not in the catalogue', (s) => { s.procedure.code = '1.000000.000.00.00.H56' }, '#/procedure/code', /not a procedure this hub handles/],
  ['procedure data not matching its schema', (s) => { (s.data as Record<string, unknown>).phases = 2 }, '#/data/phases', /one of: 1, 3/]
]

t.test('invalid dossiers: 400 listing each offending field; nothing stored', async (t) => {
  const hub = await build(t)
  for (const [label, mutate, pointer, reason] of cases) {
    const s = example('electricity-new-connection') as DossierSubmission & Record<string, unknown>
    mutate(s)
    const p = expectProblem(t, await post(asAdmin(hub), s), 400, label)
    t.equal(p.code, 'HUB_ERR_VALIDATION', `${label}: code`)
    const hit = p.errors?.find((e) => e.pointer === pointer)
    t.ok(hit, `${label}: names ${pointer} (got ${JSON.stringify(p.errors)})`)
    t.match(hit?.detail ?? '', reason, `${label}: says why`)
  }
  await assertNothingStored(t, hub, 'after all invalid dossiers')
})

t.test('several problems at once are all listed', async (t) => {
  const hub = await build(t, { role: 'api' })
  const s = example('electricity-new-connection') as DossierSubmission & Record<string, unknown>
  s.applicant.phone = 'x'
  s.channel = 'fax' as never
  s.extra = 1
  const p = expectProblem(t, await post(asAdmin(hub), s), 400, 'three problems')
  t.same(new Set(p.errors?.map((e) => e.pointer)), new Set(['#/applicant/phone', '#/channel', '#/extra']))
})

t.test('HTTP-level bad input: malformed JSON, wrong content type, oversized body, bad key, unknown route', async (t) => {
  const hub = await build(t, { bodyLimit: 8 * 1024 })
  const malformed = await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json' }, payload: '{"source": {' })
  t.equal(expectProblem(t, malformed, 400, 'malformed JSON').code, 'FST_ERR_CTP_INVALID_JSON_BODY')

  const poisoned = await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json' }, payload: '{"__proto__": {"polluted": true}}' })
  expectProblem(t, poisoned, 400, 'prototype poisoning')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')

  const empty = await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json' }, payload: '' })
  expectProblem(t, empty, 400, 'empty body')

  for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
    const res = await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': type }, payload: JSON.stringify(example('birth-registration')) })
    t.equal(expectProblem(t, res, 415, `content type ${type}`).code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
  }

  const big = example('electricity-new-connection')
  big.summary = 'x'.repeat(9 * 1024)
  const tooLarge = await post(asAdmin(hub), big)
  const p413 = expectProblem(t, tooLarge, 413, 'oversized body')
  t.match(p413.detail, /8192 bytes/)

  const badKey = await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': 'has spaces in it' })
  const pKey = expectProblem(t, badKey, 400, 'bad Idempotency-Key')
  t.equal(pKey.errors?.[0]?.header, 'Idempotency-Key')

  const missing = await asAdmin(hub).inject({ method: 'GET', url: '/v1/nothing-here' })
  t.equal(expectProblem(t, missing, 404, 'unknown route').code, 'HUB_ERR_ROUTE_NOT_FOUND')
  const wrongMethod = await asAdmin(hub).inject({ method: 'DELETE', url: '/v1/dossiers' })
  expectProblem(t, wrongMethod, 404, 'unknown method')

  const noDossier = await asAdmin(hub).inject({ url: '/v1/dossiers/000.00.06.H56-261123-9999' })
  t.equal(expectProblem(t, noDossier, 404, 'unknown dossier').code, 'HUB_ERR_DOSSIER_NOT_FOUND')
  const notACode = await asAdmin(hub).inject({ url: '/v1/dossiers/not-a-code' })
  t.equal(expectProblem(t, notACode, 400, 'malformed code').errors?.[0]?.parameter, 'code')

  await assertNothingStored(t, hub, 'after HTTP-level bad input')
})

t.test('prototype keys are refused on every route that takes a body, and pollute nothing', async (t) => {
  const hub = await build(t, { role: 'api' })
  const created = await post(asAdmin(hub), example('birth-registration'))
  const { code } = created.json<DossierSummary>()
  const routes = ['/v1/dossiers', '/v1/agencies/justice/dossiers', '/v1/agencies/land-office/dossiers', `/v1/dossiers/${code}/events`]
  const bodies = [
    '{"__proto__": {"polluted": true}}',
    '{"eventId": "p1", "agency": "justice", "report": {"status": "processing", "__proto__": {"polluted": true}}}',
    '{"constructor": {"prototype": {"polluted": true}}}',
    '{"eventId": "p2", "agency": "justice", "native": {"constructor": {"prototype": {"polluted": true}}}}'
  ]
  const before = (await dossierRow(hub, code))?.version
  for (const url of routes) {
    for (const payload of bodies) {
      const res = await asAdmin(hub).inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })
      t.equal(res.statusCode, 400, `${url} ${payload.slice(0, 40)}…: 400`)
      t.equal(res.json<{ code: string }>().code, 'FST_ERR_CTP_INVALID_JSON_BODY', 'refused by the JSON parser')
    }
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is untouched')
  t.equal(await storedDossiers(hub), 1, 'nothing new stored')
  t.equal((await dossierRow(hub, code))?.version, before, 'the dossier did not change')
  t.equal((await dossierRow(hub, code))?.history, 1, 'no report recorded (the history holds the receipt only)')
})

t.test('what the router refuses before any route is a problem document too: a path parameter too long, bad percent-encoding', async (t) => {
  const hub = await build(t, { role: 'api' })
  const long = await asAdmin(hub).inject({ url: `/v1/dossiers/${'H'.repeat(5000)}` })
  const p = expectProblem(t, long, 414, 'a 5000-character code')
  t.equal(p.code, 'FST_ERR_MAX_PARAM_LENGTH')
  t.match(p.detail, /longer than 100 characters/)
  const bad = await asAdmin(hub).inject({ url: '/v1/dossiers/%E0%A4%A/history' })
  t.equal(expectProblem(t, bad, 400, 'broken percent-encoding').code, 'FST_ERR_BAD_URL')
  await assertNothingStored(t, hub, 'router refusals')
})

t.test('requests Node\'s HTTP parser refuses get problem documents too: malformed HTTP 400, headers too large 431', async (t) => {
  const hub = await build(t, { role: 'api' })
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = new URL(address)
  const raw = async (request: string): Promise<string> => await new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => { socket.write(request) })
    let answer = ''
    socket.on('data', (d: Buffer) => { answer += d.toString() })
    socket.on('close', () => { resolve(answer) })
    socket.on('error', reject)
  })
  for (const [label, request, status, code] of [
    ['malformed', 'NOT HTTP AT ALL\r\n\r\n', 400, 'HUB_ERR_MALFORMED_REQUEST'],
    ['headers too large', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HUB_ERR_HEADERS_TOO_LARGE']
  ] as const) {
    const answer = await raw(request)
    const [head = '', body = ''] = answer.split('\r\n\r\n')
    t.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `${label}: ${status}`)
    t.match(head, /content-type: application\/problem\+json/i, `${label}: problem+json`)
    t.match(JSON.parse(body), { status, code, type: /^urn:lienthong-hub:problem:/ }, `${label}: the problem names it`)
  }
  await assertNothingStored(t, hub, 'parser refusals')
})
