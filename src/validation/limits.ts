/**
 * Limits before contents: a schema rewrite that makes a refusal cost no more than the limits allow.
 *
 * Ajv checks `maxItems` before `items`, but with `allErrors` it goes on through every item of an
 * array that is already too long (and matches a string already too long against its pattern):
 * 100 000 empty attachments cost 700 000 errors. `gateLimits` rewrites each schema so that what
 * looks inside a value runs only when the value is within its limit:
 *
 *   { maxItems: 100, items: X }  →  { maxItems: 100, allOf: [{ if: { maxItems: 100 }, then: { items: X } }] }
 *   maxProperties gates patternProperties, additionalProperties, propertyNames; an object closed by
 *   additionalProperties: false may hold its properties + UNKNOWN_PROPERTIES_NAMED (a guard whose
 *   `else` fails with maxProperties' error, TOO_MANY_PROPERTIES)
 *   maxLength gates pattern and format
 *
 * A value within its limits is validated exactly as before; one beyond gets the limit's error
 * alone. The `if` runs without errors; when a guard's `then` fails Ajv adds an `if` error beside
 * the real ones, which `toFieldErrors` drops. The moved keywords are no longer where a JSON-pointer
 * $ref would look for them: a $ref through `items`, `additionalProperties` or `patternProperties`
 * of a limited value fails when the schema is compiled (at start-up, loudly); `properties` and
 * `definitions` stay in place. Every array a request body may hold has a maxItems
 * (test/validation/cheap-refusals.test.ts), so the errors of any body are bounded by the schemas' limits,
 * not by its size.
 */

type Schema = Record<string, unknown>

/** Keywords that look inside an array, an object or a string, by the limit that gates them. */
const GATED: ReadonlyArray<{ limit: string, keywords: readonly string[], together?: readonly string[] }> = [
  // `together`: copied into the guard as well, and left in place
  { limit: 'maxItems', keywords: ['items', 'prefixItems', 'additionalItems', 'contains', 'minContains', 'maxContains', 'uniqueItems', 'unevaluatedItems'] },
  // additionalProperties is read against the names of its sibling properties: the guard needs them
  { limit: 'maxProperties', keywords: ['patternProperties', 'additionalProperties', 'propertyNames', 'unevaluatedProperties'], together: ['properties'] },
  { limit: 'maxLength', keywords: ['pattern', 'format'], together: ['description'] }
]

/** Keywords whose value is a schema, an array of schemas or a map of schemas. */
const ONE = new Set(['items', 'additionalItems', 'contains', 'additionalProperties', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties'])
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems'])
const MAP = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'])

const isSchema = (v: unknown): v is Schema => v !== null && typeof v === 'object' && !Array.isArray(v)

function gateSubschemas (s: Schema): Schema {
  const out: Schema = {}
  for (const [k, v] of Object.entries(s)) {
    if (ONE.has(k) && isSchema(v)) out[k] = gateLimits(v)
    else if (k === 'items' && Array.isArray(v)) out[k] = v.map((x) => isSchema(x) ? gateLimits(x) : x)
    else if (LIST.has(k) && Array.isArray(v)) out[k] = v.map((x) => isSchema(x) ? gateLimits(x) : x)
    else if (MAP.has(k) && isSchema(v)) out[k] = Object.fromEntries(Object.entries(v).map(([n, x]) => [n, isSchema(x) ? gateLimits(x) : x]))
    else out[k] = v
  }
  return out
}

const gated = new WeakMap<Schema, Schema>()

/**
 * A copy of the schema (and every subschema) in which contents are checked only within limits.
 * The same schema object always gives the same copy, so Ajv's cache (by object) still works.
 */
export function gateLimits<T> (schema: T): T {
  if (!isSchema(schema)) return schema
  const known = gated.get(schema)
  if (known !== undefined) return known as T
  const result = gate(schema)
  gated.set(schema, result)
  return result as T
}

/**
 * Unknown properties beyond its own an object may carry before it is refused as a whole: an
 * object closed by `additionalProperties: false` gets maxProperties = its properties + this, so a
 * few unknown properties are named one by one and 100 000 cost one error.
 */
export const UNKNOWN_PROPERTIES_NAMED = 10

/**
 * The keyword an object closed by additionalProperties: false gets in its guard's `else`: the
 * object has more properties than it may (its limit). It fails at once, with maxProperties' own
 * error, so that the properties are counted once (in the guard's `if`), not twice: counting the
 * keys of an object with 100 000 of them is most of what refusing it costs.
 */
export const TOO_MANY_PROPERTIES = 'x-tooManyProperties'

function gate (schema: Schema): Schema {
  let s = gateSubschemas(schema)
  if (s.additionalProperties === false && isSchema(s.properties) && s.patternProperties === undefined && typeof s.maxProperties !== 'number') {
    // a closed object: one guard counts its keys; beyond the limit, its `else` says so
    const limit = Object.keys(s.properties).length + UNKNOWN_PROPERTIES_NAMED
    const { additionalProperties, propertyNames, unevaluatedProperties, ...rest } = s
    const then: Schema = { properties: Object.fromEntries(Object.keys(s.properties).map((n) => [n, true])), additionalProperties }
    if (propertyNames !== undefined) then.propertyNames = propertyNames
    if (unevaluatedProperties !== undefined) then.unevaluatedProperties = unevaluatedProperties
    // a JSON Schema if/then/else, not a thenable
    const guard = { if: { maxProperties: limit }, then, else: { [TOO_MANY_PROPERTIES]: limit } }
    s = { ...rest, allOf: [...(Array.isArray(rest.allOf) ? rest.allOf : []), guard] }
  }
  for (const { limit, keywords, together = [] } of GATED) {
    if (typeof s[limit] !== 'number' || !keywords.some((k) => k in s)) continue
    const then: Schema = {}
    const rest: Schema = {}
    for (const [k, v] of Object.entries(s)) {
      if (keywords.includes(k)) then[k] = v
      else rest[k] = v
    }
    for (const k of together) {
      if (!(k in s)) continue
      // additionalProperties reads the names of its sibling properties: the guard gets the names
      // only (each `true`); the properties stay where they are, where $refs point at them
      then[k] = k === 'properties' ? Object.fromEntries(Object.keys(s[k] as Schema).map((n) => [n, true])) : s[k]
    }
    const guard = { if: { [limit]: s[limit] }, then }
    s = { ...rest, allOf: [...(Array.isArray(rest.allOf) ? rest.allOf : []), guard] }
  }
  return s
}
