/**
 * Every error answer is an RFC 9457 problem document served as application/problem+json:
 * type, title, status, detail, instance, plus `code` (stable HUB_ERR_* / FST_ERR_*), `requestId`
 * and, for bad input, `errors` with one entry per offending field (the first MAX_LISTED_PROBLEMS)
 * and `errorCount`, how many there were.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyRequest } from 'fastify'
import type { Problem } from '../types/schemas.generated.ts'
import { HubValidationError, problemType, type FieldProblem } from '../errors.ts'
import { toFieldErrors } from '../validation/ajv.ts'
import { recordOutage } from '../store/record-outage.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the route takes a file as raw bytes (application/octet-stream, at most its own bodyLimit), not JSON */
    fileUpload?: boolean
  }
}

/** Fastify's maxParamLength, the longest path parameter the router takes (its default) */
export const MAX_PARAM_LENGTH = 100

/**
 * A route schema's error answer: an RFC 9457 problem document, with the response headers it
 * carries (documentation only: Fastify's serializer ignores `headers`, @fastify/swagger shows them).
 */
export const problemResponse = (description: string, headers?: Record<string, object>): object => ({
  description,
  ...(headers !== undefined && { headers }),
  content: { 'application/problem+json': { schema: { $ref: 'problem#' } } }
})

type KnownError = FastifyError & { validation?: Parameters<typeof toFieldErrors>[0], validationContext?: string, errors?: FieldProblem[] }

/** Field problems from Ajv errors of one part of the request. */
export function fieldProblems (err: KnownError): FieldProblem[] {
  const fields = toFieldErrors(err.validation)
  if (err.validationContext === 'body') return fields.map((f) => ({ pointer: `#${f.pointer}`, detail: f.detail }))
  if (err.validationContext === 'headers') return fields.map((f) => ({ header: f.pointer.slice(1), detail: f.detail }))
  return fields.map((f) => ({ parameter: f.pointer.slice(1), detail: f.detail }))
}

/** True for errors that mean Redis is out of reach (ioredis gave up on the command). */
function isStoreUnavailable (err: Error): boolean {
  return err.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|ECONNREFUSED|ETIMEDOUT|Command timed out/.test(err.message)
}

function classify (err: KnownError, bodyLimit: number, method?: string): { status: number, slug: string, code: string, detail: string, errors?: FieldProblem[] } {
  if (err instanceof HubValidationError) return { status: 400, slug: 'validation', code: err.code, detail: err.message, errors: err.errors }
  if (err.validation !== undefined) {
    const errors = fieldProblems(err)
    const n = errors.length === 1 ? '1 invalid field' : `${errors.length} invalid fields`
    const detail = err.validationContext === 'body'
      ? `The request body has ${n}; nothing was stored`
      : `The request ${err.validationContext === 'headers' ? 'headers have' : 'parameters have'} ${n}`
    return { status: 400, slug: 'validation', code: 'HUB_ERR_VALIDATION', detail, errors }
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, slug: 'unsupported-media-type', code: err.code, detail: 'Send the body as application/json' }
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, slug: 'body-too-large', code: err.code, detail: `The body is larger than the hub accepts (${bodyLimit} bytes, BODY_LIMIT); send large attachments by URL` }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, slug: 'malformed-json', code: err.code, detail: 'The body is not valid JSON (or it contains a __proto__ or constructor.prototype key)' }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, slug: 'malformed-json', code: err.code, detail: 'The body is empty; send a JSON document' }
    // answered before routing (Fastify's frameworkErrors, src/app.ts)
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, slug: 'uri-too-long', code: err.code, detail: `A path parameter is longer than ${MAX_PARAM_LENGTH} characters (no dossier code, agency or step id is that long)` }
    case 'FST_ERR_BAD_URL':
      return { status: 400, slug: 'malformed-url', code: err.code, detail: 'The URL path is not valid percent-encoding' }
  }
  // the record or Redis out of reach: a connection refused (nothing was stored), or lost under the request
  const outage = (err.code ?? '').startsWith('HUB_ERR_') ? undefined : recordOutage(err) ?? (isStoreUnavailable(err) ? 'refused' : undefined)
  if (outage !== undefined) {
    const detail = outage === 'refused'
      ? 'The hub cannot reach its store right now; nothing was stored; retry shortly'
      : method === 'GET' || method === 'HEAD'
        ? 'The hub lost its connection to its store during this request; retry shortly'
        : 'The hub lost its connection to its store during this request, which may or may not have been stored: retry shortly with the same Idempotency-Key (a repeat is answered, never stored twice)'
    return { status: 503, slug: 'unavailable', code: 'HUB_ERR_UNAVAILABLE', detail }
  }
  const status = err.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const code = err.code ?? 'HUB_ERR_REQUEST'
    const slug = code.startsWith('HUB_ERR_') ? code.slice(8).toLowerCase().replaceAll('_', '-') : 'request'
    return { status, slug, code, detail: err.message }
  }
  if (status === 503) return { status, slug: 'unavailable', code: err.code ?? 'HUB_ERR_UNAVAILABLE', detail: err.message }
  return { status: 500, slug: 'internal', code: 'HUB_ERR_INTERNAL', detail: 'The hub failed to handle this request; the request id leads to the details in its log' }
}

