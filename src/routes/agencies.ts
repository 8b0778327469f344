/**
 * /v1/agencies/:agency/dossiers — an agency's own software submits a dossier in its native
 * format; the agency's adapter maps it and it is received once, like a portal submission (the
 * same dossier arriving from the portal and from the agency is one dossier).
 */
import type { FastifyInstance } from 'fastify'
import { parseIdempotencyKey } from '../services/intake-service.ts'
import { idempotencyHeaders, locationHeader, problem, scopedKey } from './common.ts'
import { WrongAgencyError } from '../errors.ts'

export default async function agencyRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Params: { agency: string }, Headers: { 'idempotency-key'?: string } }>('/v1/agencies/:agency/dossiers', {
    config: { roles: ['agency', 'admin'], audit: 'submit' },
    schema: {
      tags: ['agencies'],
      operationId: 'submitAgencyDossier',
      summary: 'Submit a dossier in an agency\'s native format (cơ quan gửi hồ sơ)',
      description: 'The body is the agency\'s native submission (see its adapter\'s submission schema under adapters/<name>/schemas/). It is validated field by field, mapped to the canonical dossier and received once: the same Idempotency-Key or agency reference answers 200 with the same dossier; so does a dossier the portal already sent (same procedure, applicant ID and data within the configured window). The agency\'s own step of the first stage counts as delivered. A dossier not routed to the agency is never found this way (not by its key, reference, origin or content): to the agency it does not exist.',
      params: {
        type: 'object',
        required: ['agency'],
        properties: { agency: { description: 'Cơ quan — the hub\'s id of the submitting agency.', type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } }
      },
      headers: idempotencyHeaders,
      body: { description: 'Hồ sơ theo định dạng riêng của cơ quan — the native submission.', type: 'object' },
      response: {
        201: { description: 'Received: the new dossier (Location header points to it).', headers: locationHeader, $ref: 'dossier-summary#' },
        200: { description: 'Already received (from this agency or another system): that dossier.', headers: locationHeader, $ref: 'dossier-summary#' },
        400: problem('The native submission is invalid: `errors` names each native field; or its source system is not the agency, or its procedure is not routed to the agency; nothing was stored.'),
        403: problem('The client speaks for another agency.'),
        404: problem('No agency has this id.'),
        409: problem('The Idempotency-Key or agency reference was used for different content.')
      }
    }
  }, async (request, reply) => {
    const client = request.client
    if (client?.role === 'agency' && client.agency !== request.params.agency) throw new WrongAgencyError(client.id, client.agency ?? '', request.params.agency)
    const key = scopedKey(client, parseIdempotencyKey(request.headers['idempotency-key']))
    const { created, summary } = await app.hub.intake.submitNative(request.params.agency, request.body, key)
    request.dossierCode = summary.code
    return await reply
      .code(created ? 201 : 200)
      .header('location', `/v1/dossiers/${encodeURIComponent(summary.code)}`)
      .send(summary)
  })
}
