/**
 * The gateway of the national portal (DVCQG) sync: the only way from the canonical dossier to a
 * sync message, as an agency's gateway is for its requests (gateway/adapter-gateway.ts): mapped by
 * the national-portal adapter, then checked against its schema (national-portal-sync, with the
 * record it refers to) before it is sent, so a mapping bug shows as a clear failed sync instead of
 * a puzzled portal. A dossier the adapter cannot express is an AdapterMappingError; a message its
 * own schema rejects is a NativeOutputError (neither is retried).
 */
import type { ValidateFunction } from 'ajv'
import { toSyncMessage, type NationalRecordContext, type SyncChange } from '../../adapters/national-portal/index.ts'
import type { NationalPortalSync } from '../../adapters/national-portal/native.generated.ts'
import type { Dossier } from '../types/schemas.generated.ts'
import { toFieldErrors } from '../validation/ajv.ts'
import { createNationalSyncValidator } from '../validation/native.ts'
import { NativeOutputError } from './adapter-gateway.ts'

export class NationalPortalGateway {
  readonly #validate: ValidateFunction

  /** `validate`: the compiled national-portal-sync schema (compiled here when not given) */
  constructor (validate: ValidateFunction = createNationalSyncValidator()) {
    this.#validate = validate
  }

  /** Sync message `change.sequence` of the dossier, checked against the portal's schema. */
  sync (dossier: Dossier, change: SyncChange, context: NationalRecordContext): NationalPortalSync {
    const message = toSyncMessage(dossier, change, context)
    if (!this.#validate(message)) {
      const fields = toFieldErrors(this.#validate.errors).slice(0, 5).map((f) => `${f.pointer} ${f.detail}`).join('; ')
      throw new NativeOutputError(`the national-portal adapter produced a sync message its schema rejects: ${fields}`)
    }
    return message
  }
}
