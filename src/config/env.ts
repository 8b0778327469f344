/**
 * Environment variables, validated at start-up against schemas/env.schema.json. Every wrong value
 * yields one message naming the variable and what is expected; all of them are reported at once.
 */
import { createAjv } from '../validation/ajv.ts'
import { envSchema } from '../schemas.ts'
import type { Env } from '../types/schemas.generated.ts'
import { ConfigError } from './errors.ts'

type Defaulted = 'PORT' | 'HOST' | 'REDIS_PREFIX' | 'REDIS_DATA_DIR' | 'LOG_LEVEL' | 'HUB_CONFIG' | 'HUB_ROLE' | 'BODY_LIMIT' | 'INLINE_ATTACHMENT_LIMIT' | 'SHUTDOWN_TIMEOUT_MS' | 'SHUTDOWN_DRAIN_MS' | 'RECONCILE_INTERVAL_MS' |
  'RATE_LIMIT_MAX' | 'RATE_LIMIT_WINDOW_MS' | 'TRUST_PROXY' | 'REQUEST_TIMEOUT_MS' | 'WORKER_LOCK_MS'
export type HubEnv = Env & Required<Pick<Env, Defaulted>>

const properties = envSchema.properties as Record<string, { description: string }>
const validate = createAjv({ coerceTypes: true, useDefaults: true, verbose: false }, []).compile<Env>(envSchema)
/** Values not repeated in messages: they may hold credentials. */
const secret = new Set(['REDIS_URL', 'DATABASE_URL', 'REPORTS_DATABASE_URL'])

export function loadEnv (source: Record<string, string | undefined>): HubEnv {
  const picked: Record<string, unknown> = {}
  for (const name of Object.keys(properties)) {
    const value = source[name]
    if (value !== undefined && value.trim() !== '') picked[name] = value.trim()
  }
  if (validate(picked)) return picked as unknown as HubEnv
  const problems = new Map<string, string>()
  for (const e of validate.errors ?? []) {
    const name = e.instancePath.replace(/^\//, '')
    if (name === '' || problems.has(name)) continue
    const given = secret.has(name) ? '' : ` (got ${JSON.stringify(String(source[name]).trim().slice(0, 60))})`
    problems.set(name, `${name}: expected ${properties[name]?.description ?? 'a valid value'}${given}`)
  }
  throw new ConfigError([...problems.values()])
}

/** TRUST_PROXY as Fastify's trustProxy. */
export function trustProxyOf (value: string): boolean | string[] {
  if (value === 'true') return true
  if (value === 'false') return false
  return value.split(',').map((a) => a.trim()).filter((a) => a !== '')
}
