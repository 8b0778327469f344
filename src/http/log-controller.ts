/**
 * Fastify's request logging, reduced to one line per request: method, URL, status, time, and
 * the dossier code when the request is about a dossier. Bodies and headers are never logged.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

export class OneLinePerRequest extends LogController {
  override incomingRequest (): void {}

  override routeNotFound (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      ...(request.dossierCode !== undefined && { dossier: request.dossierCode })
    }
    if (error !== null && error !== undefined) reply.log.error({ ...line, err: error }, 'request')
    else reply.log.info(line, 'request')
  }
}
