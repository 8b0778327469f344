/**
 * A refusal costs little whatever the body (issue 12, items 2 and 3): the worst bodies up to
 * BODY_LIMIT — an array field filled with empty objects, thousands of unknown properties, a
 * property name as long as the body — are refused 400 with a small answer (< 64 KB) that lists the
 * first problems and counts them all, and nothing is stored. A statistics period is checked against
 * its bound from the two dates alone. No timing here: `npm run bench` measures the CPU per refusal.
 */
import t from 'tap'
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import { build, dossierRow, example, storedDossiers, type TestHub, asAdmin } from '../helper.ts'
import { createAjv } from '../../src/validation/ajv.ts'
import { UNKNOWN_PROPERTIES_NAMED } from '../../src/validation/limits.ts'
import { MAX_LISTED_PROBLEMS } from '../../src/http/problem.ts'
import { periodDays } from '../../src/domain/stats.ts'
import { MAX_STATS_DAYS } from '../../src/services/stats-service.ts'
import type { DossierSummary, Problem } from '../../src/types/schemas.generated.ts'
import { apiSchemas, procedureDataSchemas } from '../../src/schemas.ts'
import { adapters } from '../../adapters/index.ts'
import { goldenPath } from '../golden-files.ts'

/** the test hubs' BODY_LIMIT: half a MiB keeps the run short; the bench refuses 1 MiB bodies */
const BODY_LIMIT = 512 * 1024
const SMALL_ANSWER = 64 * 1024

const golden = (name: string): Record<string, unknown> => JSON.parse(readFileSync(goldenPath(`${name}.json`), 'utf8')) as Record<string, unknown>

/** `base` with the array at `path` filled with `{}` until the body is just under BODY_LIMIT. */
function filled (base: unknown, path: readonly string[], item: unknown = {}): string {
  const copy = structuredClone(base) as Record<string, unknown>
  let node = copy
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>
  node[path.at(-1) as string] = []
  const room = BODY_LIMIT - Buffer.byteLength(JSON.stringify(copy)) - 64
  const one = JSON.stringify(item).length + 1
  node[path.at(-1) as string] = Array.from({ length: Math.floor(room / one) }, () => item)
  const text = JSON.stringify(copy)
  if (Buffer.byteLength(text) > BODY_LIMIT) throw new Error('the test body is over the limit')
  return text
}

/** `base` with unknown properties added at `path` until the body is just under BODY_LIMIT. */
function unknownProperties (base: unknown, path: readonly string[] = []): string {
  const copy = structuredClone(base) as Record<string, unknown>
  let node = copy
  for (const k of path) node = node[k] as Record<string, unknown>
  const room = BODY_LIMIT - Buffer.byteLength(JSON.stringify(copy)) - 64
  for (let i = 0; i < room / 12; i++) node[`u${i.toString(36)}`] = 0
  return JSON.stringify(copy)
}

/** `base` with one unknown property whose name is almost the whole body. */
function longName (base: unknown): string {
  const copy = structuredClone(base) as Record<string, unknown>
  copy['x'.repeat(BODY_LIMIT - Buffer.byteLength(JSON.stringify(copy)) - 64)] = 0
  return JSON.stringify(copy)
}

/** Refused 400, as a small problem document with a bounded list and the full count. */
async function refusedSmall (t: Test, hub: TestHub, url: string, payload: string, what: string, headers: Record<string, string> = {}): Promise<Problem> {
  const res = await asAdmin(hub).inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload })
  t.equal(res.statusCode, 400, `${what}: 400`)
  t.ok(res.body.length < SMALL_ANSWER, `${what}: the answer is small (${res.body.length} bytes for a body of ${payload.length})`)
  const problem = res.json<Problem>()
  t.ok(Array.isArray(problem.errors) && problem.errors.length >= 1 && problem.errors.length <= MAX_LISTED_PROBLEMS, `${what}: 1 to ${MAX_LISTED_PROBLEMS} problems listed (${problem.errors?.length})`)
  t.ok(typeof problem.errorCount === 'number' && problem.errorCount >= (problem.errors?.length ?? 0), `${what}: errorCount ${problem.errorCount} counts them all`)
  return problem
}

