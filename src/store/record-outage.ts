/**
 * What the postgres driver's errors say about the record (PostgreSQL) being out of reach: used to
 * answer 503 instead of 500 (http/problem.ts), and by the hub's process to outlive the driver's
 * connection errors that no caller can catch (hub-process.ts).
 */

/**
 * The record (PostgreSQL) out of reach, as the postgres driver, the socket or the server says it: 'refused'
 * when no statement could start (nothing was stored), 'lost' when the connection went while one
 * may have been running (it may have committed: a retry under the same Idempotency-Key is answered
 * from receive-once, never stored twice).
 */
export function recordOutage (err: unknown): 'refused' | 'lost' | undefined {
  const raw = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  const code = typeof raw === 'string' ? raw : ''
  // the driver: no connection made (CONNECT_TIMEOUT, or the socket's own error), or one closed under a statement
  if (['CONNECT_TIMEOUT', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return 'refused'
  if (['CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) return 'lost'
  // the server: starting up or shutting down, too many connections (SQLSTATE 57P03, 53300), or a
  // connection exception (class 08); terminated by an administrator or a crash (57P01, 57P02)
  if (code === '57P03' || code === '53300' || code === '08001' || code === '08004') return 'refused'
  if (code === '57P01' || code === '57P02' || code.startsWith('08')) return 'lost'
  return undefined
}
