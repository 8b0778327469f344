/**
 * The audit trail of each dossier in Redis (<p>:audit:<code>, a list of JSON entries), appended
 * with compare-and-set on its length so the hash chain (domain/audit-chain.ts) stays a chain when
 * several processes append at once. Within one process, the appends to one dossier queue up and
 * go out in batches (one chain read and one script per batch), so a dossier read by many clients
 * at once does not make them retry against each other.
 *
 * Stored entries leave out what their place says: the dossier (the list's key) and `prev` (the hash
 * of the entry before). Reading fills them in, so the chain is verified exactly as written — an
 * entry's hash still covers both, so a removed, moved or reordered entry breaks the chain as before
 * — and every read of a dossier costs its trail about 100 bytes less in Redis. Entries written
 * whole by earlier versions are read as they are.
 */
import { readFileSync } from 'node:fs'
import type { Redis, Result } from 'ioredis'
import type { AuditEntry } from '../types/schemas.generated.ts'
import { GENESIS, nextEntry, type AuditFields } from '../domain/audit-chain.ts'
import type { Keys } from './keys.ts'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hubAuditAppend(...args: Array<string | number>): Result<number, Context>
  }
}

/** An entry as stored: without the dossier and `prev`, which its list and position give. */
type StoredEntry = Omit<AuditEntry, 'dossier' | 'prev'> & Partial<Pick<AuditEntry, 'dossier' | 'prev'>>

function stored (entry: AuditEntry): string {
  const { dossier: _dossier, prev: _prev, ...rest } = entry
  return JSON.stringify(rest)
}

/** The entries of a dossier's trail as written, from their stored form (in order). */
export function readTrail (code: string, raw: readonly string[]): AuditEntry[] {
  const entries: AuditEntry[] = []
  for (const r of raw) {
    const e = JSON.parse(r) as StoredEntry
    entries.push({ ...e, dossier: e.dossier ?? code, prev: e.prev ?? entries.at(-1)?.hash ?? GENESIS })
  }
  return entries
}

const MAX_ROUNDS = 50
const BATCH = 100

interface Pending {
  fields: AuditFields
  /** the dossier was just created: its chain is (almost certainly) empty */
  fresh: boolean
  resolve: (entry: AuditEntry | undefined) => void
  reject: (err: unknown) => void
}

export class AuditStore {
  readonly #redis: Redis
  readonly #keys: Keys
  readonly #queues = new Map<string, Pending[]>()
  /** the last entry this process wrote per dossier: the first guess of the chain's tail (compare-and-set checks it) */
  readonly #last = new Map<string, AuditEntry>()

  constructor (redis: Redis, keys: Keys) {
    this.#redis = redis
    this.#keys = keys
    redis.defineCommand('hubAuditAppend', { numberOfKeys: 2, lua: readFileSync(new URL('./lua/audit.lua', import.meta.url), 'utf8') })
  }

  /**
   * Appends an entry; undefined when the dossier does not exist (nothing to audit). `fresh`: the
   * dossier was just created, so the chain is guessed empty (saving a read when right).
   */
  async append (code: string, fields: AuditFields, options: { fresh?: boolean } = {}): Promise<AuditEntry | undefined> {
    return await new Promise((resolve, reject) => {
      const item = { fields, fresh: options.fresh === true, resolve, reject }
      const queue = this.#queues.get(code)
      if (queue !== undefined) {
        queue.push(item)
        return
      }
      this.#queues.set(code, [item])
      void this.#drain(code)
    })
  }

  /** Writes the dossier's queued entries, a batch at a time, until none is left. */
  async #drain (code: string): Promise<void> {
    const queue = this.#queues.get(code) ?? []
    while (queue.length > 0) {
      const batch = queue.splice(0, BATCH)
      try {
        const entries = await this.#appendBatch(code, batch.map((p) => p.fields), batch[0]?.fresh === true)
        batch.forEach((p, i) => { p.resolve(entries?.[i]) })
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    this.#queues.delete(code)
  }

  async #appendBatch (code: string, fields: readonly AuditFields[], fresh: boolean): Promise<AuditEntry[] | undefined> {
    const key = this.#keys.audit(code)
    for (let i = 0; i < MAX_ROUNDS; i++) {
      // first round: guess the tail (what this process wrote last, or nothing for a new dossier);
      // when the guess is wrong the script says so and the next rounds read it
      const guess = i === 0 ? (this.#last.get(code) ?? (fresh ? null : undefined)) : undefined
      let length: number
      let previous: AuditEntry | undefined
      if (guess === undefined) {
        const [len, last] = await Promise.all([this.#redis.llen(key), this.#redis.lindex(key, -1)])
        length = len
        // the entry after it needs only its hash and position
        previous = last === null ? undefined : JSON.parse(last) as AuditEntry
      } else {
        length = guess === null ? 0 : guess.seq
        previous = guess ?? undefined
      }
      // positions follow the list's length (the compare-and-set below makes them agree)
      const entries = fields.map((f, j) => {
        previous = nextEntry(code, previous, f, length + 1 + j)
        return previous
      })
      const r = await this.#redis.hubAuditAppend(key, this.#keys.dossier(code), length, ...entries.map(stored))
      if (r === 1) {
        this.#remember(code, entries.at(-1) as AuditEntry)
        return entries
      }
      this.#last.delete(code)
      if (r === -1) return undefined
    }
    throw new Error(`the audit chain of ${code} kept changing; entries not appended`)
  }

  #remember (code: string, entry: AuditEntry): void {
    this.#last.delete(code)
    this.#last.set(code, entry)
    if (this.#last.size > 10_000) this.#last.delete(this.#last.keys().next().value as string)
  }

  async list (code: string): Promise<AuditEntry[]> {
    return readTrail(code, await this.#redis.lrange(this.#keys.audit(code), 0, -1))
  }
}
