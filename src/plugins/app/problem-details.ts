/**
 * Turns every error, and every unknown route, into an RFC 9457 problem document
 * (application/problem+json). 5xx are logged with their stack; 4xx with their code only.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { RouteNotFoundError } from '../../errors.ts'
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../http/problem.ts'

async function problemDetails (app: FastifyInstance, options: { bodyLimit: number }): Promise<void> {
  app.setErrorHandler(async (err, request, reply) => {
    const problem = toProblem(err as Error, request, options.bodyLimit)
    const about = (err as { dossierCode?: unknown }).dossierCode
    if (typeof about === 'string') request.dossierCode = about
    if (problem.status >= 500) request.log.error({ err, dossier: request.dossierCode }, 'request failed')
    else request.log.info({ code: problem.code, fields: problem.errorCount, dossier: request.dossierCode }, problem.detail ?? problem.title)
    return await reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem)
  })
  app.setNotFoundHandler(async (request, reply) => {
    const problem = toProblem(new RouteNotFoundError(request.method, request.url.split('?')[0] ?? ''), request, options.bodyLimit)
    return await reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem)
  })
}

export default fp(problemDetails, { name: 'problem-details' })
