/**
 * Test helpers: a hub built against the real Redis (its own key prefix, removed afterwards) and the
 * real PostgreSQL (the test file's own database, test/db-helper.ts fileDatabase), real HTTP agency
 * servers on 127.0.0.1, the example dossiers, polling, and the senders every request names (asAdmin(hub)…).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import type { Queue } from 'bullmq'
import type { Test } from 'tap'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { ClientStore, Role as ClientRole } from '../src/auth/clients.ts'
import { createHub, type Hub, type HubOptions, type Role } from '../src/runtime.ts'
import { resolveHubConfig, type HubSettings } from '../src/config/hub-config.ts'
import { createLogger } from '../src/logger.ts'
import { fromRoot } from '../src/paths.ts'
import type { DossierSubmission } from '../src/types/schemas.generated.ts'
import { fileDatabase, hubDatabase, type HubDatabase } from './db-helper.ts'
import type { Database } from '../src/store/db.ts'

export { fileDatabase }

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export const BIRTH = '1.001193.000.00.00.H56'
export const ELECTRICITY = '9.000001.000.00.00.H56'

export function uniquePrefix (): string {
  return `test-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** Deletes every key under the prefix (never FLUSHALL: the Redis may be shared). */
export async function removeKeys (redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    if (keys.length > 0) await redis.unlink(...keys)
  } while (cursor !== '0')
}

export async function keysUnder (redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000)
    cursor = next
    out.push(...keys)
  } while (cursor !== '0')
  return out.sort()
}

export interface ReceivedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: unknown
  at: number
}

export type AgencyHandler = (req: ReceivedRequest, res: ServerResponse, n: number) => void | Promise<void>

export interface AgencyServer {
  url: string
  port: number
  requests: ReceivedRequest[]
  /** replaces how the agency answers; n counts requests from 1 */
  answer(handler: AgencyHandler): void
  close(): Promise<void>
}

export const answerJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** A real agency system on 127.0.0.1: records every request; answers 201 with a receipt by default. */
export async function startAgency (t: Test, handler?: AgencyHandler): Promise<AgencyServer> {
  const requests: ReceivedRequest[] = []
  let current: AgencyHandler = handler ?? ((_req, res, n) => { answerJson(res, 201, { reference: `R-${n}`, maTiepNhan: `EVN-${n}` }) })
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      let body: unknown = text
      try { body = JSON.parse(text) } catch { /* keep the text */ }
      const r: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() }
      requests.push(r)
      Promise.resolve(current(r, res, requests.length)).catch((err: unknown) => {
        res.writeHead(500)
        res.end(String(err))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const close = async (): Promise<void> => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => { resolve() }))
  }
  t.teardown(close)
  return { url: `http://127.0.0.1:${port}`, port, requests, answer: (h) => { current = h }, close }
}

