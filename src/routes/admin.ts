/**
 * /v1/admin — the administrators' API over the delivery queues (the console at /admin/queues
 * shows the same queues): counts per agency, failed deliveries, retry, discard, pause and resume,
 * and every job of one dossier. Admin role only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Requester } from '../services/admin-service.ts'
import { codeParam, problem } from './common.ts'
import { NoSubscribersError, QueuesUnavailableError } from '../errors.ts'

const ADMIN = { roles: ['admin'] } as const
const agencyParam = {
  type: 'object',
  required: ['agency'],
  properties: { agency: { description: 'Cơ quan — the agency id (its delivery queue).', type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } }
} as const
const stepParams = {
  type: 'object',
  required: ['code', 'step'],
  properties: {
    code: codeParam.properties.code,
    step: { description: 'Bước liên thông — the step id.', type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }
  }
} as const
const jobView = {
  type: 'object',
  description: 'Lượt gửi — one delivery job.',
  properties: {
    jobId: { type: 'string', description: 'Mã công việc — "<dossier code>/<step>".' },
    dossier: { type: 'string', description: 'Mã hồ sơ.' },
    step: { type: 'string', description: 'Bước.' },
    agency: { type: 'string', description: 'Cơ quan.' },
    state: { type: 'string', description: 'Trạng thái — waiting, active, delayed, completed, failed…' },
    attemptsMade: { type: 'integer', description: 'Số lần đã thử.' },
    failedReason: { type: 'string', description: 'Lỗi gần nhất.' },
    createdAt: { type: 'string', description: 'Thời điểm tạo.' },
    finishedAt: { type: 'string', description: 'Thời điểm kết thúc.' }
  }
} as const
const overview = {
  type: 'object',
  description: 'Hàng đợi của một cơ quan.',
  properties: {
    agency: { type: 'string', description: 'Cơ quan.' },
    paused: { type: 'boolean', description: 'Tạm dừng — deliveries wait while true.' },
    counts: { type: 'object', description: 'Số lượng theo trạng thái.', additionalProperties: { type: 'integer' } }
  }
} as const

const actorOf = (request: FastifyRequest): Requester => ({
  client: request.client as NonNullable<FastifyRequest['client']>,
  requestId: String(request.id),
  route: request.routeOptions.url ?? '',
  method: request.method
})

const webhookView = {
  type: 'object',
  description: 'Hàng đợi thông báo — the webhook queue: notifications to subscribers.',
  required: ['paused', 'counts', 'failed'],
  properties: {
    paused: { type: 'boolean', description: 'Tạm dừng.' },
    counts: { type: 'object', description: 'Số lượng theo trạng thái.', additionalProperties: { type: 'integer' } },
    failed: {
      type: 'array',
      description: 'Thông báo gửi thất bại — newest first.',
      items: {
        type: 'object',
        properties: {
          jobId: { type: 'string', description: 'Mã công việc — "<subscriber>/<dossier code>/<sequence>".' },
          dossier: { type: 'string', description: 'Mã hồ sơ.' },
          subscriber: { type: 'string', description: 'Bên nhận.' },
          upTo: { type: 'integer', description: 'Đến thông báo số.' },
          attemptsMade: { type: 'integer', description: 'Số lần đã thử.' },
          failedReason: { type: 'string', description: 'Lỗi gần nhất.' }
        }
      }
    }
  }
} as const

export default async function adminRoutes (app: FastifyInstance): Promise<void> {
  // Every route here works on the queues, in Redis: while this process is not connected, answer 503
  // at once (BullMQ would wait for the connection without a timeout). After authentication: a
  // client without a valid key still gets 401.
  app.addHook('preHandler', async () => {
    const state = app.hub.admin.queuesUnreachable
    if (state !== undefined) throw new QueuesUnavailableError(`connection ${state}`)
  })

  app.get('/v1/admin/webhooks', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'getWebhookQueue',
      summary: 'The webhook queue: counts and failed notifications',
      description: 'Notifications to subscribers (the provincial portal) that failed for good wait here, with the ones behind them, until retried.',
      response: { 200: webhookView, 404: problem('No subscriber is configured: there is no webhook queue.') }
    }
  }, async () => {
    const view = await app.hub.admin.webhooks(100)
    if (view === undefined) throw new NoSubscribersError()
    return view
  })

  app.post('/v1/admin/webhooks/retry-failed', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryFailedWebhooks',
      summary: 'Retry every failed webhook notification',
      response: { 200: { type: 'object', properties: { retried: { type: 'integer', description: 'Số thông báo gửi lại.' } } } }
    }
  }, async () => await app.hub.admin.retryFailedWebhooks())

  app.get('/v1/admin/queues', {
    config: ADMIN,
    schema: { tags: ['admin'], operationId: 'listQueues', summary: 'Delivery queues, one per agency', response: { 200: { type: 'array', items: overview } } }
  }, async () => await app.hub.admin.overview())

  app.get<{ Params: { agency: string }, Querystring: { limit: number } }>('/v1/admin/queues/:agency/failed', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'listFailedDeliveries',
      summary: 'Failed deliveries of an agency, with their dossier and last error',
      params: agencyParam,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'Số lượng tối đa.' } } },
      response: { 200: { type: 'array', items: jobView }, 404: problem('No agency has this id.') }
    }
  }, async (request) => await app.hub.admin.failed(request.params.agency, request.query.limit))

  app.post<{ Params: { agency: string } }>('/v1/admin/queues/:agency/retry-failed', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryFailedDeliveries',
      summary: 'Retry every failed delivery of an agency',
      description: 'The jobs in the agency\'s failed set, and the steps whose routing state says failed but whose job is gone (discarded ones are left alone). Each retry is written to its dossier\'s audit trail.',
      params: agencyParam,
      response: { 200: { type: 'object', properties: { retried: { type: 'integer', description: 'Số lượt gửi lại.' } } }, 404: problem('No agency has this id.') }
    }
  }, async (request) => await app.hub.admin.retryAllFailed(request.params.agency, actorOf(request)))

  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: { agency: string } }>(`/v1/admin/queues/:agency/${action}`, {
      config: ADMIN,
      schema: {
        tags: ['admin'],
        operationId: action === 'pause' ? 'pauseQueue' : 'resumeQueue',
        summary: action === 'pause' ? 'Pause an agency\'s deliveries (they wait, nothing is lost)' : 'Resume an agency\'s deliveries',
        params: agencyParam,
        response: { 200: overview, 404: problem('No agency has this id.') }
      }
    }, async (request) => await app.hub.admin[action](request.params.agency))
  }

  app.get<{ Params: { code: string } }>('/v1/admin/dossiers/:code/jobs', {
    config: { ...ADMIN, audit: 'read-jobs' },
    schema: {
      tags: ['admin'],
      operationId: 'listDossierJobs',
      summary: 'Every delivery job of one dossier, found by its code',
      params: codeParam,
      response: {
        200: {
          type: 'array',
          items: {
            type: 'object',
            description: 'Một bước và lượt gửi của nó.',
            properties: {
              step: { type: 'string', description: 'Bước.' },
              agency: { type: 'string', description: 'Cơ quan.' },
              stepState: { type: 'string', description: 'Trạng thái bước.' },
              job: { anyOf: [jobView, { type: 'null' }], description: 'Lượt gửi, if any.' }
            }
          }
        },
        404: problem('No dossier has this code.')
      }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.admin.jobsOf(request.params.code)
  })

  app.post<{ Params: { code: string, step: string } }>('/v1/admin/dossiers/:code/steps/:step/retry', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'retryDelivery',
      summary: 'Retry one failed delivery (full attempts again)',
      description: 'A failed step whose job is gone (cleaned or removed in Redis) is queued again from its routing state, with the same job id and so the same Idempotency-Key. Written to the dossier\'s audit trail.',
      params: stepParams,
      response: { 200: jobView, 400: problem('The delivery has not failed.'), 404: problem('No such dossier or step.') }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.admin.retry(request.params.code, request.params.step, actorOf(request))
  })

  app.post<{ Params: { code: string, step: string }, Body: { reason: string } }>('/v1/admin/dossiers/:code/steps/:step/discard', {
    config: ADMIN,
    schema: {
      tags: ['admin'],
      operationId: 'discardDelivery',
      summary: 'Discard one failed delivery, with a reason (kept in the audit trail)',
      params: stepParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: { type: 'string', minLength: 3, maxLength: 1000, description: 'Lý do — why it is discarded.' } }
      },
      response: { 200: { type: 'object', properties: { discarded: { type: 'string', description: 'Mã công việc đã hủy.' } } }, 400: problem('No reason, or the delivery has not failed.'), 404: problem('No such dossier or step.') }
    }
  }, async (request) => {
    request.dossierCode = request.params.code
    return await app.hub.admin.discard(request.params.code, request.params.step, request.body.reason, actorOf(request))
  })
}
