/**
 * The administrators' browser pages (the queue console, the indicators dashboard) behind the admin
 * key: a browser asks by basic auth (any user name, the admin key as the password); scripts may send
 * Authorization: Bearer <key> or X-Api-Key. Refusals are problem documents like the API's, a
 * missing key with the WWW-Authenticate header that makes a browser ask for it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ClientStore } from '../../auth/clients.ts'
import { ForbiddenError, UnauthenticatedError } from '../../errors.ts'
import { apiKeyOf, verifyOnce } from '../app/auth.ts'
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../http/problem.ts'

/** Answers the error as a problem document (a page's own error handler would answer it otherwise). */
export async function refuse (request: FastifyRequest, reply: FastifyReply, err: Error): Promise<void> {
  const problem = toProblem(err, request, 0)
  await reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
}

/**
 * An onRequest hook: the request goes on (with request.client set) only with an admin's key; `page`
 * names the page in the 401's detail. Returns whether it went on.
 */
export function adminPageAuth (clients: ClientStore, page: string): (request: FastifyRequest, reply: FastifyReply) => Promise<boolean> {
  return async (request, reply) => {
    const key = apiKeyOf(request, { basic: true })
    const client = key === undefined || key === '' ? undefined : await verifyOnce(clients, request, key)
    if (client === undefined) {
      void reply.header('www-authenticate', 'Basic realm="lienthong-hub admin", charset="UTF-8"')
      await refuse(request, reply, new UnauthenticatedError(key === undefined ? `${page} needs the admin key (basic auth: any user name, the key as the password)` : 'the key is not valid'))
      return false
    }
    if (client.role !== 'admin') {
      await refuse(request, reply, new ForbiddenError(client.id, client.role, 'admin'))
      return false
    }
    request.client = client
    return true
  }
}
