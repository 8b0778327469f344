/**
 * Who is calling: every route that names `config.roles` needs an API key (Authorization: Bearer
 * <key>, or X-Api-Key) of a client with one of those roles. Missing or unknown key → 401; a known
 * client with another role → 403; both problem+json. Routes without `roles` (the API docs) are
 * public. What a client may see inside a route (an agency only its own dossiers) is decided by the
 * services, from `request.client`.
 *
 * A key is verified once per request whoever asks first (the rate limit, which runs before this
 * hook to count the request per client, then this hook or the queue console's): `verifyOnce`.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Client, ClientStore, Role } from '../../auth/clients.ts'
import { ForbiddenError, UnauthenticatedError } from '../../errors.ts'
import { problemResponse } from '../../http/problem.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the roles allowed on this route; absent = public */
    roles?: readonly Role[]
  }
  interface FastifyRequest {
    /** the authenticated client, on routes that name roles */
    client: Client | undefined
  }
}

/**
 * The API key a request carries: Authorization: Bearer <key>, X-Api-Key, or (`basic`, for a
 * browser) Authorization: Basic with the key as the password.
 */
export function apiKeyOf (request: FastifyRequest, options: { basic?: boolean } = {}): string | undefined {
  const auth = request.headers.authorization
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim()
  if (options.basic === true && typeof auth === 'string' && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    return colon < 0 ? undefined : decoded.slice(colon + 1)
  }
  const apiKey = request.headers['x-api-key']
  return typeof apiKey === 'string' ? apiKey.trim() : undefined
}

const verified = new WeakMap<FastifyRequest, { key: string, client: Promise<Client | undefined> }>()

/**
 * The client `key` belongs to, verified at most once per request: the rate limit identifies the
 * caller to count the request, and auth then decides with the same answer.
 */
export async function verifyOnce (clients: ClientStore, request: FastifyRequest, key: string): Promise<Client | undefined> {
  const done = verified.get(request)
  if (done !== undefined && done.key === key) return await done.client
  const client = clients.verify(key)
  verified.set(request, { key, client })
  return await client
}

async function authPlugin (app: FastifyInstance, options: { clients: ClientStore }): Promise<void> {
  app.decorateRequest('client', undefined)
  // every protected route documents its key, and its 401 and 403 answers, in OpenAPI; a public
  // route says it needs none (`security: []`), so a client generator does not send a key there
  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles
    if (roles === undefined) {
      if (route.schema !== undefined) route.schema = { ...route.schema, security: [] }
      return
    }
    const schema = (route.schema ?? {}) as { description?: string, security?: unknown, response?: Record<string, unknown> }
    route.schema = {
      ...schema,
      description: `${schema.description ?? ''}\n\nRoles: ${roles.join(', ')}.`.trim(),
      security: [{ apiKey: [] }],
      response: {
        401: problemResponse('No API key, or not a valid one.', {
          'WWW-Authenticate': { description: 'Bearer realm="lienthong-hub": send the key as Authorization: Bearer <key>.', type: 'string' }
        }),
        403: problemResponse(`The client's role may not do this (allowed: ${roles.join(', ')}).`),
        ...schema.response
      }
    }
  })
  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.roles
    if (roles === undefined) return
    const key = apiKeyOf(request)
    const client = key === undefined || key === '' ? undefined : await verifyOnce(options.clients, request, key)
    if (client === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="lienthong-hub"')
      throw new UnauthenticatedError(key === undefined || key === '' ? 'no API key was sent (Authorization: Bearer <key>)' : 'the API key is not valid')
    }
    request.client = client
    if (!roles.includes(client.role)) throw new ForbiddenError(client.id, client.role, roles.join(', '))
  })
}

export default fp(authPlugin, { name: 'auth' })
