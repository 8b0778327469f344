/**
 * Fuzzing bad input (fast-check): malformed and hostile dossiers, native agency submissions,
 * agency reports, the portal's lifecycle requests (supplements, withdrawal, return) and dossier codes — wrong types, huge strings, deep nesting, unicode edge cases, prototype keys,
 * random mutations of valid examples. Huge arrays in every array field: fuzz-huge-arrays.test.ts. Thousands of cases per run: never a 5xx, never a crash,
 * never anything stored by a refused request.
 */
import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { build, dossierRow, example, startAgency, storedDossiers, waitFor, type TestHub, asAdmin } from '../helper.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'
import { goldenPath } from '../golden-files.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000)

/** Any JSON value, including the awkward ones. */
const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', '\u0000', '\uD800', '\u202E', '../../etc/passwd', '<script>', "'; DROP TABLE", '0'.repeat(5000), '💥'.repeat(300), 'lth.x.y'),
  fc.string({ minLength: 3000, maxLength: 6000 })
)
const anyJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 })
  )
})).value

/** A valid document with one path replaced by something else, or removed. */
function mutate (base: unknown): fc.Arbitrary<unknown> {
  const paths: string[][] = []
  const walk = (v: unknown, path: string[]): void => {
    paths.push(path)
    if (v !== null && typeof v === 'object' && path.length < 6) for (const [k, c] of Object.entries(v)) walk(c, [...path, k])
  }
  walk(base, [])
  return fc.tuple(fc.constantFrom(...paths.slice(1)), fc.option(anyJson, { nil: undefined })).map(([path, value]) => {
    const copy = structuredClone(base) as Record<string, unknown>
    let node: Record<string, unknown> = copy
    for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>
    const last = path.at(-1) as string
    if (value === undefined) delete node[last]
    else node[last] = value
    return copy
  })
}

const deep = fc.integer({ min: 50, max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`)

async function fuzz (t: Test, hub: TestHub, url: string, bodies: fc.Arbitrary<unknown>, allowed: readonly number[]): Promise<Map<number, number>> {
  const statuses = new Map<number, number>()
  await fc.assert(fc.asyncProperty(bodies, async (body) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body)
    const res = await asAdmin(hub).inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${payload.slice(0, 200)}: ${res.body.slice(0, 300)}`)
    if (!allowed.includes(res.statusCode)) throw new Error(`unexpected ${res.statusCode}: ${res.body.slice(0, 300)}`)
    if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) throw new Error('a refusal that is not problem+json')
  }), { numRuns: RUNS })
  t.pass(`${url}: ${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')}`)
  return statuses
}

t.test('hostile dossiers to POST /v1/dossiers: never a 5xx, nothing stored by a refusal', async (t) => {
  const hub = await build(t, { role: 'api' })
  const before = await storedDossiers(hub)
  const bodies = fc.oneof(mutate(example('birth-registration')), mutate(example('land-use-right-transfer')), anyJson, deep, fc.string({ maxLength: 50 }))
  const statuses = await fuzz(t, hub, '/v1/dossiers', bodies, [200, 201, 400, 409, 413])
  const created = await storedDossiers(hub) - before
  t.equal(created, statuses.get(201) ?? 0, `stored exactly the ${created} mutations that were still valid (201); nothing for the refusals`)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')
})

t.test('hostile native submissions to every agency: never a 5xx', async (t) => {
  const hub = await build(t, { role: 'api' })
  const golden = (name: string): unknown => JSON.parse(readFileSync(goldenPath(`${name}.json`), 'utf8'))
  let created = 0
  for (const [agency, name] of [['land-office', 'land-submission-transfer'], ['justice', 'justice-submission-death-registration'], ['evn', 'electricity-submission-contract-holder-change']] as const) {
    created += (await fuzz(t, hub, `/v1/agencies/${agency}/dossiers`, fc.oneof(mutate(golden(name)), anyJson), [200, 201, 400, 409, 413])).get(201) ?? 0
  }
  t.equal(await storedDossiers(hub), created, 'stored exactly the submissions answered 201')
})

t.test('hostile agency reports: never a 5xx, no report recorded by a refusal', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', payload: example('land-use-right-transfer') })).json<DossierSummary>()
  const native = { eventId: 'f-1', agency: 'land-office', native: { MaHoSo: code, MaBuoc: 'land-registration', MaTrangThai: 'DANG_XU_LY', ThoiDiem: '20261123100000' } }
  const canonical = { eventId: 'f-2', agency: 'land-office', report: { status: 'supplement-requested', missing: [{ name: 'Hợp đồng' }] } }
  const statuses = await fuzz(t, hub, `/v1/dossiers/${code}/events`, fc.oneof(mutate(native), mutate(canonical), anyJson), [200, 201, 400, 403, 409])
  t.equal((await dossierRow(hub, code))?.history, 1 + (statuses.get(201) ?? 0), 'the history holds its receipt and exactly the reports answered 201')
})

