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
 * constant time. Clients live in Redis (<p>:clients, a hash id → JSON) so `npm run client:add`
 * works against a running hub; each process caches them for a few seconds. A change (a key
 * replaced, a client removed) is published on <p>:clients:changed, and every process watching it
 * drops its cached copy at once: a removed key stops working everywhere immediately. When the watch
 * loses its connection (a message may be missed) the whole cache is dropped once it is back.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Redis } from 'ioredis'

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
  /** hex SHA-256 of the key's secret */
  secretHash: string
}

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
  readonly #redis: Redis
  readonly #key: string
  readonly #ttlMs: number
  readonly #cache = new Map<string, { client: StoredClient | undefined, at: number }>()
  readonly #channel: string

  constructor (redis: Redis, prefix: string, cacheTtlMs = 5000) {
    this.#redis = redis
    this.#key = `${prefix}:clients`
    this.#channel = `${prefix}:clients:changed`
    this.#ttlMs = cacheTtlMs
  }

  /**
   * Follows changes made by other processes (the client commands, other API processes): a changed
   * client leaves this process's cache at once. Returns the function that stops it.
   */
  watch (): () => Promise<void> {
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

  async #changed (id: string): Promise<void> {
    this.#cache.delete(id)
    await this.#redis.publish(this.#channel, id)
  }

  /** Creates a client and returns its key: the only time the key exists outside the caller. */
  async add (c: { id: string, name?: string, role: Role, agency?: string }, options: { replace?: boolean, now?: Date } = {}): Promise<{ client: Client, key: string }> {
    if (!CLIENT_ID.test(c.id)) throw new ClientError(`client id "${c.id}" must be 1–40 lower-case letters, digits or dashes`)
    if (!(ROLES as readonly string[]).includes(c.role)) throw new ClientError(`role "${c.role}" must be one of ${ROLES.join(', ')}`)
    if ((c.role === 'agency') !== (c.agency !== undefined)) throw new ClientError('an agency client needs --agency <agency id>, and only an agency client may have one')
    const secret = randomBytes(32).toString('base64url')
    const client: Client = {
      id: c.id, name: c.name ?? c.id, role: c.role, ...(c.agency !== undefined && { agency: c.agency }), createdAt: (options.now ?? new Date()).toISOString()
    }
    const stored: StoredClient = { ...client, secretHash: hashOf(secret).toString('hex') }
    const ok = options.replace === true
      ? await this.#redis.hset(this.#key, c.id, JSON.stringify(stored)).then(() => 1)
      : await this.#redis.hsetnx(this.#key, c.id, JSON.stringify(stored))
    if (ok !== 1) throw new ClientError(`client "${c.id}" exists already (give --replace to issue it a new key)`)
    await this.#changed(c.id)
    return { client, key: `lth.${c.id}.${secret}` }
  }

  async remove (id: string): Promise<boolean> {
    const removed = (await this.#redis.hdel(this.#key, id)) === 1
    await this.#changed(id)
    return removed
  }

  async list (): Promise<Client[]> {
    const all = await this.#redis.hvals(this.#key)
    return all.map((raw) => {
      const { secretHash: _h, ...client } = JSON.parse(raw) as StoredClient
      return client
    }).sort((a, b) => a.id.localeCompare(b.id))
  }

  async #get (id: string): Promise<StoredClient | undefined> {
    const hit = this.#cache.get(id)
    if (hit !== undefined && Date.now() - hit.at < this.#ttlMs) return hit.client
    const raw = await this.#redis.hget(this.#key, id)
    const client = raw === null ? undefined : JSON.parse(raw) as StoredClient
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
    const expected = stored === undefined ? Buffer.alloc(32) : Buffer.from(stored.secretHash, 'hex')
    const equal = expected.length === given.length && timingSafeEqual(expected, given)
    if (stored === undefined || !equal) return undefined
    const { secretHash: _h, ...client } = stored
    return client
  }
}
