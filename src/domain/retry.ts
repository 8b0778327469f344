/**
 * How a delivery to an agency is retried. Pure functions; the worker wires them into BullMQ.
 *
 * - 2xx: delivered.
 * - 408, 429, 5xx, network errors and timeouts: retried with exponential backoff and jitter.
 * - 429 (and 503) with Retry-After: the next attempt waits at least that long (capped by maxDelayMs).
 * - any other 4xx: the agency refused the request itself; retrying cannot help, fail at once.
 */

export type Outcome = 'delivered' | 'retry' | 'permanent'

export function classifyHttpStatus (status: number): Outcome {
  if (status >= 200 && status < 300) return 'delivered'
  if (status === 408 || status === 429) return 'retry'
  if (status >= 400 && status < 500) return 'permanent'
  return 'retry' // 5xx, and 1xx/3xx which an agency API should never answer
}

export interface RetryPolicy {
  attempts: number
  baseDelayMs: number
  maxDelayMs: number
}

/**
 * Delay before the next attempt after `attemptsMade` failed ones (1 after the first failure).
 * "Equal jitter": half the exponential delay fixed, half random, so a crowd of retries spreads
 * out but none comes back at once. A Retry-After from the agency is a floor.
 */
export function backoffDelay (attemptsMade: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attemptsMade - 1)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 40))
  const jittered = Math.floor(ceiling / 2 + random() * (ceiling / 2))
  if (retryAfterMs !== undefined && retryAfterMs > jittered) return Math.min(policy.maxDelayMs, retryAfterMs)
  return jittered
}

/** IMF-fixdate, the HTTP date format senders must use (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Milliseconds from now, or undefined. */
export function parseRetryAfter (value: string | string[] | undefined, now: number): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  const text = raw.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  if (!IMF_FIXDATE.test(text)) return undefined
  const when = Date.parse(text)
  if (Number.isNaN(when)) return undefined
  return Math.max(0, when - now)
}
