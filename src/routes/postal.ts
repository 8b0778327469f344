/**
 * Postal pickup (thu gom hồ sơ qua bưu chính công ích): the post office's reports on a collection,
 * a dossier's pickup, and the postage per month (an administrator's figure).
 */
import type { FastifyInstance } from 'fastify'
import { codeParam, problem } from './common.ts'
import { HubValidationError, RouteNotFoundError } from '../errors.ts'
import { MONTH_PATTERN, monthRange } from '../domain/months.ts'

export const pickupView = {
  type: 'object',
  required: ['dossier', 'agency', 'state', 'provincePaysPostage', 'requestedAt', 'attempts'],
  properties: {
    dossier: { description: 'Mã hồ sơ.', type: 'string' },
    agency: { description: 'Đơn vị bưu chính thu gom.', type: 'string' },
    state: { description: 'requested (being sent), ordered (the post office has the order), collected, handed-over, failed (not sent, or not collected: lastError), cancelled.', type: 'string' },
    address: { description: 'Nơi thu gom (the applicant\'s pickup as submitted).', type: 'object', additionalProperties: true },
    provincePaysPostage: { description: 'Tỉnh trả cước.', type: 'boolean' },
    requestedAt: { type: 'string', format: 'date-time' },
    itemCode: { description: 'Số hiệu bưu gửi.', type: 'string' },
    collectedAt: { description: 'Thời điểm thu gom — the dossier\'s receipt time.', type: 'string', format: 'date-time' },
    handedOverAt: { type: 'string', format: 'date-time' },
    postage: { description: 'Cước (đồng).', type: 'integer' },
    attempts: { type: 'integer' },
    lastError: { type: 'string' }
  }
} as const

/** The most months one postage request covers. */
const MAX_POSTAGE_MONTHS = 36

export default async function postalRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Params: { code: string }, Body: { eventId: string, native: unknown } }>('/v1/dossiers/:code/postal-pickup/events', {
    config: { roles: ['agency', 'admin'], audit: 'postal-report' },
    schema: {
      tags: ['postal'],
      operationId: 'reportPostalPickup',
      summary: 'The post office reports on a collection (hành trình thu gom hồ sơ)',
      description: 'VNPost (the postal agency that collects dossiers) reports, in its native format (adapters/postal/schemas/pickup-status.schema.json): 110 collected at the applicant\'s (StatusTime becomes the dossier\'s receipt time: it is received, its due date counts from then and its first stage is delivered; Postage is kept), 120 handed over to the one-stop desk, 150 not collected (Reason). The same eventId again answers 200 with the first answer and changes nothing.',
      params: codeParam,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['eventId', 'native'],
        properties: {
          eventId: { description: 'Mã sự kiện — unique per dossier.', type: 'string', minLength: 1, maxLength: 128 },
          native: { description: 'The postal pickup status (postal-pickup-status).', type: 'object' }
        }
      },
      response: {
        201: { description: 'Recorded.', type: 'object', additionalProperties: true },
        200: { description: 'This eventId was recorded before: the first answer; nothing changed.', type: 'object', additionalProperties: true },
        400: problem('Bad native report, a time in the future or before the request, a collection twice; nothing changed.'),
        403: problem('The client speaks for another agency than the postal one.'),
        404: problem('No dossier with this code waits for a pickup.'),
        409: problem('The eventId was used before with different content.')
      }
    }
  }, async (request, reply) => {
    const service = app.hub.pickups
    if (service === undefined) throw new RouteNotFoundError('POST', request.url)
    request.dossierCode = request.params.code
    const { created, answer } = await service.report(request.params.code, request.body, request.client)
    return await reply.code(created ? 201 : 200).send(answer)
  })

  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/postal-pickup', {
    config: { roles: ['portal', 'admin', 'auditor'], audit: 'read' },
    schema: {
      tags: ['postal'],
      operationId: 'getPostalPickup',
      summary: 'A dossier\'s postal pickup (thu gom hồ sơ)',
      description: 'Where the post office collects the papers, how the request went, when it was collected (the receipt time) and handed over, and the postage.',
      params: codeParam,
      response: { 200: { description: 'The pickup.', ...pickupView }, 404: problem('No dossier has this code, or it asks for no pickup.') }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    await app.hub.dossiers.get(request.params.code, request.client)
    const pickup = await app.hub.pickups?.get(request.params.code)
    if (pickup === undefined) throw new RouteNotFoundError('GET', request.url)
    return pickup
  })

  app.get<{ Querystring: { from: string, to: string } }>('/v1/admin/postal/postage', {
    config: { roles: ['admin', 'auditor'] },
    schema: {
      tags: ['postal'],
      operationId: 'getPostage',
      summary: 'Postage per month (cước bưu chính công ích)',
      description: 'The collections of each month (Vietnam time) from `from` to `to` (inclusive, YYYY-MM), their postage and the part the province pays (postal.provincePaysPostage).',
      querystring: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: { type: 'string', pattern: MONTH_PATTERN }, to: { type: 'string', pattern: MONTH_PATTERN } } },
      response: {
        200: {
          description: 'One row per month with collections.',
          type: 'object',
          required: ['from', 'to', 'months'],
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            months: { type: 'array', items: { type: 'object', required: ['month', 'pickups', 'postage', 'paidByProvince'], properties: { month: { type: 'string' }, pickups: { type: 'integer' }, postage: { type: 'integer' }, paidByProvince: { type: 'integer' } } } }
          }
        },
        400: problem('A month out of order, or a period longer than 36 months.')
      }
    }
  }, async (request) => {
    const period = monthRange(request.query, MAX_POSTAGE_MONTHS)
    if ('problems' in period) throw new HubValidationError(period.problems, 'The period is not a range of months; nothing was read')
    const { from, to, start, end } = period
    return { from, to, months: await app.hub.pickups?.postage(start, end) ?? [] }
  })
}
