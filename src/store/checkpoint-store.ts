/**
 * The signed audit checkpoints the hub keeps, in the record (audit_checkpoints, one row a Vietnam
 * day; migrations 0001 and 0003). The row holds the document's parts in columns (its digest and
 * signature as bytes, its heads as jsonb), and the document is put together again exactly as
 * signed (the signature covers its canonical JSON, which these parts give back unchanged). The
 * first one of a day stays: a second run the same day (another worker, a retried job) keeps it.
 * The last KEEP are kept; the auditor keeps them all, outside the hub — these copies are only for
 * fetching.
 */
import type { Sql } from 'postgres'
import { CHECKPOINT_TYPE, type Checkpoint, type CheckpointHead } from '../domain/audit-checkpoint.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'

export const KEEP = 92

interface CheckpointRow {
  day: string
  created_at: Date
  trails: number
  digest: Buffer
  key_id: string
  signature: Buffer
  heads: CheckpointHead[]
  unverified: string[]
}

/** The document as signCheckpoint builds it, key for key (so its JSON is the same text). */
function documentOf (r: CheckpointRow): Checkpoint {
  return {
    type: CHECKPOINT_TYPE,
    version: 1,
    date: r.day,
    at: toVietnamIso(r.created_at),
    trails: r.trails,
    headsDigest: r.digest.toString('hex'),
    heads: r.heads.map((h) => ({ dossier: h.dossier, entries: h.entries, head: h.head })),
    unverified: r.unverified,
    signer: { algorithm: 'Ed25519', keyId: r.key_id },
    signature: r.signature.toString('base64')
  }
}

export class CheckpointStore {
  readonly #sql: Sql

  constructor (sql: Sql) {
    this.#sql = sql
  }

  /** Keeps the day's checkpoint (taken at `taken`) unless that day has one; returns the one kept. */
  async save (checkpoint: Checkpoint, taken: Date): Promise<Checkpoint> {
    const c = checkpoint
    const inserted = await this.#sql`insert into audit_checkpoints (day, created_at, trails, digest, key_id, signature, heads, unverified)
      values (${c.date}, ${taken}, ${c.trails}, ${Buffer.from(c.headsDigest, 'hex')}, ${c.signer.keyId}, ${Buffer.from(c.signature, 'base64')},
        ${this.#sql.json(c.heads as never)}, ${this.#sql.json(c.unverified)})
      on conflict (day) do nothing
      returning day`
    if (inserted.length === 0) return await this.get(c.date) ?? c
    await this.#sql`delete from audit_checkpoints where day <= (select day from audit_checkpoints order by day desc offset ${KEEP} limit 1)`
    return c
  }

  /** The checkpoints kept, newest first: their day and when they were taken. */
  async list (): Promise<Array<{ date: string, taken: Date }>> {
    const rows = await this.#sql<Array<{ day: string, created_at: Date }>>`select to_char(day, 'YYYY-MM-DD') as day, created_at from audit_checkpoints order by day desc`
    return rows.map((r) => ({ date: r.day, taken: r.created_at }))
  }

  /** The checkpoint of a day, or undefined. */
  async get (date: string): Promise<Checkpoint | undefined> {
    // a day that is not on the calendar (2026-02-30) has no checkpoint, rather than a cast error
    if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) return undefined
    const [row] = await this.#sql<CheckpointRow[]>`select to_char(day, 'YYYY-MM-DD') as day, created_at, trails, digest, key_id, signature, heads, unverified
      from audit_checkpoints where day = ${date}::date`
    return row === undefined ? undefined : documentOf(row)
  }
}
