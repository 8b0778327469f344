/**
 * Health, readiness and metrics.
 *   GET /health   the process answers (public: for load balancers and container health checks)
 *   GET /ready    the record (PostgreSQL) answers a query and Redis a PING, each within a second,
 *                 and (roles with workers) every delivery worker runs; 503 with the failing check
 *                 otherwise (public)
 *   GET /metrics  Prometheus text format (prom-client), admin or auditor key: HTTP latency
 *                 histograms, delivery queue depth and failed count per agency, delivery latency
 *                 per agency, webhook queue depth, dossiers by status, overdue dossiers,
 *                 dossiers by the state of their sync to the national portal (DVCQG),
 *                 Node.js process metrics
 * Queue and delivery figures are read from Redis when scraped (the workers that deliver record
 * theirs there: store/metrics-store.ts), dossier figures by SQL from the record
 * (store/dossier-gauges.ts), so every API process reports the same totals.
 */
/* eslint-disable no-new -- prom-client's metrics register themselves in the registry they are given */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import type { Sql } from 'postgres'
import type { Queue, Worker } from 'bullmq'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client'
import type { DeliveryQueues } from '../../queues/delivery-queues.ts'
import type { DossierGauges } from '../../store/dossier-gauges.ts'
import { DELIVERY_LATENCY_BUCKETS, type MetricsStore } from '../../store/metrics-store.ts'
import { STATUSES } from '../../domain/status.ts'

export interface ObservabilityOptions {
  redis: Redis
  /** the record (PostgreSQL): /ready asks it a trivial query */
  record: Sql
  /** dossier counts, by SQL over the record */
  gauges: DossierGauges
  queues: DeliveryQueues
  metrics: MetricsStore
  /** the webhook notifications' queue, when there are subscribers */
  webhookQueue?: Queue
  /** dossiers by the state of their sync to the national portal (DVCQG), from the record */
  nationalSync?: { counts(): Promise<Record<string, number>> }
  /** failed notices, payment requests and postal pickups, from the record */
  citizenRetries?: { failedCounts(): Promise<Record<string, number>> }
  now?: () => Date
  /** the delivery workers of this process (none in the api role) */
  workers: () => readonly Worker[]
  role: string
  /** true once the process is stopping (SIGTERM): /ready says so, so load balancers drain it */
  draining?: () => boolean
}

/** One line of a metric served from stored counters (prom-client's registry formats it). */
interface StoredValue { metricName: string, labels: Record<string, string | number>, value: number }

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const

