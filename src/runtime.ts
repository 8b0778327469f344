/**
 * Assembles the hub for one role: `api` (HTTP intake and reads), `worker` (deliveries and
 * maintenance) or `all` (both in one process). Opens the record's database (store/db.ts: by the
 * rules of DATABASE_URL, or the one given), applies its migrations at start-up whatever the role,
 * owns the Redis connections, and closes everything in order: stop taking requests, finish
 * in-flight requests and jobs, then close Redis, then the database.
 */
import type { FastifyInstance } from 'fastify'
import type { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ValidateFunction } from 'ajv'
import { adapters, type AgencyAdapter } from '../adapters/index.ts'
import type { HubSettings } from './config/hub-config.ts'
import { buildApp } from './app.ts'
import { DossierStore } from './store/dossier-store.ts'
import { DeliveryQueues, type Delivery } from './queues/delivery-queues.ts'
import { createDeliveryWorkers } from './queues/delivery-worker.ts'
import { OutboxReconciler } from './queues/reconciler.ts'
import { startMaintenance, type Maintenance } from './queues/maintenance.ts'
import { IntakeService } from './services/intake-service.ts'
import { DossierQueries } from './services/dossier-queries.ts'
import { EventService } from './services/event-service.ts'
import { AdminService } from './services/admin-service.ts'
import { DeliveryService, type AgencyChannel } from './delivery/delivery-service.ts'
import { AgencyHttpClient } from './delivery/http-client.ts'
import { sharedStrictAjv } from './validation/ajv.ts'
import { createGateways, type AdapterGateway } from './gateway/adapter-gateway.ts'
import { NationalPortalGateway } from './gateway/national-portal-gateway.ts'
import { PaymentGateway } from './gateway/payment-gateway.ts'
import { closeRedis, createRedis } from './redis/connection.ts'
import { closeWorkers } from './queues/close-workers.ts'
import { Keys } from './store/keys.ts'
import { MetricsStore } from './store/metrics-store.ts'
import { ClientStore } from './auth/clients.ts'
import { openDatabase, type Database } from './store/db.ts'
import { migrate } from './store/migrate.ts'
import { AuditStore } from './store/audit-store.ts'
import { CheckpointStore } from './store/checkpoint-store.ts'
import { auditKey } from './domain/audit-chain.ts'
import { AuditCheckpoints } from './services/audit-checkpoints.ts'
import { NotificationStore } from './store/notification-store.ts'
import { StatsQueries } from './store/stats-queries.ts'
import { DossierGauges } from './store/dossier-gauges.ts'
import { LifecycleService } from './services/lifecycle-service.ts'
import { StatsService } from './services/stats-service.ts'
import { IndicatorService } from './services/indicator-service.ts'
import { IndicatorQueries, flushIndicatorFacts } from './store/indicator-queries.ts'
import { WebhookQueue, createWebhookWorker } from './queues/webhook-queue.ts'
import { WebhookService } from './delivery/webhook-service.ts'
import { NoticeStore } from './store/notice-store.ts'
import { NoticeQueues, createNoticeWorkers } from './queues/notice-queue.ts'
import { NoticeService } from './delivery/notice-service.ts'
import { NoticeCounts } from './services/notice-counts.ts'
import type { NoticeChannel } from './domain/notice.ts'
import type { Queue } from 'bullmq'
import { DocumentService } from './services/document-service.ts'
import { DocumentStore } from './store/document-store.ts'
import { OnceOnlyIndicatorQueries } from './store/once-only-indicators.ts'
import { NationalSyncIndicatorQueries } from './store/national-sync-indicators.ts'
import { NationalStoreSync, nationalStoreFetch } from './delivery/national-store.ts'
import { fileProbe } from './delivery/file-probe.ts'
import { NationalSyncStore } from './store/national-sync-store.ts'
import { CitizenRetryAdmin } from './services/citizen-retry-admin.ts'
import { NationalFactsQuery, type NationalFacts } from './store/national-facts.ts'
import type { Dossier, HistoryEntry } from './types/schemas.generated.ts'
import { NationalSyncAdmin } from './services/national-sync-admin.ts'
import { NationalSyncQueue, createNationalSyncWorker } from './queues/national-sync-queue.ts'
import { NationalSyncService } from './delivery/national-sync-service.ts'
import { PaymentStore } from './store/payment-store.ts'
import { PaymentService, type PaymentJob } from './services/payment-service.ts'
import { OutboxJobQueue, PAYMENT_QUEUE, createOutboxJobWorker } from './queues/payment-queue.ts'
import { paymentAdapters } from '../adapters/payments.ts'
import { PickupStore } from './store/pickup-store.ts'
import { PickupService } from './services/pickup-service.ts'
import { PICKUP_QUEUE } from './queues/payment-queue.ts'

