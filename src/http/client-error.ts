/**
 * Answers to requests Node's HTTP parser refuses before Fastify sees them (a malformed request,
 * headers over the size limit, a request slower than REQUEST_TIMEOUT_MS): problem documents like
 * every other refusal, instead of Fastify's default JSON. Written straight to the socket, which is
 * then closed, as Node and Fastify do.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Problem } from '../types/schemas.generated.ts'
import { problemType } from '../errors.ts'

const REFUSALS: Record<string, { status: number, slug: string, detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', detail: 'The request was not received in time (REQUEST_TIMEOUT_MS)' },
  HPE_HEADER_OVERFLOW: { status: 431, slug: 'headers-too-large', detail: 'The request headers are larger than the hub accepts' }
}
const MALFORMED = { status: 400, slug: 'malformed-request', detail: 'The request is not valid HTTP/1.1' }

export function problemClientErrorHandler (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // a reset connection has nobody left to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const r = REFUSALS[err.code ?? ''] ?? MALFORMED
  this.log.debug({ err }, `client error: ${r.detail}`)
  if (socket.writable) {
    const problem: Problem = { type: problemType(r.slug), title: STATUS_CODES[r.status] ?? 'Error', status: r.status, detail: r.detail, code: `HUB_ERR_${r.slug.toUpperCase().replaceAll('-', '_')}` }
    const body = JSON.stringify(problem)
    socket.write(`HTTP/1.1 ${r.status} ${problem.title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(err)
}
