/**
 * A dossier's life beyond agency reports: the applicant withdraws it (portal), the result is
 * handed over at the counter or online, a citizen-facing status lookup, the webhook notifications
 * and their delivery log, and the national portal's sync record.
 */
import type { FastifyInstance } from 'fastify'
import { READERS, codeParam, problem } from './common.ts'
import type { SupplementInput } from '../services/lifecycle-service.ts'
import { attachmentProblems } from '../validation/attachments.ts'
import { HubValidationError } from '../errors.ts'
import type { Attachment } from '../types/schemas.generated.ts'

const changeAnswer = {
  type: 'object',
  required: ['dossier', 'status', 'statusCode', 'changed'],
  properties: {
    dossier: { description: 'Mã hồ sơ — the dossier code.', type: 'string' },
    status: { description: 'Trạng thái — the status now.', allOf: [{ $ref: 'dossier#/properties/status' }] },
    statusCode: { description: 'Mã trạng thái — national code 1–10.', type: 'integer' },
    changed: { description: 'Đã thay đổi — false when the dossier already had this status (a repeat changes nothing).', type: 'boolean' },
    cancelled: { description: 'Bước bị dừng — steps cancelled by the withdrawal.', type: 'array', items: { type: 'string' } },
    notified: { description: 'Cơ quan được báo — steps whose agency holds the dossier and gets a withdrawal notice.', type: 'array', items: { type: 'string' } }
  }
} as const

const supplementAnswer = {
  type: 'object',
  required: ['dossier', 'supplementId', 'sequence', 'status', 'statusCode', 'steps'],
  properties: {
    dossier: { description: 'Mã hồ sơ.', type: 'string' },
    supplementId: { description: 'Mã lần bổ sung — as sent.', type: 'string' },
    sequence: { description: 'Lần bổ sung — 1 for the dossier\'s first supplement, then 2, 3…', type: 'integer' },
    status: { description: 'Trạng thái — the status now (processing, or payment-requested when another agency still waits for a payment).', allOf: [{ $ref: 'dossier#/properties/status' }] },
    statusCode: { description: 'Mã trạng thái — national code 1–10.', type: 'integer' },
    steps: { description: 'Bước nhận giấy tờ — the steps whose agencies receive the papers.', type: 'array', items: { type: 'string' } },
    dueAt: { description: 'Hạn xử lý — the due date, moved by the paused time.', type: 'string' }
  }
} as const

const statusView = {
  type: 'object',
  description: 'Tra cứu trạng thái hồ sơ — what a citizen may see by the dossier code: no personal data.',
  required: ['code', 'status', 'statusCode', 'statusName', 'procedure', 'receivedAt', 'overdue'],
  properties: {
    code: { description: 'Mã hồ sơ — the dossier code.', type: 'string' },
    status: { description: 'Trạng thái — by name.', allOf: [{ $ref: 'dossier#/properties/status' }] },
    statusCode: { description: 'Mã trạng thái — national code 1–10.', type: 'integer' },
    statusName: { description: 'Tên trạng thái — the national portal\'s Vietnamese name.', type: 'string' },
    procedure: {
      description: 'Thủ tục — code and name.',
      type: 'object',
      required: ['code', 'name'],
      properties: { code: { description: 'Mã TTHC.', type: 'string' }, name: { description: 'Tên TTHC.', type: 'string' } }
    },
    receivedAt: { description: 'Ngày tiếp nhận.', type: 'string' },
    dueAt: { description: 'Ngày hẹn trả.', type: 'string' },
    rescheduledDueAt: { description: 'Ngày hẹn trả mới — announced by an agency that will be late.', type: 'string' },
    pausedSince: { description: 'Tạm dừng từ — the clock is stopped since (supplement or payment requested).', type: 'string' },
    overdue: { description: 'Quá hạn — true when the open dossier is past its due date, or it was resolved late.', type: 'boolean' },
    resolvedAt: { description: 'Ngày có kết quả.', type: 'string' },
    returnedAt: { description: 'Ngày trả kết quả.', type: 'string' },
    closedAt: { description: 'Ngày kết thúc không có kết quả.', type: 'string' },
    timeliness: { description: 'Đúng hạn — early, on-time or overdue, once resolved.', type: 'string' }
  }
} as const