/** How long a change waits for Redis to take its jobs before it answers anyway (handOff in createHub). */
const HANDOFF_MS = 2000
/** Once-only: reading a reused document's file to learn its size (once per document) is bounded so. */
const PROBE_TIMEOUT_MS = 10_000
const PROBE_MAX_BYTES = 200 * 1024 * 1024

/** How long closing waits for a worker's active jobs (a delivery's own HTTP timeout is shorter). */
const CLOSE_WAIT_MS = 15_000

export type Role = 'all' | 'api' | 'worker'

export interface HubOptions {
  role: Role
  redisUrl: string
  prefix: string
  settings: HubSettings
  logger: Logger
  bodyLimit: number
  inlineAttachmentLimit: number
  reconcileIntervalMs: number
  /** outbox entries younger than this are left to intake (tests set 0) */
  reconcileGraceMs?: number
  /** requests per client per window; absent or max 0: no rate limit */
  rateLimit?: { max: number, timeWindowMs: number }
  trustProxy?: boolean | string[]
  requestTimeoutMs?: number
  /** see WORKER_LOCK_MS */
  workerLockMs?: number
  /** how often the overdue sweeper runs (default 60 s) */
  sweepIntervalMs?: number
  /** how often the indicators' facts of the dossiers written since are rebuilt (default 5 s; migration 0013) */
  indicatorFlushIntervalMs?: number
  /** the audit checkpoint job runs this often instead of daily at 00:05 Vietnam time (tests); it still keeps one a day */
  checkpointEveryMs?: number
  /** how often the relay of the national portal sync runs (default 1 s) */
  nationalSyncIntervalMs?: number
  /** once-only: how often results are synced to the national personal data store (default 30 s) */
  dataStoreSyncIntervalMs?: number
  now?: () => Date
  /**
   * The record's database: a URL (as DATABASE_URL: postgres://…, pglite:<dir>), opened and closed
   * by the hub; unset, chosen from the environment (store/db-url.ts).
   */
  databaseUrl?: string
  /** connections in this process's pool (default DATABASE_POOL_MAX, else 10) */
  databasePoolMax?: number
  /** a database already open (tests): used as is and left open when the hub closes */
  database?: Database
}

export interface Hub {
  role: Role
  app?: FastifyInstance
  store: DossierStore
  clients: ClientStore
  queues: DeliveryQueues
  reconciler: OutboxReconciler
  lifecycle: LifecycleService
  /** the figures of GET /v1/stats, by SQL over the record (its reports connection) */
  stats: StatsQueries
  notifications: NotificationStore
  audit: AuditStore
  checkpoints: AuditCheckpoints
  /** present when subscribers are configured */
  webhooks?: WebhookQueue
  /** notices to the applicant in the record (their log, the monthly counts) */
  noticeStore: NoticeStore
  /** present when notices are configured */
  notices?: NoticeQueues
  /** the sync to the national portal (DVCQG) in the record */
  nationalSync: NationalSyncStore
  /** its queue, when the national portal is configured */
  nationalSyncQueue?: NationalSyncQueue
  /** present when a payment platform is configured */
  payments?: PaymentService
  paymentQueue?: OutboxJobQueue
  /** present when a postal agency collects dossiers */
  pickups?: PickupService
  pickupQueue?: OutboxJobQueue
  workers: Worker[]
  redis: Redis
  /** the record */
  db: Database
  /** marks the process as stopping: /ready answers 503 from now on (requests are still served) */
  drain(): void
  close(): Promise<void>
}

function compiledSchema (ajv: ReturnType<typeof sharedStrictAjv>, id: string): ValidateFunction {
  const v = ajv.getSchema(id)
  if (v === undefined) throw new Error(`schema ${id} is missing`)
  return v
}

