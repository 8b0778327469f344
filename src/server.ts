/**
 * The hub's entry point and the only place that listens.
 *
 *   npm start               API and delivery workers in one process (HUB_ROLE=all)
 *   npm run start:api       HTTP API only          (--role=api)
 *   npm run start:worker    delivery workers only  (--role=worker)
 *
 * Configuration errors print one line per problem and exit with code 1; so do, under
 * NODE_ENV=production, the repository's development secrets and HUB_DEV_CLIENTS. SIGTERM/SIGINT close
 * gracefully: stop accepting, finish in-flight requests and deliveries, close Redis.
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

const ROLES: readonly Role[] = ['all', 'api', 'worker']

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

async function main (): Promise<void> {
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
  closeWithGrace({ delay: env.SHUTDOWN_TIMEOUT_MS, logger: { error: (m: unknown) => { log.error(m) } } }, async ({ signal, err }) => {
    closing = true
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
    log.info('closed')
  })
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
    await hub.app.listen({ port: env.PORT, host: env.HOST })
  }
  log.info({
    role,
    agencies: [...settings.agencies.keys()],
    procedures: settings.procedures.size,
    ...(hub.app !== undefined && { docs: `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${env.PORT}/docs` })
  }, 'hub started')
}

await main()
