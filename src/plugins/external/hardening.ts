/**
 * Security headers (helmet) and the rate limit (@fastify/rate-limit, counters in Redis so every API
 * process shares them).
 *
 * The rate limit counts every request first, before any other work: it runs at onRequest, ahead
 * of authentication (this plugin is registered before auth) and before Fastify reads the body.
 * A request with a valid key counts against its client (the key is verified once: auth reuses the
 * answer, plugins/app/auth.ts verifyOnce); one without a key, or with a key that is not valid,
 * counts against its address. Unknown routes (404) count too. Over the limit: 429 problem+json with
 * Retry-After, the body never read. Routes with `config: { rateLimit: false }` are not counted:
 * /health and /ready, which load balancers probe. (/metrics is counted: Prometheus scrapes it a few
 * times a minute with its key, far below any limit, and without a key it is one more route to
 * hammer.)
 *
 * helmet's middleware is built once and run on every request's raw response. (@fastify/helmet
 * built it anew on every request — parsing the CSP directives each time — which was 3–4% of the
 * API's CPU per dossier; it offers per-route options and CSP nonces, which the hub does not use.)
 */
import fp from 'fastify-plugin'
import helmet from 'helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import type { ClientStore } from '../../auth/clients.ts'
import { RateLimitedError } from '../../errors.ts'
import { apiKeyOf, verifyOnce } from '../app/auth.ts'
import { Keys } from '../../store/keys.ts'

export interface HardeningOptions {
  /** to tell which client a request comes from */
  clients: ClientStore
  /** undefined: no rate limit */
  rateLimit?: { max: number, timeWindowMs: number, redis: Redis, prefix: string }
}

async function hardening (app: FastifyInstance, options: HardeningOptions): Promise<void> {
  // The API speaks JSON; the CSP defaults of helmet suit the Swagger UI's own static files.
  const secureHeaders = helmet()
  app.addHook('onRequest', (request, reply, done) => { secureHeaders(request.raw, reply.raw, (err?: unknown) => { done(err as Error | undefined) }) })
  const limit = options.rateLimit
  if (limit === undefined) return
  /** whom a request counts against: its client when the key is valid (any way it is sent), its address otherwise */
  const counterOf = async (request: FastifyRequest): Promise<string> => {
    const key = apiKeyOf(request, { basic: true })
    const client = key === undefined || key === '' ? undefined : await verifyOnce(options.clients, request, key)
    return client !== undefined ? `client:${client.id}` : `ip:${request.ip}`
  }
  await app.register(rateLimit, {
    // not per route (that would leave out unknown routes): one hook for every request, below
    global: false,
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    redis: limit.redis,
    nameSpace: new Keys(limit.prefix).rateLimitSpace,
    keyGenerator: counterOf,
    // the counters are in Redis, which the record does not need: while Redis fails, requests go
    // uncounted rather than refused (intake commits to PostgreSQL and leaves the jobs to the outbox)
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new RateLimitedError(context.max, Math.ceil(context.ttl / 1000))
  })
  const count = app.rateLimit()
  app.addHook('onRequest', async function (request, reply) {
    if (request.routeOptions.config.rateLimit === false) return
    // Redis away: do not wait for its retries (skipOnError above covers a failure mid-request)
    if (limit.redis.status !== 'ready') return
    await count.call(this, request, reply)
  })
}

export default fp(hardening, { name: 'hardening' })
