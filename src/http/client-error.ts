/**
 * Answers to requests Node's HTTP parser refuses before Fastify sees them (a malformed request,
 * headers over the size limit, a request slower than REQUEST_TIMEOUT_MS): problem documents like
 * every other refusal (http/problem.ts says which), instead of Fastify's default JSON. Written
 * straight to the socket, which is then closed, as Node and Fastify do.
 */
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { PROBLEM_CONTENT_TYPE, parserProblem } from './problem.ts'

export function problemClientErrorHandler (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // a reset connection has nobody left to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const problem = parserProblem(err)
  this.log.debug({ err }, `client error: ${problem.detail ?? problem.title}`)
  // a request past REQUEST_TIMEOUT_MS may already have its answer under way (e.g. a 429 while the
  // body still trickles in): a second status line would corrupt it, so it is only closed
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true
  if (socket.writable && !answering) {
    const body = JSON.stringify(problem)
    socket.write(`HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy(err)
}
