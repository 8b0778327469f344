import t from 'tap'
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { fileDatabase, freePort } from '../helper.ts'
import { loadEnv, trustProxyOf } from '../../src/config/env.ts'
import { loadHubConfig, resolveHubConfig } from '../../src/config/hub-config.ts'
import { ConfigError } from '../../src/config/errors.ts'
import { envSchema } from '../../src/schemas.ts'
import { fromRoot } from '../../src/paths.ts'

/** Runs `fn`, expecting a ConfigError; returns it (or fails the test and returns undefined). */
function configError (t: Test, fn: () => unknown): ConfigError | undefined {
  try {
    fn()
  } catch (err) {
    t.type(err, ConfigError, 'throws a ConfigError')
    return err instanceof ConfigError ? err : undefined
  }
  t.fail('expected a ConfigError, but nothing was thrown')
  return undefined
}

type Raw = { agencies: Record<string, Record<string, unknown>>, procedures: Record<string, Record<string, unknown>>, [k: string]: unknown }
const shipped = (): Raw => JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as Raw
const BIRTH = '1.001193.000.00.00.H56'
const ELECTRICITY = '9.000001.000.00.00.H56'

t.test('loadEnv: defaults from schemas/env.schema.json, numeric strings converted, blanks count as unset', async (t) => {
  const env = loadEnv({})
  t.same(env, {
    PORT: 3000,
    HOST: '127.0.0.1',
    REDIS_PREFIX: 'hub',
    REDIS_DATA_DIR: 'data/redis',
    LOG_LEVEL: 'info',
    HUB_CONFIG: 'config/hub.json',
    HUB_ROLE: 'all',
    BODY_LIMIT: 4194304,
    INLINE_ATTACHMENT_LIMIT: 262144,
    SHUTDOWN_TIMEOUT_MS: 30000,
    SHUTDOWN_DRAIN_MS: 0,
    RECONCILE_INTERVAL_MS: 15000,
    RATE_LIMIT_MAX: 6000,
    RATE_LIMIT_WINDOW_MS: 60000,
    TRUST_PROXY: 'false',
    REQUEST_TIMEOUT_MS: 30000,
    WORKER_LOCK_MS: 30000
  }, 'every default, and REDIS_URL stays unset')
  t.same(trustProxyOf('false'), false)
  t.same(trustProxyOf('true'), true)
  t.same(trustProxyOf('10.0.0.0/8, 127.0.0.1'), ['10.0.0.0/8', '127.0.0.1'], 'a list of proxies')
  const bad = configError(t, () => loadEnv({ TRUST_PROXY: 'yes please' }))
  t.match(bad?.problems, [/^TRUST_PROXY: expected /], 'a wrong TRUST_PROXY is named')
  t.notOk('REDIS_URL' in env, 'no REDIS_URL default: the hub decides at start-up')

  const given = loadEnv({
    PORT: '8080',
    BODY_LIMIT: '2048',
    INLINE_ATTACHMENT_LIMIT: '0',
    SHUTDOWN_TIMEOUT_MS: '1000',
    RECONCILE_INTERVAL_MS: '3600000',
    HOST: '  0.0.0.0  ',
    LOG_LEVEL: 'debug',
    HUB_ROLE: 'worker',
    REDIS_URL: 'rediss://user:pw@redis.example:6380/1',
    REDIS_PREFIX: '{lienthong}',
    UNRELATED: 'ignored'
  })
  t.equal(given.PORT, 8080, "'8080' becomes the number 8080")
  t.equal(given.BODY_LIMIT, 2048)
  t.equal(given.INLINE_ATTACHMENT_LIMIT, 0, '0 is a valid limit, not a missing one')
  t.equal(given.SHUTDOWN_TIMEOUT_MS, 1000)
  t.equal(given.RECONCILE_INTERVAL_MS, 3600000)
  t.equal(given.HOST, '0.0.0.0', 'surrounding spaces are trimmed')
  t.equal(given.LOG_LEVEL, 'debug')
  t.equal(given.HUB_ROLE, 'worker')
  t.equal(given.REDIS_URL, 'rediss://user:pw@redis.example:6380/1')
  t.equal(given.REDIS_PREFIX, '{lienthong}')
  t.notOk('UNRELATED' in given, 'variables the hub does not read are not picked up')

  t.equal(loadEnv({ PORT: '1' }).PORT, 1, 'lowest port')
  t.equal(loadEnv({ PORT: '65535' }).PORT, 65535, 'highest port')

  const blank = loadEnv({ PORT: '', HOST: '   ', LOG_LEVEL: '\t', REDIS_URL: ' ', HUB_ROLE: '', BODY_LIMIT: undefined })
  t.equal(blank.PORT, 3000, 'an empty PORT is the default')
  t.equal(blank.HOST, '127.0.0.1', 'a blank HOST is the default')
  t.equal(blank.LOG_LEVEL, 'info', 'a blank LOG_LEVEL is the default')
  t.equal(blank.HUB_ROLE, 'all')
  t.equal(blank.BODY_LIMIT, 4194304)
  t.notOk('REDIS_URL' in blank, 'a blank REDIS_URL is unset, not an invalid URL')
})

