/**
 * Security headers (@fastify/helmet) and rate limiting per client (@fastify/rate-limit, counters
 * in Redis so every API process shares them). The limit is counted per client (its id, once the
 * key is checked) and per IP address for calls without a client; over it: 429 problem+json with
 * Retry-After.
 */
import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
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
  await app.register(helmet, { global: true })
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
