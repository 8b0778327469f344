/**
 * Assembles the hub for one role: `api` (HTTP intake and reads), `worker` (deliveries and
 * maintenance) or `all` (both in one process). Owns the Redis connections and closes everything
 * in order: stop taking requests, finish in-flight requests and jobs, then close Redis.
 */
import type { FastifyInstance } from 'fastify'
import type { Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { ValidateFunction } from 'ajv'
import { adapters } from '../adapters/index.ts'
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
import { createStrictAjv } from './validation/ajv.ts'
import { createNativeValidators, type NativeValidators } from './validation/native.ts'
import { closeRedis, createRedis } from './redis/connection.ts'
import { Keys } from './store/keys.ts'
import { ClientStore } from './auth/clients.ts'
import { AuditStore } from './store/audit-store.ts'

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
  now?: () => Date
}

export interface Hub {
  role: Role
  app?: FastifyInstance
  store: DossierStore
  clients: ClientStore
  queues: DeliveryQueues
  reconciler: OutboxReconciler
  workers: Worker[]
  redis: Redis
  close(): Promise<void>
}

function compiledSchema (ajv: ReturnType<typeof createStrictAjv>, id: string): ValidateFunction {
  const v = ajv.getSchema(id)
  if (v === undefined) throw new Error(`schema ${id} is missing`)
  return v
}

export interface IntakeParts {
  store: DossierStore
  settings: HubSettings
  enqueue: (code: string, deliveries: readonly Delivery[]) => Promise<void>
  nativeValidators?: ReadonlyMap<string, NativeValidators>
  inlineAttachmentLimit: number
  log: Logger
  now?: () => Date
}

/** The intake service with the schemas and adapters it needs, compiled once. */
export function createIntakeService (p: IntakeParts): IntakeService {
  const strict = createStrictAjv()
  const dataValidators = new Map<string, ValidateFunction>()
  for (const procedure of p.settings.procedures.values()) dataValidators.set(procedure.dataSchema, compiledSchema(strict, procedure.dataSchema))
  return new IntakeService({
    store: p.store,
    enqueue: p.enqueue,
    procedures: p.settings.procedures,
    agencies: p.settings.agencies,
    adapters,
    nativeValidators: p.nativeValidators ?? createNativeValidators(adapters),
    validateSubmission: compiledSchema(strict, 'dossier-submission'),
    duplicateWindowMs: p.settings.duplicateWindowMs,
    dataValidators,
    inlineAttachmentLimit: p.inlineAttachmentLimit,
    log: p.log,
    ...(p.now !== undefined && { now: p.now })
  })
}

export type EventParts = Omit<IntakeParts, 'inlineAttachmentLimit'>

/** The event service (agency reports) with the schemas and adapters it needs. */
export function createEventService (p: EventParts): EventService {
  return new EventService({
    store: p.store,
    enqueue: p.enqueue,
    agencies: p.settings.agencies,
    adapters,
    nativeValidators: p.nativeValidators ?? createNativeValidators(adapters),
    validateReport: compiledSchema(createStrictAjv(), 'status-report'),
    log: p.log,
    ...(p.now !== undefined && { now: p.now })
  })
}

export async function createHub (options: HubOptions): Promise<Hub> {
  const { role, settings, logger: log } = options
  const now = options.now ?? (() => new Date())
  const keys = new Keys(options.prefix)
  const redis = createRedis(options.redisUrl, 'commands', `hub-${role}`)
  const store = new DossierStore(redis, options.prefix)
  const clients = new ClientStore(redis, options.prefix)
  const audit = new AuditStore(redis, keys)
  const queues = new DeliveryQueues(redis, keys.queuePrefix, settings.agencies)
  const reconciler = new OutboxReconciler({ store, queues, log, ...(options.reconcileGraceMs !== undefined && { graceMs: options.reconcileGraceMs }) })

  const nativeValidators = createNativeValidators(adapters)
  let app: FastifyInstance | undefined
  if (role !== 'worker') {
    const enqueue = async (code: string, deliveries: readonly Delivery[]): Promise<void> => { await queues.enqueue(code, deliveries) }
    const intake = createIntakeService({ store, settings, enqueue, nativeValidators, inlineAttachmentLimit: options.inlineAttachmentLimit, log, now })
    const events = createEventService({ store, settings, enqueue, nativeValidators, log, now })
    const limit = options.rateLimit
    app = await buildApp({
      services: { intake, dossiers: new DossierQueries(store, audit), events, admin: new AdminService(queues, store, audit) },
      audit,
      queues: queues.agencyIds.map((id) => queues.queue(id)),
      observability: { redis, keys, queues, workers: () => workers, role },
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
  if (role !== 'api') {
    workerRedis = createRedis(options.redisUrl, 'workers', 'hub-worker')
    http = new AgencyHttpClient()
    const channels = new Map<string, AgencyChannel>()
    for (const agency of settings.agencies.values()) {
      const adapter = adapters.get(agency.adapter)
      const v = nativeValidators.get(agency.adapter)
      if (adapter === undefined || v === undefined) throw new Error(`adapter ${agency.adapter} is missing`)
      channels.set(agency.id, { agency, adapter, validateRequest: v.request })
    }
    const service = new DeliveryService({ store, http, channels, procedures: settings.procedures, log, now })
    workers = createDeliveryWorkers({
      connection: workerRedis, prefix: keys.queuePrefix, agencies: settings.agencies, service, log,
      ...(options.workerLockMs !== undefined && { lockMs: options.workerLockMs })
    })
    maintenance = await startMaintenance({ connection: workerRedis, prefix: keys.queuePrefix, reconciler, intervalMs: options.reconcileIntervalMs, log })
  }

  let closing: Promise<void> | undefined
  return {
    role,
    ...(app !== undefined && { app }),
    store,
    clients,
    queues,
    reconciler,
    workers,
    redis,
    close: async () => {
      closing ??= (async () => {
        // 1. stop accepting requests and let in-flight ones finish
        if (app !== undefined) await app.close()
        // 2. stop taking jobs and let active deliveries finish
        await Promise.all(workers.map(async (w) => { await w.close() }))
        if (maintenance !== undefined) await maintenance.close()
        await queues.close()
        if (http !== undefined) await http.close()
        // 3. Redis last
        if (workerRedis !== undefined) await closeRedis(workerRedis)
        await closeRedis(redis)
      })()
      await closing
    }
  }
}
