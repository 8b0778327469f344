/**
 * npm run bench — the hub's speed and footprint against ceilings measured in the same run, on the
 * same servers (issue 13's table). Starts its own redis-server on a free port (nothing on disk);
 * the record is a scratch database of its own on the PostgreSQL DATABASE_URL names (unset: the one
 * at 127.0.0.1:5432; none answering: an embedded PGlite), dropped at the end (bench/database.ts).
 * The load is the example dossiers (schemas/examples, every procedure in turn) routed as
 * config/hub.json routes them, each agency's endpoint pointing at the sink; without webhook
 * subscribers. Prints a table.
 *
 *   intake       new dossiers through the API (validated, received once, committed with its
 *                steps, history, outbox and audit rows, queued), 50 connections, vs a bare Fastify
 *                route doing one INSERT of the body (jsonb) into a table without indexes,
 *                committed (autocommit, synchronous_commit as the server has it), with the same
 *                driver and pool                                                   target ≥ 40%
 *   latency      intake in an open loop at 500 new dossiers/s (BENCH_OPEN_RATE): requests start
 *                on time whatever the hub does, latency from when each was due     target p99 ≤ 20 ms
 *   duplicates   the receive-once answer to a repeated submission vs a bare Fastify route doing
 *                one SELECT by key (the primary key of a table holding the body)  target ≥ 60%
 *   refusals     CPU per refusal of the worst bodies up to BODY_LIMIT (1 MiB here): an array
 *                field filled with empty objects or arrays, thousands of unknown properties, one
 *                property named by the whole body; the worst of them vs a bare Fastify route
 *                parsing the same body                                              target ≤ 100 ms
 *   delivery     deliveries per second to the agency sink by one worker process (the first stage
 *                of each dossier's route; each agency's queue at concurrency 64) vs a BullMQ
 *                worker (concurrency 64) doing one undici POST of the stored body (the job's data)
 *                to the same sink                                                   target ≥ 40%
 *   Redis        used_memory per dossier whose deliveries are queued and not done (no worker
 *                running), and its growth from before the intake of BENCH_MEMORY_DOSSIERS
 *                dossiers to after their every queued delivery completed (completed jobs removed
 *                as src/queues/delivery-queues.ts says: after an hour, beyond 10 000 per queue).
 *                In two halves, each taken in and then delivered, so that the second half shows
 *                whether the growth goes on or stops at that cap. A record and a redis-server of
 *                its own; after a warm-up, so scripts, queues and schedulers are there before the
 *                first figure; measured with only the bench's own connection open
 *                                                        target ≤ 1 KB per dossier; < 1 MB growth
 *   PostgreSQL   bytes per dossier of the whole record (every table with its indexes and TOAST:
 *                dossier row, steps, history, outbox, audit, receive-once keys) grown by the
 *                first half's intake, after VACUUM and with the indicators' facts built, vs the
 *                raw JSON sent; and once both halves are delivered (steps and outbox rows
 *                rewritten)                                                        target ≤ 2.5×
 *
 * The load generator (bench/load.ts: autocannon, or an undici open loop) and the agency sink
 * (bench/sink.ts) run in their own processes: they stand for the portal and the agency's software,
 * other systems whose CPU is not the hub's. The servers measured — the hub and the bare ceilings —
 * run in this one; PostgreSQL and Redis are the same servers for both.
 *
 * indicators   the Decision 766 indicators (GET /v1/reports/indicators' statement) for the year of
 *                BENCH_INDICATOR_DOSSIERS generated dossiers (default 1 000 000, ~7 min to generate; 0: skipped), in a
 *                scratch database of their own (bench/indicators.ts)   target ≤ 2 s for 1 000 000
 *
 * BENCH_DURATION (seconds per load run, default 10), BENCH_WARM_UP (seconds of the same load each
 * server takes, not counted, before its intake and duplicates runs: default 3), BENCH_CONNECTIONS (default 50),
 * BENCH_OPEN_RATE (default 500), BENCH_DELIVERIES (dossiers queued for the delivery run, default
 * 5000), BENCH_MEMORY_DOSSIERS (default 100000), BENCH_ROUNDS (default 3: the intake, duplicates
 * and delivery measures are each cut into that many rounds, the hub's and its ceiling's taken in
 * turn, so that the machine's drifting speed weighs on both alike; each round's ratio is printed).
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import diagnostics from 'node:diagnostics_channel'
import type { AddressInfo } from 'node:net'
import { cpus, totalmem } from 'node:os'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { Queue, Worker } from 'bullmq'
import { request } from 'undici'
import type { Sql } from 'postgres'
import { createHub, type Hub } from '../src/runtime.ts'
import { createLogger } from '../src/logger.ts'
import { resolveHubConfig, type HubSettings } from '../src/config/hub-config.ts'
import { fromRoot } from '../src/paths.ts'
import type { Database } from '../src/store/db.ts'
import { deliveryQueueName } from '../src/queues/delivery-queues.ts'
import type { DossierSubmission, DossierSummary } from '../src/types/schemas.generated.ts'
import type { LoadJob, LoadResult } from './load.ts'
import { benchDatabase } from './database.ts'
import { addFloorRoute } from './floor.ts'

const DURATION = Number(process.env.BENCH_DURATION ?? 10)
/** seconds of load each server takes before a closed-loop run of it is measured (BENCH_WARM_UP) */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 3)
/**
 * into how many rounds the hub's and its ceiling's measured load is cut, taken in turn (BENCH_ROUNDS):
 * this machine's speed drifts within a minute, and a ceiling measured once before the hub once gives
 * a ratio off by as much as that drift
 */
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 3)))
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50)
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 500)
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 5000)
const MEMORY_N = Number(process.env.BENCH_MEMORY_DOSSIERS ?? 100_000)
const INDICATOR_N = Number(process.env.BENCH_INDICATOR_DOSSIERS ?? 1_000_000)
const examplesDir = fromRoot('schemas', 'examples')
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(examplesDir, f), 'utf8')) as DossierSubmission)

