/**
 * Sends one delivery to an agency system over HTTP with undici, and says what the answer means
 * for retrying (domain/retry.ts). One keep-alive connection pool per agency origin. An answer that
 * is not a success is described by its status and its body redacted and clipped
 * (domain/agency-answer.ts): the raw body is never kept.
 */
import { Agent, request, errors as undiciErrors } from 'undici'
import type { OutboundRequest, AgencyResponse } from '../../adapters/contract.ts'
import { classifyHttpStatus, parseRetryAfter } from '../domain/retry.ts'
import type { ResolvedAuth, ResolvedTls } from '../config/hub-config.ts'
import { authHeaders } from './outbound-auth.ts'
import { redactAgencyAnswer } from '../domain/agency-answer.ts'

const MAX_RESPONSE_BYTES = 1024 * 1024
const USER_AGENT = 'lienthong-hub/0.1 (+https://github.com/lienthong-hub)'

/** A failed attempt. `retryable` false means retrying cannot help (a 4xx other than 408/429). */
export class DeliveryError extends Error {
  readonly retryable: boolean
  readonly status?: number
  readonly retryAfterMs?: number
  constructor (message: string, retryable: boolean, status?: number, retryAfterMs?: number) {
    super(message)
    this.name = 'DeliveryError'
    this.retryable = retryable
    if (status !== undefined) this.status = status
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs
  }
}

export interface SendOptions {
  endpoint: string
  timeoutMs: number
  idempotencyKey: string
  /** the agency's outbound auth (bearer token or HMAC signature of timestamp + body) */
  auth?: ResolvedAuth
  /** the agency's TLS options (CA bundle, client certificate for mutual TLS): its own connection pool */
  tls?: { agencyId: string, options: ResolvedTls }
}

async function readBody (body: AsyncIterable<Buffer>): Promise<{ text: string, truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += chunk.length
    if (size > MAX_RESPONSE_BYTES) return { text: Buffer.concat(chunks).toString('utf8'), truncated: true }
    chunks.push(chunk)
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false }
}

function parseBody (text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined
  if (contentType !== undefined && /[/+]json\b/i.test(contentType)) {
    try { return JSON.parse(text) } catch { return text }
  }
  return text
}

function describeNetworkError (err: unknown): string {
  const e = err as { code?: string, message?: string, cause?: { code?: string, message?: string } }
  if (e instanceof undiciErrors.HeadersTimeoutError || e instanceof undiciErrors.BodyTimeoutError || (e as Error).name === 'TimeoutError') return 'the agency did not answer in time'
  const code = e.cause?.code ?? e.code
  const message = e.cause?.message ?? e.message ?? String(err)
  return code !== undefined ? `cannot reach the agency: ${code} (${message})` : `cannot reach the agency: ${message}`
}

const POOL = { keepAliveTimeout: 30_000, connections: 64 } as const

export class AgencyHttpClient {
  /** the pool for agencies without TLS options of their own */
  readonly dispatcher: Agent
  readonly #tlsAgents = new Map<string, Agent>()

  constructor (dispatcher = new Agent(POOL)) {
    this.dispatcher = dispatcher
  }

  /** An agency with its own TLS options gets its own pool, so its client certificate is never offered elsewhere. */
  #dispatcherFor (tls: SendOptions['tls']): Agent {
    if (tls === undefined) return this.dispatcher
    let agent = this.#tlsAgents.get(tls.agencyId)
    if (agent === undefined) {
      agent = new Agent({ ...POOL, connect: { ...tls.options } })
      this.#tlsAgents.set(tls.agencyId, agent)
    }
    return agent
  }

  /** Sends the request; resolves with the agency's 2xx answer, rejects with a DeliveryError. */
  async send (req: OutboundRequest, options: SendOptions): Promise<AgencyResponse> {
    const url = req.path === undefined ? options.endpoint : new URL(req.path, options.endpoint.endsWith('/') ? options.endpoint : `${options.endpoint}/`).href
    const body = JSON.stringify(req.body)
    let res: Awaited<ReturnType<typeof request>>
    try {
      res = await request(url, {
        method: req.method,
        dispatcher: this.#dispatcherFor(options.tls),
        headers: {
          ...req.headers,
          'content-type': 'application/json; charset=utf-8',
          'idempotency-key': options.idempotencyKey,
          'user-agent': USER_AGENT,
          ...authHeaders(options.auth, body, Date.now())
        },
        body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs)
      })
    } catch (err) {
      throw new DeliveryError(describeNetworkError(err), true)
    }
    let text: string
    let truncated: boolean
    try {
      ({ text, truncated } = await readBody(res.body))
    } catch (err) {
      throw new DeliveryError(`the agency's answer broke off: ${describeNetworkError(err)}`, true, res.statusCode)
    }
    const contentType = res.headers['content-type']
    const outcome = classifyHttpStatus(res.statusCode)
    if (outcome === 'delivered') {
      return { status: res.statusCode, body: truncated ? undefined : parseBody(text, Array.isArray(contentType) ? contentType[0] : contentType) }
    }
    const retryAfterMs = res.statusCode === 429 || res.statusCode === 503 ? parseRetryAfter(res.headers['retry-after'], Date.now()) : undefined
    // the agency's words, redacted (it may echo the applicant's name, date of birth, numbers) and clipped
    const said = text.length > 0 ? `: ${redactAgencyAnswer(text, req.body)}` : ''
    throw new DeliveryError(`the agency answered HTTP ${res.statusCode}${said}`, outcome === 'retry', res.statusCode, retryAfterMs)
  }

  async close (): Promise<void> {
    await Promise.all([this.dispatcher, ...this.#tlsAgents.values()].map(async (a) => { await a.close() }))
  }
}
