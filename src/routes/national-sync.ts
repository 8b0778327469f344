/**
 * /v1/admin/national-sync — the sync to the national public service portal (DVCQG), for
 * administrators: counts by state, the dossiers whose sync is failed (or pending, retrying) with
 * the last error, one dossier's sync, and retrying a failed one. Reads the record, not the queues:
 * it answers while Redis is away. Admin role only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Requester } from '../services/admin-service.ts'
import { NATIONAL_SYNC_STATES } from '../store/national-sync-store.ts'
import { codeParam, problem } from './common.ts'

const ADMIN = { roles: ['admin'] } as const

const syncView = {
  type: 'object',
  description: 'Đồng bộ DVCQG của một hồ sơ — where one dossier\'s sync to the national portal stands.',
  required: ['code', 'state', 'changes', 'synced', 'attempts', 'since'],
  properties: {
    code: { type: 'string', description: 'Mã hồ sơ.' },
    state: { type: 'string', enum: [...NATIONAL_SYNC_STATES], description: 'Trạng thái đồng bộ — pending (chờ gửi), retrying (đang thử lại), failed (thất bại: the later changes wait behind it until retried), synced (đã đồng bộ).' },
    changes: { type: 'integer', description: 'Số lần chuyển trạng thái — status changes of the dossier (sync messages, 1 = the receipt).' },
    synced: { type: 'integer', description: 'Đã đồng bộ — how many of them DVCQG has (in order).' },
    attempts: { type: 'integer', description: 'Số lần thử — attempts at the message now owed.' },
    lastAttemptAt: { type: 'string', description: 'Lần thử gần nhất.' },
    lastError: { type: 'string', description: 'Lỗi gần nhất — the portal\'s answer or the network error (personal data removed).' },
    firstSyncedAt: { type: 'string', description: 'Đồng bộ lần đầu — when DVCQG first took the dossier (its receipt).' },
    syncedAt: { type: 'string', description: 'Đồng bộ gần nhất.' },
    since: { type: 'string', description: 'Chờ từ — owed since (the oldest change not synced).' }
  }
} as const

const requester = (request: FastifyRequest): Requester => ({
  client: request.client as NonNullable<FastifyRequest['client']>,
  requestId: String(request.id),
  route: request.routeOptions.url ?? '',
  method: request.method
})

export default async function nationalSyncRoutes (app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { state?: 'pending' | 'retrying' | 'failed', offset: number, limit: number } }>('/v1/admin/national-sync', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'getNationalSync',
      summary: 'The sync to the national portal (DVCQG): counts by state, and the dossiers in one state',
      description: 'Every dossier and every status change of it is synced to DVCQG in order (Decree 118/2025/NĐ-CP; Decision 766/QĐ-TTg indicator 1.4). `state` lists the dossiers whose sync is failed (default), retrying or pending, oldest first.',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          state: { type: 'string', enum: ['pending', 'retrying', 'failed'], default: 'failed', description: 'Trạng thái — which dossiers to list.' },
          offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0, description: 'Bỏ qua — skip this many.' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'Số lượng tối đa.' }
        }
      },
      response: {
        200: {
          type: 'object',
          required: ['configured', 'counts', 'dossiers'],
          properties: {
            configured: { type: 'boolean', description: 'Đã cấu hình — whether a national portal endpoint is configured (nationalPortal); without one nothing is sent and every sync stays pending.' },
            counts: { type: 'object', description: 'Số hồ sơ theo trạng thái đồng bộ.', additionalProperties: { type: 'integer' } },
            dossiers: { type: 'array', items: syncView }
          }
        }
      }
    }
  }, async (request) => {
    const { state = 'failed', offset, limit } = request.query
    const [overview, dossiers] = await Promise.all([app.hub.nationalSync.overview(), app.hub.nationalSync.list(state, offset, limit)])
    return { ...overview, dossiers }
  })

  app.get<{ Params: { code: string } }>('/v1/admin/national-sync/:code', {
    config: { ...ADMIN, audit: 'read-national-record' },
    schema: {
      tags: ['admin'],
      operationId: 'getDossierNationalSync',
      summary: 'One dossier\'s sync to the national portal (DVCQG)',
      params: codeParam,
      response: { 200: syncView, 404: problem('No dossier has this code.') }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.nationalSync.get(request.params.code)
  })

  app.post<{ Params: { code: string } }>('/v1/admin/national-sync/:code/retry', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryNationalSync',
      summary: 'Retry a dossier\'s failed sync to the national portal (full attempts again)',
      description: 'The failed message is sent again with the same Idempotency-Key and SoThuTu, then the ones that waited behind it, in order. Written to the dossier\'s audit trail.',
      params: codeParam,
      response: { 200: syncView, 400: problem('The sync has not failed.'), 404: problem('No dossier has this code.') }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.nationalSync.retry(request.params.code, requester(request))
  })
}
