/**
 * Ajv instances, built once per process part that needs them.
 *
 * - `strict` validates request bodies and payloads: no type coercion, no removal of unknown
 *   properties (they are errors), all errors collected so a 400 can list every offending field —
 *   limits first (limits.ts), so that their number is bounded by the schema, not by the body.
 *   `verbose` keeps the schema next to each error so the reason can quote its description; the
 *   offending value itself never reaches a problem document or a log.
 * - `coercing` validates querystrings and params, whose values arrive as strings.
 */
import { Ajv, type Options, type ErrorObject, type AnySchema } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { apiSchemas, type JsonSchema } from '../schemas.ts'
import { gateLimits, TOO_MANY_PROPERTIES } from './limits.ts'

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv

/**
 * Ajv whose every schema (added or compiled, not meta-schemas) checks limits before contents
 * (limits.ts): with allErrors, a value beyond its maxItems/maxProperties/maxLength gets that one
 * error instead of one per item.
 */
class LimitsFirstAjv extends Ajv {
  // the one door of addSchema, compile and validate into Ajv
  override _addSchema (schema: AnySchema, meta?: boolean, baseId?: string, validateSchema?: boolean | 'log', addSchema?: boolean): ReturnType<Ajv['_addSchema']> {
    return super._addSchema(meta === true ? schema : gateLimits(schema), meta, baseId, validateSchema, addSchema)
  }
}

export function createAjv (options: Options = {}, schemas: JsonSchema[] = apiSchemas): Ajv {
  const ajv = new LimitsFirstAjv({
    allErrors: true,
    strict: true,
    strictRequired: false,
    allowUnionTypes: true,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    verbose: true,
    ...options
  })
  addFormats(ajv)
  // the `else` of a closed object's guard (limits.ts): more properties than it may hold
  const tooMany = Object.assign((limit: number): boolean => {
    tooMany.errors = [{ keyword: 'maxProperties', params: { limit }, message: `must NOT have more than ${limit} properties` }]
    return false
  }, { errors: [] as Array<Partial<ErrorObject>> })
  ajv.addKeyword({ keyword: TOO_MANY_PROPERTIES, type: 'object', schemaType: 'number', errors: true, validate: tooMany })
  for (const s of schemas) ajv.addSchema(s)
  return ajv
}

export function createStrictAjv (): Ajv {
  return createAjv()
}

let sharedStrict: Ajv | undefined

/**
 * The process's strict Ajv, made on first use: the hubs and apps of one process (production has
 * one, the tests hundreds) compile the canonical schemas once, and share what Ajv compiled (a
 * validator is a pure function of its schema; nothing is added to this Ajv after it is made but
 * what compiling adds).
 */
export function sharedStrictAjv (): Ajv {
  sharedStrict ??= createStrictAjv()
  return sharedStrict
}

export function createCoercingAjv (): Ajv {
  return createAjv({ coerceTypes: true, useDefaults: true })
}

export interface FieldError {
  /** JSON pointer (RFC 6901) to the offending value */
  pointer: string
  detail: string
}

const escapePointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/** Property names a `not` schema bans: `{ required: [...] }` or `{ anyOf: [{ required: [...] }, ...] }`. */
function bannedProperties (schema: unknown): string[] {
  const s = schema as { required?: unknown, anyOf?: unknown } | undefined
  if (Array.isArray(s?.required)) return s.required.map((r) => String(r))
  if (Array.isArray(s?.anyOf)) return s.anyOf.flatMap((sub) => bannedProperties(sub))
  return []
}

/**
 * Ajv errors → one entry per offending field. `if` errors are noise (the `then` errors beside
 * them say what is wrong); a property's description, when the schema has one, tells what is
 * expected.
 */
export function toFieldErrors (errors: ErrorObject[] | null | undefined, base = ''): FieldError[] {
  const out: FieldError[] = []
  const seen = new Set<string>()
  for (const e of errors ?? []) {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') continue
    let pointer = base + e.instancePath
    // an invalid property *name* (propertyNames): point at the property itself
    if (e.propertyName !== undefined) pointer += '/' + escapePointer(e.propertyName)
    let detail = e.message ?? 'is invalid'
    const params = e.params as Record<string, unknown>
    if (e.keyword === 'required') {
      pointer += '/' + escapePointer(String(params.missingProperty))
      detail = 'is required'
    } else if (e.keyword === 'additionalProperties') {
      pointer += '/' + escapePointer(String(params.additionalProperty))
      detail = 'is not allowed here (unknown property)'
    } else if (e.keyword === 'enum') {
      detail = `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    } else if (e.keyword === 'const') {
      detail = `must be ${JSON.stringify(params.allowedValue)}`
    } else if (e.propertyName !== undefined) {
      detail = `is not a valid name here: ${detail}`
    } else if (e.keyword === 'pattern' || e.keyword === 'format') {
      const description = (e.parentSchema as { description?: unknown } | undefined)?.description
      detail = typeof description === 'string' ? `is not valid: expected ${description}` : detail
    } else if (e.keyword === 'not' && (e.schemaPath.endsWith('/then/not') || e.schemaPath.endsWith('/else/not'))) {
      // a conditional ban: `not: { required: [...] }` names the properties that do not belong here
      const banned = bannedProperties(e.schema)
      detail = banned.length > 0
        ? `must not have ${banned.map((b) => String(b)).join(' or ')} together with the other values given here`
        : 'must not be combined with the other properties given here'
    }
    const key = `${pointer}\u0000${detail}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ pointer, detail })
  }
  return out
}