t.test('loadEnv: each wrong value gives one message naming the variable and what is expected', async (t) => {
  const cases: Array<[name: string, value: string, expected: RegExp]> = [
    ['PORT', 'abc', /integer TCP port from 1 to 65535/],
    ['PORT', '70000', /integer TCP port from 1 to 65535/],
    ['PORT', '80.5', /integer TCP port from 1 to 65535/],
    ['LOG_LEVEL', 'loud', /one of fatal, error, warn, info, debug, trace, silent/],
    ['HUB_ROLE', 'both', /one of all\b.*\bapi, worker/],
    ['REDIS_URL', 'http://x', /redis:\/\/ or rediss:\/\/ URL/],
    ['REDIS_PREFIX', 'a:b', /letters, digits/],
    ['BODY_LIMIT', '10', /integer number of bytes from 1024 to 104857600/],
    ['INLINE_ATTACHMENT_LIMIT', '-1', /integer number of bytes from 0 to 52428800/],
    ['SHUTDOWN_TIMEOUT_MS', '5', /integer number of milliseconds from 1000 to 600000/],
    ['RECONCILE_INTERVAL_MS', 'x', /integer number of milliseconds from 1000 to 3600000/]
  ]
  for (const [name, value, expected] of cases) {
    const err = configError(t, () => loadEnv({ [name]: value }))
    t.equal(err?.problems.length, 1, `${name}=${value}: exactly one problem`)
    const message = err?.problems[0] ?? ''
    t.ok(message.startsWith(`${name}: `), `${name}=${value}: the message starts with the variable's name (${message})`)
    t.match(message, expected, `${name}=${value}: the message says what is expected`)
    if (name !== 'REDIS_URL') t.ok(message.includes(JSON.stringify(value)), `${name}=${value}: the message quotes the value given`)
    t.ok(err?.message.includes(message), `${name}=${value}: the error's message lists the problem`)
  }
})

t.test('loadEnv: several wrong values are all reported, one message each', async (t) => {
  const err = configError(t, () => loadEnv({
    PORT: 'abc',
    LOG_LEVEL: 'loud',
    HUB_ROLE: 'both',
    REDIS_URL: 'http://x',
    BODY_LIMIT: '10',
    HOST: '127.0.0.1',
    SHUTDOWN_TIMEOUT_MS: '30000'
  }))
  const names = (err?.problems ?? []).map((p) => p.split(':')[0]).sort()
  t.same(names, ['BODY_LIMIT', 'HUB_ROLE', 'LOG_LEVEL', 'PORT', 'REDIS_URL'], 'one message per wrong variable, none for the right ones')
  for (const p of err?.problems ?? []) t.match(p, /^[A-Z_]+: expected /, `"${p}" says what is expected`)
})

