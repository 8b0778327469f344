/**
 * Clients of the hub and their API keys. Each caller is a configured client with a role:
 *   portal   the provincial portal: submits, reads and lists every dossier
 *   agency   an agency's software, bound to one agency id: submits in its native format, reads
 *            and reports on the dossiers routed to it, and nothing else
 *   admin    everything
 *   auditor  reads everything, changes nothing
 *
 * A key is "lth.<client id>.<secret>" (the secret: 32 random bytes, base64url). Only the SHA-256
 * of the secret is stored (a random 256-bit secret needs no slow hash); keys are compared in
 * constant time. Clients live in the record (PostgreSQL table `clients`), so they survive the loss
 * of Redis and `npm run client:add` works against a running hub; a removed client keeps its row
 * (removed_at) so audit entries still name it. Each process caches clients for a few seconds.
 *
 * A change (a key replaced, a client removed) is published on Redis, <p>:clients:changed, and every
 * process watching it drops its cached copy at once: a removed key stops working everywhere
 * immediately. The signal stays on Redis pub/sub rather than PostgreSQL LISTEN/NOTIFY: it needs no
 * connection of its own on the database (a LISTEN holds one session, which PgBouncer in transaction
 * mode cannot give), and the embedded PGlite serves every process through one backend, where a
 * notification would not reach the other processes' sessions. A missed message (Redis away, the
 * watch reconnecting) falls back to the cache's time limit: when the watch is back, the whole
 * cache is dropped.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Sql } from 'postgres'
import { Keys } from '../store/keys.ts'

export const ROLES = ['portal', 'agency', 'admin', 'auditor'] as const
export type Role = typeof ROLES[number]

export interface Client {
  id: string
  name: string
  role: Role
  /** the agency id an agency client speaks for */
  agency?: string
  createdAt: string
}

interface StoredClient extends Client {
  /** SHA-256 of the key's secret */
  secretHash: Buffer
}

interface ClientRow {
  id: string
  name: string
  role: Role
  agency: string | null
  secret_hash: Buffer
  created_at: Date
}

const fromRow = (r: ClientRow): StoredClient => ({
  id: r.id, name: r.name, role: r.role, ...(r.agency !== null && { agency: r.agency }), createdAt: r.created_at.toISOString(), secretHash: r.secret_hash
})

/** Roles that see personal numbers (citizen IDs, phones) in full; others get them masked. */
export function seesPersonalData (role: Role): boolean {
  return role !== 'auditor'
}

export const CLIENT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/
const KEY = /^lth\.([a-z0-9][a-z0-9-]{0,39})\.([A-Za-z0-9_-]{43})$/

const hashOf = (secret: string): Buffer => createHash('sha256').update(secret).digest()

/** The key's parts, or undefined when it is not shaped like a hub key. */
function parseKey (key: string): { id: string, secret: string } | undefined {
  const m = KEY.exec(key)
  return m === null ? undefined : { id: m[1] as string, secret: m[2] as string }
}

export class ClientError extends Error {
  override name = 'ClientError'
}

export class ClientStore {
  readonly #sql: Sql
  readonly #redis: Redis | undefined
  readonly #ttlMs: number
  readonly #cache = new Map<string, { client: StoredClient | undefined, at: number }>()
  readonly #channel: string

  /**
   * `sql`: the record. `redis` (optional): where changes are announced to the other processes;
   * without it they see a change when their cached copy expires.
   */
  constructor (sql: Sql, redis: Redis | undefined, prefix: string, cacheTtlMs = 5000) {
    this.#sql = sql
    this.#redis = redis
    this.#channel = new Keys(prefix).clientsChanged
    this.#ttlMs = cacheTtlMs
  }

