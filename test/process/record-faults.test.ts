/**
 * The record (PostgreSQL) crashes under a running hub process and comes back: a server of the
 * test's own (`pg_ctl stop -m immediate`, then a start that recovers from its WAL) under
 * `src/server.ts`, as `npm start` runs it. While it is away every answer that needs it is a small
 * 503 problem (never a 500, never a hang) and /ready says so; the process stays up (the driver's
 * connection errors that no caller can catch do not end it: hub-process.ts); once the record is
 * back the same process takes dossiers again, a submission retried under its Idempotency-Key is one
 * dossier, and every dossier accepted before the crash is kept and delivered.
 */
import t from 'tap'
import type { Test } from 'tap'
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { example, freePort, removeKeys, startAgency, uniquePrefix, waitFor, REDIS_URL, type AgencyServer } from '../helper.ts'
import { startHub, writeConfig, type HubProcess } from '../process-helper.ts'
import { clusterSkip, ownServer } from '../pg-cluster.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'

/**
 * A hub process (`src/server.ts`, as `npm start` runs it) on the record at `databaseUrl`, a Redis
 * prefix of its own and an agency server; its base URL, its portal key, the process and the agency.
 */
async function hubProcess (t: Test, databaseUrl: string, env: Record<string, string> = {}): Promise<{ hub: HubProcess, base: string, key: string, agency: AgencyServer }> {
  const agency = await startAgency(t)
  const prefix = uniquePrefix()
  const redis = new Redis(REDIS_URL)
  t.teardown(async () => { await removeKeys(redis, prefix); await redis.quit() })
  const port = await freePort()
  const clientsFile = join(t.testdir(), 'clients.json')
  const hub = startHub(t, {
    REDIS_URL,
    REDIS_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    HUB_CONFIG: writeConfig(t, agency.url),
    PORT: String(port),
    HUB_DEV_CLIENTS: clientsFile,
    ...env
  })
  await waitFor(() => hub.output().includes('"hub started"'), 'the hub to start', 30_000)
  const key = (JSON.parse(readFileSync(clientsFile, 'utf8')) as { portal: string }).portal
  return { hub, base: `http://127.0.0.1:${port}`, key, agency }
}

