/** /v1/stats — the figures provinces report at their reviews, counted from the record (store/stats-queries.ts). */
import type { FastifyInstance } from 'fastify'
import { GROUP_BY } from '../domain/stats.ts'
import type { StatsQuery } from '../services/stats-service.ts'
import { READERS, problem } from './common.ts'

const count = (description: string): object => ({ description, type: 'integer' })
const ratio = (description: string): object => ({ description, type: ['number', 'null'] })

const figures = {
  received: count('Tiếp nhận — dossiers received in the period.'),
  resolved: count('Đã giải quyết — dossiers whose status became 9 (resolved), or 10 straight from an open status, in the period.'),
  resolvedOnTime: count('Giải quyết đúng hạn — of those resolved in the period, no later than the due date in force (early + onTime).'),
  early: count('Trước hạn — resolved in the period, on a day before the due date.'),
  onTime: count('Đúng hạn — resolved in the period, on the due date (or without a due date).'),
  resolvedLate: count('Giải quyết quá hạn — resolved in the period, after the due date.'),
  overdue: count('Quá hạn — resolvedLate + openOverdue: resolved late in the period, or open and overdue at its end.'),
  openOverdue: count('Đang quá hạn — of inProgress, those past their due date at the end of the period: flagged overdue by then, or with the clock running (status 1, 2, 4) and the due date then in force passed. A dossier paused (5, 6) before its due date is not overdue.'),
  inProgress: count('Đang giải quyết — open at the end of the period (status 1, 2, 4, 5 or 6 then), whenever received: dossiers carried over from earlier periods count. A dossier resolved after the period still counts for it.'),
  returned: count('Đã trả kết quả — status became 10 (result returned) in the period.'),
  notAccepted: count('Không được tiếp nhận — status became 3 (refused) in the period.'),
  withdrawn: count('Rút hồ sơ — status became 7 (withdrawn) in the period.'),
  stopped: count('Dừng xử lý — status became 8 (stopped) in the period.'),
  online: count('Trực tuyến — of those received in the period, submitted online.'),
  postal: count('Bưu chính công ích — of those received in the period, submitted by post or with the result to be returned by post.'),
  onTimeRate: ratio('Tỷ lệ đúng hạn — resolvedOnTime / resolved, 4 decimals (null when nothing was resolved).'),
  onlineRate: ratio('Tỷ lệ trực tuyến — online / received, 4 decimals (null when nothing was received).'),
  postalRate: ratio('Tỷ lệ qua BCCI — postal / received, 4 decimals (null when nothing was received).')
}

export default async function statsRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: StatsQuery }>('/v1/stats', {
    config: { roles: READERS },
    schema: {
      tags: ['stats'],
      operationId: 'getStats',
      summary: 'Statistics (số liệu giải quyết hồ sơ)',
      description: 'Received, resolved (early / on time / late), overdue, in progress and the on-time, online and postal rates for a period of Vietnam calendar days (UTC+7), in total and grouped. The period runs from `from` 00:00 to the end of `to`, or to now when `to` is today or later. Dossiers count on the day they were received (received, online, postal) and on the day their status became resolved, returned, refused, withdrawn or stopped; in progress and open overdue are the state at the end of the period. Counted from the record\'s history when asked, so a past period gives the same answer later. A dossier counts for every agency of its route (not for the postal service returning its result). An agency sees only the dossiers routed to it.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: { description: 'Từ ngày — first day (YYYY-MM-DD, Vietnam time); default 1 January of `to`\'s year.', type: 'string', format: 'date' },
          to: { description: 'Đến ngày — last day, inclusive; default today. The period\'s end (for inProgress and openOverdue) is the end of this day, or now while this day has not ended.', type: 'string', format: 'date' },
          groupBy: { description: 'Nhóm theo — agency (cơ quan: every agency of the route), procedure (thủ tục), level (cấp), channel (kênh), receivingUnit (đơn vị tiếp nhận: the desk that received the dossier, by its QCVN 102 code) or handlingUnit (đơn vị giải quyết: the lead agency of the route, the instance the dossier\'s place picked). Dossiers are received regardless of administrative boundary since 1 July 2025 (Decree 118/2025/NĐ-CP), so the receiving and handling units differ.', type: 'string', enum: [...GROUP_BY] }
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
              description: 'Theo nhóm — one row per agency, procedure, level, channel, receiving unit or handling unit.',
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
