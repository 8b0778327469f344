/**
 * The hub as a process: environment and config checked, Redis found (or a local one started), the
 * hub created, the HTTP API listening, and one graceful shutdown path. src/server.ts (`npm start`)
 * runs it; the demo (scripts/demo.ts) runs it with its simulators, closed after the hub.
 *
 * Configuration errors print one line per problem and exit with code 1; so do, under
 * NODE_ENV=production, the repository's development secrets and HUB_DEV_CLIENTS, and a port that
 * cannot be listened on (in use: the line names the port and PORT). SIGTERM/SIGINT close
 * gracefully: stop accepting, finish in-flight requests and deliveries, close Redis, then whatever
 * the caller started (`afterClose`), log `closed` and exit 0.
 */
import closeWithGrace from 'close-with-grace'
import { loadEnv, trustProxyOf, type HubEnv } from './config/env.ts'
import { loadHubConfig, type HubSettings } from './config/hub-config.ts'
import { ConfigError } from './config/errors.ts'
import { productionProblems } from './config/dev-secrets.ts'
import { createLogger } from './logger.ts'
import { createHub, type Role } from './runtime.ts'
import { writeDevClients } from './auth/dev-clients.ts'
import { LocalRedisError, redisAnswers, startLocalRedis, type LocalRedis } from './redis/local-redis.ts'
import { listenProblem } from './http/listen-problem.ts'
import { recordOutage } from './store/record-outage.ts'

const ROLES: readonly Role[] = ['all', 'api', 'worker']
/** how long after the first SIGINT/SIGTERM a repeat is taken for an echo of it (see onStopSignal) */
const SIGNAL_ECHO_MS = 1000

function fail (message: string): never {
  process.stderr.write(`lienthong-hub: ${message}\n`)
  process.exit(1)
}

/** `--role=api`, `--role api`; undefined when absent. */
export function roleFromArgs (argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a.startsWith('--role=')) return a.slice(7)
    if (a === '--role') return argv[i + 1] ?? ''
  }
  return undefined
}

export interface HubProcessOptions {
  /** closed after the hub, on the same shutdown path (the demo's agency simulators) */
  afterClose?: () => Promise<void>
}