const progress = (line: string): void => { console.error(`[bench] ${line}`) }

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
    try { await r.connect(); await r.ping(); r.disconnect(); return { url, child } } catch { r.disconnect(); await new Promise((resolve) => setTimeout(resolve, 100)) }
  }
  throw new Error('redis-server did not start (is it installed?)')
}

type Measured = LoadResult & { cpuUs: number }

/**
 * The time the servers in this process take per answer, from a request's headers parsed to its
 * answer finished (Node's http diagnostics channels): what the open loop's latency is without the
 * load generator's and the kernel's queues. Counts while `on`, for whichever server answers.
 */
const serverTimes = (() => {
  const started = new WeakMap<object, number>()
  const times: number[] = []
  let on = false
  diagnostics.subscribe('http.server.request.start', (m) => { if (on) started.set((m as { response: object }).response, performance.now()) })
  diagnostics.subscribe('http.server.response.finish', (m) => {
    const t = started.get((m as { response: object }).response)
    if (t !== undefined) times.push(performance.now() - t)
  })
  return {
    start: (): void => { times.length = 0; on = true },
    /** stops counting; the median and the 99th percentile, ms */
    stop: (): { p50: number, p99: number } => {
      on = false
      const sorted = times.sort((a, b) => a - b)
      const at = (q: number): number => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1))
      return { p50: at(0.5), p99: at(0.99) }
    }
  }
})()

/**
 * One load run in its own process (bench/load.ts): the portal is another system. `rate`: an open
 * loop at that many requests a second. `cpuUs`: this process's CPU time per request meanwhile
 * (the server under test is all it runs), a figure the machine's other load moves less than the rate.
 */
async function load (url: string, mode: LoadJob['mode'], templates: string[], headers: Record<string, string> = {}, connections = CONNECTIONS, rate?: number, duration = DURATION): Promise<Measured> {
  const child = fork(new URL('./load.ts', import.meta.url), { stdio: 'inherit' })
  const result = once(child, 'message') as Promise<[LoadResult]>
  const cpu = process.cpuUsage()
  child.send({ url, connections, duration, headers, templates, mode, ...(rate !== undefined && { rate }) } satisfies LoadJob)
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

async function hubOf (redisUrl: string, prefix: string, role: 'api' | 'worker', agencyUrl: string, database: Database): Promise<Hub> {
  return await createHub({ role, redisUrl, prefix, settings: settings(agencyUrl), logger: createLogger('silent'), bodyLimit: BODY_LIMIT, inlineAttachmentLimit: 1 << 18, reconcileIntervalMs: 3_600_000, database })
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

/** Waits for `delivered` (the sink's answer), giving up after a time in proportion to `n`. */
async function within<T> (delivered: Promise<T>, n: number, what: string): Promise<T> {
  const limitMs = Math.max(60_000, n * 20)
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([delivered, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`the sink did not get all ${n} ${what} within ${limitMs / 1000} s: look for failed jobs`)) }, limitMs)
    })])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Submits dossiers number `from`…`from + n - 1` through the hub's API in this process (inject,
 * 200 at a time). Returns the bytes of JSON sent and how many deliveries were queued (the pending
 * steps of each route's first stage).
 */
async function submitMany (hub: Hub, key: string, from: number, n: number): Promise<{ raw: number, jobs: number }> {
  let raw = 0
  let jobs = 0
  for (let i = 0; i < n; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, n - i) }, async (_, j) => {
      const body = submission(from + i + j)
      raw += Buffer.byteLength(body)
      const res = await hub.app?.inject({ method: 'POST', url: '/v1/dossiers', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: body })
      if (res?.statusCode !== 201) throw new Error(`submitting: ${res?.statusCode} ${res?.body}`)
      jobs += Object.values(res.json<DossierSummary>().routing ?? {}).filter((r) => r?.state === 'pending').length
    }))
  }
  return { raw, jobs }
}

