/**
 * The OpenAPI document at /docs/json (valid OpenAPI 3.1, shared schemas as components, examples
 * from schemas/examples/) and the Swagger UI page at /docs; and what a client generator needs of
 * it: a stable operationId per operation, servers, `security: []` on public routes, the answers
 * each route really gives (problem+json) with their headers, the webhook it sends, and no error
 * from Redocly's linter (recommended rules).
 */
import t from 'tap'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { createConfig, lintFromString } from '@redocly/openapi-core'
import { build, deadEndpoint, example, post, startAgency, testSettings, waitFor, asAdmin, anonymous, asPortal } from '../helper.ts'
import { fromRoot } from '../../src/paths.ts'
import { createStrictAjv } from '../../src/validation/ajv.ts'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { loadExamples } from '../../src/plugins/external/swagger.ts'
import { goldenPath, goldenFiles } from '../golden-files.ts'

interface Media { schema?: { $ref?: string }, examples?: Record<string, { summary?: string, value?: unknown }> }
interface Parameter { name: string, in: string, required?: boolean, description?: string, schema?: Record<string, unknown> }
interface Header { $ref?: string, description?: string, schema?: Record<string, unknown> }
interface Operation {
  operationId?: string
  security?: Array<Record<string, string[]>>
  parameters?: Parameter[]
  requestBody?: { required?: boolean, content?: Record<string, Media> }
  responses?: Record<string, { description?: string, content?: Record<string, Media>, headers?: Record<string, Header> }>
}
interface SchemaObject { properties?: Record<string, unknown>, required?: string[] }
interface OpenApi {
  openapi: string
  info: { title: string, version: string }
  servers?: Array<{ url: string, description?: string }>
  paths: Record<string, Record<string, Operation>>
  webhooks?: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, SchemaObject>, headers?: Record<string, Header>, securitySchemes?: Record<string, { type: string, in?: string, name?: string }> }
}