export interface IntakeParts {
  store: DossierStore
  /** after a dossier to be collected by post is stored (the pickup service) */
  onPickupRequested?: (code: string) => Promise<unknown>
  settings: HubSettings
  enqueue: (code: string, deliveries: readonly Delivery[]) => Promise<void>
  /** queues webhook notification `sequence` of a dossier (absent: no subscribers) */
  notify?: (code: string, sequence: number) => Promise<void>
  /** queues the DVCQG sync job of a committed status change (absent: no national portal configured) */
  syncNational?: (code: string, upTo: number) => Promise<void>
  /** the adapters' gateways (made here when not given) */
  gateways?: ReadonlyMap<string, AdapterGateway>
  inlineAttachmentLimit: number
  /** once-only: the document store's service (reuse at intake, results registered from reports) */
  documents?: DocumentService
  log: Logger
  now?: () => Date
}

/** the gateways of each adapter registry, made once per process (their validators are pure functions of the schemas) */
const gatewaysByRegistry = new WeakMap<ReadonlyMap<string, AgencyAdapter<never, unknown, never>>, ReadonlyMap<string, AdapterGateway>>()

/** The gateways of the registered adapters, with the canonical schemas a mapping into the hub must fit. */
export function gatewaysOf (registry: ReadonlyMap<string, AgencyAdapter<never, unknown, never>> = adapters): ReadonlyMap<string, AdapterGateway> {
  let gateways = gatewaysByRegistry.get(registry)
  if (gateways === undefined) {
    const strict = sharedStrictAjv()
    gateways = createGateways(registry, { submission: compiledSchema(strict, 'dossier-submission'), report: compiledSchema(strict, 'status-report') })
    gatewaysByRegistry.set(registry, gateways)
  }
  return gateways
}

/** The intake service with the schemas and adapters it needs, compiled once. */
export function createIntakeService (p: IntakeParts): IntakeService {
  const strict = sharedStrictAjv()
  const dataValidators = new Map<string, ValidateFunction>()
  for (const procedure of p.settings.procedures.values()) dataValidators.set(procedure.dataSchema, compiledSchema(strict, procedure.dataSchema))
  return new IntakeService({
    store: p.store,
    enqueue: p.enqueue,
    procedures: p.settings.procedures,
    agencies: p.settings.agencies,
    gateways: p.gateways ?? gatewaysOf(),
    duplicateWindowMs: p.settings.duplicateWindowMs,
    receivedAtMaxAgeMs: p.settings.receivedAtMaxAgeMs,
    dataValidators,
    inlineAttachmentLimit: p.inlineAttachmentLimit,
    calendar: p.settings.calendar,
    ...(p.settings.postalAgency !== undefined && { postalAgency: p.settings.postalAgency }),
    competence: p.settings.competence,
    ...(p.settings.pickupAgency !== undefined && { pickupAgency: p.settings.pickupAgency }),
    ...(p.onPickupRequested !== undefined && { onPickupRequested: p.onPickupRequested }),
    ...(p.notify !== undefined && { notify: p.notify }),
    ...(p.syncNational !== undefined && { syncNational: p.syncNational }),
    ...(p.documents !== undefined && { documents: p.documents }),
    log: p.log,
    ...(p.now !== undefined && { now: p.now })
  })
}

export type LifecycleParts = Omit<IntakeParts, 'inlineAttachmentLimit' | 'gateways'> & { onWithdrawn?: (code: string) => Promise<unknown> }

/** The lifecycle service: status changes, withdrawal, return, the overdue flag. */
export function createLifecycleService (p: LifecycleParts): LifecycleService {
  return new LifecycleService({
    store: p.store,
    calendar: p.settings.calendar,
    procedures: p.settings.procedures,
    enqueue: p.enqueue,
    notify: p.notify ?? (async () => {}),
    notifying: p.notify !== undefined,
    ...(p.syncNational !== undefined && { syncNational: p.syncNational }),
    ...(p.documents !== undefined && { documents: p.documents }),
    ...(p.onWithdrawn !== undefined && { onWithdrawn: p.onWithdrawn }),
    log: p.log,
    ...(p.now !== undefined && { now: p.now })
  })
}

export type EventParts = Omit<IntakeParts, 'inlineAttachmentLimit'> & { lifecycle?: LifecycleService, onPaymentRequested?: (code: string) => Promise<unknown> }