  /**
   * Follows changes made by other processes (the client commands, other API processes): a changed
   * client leaves this process's cache at once. Returns the function that stops it.
   */
  watch (): () => Promise<void> {
    if (this.#redis === undefined) return async () => {}
    const sub = this.#redis.duplicate({ enableAutoPipelining: false, maxRetriesPerRequest: null })
    sub.on('error', () => { /* reconnects by itself (and subscribes again); the cache's time limit covers the gap */ })
    sub.on('message', (_channel: string, id: string) => { this.#cache.delete(id) })
    let connectedBefore = false
    // back after a lost connection: messages may have been missed
    sub.on('ready', () => {
      if (connectedBefore) this.#cache.clear()
      connectedBefore = true
    })
    // not awaited: with Redis out of reach at start-up the hub still starts (and says so on /ready)
    sub.subscribe(this.#channel).catch(() => { /* the connection was closed before Redis answered */ })
    return async () => {
      // QUIT only to a Redis that answers (a command to one out of reach would wait for it)
      if (sub.status !== 'ready') { sub.disconnect(); return }
      try { await sub.quit() } catch { sub.disconnect() }
    }
  }

  /**
   * Drops the cached copy here and tells the other processes. Returns false when the announcement
   * could not be made (Redis away): the change is in the record, and the others see it when their
   * cached copy expires.
   */
  async #changed (id: string): Promise<boolean> {
    this.#cache.delete(id)
    if (this.#redis === undefined) return false
    try {
      await this.#redis.publish(this.#channel, id)
      return true
    } catch {
      return false
    }
  }

  /** Creates a client and returns its key: the only time the key exists outside the caller. */
  async add (c: { id: string, name?: string, role: Role, agency?: string }, options: { replace?: boolean, now?: Date } = {}): Promise<{ client: Client, key: string }> {
    if (!CLIENT_ID.test(c.id)) throw new ClientError(`client id "${c.id}" must be 1–40 lower-case letters, digits or dashes`)
    if (!(ROLES as readonly string[]).includes(c.role)) throw new ClientError(`role "${c.role}" must be one of ${ROLES.join(', ')}`)
    if ((c.role === 'agency') !== (c.agency !== undefined)) throw new ClientError('an agency client needs --agency <agency id>, and only an agency client may have one')
    const secret = randomBytes(32).toString('base64url')
    const at = options.now ?? new Date()
    const client: Client = {
      id: c.id, name: c.name ?? c.id, role: c.role, ...(c.agency !== undefined && { agency: c.agency }), createdAt: at.toISOString()
    }
    const row = { id: client.id, name: client.name, role: client.role, agency: c.agency ?? null, secret_hash: hashOf(secret), created_at: at, updated_at: at, removed_at: null }
    // a removed client's id may be given again (its row is reused); a present one only with replace
    const rows = options.replace === true
      ? await this.#sql`insert into clients ${this.#sql(row)}
          on conflict (id) do update set name = excluded.name, role = excluded.role, agency = excluded.agency,
            secret_hash = excluded.secret_hash, created_at = excluded.created_at, updated_at = excluded.updated_at, removed_at = null
          returning id`
      : await this.#sql`insert into clients ${this.#sql(row)}
          on conflict (id) do update set name = excluded.name, role = excluded.role, agency = excluded.agency,
            secret_hash = excluded.secret_hash, created_at = excluded.created_at, updated_at = excluded.updated_at, removed_at = null
          where clients.removed_at is not null
          returning id`
    if (rows.length !== 1) throw new ClientError(`client "${c.id}" exists already (give --replace to issue it a new key)`)
    await this.#changed(c.id)
    return { client, key: `lth.${c.id}.${secret}` }
  }

  /** Removes a client (its key stops working); false when there is no such client. */
  async remove (id: string, options: { now?: Date } = {}): Promise<boolean> {
    const at = options.now ?? new Date()
    const rows = await this.#sql`update clients set removed_at = ${at}, updated_at = ${at} where id = ${id} and removed_at is null returning id`
    await this.#changed(id)
    return rows.length === 1
  }

  async list (): Promise<Client[]> {
    const rows = await this.#sql<ClientRow[]>`select id, name, role, agency, secret_hash, created_at from clients where removed_at is null order by id collate "C"`
    return rows.map((r) => {
      const { secretHash: _h, ...client } = fromRow(r)
      return client
    })
  }

  async #get (id: string): Promise<StoredClient | undefined> {
    const hit = this.#cache.get(id)
    if (hit !== undefined && Date.now() - hit.at < this.#ttlMs) return hit.client
    const [row] = await this.#sql<ClientRow[]>`select id, name, role, agency, secret_hash, created_at from clients where id = ${id} and removed_at is null`
    const client = row === undefined ? undefined : fromRow(row)
    if (this.#cache.size > 10_000) this.#cache.clear()
    this.#cache.set(id, { client, at: Date.now() })
    return client
  }

  /** The client a key belongs to, or undefined for a malformed, unknown or wrong key. */
  async verify (key: string): Promise<Client | undefined> {
    const parts = parseKey(key)
    if (parts === undefined) return undefined
    const stored = await this.#get(parts.id)
    const given = hashOf(parts.secret)
    // compare even for an unknown id, so timing does not tell which ids exist
    const expected = stored === undefined ? Buffer.alloc(32) : stored.secretHash
    const equal = expected.length === given.length && timingSafeEqual(expected, given)
    if (stored === undefined || !equal) return undefined
    const { secretHash: _h, ...client } = stored
    return client
  }
}
