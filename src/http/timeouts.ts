/**
 * Node HTTP server options that make REQUEST_TIMEOUT_MS hold for a slow body (a byte every 2 s was
 * cut off only after 64 s with a 30 s limit), for Fastify's `http` option:
 * - headersTimeout: Node cuts a request off only once both its headersTimeout and requestTimeout
 *   have passed (measured on Node 20). Node makes headersTimeout min(60 s, requestTimeout) only
 *   when requestTimeout is given to createServer; Fastify sets requestTimeout afterwards, leaving
 *   60 s. So it is set here, to the same rule.
 * - connectionsCheckingInterval: Node looks for requests past their time only this often (default
 *   30 s). Ten checks per timeout cut a request off within 110% of the limit; the check walks the
 *   open connections, so not more often than every 100 ms, and never less often than Node's default.
 */
import type { ServerOptions } from 'node:http'

const NODE_CHECK_MS = 30_000
const NODE_HEADERS_TIMEOUT_MS = 60_000
const MIN_CHECK_MS = 100

export function serverTimeouts (requestTimeoutMs: number): ServerOptions {
  if (requestTimeoutMs <= 0) return {}
  return {
    headersTimeout: Math.min(NODE_HEADERS_TIMEOUT_MS, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(NODE_CHECK_MS, Math.max(MIN_CHECK_MS, Math.ceil(requestTimeoutMs / 10)))
  }
}
