/**
 * An answer of `many` that is a failure for its own caller alone (the others of the turn get their
 * answers): what a batch gives back for a call that failed when it went again alone.
 */
export class CallFailure {
  readonly err: unknown
  constructor (err: unknown) { this.err = err }
}

/**
 * Calls made in one turn of the event loop, sent as one statement: each caller awaits its own
 * answer, the record sees one round trip (and, for writes, one commit). The first call of a turn
 * schedules the flush (setImmediate), so a call waits at most for the turn's other work; a call
 * alone in its turn goes out alone (`one`), with the statement it always had.
 */
export class TurnBatch<I, O> {
  readonly #many: (items: readonly I[]) => Promise<ReadonlyArray<O | CallFailure>>
  readonly #one: (item: I) => Promise<O>
  #pending: Array<{ item: I, resolve: (o: O) => void, reject: (err: unknown) => void }> = []

  /**
   * `many` answers in the order of its items (the same length; a CallFailure rejects that call
   * alone, a throw every call of the turn); `one` answers a call alone
   */
  constructor (many: (items: readonly I[]) => Promise<ReadonlyArray<O | CallFailure>>, one: (item: I) => Promise<O>) {
    this.#many = many
    this.#one = one
  }

  async call (item: I): Promise<O> {
    return await new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject })
      if (this.#pending.length === 1) setImmediate(() => { void this.#flush() })
    })
  }

  async #flush (): Promise<void> {
    const batch = this.#pending
    this.#pending = []
    try {
      if (batch.length === 1) {
        const [only] = batch as [typeof batch[number]]
        only.resolve(await this.#one(only.item))
        return
      }
      const answers = await this.#many(batch.map((b) => b.item))
      batch.forEach((b, i) => {
        const answer = answers[i]
        if (answer instanceof CallFailure) b.reject(answer.err)
        else b.resolve(answer as O)
      })
    } catch (err) {
      for (const b of batch) b.reject(err)
    }
  }
}