t.test('the OpenAPI document', async (t) => {
  const hub = await build(t, { role: 'api' })
  const res = await asAdmin(hub).inject({ method: 'GET', url: '/docs/json' })
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

  t.test('the agencies\' native formats are components, and the native bodies their union: every golden native fits exactly one', async (t) => {
    const body = doc.paths['/v1/agencies/{agency}/dossiers']?.post?.requestBody?.content?.['application/json']?.schema as { oneOf?: Array<{ $ref: string }> } | undefined
    const submissions = (body?.oneOf ?? []).map((s) => s.$ref)
    t.same(submissions.sort(), ['dossier-submission', 'electricity-submission', 'justice-submission', 'land-submission'].map((id) => `#/components/schemas/${id}`), 'a native submission: one of the adapters\' submission schemas')
    const native = (doc.components.schemas['agency-event']?.properties?.native ?? {}) as { oneOf?: Array<{ $ref: string }> }
    t.same((native.oneOf ?? []).map((s) => s.$ref).sort(), ['electricity-status', 'justice-status', 'land-status', 'postal-status'].map((id) => `#/components/schemas/${id}`), 'an event\'s native report: one of the adapters\' status schemas')
    // the document as one schema resource: its own references resolve in it
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    // ajv-formats is CommonJS with `exports.default` (as in src/validation/ajv.ts)
    ;((addFormatsModule as unknown as { default?: unknown }).default as (a: Ajv2020) => void)(ajv)
    ajv.addSchema({ ...doc, $id: 'https://hub.invalid/openapi.json' })
    const validBody = ajv.compile({ $ref: 'https://hub.invalid/openapi.json#/paths/~1v1~1agencies~1%7Bagency%7D~1dossiers/post/requestBody/content/application~1json/schema' })
    const validNative = ajv.compile({ $ref: 'https://hub.invalid/openapi.json#/components/schemas/agency-event/properties/native' })
    const golden = goldenFiles()
    const nativeSubmissions = golden.filter((f) => /-submission(-|\.json$)/.test(f))
    t.ok(nativeSubmissions.length >= 6, `${nativeSubmissions.length} golden native submissions`)
    for (const file of nativeSubmissions) {
      const value = JSON.parse(readFileSync(goldenPath(file), 'utf8')) as unknown
      t.ok(validBody(value), `${file} fits the documented body`, { errors: validBody.errors?.slice(0, 3) })
    }
    for (const name of Object.keys(loadExamples())) t.ok(validBody(example(name as never)), `${name} (canonical, the generic adapter's submission) fits too`)
    const reports = golden.filter((f) => /-status-(reports|examples)\.json$/.test(f))
    let n = 0
    for (const file of reports) {
      const data = JSON.parse(readFileSync(goldenPath(file), 'utf8')) as unknown
      const list: unknown[] = Array.isArray(data) ? data : Object.values(data as Record<string, unknown>)
      for (const item of list) {
        // the examples are native reports; the report files pair a native report (when there is one) with what it maps to
        const native = typeof item === 'object' && item !== null && 'native' in item
        if (!native && !file.endsWith('-status-examples.json')) continue
        const value = native ? (item as { native: unknown }).native : item
        n++
        t.ok(validNative(value), `${file}: a native report fits the documented event`, { errors: validNative.errors?.slice(0, 3) })
      }
    }
    t.ok(n >= 10, `${n} golden native reports`)
    t.notOk(validBody({ maYeuCau: 'x' }), 'and something else does not')
  })

  t.test('every request body has an example, and every example fits the documented body', async (t) => {
    const ajv = new Ajv2020({ strict: false, allErrors: true })
    ;((addFormatsModule as unknown as { default?: unknown }).default as (a: Ajv2020) => void)(ajv)
    ajv.addSchema({ ...doc, $id: 'https://hub.invalid/openapi.json' })
    const pointer = (...parts: string[]): string => parts.map((p) => encodeURIComponent(p.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')
    let bodies = 0
    let examples = 0
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const media = op.requestBody?.content?.['application/json']
        if (op.requestBody === undefined) continue
        // a body of raw bytes (a file) has no JSON example; its own test says what it is
        if (media === undefined && Object.keys(op.requestBody.content ?? {}).every((m) => m === 'application/octet-stream')) continue
        bodies++
        const named = Object.entries(media?.examples ?? {})
        t.ok(named.length > 0, `${method} ${path}: has a request example`)
        const valid = ajv.compile({ $ref: `https://hub.invalid/openapi.json#/${pointer('paths', path, method, 'requestBody', 'content', 'application/json', 'schema')}` })
        for (const [name, example] of named) {
          examples++
          t.ok(valid(example.value), `${method} ${path}: example ${name} fits the documented body`, { errors: valid.errors?.slice(0, 3) })
          t.type(example.summary, 'string', `${method} ${path}: example ${name} has a summary`)
        }
      }
    }
    t.ok(bodies >= 7 && examples >= bodies, `${examples} examples for ${bodies} request bodies`)
    // a body that does not fit is refused by the same check (the examples are checked, not assumed)
    const withdraw = ajv.compile({ $ref: `https://hub.invalid/openapi.json#/${pointer('paths', '/v1/dossiers/{code}/withdraw', 'post', 'requestBody', 'content', 'application/json', 'schema')}` })
    t.notOk(withdraw({ reason: '' }), 'an empty withdrawal reason does not fit')
  })

  t.test('every API route names its key and documents 401 and 403; the docs themselves are public', async (t) => {
    const schemes = (doc.components as { securitySchemes?: Record<string, { type: string, scheme?: string }> }).securitySchemes
    t.match(schemes?.apiKey, { type: 'http', scheme: 'bearer' }, 'the API key scheme')
    let checked = 0
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (!path.startsWith('/v1/')) continue
      for (const [method, op] of Object.entries(ops as Record<string, { security?: unknown, description?: string, responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>)) {
        if (SIGNED.includes(`${method.toUpperCase()} ${path}`)) {
          t.same(op.security, [], `${method} ${path}: signed by the platform, no key`)
          continue
        }
        checked++
        t.same(op.security, [{ apiKey: [] }], `${method} ${path}: needs the key`)
        t.match(op.description, /Roles: /, `${method} ${path}: says which roles`)
        for (const status of ['401', '403']) {
          t.equal(op.responses?.[status]?.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem', `${method} ${path}: ${status} documented`)
        }
      }
    }
    t.equal(checked, 49, 'forty-nine API operations')
  })

  t.test('dossier-submission leaves out what the hub assigns; dossier has it', async (t) => {
    const submission = Object.keys(doc.components.schemas['dossier-submission']?.properties ?? {})
    const dossier = Object.keys(doc.components.schemas.dossier?.properties ?? {})
    for (const name of ['status', 'arrivedAt', 'routing']) {
      t.notOk(submission.includes(name), `dossier-submission has no ${name}`)
      t.ok(dossier.includes(name), `dossier has ${name}`)
    }
    for (const name of ['code', 'receivedAt']) {
      t.ok(submission.includes(name) && dossier.includes(name), `the receiving system may give ${name} (issue 14); the dossier always has it`)
      t.notOk(doc.components.schemas['dossier-submission']?.required?.includes(name), `${name} is not required of a submission`)
      t.ok(doc.components.schemas.dossier?.required?.includes(name), `a dossier has its ${name}`)
    }
    for (const name of ['source', 'procedure', 'applicant', 'data']) {
      t.ok(submission.includes(name), `dossier-submission has ${name}`)
    }
    t.notOk(doc.components.schemas['dossier-submission']?.required?.includes('code'), 'code is not required of the portal')
  })

  t.test('PUT /v1/documents/{document}/content: its body is the file\'s raw bytes', async (t) => {
    const body = (doc.paths['/v1/documents/{document}/content'] as unknown as { put?: { requestBody?: { required?: boolean, content?: Record<string, { schema?: unknown }> } } }).put?.requestBody
    t.equal(body?.required, true)
    t.same(Object.keys(body?.content ?? {}), ['application/octet-stream'], 'not JSON')
    t.same(body?.content?.['application/octet-stream']?.schema, { type: 'string', format: 'binary' })
  })
})

t.test('GET /docs serves the Swagger UI page', async (t) => {
  const hub = await build(t, { role: 'api' })
  let res = await asAdmin(hub).inject({ method: 'GET', url: '/docs' })
  for (let hops = 0; hops < 3 && res.statusCode >= 300 && res.statusCode < 400; hops++) {
    const location = String(res.headers.location)
    res = await asAdmin(hub).inject({ method: 'GET', url: new URL(location, 'http://hub.test/docs').pathname })
  }
  t.equal(res.statusCode, 200)
  t.match(String(res.headers['content-type']), /^text\/html/, 'an HTML page')
  t.match(res.body, /<html/i, 'with an html document')
})

/**
 * Generated clients name their functions after the operationIds: renaming one breaks every client
 * built on the document, so they are pinned here. Change this list on purpose.
 */
const OPERATION_IDS: Record<string, string> = {
  'GET /health': 'getHealth',
  'GET /ready': 'getReadiness',
  'GET /metrics': 'getMetrics',
  'POST /v1/dossiers': 'submitDossier',
  'GET /v1/dossiers': 'listDossiers',
  'GET /v1/dossiers/{code}': 'getDossier',
  'POST /v1/dossiers/{code}/events': 'reportDossierEvent',
  'GET /v1/dossiers/{code}/history': 'getDossierHistory',
  'POST /v1/dossiers/{code}/withdraw': 'withdrawDossier',
  'POST /v1/dossiers/{code}/return': 'returnDossierResult',
  'POST /v1/dossiers/{code}/supplements': 'submitDossierSupplement',
  'GET /v1/dossiers/{code}/status': 'getDossierStatus',
  'GET /v1/dossiers/{code}/notifications': 'getDossierNotifications',
  'GET /v1/dossiers/{code}/notices': 'getDossierNotices',
  'GET /v1/dossiers/{code}/national-record': 'getNationalRecord',
  'GET /v1/stats': 'getStats',
  'GET /v1/stats/notices': 'getNoticeCounts',
  'GET /v1/reports/indicators': 'getIndicators',
  'POST /v1/agencies/{agency}/dossiers': 'submitAgencyDossier',
  'GET /v1/dossiers/{code}/audit': 'getDossierAudit',
  'POST /v1/documents': 'registerDocument',
  'GET /v1/holders/{holder}/documents': 'listHolderDocuments',
  'POST /v1/documents/{document}/revocation': 'revokeDocument',
  'GET /v1/documents/{document}/content': 'getDocumentContent',
  'PUT /v1/documents/{document}/content': 'uploadDocumentContent',
  'GET /v1/audit/checkpoints': 'listAuditCheckpoints',
  'GET /v1/audit/checkpoints/{date}': 'getAuditCheckpoint',
  'GET /v1/admin/webhooks': 'getWebhookQueue',
  'POST /v1/admin/webhooks/retry-failed': 'retryFailedWebhooks',
  'GET /v1/admin/national-sync': 'getNationalSync',
  'GET /v1/admin/national-sync/{code}': 'getDossierNationalSync',
  'POST /v1/admin/national-sync/{code}/retry': 'retryNationalSync',
  'GET /v1/admin/queues': 'listQueues',
  'GET /v1/admin/queues/{agency}/failed': 'listFailedDeliveries',
  'POST /v1/admin/queues/{agency}/retry-failed': 'retryFailedDeliveries',
  'POST /v1/admin/queues/{agency}/pause': 'pauseQueue',
  'POST /v1/admin/queues/{agency}/resume': 'resumeQueue',
  'GET /v1/admin/dossiers/{code}/jobs': 'listDossierJobs',
  'POST /v1/admin/dossiers/{code}/steps/{step}/retry': 'retryDelivery',
  'POST /v1/admin/dossiers/{code}/steps/{step}/discard': 'discardDelivery',
  'POST /v1/payments/{provider}/callback': 'paymentCallback',
  'GET /v1/dossiers/{code}/payments': 'getDossierPayments',
  'POST /v1/dossiers/{code}/postal-pickup/events': 'reportPostalPickup',
  'GET /v1/dossiers/{code}/postal-pickup': 'getPostalPickup',
  'GET /v1/admin/postal/postage': 'getPostage',
  'GET /v1/admin/notices/failed': 'listFailedNotices',
  'POST /v1/admin/dossiers/{code}/notices/{sequence}/{channel}/retry': 'retryNotice',
  'GET /v1/admin/payments/failed': 'listFailedPayments',
  'POST /v1/admin/payments/{reference}/retry': 'retryPayment',
  'GET /v1/admin/payments/notices/failed': 'listFailedPaymentNotices',
  'POST /v1/admin/payments/{reference}/notice/retry': 'retryPaymentNotice',
  'GET /v1/admin/postal-pickups/failed': 'listFailedPickups',
  'POST /v1/admin/postal-pickups/{code}/retry': 'retryPickup',
  'WEBHOOK dossier-notification': 'receiveDossierNotification'
}

/** The routes that need no key (they also answer no 4xx of their own: see the lint below). */
const PUBLIC = ['GET /health', 'GET /ready']
/** API routes whose caller is authenticated by a signature, not a key: the payment platform's callback. */
const SIGNED = ['POST /v1/payments/{provider}/callback']

/** Response headers a client acts on: each one sent must be documented. */
const MEANINGFUL = /^(location|content-location|retry-after|cache-control|www-authenticate|etag|link|x-ratelimit-.+|ratelimit.*|idempotency-.+)$/

/** Path parameters that have the right shape (what the route then says of them does not matter here). */
const WELL_FORMED: Record<string, string> = { code: '000.00.06.H56-261123-0001', agency: 'justice', step: 'civil-status', date: '2026-01-01', holder: '038190012345', document: 'doc_0123456789abcdef0123456789abcdef', sequence: '1', channel: 'sms', reference: 'LT261203K7M2Q9X4ZA' }

interface Op { key: string, method: string, path: string, op: Operation }

function operationsOf (doc: OpenApi): Op[] {
  const ops: Op[] = []
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) ops.push({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op })
  }
  return ops
}