// `if` errors are Ajv's note that a guard's `then` failed; toFieldErrors drops them
t.test('Ajv: a value beyond its limit gets that one error, not one per item or property', async (t) => {
  const ajv = createAjv({}, [])
  const list = ajv.compile({ type: 'array', maxItems: 3, items: { type: 'object', required: ['a'], properties: { a: { type: 'string' } } } })
  t.notOk(list(Array.from({ length: 10_000 }, () => ({}))))
  t.same(list.errors?.map((e) => e.keyword), ['maxItems'], '10 000 bad items beyond maxItems: one error')
  t.notOk(list([{}, {}]))
  t.same(list.errors?.filter((e) => e.keyword !== 'if').map((e) => e.keyword), ['required', 'required'], 'within maxItems the items are checked as before')

  const closed = ajv.compile({ type: 'object', additionalProperties: false, properties: { a: { type: 'string' } } })
  t.notOk(closed(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`u${i}`, 0]))))
  t.same(closed.errors?.filter((e) => e.keyword !== 'if').map((e) => e.keyword), ['maxProperties'], '10 000 unknown properties: one error')
  t.notOk(closed({ a: 'x', b: 1, c: 2 }))
  t.same(closed.errors?.filter((e) => e.keyword !== 'if').map((e) => e.params), [{ additionalProperty: 'b' }, { additionalProperty: 'c' }], `up to ${UNKNOWN_PROPERTIES_NAMED} unknown properties are named one by one`)

  const text = ajv.compile({ type: 'string', maxLength: 5, pattern: '^a+$' })
  t.notOk(text('b'.repeat(100_000)))
  t.same(text.errors?.map((e) => e.keyword), ['maxLength'], 'a string beyond maxLength is not matched against its pattern')
})

t.test('POST /v1/dossiers: the worst bodies up to BODY_LIMIT are refused small, nothing stored', async (t) => {
  const hub = await build(t, { role: 'api', bodyLimit: BODY_LIMIT })
  const birth = example('birth-registration')
  const land = example('land-use-right-transfer')
  const bodies: Array<[string, string]> = [
    ['attachments filled with {}', filled(birth, ['attachments'])],
    ['fees filled with {}', filled(birth, ['fees'])],
    ['attachments filled with []', filled(birth, ['attachments'], [])],
    ['data.transferors filled with {}', filled(land, ['data', 'transferors'])],
    ['unknown properties at the top', unknownProperties(birth)],
    ['unknown properties in the applicant', unknownProperties(birth, ['applicant'])],
    ['an unknown property named by the whole body', longName(birth)]
  ]
  for (const [what, payload] of bodies) await refusedSmall(t, hub, '/v1/dossiers', payload, what)

  // within every limit, but wrong everywhere: the list is bounded, the count is not
  const wrong = { ...birth, attachments: Array.from({ length: 100 }, () => ({ componentCode: 1, fileName: 2, mediaType: 3, byteSize: 'x', sha256: 4, url: 5 })) }
  const problem = await refusedSmall(t, hub, '/v1/dossiers', JSON.stringify(wrong), '100 attachments with 6 wrong fields each')
  t.equal(problem.errors?.length, MAX_LISTED_PROBLEMS, 'the first problems are listed')
  t.ok((problem.errorCount ?? 0) >= 600, `all ${problem.errorCount} are counted`)
  t.match(problem.detail, /600|6\d\d/, 'the detail gives the count too')

  t.equal(await storedDossiers(hub), 0, 'nothing stored')
})

t.test('native agency submissions: the worst bodies are refused small, nothing stored', async (t) => {
  const hub = await build(t, { role: 'api', bodyLimit: BODY_LIMIT })
  const land = golden('land-submission-transfer')
  const justice = golden('justice-submission-death-registration')
  await refusedSmall(t, hub, '/v1/agencies/land-office/dossiers', filled(land, ['GiayToKemTheo']), 'land GiayToKemTheo filled with {}')
  await refusedSmall(t, hub, '/v1/agencies/land-office/dossiers', filled(land, ['BenChuyenNhuong']), 'land BenChuyenNhuong filled with {}')
  await refusedSmall(t, hub, '/v1/agencies/land-office/dossiers', unknownProperties(land), 'land: unknown properties')
  await refusedSmall(t, hub, '/v1/agencies/justice/dossiers', filled(justice, ['giayToDinhKem']), 'justice giayToDinhKem filled with {}')
  await refusedSmall(t, hub, '/v1/agencies/justice/dossiers', longName(justice), 'justice: a property named by the whole body')
  t.equal(await storedDossiers(hub), 0, 'nothing stored')
})

