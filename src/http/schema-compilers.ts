/**
 * The compilers of the routes' schemas (Fastify's schemaController), shared by every Fastify
 * instance of the process. A compiled validator or serializer is a pure function of its schema and
 * of the schemas it refers to, so an app built after the first (production builds one per process;
 * the tests build hundreds) takes them from here instead of compiling them again. Compiling was
 * most of the 4.5 s of CPU a hub's build took: fast-json-stringify checks every shared schema
 * against the JSON Schema meta-schema again for each response schema it compiles.
 *
 * Validation: bodies with the strict Ajv (no coercion, unknown properties are errors, every error
 * reported), query strings, params and headers with the coercing one (validation/ajv.ts); both
 * made once per process. Serialization: fast-json-stringify, through Fastify's own compiler
 * (@fastify/fast-json-stringify-compiler), with those of the shared schemas Fastify gives it that
 * the route's schema refers to.
 */
import { createHash } from 'node:crypto'
import SerializerSelector from '@fastify/fast-json-stringify-compiler'
import type { ValidateFunction } from 'ajv'
import { createCoercingAjv, sharedStrictAjv } from '../validation/ajv.ts'

type SerializerFactory = ReturnType<typeof SerializerSelector>
type SerializerCompiler = ReturnType<SerializerFactory>
type Serializer = ReturnType<SerializerCompiler>

/** compiled serializers by the digest of the shared schemas and options, then by the route's schema (its JSON text) */
const serializers = new Map<string, Map<string, Serializer>>()
/** compiled validators by the Ajv that compiled them ('strict' for bodies, 'coercing' for the rest), then by the schema's JSON text */
const validators = new Map<'strict' | 'coercing', Map<string, ValidateFunction>>()
let coercing: ReturnType<typeof createCoercingAjv> | undefined

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value) ?? 'undefined').digest('base64url')

/** The ids of the shared schemas `schema` refers to (`$ref: '<id>#…'`), and those they refer to. */
export function referencedSchemas (schema: unknown, shared: Readonly<Record<string, unknown>>): string[] {
  const found = new Set<string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
      return
    }
    if (value === null || typeof value !== 'object') return
    for (const [name, item] of Object.entries(value)) {
      if (name !== '$ref' || typeof item !== 'string') {
        visit(item)
        continue
      }
      const id = item.split('#', 1)[0] ?? ''
      if (id === '' || found.has(id) || shared[id] === undefined) continue
      found.add(id)
      visit(shared[id])
    }
  }
  visit(schema)
  return [...found].sort()
}

/**
 * Fastify's buildSerializer: its default (fast-json-stringify), each serializer compiled once per
 * process, and given only the shared schemas its route's schema refers to (fast-json-stringify
 * checks every shared schema it is given against the meta-schema, for every response schema: a
 * route that names one schema paid for all 28).
 */
export const buildSerializer: SerializerFactory = (externalSchemas, options) => {
  const shared = (externalSchemas ?? {}) as Record<string, unknown>
  const key = digest([shared, options ?? null])
  let compiled = serializers.get(key)
  if (compiled === undefined) serializers.set(key, compiled = new Map())
  const byRoute = compiled
  const compilers = new Map<string, SerializerCompiler>()
  return (route) => {
    const text = JSON.stringify(route.schema) ?? ''
    let serializer = byRoute.get(text)
    if (serializer === undefined) {
      const ids = referencedSchemas(route.schema, shared)
      const subset = ids.join('\n')
      let compile = compilers.get(subset)
      if (compile === undefined) {
        compile = SerializerSelector()(Object.fromEntries(ids.map((id) => [id, shared[id]])), options)
        compilers.set(subset, compile)
      }
      serializer = compile(route)
      byRoute.set(text, serializer)
    }
    return serializer
  }
}

/** Fastify's validator compiler: bodies strict, the rest coerced from strings; each schema compiled once per process. */
export function compileValidator ({ schema, httpPart }: { schema: unknown, httpPart?: string }): ValidateFunction {
  const kind = httpPart === 'body' ? 'strict' : 'coercing'
  let byText = validators.get(kind)
  if (byText === undefined) validators.set(kind, byText = new Map())
  const text = JSON.stringify(schema) ?? ''
  let validate = byText.get(text)
  if (validate === undefined) {
    const ajv = kind === 'strict' ? sharedStrictAjv() : (coercing ??= createCoercingAjv())
    validate = ajv.compile(schema as object)
    byText.set(text, validate)
  }
  return validate
}