t.test('PostgreSQL crashes and restarts under the hub process: 503 problems meanwhile, the process stays up, then intake and delivery go on, nothing lost or doubled', { skip: clusterSkip }, async (t) => {
  const pg = await ownServer(t)
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} })
  await admin`create database lienthong_fault`
  await admin.end()
  const { hub, base, key, agency } = await hubProcess(t, pg.url('lienthong_fault'), { RECONCILE_INTERVAL_MS: '1000' })
  const submit = async (reference: string, idempotencyKey: string): Promise<{ status: number, type: string, body: Record<string, unknown> }> => {
    const res = await request(`${base}/v1/dossiers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'idempotency-key': idempotencyKey },
      body: JSON.stringify({ ...example('electricity-new-connection'), source: { system: 'dvcqg', reference } })
    })
    return { status: res.statusCode, type: String(res.headers['content-type']), body: await res.body.json() as Record<string, unknown> }
  }
  const ready = async (): Promise<{ status: number, checks: Record<string, string> }> => {
    const res = await request(`${base}/ready`)
    return { status: res.statusCode, checks: ((await res.body.json()) as { checks: Record<string, string> }).checks }
  }

  const before: string[] = []
  for (let i = 0; i < 5; i++) {
    const res = await submit(`CRASH-${i}`, `crash-${i}`)
    t.equal(res.status, 201, JSON.stringify(res.body))
    before.push((res.body as unknown as DossierSummary).code)
  }

  pg.stop('immediate')
  // the pool's connections die with the server: the first statements meet a closed connection,
  // the next a refused one; either way a 503 problem, at once
  for (const attempt of ['a', 'b', 'c']) {
    const started = Date.now()
    const res = await submit('CRASH-during', 'crash-during')
    t.equal(res.status, 503, `a submission while it is away (${attempt}): ${JSON.stringify(res.body)}`)
    t.match(res.type, /^application\/problem\+json/)
    t.equal(res.body.code, 'HUB_ERR_UNAVAILABLE')
    t.ok(Date.now() - started < 5_000, 'answered at once, not after a hang')
  }
  const away = await ready()
  t.equal(away.status, 503, 'not ready')
  t.not(away.checks.database, 'ok', `the record named as what failed (${away.checks.database})`)

  pg.start()
  await waitFor(async () => (await ready()).status === 200, 'ready again', 30_000)
  t.equal(hub.child.exitCode, null, 'the process stayed up')
  t.notMatch(hub.output(), /closing after an unexpected error/, 'and did not start closing')
  // the submission refused meanwhile, sent again under its key: one dossier
  const retried = await submit('CRASH-during', 'crash-during')
  t.ok([200, 201].includes(retried.status), `taken once it is back: ${retried.status} ${JSON.stringify(retried.body)}`)
  const again = await submit('CRASH-during', 'crash-during')
  t.equal(again.status, 200, 'answered from receive-once after that')
  t.equal(again.body.code, retried.body.code, 'the same dossier')

  // everything accepted before the crash is there, and every dossier is delivered
  for (const code of before) {
    const res = await request(`${base}/v1/dossiers/${code}`, { headers: { authorization: `Bearer ${key}` } })
    await res.body.dump()
    t.equal(res.statusCode, 200, `${code} kept`)
  }
  const codes = [...before, String(retried.body.code)]
  await waitFor(() => codes.every((code) => agency.requests.some((r) => String(r.headers['idempotency-key']).startsWith(code))), 'every dossier delivered', 60_000)
  const keys = agency.requests.map((r) => String(r.headers['idempotency-key']))
  t.equal(new Set(keys).size, codes.length, `one delivery key per dossier (${keys.length} requests): repeats carry the same key`)
})

/**
 * A TCP proxy in front of a server, passing everything through. Once `trip` is called, the first
 * connection whose client sends the driver's array-types query (the first statement of each new
 * connection, porsager/postgres: fetch_types) is closed and the proxy stops listening, so the
 * driver's reconnection is refused: the server going away at that moment, as the driver sees it.
 * `resume` listens again on the same port.
 */
async function typesCutter (t: Test, target: number): Promise<{ port: number, trip: () => void, tripped: () => boolean, resume: () => Promise<void> }> {
  let armed = false
  let tripped = false
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1')
    sockets.add(client).add(upstream)
    const close = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes('typcategory')) {
        armed = false
        tripped = true
        server.close()
        close()
        return
      }
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => { client.write(chunk) })
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
  })
  const listen = async (port: number): Promise<void> => { await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)) }
  await listen(0)
  const port = (server.address() as AddressInfo).port
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    if (server.listening) await new Promise<void>((resolve) => server.close(() => { resolve() }))
  })
  return { port, trip: () => { armed = true }, tripped: () => tripped, resume: async () => { await listen(port) } }
}

t.test('a connection lost while the driver reads the server\'s types: its error, which no caller can catch, does not end the process', { skip: clusterSkip }, async (t) => {
  const pg = await ownServer(t)
  const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} })
  t.teardown(async () => { await admin.end({ timeout: 5 }) })
  await admin`create database lienthong_types`
  const proxy = await typesCutter(t, pg.port)
  const { hub, base, key } = await hubProcess(t, `postgres://postgres@127.0.0.1:${proxy.port}/lienthong_types`, { HUB_ROLE: 'api' })
  const list = async (): Promise<number> => {
    const res = await request(`${base}/v1/dossiers`, { headers: { authorization: `Bearer ${key}` } })
    await res.body.dump()
    return res.statusCode
  }
  t.equal(await list(), 200)
  // the hub's connections end (as in a failover); the first new one is cut at its types query and
  // the next are refused for a moment
  proxy.trip()
  await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = 'lienthong_types' and pid <> pg_backend_pid()`
  const during = Promise.all(Array.from({ length: 4 }, async () => await list()))
  await waitFor(() => proxy.tripped(), 'a connection cut at its types query')
  await new Promise((resolve) => setTimeout(resolve, 300))
  await proxy.resume()
  const answered = await during
  t.ok(answered.every((s) => s === 503 || s === 200), `answers meanwhile: ${answered.join(', ')}`)
  await waitFor(async () => await list() === 200, 'answering again')
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(hub.child.exitCode, null, 'the process stayed up')
  t.match(hub.output(), /a connection error no caller handled .*porsager\/postgres#1192\); going on/, 'the driver\'s stray error logged')
  t.notMatch(hub.output(), /closing after an unexpected error/, 'and the process did not start closing')
})
