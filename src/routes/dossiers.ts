/**
 * /v1/dossiers — intake from the provincial portal, and reading dossiers back.
 * Schemas are referenced by $id from schemas/ (see src/schemas.ts); Ajv compiles them once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { DossierSubmission } from '../types/schemas.generated.ts'
import { parseIdempotencyKey } from '../services/intake-service.ts'
import type { ListQuery } from '../services/dossier-queries.ts'
import { STATUSES } from '../domain/status.ts'
import { bodyDigest, parseDeferredBody } from '../validation/text.ts'
import { READERS, codeParam, idempotencyHeaders, locationHeader, problem, scopedKey } from './common.ts'

/**
 * A submission's bytes as the intake service remembers them: the sender, the Idempotency-Key
 * header as sent and the body's digest. Undefined when the request cannot be a known repeat.
 */
function bytesOf (request: FastifyRequest, digest = bodyDigest(request)): string | undefined {
  const client = request.client
  if (digest === undefined || client === undefined) return undefined
  return `${client.id}\u0000${client.role}\u0000${String(request.headers['idempotency-key'] ?? '')}\u0000${digest}`
}

export default async function dossierRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Body: DossierSubmission, Headers: { 'idempotency-key'?: string } }>('/v1/dossiers', {
    config: {
      roles: ['portal', 'admin'],
      audit: 'submit',
      bodyDigest: true,
      // bytes this process has seen are not parsed unless the record no longer answers them
      deferBody: (request, digest) => { const bytes = bytesOf(request, digest); return bytes !== undefined && app.hub.intake.knows(bytes) }
    },
    // the same bytes from the same sender under the same key: answered from the record's
    // receive-once lookup before any validation (the first of them passed it, and the same bytes
    // pass it the same way); anything else goes on to the schema and the handler
    preValidation: async (request, reply) => {
      const bytes = bytesOf(request)
      const repeat = bytes === undefined ? undefined : await app.hub.intake.repeat(bytes)
      if (repeat === undefined) { await parseDeferredBody(request); return }
      request.dossierCode = repeat.summary.code
      return await reply.code(200).header('location', `/v1/dossiers/${encodeURIComponent(repeat.summary.code)}`).send(repeat.summary)
    },
    schema: {
      tags: ['dossiers'],
      operationId: 'submitDossier',
      summary: 'Submit a dossier (tiếp nhận hồ sơ)',
      description: 'The provincial portal forwards a submission. The hub validates it, assigns the dossier code (mã hồ sơ), stores it and queues its delivery to every agency its procedure is routed to. The same submission again — same Idempotency-Key, or same source system + reference — answers 200 with the same dossier and creates nothing; the same key with different content answers 409.',
      headers: idempotencyHeaders,
      body: { $ref: 'dossier-submission#' },
      response: {
        201: { description: 'Received: the new dossier (Location header points to it).', headers: locationHeader, $ref: 'dossier-summary#' },
        200: { description: 'Already received: the dossier this submission created before.', headers: locationHeader, $ref: 'dossier-summary#' },
        400: problem('Bad input: `errors` lists each offending field; nothing was stored.'),
        409: problem('The Idempotency-Key or source reference was used for different content.'),
        413: problem('The body is over BODY_LIMIT.'),
        415: problem('The body is not application/json.'),
        503: problem('The store is unreachable, the national personal data store cannot be asked now, or a reused document\'s file cannot be read now to learn its size; nothing was stored.')
      }
    }
  }, async (request, reply) => {
    const key = scopedKey(request.client, parseIdempotencyKey(request.headers['idempotency-key']))
    const bytes = bytesOf(request)
    const { created, summary } = await app.hub.intake.submit(request.body, key, { ...(request.client !== undefined && { client: request.client }), ...(bytes !== undefined && { bytes }) })
    request.dossierCode = summary.code
    return await reply
      .code(created ? 201 : 200)
      .header('location', `/v1/dossiers/${encodeURIComponent(summary.code)}`)
      .send(summary)
  })

  app.get<{ Params: { code: string } }>('/v1/dossiers/:code', {
    config: { roles: READERS, audit: 'read' },
    schema: {
      tags: ['dossiers'],
      operationId: 'getDossier',
      summary: 'Read a dossier',
      description: 'The canonical dossier with its status and per-agency routing state (trạng thái liên thông).',
      params: codeParam,
      response: {
        200: { description: 'The dossier.', $ref: 'dossier#' },
        400: problem('The code is not a dossier code.'),
        404: problem('No dossier has this code (or, for an agency, none routed to it).')
      }
    },
    // fast-json-stringify cannot merge the canonical schema's if/then identity rules; the stored
    // dossier was validated on the way in, so plain JSON.stringify is exact here.
    serializerCompiler: () => (data) => JSON.stringify(data)
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.dossiers.get(request.params.code, request.client)
  })

  app.get<{ Querystring: ListQuery }>('/v1/dossiers', {
    config: { roles: READERS },
    schema: {
      tags: ['dossiers'],
      operationId: 'listDossiers',
      summary: 'List dossiers',
      description: 'Newest received first, filtered, one page at a time: pass `nextCursor` back as `cursor`.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { description: 'Trạng thái — only dossiers with this status.', type: 'string', enum: Object.keys(STATUSES) },
          agency: { description: 'Cơ quan — only dossiers routed to this agency id.', type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
          procedure: { description: 'Mã TTHC — only dossiers of this procedure.', type: 'string', maxLength: 64 },
          receivedFrom: { description: 'Tiếp nhận từ — received at or after this time (ISO 8601 with offset).', type: 'string', format: 'date-time' },
          receivedTo: { description: 'Tiếp nhận đến — received at or before this time (ISO 8601 with offset).', type: 'string', format: 'date-time' },
          limit: { description: 'Số hồ sơ mỗi trang — page size, 1–100.', type: 'integer', minimum: 1, maximum: 100, default: 20 },
          cursor: { description: 'Trang tiếp — the `nextCursor` of the previous page.', type: 'string', maxLength: 200 }
        }
      },
      response: {
        200: { description: 'One page of dossiers.', $ref: 'dossier-list#' },
        400: problem('A filter or the cursor is invalid.')
      }
    }
  }, async (request) => await app.hub.dossiers.list(request.query, request.client))
}
