/**
 * A client generated from the hub's OpenAPI document by tools no one here wrote: openapi-typescript
 * turns /docs/json into types, openapi-fetch makes a client of them, TypeScript type-checks a
 * scenario written against that client, and the scenario then runs against a hub listening on a
 * port. The scenario goes through what an integrator does: the portal submits and follows a
 * dossier; the justice department's software submits one in its native format, reports on it in
 * its native format and reads its history; another agency asks for it and is told it does not
 * exist. `@ts-expect-error` lines check that the types say something: a submission without its
 * procedure, a report with a status no agency can send and a free-form native body must not
 * type-check (an untyped or `Record<string, never>` body would let the first two through and
 * refuse the real native bodies above them).
 *
 * openapi-typescript and openapi-fetch live in tools/ (installed by `npm install`'s postinstall):
 * openapi-typescript needs TypeScript 5's compiler API, which the hub's TypeScript 7 has not.
 */
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { build, example, startAgency, asAdmin } from '../helper.ts'
import { goldenText } from '../golden-files.ts'
import { fromRoot } from '../../src/paths.ts'

const tools = createRequire(fromRoot('tools', 'package.json'))

interface OpenApiTs {
  default: (doc: unknown) => Promise<unknown>
  astToString: (ast: unknown) => string
}

/** the scenario, as an integrator would write it against the generated client */
function scenarioSource (submission: unknown, nativeSubmission: unknown, nativeReport: unknown): string {
  const literal = (value: unknown): string => JSON.stringify(value, null, 2)
  return `import createClient from 'openapi-fetch'
import type { paths } from './hub-api.js'

type Submission = paths['/v1/dossiers']['post']['requestBody']['content']['application/json']
type NativeSubmission = paths['/v1/agencies/{agency}/dossiers']['post']['requestBody']['content']['application/json']
type AgencyEvent = paths['/v1/dossiers/{code}/events']['post']['requestBody']['content']['application/json']

export interface Outcome {
  portal: { submitted: number, code: string, read: number, status: string }
  justice: { submitted: number, code: string, reported: number, applied: boolean, history: number, types: string[] }
  otherAgency: { read: number, problemType: string }
}

const submission: Submission = ${literal(submission)}

const nativeSubmission: NativeSubmission = ${literal(nativeSubmission)}

/** the justice department's native report of its own dossier: received (trạng thái 1), now */
function nativeReport (code: string, at: string): AgencyEvent {
  return { eventId: 'client-' + code, agency: 'justice', native: { ...${literal(nativeReport)}, maHoSo: code, thoiDiemXuLy: at } }
}

// the types are not free-form: each of these is refused by the type checker
// @ts-expect-error the procedure is required
export const noProcedure: Submission = { ...submission, procedure: undefined }
// @ts-expect-error no agency reports a status 'done'
export const unknownStatus: AgencyEvent = { eventId: 'x', agency: 'justice', report: { status: 'done', occurredAt: '2026-12-01T08:00:00+07:00' } }
// @ts-expect-error a native submission is one of the adapters' formats, not any object
export const freeForm: NativeSubmission = { anything: 1 }

export async function scenario (baseUrl: string, keys: { portal: string, justice: string, evn: string }, at: string): Promise<Outcome> {
  const as = (key: string) => createClient<paths>({ baseUrl, headers: { authorization: 'Bearer ' + key } })
  const portal = as(keys.portal)
  const justice = as(keys.justice)

  const created = await portal.POST('/v1/dossiers', { body: submission })
  if (created.data === undefined) throw new Error('portal submission: ' + JSON.stringify(created.error))
  const code: string = created.data.code
  const read = await portal.GET('/v1/dossiers/{code}', { params: { path: { code } } })
  const status: string = read.data?.status ?? ''

  const own = await justice.POST('/v1/agencies/{agency}/dossiers', { params: { path: { agency: 'justice' } }, body: nativeSubmission })
  if (own.data === undefined) throw new Error('native submission: ' + JSON.stringify(own.error))
  const ownCode: string = own.data.code
  const reported = await justice.POST('/v1/dossiers/{code}/events', { params: { path: { code: ownCode } }, body: nativeReport(ownCode, at) })
  const applied: boolean = reported.data?.applied ?? false
  const history = await justice.GET('/v1/dossiers/{code}/history', { params: { path: { code: ownCode } } })
  const entries = history.data?.entries ?? []

  const other = await as(keys.evn).GET('/v1/dossiers/{code}', { params: { path: { code: ownCode } } })
  const problemType: string = other.error?.type ?? ''

  return {
    portal: { submitted: created.response.status, code, read: read.response.status, status },
    justice: { submitted: own.response.status, code: ownCode, reported: reported.response.status, applied, history: history.response.status, types: entries.map((e) => e.type) },
    otherAgency: { read: other.response.status, problemType }
  }
}
`
}

