/**
 * The audit trail of each dossier in Redis (<p>:audit:<code>, a list of JSON entries) and its head
 * record (<p>:audit:heads, field = code, value = "<length>|<last hash>|<HMAC>"), appended together
 * by one script with compare-and-set on the head record, so the hash chain (domain/audit-chain.ts)
 * stays a chain when several processes append at once. Entries are HMACs under the hub's audit key.
 * Within one process, the appends to one dossier queue up and go out in batches (one read and one
 * script per batch), so a dossier read by many clients at once does not make them retry against
 * each other.
 *
 * New entries follow the head record, not the list: a trail cut short in the store stays visibly
 * cut (the next entries carry the numbers after the head record's). A head record that does not
 * verify under the key, or keyed entries without a head record, mean someone without the key
 * edited the store: nothing is appended (that would cover it up), and the error says why.
 *
 * Stored entries leave out what their place says: the dossier (the list's key) and `prev` (the hash
 * of the entry before). Reading fills them in, so the chain is verified exactly as written — an
 * entry's hash still covers both, so a removed, moved or reordered entry breaks the chain as before
 * — and every read of a dossier costs its trail about 100 bytes less in Redis. Entries written
 * whole by earlier versions are read as they are; so are their trails without head records.
 */
import { readFileSync } from 'node:fs'
import type { Redis, Result } from 'ioredis'
import type { AuditEntry } from '../types/schemas.generated.ts'
import { GENESIS, headRecord, nextEntry, readHead, type AuditFields, type AuditKey } from '../domain/audit-chain.ts'
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

/** The store was edited by someone without the audit key: appending would cover it up. */
export class AuditTamperError extends Error {
  override name = 'AuditTamperError'
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

/** Where the next entry goes: after `entries` entries, the last hashing to `hash`; `record` the head record as stored ('' = none). */
interface Tail {
  record: string
  entries: number
  hash: string
}

export class AuditStore {
  readonly #redis: Redis
  readonly #keys: Keys
  readonly key: AuditKey
  readonly #queues = new Map<string, Pending[]>()
  /** where this process last left each dossier's chain: the first guess of its tail (compare-and-set checks it) */
  readonly #last = new Map<string, Tail>()

  constructor (redis: Redis, keys: Keys, key: AuditKey) {
    this.#redis = redis
    this.#keys = keys
    this.key = key
    redis.defineCommand('hubAuditAppend', { numberOfKeys: 3, lua: readFileSync(new URL('./lua/audit.lua', import.meta.url), 'utf8') })
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

  /** The chain's tail as stored: from its head record, or from the list for a trail of an earlier version. */
  async #tail (code: string): Promise<Tail> {
    const key = this.#keys.audit(code)
    const [[, record], [, length], [, last]] = await this.#redis.multi().hget(this.#keys.auditHeads, code).llen(key).lindex(key, -1).exec() as [[null, string | null], [null, number], [null, string | null]]
    if (record !== null) {
      const read = readHead(code, record, this.key)
      if (!read.valid) throw new AuditTamperError(`the audit head record of ${code} does not verify under the audit key: the store was edited without the key; entries not appended (GET /v1/dossiers/${code}/audit names what changed)`)
      return { record, entries: read.head.entries, hash: read.head.hash }
    }
    const entry = last === null ? undefined : JSON.parse(last) as StoredEntry
    if (entry?.kid !== undefined) throw new AuditTamperError(`the audit trail of ${code} has keyed entries but no head record: it was deleted without the key; entries not appended`)
    return { record: '', entries: length, hash: entry?.hash ?? GENESIS }
  }

  async #appendBatch (code: string, fields: readonly AuditFields[], fresh: boolean): Promise<AuditEntry[] | undefined> {
    for (let i = 0; i < MAX_ROUNDS; i++) {
      // first round: guess the tail (where this process left it, or nothing for a new dossier);
      // when the guess is wrong the script says so and the next rounds read it
      const tail = (i === 0 ? (this.#last.get(code) ?? (fresh ? { record: '', entries: 0, hash: GENESIS } : undefined)) : undefined) ?? await this.#tail(code)
      let previous: Pick<AuditEntry, 'hash' | 'seq'> = { hash: tail.hash, seq: tail.entries }
      const entries = fields.map((f) => {
        const e = nextEntry(code, previous, f, this.key)
        previous = e
        return e
      })
      const next: Tail = { entries: tail.entries + entries.length, hash: previous.hash, record: '' }
      next.record = headRecord(code, next, this.key)
      const r = await this.#redis.hubAuditAppend(this.#keys.audit(code), this.#keys.dossier(code), this.#keys.auditHeads, code, tail.record, tail.entries, next.record, ...entries.map(stored))
      if (r === 1) {
        this.#remember(code, next)
        return entries
      }
      this.#last.delete(code)
      if (r === -1) return undefined
    }
    throw new Error(`the audit chain of ${code} kept changing; entries not appended`)
  }

  #remember (code: string, tail: Tail): void {
    this.#last.delete(code)
    this.#last.set(code, tail)
    if (this.#last.size > 10_000) this.#last.delete(this.#last.keys().next().value as string)
  }

  /** The trail as written and its head record (undefined: none), read together. */
  async read (code: string): Promise<{ entries: AuditEntry[], record: string | undefined }> {
    const [[, raw], [, record]] = await this.#redis.multi().lrange(this.#keys.audit(code), 0, -1).hget(this.#keys.auditHeads, code).exec() as [[null, string[]], [null, string | null]]
    return { entries: readTrail(code, raw), record: record ?? undefined }
  }

  async list (code: string): Promise<AuditEntry[]> {
    return (await this.read(code)).entries
  }

  /** The first `n` entries of a trail and its whole length. */
  async prefix (code: string, n: number): Promise<{ entries: AuditEntry[], length: number }> {
    const key = this.#keys.audit(code)
    const [[, raw], [, length]] = await this.#redis.multi().lrange(key, 0, n - 1).llen(key).exec() as [[null, string[]], [null, number]]
    return { entries: readTrail(code, raw), length }
  }

  /** Every head record, a page at a time (dossier code, record as stored). */
  async * heads (): AsyncGenerator<Array<[string, string]>> {
    let cursor = '0'
    do {
      const [next, flat] = await this.#redis.hscan(this.#keys.auditHeads, cursor, 'COUNT', 1000)
      cursor = next
      const page: Array<[string, string]> = []
      for (let i = 0; i + 1 < flat.length; i += 2) page.push([flat[i] as string, flat[i + 1] as string])
      if (page.length > 0) yield page
    } while (cursor !== '0')
  }
}
