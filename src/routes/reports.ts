/**
 * /v1/reports/indicators — the Decision 766/QĐ-TTg indicators provinces are scored and ranked on,
 * for a period, as the record stood at its end (services/indicator-service.ts). JSON, or the same
 * figures as CSV (Accept: text/csv) or an XLSX workbook (Accept: the spreadsheet media type).
 */
import type { FastifyInstance } from 'fastify'
import type { IndicatorQuery } from '../types/schemas.generated.ts'
import { READERS, problem } from './common.ts'
import { CSV_TYPE, XLSX_TYPE, toCsv, toXlsx } from '../services/indicator-export.ts'

export default async function reportRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: IndicatorQuery }>('/v1/reports/indicators', {
    config: { roles: READERS },
    schema: {
      tags: ['stats'],
      operationId: 'getIndicators',
      summary: 'Decision 766 indicators (chỉ số đánh giá theo Quyết định 766/QĐ-TTg)',
      description: 'Indicators 1.4, 2.1, 2.2, 3.3, 3.6, 4.1, 4.2, 4.3 and 4.4 of Decision 766/QĐ-TTg for a period of Vietnam calendar days, each with numerator, denominator, value (2 decimals), score and the threshold used, or N/A with the reason where the hub has no data; for the province, each commune, each agency (judged on its own steps\' due dates, only for dossiers routed to it) and each procedure, each grouping ordered by total score with each indicator\'s rank. Judged as the record stood at the end of the period (from the status history), so a past period gives the same answer whenever it is asked. An agency client gets its own figures only.',
      querystring: { $ref: 'indicator-query#' },
      response: {
        200: {
          description: 'The indicators: JSON, or with `Accept: text/csv` one CSV table (a row per unit of every grouping), or with `Accept: ' + XLSX_TYPE + '` an XLSX workbook shaped like a province\'s monthly report (a sheet per grouping, a sheet of notes).',
          content: {
            'application/json': { schema: { $ref: 'indicator-report#' } },
            'text/csv': { schema: { description: 'Bảng chỉ số (CSV) — grouping, key, name, rank, total, then numerator, denominator, value, score and rank of each indicator.', type: 'string' } },
            [XLSX_TYPE]: { schema: { description: 'Sổ tính chỉ số (XLSX).', type: 'string', format: 'binary' } }
          }
        },
        400: problem('Bad period or filter.')
      }
    }
  }, async (request, reply) => {
    const report = await app.hub.indicators.report(request.query, request.client)
    const accept = request.headers.accept ?? ''
    const name = `chi-so-766-${report.from}-${report.to}`
    if (accept.includes(XLSX_TYPE)) {
      return await reply.type(XLSX_TYPE).header('content-disposition', `attachment; filename="${name}.xlsx"`).send(await toXlsx(report))
    }
    if (accept.includes('text/csv')) {
      return await reply.type(CSV_TYPE).header('content-disposition', `attachment; filename="${name}.csv"`).send(toCsv(report))
    }
    return await reply.type('application/json; charset=utf-8').send(report)
  })
}
