/**
 * The daily signed checkpoint of every audit trail's head (domain/audit-checkpoint.ts): taken by
 * a BullMQ job scheduler (queues/maintenance.ts), kept (store/checkpoint-store.ts), listed and
 * served to administrators and auditors with the public key that verifies them
 * (routes/audit.ts); and the check of the store against a checkpoint kept outside the hub
 * (`npm run audit:verify`, scripts/audit-verify.ts).
 */
import type { KeyObject } from 'node:crypto'
import type { AuditStore } from '../store/audit-store.ts'
import type { CheckpointStore } from '../store/checkpoint-store.ts'
import { readHead } from '../domain/audit-chain.ts'
import { checkTrail, publicKeyId, signCheckpoint, type Checkpoint, type CheckpointHead, type TrailAgainstCheckpoint } from '../domain/audit-checkpoint.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'

export interface CheckpointSummary {
  date: string
  at: string
}

export class AuditCheckpoints {
  readonly #audit: AuditStore
  readonly #store: CheckpointStore
  readonly #signingKey: KeyObject
  readonly #publicKey: KeyObject
  readonly #now: () => Date

  constructor (o: { audit: AuditStore, store: CheckpointStore, signingKey: KeyObject, publicKey: KeyObject, now?: () => Date }) {
    this.#audit = o.audit
    this.#store = o.store
    this.#signingKey = o.signingKey
    this.#publicKey = o.publicKey
    this.#now = o.now ?? (() => new Date())
  }

  /** The public key that verifies the checkpoints (PEM, SPKI), its id and algorithm. */
  get publicKey (): { algorithm: 'Ed25519', keyId: string, pem: string } {
    return { algorithm: 'Ed25519', keyId: publicKeyId(this.#publicKey), pem: this.#publicKey.export({ type: 'spki', format: 'pem' }).toString() }
  }

  /** Takes today's checkpoint (Vietnam day) unless today has one; returns the one kept. */
  async take (): Promise<Checkpoint> {
    const now = this.#now()
    const at = toVietnamIso(now)
    const date = at.slice(0, 10)
    const kept = await this.#store.get(date)
    if (kept !== undefined) return kept
    const heads: CheckpointHead[] = []
    const unverified: string[] = []
    for await (const page of this.#audit.heads()) {
      for (const [dossier, record] of page) {
        const read = readHead(dossier, record, this.#audit.key)
        if (read.valid) heads.push({ dossier, entries: read.head.entries, head: read.head.hash })
        else unverified.push(dossier)
      }
    }
    return await this.#store.save(signCheckpoint({ date, at, heads, unverified }, this.#signingKey), now)
  }

  async list (): Promise<CheckpointSummary[]> {
    return (await this.#store.list()).map((c) => ({ date: c.date, at: toVietnamIso(c.taken) }))
  }

  /** The signed document of a day (JSON text, as signed), or undefined. */
  async get (date: string): Promise<string | undefined> {
    const doc = await this.#store.get(date)
    return doc === undefined ? undefined : JSON.stringify(doc)
  }
}

export interface StoreCheck {
  checked: number
  problems: Array<Extract<TrailAgainstCheckpoint, { ok: false }>>
}

/**
 * Checks every trail of a checkpoint (already verified with the public key) against the store:
 * each at least as long as the checkpoint says, its entry at that length hashing to the head.
 */
export async function checkStore (checkpoint: Checkpoint, audit: AuditStore, parallel = 32): Promise<StoreCheck> {
  const problems: StoreCheck['problems'] = []
  const heads = checkpoint.heads
  for (let i = 0; i < heads.length; i += parallel) {
    const results = await Promise.all(heads.slice(i, i + parallel).map(async (head) => {
      const { entries } = await audit.prefix(head.dossier, head.entries)
      return checkTrail(head, entries, audit.key, checkpoint.date)
    }))
    for (const r of results) if (!r.ok) problems.push(r)
  }
  return { checked: heads.length, problems }
}
