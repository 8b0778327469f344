/**
 * Read–plan–compare-and-set rounds. A change reads the dossier (or a step) with its version, plans,
 * and writes only if nothing changed meanwhile; when something did, it reads and plans again. Every
 * such loop of the hub runs here, with one bound.
 */

/** How many rounds a change is tried before it gives up (another writer kept changing the same dossier). */
export const CAS_ROUNDS = 20

/** What a round returns when its write found the dossier changed: read and plan again. */
export const STALE: unique symbol = Symbol('stale')

/** Runs `round` until it returns something other than STALE, at most CAS_ROUNDS times; then `exhausted()`. */
export async function compareAndSet<T> (round: (n: number) => Promise<T | typeof STALE>, exhausted: () => T): Promise<T> {
  for (let n = 0; n < CAS_ROUNDS; n++) {
    const result = await round(n)
    if (result !== STALE) return result
  }
  return exhausted()
}
