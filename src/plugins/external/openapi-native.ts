/**
 * The agencies' native formats in the OpenAPI document. The routes that take them validate the body
 * against the adapter the agency uses (field by field, at run time), so their route schemas only say
 * "an object"; a client generated from the document needs more: here each adapter's native schemas
 * become components (named by their $id: electricity-submission, land-status, …), and the two
 * bodies that carry them are documented as the union of what the adapters take:
 *   - POST /v1/agencies/{agency}/dossiers: one of the adapters' submission schemas (the generic
 *     adapter's is the canonical dossier-submission);
 *   - agency-event (POST /v1/dossiers/{code}/events) `native`: one of the adapters' status schemas
 *     (the generic adapter reports canonically, in `report`).
 * Each adapter's examples (adapters/<name>/examples/submission.json and event.json) are the bodies'
 * request examples: a native submission, and an agency's event carrying a native report.
 * The schemas' references are rewritten to the document's own: "<id>#/x" → "#/components/schemas/<id>/x";
 * a schema's definitions become components of their own, "<id>.<name>", and the references to them
 * ("#/definitions/name", "<id>#/definitions/name") follow (a generated client names a type per
 * component, and has no type for a pointer into another's `definitions`); draft-07's `dependencies`
 * becomes 2020-12's dependentRequired / dependentSchemas.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { AgencyAdapter } from '../../../adapters/contract.ts'
import { fromRoot } from '../../paths.ts'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Schema = { [k: string]: Json }

const COMPONENTS = '#/components/schemas/'

function idOf (schema: object): string | undefined {
  const id = (schema as Schema).$id
  return typeof id === 'string' ? id : undefined
}

function rewrite (value: Json, ownId: string): Json {
  if (Array.isArray(value)) return value.map((v) => rewrite(v, ownId))
  if (value === null || typeof value !== 'object') return value
  const out: Schema = {}
  for (const [k, v] of Object.entries(value)) {
    if (k === '$schema' || k === '$id') continue
    // draft-07's `dependencies` is two keywords in OpenAPI 3.1 (JSON Schema 2020-12)
    if (k === 'dependencies' && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [name, dep] of Object.entries(v)) {
        const key = Array.isArray(dep) ? 'dependentRequired' : 'dependentSchemas'
        const into = (out[key] ??= {}) as Schema
        into[name] = Array.isArray(dep) ? dep : rewrite(dep, ownId)
      }
      continue
    }
    if (k === '$ref' && typeof v === 'string') {
      const hash = v.indexOf('#')
      const target = hash < 0 ? v : v.slice(0, hash)
      const pointer = hash < 0 ? '' : v.slice(hash + 1)
      const definition = /^\/(?:definitions|\$defs)\/([^/]+)(.*)$/.exec(pointer)
      out[k] = definition === null
        ? `${COMPONENTS}${target === '' ? ownId : target}${pointer}`
        : `${COMPONENTS}${target === '' ? ownId : target}.${definition[1] ?? ''}${definition[2] ?? ''}`
      continue
    }
    out[k] = rewrite(v, ownId)
  }
  return out
}

/** A reference to a shared schema: its component (a native schema, or one of schemas/ the route refers to by "<id>#"). */
function refTo (schema: object): Schema | undefined {
  const id = idOf(schema)
  if (id !== undefined) return { $ref: `${COMPONENTS}${id}` }
  const ref = (schema as Schema).$ref
  return typeof ref === 'string' ? { $ref: `${COMPONENTS}${ref.replace(/#$/, '')}` } : undefined
}

/** adapters/<name>/examples/<kind>.json, when the adapter has one */
function exampleOf (adapter: string, kind: 'submission' | 'event'): Json | undefined {
  const file = fromRoot('adapters', adapter, 'examples', `${kind}.json`)
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as Json : undefined
}

type Example = { summary: string, value: Json }

interface Doc {
  paths?: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown, examples?: Record<string, Example> }> } }>>
  components?: { schemas?: Record<string, unknown> }
}

/** Adds the native schemas as components and documents the native bodies as their union. */
export function documentNativeFormats<D> (document: D, adapters: ReadonlyMap<string, AgencyAdapter<never, unknown, never>>): D {
  const doc = document as Doc
  doc.components ??= {}
  doc.components.schemas ??= {}
  const schemas = doc.components.schemas
  const submissions: Schema[] = []
  const statuses: Schema[] = []
  const submissionExamples: Record<string, Example> = {}
  const eventExamples: Record<string, Example> = {}
  for (const adapter of adapters.values()) {
    for (const schema of Object.values(adapter.nativeSchemas) as Array<object | undefined>) {
      const id = schema === undefined ? undefined : idOf(schema)
      if (schema === undefined || id === undefined || id in schemas) continue
      const { definitions, $defs, ...own } = schema as Schema
      schemas[id] = rewrite(own, id)
      for (const defs of [definitions, $defs]) {
        if (defs === null || typeof defs !== 'object' || Array.isArray(defs)) continue
        for (const [name, definition] of Object.entries(defs)) schemas[`${id}.${name}`] = rewrite(definition, id)
      }
    }
    const { submission, status } = adapter.nativeSchemas
    const sub = submission === undefined ? undefined : refTo(submission)
    if (sub !== undefined) submissions.push(sub)
    // a canonical status (the generic adapter) is the event's `report`, not a native format
    const st = status === undefined || idOf(status) === undefined ? undefined : refTo(status)
    if (st !== undefined) statuses.push(st)
    const submitted = sub === undefined || idOf(submission as object) === undefined ? undefined : exampleOf(adapter.name, 'submission')
    if (submitted !== undefined) submissionExamples[adapter.name] = { summary: `Định dạng ${adapter.name} — a native submission of the ${adapter.name} adapter`, value: submitted }
    const reported = st === undefined ? undefined : exampleOf(adapter.name, 'event')
    if (reported !== undefined) eventExamples[`${adapter.name}-native`] = { summary: `Báo cáo định dạng ${adapter.name} — a native report of the ${adapter.name} adapter`, value: reported }
  }
  const media = doc.paths?.['/v1/agencies/{agency}/dossiers']?.post?.requestBody?.content?.['application/json']
  if (media !== undefined && submissions.length > 0) {
    media.schema = {
      description: 'Hồ sơ theo định dạng riêng của cơ quan — the native submission of the agency\'s adapter (validated at run time against the one the agency in the path uses).',
      oneOf: submissions
    }
    media.examples = { ...media.examples, ...submissionExamples }
  }
  const events = doc.paths?.['/v1/dossiers/{code}/events']?.post?.requestBody?.content?.['application/json']
  if (events !== undefined) events.examples = { ...events.examples, ...eventExamples }
  const event = schemas['agency-event'] as { properties?: Record<string, Schema> } | undefined
  const native = event?.properties?.native
  if (event?.properties !== undefined && native !== undefined && statuses.length > 0) {
    event.properties.native = { description: native.description ?? null, oneOf: statuses }
  }
  return document
}
