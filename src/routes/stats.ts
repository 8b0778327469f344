/** /v1/stats — the figures provinces report at their reviews, from incremental counters. */
import type { FastifyInstance } from 'fastify'
import { GROUP_BY } from '../domain/stats.ts'
import type { StatsQuery } from '../services/stats-service.ts'
import { READERS, problem } from './common.ts'

const count = (description: string): object => ({ description, type: 'integer' })
const ratio = (description: string): object => ({ description, type: ['number', 'null'] })

const figures = {
  received: count('Tiếp nhận — dossiers received in the period.'),
  resolved: count('Đã giải quyết — dossiers resolved in the period (status 9, or 10).'),
  resolvedOnTime: count('Giải quyết đúng hạn — resolved no later than the due date (early included).'),
  early: count('Trước hạn — resolved on a day before the due date.'),
  onTime: count('Đúng hạn — resolved on the due date.'),
  resolvedLate: count('Giải quyết quá hạn — resolved after the due date.'),
  overdue: count('Quá hạn — resolved late, plus those received in the period and still open past their due date.'),
  openOverdue: count('Đang quá hạn — received in the period, still open, past the due date.'),
  inProgress: count('Đang giải quyết — received in the period and still open (statuses 1, 2, 4, 5, 6).'),
  returned: count('Đã trả kết quả — results returned in the period.'),
  notAccepted: count('Không được tiếp nhận — refused in the period.'),
  withdrawn: count('Rút hồ sơ — withdrawn in the period.'),
  stopped: count('Dừng xử lý — stopped in the period.'),
  online: count('Trực tuyến — received online.'),
  postal: count('Bưu chính công ích — received by post or with the result returned by post.'),
  onTimeRate: ratio('Tỷ lệ đúng hạn — resolvedOnTime / resolved (null when nothing was resolved).'),
  onlineRate: ratio('Tỷ lệ trực tuyến — online / received.'),
  postalRate: ratio('Tỷ lệ qua BCCI — postal / received.')
}

export default async function statsRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: StatsQuery }>('/v1/stats', {
    config: { roles: READERS },
    schema: {
      tags: ['stats'],
      operationId: 'getStats',
      summary: 'Statistics (số liệu giải quyết hồ sơ)',
      description: 'Received, resolved (early / on time / late), overdue, in progress and the on-time, online and postal rates for a period of Vietnam calendar days, in total and grouped. Dossiers count on the day they were received (received, in progress, open overdue, online, postal), resolved, returned or ended. Kept as counters updated with every change; `npm run stats:rebuild` recomputes them from the dossiers. An agency sees its own figures only.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: { description: 'Từ ngày — first day (YYYY-MM-DD, Vietnam time); default 1 January of `to`\'s year.', type: 'string', format: 'date' },
          to: { description: 'Đến ngày — last day, inclusive; default today.', type: 'string', format: 'date' },
          groupBy: { description: 'Nhóm theo — agency (cơ quan), procedure (thủ tục), level (cấp) or channel (kênh).', type: 'string', enum: [...GROUP_BY] }
        }
      },
      response: {
        200: {
          type: 'object',
          required: ['from', 'to', 'totals'],
          properties: {
            from: { description: 'Từ ngày.', type: 'string' },
            to: { description: 'Đến ngày.', type: 'string' },
            groupBy: { description: 'Nhóm theo.', type: 'string' },
            agency: { description: 'Cơ quan — for an agency client: whose figures these are.', type: 'string' },
            totals: { description: 'Tổng — all dossiers (an agency: its own).', type: 'object', required: Object.keys(figures), properties: figures },
            groups: {
              description: 'Theo nhóm — one row per agency, procedure, level or channel.',
              type: 'array',
              items: { type: 'object', required: ['key', ...Object.keys(figures)], properties: { key: { description: 'Giá trị nhóm.', type: 'string' }, name: { description: 'Tên.', type: 'string' }, ...figures } }
            }
          }
        },
        400: problem('Bad period or grouping.'),
        403: problem('An agency asked for figures that would count other agencies\' dossiers.')
      }
    }
  }, async (request) => await app.hub.stats.query(request.query, request.client))
}