type Classified = ReturnType<typeof classify>

/**
 * However bad the request, its answer stays small (well under 64 KB): the first problems only,
 * with their count, and no string longer than it needs to be (a pointer may carry a property
 * name of the body, a detail an agency's message).
 */
export const MAX_LISTED_PROBLEMS = 20
const MAX_DETAIL = 2000
const MAX_FIELD_DETAIL = 1000
const MAX_LOCATION = 200

const clip = (s: string, max: number): string => s.length <= max ? s : `${s.slice(0, max - 1)}…`

function listed (errors: readonly FieldProblem[]): FieldProblem[] {
  return errors.slice(0, MAX_LISTED_PROBLEMS).map((e) => ({
    ...(e.pointer !== undefined && { pointer: clip(e.pointer, MAX_LOCATION) }),
    ...(e.parameter !== undefined && { parameter: clip(e.parameter, MAX_LOCATION) }),
    ...(e.header !== undefined && { header: clip(e.header, MAX_LOCATION) }),
    detail: clip(e.detail, MAX_FIELD_DETAIL)
  }))
}

function document (c: Classified, request?: FastifyRequest): Problem {
  return {
    type: problemType(c.slug),
    title: STATUS_CODES[c.status] ?? 'Error',
    status: c.status,
    detail: clip(c.detail, MAX_DETAIL),
    ...(request !== undefined && { instance: request.url }),
    code: c.code,
    ...(request !== undefined && { requestId: String(request.id) }),
    ...(c.errors !== undefined && { errors: listed(c.errors), errorCount: c.errors.length })
  }
}

export function toProblem (err: Error, request: FastifyRequest, bodyLimit: number): Problem {
  // a route may accept more than BODY_LIMIT (POST /v1/documents: a paper with its file)
  const own = (request.routeOptions as { bodyLimit?: number } | undefined)?.bodyLimit
  // a route that takes a file as raw bytes (PUT /v1/documents/{id}/content)
  if ((request.routeOptions as { config?: { fileUpload?: boolean } } | undefined)?.config?.fileUpload === true) {
    const code = (err as KnownError).code
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return document({ status: 413, slug: 'body-too-large', code, detail: `The file is larger than the hub keeps (${own ?? bodyLimit} bytes, documents.contentLimit); nothing was stored` }, request)
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return document({ status: 415, slug: 'unsupported-media-type', code, detail: 'Send the file itself as application/octet-stream' }, request)
  }
  if (own !== undefined && own > bodyLimit && (err as KnownError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return document({ status: 413, slug: 'body-too-large', code: 'FST_ERR_CTP_BODY_TOO_LARGE', detail: `The body is larger than this route accepts (${own} bytes: a file of at most documents.contentLimit bytes, as base64)` }, request)
  }
  return document(classify(err as KnownError, bodyLimit, request.method), request)
}

/** What Node's HTTP parser refuses before there is a request (src/http/client-error.ts writes it). */
const PARSER_REFUSALS: Record<string, Omit<Classified, 'errors'>> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', code: 'HUB_ERR_REQUEST_TIMEOUT', detail: 'The request was not received in time (REQUEST_TIMEOUT_MS)' },
  HPE_HEADER_OVERFLOW: { status: 431, slug: 'headers-too-large', code: 'HUB_ERR_HEADERS_TOO_LARGE', detail: 'The request headers are larger than the hub accepts' }
}
const MALFORMED_REQUEST = { status: 400, slug: 'malformed-request', code: 'HUB_ERR_MALFORMED_REQUEST', detail: 'The request is not valid HTTP/1.1' }

export function parserProblem (err: Error & { code?: string }): Problem {
  return document(PARSER_REFUSALS[err.code ?? ''] ?? MALFORMED_REQUEST)
}
