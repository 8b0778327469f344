/**
 * Production refuses the development settings: the repository's development secrets
 * (config/dev-secrets, published with the code), found whatever setting carries them, and
 * HUB_DEV_CLIENTS. Under NODE_ENV=production either stops `src/server.ts` (exit 1) with a message
 * naming what to replace or unset; the province's own secrets start it.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { REDIS_URL, fileDatabase, freePort, keysUnder, removeKeys, uniquePrefix } from '../helper.ts'
import { findDevSecrets, findLoadedDevSecrets, productionProblems } from '../../src/config/dev-secrets.ts'
import { envSchema } from '../../src/schemas.ts'
import { fromRoot } from '../../src/paths.ts'

interface Exit { code: number | null, stdout: string, stderr: string, timedOut: boolean }

/** Runs `src/server.ts` with only the hub variables given here; SIGTERM once stdout shows "hub started". */
async function runServer (t: Test, vars: Record<string, string>): Promise<Exit> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of [...Object.keys(envSchema.properties ?? {}), 'NODE_ENV']) delete env[name]
  Object.assign(env, { REDIS_URL, DATABASE_URL: (await fileDatabase()).url, PORT: String(await freePort()), ...vars })
  const child = spawn(process.execPath, ['--import=tsx', 'src/server.ts'], { cwd: fromRoot(), env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let stopped = false
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8')
    if (!stopped && stdout.includes('"hub started"')) {
      stopped = true // once: a second signal makes close-with-grace exit at once, with 1
      child.kill('SIGTERM')
    }
  })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8') })
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, 60_000)
  t.teardown(() => { clearTimeout(timer); if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const code = await new Promise<number | null>((resolve) => { child.once('close', (c) => { resolve(c) }) })
  clearTimeout(timer)
  return { code, stdout, stderr, timedOut }
}

/** The shipped config with the province's own secrets: secret files in `dir`, one agency's from the environment. */
function ownSecretsConfig (dir: string): { file: string, env: Record<string, string> } {
  const own = JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as { agencies: Record<string, { auth?: Record<string, unknown> }>, subscribers?: Record<string, Record<string, unknown>>, calendar?: Record<string, unknown> }
  writeFileSync(join(dir, 'portal.key'), randomBytes(24).toString('base64'))
  writeFileSync(join(dir, 'agency.key'), randomBytes(24).toString('base64'))
  let first = true
  for (const agency of Object.values(own.agencies)) {
    if (agency.auth === undefined) continue
    delete agency.auth.secretFile
    if (first) agency.auth.secretEnv = 'OWN_AGENCY_SECRET'
    else agency.auth.secretFile = join(dir, 'agency.key')
    first = false
  }
  for (const sub of Object.values(own.subscribers ?? {})) sub.secretFile = join(dir, 'portal.key')
  // the notices' SMS gateway SecretKey and Zalo OA token
  const notices = (own as { notices?: Record<string, Record<string, unknown> | undefined> }).notices
  for (const channel of ['sms', 'zalo']) {
    const c = notices?.[channel]
    if (c !== undefined) c.secretFile = join(dir, 'agency.key')
  }
  // the national portal's (DVCQG) token, the province's own too
  const portal = (own as { nationalPortal?: { auth?: Record<string, unknown> } }).nationalPortal
  if (portal?.auth !== undefined) { delete portal.auth.secretFile; portal.auth.secretFile = join(dir, 'agency.key') }
  // the payment platform's hash secret, the province's own too
  const payments = (own as { payments?: Record<string, unknown> }).payments
  if (payments !== undefined) { delete payments.secretFile; payments.secretEnv = 'OWN_AGENCY_SECRET' }
  // the national personal data store's API key, the province's own too
  const store = (own as { nationalDataStore?: { auth?: Record<string, unknown> } }).nationalDataStore
  if (store?.auth !== undefined) { delete store.auth.secretFile; store.auth.secretEnv = 'OWN_AGENCY_SECRET' }
  if (own.calendar !== undefined) own.calendar.holidaysFile = fromRoot('config', 'holidays.json')
  // the audit trail's own keys: an HMAC key and an Ed25519 signing key made for this test
  writeFileSync(join(dir, 'audit.key'), randomBytes(32).toString('hex'))
  writeFileSync(join(dir, 'audit-signing.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())
  ;(own as { audit?: unknown }).audit = { secretFile: join(dir, 'audit.key'), signingKeyFile: join(dir, 'audit-signing.pem') }
  const file = join(dir, 'own-hub.json')
  writeFileSync(file, JSON.stringify(own))
  return { file, env: { OWN_AGENCY_SECRET: randomBytes(24).toString('hex') } }
}

async function redisKeys (t: Test, prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL)
  t.teardown(async () => {
    await removeKeys(redis, prefix)
    await redis.quit()
  })
  return await keysUnder(redis, prefix)
}

t.test('findDevSecrets: any setting that names, links to, copies or holds a development secret, and any loaded one; nothing else', async (t) => {
  const dir = t.testdir({
    'dev-secrets': { 'agency.key': 'dev-only-agency-key-0123456789\n', 'audit-hmac.key': 'dev-only-audit-key-abcdef', 'checkpoint-signing.pem': '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDevOnlyDevOnlyDevOnlyDevOnlyDevOnly\n-----END PRIVATE KEY-----\n' },
    'own.key': 'a-real-secret-of-the-province',
    'copy.key': 'dev-only-agency-key-0123456789'
  })
  const devDir = join(dir, 'dev-secrets')
  symlinkSync(join(devDir, 'audit-hmac.key'), join(dir, 'link.key'))
  const config = {
    agencies: { a: { auth: { type: 'bearer', secretFile: join(devDir, 'agency.key') } }, b: { auth: { type: 'bearer', secretFile: join(dir, 'copy.key') } }, c: { auth: { type: 'bearer', secretFile: join(dir, 'own.key') } } },
    // settings added later, under any name: covered without being listed anywhere
    audit: { keyFile: join(dir, 'link.key'), checkpoint: { signingKeyFile: join(devDir, 'checkpoint-signing.pem') } },
    names: ['Sở Tư pháp', 'config/holidays.json', '']
  }
  const env = { LAND_KEY: 'dev-only-agency-key-0123456789', AUDIT_KEY_FILE: join(devDir, 'audit-hmac.key'), OWN: 'a-real-secret-of-the-province', PATH: process.env.PATH }
  const uses = findDevSecrets(config, 'hub.json', env, devDir)
  const where = (file: string): string[] => uses.filter((u) => u.file.endsWith(file)).map((u) => u.where).sort()
  t.same(where('agency.key'), ['hub.json: /agencies/a/auth/secretFile', 'hub.json: /agencies/b/auth/secretFile', 'the environment variable LAND_KEY'], 'named directly, a copy elsewhere, its value in a variable')
  t.same(where('audit-hmac.key'), ['hub.json: /audit/keyFile', 'the environment variable AUDIT_KEY_FILE'], 'through a symbolic link, and a variable naming the file')
  t.same(where('checkpoint-signing.pem'), ['hub.json: /audit/checkpoint/signingKeyFile'], 'a PEM key like any other file')
  t.equal(uses.length, 6, 'and nothing else: own secrets, names, PATH')
  t.same(findDevSecrets(config, 'hub.json', {}, join(dir, 'no-such-folder')).map((u) => u.where), [], 'no folder (the container image): nothing to find by content')

  // the safety net: a key loaded by a path no setting shows (a default in code), found among the loaded values
  const loaded = { agencies: new Map([['a', { auth: { secret: 'dev-only-agency-key-0123456789' } }]]), audit: { key: Buffer.from('dev-only-audit-key-abcdef'), own: 'a-real-secret-of-the-province' } }
  const net = findLoadedDevSecrets(loaded, uses.filter((u) => u.file.endsWith('agency.key')), devDir)
  t.same(net.map((u) => [u.where, u.file.replace(/^.*\//, '')]), [['a secret the hub loaded (settings.audit.key)', 'audit-hmac.key']], 'only the one no setting named')

  const problems = productionProblems({ nodeEnv: 'production', devClientsFile: 'data/dev-clients.json', devSecrets: uses })
  t.equal(problems.length, 2, 'one problem for the secrets, one for the development clients')
  t.match(problems[0], /hub\.json: \/agencies\/a\/auth\/secretFile → .*agency\.key/)
  t.match(problems[1], /Unset HUB_DEV_CLIENTS/)
  t.same(productionProblems({ nodeEnv: 'development', devClientsFile: 'x', devSecrets: uses }), [], 'outside production: warnings only')
})

t.test('production: the shipped development secrets stop the start-up (exit 1), naming each setting to replace', async (t) => {
  const prefix = uniquePrefix()
  const exit = await runServer(t, { NODE_ENV: 'production', REDIS_PREFIX: prefix })
  t.equal(exit.timedOut, false, 'the process ended by itself')
  t.equal(exit.code, 1, `exit code 1 (stderr: ${exit.stderr})`)
  t.match(exit.stderr, /NODE_ENV=production, but the repository's development secrets are in use/)
  for (const [pointer, file] of [['/agencies/evn/auth/secretFile', 'evn.token'], ['/agencies/land-office/auth/secretFile', 'land-office.key'], ['/subscribers/portal/secretFile', 'portal-webhook.key'], ['/notices/sms/secretFile', 'esms.key'], ['/notices/zalo/secretFile', 'zalo-oa.token'], ['/nationalPortal/auth/secretFile', 'dvcqg.token'], ['/payments/secretFile', 'vnpay.key'], ['/nationalDataStore/auth/secretFile', 'national-data-store.key']]) {
    t.ok(exit.stderr.includes(`${pointer} → config/dev-secrets/${file}`), `names ${pointer} and ${file}`)
  }
  t.match(exit.stderr, /Replace each with the province's own secret/, 'and says what to do')
  t.notMatch(exit.stdout, /hub started/, 'the hub did not start')
  t.same(await redisKeys(t, prefix), [], 'nothing was written to Redis')
})

t.test('production: HUB_DEV_CLIENTS stops the start-up (exit 1); no client is made, no key file written', async (t) => {
  const dir = t.testdir()
  const { file, env } = ownSecretsConfig(dir)
  const keys = join(dir, 'dev-clients.json')
  const prefix = uniquePrefix()
  const exit = await runServer(t, { ...env, NODE_ENV: 'production', HUB_CONFIG: file, HUB_DEV_CLIENTS: keys, REDIS_PREFIX: prefix })
  t.equal(exit.timedOut, false, 'the process ended by itself')
  t.equal(exit.code, 1, `exit code 1 (stderr: ${exit.stderr})`)
  t.match(exit.stderr, /NODE_ENV=production, but HUB_DEV_CLIENTS is set/)
  t.match(exit.stderr, /Unset HUB_DEV_CLIENTS/, 'names the variable to unset')
  t.notMatch(exit.stderr, /development secrets/, 'the secrets were the province\'s own')
  t.notOk(existsSync(keys), 'no key file')
  t.same(await redisKeys(t, prefix), [], 'nothing in Redis')
  t.same(await (await fileDatabase()).sql`select id from clients where id like 'dev-%'`, [], 'no client in the record')
})

t.test('production: with the province\'s own secrets the hub starts, and says nothing about development secrets', async (t) => {
  const { file, env } = ownSecretsConfig(t.testdir())
  const prefix = uniquePrefix()
  const exit = await runServer(t, { ...env, NODE_ENV: 'production', HUB_CONFIG: file, REDIS_PREFIX: prefix })
  await redisKeys(t, prefix) // removed afterwards
  t.equal(exit.timedOut, false, 'the process ended by itself')
  t.match(exit.stdout, /"hub started"/, `it started (stderr: ${exit.stderr})`)
  t.equal(exit.code, 0, 'and closed gracefully on SIGTERM')
  t.notMatch(exit.stdout + exit.stderr, /development secrets/)
})
