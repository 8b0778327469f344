/**
 * Validators for the adapters' native formats (adapters/<name>/schemas/), compiled once, for the
 * adapters' gateways (gateway/adapter-gateway.ts), which check every native body that comes in or
 * goes out.
 */
import type { ValidateFunction } from 'ajv'
import type { AgencyAdapter, NativeSchemas } from '../../adapters/contract.ts'
import { createAjv } from './ajv.ts'
import { nationalRecordSchema, nationalSyncSchema } from '../../adapters/national-portal/index.ts'

export interface NativeValidators {
  request: ValidateFunction
  submission?: ValidateFunction
  status?: ValidateFunction
  withdrawal?: ValidateFunction
  supplement?: ValidateFunction
  payment?: ValidateFunction
  pickup?: ValidateFunction
  pickupStatus?: ValidateFunction
}

export function createNativeValidators (adapters: ReadonlyMap<string, AgencyAdapter<never, unknown, never>>): Map<string, NativeValidators> {
  const ajv = createAjv({ verbose: true })
  for (const adapter of adapters.values()) {
    for (const schema of Object.values(adapter.nativeSchemas) as object[]) {
      const id = (schema as { $id?: string }).$id
      if (id !== undefined && ajv.getSchema(id) === undefined) ajv.addSchema(schema)
    }
  }
  const compile = (schema: object): ValidateFunction => {
    const id = (schema as { $id?: string }).$id
    return (id !== undefined ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema)
  }
  const out = new Map<string, NativeValidators>()
  for (const [name, adapter] of adapters) {
    const s: NativeSchemas = adapter.nativeSchemas
    out.set(name, {
      request: compile(s.request),
      ...(s.submission !== undefined && { submission: compile(s.submission) }),
      ...(s.status !== undefined && { status: compile(s.status) }),
      ...(s.withdrawal !== undefined && { withdrawal: compile(s.withdrawal) }),
      ...(s.supplement !== undefined && { supplement: compile(s.supplement) }),
      ...(s.payment !== undefined && { payment: compile(s.payment) }),
      ...(s.pickup !== undefined && { pickup: compile(s.pickup) }),
      ...(s.pickupStatus !== undefined && { pickupStatus: compile(s.pickupStatus) })
    })
  }
  return out
}

/** The validator of a national portal sync message (national-portal-sync, with the record it refers to). */
export function createNationalSyncValidator (): ValidateFunction {
  const ajv = createAjv({ verbose: true })
  ajv.addSchema(nationalRecordSchema)
  return ajv.compile(nationalSyncSchema)
}

/** The validator of the national portal's sync record (national-portal-record): what GET /v1/dossiers/:code/national-record answers. */
export function createNationalRecordValidator (): ValidateFunction {
  return createAjv({ verbose: true }).compile(nationalRecordSchema)
}