/** A port on 127.0.0.1 where nothing listens: listen on port 0, note the port, close. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => { resolve() }))
  return port
}

/** An endpoint where nothing listens (an agency that is down). */
export async function deadEndpoint (): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`
}

export interface TestConfigOptions {
  agencyUrl: string
  attempts?: number
  baseDelayMs?: number
  maxDelayMs?: number
  timeoutMs?: number
  /** webhook subscribers: their URL and signing key */
  subscribers?: Record<string, { url: string, secret: string, agency?: string, events?: string[], attempts?: number }>
  /** procedures as shipped, with these changes (e.g. another deadline) */
  procedures?: (shipped: Record<string, Record<string, unknown>>) => Record<string, Record<string, unknown>>
  /** the `notices` section (notices to the applicant), as in the config file */
  notices?: Record<string, unknown>
  /** more top-level sections of the config (payments, postal…), and the environment their secrets come from */
  extra?: Record<string, unknown>
  env?: Record<string, string>
}

/**
 * The agencies and routing of config/hub.json, each agency pointed at `<agencyUrl>/<agency id>`,
 * with fast retries and without outbound auth (tests of auth add their own).
 */
export function testSettings (o: TestConfigOptions): HubSettings {
  const retry = { attempts: o.attempts ?? 3, baseDelayMs: o.baseDelayMs ?? 40, maxDelayMs: o.maxDelayMs ?? 2000 }
  const shipped = shippedConfig()
  const agencies = Object.fromEntries(Object.entries(shipped.agencies).map(([id, a]) => [id, {
    name: `${a.name} (test)`,
    adapter: a.adapter,
    endpoint: `${o.agencyUrl}/${id}`,
    retry,
    timeoutMs: o.timeoutMs ?? 2000,
    ...(a.code !== undefined && { code: a.code })
  }]))
  const env: Record<string, string> = { ...o.env }
  const subscribers = Object.fromEntries(Object.entries(o.subscribers ?? {}).map(([id, sub], i) => {
    env[`TEST_WEBHOOK_SECRET_${i}`] = sub.secret
    return [id, {
      url: sub.url,
      secretEnv: `TEST_WEBHOOK_SECRET_${i}`,
      timeoutMs: o.timeoutMs ?? 2000,
      retry: { ...retry, attempts: sub.attempts ?? retry.attempts },
      ...(sub.agency !== undefined && { agency: sub.agency }),
      ...(sub.events !== undefined && { events: sub.events })
    }]
  }))
  const procedures = o.procedures === undefined ? shipped.procedures : o.procedures(structuredClone(shipped.procedures))
  return resolveHubConfig({ agencies, procedures, postal: shipped.postal, calendar: shipped.calendar, subscribers, competence: shipped.competence, ...(o.notices !== undefined && { notices: o.notices }), ...o.extra }, 'test config', { env })
}

/** config/hub.json as shipped (parsed, not resolved). */
export function shippedConfig (): { agencies: Record<string, { name: string, adapter: string, endpoint: string, code?: string, auth?: unknown }>, procedures: Record<string, Record<string, unknown>>, postal?: unknown, calendar?: unknown, competence?: unknown, notices?: Record<string, unknown> } {
  return JSON.parse(readFileSync(fromRoot('config', 'hub.json'), 'utf8')) as ReturnType<typeof shippedConfig>
}

/** Collects log lines (JSON) written by the hub. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write (chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line !== '') this.lines.push(line)
    done()
  }

  get records (): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  }
}

export interface BuildOptions extends Partial<Omit<HubOptions, 'settings' | 'logger'>> {
  settings?: HubSettings
  agencyUrl?: string
  logs?: LogCapture
  attempts?: number
}

/** API keys of the clients every test hub has: one per role, and one per agency. */
export interface TestKeys {
  admin: string
  portal: string
  auditor: string
  agencies: Record<string, string>
}

/** `databaseUrl`: the URL of the hub's record (for scripts and processes that work on it), when build() made it */
export type TestHub = Omit<Hub, 'app'> & { app: TestApp, prefix: string, redis: Redis, keys: TestKeys, databaseUrl?: string }

/** How many dossiers a hub's record holds. */
export async function storedDossiers (hub: Pick<Hub, 'db'>): Promise<number> {
  const [row] = await hub.db.sql<Array<{ n: number }>>`select count(*)::int as n from dossiers`
  return row?.n ?? 0
}

/** What the record holds of one dossier (undefined: no such dossier). */
export interface DossierRow {
  version: number
  /** history entries */
  history: number
  supplements: number
  /** the overdue sweeper's clock (ms), or null when it does not watch the dossier */
  dueIndexMs: number | null
  /** some webhook subscriber may not have all its notifications */
  notifyPending: boolean
  /** the canonical document as stored */
  doc: Record<string, unknown>
}

export async function dossierRow (hub: Pick<Hub, 'db'>, code: string): Promise<DossierRow | undefined> {
  const [row] = await hub.db.sql<Array<Omit<DossierRow, 'dueIndexMs' | 'doc'> & { due_index_at: Date | null, doc: string }>>`
    select d.version, d.supplements, d.due_index_at, d.doc::text as doc,
      (select count(*)::int from dossier_history h where h.dossier_id = d.id) as history,
      exists (select 1 from notify_pending p where p.dossier_id = d.id) as "notifyPending"
    from dossiers d where d.code = ${code}`
  if (row === undefined) return undefined
  const { due_index_at: due, doc, ...rest } = row
  return { ...rest, dueIndexMs: due === null ? null : due.getTime(), doc: JSON.parse(doc) as Record<string, unknown> }
}

/** The outbox rows not yet confirmed ("<code>|<step>[|kind]"), sorted. */
export async function unconfirmedOutbox (hub: Pick<Hub, 'db'>): Promise<string[]> {
  const rows = await hub.db.sql<Array<{ key: string }>>`select idempotency_key as key from outbox where confirmed_at is null and discarded_at is null`
  return rows.map((r) => r.key).sort()
}

/**
 * Waits until the hub has nothing left to deliver: no delivery job of any agency queue waiting,
 * active or delayed, and every outbox row confirmed or discarded (the relay queues only those). From
 * then on nothing more reaches an agency unless something new happens, so a check that something was
 * NOT sent needs no fixed sleep.
 */
export async function deliveriesSettled (hub: Pick<Hub, 'db' | 'queues'>, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => {
    if ((await unconfirmedOutbox(hub)).length > 0) return false
    for (const agency of hub.queues.agencyIds) {
      const counts = await hub.queues.queue(agency).getJobCounts('wait', 'active', 'delayed', 'prioritized')
      if (Object.values(counts).some((n) => n > 0)) return false
    }
    return true
  }, 'every delivery settled', timeoutMs)
}

/**
 * Waits until none of these queues holds a job waiting, active, delayed or prioritized: what was
 * queued has been worked, and nothing more happens unless something new is queued (a check that
 * something was NOT sent then needs no fixed sleep). Absent queues (a feature not configured) count
 * as settled.
 */
export async function queuesSettled (queues: ReadonlyArray<Queue | undefined>, what: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => {
    for (const queue of queues) {
      if (queue === undefined) continue
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized')
      if (Object.values(counts).some((n) => n > 0)) return false
    }
    return true
  }, what, timeoutMs)
}

/** The Authorization header of a key. */
export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` })

