/**
 * Calls made in one turn of the event loop, sent as one statement: each caller awaits its own
 * answer, the record sees one round trip (and, for writes, one commit). The first call of a turn
 * schedules the flush (setImmediate), so a call waits at most for the turn's other work; a call
 * alone in its turn goes out alone (`one`), with the statement it always had.
 */
export class TurnBatch<I, O> {
  readonly #many: (items: readonly I[]) => Promise<readonly O[]>
  readonly #one: (item: I) => Promise<O>
  #pending: Array<{ item: I, resolve: (o: O) => void, reject: (err: unknown) => void }> = []

  /** `many` answers in the order of its items (the same length); `one` answers a call alone */
  constructor (many: (items: readonly I[]) => Promise<readonly O[]>, one: (item: I) => Promise<O>) {
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
      batch.forEach((b, i) => { b.resolve(answers[i] as O) })
    } catch (err) {
      for (const b of batch) b.reject(err)
    }
  }
}
