/**
 * The hub config file (HUB_CONFIG): agencies, their endpoints and the routing table. Validated
 * against schemas/hub-config.schema.json, then cross-checked: every routed agency exists, every
 * adapter exists, every procedure's data schema exists. Problems name the file and the JSON pointer.
 */
import { readFileSync } from 'node:fs'
import { createAjv, toFieldErrors } from '../validation/ajv.ts'
import { hubConfigSchema, procedureDataSchemas } from '../schemas.ts'
import { adapters } from '../../adapters/index.ts'
import type { AgencyConfig, HubConfig, ProcedureRoute, RetryPolicy } from '../types/schemas.generated.ts'
import { ConfigError } from './errors.ts'
import { resolve } from 'node:path'

export type ResolvedAgency = AgencyConfig & {
  id: string
  timeoutMs: number
  concurrency: number
  retry: Required<RetryPolicy>
}

export type ResolvedProcedure = ProcedureRoute & { code: string }

export interface HubSettings {
  agencies: ReadonlyMap<string, ResolvedAgency>
  procedures: ReadonlyMap<string, ResolvedProcedure>
}

const validate = createAjv({ useDefaults: true }, []).compile<HubConfig>(hubConfigSchema)

/** Validates an already parsed config object. `origin` names it in messages. */
export function resolveHubConfig (raw: unknown, origin: string): HubSettings {
  const config = structuredClone(raw)
  if (!validate(config)) {
    throw new ConfigError(toFieldErrors(validate.errors).map((e) => `${origin}: ${e.pointer || '/'} ${e.detail}`))
  }
  const problems: string[] = []
  const agencies = new Map<string, ResolvedAgency>()
  for (const [id, agency] of Object.entries(config.agencies)) {
    if (agency === undefined) continue
    if (!adapters.has(agency.adapter)) {
      problems.push(`${origin}: /agencies/${id}/adapter names "${agency.adapter}", but the adapters are: ${[...adapters.keys()].join(', ')}`)
    }
    agencies.set(id, { ...agency, id } as ResolvedAgency)
  }
  const procedures = new Map<string, ResolvedProcedure>()
  for (const [code, route] of Object.entries(config.procedures)) {
    if (route === undefined) continue
    if (!procedureDataSchemas.has(route.dataSchema)) {
      problems.push(`${origin}: /procedures/${code}/dataSchema names "${route.dataSchema}", but schemas/procedures/ has: ${[...procedureDataSchemas.keys()].join(', ')}`)
    }
    route.agencies.forEach((agencyId, i) => {
      if (!agencies.has(agencyId)) problems.push(`${origin}: /procedures/${code}/agencies/${i} names agency "${agencyId}", which is not under /agencies`)
    })
    procedures.set(code, { ...route, code })
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return { agencies, procedures }
}

export function loadHubConfig (path: string): HubSettings {
  const file = resolve(path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError([`HUB_CONFIG: expected a readable JSON file, but ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`])
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError([`HUB_CONFIG: ${file} is not valid JSON (${(err as Error).message})`])
  }
  return resolveHubConfig(raw, file)
}
