/** Thrown by a processor whose attempt failed but may succeed later: carries the receiver's Retry-After to the backoff strategy. */
export class RetryLaterError extends Error {
  readonly retryAfterMs?: number
  constructor (message: string, retryAfterMs?: number) {
    super(message)
    this.name = 'RetryLaterError'
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs
  }
}
