/**
 * The JSON Schemas in schemas/ are the single source of every shape the hub speaks:
 * Ajv validates with them, Fastify routes reference them by $id, OpenAPI shows them and
 * the TypeScript types in src/types/schemas.generated.ts are generated from them.
 *
 * The submission schema (what the portal POSTs) is derived here from the canonical dossier
 * schema by dropping the properties the schema marks `readOnly` (assigned by the hub), so the
 * two can never drift apart.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fromRoot } from './paths.ts'

export type JsonSchema = Record<string, unknown> & { $id?: string, properties?: Record<string, JsonSchema>, required?: string[] }

export const schemasDir = fromRoot('schemas')
export const proceduresDir = fromRoot('schemas', 'procedures')

function readSchemaFiles (dir: string): JsonSchema[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.schema.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as JsonSchema)
}

/** Property names the canonical dossier schema marks readOnly: the hub assigns them. */
export function hubAssignedProperties (dossier: JsonSchema): string[] {
  return Object.entries(dossier.properties ?? {})
    .filter(([, s]) => s.readOnly === true)
    .map(([name]) => name)
}

/**
 * Properties the canonical dossier requires that a submission may leave out: the receiving
 * system's code and receipt time (the hub issues them when it does not give them).
 */
export const SENDER_MAY_GIVE: readonly string[] = ['code', 'receivedAt']

/** The intake schema: the canonical dossier without its hub-assigned (readOnly) properties. */
export function deriveSubmissionSchema (dossier: JsonSchema): JsonSchema {
  const assigned = new Set(hubAssignedProperties(dossier))
  const optional = new Set(SENDER_MAY_GIVE)
  const properties = Object.fromEntries(Object.entries(dossier.properties ?? {}).filter(([name]) => !assigned.has(name)))
  // once-only: a submitted component may name a stored document (attachment-reuse) instead of a file
  const attachments = properties.attachments
  if (attachments !== undefined) {
    // a JSON Schema if/then/else, not a thenable
    const items = { if: { type: 'object', required: ['reuse'] }, then: { $ref: 'attachment-reuse#' }, else: { $ref: 'attachment#' } } // oxlint-disable-line unicorn/no-thenable
    properties.attachments = { ...attachments, items }
  }
  return {
    ...dossier,
    $id: 'dossier-submission',
    title: 'DossierSubmission',
    description: 'Hồ sơ gửi đến trục — a dossier as the national portal, a one-stop desk or an agency submits it: the canonical dossier without the properties the hub assigns (trạng thái, trạng thái liên thông…); the code (mã hồ sơ) and receipt time (ngày tiếp nhận) the receiving system issued may be given, else the hub issues them.',
    properties,
    required: (dossier.required ?? []).filter((name) => !assigned.has(name) && !optional.has(name))
  }
}

const files = readSchemaFiles(schemasDir)
const byId = new Map(files.map((s) => [s.$id as string, s]))

function mustGet (id: string): JsonSchema {
  const s = byId.get(id)
  if (s === undefined) throw new Error(`schema ${id} is missing from ${schemasDir}`)
  return s
}

export const dossierSchema = mustGet('dossier')
export const submissionSchema = deriveSubmissionSchema(dossierSchema)
export const hubConfigSchema = mustGet('hub-config')
export const envSchema = mustGet('env')
export const holidayCalendarSchema = mustGet('holiday-calendar')

/** Config schemas: not part of the HTTP API. */
const CONFIG_SCHEMAS = new Set(['env', 'hub-config', 'holiday-calendar'])

/** Schemas of the procedure-specific `data` object, by $id (the name the routing table uses). */
export const procedureDataSchemas: ReadonlyMap<string, JsonSchema> =
  new Map(readSchemaFiles(proceduresDir).map((s) => [s.$id as string, s]))

/**
 * Schemas shared by the HTTP API: added to Ajv and to Fastify (for $ref and OpenAPI).
 * Config schemas (env, hub-config) are not part of the API.
 */
export const apiSchemas: JsonSchema[] = [
  ...files.filter((s) => !CONFIG_SCHEMAS.has(s.$id as string)),
  submissionSchema,
  ...procedureDataSchemas.values()
]

/** The `pattern` of a property of the canonical dossier, by property path. */
function patternAt (schema: JsonSchema, path: readonly string[]): RegExp {
  let node: JsonSchema | undefined = schema
  for (const name of path) node = node?.properties?.[name]
  const pattern = node?.pattern
  if (typeof pattern !== 'string') throw new Error(`schema ${String(schema.$id)} has no pattern at ${path.join('.')}`)
  return new RegExp(pattern)
}

/** The dossier code pattern and the agency code pattern, kept once: in the canonical schema. */
export const dossierCodePattern = patternAt(dossierSchema, ['code'])
export const agencyCodePattern = patternAt(dossierSchema, ['procedure', 'receivingAgency', 'code'])
