/**
 * /v1/dossiers/:code/events — agencies report progress on their step of a dossier; the history
 * of a dossier shows every report, applied or not.
 */
import type { FastifyInstance } from 'fastify'
import type { AgencyEvent } from '../types/schemas.generated.ts'
import { READERS, codeParam, problem } from './common.ts'

const eventAnswer = {
  type: 'object',
  description: 'Kết quả ghi nhận báo cáo — what the report did.',
  required: ['eventId', 'dossier', 'step', 'applied', 'stepState', 'status', 'statusCode'],
  properties: {
    eventId: { description: 'Mã sự kiện — the event id.', type: 'string' },
    dossier: { description: 'Mã hồ sơ — the dossier code.', type: 'string' },
    step: { description: 'Bước liên thông — the step the report was applied to.', type: 'string' },
    applied: { description: 'Đã áp dụng — false when the report is only kept in the history (it would move the step backwards, or the step or dossier is finished).', type: 'boolean' },
    reason: { description: 'Lý do không áp dụng — step-not-started, step-finished, older-than-current or dossier-closed.', type: 'string' },
    detail: { description: 'Chi tiết — the reason in words.', type: 'string' },
    stepState: { description: 'Trạng thái bước — the step\'s state now.', allOf: [{ $ref: 'routing-state#/properties/state' }] },
    status: { description: 'Trạng thái hồ sơ — the dossier\'s status now.', allOf: [{ $ref: 'dossier#/properties/status' }] },
    statusCode: { description: 'Mã trạng thái — national status code 1–10.', type: 'integer' },
    released: { description: 'Bước tiếp theo — steps of the next stage this report released for delivery.', type: 'array', items: { type: 'string' } },
    cancelled: { description: 'Bước bị dừng — steps this report cancelled (a rejection).', type: 'array', items: { type: 'string' } }
  }
} as const

export default async function eventRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Params: { code: string }, Body: AgencyEvent }>('/v1/dossiers/:code/events', {
    config: { roles: ['agency', 'admin'], audit: 'report' },
    schema: {
      tags: ['events'],
      operationId: 'reportDossierEvent',
      summary: 'Report progress on a dossier (cơ quan báo cáo tiến độ)',
      description: 'An agency reports on its step of a dossier: accepted, processing, supplement requested (with what is missing), payment requested, resolved (with result documents) or rejected (with the reason), either canonically (`report`) or in its native format (`native`). The same event id again answers 200 with the first answer and changes nothing. A report that would move the step backwards, or arrives for a finished step, is kept in the history but not applied (`applied: false`). Resolving the last required step of a stage releases the next stage of a linked route; a rejection stops the rest.',
      params: codeParam,
      body: { $ref: 'agency-event#' },
      response: {
        201: { ...eventAnswer, description: 'Recorded (applied or kept in the history: see `applied`).' },
        200: { ...eventAnswer, description: 'This event id was recorded before: the first answer; nothing changed.' },
        400: problem('Bad input (the native report is named field by field); nothing changed.'),
        403: problem('The step is another agency\'s, or the client speaks for another agency (an administrator reporting in the name of an agency the dossier is not routed to is told so too).'),
        404: problem('No dossier has this code (for an agency client: none routed to it, whether or not another agency\'s has it).'),
        409: problem('The event id was used before with different content.')
      }
    }
  }, async (request, reply) => {
    request.dossierCode = request.params.code
    const { created, answer } = await app.hub.events.post(request.params.code, request.body, request.client)
    return await reply.code(created ? 201 : 200).send(answer)
  })

  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/history', {
    config: { roles: READERS, audit: 'read-history' },
    schema: {
      tags: ['events'],
      operationId: 'getDossierHistory',
      summary: 'A dossier\'s history (lịch sử xử lý)',
      description: 'Every agency report on the dossier, oldest first, whether it was applied, and what it changed (status, released and cancelled steps).',
      params: codeParam,
      response: {
        200: {
          description: 'The history.',
          type: 'object',
          required: ['dossier', 'entries'],
          properties: {
            dossier: { description: 'Mã hồ sơ — the dossier code.', type: 'string' },
            entries: { description: 'Các mục — history entries, oldest first.', type: 'array', items: { $ref: 'history-entry#' } }
          }
        },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return { dossier: request.params.code, entries: await app.hub.dossiers.history(request.params.code, request.client) }
  })
}
