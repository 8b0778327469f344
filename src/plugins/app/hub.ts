/**
 * Makes the hub's services available to routes as `app.hub` (the runtime builds them: it owns
 * the Redis connections, queues and workers).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { IntakeService } from '../../services/intake-service.ts'
import type { DossierQueries } from '../../services/dossier-queries.ts'
import type { EventService } from '../../services/event-service.ts'
import type { AdminService } from '../../services/admin-service.ts'
import type { LifecycleService } from '../../services/lifecycle-service.ts'
import type { StatsService } from '../../services/stats-service.ts'
import type { IndicatorService } from '../../services/indicator-service.ts'
import type { AuditCheckpoints } from '../../services/audit-checkpoints.ts'
import type { DocumentService } from '../../services/document-service.ts'
import type { NoticeCounts } from '../../services/notice-counts.ts'
import type { CitizenRetryAdmin } from '../../services/citizen-retry-admin.ts'
import type { NationalSyncAdmin } from '../../services/national-sync-admin.ts'
import type { PaymentService } from '../../services/payment-service.ts'
import type { PickupService } from '../../services/pickup-service.ts'

export interface HubServices {
  intake: IntakeService
  /** once-only: the document store (lookup, digitised papers, revocation) */
  documents: DocumentService
  dossiers: DossierQueries
  events: EventService
  admin: AdminService
  lifecycle: LifecycleService
  stats: StatsService
  /** the Decision 766 indicators (GET /v1/reports/indicators) */
  indicators: IndicatorService
  /** the audit trails' signed daily checkpoints */
  checkpoints: AuditCheckpoints
  /** notices to applicants per month and channel (GET /v1/stats/notices) */
  noticeCounts: NoticeCounts
  /** the sync to the national portal (DVCQG), for administrators */
  nationalSync: NationalSyncAdmin
  /** failed notices, payment requests and postal pickups: listed and retried by administrators */
  citizenRetries: CitizenRetryAdmin
  /** online payments, when a payment platform is configured */
  payments?: PaymentService
  /** postal pickups, when a postal agency is configured */
  pickups?: PickupService
  /** INLINE_ATTACHMENT_LIMIT: the largest attachment accepted inline (supplements check it too) */
  inlineAttachmentLimit: number
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: HubServices
  }
  interface FastifyRequest {
    /** the dossier this request is about, once known: every request log line carries it */
    dossierCode: string | undefined
  }
}

async function hubPlugin (app: FastifyInstance, services: HubServices): Promise<void> {
  app.decorate('hub', services)
  app.decorateRequest('dossierCode', undefined)
}

export default fp(hubPlugin, { name: 'hub' })
