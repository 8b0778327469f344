/**
 * npm run bench — the hub's speed and memory against ceilings measured in the same run, on this
 * machine. Starts its own redis-server on a free port (nothing on disk), prints a table. The load is
 * the example dossiers (schemas/examples, every procedure in turn) routed as config/hub.json routes
 * them, each agency's endpoint pointing at the sink; without webhook subscribers.
 *
 *   intake       new dossiers through the API (validated, stored, queued) vs a bare Fastify
 *                route doing one Redis SET of the same body                 target ≥ 40%, p99 ≤ 15 ms
 *   duplicates   the receive-once answer to a repeated submission vs a bare
 *                Fastify route doing one Redis GET of the body              target ≥ 60%
 *   delivery     deliveries per second to a local agency sink by one worker process (the first
 *                stage of each dossier's route; each agency's queue at concurrency 64) vs BullMQ
 *                no-op jobs at concurrency 64                               target ≥ 40%
 *   memory       Redis bytes per stored dossier vs its raw JSON             target ≤ 1.5×
 *   refusals     CPU per refusal of the worst bodies up to BODY_LIMIT (1 MiB here): an array
 *                field filled with empty objects or arrays, thousands of unknown properties, one
 *                property named by the whole body; the worst of them vs a bare Fastify route
 *                parsing the same body                                       target ≤ 100 ms
 *
 * The record is a scratch database of the bench's own (bench/database.ts), migrated by the first hub.
 *
 * The load generator (bench/load.ts, autocannon) and the agency sink (bench/sink.ts) run in their
 * own processes: they stand for the portal and the agency's software, other systems whose CPU is not
 * the hub's. The servers measured — the hub and the bare ceilings — run in this one.
 *
 * BENCH_DURATION (seconds per load run, default 10), BENCH_CONNECTIONS (default 50),
 * BENCH_DELIVERIES (dossiers queued for the delivery run, default 5000), BENCH_MEMORY_DOSSIERS
 * (default 100000).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, totalmem } from 'node:os'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { Queue, Worker } from 'bullmq'
import { createHub, type Hub } from '../src/runtime.ts'
import { createLogger } from '../src/logger.ts'
import { resolveHubConfig, type HubSettings } from '../src/config/hub-config.ts'
import { fromRoot } from '../src/paths.ts'
import type { DossierSubmission, DossierSummary } from '../src/types/schemas.generated.ts'
import type { LoadJob, LoadResult } from './load.ts'
import { benchDatabase } from './database.ts'

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 5000)
const MEMORY_N = Number(process.env.BENCH_MEMORY_DOSSIERS ?? 100_000)
const examplesDir = fromRoot('schemas', 'examples')
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(examplesDir, f), 'utf8')) as DossierSubmission)

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => { resolve() }))
  return port
}

async function startRedis (): Promise<{ url: string, child: ChildProcess }> {
  const port = await freePort()
  // the memory settings docker-compose.yml gives production Redis (README: Receive once, deliver surely)
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction',
    '--hash-max-listpack-value', '4096', '--hash-max-listpack-entries', '256'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null })
    r.on('error', () => { /* not up yet */ })
    try { await r.connect(); await r.ping(); r.disconnect(); return { url, child } } catch { r.disconnect(); await new Promise((res) => setTimeout(res, 100)) }
  }
  throw new Error('redis-server did not start (is it installed?)')
}

/**
 * One load run by autocannon in its own process (bench/load.ts): the portal is another system.
 * `cpuUs`: this process's CPU time per request meanwhile (the server under test is all it runs),
 * a figure the machine's other load moves less than the rate.
 */
async function load (url: string, mode: LoadJob['mode'], templates: string[], headers: Record<string, string> = {}, connections = CONNECTIONS): Promise<LoadResult & { cpuUs: number }> {
  const child = fork(new URL('./load.ts', import.meta.url), { stdio: 'inherit' })
  const result = once(child, 'message') as Promise<[LoadResult]>
  const cpu = process.cpuUsage()
  child.send({ url, connections, duration: DURATION, headers, templates, mode } satisfies LoadJob)
  const [r] = await result
  const used = process.cpuUsage(cpu)
  await once(child, 'exit')
  return { ...r, cpuUs: (used.user + used.system) / Math.max(1, r.total) }
}

/** the i-th submission: the examples in turn, each with its own source reference */
const submission = (i: number): string => {
  const example = examples[Math.abs(i) % examples.length] as DossierSubmission
  return JSON.stringify({ ...example, source: { system: 'bench', reference: `B-${process.pid}-${i}` } })
}
const templates = examples.map((_, i) => submission(i))

