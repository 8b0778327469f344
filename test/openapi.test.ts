/**
 * The OpenAPI document at /docs/json (valid OpenAPI 3.1, shared schemas as components, examples
 * from schemas/examples/) and the Swagger UI page at /docs.
 */
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { build } from './helper.ts'
import { fromRoot } from '../src/paths.ts'

interface Media { schema?: { $ref?: string }, examples?: Record<string, { summary?: string, value?: unknown }> }
interface Parameter { name: string, in: string, required?: boolean, description?: string, schema?: Record<string, unknown> }
interface Operation {
  parameters?: Parameter[]
  requestBody?: { required?: boolean, content?: Record<string, Media> }
  responses?: Record<string, { description?: string, content?: Record<string, Media> }>
}
interface SchemaObject { properties?: Record<string, unknown>, required?: string[] }
interface OpenApi {
  openapi: string
  info: { title: string, version: string }
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, SchemaObject> }
}

t.test('the OpenAPI document', async (t) => {
  const hub = await build(t, { role: 'api' })
  const res = await hub.app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200, '/docs/json answers 200')
  t.match(String(res.headers['content-type']), /^application\/json/, 'as JSON')
  const doc = res.json<OpenApi>()

  t.test('is a valid OpenAPI 3.1 document', async (t) => {
    t.equal(doc.openapi, '3.1.0')
    t.type(doc.info?.title, 'string')
    t.type(doc.info?.version, 'string')
    await t.resolves(SwaggerParser.validate(structuredClone(doc) as never), 'swagger-parser validates it')
  })

  t.test('the shared schemas are components', async (t) => {
    const names = Object.keys(doc.components?.schemas ?? {})
    for (const name of ['dossier', 'dossier-submission', 'dossier-summary', 'problem', 'address', 'attachment', 'birth-registration', 'electricity-new-connection']) {
      t.ok(names.includes(name), `components.schemas has ${name} (got ${names.join(', ')})`)
    }
  })

  t.test('POST /v1/dossiers', async (t) => {
    const op = doc.paths['/v1/dossiers']?.post
    t.ok(op, 'documented')
    const media = op?.requestBody?.content?.['application/json']
    t.equal(media?.schema?.$ref, '#/components/schemas/dossier-submission', 'the body is a dossier-submission')
    t.same(Object.keys(op?.requestBody?.content ?? {}), ['application/json'], 'only JSON bodies')

    const dir = fromRoot('schemas', 'examples')
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    t.ok(files.length >= 8, `the example files on disk (${files.length})`)
    const examples = media?.examples ?? {}
    t.same(Object.keys(examples).sort(), files.map((f) => f.replace(/\.json$/, '')), 'one request example per file')
    for (const file of files) {
      const name = file.replace(/\.json$/, '')
      const onDisk = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { procedure: { name: string } }
      t.same(examples[name]?.value, onDisk, `${name}: the example is the file's content`)
      t.equal(examples[name]?.summary, onDisk.procedure.name, `${name}: summarized by its procedure name`)
    }

    const responses = op?.responses ?? {}
    for (const status of ['201', '200']) {
      t.equal(responses[status]?.content?.['application/json']?.schema?.$ref, '#/components/schemas/dossier-summary', `${status}: a dossier-summary`)
    }
    for (const status of ['400', '409', '413', '415']) {
      const content = responses[status]?.content ?? {}
      t.same(Object.keys(content), ['application/problem+json'], `${status}: application/problem+json only`)
      t.equal(content['application/problem+json']?.schema?.$ref, '#/components/schemas/problem', `${status}: a problem document`)
      t.type(responses[status]?.description, 'string', `${status}: described`)
    }
    const header = op?.parameters?.find((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')
    t.ok(header, 'the Idempotency-Key header is documented')
  })

  t.test('GET /v1/dossiers/{code}', async (t) => {
    const op = doc.paths['/v1/dossiers/{code}']?.get
    t.ok(op, 'documented')
    const code = op?.parameters?.find((p) => p.name === 'code')
    t.equal(code?.in, 'path')
    t.equal(code?.required, true)
    t.type(code?.description, 'string', 'code is described')
    t.equal(op?.responses?.['200']?.content?.['application/json']?.schema?.$ref, '#/components/schemas/dossier')
    t.equal(op?.responses?.['404']?.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem')
  })

  t.test('GET /v1/dossiers', async (t) => {
    const op = doc.paths['/v1/dossiers']?.get
    t.ok(op, 'documented')
    const query = (op?.parameters ?? []).filter((p) => p.in === 'query')
    t.same(query.map((p) => p.name).sort(), ['agency', 'cursor', 'limit', 'procedure', 'receivedFrom', 'receivedTo', 'status'].sort(), 'every query parameter, and only those')
    for (const p of query) t.ok(typeof p.description === 'string' && p.description.length > 0, `${p.name} is described`)
    const limit = query.find((p) => p.name === 'limit')?.schema
    t.match(limit, { type: 'integer', minimum: 1, maximum: 100 }, 'limit: 1–100')
    const status = query.find((p) => p.name === 'status')?.schema as { enum?: string[] } | undefined
    t.ok(status?.enum?.includes('received') && status.enum.includes('resolved'), 'status lists the statuses')
    t.equal(query.find((p) => p.name === 'receivedFrom')?.schema?.format, 'date-time')
    t.equal(op?.responses?.['200']?.content?.['application/json']?.schema?.$ref, '#/components/schemas/dossier-list')
    t.equal(op?.responses?.['400']?.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem')
  })

  t.test('POST /v1/dossiers/{code}/events and GET …/history', async (t) => {
    const op = doc.paths['/v1/dossiers/{code}/events']?.post
    t.ok(op, 'documented')
    t.equal(op?.requestBody?.content?.['application/json']?.schema?.$ref, '#/components/schemas/agency-event', 'the body is an agency-event')
    t.ok(doc.components.schemas['status-report'], 'the canonical report schema is a component')
    for (const status of ['201', '200']) t.ok(op?.responses?.[status]?.content?.['application/json'], `${status}: the answer is documented`)
    for (const status of ['400', '403', '404', '409']) {
      t.equal(op?.responses?.[status]?.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem', `${status}: a problem document`)
    }
    const history = doc.paths['/v1/dossiers/{code}/history']?.get
    t.ok(history?.responses?.['200'], 'the history is documented')
    t.equal(history?.responses?.['404']?.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem')
  })

  t.test('POST /v1/agencies/{agency}/dossiers', async (t) => {
    const op = doc.paths['/v1/agencies/{agency}/dossiers']?.post
    t.ok(op, 'documented')
    const agency = op?.parameters?.find((p) => p.name === 'agency')
    t.equal(agency?.in, 'path')
    t.ok(op?.parameters?.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'), 'the Idempotency-Key header is documented')
    for (const status of ['201', '200']) {
      t.equal(op?.responses?.[status]?.content?.['application/json']?.schema?.$ref, '#/components/schemas/dossier-summary', `${status}: a dossier-summary`)
    }
    for (const status of ['400', '404', '409']) {
      t.equal(op?.responses?.[status]?.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem', `${status}: a problem document`)
    }
  })

  t.test('every API route names its key and documents 401 and 403; the docs themselves are public', async (t) => {
    const schemes = (doc.components as { securitySchemes?: Record<string, { type: string, scheme?: string }> }).securitySchemes
    t.match(schemes?.apiKey, { type: 'http', scheme: 'bearer' }, 'the API key scheme')
    let checked = 0
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue
      for (const [method, op] of Object.entries(ops as Record<string, { security?: unknown, description?: string, responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>)) {
        checked++
        t.same(op.security, [{ apiKey: [] }], `${method} ${path}: needs the key`)
        t.match(op.description, /Roles: /, `${method} ${path}: says which roles`)
        for (const status of ['401', '403']) {
          t.equal(op.responses?.[status]?.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem', `${method} ${path}: ${status} documented`)
        }
      }
    }
    t.equal(checked, 26, 'twenty-six API operations')
  })

  t.test('dossier-submission leaves out what the hub assigns; dossier has it', async (t) => {
    const submission = Object.keys(doc.components.schemas['dossier-submission']?.properties ?? {})
    const dossier = Object.keys(doc.components.schemas.dossier?.properties ?? {})
    for (const name of ['code', 'status', 'receivedAt', 'routing']) {
      t.notOk(submission.includes(name), `dossier-submission has no ${name}`)
      t.ok(dossier.includes(name), `dossier has ${name}`)
    }
    for (const name of ['source', 'procedure', 'applicant', 'data']) {
      t.ok(submission.includes(name), `dossier-submission has ${name}`)
    }
    t.notOk(doc.components.schemas['dossier-submission']?.required?.includes('code'), 'code is not required of the portal')
  })
})

t.test('GET /docs serves the Swagger UI page', async (t) => {
  const hub = await build(t, { role: 'api' })
  let res = await hub.app.inject({ method: 'GET', url: '/docs' })
  for (let hops = 0; hops < 3 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
    const location = String(res.headers.location)
    res = await hub.app.inject({ method: 'GET', url: new URL(location, 'http://hub.test/docs').pathname })
  }
  t.equal(res.statusCode, 200)
  t.match(String(res.headers['content-type']), /^text\/html/, 'an HTML page')
  t.match(res.body, /<html/i, 'with an html document')
})
