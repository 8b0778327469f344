/**
 * The answers every route can give besides its own, added to the OpenAPI document only. The error
 * handler (src/http/problem.ts) sends these problem documents whatever a route's schema says, so
 * they are documented here, once, from what the route takes, instead of in every route file (and
 * without compiling a serializer per route and status for them):
 *   400        the route validates path parameters, a query string or headers, or takes a body
 *   413, 415   a POST: any body is read (JSON only, at most BODY_LIMIT), whether the route uses it or not
 *   414        a path parameter longer than the router takes (answered before routing: no rate-limit headers)
 *   429        the rate limit counts the route: with Retry-After
 *   503        a protected route: the key, and then what it serves, are read from the store
 * and the X-RateLimit-* headers on every answer of a counted route. Shared headers are written
 * once under components.headers and referenced.
 */
import { problemResponse, MAX_PARAM_LENGTH } from '../../http/problem.ts'

type Responses = Record<string, Record<string, unknown>>
interface RouteSchema {
  params?: unknown
  querystring?: unknown
  query?: unknown
  headers?: unknown
  body?: unknown
  security?: unknown[]
  response?: Responses
  hide?: boolean
}

/** Response headers shared by many operations: components.headers. */
export const SHARED_HEADERS = {
  'X-RateLimit-Limit': { description: 'Requests this client (or, without a valid key, this address) may make per window (RATE_LIMIT_MAX).', type: 'integer' },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window.', type: 'integer' },
  'X-RateLimit-Reset': { description: 'Seconds until the window starts again.', type: 'integer' },
  'Retry-After': { description: 'Seconds to wait before trying again.', type: 'integer' }
} as const

const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'] as const

const headersOf = (names: ReadonlyArray<keyof typeof SHARED_HEADERS>): Record<string, object> =>
  Object.fromEntries(names.map((name) => [name, SHARED_HEADERS[name]]))

/**
 * A route's schema for the document: its own responses first, then the ones every route of its
 * kind can give. `rateLimited`: the app counts requests (RATE_LIMIT_MAX is not 0).
 */
export function withCommonResponses (schema: RouteSchema | undefined, route: { method: string | string[], config?: { rateLimit?: unknown } }, options: { rateLimited: boolean }): RouteSchema | undefined {
  if (schema === undefined || schema.hide === true) return schema
  const methods = Array.isArray(route.method) ? route.method : [route.method]
  const takesBody = methods.some((m) => ['POST', 'PUT', 'PATCH'].includes(m))
  const isProtected = Array.isArray(schema.security) && schema.security.length > 0
  const counted = options.rateLimited && route.config?.rateLimit !== false
  const common: Responses = {}
  if (takesBody || schema.params !== undefined || schema.querystring !== undefined || schema.query !== undefined || schema.headers !== undefined) {
    common[400] = problemResponse('Bad input: the body is not JSON, or `errors` lists each offending parameter, header or field; nothing was changed.') as Record<string, unknown>
  }
  if (schema.params !== undefined) common[414] = problemResponse(`A path parameter is longer than ${MAX_PARAM_LENGTH} characters.`) as Record<string, unknown>
  if (takesBody) {
    common[413] = problemResponse('The body is larger than BODY_LIMIT.') as Record<string, unknown>
    common[415] = problemResponse('The body is not application/json.') as Record<string, unknown>
  }
  if (counted) common[429] = problemResponse('Over the rate limit: retry after Retry-After seconds.', headersOf(['Retry-After'])) as Record<string, unknown>
  if (isProtected) common[503] = problemResponse('The hub cannot reach its store right now; nothing was changed; retry shortly.') as Record<string, unknown>

  const response: Responses = { ...common, ...schema.response }
  if (counted) {
    for (const [status, answer] of Object.entries(response)) {
      if (status === '414') continue
      response[status] = { ...answer, headers: { ...headersOf(RATE_LIMIT_HEADERS), ...(answer.headers as object | undefined) } }
    }
  }
  return { ...schema, response }
}

interface Header { description?: string, schema?: Record<string, unknown>, $ref?: string }
type Operation = { responses?: Record<string, { headers?: Record<string, Header> }> }
interface Doc {
  paths?: Record<string, Record<string, Operation>>
  components?: { headers?: Record<string, unknown> }
}

/** Replaces each shared header written out in a response by a reference to components.headers. */
export function referenceSharedHeaders<T> (document: T): T {
  const doc = document as Doc
  doc.components ??= {}
  doc.components.headers = {
    ...doc.components.headers,
    ...Object.fromEntries(Object.entries(SHARED_HEADERS).map(([name, { description, ...schema }]) => [name, { description, schema }]))
  }
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const answer of Object.values(operation.responses ?? {})) {
        for (const name of Object.keys(answer.headers ?? {})) {
          if (name in SHARED_HEADERS && answer.headers !== undefined) answer.headers[name] = { $ref: `#/components/headers/${name}` }
        }
      }
    }
  }
  return document
}