/** Waits until no delivery of the hub under `prefix` is waiting, active or delayed; the failed ones. */
async function drained (conn: Redis, prefix: string, agencies: string[]): Promise<number> {
  const queues = agencies.map((id) => new Queue(deliveryQueueName(id), { connection: conn, prefix: `${prefix}:q` }))
  try {
    for (;;) {
      const counts = await Promise.all(queues.map(async (q) => await q.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'failed')))
      if (counts.every((c) => (c.wait ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0)) return counts.reduce((s, c) => s + (c.failed ?? 0), 0)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  } finally {
    await Promise.all(queues.map(async (q) => { await q.close() }))
  }
}

/**
 * Every table of the record with its indexes and TOAST, after a VACUUM (what the disk holds), once
 * the indicators' facts of every dossier are built (the maintenance job's flush, run here to the
 * end: the facts are part of what a dossier costs, and a figure should not depend on how far the
 * flush had got).
 */
async function tableBytes (sql: Sql): Promise<Map<string, number>> {
  while (((await sql<Array<{ n: number }>>`select indicator_flush(5000) as n`)[0]?.n ?? 0) > 0) { /* until no dossier is marked */ }
  await sql.unsafe('vacuum analyze')
  const rows = await sql<Array<{ name: string, total: string }>>`select c.relname as name, pg_total_relation_size(c.oid) as total
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`
  return new Map(rows.map((r) => [r.name, Number(r.total)]))
}

function grownBy (before: Map<string, number>, after: Map<string, number>): { total: number, tables: Array<[string, number]> } {
  const tables = [...after].map(([name, bytes]): [string, number] => [name, bytes - (before.get(name) ?? 0)]).filter(([, b]) => b !== 0).sort((a, b) => b[1] - a[1])
  return { total: tables.reduce((s, [, b]) => s + b, 0), tables }
}

async function redisMemory (conn: Redis): Promise<{ used: number, dataset: number, stats: Record<string, number> }> {
  const info = await conn.info('memory')
  // MEMORY STATS: where the overhead is (the keyspace's hash tables, clients' buffers)
  const raw = await conn.call('MEMORY', 'STATS') as unknown[]
  const stats: Record<string, number> = {}
  const walk = (list: unknown[], prefix: string): void => {
    for (let i = 0; i + 1 < list.length; i += 2) {
      const [k, v] = [String(list[i]), list[i + 1]]
      if (typeof v === 'number') stats[prefix + k] = v
      else if (Array.isArray(v)) walk(v, `${prefix}${k}.`)
    }
  }
  walk(raw, '')
  return { used: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0), dataset: Number(/used_memory_dataset:(\d+)/.exec(info)?.[1] ?? 0), stats }
}

const rows: string[][] = []
const notes: string[] = []
const pct = (a: number, b: number): string => `${Math.round((a / b) * 100)}%`
const int = (n: number): string => Math.round(n).toLocaleString('en-US').replaceAll(',', ' ')
function row (what: string, hub: string, ceiling: string, ratio: string, target: string, ok: boolean): void {
  rows.push([what, hub, ceiling, ratio, target, ok ? 'met' : 'MISSED'])
}
/**
 * Rounds of one measure taken as one: answers over the time they took, CPU per answer over all of
 * them, the median of the rounds' medians and the highest of their p99s.
 */
function combined (rounds: Measured[]): Measured {
  const total = rounds.reduce((sum, r) => sum + r.total, 0)
  const seconds = rounds.reduce((sum, r) => sum + r.total / Math.max(r.rps, 1e-9), 0)
  const p50s = rounds.map((r) => r.p50).sort((a, b) => a - b)
  const statuses: Record<string, number> = {}
  for (const r of rounds) for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n
  return {
    rps: total / Math.max(seconds, 1e-9),
    p50: p50s[Math.floor((p50s.length - 1) / 2)] ?? NaN,
    p99: Math.max(...rounds.map((r) => r.p99)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    total,
    statuses,
    cpuUs: rounds.reduce((sum, r) => sum + r.cpuUs * r.total, 0) / Math.max(total, 1)
  }
}

/**
 * The hub and its ceiling, ROUNDS rounds each, in turn (ceiling first in the odd rounds, the hub
 * first in the even ones, so that a steady drift of the machine's speed weighs on both alike);
 * each round's ratio goes to the notes.
 */
async function inTurn (what: string, ceilingRound: () => Promise<Measured>, hubRound: () => Promise<Measured>): Promise<{ hub: Measured, ceiling: Measured }> {
  const hubs: Measured[] = []
  const ceilings: Measured[] = []
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      ceilings.push(await ceilingRound())
      hubs.push(await hubRound())
    } else {
      hubs.push(await hubRound())
      ceilings.push(await ceilingRound())
    }
  }
  if (ROUNDS > 1) notes.push(`${what}, round by round: ${hubs.map((h, i) => `${int(h.rps)}/s against ${int(ceilings[i]?.rps ?? NaN)}/s (${pct(h.rps, ceilings[i]?.rps ?? NaN)})`).join('; ')}`)
  return { hub: combined(hubs), ceiling: combined(ceilings) }
}

const loadNote = (what: string, r: Measured): void => {
  if (r.errors + r.non2xx > 0) notes.push(`${what}: ${r.errors} errors, answers ${JSON.stringify(r.statuses)}`)
}