t.test('agency reports and supplements: the worst bodies are refused small, nothing recorded', async (t) => {
  const hub = await build(t, { role: 'api', bodyLimit: BODY_LIMIT })
  const { code } = (await asAdmin(hub).inject({ method: 'POST', url: '/v1/dossiers', payload: example('land-use-right-transfer') })).json<DossierSummary>()
  const history = (await dossierRow(hub, code))?.history
  const version = (await dossierRow(hub, code))?.version
  const events = `/v1/dossiers/${code}/events`
  const canonical = { eventId: 'e-1', agency: 'land-office', step: 'land-registration', report: { status: 'resolved', results: [] as unknown[] } }
  await refusedSmall(t, hub, events, filled(canonical, ['report', 'results']), 'report.results filled with {}')
  await refusedSmall(t, hub, events, filled({ ...canonical, report: { status: 'supplement-requested', missing: [] } }, ['report', 'missing']), 'report.missing filled with {}')
  const native = { eventId: 'e-2', agency: 'land-office', native: { MaHoSo: code, MaBuoc: 'land-registration', MaTrangThai: 'DA_CO_KET_QUA', ThoiDiem: '20261123100000', DanhSachGiayToKetQua: [] } }
  await refusedSmall(t, hub, events, filled(native, ['native', 'DanhSachGiayToKetQua']), 'native DanhSachGiayToKetQua filled with {}')
  await refusedSmall(t, hub, events, unknownProperties(native, ['native']), 'native: unknown properties')
  t.equal((await dossierRow(hub, code))?.history, history, 'no report recorded')

  const supplements = `/v1/dossiers/${code}/supplements`
  await refusedSmall(t, hub, supplements, filled({ supplementId: 'S-1', attachments: [] }, ['attachments']), 'supplement attachments filled with {}')
  await refusedSmall(t, hub, supplements, longName({ supplementId: 'S-2', attachments: [] }), 'supplement: a property named by the whole body')
  t.equal((await dossierRow(hub, code))?.version, version, 'the dossier did not change')
})

t.test('statistics: the period is bounded from its two dates, before any query', async (t) => {
  t.equal(periodDays('2026-01-01', '2026-01-01'), 1, 'one day')
  t.equal(periodDays('2024-01-01', '2024-12-31'), 366, 'a leap year')
  t.equal(periodDays('0001-01-01', '9999-12-31'), 3_652_059, 'ten thousand years, counted, not listed')
  t.equal(periodDays('2026-02-01', '2026-01-01'), 0, 'backwards: no day')

  const hub = await build(t, { role: 'api' })
  const res = await asAdmin(hub).inject('/v1/stats?from=0001-01-01&to=9999-12-31')
  t.equal(res.statusCode, 400)
  const problem = res.json<Problem>()
  t.equal(problem.errors?.[0]?.parameter, 'from')
  t.match(problem.errors?.[0]?.detail, new RegExp(`3652059 days.*at most ${MAX_STATS_DAYS}`), 'names the length and the bound')
})

/** Every array of every schema a request body is validated against has a maxItems. */
t.test('every array a request body may hold has a maxItems', async (t) => {
  const hub = await build(t, { role: 'api' })
  const registry = new Map<string, unknown>()
  for (const s of apiSchemas) registry.set(s.$id as string, s)
  // [what, schema, the document its local $refs point into]
  const roots: Array<[string, unknown, unknown]> = []
  for (const adapter of adapters.values()) {
    for (const s of Object.values(adapter.nativeSchemas) as Array<{ $id?: string }>) if (s.$id !== undefined) registry.set(s.$id, s)
    // what agencies send the hub (request is what the hub sends them)
    const { submission, status, supplement, withdrawal } = adapter.nativeSchemas
    for (const [kind, s] of Object.entries({ submission, status, supplement, withdrawal })) if (s !== undefined) roots.push([`${adapter.name} ${kind}`, s, s])
  }
  // every route's body, as the OpenAPI document shows it (its $refs point into its components)
  const spec = hub.app.swagger() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>> }
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      for (const { schema } of Object.values(op.requestBody?.content ?? {})) roots.push([`${method.toUpperCase()} ${path}`, schema, spec])
    }
  }
  for (const [id, s] of procedureDataSchemas) roots.push([`procedure data ${id}`, s, s])

  const unbounded = new Set<string>()
  const seen = new Set<unknown>()
  const visit = (node: unknown, root: unknown, where: string): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return
    seen.add(node)
    if (Array.isArray(node)) { node.forEach((n, i) => { visit(n, root, `${where}/${i}`) }); return }
    const s = node as Record<string, unknown>
    if ((s.type === 'array' || s.items !== undefined) && typeof s.maxItems !== 'number') unbounded.add(where)
    if (typeof s.$ref === 'string') {
      const [id = '', pointer = ''] = s.$ref.split('#')
      const base = id === '' ? root : registry.get(id)
      let target: unknown = base
      for (const k of pointer.split('/').filter((x) => x !== '')) target = (target as Record<string, unknown> | undefined)?.[k]
      if (target === undefined) t.fail(`${where}: $ref ${s.$ref} not found`)
      visit(target, base, s.$ref)
    }
    for (const [k, v] of Object.entries(s)) if (!['enum', 'const', 'examples', 'default', 'required'].includes(k)) visit(v, root, `${where}/${k}`)
  }
  for (const [name, schema, root] of roots) visit(schema, root, name)
  t.same([...unbounded], [], 'no array without maxItems')
  t.ok(roots.length > 20, `${roots.length} schemas walked`)
})