/** config/hub.json's agencies and routes, each agency's endpoint at the sink */
function settings (sinkUrl: string): HubSettings {
  const shipped = JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as { agencies: Record<string, Record<string, unknown>>, procedures: unknown, postal?: unknown, calendar?: unknown }
  const agencies = Object.fromEntries(Object.entries(shipped.agencies).map(([id, a]) => [id, { ...a, endpoint: `${sinkUrl}/${id}`, concurrency: 64, retry: { attempts: 3, baseDelayMs: 100 } }]))
  return resolveHubConfig({ agencies, procedures: shipped.procedures, postal: shipped.postal, calendar: shipped.calendar }, 'bench')
}

const BODY_LIMIT = 1 << 20

async function hubOf (redisUrl: string, prefix: string, role: 'api' | 'worker', agencyUrl: string): Promise<Hub> {
  return await createHub({ role, redisUrl, prefix, settings: settings(agencyUrl), logger: createLogger('silent'), bodyLimit: BODY_LIMIT, inlineAttachmentLimit: 1 << 18, reconcileIntervalMs: 3_600_000, database: record.db })
}

/**
 * The worst bodies for a refusal, each just under BODY_LIMIT: what costs the most to parse and to
 * validate (many small values where a few are allowed, many unknown names, one huge name).
 */
function worstBodies (): Record<string, string> {
  const base = examples[0] as DossierSubmission
  const room = (doc: unknown): number => BODY_LIMIT - Buffer.byteLength(JSON.stringify(doc)) - 64
  const filled = (field: 'attachments' | 'fees', item: unknown): string => {
    const n = Math.floor(room({ ...base, [field]: [] }) / (JSON.stringify(item).length + 1))
    return JSON.stringify({ ...base, [field]: Array.from({ length: n }, () => item) })
  }
  const unknown: Record<string, unknown> = { ...base }
  for (let i = 0, n = room(base) / 12; i < n; i++) unknown[`u${i.toString(36)}`] = 0
  return {
    'attachments: [{}, …]': filled('attachments', {}),
    'fees: [[], …]': filled('fees', []),
    'unknown properties': JSON.stringify(unknown),
    'one property named by the whole body': JSON.stringify({ ...base, ['x'.repeat(room(base))]: 0 })
  }
}

/** The agency's software, in its own process (bench/sink.ts). */
async function sink (): Promise<{ url: string, child: ChildProcess, deliveries: (n: number) => Promise<{ first: number, last: number }> }> {
  const child = fork(new URL('./sink.ts', import.meta.url), { stdio: 'inherit' })
  const [{ url }] = await once(child, 'message') as [{ url: string }]
  return {
    url,
    child,
    /** resolves when n more requests have arrived, with the times of the first and the last of them */
    deliveries: async (n) => {
      const answer = once(child, 'message') as Promise<[{ first: number, last: number }]>
      child.send({ wait: n })
      return (await answer)[0]
    }
  }
}

const rows: string[][] = []
const pct = (a: number, b: number): string => `${Math.round((a / b) * 100)}%`
function row (what: string, hub: string, ceiling: string, ratio: string, target: string, ok: boolean): void {
  rows.push([what, hub, ceiling, ratio, target, ok ? 'met' : 'MISSED'])
}

