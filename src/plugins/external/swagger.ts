/**
 * OpenAPI 3.1, generated from the route schemas (and the shared schemas in schemas/), served as
 * JSON at /docs/json and as Swagger UI at /docs. The example dossiers in schemas/examples/ are
 * added as request examples of POST /v1/dossiers, schemas/examples/requests/<operationId>.json as
 * those of the other operations (the native formats' examples: openapi-native.ts); the answers every route can give (400, 413,
 * 415, 429, 503 and the rate-limit headers) by openapi-conventions.ts; the webhook the hub sends to
 * subscribers as `webhooks` (delivery/webhook-openapi.ts); the agencies' native formats as components
 * and the union of them on the routes that take them (openapi-native.ts). test/plugins/openapi.test.ts lints the result.
 */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { fromRoot } from '../../paths.ts'
import { referenceSharedHeaders, withCommonResponses } from './openapi-conventions.ts'
import { webhookSecuritySchemes, webhooks } from '../../delivery/webhook-openapi.ts'
import { documentNativeFormats } from './openapi-native.ts'
import { adapters } from '../../../adapters/index.ts'

const examplesDir = fromRoot('schemas', 'examples')

export function loadExamples (): Record<string, { summary: string, value: unknown }> {
  const out: Record<string, { summary: string, value: unknown }> = {}
  for (const file of readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort()) {
    const value = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as { procedure?: { name?: string } }
    out[file.replace(/\.json$/, '')] = { summary: value.procedure?.name ?? file, value }
  }
  return out
}

type Examples = Record<string, { summary: string, value: unknown }>

const requestExamplesDir = join(examplesDir, 'requests')

/** Request examples of the other operations: schemas/examples/requests/<operationId>.json, named examples each. */
export function loadRequestExamples (): Record<string, Examples> {
  const out: Record<string, Examples> = {}
  for (const file of readdirSync(requestExamplesDir).filter((f) => f.endsWith('.json')).sort()) {
    out[file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(requestExamplesDir, file), 'utf8')) as Examples
  }
  return out
}

type OpenApiDoc = { paths?: Record<string, Record<string, { operationId?: string, requestBody?: { required?: boolean, description?: string, content?: Record<string, { examples?: Examples, schema?: unknown }> } }>> }

/** Operations whose body is raw bytes, not JSON (no body schema Fastify could check): their request body as OpenAPI says it. */
const RAW_BODIES: Record<string, { media: string, description: string }> = {
  uploadDocumentContent: { media: 'application/octet-stream', description: 'The file itself, byte for byte (not base64): its size and SHA-256 are the ones registered.' }
}

export interface SwaggerOptions {
  /** the app counts requests (RATE_LIMIT_MAX is not 0): routes document 429 and the rate-limit headers */
  rateLimited: boolean
}

async function swaggerPlugin (app: FastifyInstance, options: SwaggerOptions): Promise<void> {
  const examples = loadExamples()
  const requestExamples = loadRequestExamples()
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Liên thông hub API',
        description: 'Trục liên thông — the interoperability hub of the provincial one-stop administration (một cửa liên thông). Receives each dossier once, normalizes it into the canonical dossier schema, and delivers it to the agencies that must handle it.',
        version: '0.1.0',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' }
      },
      // relative: the hub serves this document itself, so its own address is the API's
      servers: [{ url: '/', description: 'The hub that served this document' }],
      // plain objects: the document's own types are stricter than the literal (e.g. `in: 'header'` as a string)
      webhooks: webhooks as never,
      tags: [
        { name: 'dossiers', description: 'Hồ sơ — submit, read and list dossiers' },
        { name: 'events', description: 'Tiến độ — agencies report progress; the history of a dossier' },
        { name: 'agencies', description: 'Cơ quan — agencies submit dossiers in their native formats' },
        { name: 'audit', description: 'Nhật ký — who read and wrote each dossier, hash-chained' },
        { name: 'admin', description: 'Quản trị — delivery queues: failed deliveries, retry, discard, pause, resume' },
        { name: 'lifecycle', description: 'Vòng đời — withdrawal, supplements, result return, status lookup, notifications, the national record' },
        { name: 'documents', description: 'Giấy tờ — once-only: digitised papers and issued results kept for reuse, a holder\'s valid documents, revocation' },
        { name: 'stats', description: 'Số liệu — the figures provinces report' },
        { name: 'operations', description: 'Vận hành — health, readiness and metrics' },
        { name: 'webhooks', description: 'Thông báo — what the hub sends to subscribers' }
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Khóa truy cập — a client\'s API key, "lth.<client id>.<secret>" (npm run client:add). Also accepted as the X-Api-Key header.' },
          ...webhookSecuritySchemes
        }
      }
    },
    transform: ({ schema, url, route }) => ({ schema: withCommonResponses(schema as never, route, options) as never, url }),
    refResolver: {
      // Shared schemas appear under components.schemas by their $id.
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    },
    transformObject: (documentObject) => {
      const doc = ('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as OpenApiDoc
      const media = doc.paths?.['/v1/dossiers']?.post?.requestBody?.content?.['application/json']
      if (media !== undefined) media.examples = examples
      for (const ops of Object.values(doc.paths ?? {})) {
        for (const op of Object.values(ops)) {
          const json = op.requestBody?.content?.['application/json']
          const own = op.operationId === undefined ? undefined : requestExamples[op.operationId]
          if (json !== undefined && own !== undefined) json.examples = { ...json.examples, ...own }
          const raw = op.operationId === undefined ? undefined : RAW_BODIES[op.operationId]
          if (raw !== undefined) op.requestBody = { required: true, description: raw.description, content: { [raw.media]: { schema: { type: 'string', format: 'binary' } } } }
        }
      }
      return documentNativeFormats(referenceSharedHeaders(doc), adapters) as never
    }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}

export default fp(swaggerPlugin, { name: 'swagger' })
