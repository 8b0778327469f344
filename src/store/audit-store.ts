/**
 * The audit trail of each dossier in Redis (<p>:audit:<code>, a list of JSON entries), appended
 * with compare-and-set on its length so the hash chain (domain/audit-chain.ts) stays a chain when
 * several processes append at once.
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

export class AuditStore {
  readonly #redis: Redis
  readonly #keys: Keys

  constructor (redis: Redis, keys: Keys) {
    this.#redis = redis
    this.#keys = keys
    redis.defineCommand('hubAuditAppend', { numberOfKeys: 2, lua: readFileSync(new URL('./lua/audit.lua', import.meta.url), 'utf8') })
  }

  /** Appends an entry; undefined when the dossier does not exist (nothing to audit). */
  async append (code: string, fields: AuditFields): Promise<AuditEntry | undefined> {
    const key = this.#keys.audit(code)
    for (let i = 0; i < MAX_ROUNDS; i++) {
      const [length, last] = await Promise.all([this.#redis.llen(key), this.#redis.lindex(key, -1)])
      // its position is the list's length + 1 (the compare-and-set below makes the two reads agree)
      const entry = nextEntry(code, last === null ? undefined : JSON.parse(last) as AuditEntry, fields, length + 1)
      const r = await this.#redis.hubAuditAppend(key, this.#keys.dossier(code), length, JSON.stringify(entry))
      if (r === 1) return entry
      if (r === -1) return undefined
    }
    throw new Error(`the audit chain of ${code} kept changing; entry not appended`)
  }

  async list (code: string): Promise<AuditEntry[]> {
    return (await this.#redis.lrange(this.#keys.audit(code), 0, -1)).map((e) => JSON.parse(e) as AuditEntry)
  }
}
