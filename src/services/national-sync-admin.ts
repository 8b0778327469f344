/**
 * What administrators see and do about the sync to the national portal (DVCQG): how many dossiers
 * are synced, pending, retrying or failed; the dossiers in one state with their last error; one
 * dossier's sync; a failed sync tried again (its later messages were waiting behind it). Works on
 * the record only (PostgreSQL): the relay queues what a retry makes owed, so none of this needs
 * Redis. Retries are written to the dossier's audit trail.
 */
import type { AuditStore } from '../store/audit-store.ts'
import type { NationalSyncState, NationalSyncStore, NationalSyncView } from '../store/national-sync-store.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { DossierNotFoundError, HubValidationError } from '../errors.ts'
import type { Requester } from './admin-service.ts'

export interface NationalSyncOverview {
  /** whether a national portal endpoint is configured (without one nothing is sent: everything stays pending) */
  configured: boolean
  counts: Record<NationalSyncState, number>
}

export class NationalSyncAdmin {
  readonly #sync: NationalSyncStore
  readonly #audit: AuditStore
  readonly #configured: boolean

  constructor (sync: NationalSyncStore, audit: AuditStore, configured: boolean) {
    this.#sync = sync
    this.#audit = audit
    this.#configured = configured
  }

  async overview (): Promise<NationalSyncOverview> {
    return { configured: this.#configured, counts: await this.#sync.counts() }
  }

  async list (state: Exclude<NationalSyncState, 'synced'>, offset: number, limit: number): Promise<NationalSyncView[]> {
    return await this.#sync.list(state, offset, limit)
  }

  async get (code: string): Promise<NationalSyncView> {
    const found = await this.#sync.find(code)
    if (found === undefined) throw new DossierNotFoundError(code)
    return found
  }

  /** A failed sync is owed again, with its full number of attempts; anything else is a 400 naming its state. */
  async retry (code: string, actor: Requester): Promise<NationalSyncView> {
    const before = await this.get(code)
    if (!(await this.#sync.retry(code))) {
      throw new HubValidationError([{ parameter: 'code', detail: `the national portal sync of ${code} has not failed (it is ${before.state}, ${before.synced} of ${before.changes} status changes synced): only a failed sync is retried` }])
    }
    await this.#audit.append(code, {
      at: toVietnamIso(new Date()),
      client: actor.client.id,
      role: actor.client.role,
      action: 'retry',
      method: actor.method,
      route: actor.route,
      status: 200,
      requestId: actor.requestId,
      note: 'national portal sync (DVCQG)'
    })
    return await this.get(code)
  }
}
