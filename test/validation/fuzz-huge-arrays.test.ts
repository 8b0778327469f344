/**
 * Fuzzing huge arrays (fast-check): every array field of every body — dossiers, native agency
 * submissions, agency reports (native and canonical), supplements — made thousands of items long.
 * Each is refused 400 with a small problem document (under 64 KB, at most 20 problems listed, all
 * counted) and nothing is stored. Its own file, beside fuzz.test.ts, so that each stays well within
 * tap's time limit per file.
 */
import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { build, dossierRow, example, storedDossiers, type TestHub, asAdmin } from '../helper.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'
import { goldenPath } from '../golden-files.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000)

/** Small hostile values to fill an array with. */
const smallJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('__proto__', '\u0000', '\uD800'),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 })
  )
})).value

/** Paths of the arrays in a document (into the first item of each, to find nested ones). */
function arrayPaths (doc: unknown, path: string[] = []): string[][] {
  if (Array.isArray(doc)) return [path, ...(doc.length > 0 ? arrayPaths(doc[0], [...path, '0']) : [])]
  if (doc === null || typeof doc !== 'object') return []
  return Object.entries(doc).flatMap(([k, v]) => arrayPaths(v, [...path, k]))
}

/**
 * Huge arrays: a valid document with one of its arrays made thousands of items long (empty
 * objects, empty arrays, numbers, small hostile values), up to about 800 KB (the test hub's
 * BODY_LIMIT is 1 MiB). Every one refused 400 with a small problem document: at most 20 problems
 * listed, all of them counted.
 */
function hugeArrays (bases: readonly unknown[]): fc.Arbitrary<string> {
  const cases = bases.flatMap((base) => arrayPaths(base).map((path) => ({ base, path })))
  const item = fc.oneof(fc.constant({}), fc.constant([]), fc.constant(0), fc.constant(''), fc.constant(null), smallJson)
  return fc.tuple(fc.constantFrom(...cases), fc.integer({ min: 500, max: 60_000 }), item).map(([{ base, path }, n, one]) => {
    const copy = structuredClone(base) as Record<string, unknown>
    let node = copy
    for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>
    const each = JSON.stringify(one).length + 1
    node[path.at(-1) as string] = Array.from({ length: Math.min(n, Math.floor(800_000 / each)) }, () => one)
    return JSON.stringify(copy)
  })
}

const HUGE_RUNS = Math.max(10, Math.floor(RUNS / 50))

async function refusedSmall (t: Test, hub: TestHub, url: string, bodies: fc.Arbitrary<string>): Promise<void> {
  let n = 0
  await fc.assert(fc.asyncProperty(bodies, async (payload) => {
    const res = await asAdmin(hub).inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload })
    const about = `${url}, ${payload.length} bytes (${payload.slice(0, 120)}…)`
    if (res.statusCode !== 400) throw new Error(`${res.statusCode} for ${about}: ${res.body.slice(0, 300)}`)
    if (res.body.length >= 64 * 1024) throw new Error(`a ${res.body.length}-byte answer for ${about}`)
    const problem = res.json<{ errors?: unknown[], errorCount?: number }>()
    if (!Array.isArray(problem.errors) || problem.errors.length > 20 || (problem.errorCount ?? -1) < problem.errors.length) throw new Error(`an unbounded or uncounted list for ${about}: ${res.body.slice(0, 300)}`)
    n++
  }), { numRuns: HUGE_RUNS })
  t.pass(`${url}: ${n} bodies with a huge array, each refused 400 with a small answer`)
}

t.test('huge arrays in every array field of every body: refused small, nothing stored', async (t) => {
  const hub = await build(t, { role: 'api' })
  const golden = (name: string): unknown => JSON.parse(readFileSync(goldenPath(`${name}.json`), 'utf8'))
  const { code } = (await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', payload: example('land-use-right-transfer') })).json<DossierSummary>()
  const history = (await dossierRow(hub, code))?.history
  const version = (await dossierRow(hub, code))?.version

  const names = ['birth-registration', 'death-registration', 'marriage-registration', 'criminal-record-certificate', 'land-use-right-transfer', 'land-first-certificate', 'electricity-new-connection', 'electricity-contract-holder-change'] as const
  await refusedSmall(t, hub, '/v1/dossiers', hugeArrays(names.map((n) => example(n))))
  for (const [agency, name] of [['land-office', 'land-submission-transfer'], ['land-office', 'land-submission-first-certificate'], ['justice', 'justice-submission-criminal-record-certificate'], ['evn', 'electricity-submission-contract-holder-change']] as const) {
    await refusedSmall(t, hub, `/v1/agencies/${agency}/dossiers`, hugeArrays([golden(name)]))
  }
  // agency reports: the land office's golden reports, native and canonical, about this dossier
  const reports = golden('land-status-reports') as Array<{ native: Record<string, unknown>, mapped: { report: unknown } }>
  const withArrays = reports.filter((r) => arrayPaths(r.native).length > 0 || arrayPaths(r.mapped.report).length > 0)
  const events = withArrays.flatMap((r, i) => [
    { eventId: `huge-n-${i}`, agency: 'land-office', native: { ...r.native, MaHoSo: code, MaBuoc: 'land-registration' } },
    { eventId: `huge-c-${i}`, agency: 'land-office', step: 'land-registration', report: r.mapped.report }
  ])
  t.ok(events.length > 0, `${events.length} reports with arrays`)
  await refusedSmall(t, hub, `/v1/dossiers/${code}/events`, hugeArrays(events))
  await refusedSmall(t, hub, `/v1/dossiers/${code}/supplements`, hugeArrays([{
    supplementId: 'BS-1', note: 'Bổ sung', attachments: [{ componentCode: 'TP-BV', fileName: 'ban-ve.pdf', mediaType: 'application/pdf', byteSize: 2048, sha256: 'c'.repeat(64), url: 'https://dichvucong.example.gov.vn/files/ban-ve.pdf' }]
  }]))

  t.equal(await storedDossiers(hub), 1, 'no dossier stored but the one reported on')
  t.equal((await dossierRow(hub, code))?.history, history, 'no report recorded')
  t.equal((await dossierRow(hub, code))?.version, version, 'the dossier did not change')
})
