/**
 * The gateway of the national portal (DVCQG) sync: the only way from the canonical dossier to a
 * sync message, as an agency's gateway is for its requests (gateway/adapter-gateway.ts): mapped by
 * the national-portal adapter, then checked against its schema (national-portal-sync, with the
 * record it refers to) before it is sent, so a mapping bug shows as a clear failed sync instead of
 * a puzzled portal. A dossier the adapter cannot express is an AdapterMappingError; a message its
 * own schema rejects is a NativeOutputError (neither is retried). The record the API shows (GET
 * /v1/dossiers/:code/national-record) is mapped and checked the same way (`record`): a mapping bug
 * is a 500, never an invalid record.
 */
import type { ValidateFunction } from 'ajv'
import { toNationalRecord, toSyncMessage, type NationalRecordContext, type SyncChange } from '../../adapters/national-portal/index.ts'
import type { NationalPortalRecord, NationalPortalSync } from '../../adapters/national-portal/native.generated.ts'
import type { Dossier } from '../types/schemas.generated.ts'
import { toFieldErrors } from '../validation/ajv.ts'
import { createNationalRecordValidator, createNationalSyncValidator } from '../validation/native.ts'
import { NativeOutputError } from './adapter-gateway.ts'

export class NationalPortalGateway {
  readonly #validate: ValidateFunction
  #validateRecord: ValidateFunction | undefined

  /** `validate`: the compiled national-portal-sync schema (compiled here when not given) */
  constructor (validate: ValidateFunction = createNationalSyncValidator()) {
    this.#validate = validate
  }

  /** Sync message `change.sequence` of the dossier, checked against the portal's schema. */
  sync (dossier: Dossier, change: SyncChange, context: NationalRecordContext): NationalPortalSync {
    return checked(toSyncMessage(dossier, change, context), this.#validate, 'sync message')
  }

  /** The dossier's sync record, checked against the portal's record schema (compiled at the first use). */
  record (dossier: Dossier, context: NationalRecordContext): NationalPortalRecord {
    this.#validateRecord ??= createNationalRecordValidator()
    return checked(toNationalRecord(dossier, context), this.#validateRecord, 'record')
  }
}

function checked<T> (body: T, validate: ValidateFunction, what: string): T {
  if (!validate(body)) {
    const fields = toFieldErrors(validate.errors).slice(0, 5).map((f) => `${f.pointer} ${f.detail}`).join('; ')
    throw new NativeOutputError(`the national-portal adapter produced a ${what} its schema rejects: ${fields}`)
  }
  return body
}
