/**
 * The administrators' queue console: bull-board at /admin/queues, showing every agency's delivery
 * queue and the maintenance queue, behind the admin key. A browser asks for it by basic auth (any
 * user name, the admin key as the password); scripts may send Authorization: Bearer <key> or X-Api-Key.
 *
 * Read-only: every queue is registered in bull-board's read-only mode (no clean, retry, remove,
 * promote, pause, add or edit buttons, and its API refuses them), and any request but GET/HEAD is
 * refused here before bull-board sees it. A job cleaned or removed from under the hub left its
 * delivery stuck, unaudited; retries and discards go through the admin API (/v1/admin), which
 * writes them to the dossier's audit trail and works from the dossier's routing state.
 */
import type { FastifyInstance } from 'fastify'
import type { Queue } from 'bullmq'
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { ClientStore } from '../../auth/clients.ts'
import { ReadOnlyConsoleError } from '../../errors.ts'
import { adminPageAuth, refuse } from './admin-page-auth.ts'

export const CONSOLE_PATH = '/admin/queues'

export async function registerQueueConsole (app: FastifyInstance, options: { queues: readonly Queue[], clients: ClientStore }): Promise<void> {
  const serverAdapter = new FastifyAdapter()
  createBullBoard({ queues: options.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter, options: { uiConfig: { boardTitle: 'Liên thông hub' } } })
  serverAdapter.setBasePath(CONSOLE_PATH)
  await app.register(async (scope) => {
    // the refusals are problem documents like the API's (bull-board's own error handler would answer them otherwise)
    const admitted = adminPageAuth(options.clients, 'the queue console')
    scope.addHook('onRequest', async (request, reply) => {
      if (!await admitted(request, reply)) return
      const client = request.client
      if (client === undefined) return
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        request.log.warn({ client: client.id, method: request.method, url: request.url.split('?')[0] }, 'a write through the read-only queue console was refused')
        await refuse(request, reply, new ReadOnlyConsoleError(request.method, request.url.split('?')[0] ?? ''))
      }
    })
    // bull-board's page runs a small inline bootstrap script: allow it on these pages only
    scope.addHook('onSend', async (_request, reply, payload) => {
      void reply.header('content-security-policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:")
      return payload
    })
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: CONSOLE_PATH })
  })
}