export default async function lifecycleRoutes (app: FastifyInstance): Promise<void> {
  app.post<{ Params: { code: string }, Body: { reason: string } }>('/v1/dossiers/:code/withdraw', {
    config: { roles: ['portal', 'admin'], audit: 'withdraw' },
    schema: {
      tags: ['lifecycle'],
      operationId: 'withdrawDossier',
      summary: 'The applicant withdraws the dossier (công dân rút hồ sơ, status 7)',
      description: 'Allowed while the dossier is open (1, 2, 4, 5, 6). Deliveries not made yet are stopped; every agency that already holds the dossier is told through its adapter (a withdrawal notice, queued and retried like a delivery). Repeating it answers 200 with `changed: false`. From any other status: 409, naming the statuses and why.',
      params: codeParam,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: { description: 'Lý do rút hồ sơ — the applicant\'s reason, as given.', type: 'string', minLength: 1, maxLength: 2000 } }
      },
      response: {
        200: { ...changeAnswer, description: 'Withdrawn (or it was already).' },
        400: problem('Bad input.'),
        404: problem('No dossier has this code.'),
        409: problem('The dossier cannot be withdrawn from its status (the detail says from which to which, and why).')
      }
    }
  }, async (request) => {
    const code = request.params.code
    request.dossierCode = code
    const r = await app.hub.lifecycle.withdraw(code, request.body.reason, request.client)
    return { dossier: code, status: r.status, statusCode: 7, changed: r.changed, cancelled: r.cancelled, notified: r.notified }
  })

  app.post<{ Params: { code: string }, Body: { method: 'counter' | 'online', note?: string } }>('/v1/dossiers/:code/return', {
    config: { roles: ['portal', 'admin'], audit: 'return' },
    schema: {
      tags: ['lifecycle'],
      operationId: 'returnDossierResult',
      summary: 'The result was handed to the applicant (đã trả kết quả, status 10)',
      description: 'For a resolved dossier (9) whose result the applicant collected at the one-stop desk (`counter`) or received online (`online`). A postal return ends on its own when the postal service reports the delivery; while it is on its way this answers 409. Repeating it answers 200 with `changed: false`.',
      params: codeParam,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['method'],
        properties: {
          method: { description: 'Hình thức trả — counter (tại bộ phận một cửa) or online (trực tuyến).', type: 'string', enum: ['counter', 'online'] },
          note: { description: 'Ghi chú — who collected it, with what papers…', type: 'string', maxLength: 2000 }
        }
      },
      response: {
        200: { ...changeAnswer, description: 'Returned (or it was already).' },
        400: problem('Bad input.'),
        404: problem('No dossier has this code.'),
        409: problem('The dossier is not resolved, or its result is on its way by post.')
      }
    }
  }, async (request) => {
    const code = request.params.code
    request.dossierCode = code
    const r = await app.hub.lifecycle.returnResult(code, request.body.method, request.body.note, request.client)
    return { dossier: code, status: r.status, statusCode: 10, changed: r.changed }
  })

  app.post<{ Params: { code: string }, Body: Omit<SupplementInput, 'id'> & { supplementId: string } }>('/v1/dossiers/:code/supplements', {
    config: { roles: ['portal', 'admin'], audit: 'supplement' },
    schema: {
      tags: ['lifecycle'],
      operationId: 'submitDossierSupplement',
      summary: 'The applicant supplies the papers an agency asked for (nộp hồ sơ bổ sung)',
      description: 'While the dossier is supplement-requested (5): the papers are kept with the dossier and carried to every agency that asked, through its adapter (queued and retried like a delivery, Idempotency-Key "<code>/<step>/supplement-<n>"); those steps go back to processing and the clock restarts, the due date moved by the paused working time. The same supplementId again answers 200 with the first answer; with other papers, 409. From any other status: 409.',
      params: codeParam,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['supplementId', 'attachments'],
        properties: {
          supplementId: { description: 'Mã lần bổ sung — the portal\'s own id for this supplement (receive once).', type: 'string', pattern: '^[\\x21-\\x7e]{1,128}$' },
          attachments: {
            description: 'Giấy tờ bổ sung — the papers, by url or inline (base64), or by naming a valid stored document instead of the file (once-only: `reuse: { documentId | nationalStoreReference, consent }`, as in a submission; the hub checks it belongs to the applicant or a person the dossier is about, is valid at the supplement\'s time and that the applicant consented before it, then carries its file reference and SHA-256, marked reused).',
            type: 'array',
            minItems: 1,
            maxItems: 50,
            // a JSON Schema if/then/else, not a thenable
            items: { if: { type: 'object', required: ['reuse'] }, then: { $ref: 'attachment-reuse#' }, else: { $ref: 'attachment#' } } // oxlint-disable-line unicorn/no-thenable
          },
          note: { description: 'Ghi chú — the applicant\'s or the desk\'s note.', type: 'string', maxLength: 2000 }
        }
      },
      response: {
        201: { ...supplementAnswer, description: 'Received: the papers go to the agencies that asked.' },
        200: { ...supplementAnswer, description: 'This supplement id was received before: the first answer; nothing changed.' },
        400: problem('Bad input (an attachment\'s size or SHA-256, named field by field), or a stored document that cannot be reused for this dossier (HUB_ERR_REUSE_REFUSED: another holder\'s, not valid at the supplement\'s time, without consent, unknown; `errors` names each component and why); nothing changed.'),
        404: problem('No dossier has this code.'),
        409: problem('No agency waits for papers (the dossier is not supplement-requested), or the supplement id was used with other papers.'),
        503: problem('A paper names a document of the national personal data store, which cannot be asked now, or a stored document whose file cannot be read now to learn its size; nothing changed, retry.')
      }
    }
  }, async (request, reply) => {
    const code = request.params.code
    request.dossierCode = code
    const problems = attachmentProblems(request.body.attachments as Attachment[], app.hub.inlineAttachmentLimit)
    if (problems.length > 0) throw new HubValidationError(problems)
    const { supplementId, attachments, note } = request.body
    const { created, answer } = await app.hub.lifecycle.supplement(code, { id: supplementId, attachments, ...(note !== undefined && { note }) }, request.client)
    return await reply.code(created ? 201 : 200).send(answer)
  })

  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/status', {
    config: { roles: READERS },
    schema: {
      tags: ['lifecycle'],
      operationId: 'getDossierStatus',
      summary: 'Look up a dossier\'s status by its code (tra cứu hồ sơ)',
      description: 'Cheap enough for a citizen-facing lookup on the portal: one read of a few columns of the record, no document read, no personal data, not audited.',
      params: codeParam,
      response: {
        200: {
          ...statusView,
          headers: { 'Cache-Control': { description: 'private, max-age=5: a browser or the portal may reuse the answer for five seconds; shared caches must not keep it.', type: 'string' } }
        },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request, reply) => {
    request.dossierCode = request.params.code
    void reply.header('cache-control', 'private, max-age=5')
    return await app.hub.dossiers.status(request.params.code, request.client)
  })

  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/notifications', {
    config: { roles: READERS, audit: 'read-notifications' },
    schema: {
      tags: ['lifecycle'],
      operationId: 'getDossierNotifications',
      summary: 'The dossier\'s webhook notifications and their delivery log',
      description: 'Every notification the hub keeps for subscribers (status changes, overdue, delays), in order; how far each subscriber has got; and every delivery attempt. An agency sees only subscribers bound to it.',
      params: codeParam,
      response: {
        200: {
          type: 'object',
          required: ['dossier', 'notifications', 'subscribers', 'deliveries'],
          properties: {
            dossier: { description: 'Mã hồ sơ.', type: 'string' },
            notifications: { description: 'Thông báo — in order.', type: 'array', items: { $ref: 'notification#' } },
            subscribers: { description: 'Tiến độ — subscriber id → how many notifications it has.', type: 'object', additionalProperties: { type: 'integer' } },
            deliveries: {
              description: 'Nhật ký gửi — every attempt, oldest first.',
              type: 'array',
              items: {
                type: 'object',
                required: ['at', 'subscriber', 'sequence', 'event', 'attempt', 'outcome'],
                properties: {
                  at: { type: 'string' },
                  subscriber: { type: 'string' },
                  sequence: { type: 'integer' },
                  event: { type: 'string' },
                  attempt: { type: 'integer' },
                  outcome: { type: 'string', enum: ['delivered', 'retrying', 'failed', 'skipped'] },
                  status: { type: 'integer' },
                  error: { type: 'string' }
                }
              }
            }
          }
        },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.dossiers.notifications(request.params.code, request.client)
  })

  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/national-record', {
    config: { roles: ['portal', 'admin', 'auditor'], audit: 'read-national-record' },
    schema: {
      tags: ['lifecycle'],
      operationId: 'getNationalRecord',
      summary: 'The national portal\'s sync record (bản ghi đồng bộ DVCQG)',
      description: 'The dossier mapped to the record the National Public Service Portal synchronises: its field names, dates as yyyyMMddHHmmss Vietnam time, status code TrangThaiHoSo.',
      params: codeParam,
      response: {
        200: { description: 'The record.', $ref: 'national-portal-record#' },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.dossiers.nationalRecord(request.params.code, request.client)
  })
}