t.test('loadEnv: the REDIS_URL value is never repeated (it may hold a password)', async (t) => {
  const value = 'http://user:secret@x'
  for (const source of [{ REDIS_URL: value }, { REDIS_URL: value, PORT: '0', LOG_LEVEL: 'loud' }]) {
    const err = configError(t, () => loadEnv(source))
    const problem = err?.problems.find((p) => p.startsWith('REDIS_URL: '))
    t.ok(problem, 'REDIS_URL is reported')
    t.match(problem ?? '', /redis:\/\/ or rediss:\/\//, 'and says what is expected')
    for (const text of [...(err?.problems ?? []), err?.message ?? '', String(err?.stack)]) {
      t.notOk(text.includes('secret'), `the password does not appear in: ${text.split('\n')[0] ?? ''}`)
      t.notOk(text.includes(value), 'nor the URL itself')
    }
  }
})

t.test('resolveHubConfig: the shipped config/hub.json is accepted and defaults are filled in', async (t) => {
  const raw = shipped()
  const settings = resolveHubConfig(raw, 'origin')
  t.same([...settings.agencies.keys()].sort(), Object.keys(raw.agencies).sort(), 'every agency')
  t.same([...settings.procedures.keys()].sort(), Object.keys(raw.procedures).sort(), 'every procedure')
  for (const [id, agency] of settings.agencies) {
    t.equal(agency.id, id, `${id}: carries its id`)
    t.equal(agency.timeoutMs, 10000, `${id}: default timeoutMs`)
    t.equal(agency.concurrency, 8, `${id}: default concurrency`)
    t.same(agency.retry, { attempts: 10, baseDelayMs: 2000, maxDelayMs: 3600000 }, `${id}: default retry policy`)
    t.equal(agency.endpoint, raw.agencies[id]?.endpoint, `${id}: endpoint kept`)
    t.equal(agency.adapter, raw.agencies[id]?.adapter, `${id}: adapter kept`)
  }
  const birth = settings.procedures.get(BIRTH)
  t.equal(birth?.code, BIRTH)
  t.equal(birth?.dataSchema, 'birth-registration')
  t.same(birth?.steps.map((s) => [s.id, s.agency, s.stage, s.lead]), [['civil-status', 'justice', 0, true], ['residence', 'police-residence', 1, false], ['health-insurance', 'social-insurance', 1, false]], 'the linked route, in stages')
  t.notOk('timeoutMs' in (raw.agencies.evn ?? {}), 'the object passed in is not modified')
  t.equal(birth?.paperResult, true, 'the catalogue says a birth registration issues a paper result (the birth certificate)')
  t.same(settings.indicatorMaxScores, {}, 'no maximum score configured: each scored indicator counts the placeholder')
  t.same(resolveHubConfig({ ...shipped(), indicators: { maxScores: { 2.1: 20, 3.3: 6 } } }, 'origin').indicatorMaxScores, { 2.1: 20, 3.3: 6 })

  const partial = shipped()
  Object.assign(partial.agencies.evn ?? {}, { timeoutMs: 500, concurrency: 2, retry: { attempts: 3 } })
  const evn = resolveHubConfig(partial, 'origin').agencies.get('evn')
  t.equal(evn?.timeoutMs, 500, 'a given timeoutMs is kept')
  t.equal(evn?.concurrency, 2, 'a given concurrency is kept')
  t.same(evn?.retry, { attempts: 3, baseDelayMs: 2000, maxDelayMs: 3600000 }, 'a partial retry policy is completed')
})

type RawStage = { steps: Array<Record<string, unknown>> }
const stagesOf = (c: Raw, code: string): RawStage[] => (c.procedures[code]?.stages ?? []) as RawStage[]

t.test('resolveHubConfig: routes resolve to ordered steps; agencies is a one-stage shorthand; secrets are read once', async (t) => {
  const settings = resolveHubConfig(shipped(), 'origin')
  const land = settings.procedures.get('1.004227.000.00.00.H56')
  t.same(land?.steps.map((s) => `${s.stage}:${s.id}@${s.agency}`), ['0:land-registration@land-office', '1:tax@tax', '2:land-certificate@land-office'], 'land office, tax, land office again')
  t.equal(land?.lead, 'land-registration')
  const death = settings.procedures.get('1.000656.000.00.00.H56')
  t.same(death?.steps.map((s) => [s.id, s.required]), [['civil-status', true], ['residence', true], ['funeral-allowance', false]], 'required defaults to true')
  const evn = settings.procedures.get(ELECTRICITY)
  t.same(evn?.steps, [{ id: 'evn', agency: 'evn', stage: 0, required: true, lead: true }], 'agencies: [evn] is one step, its id the agency id, leading')
  t.equal(settings.duplicateWindowMs, 72 * 3_600_000, 'the duplicate window in ms')
  t.equal(settings.agencies.get('evn')?.auth?.type, 'bearer')
  t.equal(settings.agencies.get('evn')?.auth?.secret, readFileSync(fromRoot('config', 'dev-secrets', 'evn.token'), 'utf8').trim(), 'the token is read from its file, trimmed')
  t.equal(settings.agencies.get('justice')?.auth, undefined, 'no auth when none is configured')

  const raw = shipped()
  ;(raw.agencies.justice ?? {}).auth = { type: 'hmac-sha256', secretEnv: 'JUSTICE_HMAC_KEY' }
  const fromEnv = resolveHubConfig(raw, 'origin', { env: { JUSTICE_HMAC_KEY: '  k3y-from-env  ' } })
  t.same(fromEnv.agencies.get('justice')?.auth, { type: 'hmac-sha256', secret: 'k3y-from-env' }, 'a secret from the environment')
  const off = shipped()
  off.intake = { duplicateWindowHours: 0 }
  t.equal(resolveHubConfig(off, 'origin').duplicateWindowMs, 0, 'the window can be turned off')
})

t.test('resolveHubConfig: each kind of mistake is rejected with a message naming the JSON pointer', async (t) => {
  const cases: Array<[what: string, change: (c: Raw) => void, pointer: string, detail: RegExp]> = [
    ['a missing procedures', (c) => { delete (c as Partial<Raw>).procedures }, '/procedures', /required/],
    ['an unknown top-level property', (c) => { c.routes = {} }, '/routes', /not allowed|unknown/],
    ['an unknown agency property', (c) => { (c.agencies.evn ?? {}).timeout = 5 }, '/agencies/evn/timeout', /not allowed|unknown/],
    ['an endpoint that is not http(s)', (c) => { (c.agencies.evn ?? {}).endpoint = 'ftp://files.example/evn' }, '/agencies/evn/endpoint', /https\?|http/],
    ['a procedure routed to an unknown agency', (c) => { (c.procedures[ELECTRICITY] ?? {}).agencies = ['evn', 'police'] }, `/procedures/${ELECTRICITY}/agencies/1`, /"police".*not under \/agencies/],
    ['an adapter that does not exist', (c) => { (c.agencies.justice ?? {}).adapter = 'civil-status' }, '/agencies/justice/adapter', /"civil-status".*generic/],
    ['a dataSchema not in schemas/procedures/', (c) => { (c.procedures[ELECTRICITY] ?? {}).dataSchema = 'water-connection' }, `/procedures/${ELECTRICITY}/dataSchema`, /"water-connection".*schemas\/procedures\/.*birth-registration/],
    ['an agency id with a colon', (c) => { c.agencies['evn:north'] = { ...c.agencies.evn } }, '/agencies/evn:north', /not a valid name/],
    ['a procedure with both agencies and stages', (c) => { (c.procedures[BIRTH] ?? {}).agencies = ['justice'] }, `/procedures/${BIRTH}`, /either agencies .* or stages/],
    ['a procedure with neither agencies nor stages', (c) => { delete (c.procedures[ELECTRICITY] ?? {}).agencies }, `/procedures/${ELECTRICITY}`, /not neither/],
    ['a step id used twice', (c) => { stagesOf(c, BIRTH)[1]?.steps.push({ id: 'civil-status', agency: 'justice' }) }, `/procedures/${BIRTH}/stages/1/steps/2`, /"civil-status" is used twice/],
    ['a paperResult that is not a boolean', (c) => { (c.procedures[BIRTH] ?? {}).paperResult = 'yes' }, `/procedures/${BIRTH}/paperResult`, /boolean/],
    ['a maximum score of 0', (c) => { c.indicators = { maxScores: { 2.1: 0 } } }, '/indicators/maxScores/2.1', /> 0|greater|exclusiveMinimum|must be/],
    ['a maximum score for 2.2 (not scored)', (c) => { c.indicators = { maxScores: { 2.2: 5 } } }, '/indicators/maxScores/2.2', /not allowed|unknown/],
    ['one agency twice without step ids', (c) => { c.procedures[ELECTRICITY] = { name: 'x', dataSchema: 'electricity-new-connection', stages: [{ steps: [{ agency: 'evn' }] }, { steps: [{ agency: 'evn' }] }] } }, `/procedures/${ELECTRICITY}/stages/1/steps/0`, /"evn" is used twice/],
    ['a step at an unknown agency', (c) => { stagesOf(c, BIRTH)[1]?.steps.push({ id: 'x', agency: 'police' }) }, `/procedures/${BIRTH}/stages/1/steps/2`, /"police".*not under \/agencies/],
    ['a lead that is not a step', (c) => { (c.procedures[BIRTH] ?? {}).lead = 'tax' }, `/procedures/${BIRTH}/lead`, /"tax", which is not a step/],
    ['a stage without a required step', (c) => { for (const step of stagesOf(c, BIRTH)[1]?.steps ?? []) step.required = false }, `/procedures/${BIRTH}/stages/1`, /no required step/],
    ['auth without a secret', (c) => { (c.agencies.justice ?? {}).auth = { type: 'bearer' } }, '/agencies/justice/auth', /exactly one of secretEnv and secretFile/],
    ['auth with both secrets', (c) => { (c.agencies.justice ?? {}).auth = { type: 'bearer', secretEnv: 'X', secretFile: 'y' } }, '/agencies/justice/auth', /exactly one of secretEnv and secretFile/],
    ['auth from an unset variable', (c) => { (c.agencies.justice ?? {}).auth = { type: 'hmac-sha256', secretEnv: 'HUB_TEST_UNSET_SECRET' } }, '/agencies/justice/auth/secretEnv', /HUB_TEST_UNSET_SECRET, which is not set/],
    ['auth from a missing file', (c) => { (c.agencies.justice ?? {}).auth = { type: 'bearer', secretFile: 'config/no-such-secret' } }, '/agencies/justice/auth/secretFile', /cannot be read \(ENOENT\)/],
    ['an unknown auth type', (c) => { (c.agencies.justice ?? {}).auth = { type: 'basic', secretEnv: 'X' } }, '/agencies/justice/auth/type', /bearer|hmac/]
  ]
  for (const [what, change, pointer, detail] of cases) {
    const raw = shipped()
    change(raw)
    const err = configError(t, () => resolveHubConfig(raw, 'origin'))
    const problems = err?.problems ?? []
    t.ok(problems.length >= 1, `${what}: at least one problem`)
    const named = problems.filter((p) => p.startsWith(`origin: ${pointer} `))
    t.ok(named.length >= 1, `${what}: a message names origin and ${pointer} (got ${JSON.stringify(problems)})`)
    t.ok(named.some((p) => detail.test(p)), `${what}: the message says what is wrong`)
    t.ok(problems.every((p) => p.startsWith('origin: /')), `${what}: every message starts with the origin and a pointer`)
  }
})

t.test('loadHubConfig: the shipped file loads; a missing or malformed file is a ConfigError naming HUB_CONFIG', async (t) => {
  const settings = loadHubConfig(fromRoot('config', 'hub.json'))
  t.same([...settings.agencies.keys()].sort(), Object.keys(shipped().agencies).sort())

  const dir = t.testdir()
  const missing = join(dir, 'does-not-exist.json')
  const noFile = configError(t, () => loadHubConfig(missing))
  t.equal(noFile?.problems.length, 1)
  t.ok(noFile?.problems[0]?.startsWith('HUB_CONFIG: '), 'a missing file: the message starts with HUB_CONFIG')
  t.ok(noFile?.problems[0]?.includes(missing), 'and names the file')
  t.match(noFile?.problems[0] ?? '', /ENOENT/, 'and why it cannot be read')

  const broken = join(dir, 'broken.json')
  writeFileSync(broken, '{ "agencies": { "evn": ')
  const badJson = configError(t, () => loadHubConfig(broken))
  t.equal(badJson?.problems.length, 1)
  t.ok(badJson?.problems[0]?.startsWith('HUB_CONFIG: '), 'invalid JSON: the message starts with HUB_CONFIG')
  t.ok(badJson?.problems[0]?.includes(broken), 'and names the file')
  t.match(badJson?.problems[0] ?? '', /not valid JSON/)

  const empty = join(dir, 'empty-object.json')
  writeFileSync(empty, '{}')
  const invalid = configError(t, () => loadHubConfig(empty))
  t.same(invalid?.problems.slice().sort(), [`${empty}: /agencies is required`, `${empty}: /procedures is required`].sort(), 'schema problems are named by the file path and the pointer')
})

interface Exit { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, timedOut: boolean }

/** Starts `src/server.ts` in a real child process, with only the hub variables given here set. */
async function runServer (t: Test, vars: Record<string, string>, args: string[] = []): Promise<Exit> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of Object.keys(envSchema.properties ?? {})) delete env[name]
  Object.assign(env, {
    REDIS_URL: 'redis://127.0.0.1:6379',
    DATABASE_URL: (await fileDatabase()).url,
    REDIS_PREFIX: `test-config-${process.pid}-${randomBytes(4).toString('hex')}`,
    PORT: String(await freePort()),
    ...vars
  })
  const child = spawn(process.execPath, ['--import=tsx', 'src/server.ts', ...args], { cwd: fromRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8') })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8') })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, 20_000)
  t.teardown(() => { clearTimeout(timer); if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('close', (c, s) => { resolve([c, s]) })
  })
  clearTimeout(timer)
  return { code, signal, stdout, stderr, timedOut }
}