const redis = await startRedis()
const agency = await sink()
const record = await benchDatabase()
let recordDropped = false
let memRecord: Awaited<ReturnType<typeof benchDatabase>> | undefined
let memRedis: Awaited<ReturnType<typeof startRedis>> | undefined
let memConnection: Redis | undefined
const conn = new Redis(redis.url, { maxRetriesPerRequest: null })
try {
  const sql = record.db.sql
  // the ceilings: bare Fastify routes on the same PostgreSQL, through the same pool the hub uses
  await sql`create table bench_ceiling_insert (body jsonb not null)`
  await sql`create table bench_ceiling_select (key text primary key, body jsonb not null)`
  type Sourced = { source: { system: string, reference: string } }
  const bare = Fastify()
  bare.post('/insert', async (req, reply) => {
    await sql`insert into bench_ceiling_insert (body) values (${sql.json(req.body as never)})`
    return await reply.code(201).send({ ok: true })
  })
  bare.post('/select', async (req) => {
    const { source } = req.body as Sourced
    const [found] = await sql`select key from bench_ceiling_select where key = ${`${source.system}\n${source.reference}`}`
    return { found: found !== undefined }
  })
  // the intake floor (bench/floor.ts): the least an intake as the issue names it does, as a bare route
  const closeFloor = await addFloorRoute(bare, sql, redis.url)
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })

  // the hub's API role in this process
  const api = await hubOf(redis.url, 'bench', 'api', agency.url, record.db)
  const key = (await api.clients.add({ id: 'bench', role: 'portal' })).key
  const apiUrl = await api.app?.listen({ port: 0, host: '127.0.0.1' }) ?? ''
  const auth = { authorization: `Bearer ${key}` }

  // intake, closed loop: the ceiling, then the hub
  progress(`intake: ceiling and hub in turn, ${ROUNDS} rounds (${CONNECTIONS} connections, ${DURATION} s each in all)`)
  // each server first takes WARM_UP seconds of the same load, not counted: its code compiled by
  // the JIT, its pools connected, as in a server that has been running (the hub has far more code to
  // compile than the bare route, and would otherwise pay for it inside its measured seconds)
  await load(`${bareUrl}/insert`, 'unique', templates, {}, CONNECTIONS, undefined, WARM_UP)
  await load(`${apiUrl}/v1/dossiers`, 'unique', templates, auth, CONNECTIONS, undefined, WARM_UP)
  const { hub: intake, ceiling: insertCeiling } = await inTurn('intake',
    async () => await load(`${bareUrl}/insert`, 'unique', templates, {}, CONNECTIONS, undefined, DURATION / ROUNDS),
    async () => await load(`${apiUrl}/v1/dossiers`, 'unique', templates, auth, CONNECTIONS, undefined, DURATION / ROUNDS))
  loadNote('intake', intake)
  loadNote('INSERT ceiling', insertCeiling)
  progress('intake floor: the INSERT ceiling and the floor in turn')
  // the floor against the same ceiling, in turn as the hub was: what the least an intake can cost
  // here makes of the ratio (a note: not the hub, not a target)
  await load(`${bareUrl}/floor`, 'unique', templates, {}, CONNECTIONS, undefined, WARM_UP)
  const { hub: floor, ceiling: floorCeiling } = await inTurn('intake floor',
    async () => await load(`${bareUrl}/insert`, 'unique', templates, {}, CONNECTIONS, undefined, DURATION / ROUNDS),
    async () => await load(`${bareUrl}/floor`, 'unique', templates, {}, CONNECTIONS, undefined, DURATION / ROUNDS))
  loadNote('intake floor', floor)
  notes.push(`intake floor (bench/floor.ts: a bare route doing only what the issue names, in one statement): ${int(floor.rps)}/s, ${int(floor.cpuUs)} µs CPU each, against ${int(floorCeiling.rps)}/s for the INSERT ceiling: ${pct(floor.rps, floorCeiling.rps)}; the hub's intake ${pct(intake.rps, insertCeiling.rps)}`)
  row(`intake, new dossiers/s, ${CONNECTIONS} connections`, `${int(intake.rps)}/s, p50 ${intake.p50} ms, p99 ${intake.p99} ms; ${int(intake.cpuUs)} µs CPU each`,
    `${int(insertCeiling.rps)}/s, p99 ${insertCeiling.p99} ms; ${int(insertCeiling.cpuUs)} µs CPU each (Fastify + one INSERT of the body, jsonb)`, pct(intake.rps, insertCeiling.rps), '≥ 40%', intake.rps >= 0.4 * insertCeiling.rps)

  // intake latency, open loop
  progress(`intake latency: open loop at ${OPEN_RATE}/s for ${DURATION} s`)
  await new Promise((resolve) => setTimeout(resolve, 2000))
  serverTimes.start()
  const open = await load(`${apiUrl}/v1/dossiers`, 'unique', templates, auth, CONNECTIONS, OPEN_RATE)
  const openInHub = serverTimes.stop()
  loadNote('open loop', open)
  notes.push(`intake latency, open loop at ${OPEN_RATE}/s, inside the hub (its request's headers parsed to its answer finished): p50 ${openInHub.p50} ms, p99 ${openInHub.p99} ms`)
  row(`intake latency, open loop at ${OPEN_RATE} dossiers/s`, `p50 ${open.p50} ms, p99 ${open.p99} ms, p99.9 ${open.p999} ms, max ${open.max} ms; ${int(open.rps)}/s answered, ${int(open.cpuUs)} µs CPU each`,
    '—', '—', 'p99 ≤ 20 ms', open.p99 <= 20)
  // the same at half the rate: what the latency is when the hub is not at the edge of what it takes
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const halfRate = await load(`${apiUrl}/v1/dossiers`, 'unique', templates, auth, CONNECTIONS, OPEN_RATE / 2)
  loadNote('open loop at half the rate', halfRate)
  notes.push(`intake latency, open loop at ${OPEN_RATE / 2}/s: p50 ${halfRate.p50} ms, p99 ${halfRate.p99} ms, p99.9 ${halfRate.p999} ms, max ${halfRate.max} ms; ${int(halfRate.cpuUs)} µs CPU each`)

  // duplicates: the ceiling, then the hub (its first request stores the dossier, the rest are repeats)
  progress('duplicates: ceiling, then the hub')
  const dupBody = submission(-1)
  const dupSource = (JSON.parse(dupBody) as Sourced).source
  await sql`insert into bench_ceiling_select (key, body) values (${`${dupSource.system}\n${dupSource.reference}`}, ${sql.json(JSON.parse(dupBody) as never)})`
  await load(`${bareUrl}/select`, 'same', [dupBody], {}, CONNECTIONS, undefined, WARM_UP)
  await load(`${apiUrl}/v1/dossiers`, 'same', [dupBody], auth, CONNECTIONS, undefined, WARM_UP)
  const { hub: duplicate, ceiling: selectCeiling } = await inTurn('duplicates',
    async () => await load(`${bareUrl}/select`, 'same', [dupBody], {}, CONNECTIONS, undefined, DURATION / ROUNDS),
    async () => await load(`${apiUrl}/v1/dossiers`, 'same', [dupBody], auth, CONNECTIONS, undefined, DURATION / ROUNDS))
  loadNote('duplicates', duplicate)
  row('duplicates (receive once)', `${int(duplicate.rps)}/s, p99 ${duplicate.p99} ms; ${int(duplicate.cpuUs)} µs CPU each`,
    `${int(selectCeiling.rps)}/s, p99 ${selectCeiling.p99} ms; ${int(selectCeiling.cpuUs)} µs CPU each (Fastify + one SELECT by key)`, pct(duplicate.rps, selectCeiling.rps), '≥ 60%', duplicate.rps >= 0.6 * selectCeiling.rps)
  await api.close()
  await bare.close()
  await closeFloor()

  // refusals: the worst bodies up to BODY_LIMIT, each refused (400) by the hub, and parsed only by
  // a bare Fastify route (the part no validation can save); a few connections, CPU per request
  progress('refusals')
  const refusalHub = await hubOf(redis.url, 'benchr', 'api', agency.url, record.db)
  const refusalKey = (await refusalHub.clients.add({ id: 'bench-refusals', role: 'portal' })).key
  const refusalUrl = await refusalHub.app?.listen({ port: 0, host: '127.0.0.1' }) ?? ''
  const parseOnly = Fastify({ bodyLimit: BODY_LIMIT })
  parseOnly.post('/parse', async (_req, reply) => await reply.code(400).send({ parsed: true }))
  const parseUrl = await parseOnly.listen({ port: 0, host: '127.0.0.1' })
  let worst: { name: string, hub: Measured, parse: Measured } | undefined
  for (const [name, body] of Object.entries(worstBodies())) {
    const refused = await load(`${refusalUrl}/v1/dossiers`, 'same', [body], { authorization: `Bearer ${refusalKey}` }, 4)
    if (refused.total === 0 || refused.errors > 0 || refused.statuses['400'] !== refused.total) notes.push(`refusals of ${name}: ${refused.total} requests, ${refused.errors} errors, answers ${JSON.stringify(refused.statuses)} (all should be 400)`)
    const parsed = await load(`${parseUrl}/parse`, 'same', [body], {}, 4)
    notes.push(`refusal of ${name}: ${(refused.cpuUs / 1000).toFixed(1)} ms CPU each (parse alone ${(parsed.cpuUs / 1000).toFixed(1)} ms), ${refused.total} requests`)
    if (worst === undefined || refused.cpuUs > worst.hub.cpuUs) worst = { name, hub: refused, parse: parsed }
  }
  await refusalHub.close()
  await parseOnly.close()
  if (worst !== undefined) {
    const ms = (us: number): string => `${(us / 1000).toFixed(1)} ms`
    row(`CPU per refusal of the worst body up to BODY_LIMIT (${BODY_LIMIT >> 20} MiB: ${worst.name})`, `${ms(worst.hub.cpuUs)} CPU each, p99 ${worst.hub.p99} ms`, `${ms(worst.parse.cpuUs)} CPU each (Fastify parsing it)`, `${(worst.hub.cpuUs / worst.parse.cpuUs).toFixed(1)}×`, '≤ 100 ms', worst.hub.cpuUs <= 100_000)
  }

  // delivery: dossiers queued with no worker running (their first stage's deliveries), then one
  // worker process (the hub's worker role, in this process) delivers them; the ceiling the same
  // number of jobs; in ROUNDS rounds taken in turn, DELIVERIES dossiers in all
  progress(`delivery: ${DELIVERIES} dossiers in ${ROUNDS} rounds, each queued with no worker running and then delivered by one worker; the ceiling in turn`)
  const perRound = Math.ceil(DELIVERIES / ROUNDS)
  let deliveries = 0
  /** a round's dossiers taken in, with no worker running; how many deliveries they queued */
  const fill = async (i: number, n = perRound): Promise<number> => {
    const filler = await hubOf(redis.url, 'benchd', 'api', agency.url, record.db)
    const fillKey = (await filler.clients.add({ id: `fill-${i}`, role: 'portal' })).key
    const { jobs } = await submitMany(filler, fillKey, 1_000_000 + i * perRound, n)
    await filler.close()
    return jobs
  }
  const deliveryRound = async (jobs: number): Promise<{ rate: number, jobs: number }> => {
    // timed from the first delivery to the last at the sink, as the ceiling's: the worker's start-up
    // (compiling schemas, connecting) is not delivery work
    const delivered = agency.deliveries(jobs)
    const worker = await hubOf(redis.url, 'benchd', 'worker', agency.url, record.db)
    const times = await within(delivered, jobs, 'deliveries (prefix benchd)')
    await worker.close()
    return { rate: (jobs - 1) / ((times.last - times.first) / 1000), jobs }
  }
  // the ceiling: a BullMQ worker, concurrency 64, one undici POST of the stored body (the job's
  // data) to the same sink per job; the jobs kept after completion as the hub's are
  const ceilingRound = async (i: number, jobs: number): Promise<{ rate: number, jobs: number }> => {
    const ceilingQueue = new Queue<{ body: string }>('ceiling', { connection: conn, prefix: 'benchc' })
    for (let k = 0; k < jobs; k += 500) {
      await ceilingQueue.addBulk(Array.from({ length: Math.min(500, jobs - k) }, (_, j) => ({
        name: 'post', data: { body: submission(3_000_000 + i * perRound + k + j) }, opts: { removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: false }
      })))
    }
    const ceilingDelivered = agency.deliveries(jobs)
    const ceilingWorker = new Worker<{ body: string }>('ceiling', async (job) => {
      const res = await request(`${agency.url}/ceiling`, { method: 'POST', body: job.data.body, headers: { 'content-type': 'application/json' } })
      await res.body.dump()
      if (res.statusCode >= 300) throw new Error(`sink answered ${res.statusCode}`)
    }, { connection: conn, prefix: 'benchc', concurrency: 64 })
    const times = await within(ceilingDelivered, jobs, 'ceiling POSTs')
    await ceilingWorker.close()
    await ceilingQueue.close()
    return { rate: (jobs - 1) / ((times.last - times.first) / 1000), jobs }
  }
  // a round of each first, not counted, as for intake: the code each runs compiled by the JIT (the
  // ceiling's BullMQ and undici are the hub's too, and whichever went first would pay for both)
  const warmJobs = await fill(-1, Math.min(perRound, 500))
  await deliveryRound(warmJobs)
  await ceilingRound(-1, warmJobs)
  const hubRounds: Array<{ rate: number, jobs: number }> = []
  const ceilingRounds: Array<{ rate: number, jobs: number }> = []
  for (let i = 0; i < ROUNDS; i++) {
    // the ceiling as many jobs as the round's dossiers queued; first in the odd rounds, after the hub in the even ones
    const jobs = await fill(i)
    deliveries += jobs
    if (i % 2 === 0) {
      ceilingRounds.push(await ceilingRound(i, jobs))
      hubRounds.push(await deliveryRound(jobs))
    } else {
      hubRounds.push(await deliveryRound(jobs))
      ceilingRounds.push(await ceilingRound(i, jobs))
    }
  }
  const overall = (rounds: Array<{ rate: number, jobs: number }>): number => rounds.reduce((s, r) => s + r.jobs, 0) / rounds.reduce((s, r) => s + r.jobs / r.rate, 0)
  const deliveryRate = overall(hubRounds)
  const ceilingRate = overall(ceilingRounds)
  if (ROUNDS > 1) notes.push(`delivery, round by round: ${hubRounds.map((h, i) => `${int(h.rate)}/s against ${int(ceilingRounds[i]?.rate ?? NaN)}/s (${pct(h.rate, ceilingRounds[i]?.rate ?? NaN)})`).join('; ')}`)
  row(`delivery to the agency sink, one worker process (${deliveries} deliveries)`, `${int(deliveryRate)}/s`, `${int(ceilingRate)}/s (BullMQ worker, one undici POST of the stored body)`, pct(deliveryRate, ceilingRate), '≥ 40%', deliveryRate >= 0.4 * ceilingRate)
  await record.drop()
  recordDropped = true

  // Redis and PostgreSQL per dossier: a record and a Redis of their own (the measures above leave
  // their jobs in the first Redis, and a keyspace holding them keeps the hash table the in-flight
  // peak grew, which would be counted here). A warm-up first (dossiers taken in and delivered to
  // the end), so that BullMQ's and the hub's scripts, the queues, their event streams and the
  // maintenance schedulers exist before the first figure.
  memRecord = await benchDatabase('_m')
  const memServer = await startRedis()
  memRedis = memServer
  const memConn = new Redis(memServer.url, { maxRetriesPerRequest: null })
  memConnection = memConn
  const mem = memRecord
  const agencyIds = [...settings(agency.url).agencies.keys()]
  const quiet = async (): Promise<Awaited<ReturnType<typeof redisMemory>>> => { await new Promise((resolve) => setTimeout(resolve, 500)); return await redisMemory(memConn) }
  const deliverAll = async (n: number): Promise<number> => {
    const arrived = agency.deliveries(n)
    const w = await hubOf(memServer.url, 'benchm', 'worker', agency.url, mem.db)
    const t = await within(arrived, n, 'deliveries (prefix benchm)')
    const failed = await drained(memConn, 'benchm', agencyIds)
    await w.close()
    if (failed > 0) notes.push(`Redis/PostgreSQL run: ${failed} deliveries failed`)
    return (n - 1) / ((t.last - t.first) / 1000)
  }
  progress(`Redis and PostgreSQL per dossier: warm-up, then ${MEMORY_N} dossiers in two halves, each taken in with no worker and then delivered`)
  const memApi = await hubOf(memServer.url, 'benchm', 'api', agency.url, mem.db)
  const memKey = (await memApi.clients.add({ id: 'mem', role: 'portal' })).key
  const warm = await submitMany(memApi, memKey, 2_000_000, 200)
  await memApi.close()
  await deliverAll(warm.jobs)
  const r0 = await quiet()
  const pg0 = await tableBytes(mem.db.sql)

  // two halves, each taken in with no worker running, then delivered: the second half says
  // whether the growth goes on with the number of dossiers or stops at the completed jobs' cap
  const half = Math.floor(MEMORY_N / 2)
  const phase = async (from: number, n: number): Promise<{ raw: number, jobs: number, seconds: number, inFlight: Awaited<ReturnType<typeof redisMemory>>, pg: Map<string, number>, rate: number, delivered: Awaited<ReturnType<typeof redisMemory>> }> => {
    const api = await hubOf(memServer.url, 'benchm', 'api', agency.url, mem.db)
    const t0 = Date.now()
    const taken = await submitMany(api, memKey, from, n)
    const seconds = (Date.now() - t0) / 1000
    await api.close()
    const inFlight = await quiet()
    const pg = await tableBytes(mem.db.sql)
    progress(`${n} taken in at ${int(n / seconds)}/s (inject, 200 at a time); delivering ${taken.jobs}`)
    const rate = await deliverAll(taken.jobs)
    return { ...taken, seconds, inFlight, pg, rate, delivered: await quiet() }
  }
  const a = await phase(2_100_000, half)
  const b = await phase(3_100_000, MEMORY_N - half)
  const pg2 = await tableBytes(mem.db.sql)
  const kept = await Promise.all(agencyIds.map(async (id) => await memConn.zcard(`benchm:q:${deliveryQueueName(id)}:completed`)))
  const events = await Promise.all(agencyIds.map(async (id) => await memConn.xlen(`benchm:q:${deliveryQueueName(id)}:events`)))
  const keptJobs = kept.reduce((s, n) => s + n, 0)
  const usage = async (key: string): Promise<number> => Number(await memConn.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') ?? 0)
  const streamBytes = (await Promise.all(agencyIds.map(async (id) => await usage(`benchm:q:${deliveryQueueName(id)}:events`)))).reduce((s, n) => s + n, 0)
  const busiest = agencyIds[kept.indexOf(Math.max(...kept))] ?? ''
  const [sampleId] = await memConn.zrange(`benchm:q:${deliveryQueueName(busiest)}:completed`, '-1', '-1')
  const jobBytes = sampleId === undefined ? 0 : await usage(`benchm:q:${deliveryQueueName(busiest)}:${sampleId}`)
  const growth = b.delivered.used - r0.used
  const secondHalf = b.delivered.used - a.delivered.used
  const rawPer = (a.raw + b.raw) / MEMORY_N
  // in flight: each half's queued deliveries over what was there before it was taken in
  const inFlight = ((a.inFlight.used - r0.used) + (b.inFlight.used - a.delivered.used)) / MEMORY_N
  const jobs = a.jobs + b.jobs
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`

  row(`Redis per dossier in flight (2 × ${int(half)} dossiers, ${int(jobs)} deliveries queued)`, `${int(inFlight)} B/dossier (${int(inFlight * MEMORY_N / jobs)} B per queued delivery)`, '—', '—', '≤ 1 KB', inFlight <= 1024)
  row(`Redis growth over ${int(MEMORY_N)} dossiers delivered to the end`, `${mb(growth)} (${mb(growth - secondHalf)} over the first ${int(half)}, ${mb(secondHalf)} over the next); ${int(keptJobs)} completed jobs kept`, '—', '—', '< 1 MB', growth < 2 ** 20)
  const overhead = (m: Awaited<ReturnType<typeof redisMemory>>): string => ['db.0.overhead.hashtable.main', 'db.0.overhead.hashtable.expires', 'clients.normal', 'keys.count']
    .map((k) => `${k} ${int(m.stats[k] ?? 0)}`).join(', ')
  notes.push(`Redis MEMORY STATS before: ${overhead(r0)}; at the end: ${overhead(b.delivered)}`)
  notes.push(`Redis used_memory: ${int(r0.used)} B before; first half ${int(a.inFlight.used)} in flight, ${int(a.delivered.used)} delivered; second half ${int(b.inFlight.used)} in flight, ${int(b.delivered.used)} delivered (dataset ${int(r0.dataset)} → ${int(b.delivered.dataset)})`)
  notes.push(`Redis: completed jobs kept by queue ${agencyIds.map((id, i) => `${id} ${kept[i]}`).join(', ')}; event stream entries ${events.reduce((s, n) => s + n, 0)} (BullMQ trims each stream to about 10 000), ${mb(streamBytes)}; one completed job's hash ${int(jobBytes)} B (MEMORY USAGE); growth per kept job ${int(growth / Math.max(1, keptJobs))} B`)
  notes.push(`Redis/PostgreSQL run: intake through inject ${int(half / a.seconds)}/s and ${int((MEMORY_N - half) / b.seconds)}/s, delivery ${int(a.rate)}/s and ${int(b.rate)}/s (the two halves)`)

  const atIntake = grownBy(pg0, a.pg)
  const afterDelivery = grownBy(pg0, pg2)
  const perDossier = atIntake.total / half
  row(`PostgreSQL bytes per dossier (row, indexes, steps, history, outbox, audit; ${int(half)} dossiers)`, `${int(perDossier)} B/dossier after intake; ${int(afterDelivery.total / MEMORY_N)} B once delivered (${int(MEMORY_N)})`, `${int(rawPer)} B raw JSON`,
    `${(perDossier / rawPer).toFixed(2)}× (${(afterDelivery.total / MEMORY_N / rawPer).toFixed(2)}×)`, '≤ 2.5×',
    // met only when both are: after intake, and once delivered (every update leaves its old row version's space behind)
    perDossier <= 2.5 * rawPer && afterDelivery.total / MEMORY_N <= 2.5 * rawPer)
  const byTable = (g: ReturnType<typeof grownBy>, n: number): string => g.tables.filter(([, bytes]) => Math.abs(bytes) >= n).map(([name, bytes]) => `${name} ${int(bytes / n)}`).join(', ')
  notes.push(`PostgreSQL after intake, B per dossier by table (with indexes and TOAST): ${byTable(atIntake, half)}`)
  notes.push(`PostgreSQL once delivered (after VACUUM): ${byTable(afterDelivery, MEMORY_N)}`)
} finally {
  conn.disconnect()
  memConnection?.disconnect()
  agency.child.disconnect()
  redis.child.kill('SIGTERM')
  memRedis?.child.kill('SIGTERM')
  if (!recordDropped) await record.drop()
  await memRecord?.drop()
}