/** yyyyMMddHHmmss in Vietnam time, the justice format's time */
function justiceTime (d: Date): string {
  return new Date(d.getTime() + 7 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14)
}

t.test('a client generated from the OpenAPI document type-checks and runs an integrator\'s scenario', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const doc = (await asAdmin(hub).inject({ method: 'GET', url: '/docs/json' })).json<unknown>()
  const baseUrl = await hub.app.listen({ port: 0, host: '127.0.0.1' })

  const generator = await import(pathToFileURL(tools.resolve('openapi-typescript')).href) as OpenApiTs
  const types = generator.astToString(await generator.default(doc))
  t.match(types, /export interface paths/, 'openapi-typescript generated the paths')

  // inside tools/, so that the scenario's imports resolve to tools/node_modules (openapi-fetch)
  const dir = mkdtempSync(fromRoot('tools', '.typed-client-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const submission = { ...example('birth-registration'), source: { system: 'dvcqg', reference: 'CLIENT-1' } }
  const nativeSubmission = JSON.parse(goldenText('justice-submission-birth-registration.json')) as Record<string, unknown>
  const [nativeReport] = JSON.parse(goldenText('justice-status-examples.json')) as Array<Record<string, unknown>>
  writeFileSync(join(dir, 'hub-api.ts'), types)
  writeFileSync(join(dir, 'scenario.ts'), scenarioSource(submission, nativeSubmission, nativeReport))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], types: [], skipLibCheck: true },
    files: ['scenario.ts']
  }))

  // the hub's own type checker (TypeScript 7), without the test runner's loaders: tap's process
  // tracking puts them back into NODE_OPTIONS of every child, and its require hook cannot load tsc's
  // ES module, so `env -u` takes them out in the child
  const typeCheck = (): SpawnSyncReturns<string> => spawnSync('env', ['-u', 'NODE_OPTIONS', process.execPath, fromRoot('node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')],
    { encoding: 'utf8' })
  const tsc = typeCheck()
  t.equal(tsc.status, 0, `the scenario type-checks against the generated client (hub's tsc): ${tsc.stdout}${tsc.stderr}`)

  // the same scenario with a body the types refuse that is not marked as expected: the check fails
  const broken = readFileSync(join(dir, 'scenario.ts'), 'utf8').replace("// @ts-expect-error no agency reports a status 'done'\n", '')
  writeFileSync(join(dir, 'scenario.ts'), broken)
  const refused = typeCheck()
  t.not(refused.status, 0, 'a report with an unknown status does not type-check')
  t.match(refused.stdout, /scenario\.ts\(\d+,\d+\): error TS\d+: Type '"done"' is not assignable/, `the type checker names the status: ${refused.stdout}`)
  writeFileSync(join(dir, 'scenario.ts'), scenarioSource(submission, nativeSubmission, nativeReport))

  const { scenario } = await import(pathToFileURL(join(dir, 'scenario.ts')).href) as {
    scenario: (baseUrl: string, keys: { portal: string, justice: string, evn: string }, at: string) => Promise<{
      portal: { submitted: number, code: string, read: number, status: string }
      justice: { submitted: number, code: string, reported: number, applied: boolean, history: number, types: string[] }
      otherAgency: { read: number, problemType: string }
    }>
  }
  const outcome = await scenario(baseUrl, { portal: hub.keys.portal, justice: hub.keys.agencies.justice ?? '', evn: hub.keys.agencies.evn ?? '' }, justiceTime(new Date()))

  t.equal(outcome.portal.submitted, 201, 'the portal\'s submission: 201')
  t.match(outcome.portal.code, /^000\.31\.35\.H56-\d{6}-\d{4}$/, 'with the code the hub issued')
  t.equal(outcome.portal.read, 200, 'the portal reads its dossier')
  t.equal(outcome.portal.status, 'received', 'received')
  t.equal(outcome.justice.submitted, 201, 'the native submission: 201')
  t.not(outcome.justice.code, outcome.portal.code, 'a dossier of its own')
  t.equal(outcome.justice.reported, 201, 'the native report: 201')
  t.equal(outcome.justice.applied, true, 'applied')
  t.equal(outcome.justice.history, 200, 'the agency reads its dossier\'s history')
  t.ok(outcome.justice.types.includes('agency-report'), `the history has the report (${outcome.justice.types.join(', ')})`)
  t.equal(outcome.otherAgency.read, 404, 'another agency is told the dossier does not exist')
  t.match(outcome.otherAgency.problemType, /dossier-not-found/, 'with the problem type')
})