const redis = await startRedis()
const agency = await sink()
const record = await benchDatabase()
try {
  // intake and duplicates: the API role in this process
  const api = await hubOf(redis.url, 'bench', 'api', agency.url)
  const key = (await api.clients.add({ id: 'bench', role: 'portal' })).key
  const apiUrl = await api.app?.listen({ port: 0, host: '127.0.0.1' }) ?? ''
  const auth = { authorization: `Bearer ${key}` }
  const intake = await load(`${apiUrl}/v1/dossiers`, 'unique', templates, auth)
  const dupBody = submission(-1)
  const duplicate = await load(`${apiUrl}/v1/dossiers`, 'same', [dupBody], auth)
  await api.close()

  // ceilings: bare Fastify + one Redis command, same body
  const bare = Fastify()
  const r = new Redis(redis.url)
  bare.post('/set', async (req) => { await r.set(`ceiling:${(req.body as { source: { reference: string } }).source.reference}`, JSON.stringify(req.body)); return { ok: true } })
  await r.set('ceiling:dup', dupBody)
  bare.post('/get', async () => { await r.get('ceiling:dup'); return { ok: true } })
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })
  const setCeiling = await load(`${bareUrl}/set`, 'unique', templates)
  const getCeiling = await load(`${bareUrl}/get`, 'same', [dupBody])
  await bare.close()

  row('intake (new dossiers)', `${Math.round(intake.rps)}/s p50 ${intake.p50} ms p99 ${intake.p99} ms, ${Math.round(intake.cpuUs)} µs CPU each`, `${Math.round(setCeiling.rps)}/s p99 ${setCeiling.p99} ms, ${Math.round(setCeiling.cpuUs)} µs CPU each`, pct(intake.rps, setCeiling.rps), '≥ 40%, p99 ≤ 15 ms', intake.rps >= 0.4 * setCeiling.rps && intake.p99 <= 15)
  row('duplicates (receive once)', `${Math.round(duplicate.rps)}/s p99 ${duplicate.p99} ms, ${Math.round(duplicate.cpuUs)} µs CPU each`, `${Math.round(getCeiling.rps)}/s p99 ${getCeiling.p99} ms, ${Math.round(getCeiling.cpuUs)} µs CPU each`, pct(duplicate.rps, getCeiling.rps), '≥ 60%', duplicate.rps >= 0.6 * getCeiling.rps)
  if (intake.errors + intake.non2xx + duplicate.errors > 0) console.error(`note: intake errors ${intake.errors}, non-2xx ${intake.non2xx}; duplicate errors ${duplicate.errors}`)

  // refusals: the worst bodies up to BODY_LIMIT, each refused (400) by the hub, and parsed only by
  // a bare Fastify route (the part no validation can save); a few connections, CPU per request
  const refusalHub = await hubOf(redis.url, 'benchr', 'api', agency.url)
  const refusalKey = (await refusalHub.clients.add({ id: 'bench-refusals', role: 'portal' })).key
  const refusalUrl = await refusalHub.app?.listen({ port: 0, host: '127.0.0.1' }) ?? ''
  const parseOnly = Fastify({ bodyLimit: BODY_LIMIT })
  parseOnly.post('/parse', async (_req, reply) => await reply.code(400).send({ parsed: true }))
  const parseUrl = await parseOnly.listen({ port: 0, host: '127.0.0.1' })
  let worst: { name: string, hub: LoadResult & { cpuUs: number }, parse: LoadResult & { cpuUs: number } } | undefined
  for (const [name, body] of Object.entries(worstBodies())) {
    const refused = await load(`${refusalUrl}/v1/dossiers`, 'same', [body], { authorization: `Bearer ${refusalKey}` }, 4)
    if (refused.total === 0 || refused.errors > 0 || refused.statuses['400'] !== refused.total) console.error(`note: refusals of ${name}: ${refused.total} requests, ${refused.errors} errors, answers ${JSON.stringify(refused.statuses)} (all should be 400)`)
    const parsed = await load(`${parseUrl}/parse`, 'same', [body], {}, 4)
    console.error(`refusal of ${name}: ${(refused.cpuUs / 1000).toFixed(1)} ms CPU each (parse alone ${(parsed.cpuUs / 1000).toFixed(1)} ms), ${refused.total} requests`)
    if (worst === undefined || refused.cpuUs > worst.hub.cpuUs) worst = { name, hub: refused, parse: parsed }
  }
  await refusalHub.close()
  await parseOnly.close()
  if (worst !== undefined) {
    const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`
    row(`CPU per refusal of the worst body up to BODY_LIMIT (${BODY_LIMIT >> 20} MiB: ${worst.name})`, `${ms(worst.hub.cpuUs)} CPU each, p99 ${worst.hub.p99} ms`, `${ms(worst.parse.cpuUs)} CPU each (Fastify parsing it)`, `${(worst.hub.cpuUs / worst.parse.cpuUs).toFixed(1)}×`, '≤ 100 ms', worst.hub.cpuUs <= 100_000)
  }

  // delivery: queue DELIVERIES dossiers with no worker running (their first stage's deliveries),
  // then one worker process delivers them
  const filler = await hubOf(redis.url, 'benchd', 'api', agency.url)
  const fillKey = (await filler.clients.add({ id: 'fill', role: 'portal' })).key
  let deliveries = 0
  for (let i = 0; i < DELIVERIES; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, DELIVERIES - i) }, async (_, j) => {
      const res = await filler.app?.inject({ method: 'POST', url: '/v1/dossiers', headers: { authorization: `Bearer ${fillKey}` }, payload: JSON.parse(submission(1_000_000 + i + j)) })
      if (res?.statusCode !== 201) throw new Error(`filling: ${res?.statusCode}`)
      deliveries += Object.values(res.json<DossierSummary>().routing ?? {}).filter((r) => r?.state === 'pending').length
    }))
  }
  await filler.close()
  // timed from the first delivery to the last, as the no-op jobs below: the worker process's start-up
  // (compiling schemas, connecting) is not delivery work
  const delivered = agency.deliveries(deliveries)
  const worker = await hubOf(redis.url, 'benchd', 'worker', agency.url)
  // a delivery that fails for good never reaches the sink: give up rather than wait for ever
  const limitMs = Math.max(60_000, deliveries * 20)
  let timer: NodeJS.Timeout | undefined
  const { first: firstDelivery, last: lastDelivery } = await Promise.race([delivered, new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`the sink did not get all ${deliveries} deliveries within ${limitMs / 1000} s: look for failed jobs under the prefix benchd`)) }, limitMs)
  })])
  clearTimeout(timer)
  const deliveryRate = (deliveries - 1) / ((lastDelivery - firstDelivery) / 1000)
  await worker.close()

  const conn = new Redis(redis.url, { maxRetriesPerRequest: null })
  const noop = new Queue('noop', { connection: conn, prefix: 'benchn' })
  for (let i = 0; i < deliveries; i += 500) await noop.addBulk(Array.from({ length: Math.min(500, deliveries - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })))
  let done = 0
  let first = 0
  let last = 0
  const noopWorker = new Worker('noop', async () => { done++; if (done === 1) first = Date.now(); if (done === deliveries) last = Date.now() }, { connection: conn, prefix: 'benchn', concurrency: 64 })
  while (done < deliveries) await new Promise((res) => setTimeout(res, 20))
  const noopRate = (deliveries - 1) / (((last || Date.now()) - first) / 1000)
  await noopWorker.close()
  await noop.close()
  row(`delivery (one worker, ${deliveries} deliveries)`, `${Math.round(deliveryRate)}/s`, `${Math.round(noopRate)}/s (BullMQ no-op)`, pct(deliveryRate, noopRate), '≥ 40%', deliveryRate >= 0.4 * noopRate)

  // memory: Redis bytes per stored dossier vs its raw JSON
  await conn.flushdb()
  const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await conn.info('memory'))?.[1] ?? 0)
  const store = await hubOf(redis.url, 'benchm', 'api', agency.url)
  const memKey = (await store.clients.add({ id: 'mem', role: 'portal' })).key
  const m0 = await used()
  let raw = 0
  for (let i = 0; i < MEMORY_N; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, MEMORY_N - i) }, async (_, j) => {
      const body = submission(2_000_000 + i + j)
      raw += Buffer.byteLength(body)
      const res = await store.app?.inject({ method: 'POST', url: '/v1/dossiers', headers: { authorization: `Bearer ${memKey}`, 'content-type': 'application/json' }, payload: body })
      if (res?.statusCode !== 201) throw new Error(`memory run: ${res?.statusCode}`)
    }))
  }
  await store.close()
  const m1 = await used()
  // the delivery jobs are removed a week after delivery: measure the dossiers without them too
  let cursor = '0'
  do {
    const [next, keys] = await conn.scan(cursor, 'MATCH', 'benchm:q:*', 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await conn.unlink(...keys)
  } while (cursor !== '0')
  await new Promise((res) => setTimeout(res, 500))
  const m2 = await used()
  const rawPer = raw / MEMORY_N
  const withJobs = (m1 - m0) / MEMORY_N
  const dossiersOnly = (m2 - m0) / MEMORY_N
  row(`memory (${MEMORY_N} dossiers)`, `${Math.round(dossiersOnly)} B/dossier (${Math.round(withJobs)} with its queued job)`, `${Math.round(rawPer)} B raw JSON`, `${(dossiersOnly / rawPer).toFixed(2)}× (${(withJobs / rawPer).toFixed(2)}×)`, '≤ 1.5×', dossiersOnly <= 1.5 * rawPer)
  conn.disconnect()
  r.disconnect()
} finally {
  agency.child.disconnect()
  redis.child.kill('SIGTERM')
  await record.drop()
}

const header = ['measure', 'hub', 'ceiling (same run)', 'ratio', 'target', '']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')
console.log(`\nliên thông hub bench — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${CONNECTIONS} connections, ${DURATION} s per load run; load generator and agency sink in their own processes\n`)
console.log(line(header))
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'))
for (const r of rows) console.log(line(r))