export async function runHubProcess (options: HubProcessOptions = {}): Promise<void> {
  let env: HubEnv
  let settings: HubSettings
  try {
    env = loadEnv(process.env)
    settings = loadHubConfig(env.HUB_CONFIG)
    // production refuses the published development secrets and development clients
    const refused = productionProblems({ nodeEnv: process.env.NODE_ENV, devClientsFile: env.HUB_DEV_CLIENTS, devSecrets: settings.devSecrets })
    if (refused.length > 0) throw new ConfigError(refused)
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
  const argRole = roleFromArgs(process.argv.slice(2))
  if (argRole !== undefined && !ROLES.includes(argRole as Role)) fail(`--role: expected one of ${ROLES.join(', ')} (got ${JSON.stringify(argRole)})`)
  const role = (argRole ?? env.HUB_ROLE) as Role
  const log = createLogger(env.LOG_LEVEL)

  let redisUrl = env.REDIS_URL
  let local: LocalRedis | undefined
  if (redisUrl === undefined) {
    if (await redisAnswers('127.0.0.1', 6379)) {
      redisUrl = 'redis://127.0.0.1:6379'
      log.info('REDIS_URL is not set: using the Redis that answers at 127.0.0.1:6379')
    } else {
      try {
        local = await startLocalRedis({ port: 6379, dataDir: env.REDIS_DATA_DIR, log })
      } catch (err) {
        if (err instanceof LocalRedisError) fail(err.message)
        throw err
      }
      redisUrl = local.url
    }
  }

  const hub = await createHub({
    role,
    redisUrl,
    prefix: env.REDIS_PREFIX,
    settings,
    logger: log,
    bodyLimit: env.BODY_LIMIT,
    inlineAttachmentLimit: env.INLINE_ATTACHMENT_LIMIT,
    reconcileIntervalMs: env.RECONCILE_INTERVAL_MS,
    rateLimit: { max: env.RATE_LIMIT_MAX, timeWindowMs: env.RATE_LIMIT_WINDOW_MS },
    trustProxy: trustProxyOf(env.TRUST_PROXY),
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    workerLockMs: env.WORKER_LOCK_MS
  })

  let closing = false
  // SIGINT and SIGTERM are taken here rather than by closeWithGrace, which ends the process on any
  // second signal: one Ctrl-C can arrive twice (the terminal signals the whole process group, and
  // npm forwards it to its script as well). A repeat within SIGNAL_ECHO_MS is that echo; a later
  // one is the operator insisting, and ends the process without finishing.
  let stopSignal: { name: NodeJS.Signals, at: number } | undefined
  const closer = closeWithGrace({
    delay: env.SHUTDOWN_TIMEOUT_MS,
    logger: { error: (m: unknown) => { log.error(m) } },
    skip: ['SIGINT', 'SIGTERM', 'unhandledRejection']
  }, async ({ err }) => {
    closing = true
    const signal = stopSignal?.name
    if (err !== undefined) log.error({ err }, 'closing after an unexpected error')
    else log.info({ signal }, 'closing gracefully: no new requests or jobs; finishing those in flight')
    if (err === undefined && env.SHUTDOWN_DRAIN_MS > 0 && hub.app !== undefined) {
      // /ready turns 503 first and the API keeps serving, so a load balancer stops sending here
      // before the listener closes (connections still waiting to be accepted would be reset)
      hub.drain()
      log.info({ ms: env.SHUTDOWN_DRAIN_MS }, 'draining: /ready answers 503, requests are still served')
      await new Promise((resolve) => setTimeout(resolve, env.SHUTDOWN_DRAIN_MS))
    }
    await hub.close()
    await local?.stop()
    await options.afterClose?.()
    process.off('unhandledRejection', onUnhandled)
    log.info('closed')
  })
  const onStopSignal = (name: NodeJS.Signals): void => {
    if (stopSignal === undefined) {
      stopSignal = { name, at: Date.now() }
      if (!closing) closer.close() // else already closing (an unexpected error)
      return
    }
    if (Date.now() - stopSignal.at < SIGNAL_ECHO_MS) return
    log.error(`second ${name}: exiting without finishing what was in flight`)
    process.exit(1)
  }
  process.on('SIGINT', onStopSignal)
  process.on('SIGTERM', onStopSignal)
  // The postgres driver (3.4) reads the server's array types on each new connection and leaves that
  // query's promise unhandled (porsager/postgres#1192, #1223): when the server goes away at that
  // moment, its connection error is an unhandled rejection no caller can catch. That one is the
  // record being away, which the hub outlives (503 meanwhile, /ready says so): logged, not fatal.
  // Any other unhandled rejection is a bug: thrown again, the process closes as on any uncaught error.
  const onUnhandled = (reason: unknown): void => {
    if (recordOutage(reason) !== undefined) {
      log.error({ err: reason }, 'a connection error no caller handled (the postgres driver\'s when the record is away: porsager/postgres#1192); going on')
      return
    }
    setImmediate(() => { throw reason })
  }
  process.on('unhandledRejection', onUnhandled)
  local?.child.once('exit', (code, signal) => {
    if (closing) return
    log.fatal({ code, signal }, 'the local redis-server stopped; the hub cannot work without it')
    process.exit(1)
  })

  if (env.HUB_DEV_CLIENTS !== undefined) {
    await writeDevClients(hub.clients, settings, env.HUB_DEV_CLIENTS)
    log.warn({ file: env.HUB_DEV_CLIENTS }, 'development clients (portal and one per agency) renewed; their API keys are in this file')
  }
  if (hub.app !== undefined) {
    try {
      await hub.app.listen({ port: env.PORT, host: env.HOST })
    } catch (err) {
      const problem = listenProblem(err, env.HOST, env.PORT)
      if (problem === undefined) throw err
      // one line, no stack: close what was started (the workers may hold a job) and say what to change
      closer.uninstall()
      process.off('SIGINT', onStopSignal)
      process.off('SIGTERM', onStopSignal)
      process.off('unhandledRejection', onUnhandled)
      closing = true
      await hub.close()
      await local?.stop()
      await options.afterClose?.()
      fail(problem)
    }
  }
  log.info({
    role,
    agencies: [...settings.agencies.keys()],
    procedures: settings.procedures.size,
    ...(hub.app !== undefined && { docs: `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}/docs` })
  }, 'hub started')
}
