/**
 * Security headers (helmet) and rate limiting per client (@fastify/rate-limit, counters
 * in Redis so every API process shares them). The limit is counted per client (its id, once the
 * key is checked) and per IP address for calls without a client; over it: 429 problem+json with
 * Retry-After.
 *
 * helmet's middleware is built once and run on every request's raw response. (@fastify/helmet
 * built it anew on every request — parsing the CSP directives each time — which was 3–4% of the
 * API's CPU per dossier; it offers per-route options and CSP nonces, which the hub does not use.)
 */
import fp from 'fastify-plugin'
import helmet from 'helmet'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import { RateLimitedError } from '../../errors.ts'

export interface HardeningOptions {
  /** undefined: no rate limit */
  rateLimit?: { max: number, timeWindowMs: number, redis: Redis, prefix: string }
}

async function hardening (app: FastifyInstance, options: HardeningOptions): Promise<void> {
  // The API speaks JSON; the CSP defaults of helmet suit the Swagger UI's own static files.
  const secureHeaders = helmet()
  app.addHook('onRequest', (request, reply, done) => { secureHeaders(request.raw, reply.raw, (err?: unknown) => { done(err as Error | undefined) }) })
  const limit = options.rateLimit
  if (limit === undefined) return
  await app.register(rateLimit, {
    global: true,
    // after the key is checked (onRequest), so the limit is the client's
    hook: 'preHandler',
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    redis: limit.redis,
    nameSpace: `${limit.prefix}:rl:`,
    keyGenerator: (request) => request.client !== undefined ? `client:${request.client.id}` : `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) => new RateLimitedError(context.max, Math.ceil(context.ttl / 1000))
  })
}

export default fp(hardening, { name: 'hardening', dependencies: ['auth'] })
