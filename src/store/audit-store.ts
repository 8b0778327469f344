/**
 * The audit trail of each dossier in Redis (<p>:audit:<code>, a list of JSON entries), appended
 * with compare-and-set on its length so the hash chain (domain/audit-chain.ts) stays a chain when
 * several processes append at once. Within one process, the appends to one dossier queue up and
 * go out in batches (one chain read and one script per batch), so a dossier read by many clients
 * at once does not make them retry against each other.
 */
import { readFileSync } from 'node:fs'
import type { Redis, Result } from 'ioredis'
import type { AuditEntry } from '../types/schemas.generated.ts'
import { nextEntry, type AuditFields } from '../domain/audit-chain.ts'
import type { Keys } from './keys.ts'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hubAuditAppend(...args: Array<string | number>): Result<number, Context>
  }
}

const MAX_ROUNDS = 50
const BATCH = 100

interface Pending {
  fields: AuditFields
  resolve: (entry: AuditEntry | undefined) => void
  reject: (err: unknown) => void
}

export class AuditStore {
  readonly #redis: Redis
  readonly #keys: Keys
  readonly #queues = new Map<string, Pending[]>()

  constructor (redis: Redis, keys: Keys) {
    this.#redis = redis
    this.#keys = keys
    redis.defineCommand('hubAuditAppend', { numberOfKeys: 2, lua: readFileSync(new URL('./lua/audit.lua', import.meta.url), 'utf8') })
  }

  /** Appends an entry; undefined when the dossier does not exist (nothing to audit). */
  async append (code: string, fields: AuditFields): Promise<AuditEntry | undefined> {
    return await new Promise((resolve, reject) => {
      const queue = this.#queues.get(code)
      if (queue !== undefined) {
        queue.push({ fields, resolve, reject })
        return
      }
      this.#queues.set(code, [{ fields, resolve, reject }])
      void this.#drain(code)
    })
  }

  /** Writes the dossier's queued entries, a batch at a time, until none is left. */
  async #drain (code: string): Promise<void> {
    const queue = this.#queues.get(code) ?? []
    while (queue.length > 0) {
      const batch = queue.splice(0, BATCH)
      try {
        const entries = await this.#appendBatch(code, batch.map((p) => p.fields))
        batch.forEach((p, i) => { p.resolve(entries?.[i]) })
      } catch (err) {
        for (const p of batch) p.reject(err)
      }
    }
    this.#queues.delete(code)
  }

  async #appendBatch (code: string, fields: readonly AuditFields[]): Promise<AuditEntry[] | undefined> {
    const key = this.#keys.audit(code)
    for (let i = 0; i < MAX_ROUNDS; i++) {
      const [length, last] = await Promise.all([this.#redis.llen(key), this.#redis.lindex(key, -1)])
      // positions follow the list's length (the compare-and-set below makes the two reads agree)
      let previous = last === null ? undefined : JSON.parse(last) as AuditEntry
      const entries = fields.map((f, j) => {
        previous = nextEntry(code, previous, f, length + 1 + j)
        return previous
      })
      const r = await this.#redis.hubAuditAppend(key, this.#keys.dossier(code), length, ...entries.map((e) => JSON.stringify(e)))
      if (r === 1) return entries
      if (r === -1) return undefined
    }
    throw new Error(`the audit chain of ${code} kept changing; entries not appended`)
  }

  async list (code: string): Promise<AuditEntry[]> {
    return (await this.#redis.lrange(this.#keys.audit(code), 0, -1)).map((e) => JSON.parse(e) as AuditEntry)
  }
}
