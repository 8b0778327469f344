/** /v1/dossiers/:code/audit — the dossier's audit trail with the verification of its hash chain. */
import type { FastifyInstance } from 'fastify'
import { codeParam, problem } from './common.ts'

export default async function auditRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Params: { code: string } }>('/v1/dossiers/:code/audit', {
    config: { roles: ['admin', 'auditor'], audit: 'read-audit' },
    schema: {
      tags: ['audit'],
      summary: 'A dossier\'s audit trail (nhật ký truy cập)',
      description: 'Every read and write of the dossier by a client, oldest first, each entry carrying the SHA-256 of the one before; `verification` recomputes the chain and says where it breaks if an entry was changed, removed or moved.',
      params: codeParam,
      response: {
        200: {
          description: 'The trail and its verification.',
          type: 'object',
          required: ['dossier', 'entries', 'verification'],
          properties: {
            dossier: { description: 'Mã hồ sơ — the dossier code.', type: 'string' },
            entries: { description: 'Các mục — the entries, oldest first.', type: 'array', items: { $ref: 'audit-entry#' } },
            verification: {
              description: 'Kiểm tra chuỗi — whether the chain is whole.',
              type: 'object',
              required: ['valid', 'entries'],
              properties: {
                valid: { description: 'Nguyên vẹn — true when every entry follows the one before and matches its hash.', type: 'boolean' },
                entries: { description: 'Số mục — entries checked.', type: 'integer' },
                brokenAt: { description: 'Vị trí lỗi — the first entry (1-based) where the chain breaks.', type: 'integer' },
                reason: { description: 'Lý do — what is wrong there.', type: 'string' }
              }
            }
          }
        },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.dossiers.audit(request.params.code)
  })
}