t.test('hostile lifecycle requests (supplements, return, withdrawal): never a 5xx, nothing changed by a refusal', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const submit = async (reference: string): Promise<string> => (await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', payload: { ...example('electricity-new-connection'), source: { system: 'fuzz', reference } } })).json<DossierSummary>().code
  const [asked, open] = [await submit('fuzz-1'), await submit('fuzz-2')]
  for (const code of [asked, open]) await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', `${code} delivered`)
  const report = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${asked}/events`, payload: { eventId: 'ask-1', agency: 'evn', report: { status: 'supplement-requested', missing: [{ name: 'Bản vẽ' }] } } })
  t.equal(report.statusCode, 201, 'the agency asks for papers')

  const papers = {
    supplementId: 'BS-1',
    note: 'Bổ sung bản vẽ',
    attachments: [{ componentCode: 'TP-BV', fileName: 'ban-ve.pdf', mediaType: 'application/pdf', byteSize: 2048, sha256: 'c'.repeat(64), url: 'https://dichvucong.example.gov.vn/files/ban-ve.pdf' }]
  }
  const supplied = await fuzz(t, hub, `/v1/dossiers/${asked}/supplements`, fc.oneof(mutate(papers), anyJson, deep), [200, 201, 400, 409, 413])
  t.equal((await dossierRow(hub, asked))?.supplements, supplied.get(201) ?? 0, 'the dossier keeps exactly the supplements answered 201')

  // the open dossier is not resolved: no return can succeed, and none may change it
  const version = (await dossierRow(hub, open))?.version
  const returned = await fuzz(t, hub, `/v1/dossiers/${open}/return`, fc.oneof(mutate({ method: 'counter', note: 'Ông A nhận' }), anyJson), [400, 409, 413])
  t.ok((returned.get(409) ?? 0) > 0, 'valid returns reached the status check and were refused')
  t.equal((await dossierRow(hub, open))?.version, version, 'nothing changed by the refused returns')

  const withdrawn = await fuzz(t, hub, `/v1/dossiers/${open}/withdraw`, fc.oneof(mutate({ reason: 'Công dân không có nhu cầu nữa' }), anyJson, deep), [200, 400, 413])
  const status = (await asAdmin(hub).inject({ url: `/v1/dossiers/${open}/status` })).json<{ status: string }>().status
  t.equal(status, (withdrawn.get(200) ?? 0) > 0 ? 'withdrawn' : 'processing', 'withdrawn exactly when a request was accepted')
})

t.test('hostile dossier codes in the path: never a 5xx', async (t) => {
  const hub = await build(t, { role: 'api' })
  const statuses = new Map<number, number>()
  // the code percent-encoded byte by byte, as encodeURIComponent would (lone surrogates made well-formed), or as it is
  // when it is printable ASCII (a stray % makes bad percent-encoding)
  const encoders = [
    (code: string): string => [...Buffer.from(code)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''),
    (code: string): string => encodeURIComponent(code.replace(/[\ud800-\udfff]/g, '\ufffd')),
    (code: string): string => /^[\x21-\x7e]*$/.test(code) && !/[?#/]/.test(code) ? code : encodeURIComponent(code.replace(/[\ud800-\udfff]/g, '\ufffd'))
  ]
  await fc.assert(fc.asyncProperty(fc.oneof(hostileString, fc.constantFrom('%', '%E0%A4%A', '%zz', 'a%2', '%00', '%2e%2e')), fc.constantFrom('', '/history', '/audit', '/status', '/notifications', '/national-record'), fc.constantFrom(...encoders), async (code, sub, encode) => {
    const res = await asAdmin(hub).inject({ url: `/v1/dossiers/${encode(code)}${sub}` })
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
    if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${JSON.stringify(code).slice(0, 200)}${sub}: ${res.body.slice(0, 300)}`)
    if (![400, 404, 414].includes(res.statusCode) && !(sub === '' && code === '' && res.statusCode === 200)) throw new Error(`unexpected ${res.statusCode} for ${JSON.stringify(code).slice(0, 100)}${sub}`)
    if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) throw new Error(`a ${res.statusCode} that is not problem+json: ${res.body.slice(0, 200)}`)
  }), { numRuns: RUNS })
  t.pass(`codes: ${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')}`)
  t.equal(await storedDossiers(hub), 0, 'nothing stored')
})
