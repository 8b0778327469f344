/**
 * The audit trail: after every answer to a client about one dossier (routes that name an
 * `audit` action), an entry — who, what, when, the status it got, the request id — is appended to
 * that dossier's hash chain (store/audit-store.ts). Refused attempts are recorded too (an agency
 * asking for a dossier not routed to it gets 404, and the trail shows it). The entry is written
 * after the answer is sent, so it costs the client no time, and may wait up to AUDIT_FLUSH_MS (10 ms)
 * for the entries of other answers, to go out in one statement and one commit with them (at a few
 * hundred requests a second, a turn of the event loop has one or two); closing the app waits for the
 * entries still being written; a failure to write one is logged as an error, never silent.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { AuditEntry } from '../../types/schemas.generated.ts'
import type { AuditStore } from '../../store/audit-store.ts'
import { toVietnamIso } from '../../domain/vietnam-time.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** what a request to this route does to the dossier it is about, for the audit trail */
    audit?: AuditEntry['action']
  }
  interface FastifyRequest {
    /**
     * who acts on a route without an API key (a payment platform's signed callback, the postal
     * service): the route sets it once it has checked them, or to name who claimed to be them
     */
    auditActor: { id: string, role: AuditEntry['role'], agency?: string } | undefined
  }
}

async function auditPlugin (app: FastifyInstance, options: { audit: AuditStore, now?: () => Date }): Promise<void> {
  const now = options.now ?? (() => new Date())
  // appends run beside the request's end (its log line is not held back); closing waits for them
  const pending = new Set<Promise<void>>()
  app.decorateRequest('auditActor', undefined)
  app.addHook('onResponse', async (request, reply) => {
    const action = request.routeOptions.config.audit
    const code = request.dossierCode
    const client = request.client ?? request.auditActor
    if (action === undefined || code === undefined || client === undefined) return
    const write = options.audit.append(code, {
      at: toVietnamIso(now()),
      client: client.id,
      role: client.role,
      ...(client.agency !== undefined && { agency: client.agency }),
      action,
      method: request.method,
      route: request.routeOptions.url ?? '',
      status: reply.statusCode,
      requestId: String(request.id)
    }, { fresh: action === 'submit' && reply.statusCode === 201, after: true }).then(() => undefined, (err: unknown) => { request.log.error({ err, dossier: code }, 'audit entry not written') })
    pending.add(write)
    void write.finally(() => pending.delete(write))
  })
  app.addHook('onClose', async () => { await Promise.all(pending) })
}

export default fp(auditPlugin, { name: 'audit', dependencies: ['auth'] })