/** Keys of the test clients given in this file (its hubs share one database, hence one set of clients). */
const testKeys = new Map<string, string>()

/**
 * Creates the test clients on a hub's client store. A client this file already has keeps its key
 * (a second hub of the file must not replace the keys the first one's requests carry).
 */
export async function createTestClients (clients: ClientStore, agencyIds: Iterable<string>): Promise<TestKeys> {
  const add = async (id: string, role: ClientRole, agency?: string): Promise<string> => {
    const known = testKeys.get(id)
    if (known !== undefined) {
      const client = await clients.verify(known)
      if (client !== undefined && client.role === role && client.agency === agency) return known
    }
    const { key } = await clients.add({ id, role, ...(agency !== undefined && { agency }) }, { replace: true })
    testKeys.set(id, key)
    return key
  }
  const agencies: Record<string, string> = {}
  for (const id of agencyIds) agencies[id] = await add(`agency-${id.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 40), 'agency', id)
  return { admin: await add('test-admin', 'admin'), portal: await add('test-portal', 'portal'), auditor: await add('test-auditor', 'auditor'), agencies }
}

/** The response to a request made with `inject`. */
export type InjectResponse = LightMyRequestResponse

/** Requests to a test hub as one client: fastify's `inject`, carrying that client's key. */
export interface Requester {
  inject: (opts: InjectOptions | string) => Promise<InjectResponse>
}

/**
 * A test hub's API without `inject`: every request says who sends it, through `asAdmin(hub)`,
 * `asPortal(hub)`, `asAuditor(hub)`, `asAgency(hub, id)`, `asKey(hub, key)` or `anonymous(hub)`,
 * so a request written without a sender does not compile.
 */
export type TestApp = Omit<FastifyInstance, 'inject'>

/** What a requester needs of a test hub. */
export type Requestable = Pick<TestHub, 'app' | 'keys'>

const KEY_HEADERS = ['authorization', 'x-api-key']

/**
 * `key` undefined: the request goes as written (its own Authorization or X-Api-Key, or none).
 * Otherwise it carries `Authorization: Bearer <key>`, and a request that brings a key of its own is
 * a mistake in the test (two senders), refused. Headers given as '' are not sent.
 */
function requester (hub: Requestable, key: string | undefined, who: string): Requester {
  const app = hub.app as FastifyInstance | undefined
  if (app === undefined) throw new Error(`${who}: this hub has no API (role 'worker')`)
  const inject = app.inject.bind(app) as (opts: InjectOptions) => Promise<InjectResponse>
  return {
    inject: async (opts: InjectOptions | string) => {
      const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts
      const headers = { ...o.headers } as Record<string, string>
      if (key !== undefined) {
        const own = Object.keys(headers).filter((h) => KEY_HEADERS.includes(h.toLowerCase()))
        if (own.length > 0) throw new Error(`${who} sends its own key; a request with its own ${own.join(', ')} header goes through anonymous(hub)`)
        headers.authorization = `Bearer ${key}`
      }
      for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k]
      return await inject({ ...o, headers })
    }
  }
}

/** Requests as the test administrator (every route, /metrics and /admin included). */
export const asAdmin = (hub: Requestable): Requester => requester(hub, hub.keys.admin, 'asAdmin')
/** Requests as the test portal (the one-stop portal: submits, reads its dossiers). */
export const asPortal = (hub: Requestable): Requester => requester(hub, hub.keys.portal, 'asPortal')
/** Requests as the test auditor (reads, personal data masked). */
export const asAuditor = (hub: Requestable): Requester => requester(hub, hub.keys.auditor, 'asAuditor')
/** Requests as the client of one agency of the config (its id, e.g. 'justice'). */
export function asAgency (hub: Requestable, agency: string): Requester {
  const key = hub.keys.agencies[agency]
  if (key === undefined) throw new Error(`asAgency: the test hub has no agency ${agency}`)
  return requester(hub, key, `asAgency(${agency})`)
}
/** Requests with a key the test made or forged (Authorization: Bearer <key>). */
export const asKey = (hub: Requestable, key: string): Requester => requester(hub, key, 'asKey')
/**
 * Requests without a key, or with exactly the credentials their headers give (a wrong key,
 * X-Api-Key, Basic): the tests of authentication and of public routes.
 */
export const anonymous = (hub: Requestable): Requester => requester(hub, undefined, 'anonymous')

/** The records of this file's hubs, by prefix, with how many hubs use each. */
const records = new Map<string, { record: Promise<HubDatabase>, users: number }>()

/** The record of the hubs on `prefix`: made by the first, dropped when the last one closes. */
async function sharedHubDatabase (prefix: string): Promise<{ db: Database, url: string, drop: () => Promise<void> }> {
  let entry = records.get(prefix)
  if (entry === undefined) {
    entry = { record: hubDatabase(), users: 0 }
    records.set(prefix, entry)
  }
  entry.users++
  const shared = entry
  const record = await shared.record
  return {
    db: record.db,
    url: record.url,
    drop: async () => {
      if (--shared.users > 0) return
      records.delete(prefix)
      await record.drop()
    }
  }
}

/** Builds a hub (API + workers unless `role` says otherwise) on its own prefix; closed and cleaned after the test. */
export async function build (t: Test, options: BuildOptions = {}): Promise<TestHub> {
  const prefix = options.prefix ?? uniquePrefix()
  const settings = options.settings ?? testSettings({ agencyUrl: options.agencyUrl ?? 'http://127.0.0.1:9', ...(options.attempts !== undefined && { attempts: options.attempts }) })
  const logger = createLogger(options.logs !== undefined ? 'info' : 'silent', options.logs)
  // a record of its own (a schema), unless the test gives one; hubs given the same prefix (an API
  // and a worker of one hub) share it as they share Redis
  const own = options.database === undefined && options.databaseUrl === undefined ? await sharedHubDatabase(prefix) : undefined
  const database = options.database ?? own?.db
  const hub = await createHub({
    role: options.role ?? 'all' as Role,
    redisUrl: options.redisUrl ?? REDIS_URL,
    prefix,
    settings,
    logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    inlineAttachmentLimit: options.inlineAttachmentLimit ?? 64 * 1024,
    reconcileIntervalMs: options.reconcileIntervalMs ?? 3_600_000,
    reconcileGraceMs: options.reconcileGraceMs ?? 0,
    ...(database !== undefined && { database }),
    ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
    ...(options.now !== undefined && { now: options.now }),
    ...(options.sweepIntervalMs !== undefined && { sweepIntervalMs: options.sweepIntervalMs }),
    ...(options.checkpointEveryMs !== undefined && { checkpointEveryMs: options.checkpointEveryMs }),
    ...(options.nationalSyncIntervalMs !== undefined && { nationalSyncIntervalMs: options.nationalSyncIntervalMs }),
    ...(options.dataStoreSyncIntervalMs !== undefined && { dataStoreSyncIntervalMs: options.dataStoreSyncIntervalMs }),
    ...(options.workerLockMs !== undefined && { workerLockMs: options.workerLockMs }),
    ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }),
    ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs })
  })
  const cleaner = new Redis(REDIS_URL)
  t.teardown(async () => {
    await hub.close()
    await own?.drop()
    await removeKeys(cleaner, prefix)
    await cleaner.quit()
  })
  const keys = await createTestClients(hub.clients, settings.agencies.keys())
  if (hub.app !== undefined) await hub.app.ready()
  return { ...hub, prefix, keys, ...(own !== undefined && { databaseUrl: own.url }) } as TestHub
}

export type ExampleName = 'birth-registration' | 'death-registration' | 'marriage-registration' | 'criminal-record-certificate' |
  'land-use-right-transfer' | 'land-first-certificate' | 'electricity-new-connection' | 'electricity-contract-holder-change' |
  'child-residence-insurance'

/** A fresh copy of an example dossier from schemas/examples/. */
export function example (name: ExampleName): DossierSubmission {
  return JSON.parse(readFileSync(fromRoot('schemas', 'examples', `${name}.json`), 'utf8')) as DossierSubmission
}

export async function waitFor<T> (probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** POST /v1/dossiers by `as` (e.g. `post(asPortal(hub), example('birth-registration'))`). */
export const post = async (as: Requester, body: unknown, headers: Record<string, string> = {}): Promise<InjectResponse> =>
  await as.inject({ method: 'POST', url: '/v1/dossiers', headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) })