const urlOf = (path: string, params: Record<string, string>): string =>
  path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? WELL_FORMED[name] ?? 'x'))

/** The names of the headers a documented answer carries (references resolved by their component name). */
function documentedHeaders (doc: OpenApi, answer: { headers?: Record<string, Header> } | undefined): string[] {
  return Object.entries(answer?.headers ?? {}).map(([name, h]) => {
    if (h.$ref !== undefined) t.ok(doc.components.headers?.[h.$ref.replace('#/components/headers/', '')], `${h.$ref} exists`)
    return name.toLowerCase()
  }).sort()
}

t.test('what a client generator needs of the document (rate limit on, as deployed)', async (t) => {
  const hub = await build(t, { role: 'api', rateLimit: { max: 10_000, timeWindowMs: 60_000 } })
  const doc = (await asAdmin(hub).inject({ method: 'GET', url: '/docs/json' })).json<OpenApi>()
  const ops = operationsOf(doc)

  t.test('every operation has its pinned operationId, each unique and safe in a URL or a function name', async (t) => {
    const ids: Record<string, string | undefined> = Object.fromEntries(ops.map(({ key, op }) => [key, op.operationId]))
    for (const [name, methods] of Object.entries(doc.webhooks ?? {})) {
      for (const op of Object.values(methods)) ids[`WEBHOOK ${name}`] = op.operationId
    }
    t.same(ids, OPERATION_IDS, 'the operationIds, operation by operation')
    const values = Object.values(ids)
    t.equal(new Set(values).size, values.length, 'no two alike')
    for (const id of values) t.match(id, /^[a-z][A-Za-z0-9]*$/, `${String(id)}: camelCase, letters and digits`)
  })

  t.test('servers: the hub that serves the document', async (t) => {
    t.ok((doc.servers ?? []).length > 0, 'at least one server')
    for (const s of doc.servers ?? []) t.ok(s.url === '/' || /^https?:\/\//.test(s.url), `${s.url}: the hub itself or an absolute URL`)
  })

  t.test('every operation states its security, and it is true: public ones answer without a key, the others 401', async (t) => {
    for (const { key, path, method, op } of ops) {
      t.ok(Array.isArray(op.security), `${key}: security is stated`)
      const isPublic = op.security?.length === 0
      const open = PUBLIC.includes(key) || SIGNED.includes(key)
      t.equal(isPublic, open, `${key}: ${open ? 'public (security: [])' : 'needs the API key'}`)
      const res = await anonymous(hub).inject({ method: method as 'GET', url: urlOf(path, {}) })
      if (isPublic) t.not(res.statusCode, 401, `${key}: answers without a key`)
      else t.equal(res.statusCode, 401, `${key}: 401 without a key`)
    }
  })

  t.test('every error answer is a problem document (application/problem+json only)', async (t) => {
    for (const { key, op } of ops) {
      for (const [status, answer] of Object.entries(op.responses ?? {})) {
        // /ready's 503 is the readiness report load balancers read, not an error of the request
        if (Number(status) < 400 || (key === 'GET /ready' && status === '503')) continue
        t.same(Object.keys(answer.content ?? {}), ['application/problem+json'], `${key} ${status}: problem+json`)
        t.equal(answer.content?.['application/problem+json']?.schema?.$ref, '#/components/schemas/problem', `${key} ${status}: the problem schema`)
      }
    }
  })

  t.test('what each route answers to bad input, a path parameter too long, a body not JSON, is documented', async (t) => {
    for (const { key, method, path, op } of ops) {
      const documented = (status: number, what: string): void => {
        t.ok(op.responses?.[String(status)], `${key}: ${what} → ${status}, documented`)
      }
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string)
      for (const name of names) {
        const malformed = await asAdmin(hub).inject({ method: method as 'GET', url: urlOf(path, { [name]: 'not a valid value!' }) })
        documented(malformed.statusCode, `a malformed ${name}`)
        t.ok(malformed.statusCode >= 400 && malformed.statusCode < 500, `${key}: a malformed ${name} is refused (${malformed.statusCode})`)
        documented((await asAdmin(hub).inject({ method: method as 'GET', url: urlOf(path, { [name]: 'x'.repeat(150) }) })).statusCode, `a ${name} of 150 characters`)
      }
      if (method === 'POST') {
        const url = urlOf(path, {})
        const text = await asAdmin(hub).inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: 'hello' })
        t.equal(text.statusCode, 415, `${key}: a text body is refused`)
        documented(text.statusCode, 'a text body')
        const broken = await asAdmin(hub).inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{' })
        t.equal(broken.statusCode, 400, `${key}: broken JSON is refused`)
        documented(broken.statusCode, 'broken JSON')
      }
      if (SIGNED.includes(key)) t.ok(op.responses?.['503'], `${key}: 503 documented`)
      else if (!PUBLIC.includes(key)) {
        for (const status of ['429', '503']) t.ok(op.responses?.[status], `${key}: ${status} documented`)
      }
    }
  })

  t.test('the documented response headers are the ones sent', async (t) => {
    const check = (key: string, status: number, res: { statusCode: number, headers: Record<string, unknown> }): void => {
      t.equal(res.statusCode, status, `${key}: answered ${status}`)
      const [method, path] = key.split(' ') as [string, string]
      const names = documentedHeaders(doc, doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)])
      t.ok(names.length > 0, `${key} ${status}: headers documented (${names.join(', ')})`)
      for (const name of names) t.ok(res.headers[name] !== undefined, `${key} ${status}: ${name} is sent`)
      // and the other way: what a client acts on is documented (not helmet's security headers, the same on every answer)
      for (const name of Object.keys(res.headers).filter((h) => MEANINGFUL.test(h))) t.ok(names.includes(name), `${key} ${status}: ${name} is sent, and documented`)
    }
    const headers = { 'idempotency-key': `openapi-${Date.now()}` }
    const created = await post(asPortal(hub), example('birth-registration'), headers)
    check('POST /v1/dossiers', 201, created)
    check('POST /v1/dossiers', 200, await post(asPortal(hub), example('birth-registration'), headers))
    const code = created.json<{ code: string }>().code
    check('GET /v1/dossiers/{code}/status', 200, await asPortal(hub).inject({ url: `/v1/dossiers/${code}/status` }))
    check('GET /v1/dossiers', 401, await anonymous(hub).inject({ url: '/v1/dossiers' }))
    check('GET /v1/dossiers', 200, await asPortal(hub).inject({ url: '/v1/dossiers' }))
    const metrics = await asAdmin(hub).inject({ url: '/metrics' })
    t.equal(metrics.statusCode, 200, '/metrics answers 200')
    t.same(Object.keys(doc.paths['/metrics']?.get?.responses?.['200']?.content ?? {}), [metrics.headers['content-type']], '/metrics 200: the documented media type is the one sent')
    t.match(metrics.body, /^# HELP /m, 'Prometheus text')
    t.notOk(documentedHeaders(doc, doc.paths['/health']?.get?.responses?.['200']).some((h) => h.startsWith('x-ratelimit')), '/health: not counted, no rate-limit headers documented')
    t.equal((await asAdmin(hub).inject({ url: '/health' })).headers['x-ratelimit-limit'], undefined, '/health: none sent')

    // over the limit: a hub whose client may make one request
    const tight = await build(t, { role: 'api', rateLimit: { max: 1, timeWindowMs: 60_000 } })
    await asPortal(tight).inject({ url: '/v1/dossiers' })
    check('GET /v1/dossiers', 429, await asPortal(tight).inject({ url: '/v1/dossiers' }))
  })

  t.test('the webhook the hub sends is described: body, headers, signature, an example that fits', async (t) => {
    const op = doc.webhooks?.['dossier-notification']?.post
    t.ok(op, 'webhooks.dossier-notification.post')
    const media = op?.requestBody?.content?.['application/json']
    t.equal(media?.schema?.$ref, '#/components/schemas/notification', 'the body is a notification')
    t.same(op?.security, [{ hubSignature: [] }], 'signed')
    t.match(doc.components.securitySchemes?.hubSignature, { type: 'apiKey', in: 'header', name: 'X-Hub-Signature' })
    const validNotification = createStrictAjv().getSchema('notification')
    for (const [name, ex] of Object.entries(media?.examples ?? {})) t.ok(validNotification?.(ex.value), `example ${name} fits schemas/notification.schema.json`)
    t.ok(Object.keys(media?.examples ?? {}).length > 0, 'with an example')
    t.ok(op?.responses?.['2XX'], 'says what to answer')
  })

  t.test('Redocly\'s linter (recommended rules): no error; none of the warnings this document was fixed for', async (t) => {
    const config = await createConfig({ extends: ['recommended'] })
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config })
    const errors = problems.filter((p) => p.severity === 'error')
    t.same(errors.map((p) => `${p.ruleId}: ${p.message} (${p.location[0]?.pointer ?? ''})`), [], 'no errors')
    const fixed = ['operation-operationId', 'operation-operationId-unique', 'operation-operationId-url-safe', 'security-defined',
      'no-empty-servers', 'no-server-example.com', 'no-server-trailing-slash', 'operation-2xx-response', 'operation-4xx-response',
      'info-license', 'path-parameters-defined', 'operation-parameters-unique', 'no-ambiguous-paths']
    const left = problems.filter((p) => fixed.includes(p.ruleId) &&
      // /health and /ready answer no 4xx: there is nothing of the request they can refuse
      !(p.ruleId === 'operation-4xx-response' && /^#\/paths\/~1(health|ready)\//.test(p.location[0]?.pointer ?? '')))
    t.same(left.map((p) => `${p.ruleId}: ${p.location[0]?.pointer ?? ''}`), [], 'none of these')
    const counts = new Map<string, number>()
    for (const p of problems) counts.set(p.ruleId, (counts.get(p.ruleId) ?? 0) + 1)
    t.comment(`warnings left: ${[...counts].map(([rule, n]) => `${rule} ${n}`).join(', ')}`)
  })
})