/** 'ok' when `probe` answers within `timeoutMs`, else what went wrong. */
async function ping (probe: () => Promise<unknown>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      probe().then(() => 'ok'),
      new Promise<string>((resolve) => { timer = setTimeout(() => { resolve(`no answer within ${timeoutMs} ms`) }, timeoutMs) })
    ])
  } catch (err) {
    return `unreachable: ${(err as Error).message}`
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

async function observability (app: FastifyInstance, o: ObservabilityOptions): Promise<void> {
  const registry = new Registry()
  registry.setDefaultLabels({ service: 'lienthong-hub', role: o.role })
  collectDefaultMetrics({ register: registry })
  const started = Date.now()

  const duration = new Histogram({
    name: 'hub_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry]
  })
  const requests = new Counter({ name: 'hub_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry] })
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown'
    if (route === '/metrics') return
    const labels = { method: request.method, route, status: String(reply.statusCode) }
    duration.observe(labels, reply.elapsedTime / 1000)
    requests.inc(labels)
  })

  new Gauge({
    name: 'hub_delivery_queue_jobs',
    help: 'Delivery jobs per agency queue and state',
    labelNames: ['agency', 'state'] as const,
    registers: [registry],
    async collect () {
      this.reset()
      await Promise.all(o.queues.agencyIds.map(async (agency) => {
        const counts = await o.queues.queue(agency).getJobCounts(...QUEUE_STATES)
        for (const state of QUEUE_STATES) this.set({ agency, state }, counts[state] ?? 0)
      }))
    }
  })
  const webhookQueue = o.webhookQueue
  if (webhookQueue !== undefined) {
    new Gauge({
      name: 'hub_webhook_queue_jobs',
      help: 'Webhook notification jobs (one per subscriber and dossier change) by state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect () {
        const counts = await webhookQueue.getJobCounts(...QUEUE_STATES)
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0)
      }
    })
  }
  const nationalSync = o.nationalSync
  if (nationalSync !== undefined) {
    new Gauge({
      name: 'hub_national_sync_dossiers',
      help: 'Dossiers by the state of their sync to the national portal DVCQG (pending, retrying, failed, synced)',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect () {
        for (const [state, n] of Object.entries(await nationalSync.counts())) this.set({ state }, n)
      }
    })
  }
  const citizenRetries = o.citizenRetries
  if (citizenRetries !== undefined) {
    new Gauge({
      name: 'hub_citizen_services_failed',
      help: 'Citizen services that failed for good and wait for an administrator\'s retry: notices to applicants, payment requests not created on the payment platform, notices to agencies that the applicant paid, postal pickup requests not taken (kind notice, payment, payment-notice, pickup)',
      labelNames: ['kind'] as const,
      registers: [registry],
      async collect () {
        for (const [kind, n] of Object.entries(await citizenRetries.failedCounts())) this.set({ kind }, n)
      }
    })
  }
  new Gauge({
    name: 'hub_dossiers',
    help: 'Dossiers by status (national code 1-10)',
    labelNames: ['status', 'code'] as const,
    registers: [registry],
    async collect () {
      this.reset()
      const counts = await o.gauges.byStatus()
      for (const [name, info] of Object.entries(STATUSES)) this.set({ status: name, code: String(info.code) }, counts.get(info.code) ?? 0)
    }
  })

  // both overdue gauges collect in the same scrape (prom-client starts every collect at once): one read serves them
  let overdueRead: Promise<{ total: number, byAgency: Map<string, number> }> | undefined
  const readOverdue = async (): Promise<{ total: number, byAgency: Map<string, number> }> => {
    overdueRead ??= o.gauges.overdue(o.now?.() ?? new Date()).finally(() => { overdueRead = undefined })
    return await overdueRead
  }
  new Gauge({
    name: 'hub_dossiers_overdue',
    help: 'Open dossiers past their due date (quá hạn), flagged by the overdue sweeper or not yet',
    registers: [registry],
    async collect () { this.set((await readOverdue()).total) }
  })
  new Gauge({
    name: 'hub_dossiers_overdue_flagged',
    help: 'Open dossiers the overdue sweeper has flagged, per agency on their route',
    labelNames: ['agency'] as const,
    registers: [registry],
    async collect () {
      this.reset()
      for (const [agency, n] of (await readOverdue()).byAgency) this.set({ agency }, n)
    }
  })
  // A histogram whose counts the workers keep in Redis: prom-client's Histogram only counts what
  // this process observes, so this one is served from the stored counters in its text format.
  const latencyName = 'hub_delivery_latency_seconds'
  const latency = {
    name: latencyName,
    help: 'Time from a delivery being queued to the agency accepting the dossier (retries and back-off included), per agency',
    type: 'histogram',
    aggregator: 'sum',
    async get (): Promise<{ name: string, help: string, type: string, aggregator: string, values: StoredValue[] }> {
      const values: StoredValue[] = []
      for (const [agency, h] of await o.metrics.deliveryLatency()) {
        DELIVERY_LATENCY_BUCKETS.forEach((le, i) => { values.push({ metricName: `${latencyName}_bucket`, labels: { agency, le }, value: h.cumulative[i] ?? 0 }) })
        values.push({ metricName: `${latencyName}_bucket`, labels: { agency, le: '+Inf' }, value: h.cumulative.at(-1) ?? 0 })
        values.push({ metricName: `${latencyName}_sum`, labels: { agency }, value: h.sumSeconds })
        values.push({ metricName: `${latencyName}_count`, labels: { agency }, value: h.count })
      }
      return { name: latencyName, help: latency.help, type: 'histogram', aggregator: 'sum', values }
    }
  }
  registry.registerMetric(latency as unknown as Metric)

  // /health and /ready are not rate limited: load balancers probe them (plugins/external/hardening.ts)
  app.get('/health', {
    config: { rateLimit: false },
    schema: {
      tags: ['operations'],
      operationId: 'getHealth',
      summary: 'The process is alive',
      response: { 200: { description: 'Alive.', type: 'object', properties: { status: { type: 'string' }, role: { type: 'string' }, uptimeSeconds: { type: 'number' } } } }
    }
  }, async () => ({ status: 'ok', role: o.role, uptimeSeconds: Math.round((Date.now() - started) / 1000) }))

  app.get('/ready', {
    config: { rateLimit: false },
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: 'Ready to work: the record (PostgreSQL) and Redis answer, the workers run',
      response: {
        200: { description: 'Ready: every check says ok.', type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
        503: { description: 'Not ready: `checks` names what failed (or that the process is draining).', type: 'object', properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } }
      }
    }
  }, async (_request, reply) => {
    // the record first: without it the hub can take nothing in; Redis carries the queues
    const [database, redis] = await Promise.all([ping(async () => await o.record`select 1`, 1000), ping(async () => await o.redis.ping(), 1000)])
    const checks: Record<string, string> = { database, redis }
    if (o.draining?.() === true) checks.shutdown = 'draining: this process is stopping; send new requests elsewhere'
    const workers = o.workers()
    if (workers.length > 0) {
      const stopped = workers.filter((w) => !w.isRunning()).map((w) => w.name)
      checks.workers = stopped.length === 0 ? 'ok' : `not running: ${stopped.join(', ')}`
    }
    const ready = Object.values(checks).every((c) => c === 'ok')
    return await reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks })
  })

  app.get('/metrics', {
    config: { roles: ['admin', 'auditor'] },
    schema: {
      tags: ['operations'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      // the text is sent as it is (a string with its own content type is not serialized): this is documentation
      response: { 200: { description: 'The metrics in the Prometheus text exposition format.', content: { [registry.contentType]: { schema: { type: 'string' } } } } }
    }
  }, async (_request, reply) => {
    return await reply.type(registry.contentType).send(await registry.metrics())
  })
}

export default fp(observability, { name: 'observability', dependencies: ['auth'] })
