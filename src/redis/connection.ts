/**
 * Redis connections. Two kinds:
 * - `commands`: store and queue producers; a command fails after a couple of reconnection
 *   attempts instead of hanging, so an HTTP request answers 503 rather than waiting forever;
 * - `workers`: BullMQ workers, which need maxRetriesPerRequest: null (they block and must outlive
 *   Redis restarts).
 */
import { Redis } from 'ioredis'

export function createRedis (url: string, kind: 'commands' | 'workers', name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: kind === 'workers' ? null : 2,
    enableReadyCheck: true
  })
}

/** Closes a connection politely (QUIT), or drops it when Redis is gone. */
export async function closeRedis (redis: Redis): Promise<void> {
  if (redis.status === 'end') return
  try {
    await redis.quit()
  } catch {
    redis.disconnect()
  }
}