t.test('a real webhook carries the documented headers and a body of the documented schema', async (t) => {
  const receiver = await startAgency(t)
  const settings = testSettings({ agencyUrl: await deadEndpoint(), subscribers: { portal: { url: receiver.url, secret: 'openapi-test-secret-0123456789' } } })
  const hub = await build(t, { settings })
  const doc = (await asAdmin(hub).inject({ method: 'GET', url: '/docs/json' })).json<OpenApi>()
  const op = doc.webhooks?.['dossier-notification']?.post
  t.equal((await post(asAdmin(hub), example('birth-registration'))).statusCode, 201)
  const delivered = await waitFor(() => receiver.requests[0], 'the notification of the receipt', 20_000)

  const headers = delivered.headers
  const documented = (op?.parameters ?? []).filter((p) => p.in === 'header')
  t.ok(documented.length > 0, 'header parameters documented')
  for (const p of documented) t.type(headers[p.name.toLowerCase()], 'string', `${p.name} is sent`)
  const signature = doc.components.securitySchemes?.hubSignature?.name ?? ''
  t.match(headers[signature.toLowerCase()], /^sha256=[0-9a-f]{64}$/, `${signature} is sent, as described`)
  const named = new Set([...documented.map((p) => p.name.toLowerCase()), signature.toLowerCase()])
  t.same(Object.keys(headers).filter((h) => h.startsWith('x-hub-') && !named.has(h)), [], 'no X-Hub-* header that the document leaves out')
  const event = documented.find((p) => p.name === 'X-Hub-Event')?.schema as { enum?: string[] } | undefined
  t.ok(event?.enum?.includes(String(headers['x-hub-event'])), 'X-Hub-Event is one of the documented events')
  t.match(String(headers['content-type']), /^application\/json/, 'JSON, as documented')
  const validNotification = createStrictAjv().getSchema('notification')
  t.ok(validNotification?.(delivered.body), 'the body fits the documented notification schema')
})
