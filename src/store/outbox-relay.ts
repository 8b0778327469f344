/**
 * The outbox's relay rows, shared by every store that writes outbox rows (dossier deliveries and
 * notices to agencies, payments, postal pickups): each relay reads the unconfirmed rows of its own
 * kinds that were written, or last seen queued, a grace period ago or earlier — the least recently
 * looked at first — and stamps the ones it saw queued (so that the next runs look at others first)
 * or confirms the ones nothing is owed for any more: one statement for the whole batch.
 * The rows are named by their idempotency key; what a key means is the owning store's business.
 */
import type { Sql } from 'postgres'

/** Which rows a relay sends: these kinds exactly, and kinds starting with these prefixes. */
export interface OutboxKinds {
  kinds: readonly string[]
  prefixes?: readonly string[]
}

export class OutboxRelayRows {
  readonly #sql: Sql
  readonly #kinds: string[]
  readonly #prefixes: string[]

  constructor (sql: Sql, kinds: OutboxKinds) {
    this.#sql = sql
    this.#kinds = [...kinds.kinds]
    this.#prefixes = (kinds.prefixes ?? []).map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
  }

  /** The idempotency keys of unconfirmed, undiscarded rows of these kinds written or last seen at `beforeMs` or earlier, least recently looked at first. */
  async due (beforeMs: number, limit: number): Promise<string[]> {
    const rows = await this.#sql<Array<{ key: string }>>`
      select idempotency_key as key from outbox
      where confirmed_at is null and discarded_at is null and coalesce(queued_at, created_at) <= ${new Date(beforeMs)}
        and ${this.#prefixes.length === 0
          // kinds alone: a condition outbox_relay_kind (migration 0008) serves
          ? this.#sql`kind = any(${this.#kinds}::text[])`
          : this.#sql`(kind = any(${this.#kinds}::text[]) or kind like any(${this.#prefixes}::text[]))`}
      order by coalesce(queued_at, created_at) limit ${limit}`
    return rows.map((r) => r.key)
  }

  /** The relay saw these rows' messages in their queue (or queued them): looked at again a grace period later. One statement. */
  async seen (keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return
    await this.#sql`update outbox set queued_at = now() where idempotency_key = any(${[...keys]}::text[]) and confirmed_at is null`
  }

  /** These rows' messages are settled (or need no sending any more). One statement. */
  async confirm (keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return
    await this.#sql`update outbox set confirmed_at = now() where idempotency_key = any(${[...keys]}::text[]) and confirmed_at is null`
  }
}
