/**
 * Notices to the applicant (docs/notices.md): a dossier's notice log, for the portal and
 * administrators only (an agency does not see what the hub told the applicant, nor where), and
 * the monthly counts per channel for administrators.
 */
import type { FastifyInstance } from 'fastify'
import { codeParam, problem } from './common.ts'
import { MONTH_PATTERN } from '../domain/months.ts'

const channel = { type: 'string', enum: ['sms', 'zalo', 'email'], description: 'Kênh — sms, zalo (ZNS) or email.' }

const noticeView = {
  type: 'object',
  required: ['sequence', 'channel', 'kind', 'state', 'attempts', 'createdAt', 'updatedAt'],
  properties: {
    sequence: { type: 'integer', description: 'The webhook notification (its sequence number) this notice tells of.' },
    channel,
    kind: { type: 'string', description: 'Loại — the change: received, not-accepted, supplement-requested, payment-requested, withdrawn, stopped, resolved, returned, delay-announced.' },
    state: { type: 'string', enum: ['queued', 'waiting', 'retrying', 'sent', 'failed', 'skipped'], description: 'Trạng thái — queued, waiting (quiet hours), retrying, sent, failed (for good), skipped (no consent, no phone or e-mail given).' },
    recipient: { type: 'string', description: 'Người nhận — the phone or e-mail, masked.' },
    content: { type: 'string', description: 'Nội dung — the SMS text, the e-mail subject, or the ZNS template id and parameters.' },
    segments: { type: 'integer', description: 'Số tin — SMS segments.' },
    attempts: { type: 'integer' },
    providerId: { type: 'string', description: 'Mã tin của nhà cung cấp — the provider\'s message id (SMSID, msg_id, Message-ID).' },
    error: { type: 'string', description: 'Why it was skipped, or the last failure.' },
    notBefore: { type: 'string', description: 'Waiting for the end of the quiet hours.' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' }
  }
}

export default async function noticeRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/notices', {
    config: { roles: ['portal', 'admin'], audit: 'read-notices' },
    schema: {
      tags: ['lifecycle'],
      operationId: 'getDossierNotices',
      summary: 'The SMS, Zalo and e-mail notices to the applicant, and every attempt',
      description: 'One entry per change worth a notice and channel: sent, failed (for good), skipped (the applicant did not consent, or gave no phone or e-mail), or still on its way; and every attempt, oldest first. The portal and administrators only: an agency does not see them.',
      params: codeParam,
      response: {
        200: {
          type: 'object',
          required: ['dossier', 'notices', 'attempts'],
          properties: {
            dossier: { type: 'string', description: 'Mã hồ sơ.' },
            notices: { type: 'array', items: noticeView },
            attempts: {
              type: 'array',
              description: 'Nhật ký gửi — every attempt, oldest first.',
              items: {
                type: 'object',
                required: ['at', 'sequence', 'channel', 'attempt', 'outcome'],
                properties: {
                  at: { type: 'string' },
                  sequence: { type: 'integer' },
                  channel,
                  attempt: { type: 'integer' },
                  outcome: { type: 'string', enum: ['sent', 'retrying', 'failed', 'waiting'] },
                  status: { type: 'integer', description: 'The provider\'s HTTP status, when it answered one.' },
                  providerId: { type: 'string' },
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
    return await app.hub.dossiers.notices(request.params.code)
  })

  app.get<{ Querystring: { from?: string, to?: string } }>('/v1/stats/notices', {
    config: { roles: ['admin'] },
    schema: {
      tags: ['stats'],
      operationId: 'getNoticeCounts',
      summary: 'Notices to applicants per month and channel',
      description: 'Sent and failed notices and SMS segments (what the province pays for), per Vietnam calendar month and channel, from `from` to `to` (yyyy-mm; default this month; at most 36 months). Each notice counts once, by its final state, in the month it reached it: sent (accepted by the provider: billed, with its segments) or failed (for good). A failed notice retried by an administrator leaves the failed count of its month.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: { type: 'string', pattern: MONTH_PATTERN, description: 'Từ tháng — yyyy-mm.' },
          to: { type: 'string', pattern: MONTH_PATTERN, description: 'Đến tháng — yyyy-mm.' }
        }
      },
      response: {
        200: {
          type: 'object',
          required: ['from', 'to', 'months'],
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            months: {
              type: 'array',
              items: {
                type: 'object',
                required: ['month', 'channel', 'sent', 'failed', 'segments'],
                properties: {
                  month: { type: 'string', description: 'Tháng — yyyy-mm.' },
                  channel,
                  sent: { type: 'integer', description: 'Đã gửi.' },
                  failed: { type: 'integer', description: 'Gửi lỗi (for good).' },
                  segments: { type: 'integer', description: 'Số tin SMS — segments of the SMS sent (1 for other channels\' messages).' }
                }
              }
            }
          }
        },
        400: problem('The months are not yyyy-mm, end before they start, or span more than 36 months.')
      }
    }
  }, async (request) => await app.hub.noticeCounts.monthly(request.query.from, request.query.to))
}