// the Decision 766 indicators over a year of generated dossiers (bench/indicators.ts, in its own
// process and scratch database); the target is for a million: met only when measured on a million
if (INDICATOR_N > 0) {
  progress(`indicators: a year of ${int(INDICATOR_N)} generated dossiers (BENCH_INDICATOR_DOSSIERS)`)
  const run = spawnSync(process.execPath, ['--import=tsx', fromRoot('bench', 'indicators.ts'), String(INDICATOR_N)], { encoding: 'utf8', maxBuffer: 1 << 24 })
  const best = (label: string): number | undefined => {
    const m = new RegExp(`${label}: best (\\d+) ms`).exec(run.stdout)
    return m === null ? undefined : Number(m[1])
  }
  const year = best('year 2026')
  const month = best('June 2026')
  if (run.status !== 0 || year === undefined) notes.push(`indicators: the run failed (${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' / ')})`)
  else {
    row(`indicators (Decision 766) for a year of ${int(INDICATOR_N)} generated dossiers`, `year ${int(year)} ms, a month ${int(month ?? 0)} ms`, '—', '—', '≤ 2 s for a year of 1 000 000',
      INDICATOR_N >= 1_000_000 && year <= 2000)
  }
}

const header = ['measure', 'hub', 'ceiling (same run)', 'ratio', 'target', '']
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')
console.log(`\nliên thông hub bench — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${CONNECTIONS} connections, ${DURATION} s per load run; load generator and agency sink in their own processes\n`)
for (const n of notes) console.log(`- ${n}`)
console.log('')
console.log(line(header))
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'))
for (const r of rows) console.log(line(r))