/** The event service (agency reports) with the schemas and adapters it needs. */
export function createEventService (p: EventParts): EventService {
  return new EventService({
    store: p.store,
    lifecycle: p.lifecycle ?? createLifecycleService(p),
    agencies: p.settings.agencies,
    gateways: p.gateways ?? gatewaysOf(),
    ...(p.onPaymentRequested !== undefined && { onPaymentRequested: p.onPaymentRequested }),
    ...(p.documents !== undefined && { documents: p.documents }),
    log: p.log,
    ...(p.now !== undefined && { now: p.now })
  })
}

/** The national personal data store's fetch, when the hub config names the store. */
function nationalStoreOf (settings: HubSettings): { nationalStore?: ReturnType<typeof nationalStoreFetch> } {
  const n = settings.nationalDataStore
  return n === undefined ? {} : { nationalStore: nationalStoreFetch(n) }
}

export async function createHub (options: HubOptions): Promise<Hub> {
  const { role, settings, logger: log } = options
  const now = options.now ?? (() => new Date())
  const keys = new Keys(options.prefix)
  const ownDb = options.database === undefined
  const db = options.database ?? await openDatabase({
    log,
    ...(options.databaseUrl !== undefined && { env: { ...process.env, DATABASE_URL: options.databaseUrl } }),
    ...(options.databasePoolMax !== undefined && { max: options.databasePoolMax })
  })
  try {
    const applied = await migrate(db.sql)
    if (applied.length > 0) log.info({ applied }, 'record: migrations applied')
  } catch (err) {
    if (ownDb) await db.close()
    throw err
  }
  const redis = createRedis(options.redisUrl, 'commands', `hub-${role}`)
  const store = new DossierStore(db.sql)
  const clients = new ClientStore(db.sql, redis, options.prefix)
  // a trail is created only for a dossier that exists: asked of the dossier store, wherever it keeps them
  const audit = new AuditStore(db.sql, auditKey(settings.audit.secret), async (code) => await store.exists(code))
  const checkpoints = new AuditCheckpoints({ audit, store: new CheckpointStore(db.sql), signingKey: settings.audit.signingKey, publicKey: settings.audit.publicKey, now })
  const queues = new DeliveryQueues(redis, keys.queuePrefix, settings.agencies)
  const reconciler = new OutboxReconciler({ store, queues, log, ...(options.reconcileGraceMs !== undefined && { graceMs: options.reconcileGraceMs }) })
  const notifications = new NotificationStore(db.sql, redis, keys)
  // reports read the replica when there is one (REPORTS_DATABASE_URL), else the record
  const statsQueries = new StatsQueries(db.reports)
  const metrics = new MetricsStore(redis, keys)
  const webhooks = settings.subscribers.size > 0 ? new WebhookQueue(redis, keys.queuePrefix, settings.subscribers) : undefined
  const noticeStore = new NoticeStore(db.sql)
  const noticeConfig = settings.notices
  // the trigger that makes every notification a pending notice: on once a process sends notices; a
  // process without them leaves it alone (others may send them: NoticeStore.enable)
  if (noticeConfig !== undefined) await noticeStore.enable()
  else if (await noticeStore.enabled()) log.info({ notices: true }, 'notices are on in the record (another process sends them) but not configured here: this process sends none')
  const notices = noticeConfig === undefined
    ? undefined
    : new NoticeQueues(redis, keys.queuePrefix, new Map(noticeConfig.channels.map((c): [NoticeChannel, { attempts: number }] => [c, { attempts: noticeConfig[c]?.retry.attempts ?? 5 }])))
  const nationalSync = new NationalSyncStore(db.sql)
  const nationalSyncQueue = settings.nationalPortal !== undefined ? new NationalSyncQueue(redis, keys.queuePrefix, settings.nationalPortal) : undefined
  // A change is committed to the record (with its outbox rows) before its jobs go to Redis: when
  // Redis is away or slow, the answer does not wait for it (the callers log the failure), and the
  // outbox relay queues the jobs once Redis answers again.
  const handOff = async (what: string, work: () => Promise<void>): Promise<void> => {
    if (redis.status !== 'ready') throw new Error(`Redis is not ready (${redis.status}): ${what} left to the outbox relay`)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`Redis did not take ${what} within ${HANDOFF_MS} ms: left to the outbox relay`)) }, HANDOFF_MS)
    })
    try {
      await Promise.race([work(), late])
    } finally {
      clearTimeout(timer)
    }
  }
  // a change writes a notification when someone hears of it: a webhook subscriber, or the applicant (notices)
  const notify = webhooks === undefined && notices === undefined
    ? undefined
    : async (code: string, sequence: number): Promise<void> => {
      await handOff('the notification jobs', async () => {
        await Promise.all([webhooks?.enqueue(code, sequence), notices?.enqueuePlan(code, sequence)])
      })
    }
  // a committed status change queues its DVCQG sync job at once (the relay catches what a crash left)
  const syncNational = nationalSyncQueue === undefined
    ? undefined
    : async (code: string, upTo: number): Promise<void> => {
      await handOff('the DVCQG sync job', async () => { await nationalSyncQueue.enqueue(code, upTo) })
    }
  const enqueue = async (code: string, deliveries: readonly Delivery[]): Promise<void> => { await handOff('the delivery jobs', async () => { await queues.enqueue(code, deliveries) }) }
  // once-only: the document store's use cases (reuse at intake and in supplements, results registered from reports)
  const documents = new DocumentService({ store: new DocumentStore(db.sql), ...nationalStoreOf(settings), dossierAgencies: async (code) => await store.agenciesOf(code), probe: fileProbe({ timeoutMs: PROBE_TIMEOUT_MS, maxBytes: PROBE_MAX_BYTES }), ...(settings.documentFiles !== undefined && { files: settings.documentFiles }), log, now })
  // postal pickups (made below: the service needs the lifecycle); a withdrawal cancels the dossier's pickup
  let pickups: PickupService | undefined
  const lifecycle = createLifecycleService({ store, settings, enqueue, ...(notify !== undefined && { notify }), ...(syncNational !== undefined && { syncNational }), documents, log, now, onWithdrawn: async (code: string) => await pickups?.cancel(code) })
  // the adapters' gateways (validate → map → validate), compiled once
  const gateways = gatewaysOf()
  // online payments: the service on every role (the API takes callbacks, the workers create and tell)
  let payments: PaymentService | undefined
  let paymentQueue: OutboxJobQueue | undefined
  if (settings.payments !== undefined) {
    const adapter = paymentAdapters.get(settings.payments.provider)
    if (adapter === undefined) throw new Error(`payment adapter ${settings.payments.provider} is missing`)
    const q = new OutboxJobQueue<PaymentJob>(PAYMENT_QUEUE, redis, keys.queuePrefix, settings.payments.retry)
    paymentQueue = q
    payments = new PaymentService({
      payments: new PaymentStore(db.sql),
      store,
      lifecycle,
      settings: settings.payments,
      gateway: new PaymentGateway(adapter),
      agencies: settings.agencies,
      gateways,
      procedures: settings.procedures,
      enqueue: async (jobs) => { await handOff('the payment jobs', async () => { await q.enqueue(jobs) }) },
      log,
      now
    })
  }
  // postal pickups: when a postal agency collects dossiers
  let pickupQueue: OutboxJobQueue | undefined
  const pickupAgency = settings.pickupAgency === undefined ? undefined : settings.agencies.get(settings.pickupAgency)
  if (pickupAgency !== undefined) {
    const q = new OutboxJobQueue(PICKUP_QUEUE, redis, keys.queuePrefix, pickupAgency.retry)
    pickupQueue = q
    // the agency's own adapter when it speaks a pickup format, else VNPost's (the postal adapter), as before
    const own = gateways.get(pickupAgency.adapter)
    const gateway = own?.takesPickups === true ? own : gateways.get('postal')
    if (gateway?.takesPickups !== true) throw new Error(`no adapter to ask the postal agency ${pickupAgency.id} for pickups: neither ${pickupAgency.adapter} nor postal has a pickup format`)
    pickups = new PickupService({
      pickups: new PickupStore(db.sql),
      store,
      lifecycle,
      agency: pickupAgency,
      provincePaysPostage: settings.provincePaysPostage,
      procedures: settings.procedures,
      gateway,
      enqueue: async (jobs) => { await handOff('the pickup jobs', async () => { await q.enqueue(jobs) }) },
      log,
      now
    })
  }
  for (const warning of settings.calendarWarnings) log.warn({ calendar: true }, warning)
  for (const warning of settings.secretWarnings) {
    if (process.env.NODE_ENV === 'production') log.error({ secrets: true }, warning)
    else log.warn({ secrets: true }, warning)
  }

  // what the national record needs beyond the dossier: online payment, fee lines, registered results, database codes
  const factsQuery = new NationalFactsQuery(db.sql, settings.payments?.paidOnlineCode ?? 2)
  const databaseCodes = settings.nationalPortal?.databaseCodes
  const nationalView = async (code: string): Promise<{ dossier: Dossier, history: HistoryEntry[], facts: NationalFacts & { databaseCodes?: typeof databaseCodes } } | undefined> => {
    const view = await factsQuery.view(code)
    return view === undefined ? undefined : { ...view, facts: { ...view.facts, ...(databaseCodes !== undefined && { databaseCodes }) } }
  }
  let draining = false
  let app: FastifyInstance | undefined
  let intakeService: IntakeService | undefined
  if (role !== 'worker') {
    const pickupService = pickups
    const intake = intakeService = createIntakeService({ store, settings, enqueue, ...(notify !== undefined && { notify }), ...(syncNational !== undefined && { syncNational }), gateways, inlineAttachmentLimit: options.inlineAttachmentLimit, documents, log, now, ...(pickupService !== undefined && { onPickupRequested: async (code: string) => await pickupService.open(code) }) })
    const paymentService = payments
    const events = createEventService({ store, settings, enqueue, gateways, lifecycle, documents, log, now, ...(paymentService !== undefined && { onPaymentRequested: async (code: string) => await paymentService.open(code) }) })
    const limit = options.rateLimit
    const names = {
      agency: new Map([...settings.agencies.values()].map((a) => [a.id, a.name])),
      procedure: new Map([...settings.procedures.values()].map((p) => [p.code, p.name]))
    }
    // the receiving desks are named by their QCVN 102 code: the configured agencies that have one
    const receivingNames = new Map([...settings.agencies.values()].flatMap((a) => a.code !== undefined ? [[a.code, a.name] as const] : []))
    const dossiers = new DossierQueries(store, audit, {
      notifications,
      notices: noticeStore,
      subscribers: settings.subscribers,
      agencies: settings.agencies,
      nationalView
    })
    const citizenRetries = new CitizenRetryAdmin({
      notices: noticeStore,
      ...(notices !== undefined && { requeueNotice: async (code: string, sequence: number, channel: NoticeChannel) => { await notices.requeueSend(code, sequence, channel) } }),
      ...(payments !== undefined && { payments }),
      ...(pickups !== undefined && { pickups }),
      audit,
      now,
      warn: (obj, msg) => { log.warn(obj, msg) }
    })
    const consoleQueues: Queue[] = [...queues.agencyIds.map((id) => queues.queue(id)), ...(webhooks !== undefined ? [webhooks.queue] : []), ...(notices?.queues ?? []), ...(nationalSyncQueue !== undefined ? [nationalSyncQueue.queue] : []),
      ...(paymentQueue !== undefined ? [paymentQueue.queue as Queue] : []), ...(pickupQueue !== undefined ? [pickupQueue.queue as Queue] : [])]
    app = await buildApp({
      services: { intake, documents, dossiers, events, admin: new AdminService(queues, store, audit, webhooks), lifecycle, stats: new StatsService(statsQueries, { ...names, handlingUnit: names.agency, receivingUnit: receivingNames }, now), indicators: new IndicatorService(new IndicatorQueries(db.reports, { ...(db.reports === db.sql && { calendar: settings.calendar }) }), names, now, { onceOnly: new OnceOnlyIndicatorQueries(db.reports), nationalSync: new NationalSyncIndicatorQueries(db.reports), maxScores: settings.indicatorMaxScores }), checkpoints, noticeCounts: new NoticeCounts(noticeStore, now), nationalSync: new NationalSyncAdmin(nationalSync, audit, settings.nationalPortal !== undefined), citizenRetries, ...(payments !== undefined && { payments }), ...(pickups !== undefined && { pickups }), inlineAttachmentLimit: options.inlineAttachmentLimit },
      audit,
      queues: consoleQueues,
      observability: { redis, record: db.sql, gauges: new DossierGauges(db.reports), queues, metrics, ...(webhooks !== undefined && { webhookQueue: webhooks.queue }), nationalSync, citizenRetries, workers: () => workers, role, draining: () => draining, now },
      clients,
      logger: log,
      bodyLimit: options.bodyLimit,
      ...(limit !== undefined && limit.max > 0 && { rateLimit: { ...limit, redis, prefix: options.prefix } }),
      ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs })
    })
  }

  let workerRedis: Redis | undefined
  let workers: Worker[] = []
  let maintenance: Maintenance | undefined
  let http: AgencyHttpClient | undefined
  let noticeService: NoticeService | undefined
  if (role !== 'api') {
    workerRedis = createRedis(options.redisUrl, 'workers', 'hub-worker')
    http = new AgencyHttpClient()
    const channels = new Map<string, AgencyChannel>()
    for (const agency of settings.agencies.values()) {
      const gateway = gateways.get(agency.adapter)
      if (gateway === undefined) throw new Error(`adapter ${agency.adapter} is missing`)
      channels.set(agency.id, { agency, gateway })
    }
    const service = new DeliveryService({
      store,
      http,
      channels,
      procedures: settings.procedures,
      log,
      now,
      provincePaysPostage: settings.provincePaysPostage,
      enqueue: async (notices) => { await Promise.all(notices.map(async (n) => { await queues.enqueue(n.code, [n]) })) }
    })
    workers = createDeliveryWorkers({
      connection: workerRedis,
      prefix: keys.queuePrefix,
      agencies: settings.agencies,
      service,
      log,
      onDelivered: async (agency, seconds) => { await metrics.recordDelivery(agency, seconds) },
      ...(options.workerLockMs !== undefined && { lockMs: options.workerLockMs })
    })
    if (webhooks !== undefined) {
      const webhookService = new WebhookService({ store, notifications, http, subscribers: settings.subscribers, log, now })
      workers.push(createWebhookWorker({ connection: workerRedis, prefix: keys.queuePrefix, queue: webhooks.queue, service: webhookService, subscribers: settings.subscribers, log }))
    }
    const dataStoreSync = settings.nationalDataStore === undefined
      ? undefined
      : new NationalStoreSync({ ...settings.nationalDataStore, store: new DocumentStore(db.sql), agencyNames: new Map([...settings.agencies.values()].map((a) => [a.id, a.name])), log, now })
    if (notices !== undefined && noticeConfig !== undefined) {
      noticeService = new NoticeService({ config: noticeConfig, store, notifications, notices: noticeStore, http, log, now, ...(webhooks === undefined && { settleNotifications: true }) })
      workers.push(...createNoticeWorkers({ connection: workerRedis, prefix: keys.queuePrefix, queues: notices, service: noticeService, log }))
    }
    const portal = settings.nationalPortal
    if (portal !== undefined) {
      const context = { agencies: settings.agencies, ...(databaseCodes !== undefined && { databaseCodes }) }
      const syncService = new NationalSyncService({ sync: nationalSync, http, portal, context, paidOnlineCode: settings.payments?.paidOnlineCode ?? 2, gateway: new NationalPortalGateway(), log, now })
      workers.push(createNationalSyncWorker({ connection: workerRedis, prefix: keys.queuePrefix, service: syncService, portal, log }))
    }
    const paymentService = payments
    if (paymentService !== undefined && settings.payments !== undefined) {
      const client = http
      workers.push(createOutboxJobWorker<PaymentJob>({
        name: PAYMENT_QUEUE,
        connection: workerRedis,
        prefix: keys.queuePrefix,
        retry: settings.payments.retry,
        log,
        run: async (job, attempt, max) => job.message === 'create' ? await paymentService.create(job.reference, attempt, max, client) : await paymentService.notice(job.reference, attempt, max, client)
      }))
    }
    const pickupWorker = pickups
    if (pickupWorker !== undefined && pickupAgency !== undefined) {
      const client = http
      workers.push(createOutboxJobWorker({ name: PICKUP_QUEUE, connection: workerRedis, prefix: keys.queuePrefix, retry: pickupAgency.retry, log, run: async (job, attempt, max) => job.message === 'cancel' ? await pickupWorker.sendCancel(job.reference, attempt, max, client) : await pickupWorker.send(job.reference, attempt, max, client) }))
    }
    maintenance = await startMaintenance({
      connection: workerRedis,
      prefix: keys.queuePrefix,
      reconciler,
      intervalMs: options.reconcileIntervalMs,
      log,
      sweepOverdue: async () => await lifecycle.sweepOverdue(),
      takeCheckpoint: async () => await checkpoints.take(),
      ...(options.checkpointEveryMs !== undefined && { checkpointEveryMs: options.checkpointEveryMs }),
      ...(options.sweepIntervalMs !== undefined && { sweepIntervalMs: options.sweepIntervalMs }),
      ...(dataStoreSync !== undefined && {
        dataStoreSync: {
          run: async () => await dataStoreSync.runOnce(),
          ...(options.dataStoreSyncIntervalMs !== undefined && { everyMs: options.dataStoreSyncIntervalMs })
        }
      }),
      ...(webhooks !== undefined && { webhooks: { queue: webhooks, notifications, graceMs: options.reconcileGraceMs ?? 10_000 } }),
      ...(notices !== undefined && { notices: { queues: notices, store: noticeStore, graceMs: options.reconcileGraceMs ?? 10_000, now } }),
      ...(nationalSyncQueue !== undefined && {
        nationalSync: {
          relay: async () => await nationalSyncQueue.relay(nationalSync, options.reconcileGraceMs ?? 10_000),
          ...(options.nationalSyncIntervalMs !== undefined && { everyMs: options.nationalSyncIntervalMs })
        }
      }),
      extra: [
        // the indicators' facts of the dossiers written since the last flush (migration 0013), and
        // the handling times (2.2) of the resolved ones in their procedure's unit (migration 0015)
        { name: 'indicator-facts', everyMs: options.indicatorFlushIntervalMs ?? 5000, run: async () => await flushIndicatorFacts(db.sql, settings.calendar) },
        ...(paymentService !== undefined
          ? [
              { name: 'payment-relay', everyMs: options.reconcileIntervalMs, run: async () => await paymentService.relay(options.reconcileGraceMs ?? 10_000) },
              { name: 'payment-reminders', everyMs: options.sweepIntervalMs ?? 60_000, run: async () => await paymentService.remind() }
            ]
          : []),
        ...(pickupWorker !== undefined ? [{ name: 'pickup-relay', everyMs: options.reconcileIntervalMs, run: async () => await pickupWorker.relay(options.reconcileGraceMs ?? 10_000) }] : [])
      ]
    })
  }

  // a removed client's key stops working here as soon as it is removed anywhere
  const unwatchClients = role !== 'worker' ? clients.watch() : undefined

  let closing: Promise<void> | undefined
  return {
    role,
    ...(app !== undefined && { app }),
    store,
    clients,
    queues,
    reconciler,
    lifecycle,
    stats: statsQueries,
    notifications,
    audit,
    checkpoints,
    ...(webhooks !== undefined && { webhooks }),
    noticeStore,
    ...(notices !== undefined && { notices }),
    nationalSync,
    ...(nationalSyncQueue !== undefined && { nationalSyncQueue }),
    ...(payments !== undefined && { payments }),
    ...(paymentQueue !== undefined && { paymentQueue }),
    ...(pickups !== undefined && { pickups }),
    ...(pickupQueue !== undefined && { pickupQueue }),
    workers,
    redis,
    db,
    drain: () => { draining = true },
    close: async () => {
      closing ??= (async () => {
        // 1. stop accepting requests and let in-flight ones finish, and the jobs of the dossiers they
        // committed reach Redis (the answers did not wait for them); audit entries waiting for an
        // unreachable record stop waiting (written when it answers, else logged as not written)
        audit.close()
        if (app !== undefined) await app.close()
        await intakeService?.handOffs()
        // 2. stop taking jobs and let active deliveries finish, for a while: a job Redis lost under
        // its worker may never settle, and what is not finished is still in the outbox (the relay
        // queues it again), so the close does not wait for ever (queues/close-workers.ts)
        // the periodic jobs first (forced: each run is idempotent), so their scheduler keeper is quiet while the deliveries finish
        if (maintenance !== undefined) await maintenance.close()
        if (workerRedis !== undefined) await closeWorkers({ workers, connection: workerRedis, log, waitMs: CLOSE_WAIT_MS })
        await queues.close()
        if (webhooks !== undefined) await webhooks.close()
        if (notices !== undefined) await notices.close()
        noticeService?.close()
        if (nationalSyncQueue !== undefined) await nationalSyncQueue.close()
        if (paymentQueue !== undefined) await paymentQueue.close()
        if (pickupQueue !== undefined) await pickupQueue.close()
        if (http !== undefined) await http.close()
        // 3. Redis last
        await unwatchClients?.()
        if (workerRedis !== undefined) await closeRedis(workerRedis)
        await closeRedis(redis)
        // 4. the record
        if (ownDb) await db.close()
      })()
      await closing
    }
  }
}
