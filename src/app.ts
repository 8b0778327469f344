/**
 * Builds the Fastify instance: the only place that assembles plugins and routes. server.ts
 * listens; tests build the app without listening (test/helper.ts).
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Logger } from 'pino'
import { apiSchemas } from './schemas.ts'
import { buildSerializer, compileValidator } from './http/schema-compilers.ts'
import swagger from './plugins/external/swagger.ts'
import hub, { type HubServices } from './plugins/app/hub.ts'
import problemDetails from './plugins/app/problem-details.ts'
import auth from './plugins/app/auth.ts'
import hardening, { type HardeningOptions } from './plugins/external/hardening.ts'
import audit from './plugins/app/audit.ts'
import type { AuditStore } from './store/audit-store.ts'
import auditRoutes from './routes/audit.ts'
import adminRoutes from './routes/admin.ts'
import nationalSyncRoutes from './routes/national-sync.ts'
import citizenRetryRoutes from './routes/citizen-retries.ts'
import { registerQueueConsole } from './plugins/external/queue-console.ts'
import { registerReportsDashboard } from './plugins/external/reports-dashboard.ts'
import type { Queue } from 'bullmq'
import observability, { type ObservabilityOptions } from './plugins/app/observability.ts'
import type { ClientStore } from './auth/clients.ts'
import dossierRoutes from './routes/dossiers.ts'
import documentRoutes from './routes/documents.ts'
import eventRoutes from './routes/events.ts'
import lifecycleRoutes from './routes/lifecycle.ts'
import noticeRoutes from './routes/notices.ts'
import statsRoutes from './routes/stats.ts'
import reportRoutes from './routes/reports.ts'
import { nationalRecordSchema } from '../adapters/national-portal/index.ts'
import agencyRoutes from './routes/agencies.ts'
import paymentRoutes from './routes/payments.ts'
import postalRoutes from './routes/postal.ts'
import { OneLinePerRequest } from './http/log-controller.ts'
import { MAX_PARAM_LENGTH, PROBLEM_CONTENT_TYPE, toProblem } from './http/problem.ts'
import { problemClientErrorHandler } from './http/client-error.ts'
import { serverTimeouts } from './http/timeouts.ts'
import textRules from './validation/text.ts'
import { lazyRequestLogger } from './http/request-logger.ts'

export interface AppOptions {
  services: HubServices
  clients: ClientStore
  audit: AuditStore
  /** the queues the console shows */
  queues: readonly Queue[]
  observability: ObservabilityOptions
  logger: Logger
  bodyLimit: number
  /** rate limiting per client; absent: none */
  rateLimit?: HardeningOptions['rateLimit']
  /** Fastify's trustProxy: true, or the addresses / CIDRs of the reverse proxies to trust */
  trustProxy?: boolean | string[]
  /** a request that takes longer is answered 408 (0: no limit) */
  requestTimeoutMs?: number
}

export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new OneLinePerRequest(),
    // a request's child logger is made only when one of its lines is written (http/request-logger.ts)
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: options.bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // while closing, requests on connections already open are still served (with Connection: close):
    // SIGTERM under load fails no request; new connections are refused
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    trustProxy: options.trustProxy ?? false,
    requestTimeout: options.requestTimeoutMs ?? 0,
    // so that a request past requestTimeout (a slow body) is cut off close to it, not 30 s or more later
    http: serverTimeouts(options.requestTimeoutMs ?? 0),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // response serializers compiled once per process (http/schema-compilers.ts)
    schemaController: { compilersFactory: { buildSerializer } },
    clientErrorHandler: problemClientErrorHandler,
    // what the router refuses before any route (a path parameter too long, bad percent-encoding)
    // is a problem document too, not Fastify's own JSON
    frameworkErrors: (err, request, reply) => {
      const problem = toProblem(err, request, options.bodyLimit)
      request.log.info({ code: problem.code }, problem.detail ?? problem.title)
      void (reply as FastifyReply).code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
    }
  }) as unknown as FastifyInstance

  // JSON only: drop Fastify's built-in text/plain parser, so anything but JSON is a 415.
  app.removeContentTypeParser('text/plain')

  // Bodies: strict (no coercion, unknown properties are errors, every error reported).
  // Query strings and params: coerced from strings. Compiled once per process (http/schema-compilers.ts).
  app.setValidatorCompiler(compileValidator)
  for (const schema of apiSchemas) app.addSchema(schema)
  app.addSchema(nationalRecordSchema)

  await app.register(problemDetails, { bodyLimit: options.bodyLimit })
  await app.register(hub, options.services)
  // before auth, the docs and the routes: every request gets the headers and is counted first
  await app.register(hardening, { clients: options.clients, ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }) })
  await app.register(auth, { clients: options.clients })
  // control characters and unpaired surrogates refused in every body; dossier codes in paths normalized
  await app.register(textRules)
  await app.register(audit, { audit: options.audit })
  await app.register(swagger, { rateLimited: options.rateLimit !== undefined })
  await app.register(observability, options.observability)
  await app.register(dossierRoutes)
  await app.register(eventRoutes)
  await app.register(lifecycleRoutes)
  await app.register(statsRoutes)
  await app.register(noticeRoutes)
  await app.register(reportRoutes)
  await app.register(agencyRoutes)
  await app.register(paymentRoutes)
  await app.register(postalRoutes)
  await app.register(documentRoutes)
  await app.register(auditRoutes)
  await app.register(adminRoutes)
  await app.register(nationalSyncRoutes)
  await app.register(citizenRetryRoutes)
  await registerQueueConsole(app, { queues: options.queues, clients: options.clients })
  await registerReportsDashboard(app, { clients: options.clients })
  return app
}
