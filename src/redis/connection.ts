/**
 * Redis connections. Two kinds:
 * - `commands`: store and queue producers; a command fails after a couple of reconnection
 *   attempts instead of hanging, so an HTTP request answers 503 rather than waiting forever;
 * - `workers`: BullMQ workers, which need maxRetriesPerRequest: null (they block and must outlive
 *   Redis restarts).
 *
 * REDIS_URL is a plain `redis://` / `rediss://` URL, or, for a Redis watched by Sentinel (automatic
 * failover), `redis+sentinel://[:password@]host1:26379,host2:26379/<master name>[/<db>]`: the
 * connection asks the sentinels where the master is, and follows it when they fail over.
 */
import { Redis, type RedisOptions } from 'ioredis'

export interface SentinelTarget {
  sentinels: Array<{ host: string, port: number }>
  name: string
  password?: string
  db?: number
}

const SENTINEL = /^redis\+sentinel:\/\/(?:(?:[^:@/]*):([^@/]*)@)?([^/]+)\/([^/?#]+)(?:\/(\d+))?\/?$/

/** The sentinels, master name, password and db of a redis+sentinel:// URL; undefined for any other URL. */
export function parseSentinelUrl (url: string): SentinelTarget | undefined {
  const m = SENTINEL.exec(url)
  if (m === null) return undefined
  const [, password, hosts, name, db] = m as unknown as [string, string | undefined, string, string, string | undefined]
  const sentinels = hosts.split(',').map((h) => {
    const i = h.lastIndexOf(':')
    return i < 0 ? { host: h, port: 26379 } : { host: h.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(h.slice(i + 1)) }
  })
  return {
    sentinels,
    name: decodeURIComponent(name),
    ...(password !== undefined && password !== '' && { password: decodeURIComponent(password) }),
    ...(db !== undefined && { db: Number(db) })
  }
}

/** `extra` overrides the defaults (the command-line scripts connect lazily and give up sooner). */
export function createRedis (url: string, kind: 'commands' | 'workers', name: string, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    connectionName: name,
    maxRetriesPerRequest: kind === 'workers' ? null : 2,
    enableReadyCheck: true,
    // commands issued in the same tick (many requests at once) go out in one write
    enableAutoPipelining: kind === 'commands',
    ...extra
  }
  const sentinel = parseSentinelUrl(url)
  if (sentinel !== undefined) return new Redis({ ...options, ...sentinel })
  return new Redis(url, options)
}

/**
 * Makes a connection that cannot reach Redis stop trying: at its next attempt it ends, and the
 * commands waiting in its offline queue fail ("Connection is closed") instead of waiting for ever.
 * (ioredis' `disconnect()` while the connection is between attempts clears the timer of the next
 * attempt and leaves the queued commands unsettled: redis/ioredis#2169.)
 */
export async function giveUp (redis: Redis, waitMs = 3000): Promise<void> {
  if (redis.status === 'end') return
  redis.options.retryStrategy = () => null
  if (redis.status === 'ready') return
  let timer: NodeJS.Timeout | undefined
  let onEnd: (() => void) | undefined
  await new Promise<void>((resolve) => {
    onEnd = resolve
    redis.once('end', onEnd)
    timer = setTimeout(resolve, waitMs)
  })
  clearTimeout(timer)
  if (onEnd !== undefined) redis.off('end', onEnd)
}

/**
 * Closes a connection politely (QUIT) when Redis is there, or drops it. A QUIT sent while the
 * connection is reconnecting would wait in the offline queue, for ever on a worker connection
 * (maxRetriesPerRequest: null): so only a ready connection is asked, for a bounded time; any other
 * one gives up (its queued commands fail) and is dropped.
 */
export async function closeRedis (redis: Redis, waitMs = 2000): Promise<void> {
  if (redis.status === 'end') return
  if (redis.status !== 'ready') {
    await giveUp(redis, waitMs + 1000)
    redis.disconnect()
    return
  }
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late') }, waitMs) })
  try {
    const answer = await Promise.race([redis.quit(), late])
    if (answer === 'late') redis.disconnect()
  } catch {
    redis.disconnect()
  } finally {
    clearTimeout(timer)
  }
}