t.test('process: PORT=abc exits with code 1, naming PORT and what is expected', async (t) => {
  const exit = await runServer(t, { PORT: 'abc' })
  t.equal(exit.timedOut, false, 'the process ended by itself within 20 s')
  t.equal(exit.code, 1, `exit code 1 (stderr: ${exit.stderr})`)
  t.match(exit.stderr, /PORT: expected an integer TCP port from 1 to 65535/, 'stderr names PORT and what is expected')
  t.match(exit.stderr, /"abc"/, 'and the value given')
  t.notMatch(exit.stdout, /hub started/, 'the hub did not start')
})

t.test('process: several wrong variables are all printed before exiting', async (t) => {
  const exit = await runServer(t, { PORT: 'abc', LOG_LEVEL: 'loud', REDIS_URL: 'http://user:secret@x' })
  t.equal(exit.timedOut, false, 'the process ended by itself within 20 s')
  t.equal(exit.code, 1)
  t.match(exit.stderr, /PORT: expected/)
  t.match(exit.stderr, /LOG_LEVEL: expected one of fatal/)
  t.match(exit.stderr, /REDIS_URL: expected a redis:\/\//)
  t.notMatch(exit.stderr, /secret/, 'the REDIS_URL password is not printed')
})

t.test('process: HUB_CONFIG pointing at a missing file exits with code 1, naming HUB_CONFIG', async (t) => {
  const missing = join(t.testdir(), 'no-such-hub.json')
  const exit = await runServer(t, { HUB_CONFIG: missing })
  t.equal(exit.timedOut, false, 'the process ended by itself within 20 s')
  t.equal(exit.code, 1, `exit code 1 (stderr: ${exit.stderr})`)
  t.match(exit.stderr, /HUB_CONFIG: expected a readable JSON file/, 'stderr names HUB_CONFIG and what is expected')
  t.ok(exit.stderr.includes(missing), 'and the file')
  t.notMatch(exit.stderr, /PORT:|REDIS_URL:/, 'and nothing else is reported')
})

t.test('process: --role=bogus exits with code 1, naming --role and the roles', async (t) => {
  const exit = await runServer(t, {}, ['--role=bogus'])
  t.equal(exit.timedOut, false, 'the process ended by itself within 20 s')
  t.equal(exit.code, 1, `exit code 1 (stderr: ${exit.stderr})`)
  t.match(exit.stderr, /--role: expected one of all, api, worker/, 'stderr names --role and what is expected')
  t.match(exit.stderr, /"bogus"/, 'and the value given')
  t.notMatch(exit.stderr, /configuration is invalid/, 'the environment and hub config were fine')
})

t.test('the holiday table: a missing or provisional year is a loud warning at start-up; a broken table stops it', async (t) => {
  const dir = t.testdir()
  const shipped = JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as Record<string, unknown>
  const table = JSON.parse(readFileSync(fromRoot('config', 'holidays.json'), 'utf8')) as { years: Record<string, unknown> }
  const only2025 = join(dir, 'holidays-2025.json')
  writeFileSync(only2025, JSON.stringify({ years: { 2025: table.years['2025'] } }))
  const at = (iso: string): Date => new Date(iso)
  const s = resolveHubConfig({ ...shipped, subscribers: {}, calendar: { holidaysFile: only2025 } }, 'test', { now: at('2026-11-23T09:00:00+07:00') })
  t.equal(s.calendarWarnings.length, 2, 'this year and next')
  t.match(s.calendarWarnings[0], /has no year 2026: due dates in 2026 would count weekdays only/)
  t.match(s.calendarWarnings[1], /has no year 2027/)
  const shippedTable = resolveHubConfig({ ...shipped, subscribers: {} }, 'test', { now: at('2026-11-23T09:00:00+07:00') })
  t.same(shippedTable.calendarWarnings.map((w) => /marks 2027 provisional/.test(w)), [true], 'the shipped table: 2027 is provisional')
  t.same(resolveHubConfig({ ...shipped, subscribers: {} }, 'test', { now: at('2025-06-01T09:00:00+07:00') }).calendarWarnings, [], 'in 2025 both years are announced')

  const broken = join(dir, 'broken.json')
  writeFileSync(broken, JSON.stringify({ years: { 2026: { status: 'announced', daysOff: ['2026-02-30'], workingSaturdays: [] } } }))
  t.throws(() => resolveHubConfig({ ...shipped, subscribers: {}, calendar: { holidaysFile: broken } }, 'test'), ConfigError, 'an impossible date stops the hub')
  t.throws(() => resolveHubConfig({ ...shipped, subscribers: {}, calendar: { holidaysFile: join(dir, 'none.json') } }, 'test'), /holidaysFile names .*none\.json, which cannot be read/)
  t.throws(() => resolveHubConfig({ ...shipped, subscribers: {}, calendar: { workingHours: [{ start: '13:00', end: '12:00' }] } }, 'test'), ConfigError, 'a period that ends before it starts')
  t.throws(() => resolveHubConfig({ ...shipped, subscribers: {}, postal: { agency: 'tax' } }, 'test'), /whose adapter is generic, not postal/)
  t.throws(() => resolveHubConfig({ ...shipped, subscribers: { portal: { url: 'http://127.0.0.1:1/x', secretEnv: 'NOPE_NOT_SET_ANYWHERE' } } }, 'test', { env: {} }), /NOPE_NOT_SET_ANYWHERE, which is not set/)
})

t.test('the repository\'s development secrets are named at start-up; own secrets are not', async (t) => {
  const shipped = JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as { agencies: Record<string, { auth?: Record<string, unknown> }>, subscribers?: Record<string, Record<string, unknown>> }
  const warnings = resolveHubConfig(shipped, 'config/hub.json').secretWarnings
  t.equal(warnings.length, 1)
  for (const file of ['evn.token', 'land-office.key', 'portal-webhook.key', 'esms.key', 'zalo-oa.token', 'dvcqg.token', 'vnpay.key', 'national-data-store.key']) t.match(warnings[0], `config/dev-secrets/${file}`, `names ${file}`)
  t.match(warnings[0], /published with the code/)

  // the same config with the secrets given by the operator: nothing to say
  const dir = t.testdir({ 'portal.key': 'a-real-secret-of-the-province' })
  const own = structuredClone(shipped)
  for (const agency of Object.values(own.agencies)) {
    if (agency.auth !== undefined) { delete agency.auth.secretFile; agency.auth.secretEnv = 'AGENCY_SECRET' }
  }
  for (const sub of Object.values(own.subscribers ?? {})) sub.secretFile = join(dir, 'portal.key')
  // the notices' SMS gateway and Zalo OA token
  const notices = (own as { notices?: Record<string, Record<string, unknown> | undefined> }).notices
  for (const channel of ['sms', 'zalo']) {
    const c = notices?.[channel]
    if (c !== undefined) c.secretFile = join(dir, 'portal.key')
  }
  const portal = (own as { nationalPortal?: { auth?: Record<string, unknown> } }).nationalPortal
  if (portal?.auth !== undefined) { delete portal.auth.secretFile; portal.auth.secretEnv = 'AGENCY_SECRET' }
  const payments = (own as { payments?: Record<string, unknown> }).payments
  if (payments !== undefined) { delete payments.secretFile; payments.secretEnv = 'AGENCY_SECRET' }
  const store = (own as { nationalDataStore?: { auth?: Record<string, unknown> } }).nationalDataStore
  if (store?.auth !== undefined) { delete store.auth.secretFile; store.auth.secretEnv = 'AGENCY_SECRET' }
  const auditEnv = { AUDIT_KEY: 'an-audit-key-of-the-province-0123456789abcdef', AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
  const withAudit = { ...own, audit: { secretEnv: 'AUDIT_KEY', signingKeyEnv: 'AUDIT_SIGNING_KEY' } }
  t.same(resolveHubConfig(withAudit, 'own.json', { env: { AGENCY_SECRET: 'from-the-vault', ...auditEnv } }).secretWarnings, [])
  t.match(resolveHubConfig(own, 'own.json', { env: { AGENCY_SECRET: 'from-the-vault' } }).secretWarnings, [/\/audit\/secretFile → config\/dev-secrets\/audit\.key.*\/audit\/signingKeyFile → config\/dev-secrets\/audit-signing\.pem/], 'the audit keys of config/dev-secrets are named too')
  const { audit: _audit, ...noAudit } = own as typeof own & { audit?: unknown }
  t.match(resolveHubConfig(noAudit, 'own.json', { env: { AGENCY_SECRET: 'from-the-vault' } }).secretWarnings, [/settings\.audit\.secret\) → config\/dev-secrets\/audit\.key/], 'no audit section: the development key, named (found among the loaded secrets)')
})

t.test('the audit keys: an HMAC key of at least 32 characters and an Ed25519 signing key, or the hub does not start', async (t) => {
  const shipped = JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as Record<string, unknown>
  const long = 'an-audit-key-of-the-province-0123456789abcdef'
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const config = { ...shipped, audit: { secretEnv: 'AK', signingKeyEnv: 'SK' } }
  t.ok(resolveHubConfig(config, 'test', { env: { AK: long, SK: ed } }).audit.signingKey.asymmetricKeyType === 'ed25519')
  t.throws(() => resolveHubConfig(config, 'test', { env: { AK: 'short', SK: ed } }), /the audit key is 5 characters long; give at least 32/)
  t.throws(() => resolveHubConfig(config, 'test', { env: { AK: long, SK: rsa } }), /the signing key is rsa, not Ed25519/)
  t.throws(() => resolveHubConfig(config, 'test', { env: { AK: long, SK: 'not a key' } }), /the signing key is not a PEM private key/)
  t.throws(() => resolveHubConfig(config, 'test', { env: { SK: ed } }), /\/audit\/secretEnv names the environment variable AK, which is not set/)
  t.throws(() => resolveHubConfig({ ...shipped, audit: { secretEnv: 'AK' } }, 'test', { env: { AK: long } }), /\/audit must give exactly one of signingKeyEnv and signingKeyFile/)
})
