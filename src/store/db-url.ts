/**
 * Which database the record lives in, from the environment (pure: no I/O, unit-tested). db.ts
 * acts on the answer.
 *
 *   DATABASE_URL unset          the PostgreSQL answering at 127.0.0.1:5432 (database `lienthong`,
 *                               user PGUSER or postgres), else the embedded PGlite under data/pg
 *   DATABASE_URL=pglite:<dir>   the embedded PGlite in <dir> (relative to the project root);
 *                               `pglite:` alone is data/pg
 *   DATABASE_URL=postgres://…   that server, as is (postgresql:// too)
 *
 * PgBouncer in transaction mode keeps no session between transactions, so named prepared
 * statements must be off: `?pgbouncer=true` on the URL (taken off before the URL reaches the
 * driver) or DATABASE_PGBOUNCER=true. The driver's own `?prepare=false` works as well.
 * REPORTS_DATABASE_URL (optional) names a read replica for reports; unset, reports read the record.
 */
import { isAbsolute, resolve } from 'node:path'

export interface ServerTarget {
  kind: 'server'
  /** the connection URL for the driver (without the hub's own options) */
  url: string
  /** named prepared statements (off behind PgBouncer in transaction mode) */
  prepare: boolean
}

export interface EmbeddedTarget {
  kind: 'pglite'
  /** the folder of the embedded database (its data and the socket other processes connect to) */
  dir: string
}

export type DatabaseChoice =
  | ServerTarget
  | EmbeddedTarget
  /** nothing configured: try `server`, create its database when missing, else use `fallback` */
  | { kind: 'default', server: ServerTarget, database: string, fallback: EmbeddedTarget }

export interface DatabaseEnv {
  DATABASE_URL?: string | undefined
  DATABASE_PGBOUNCER?: string | undefined
  REPORTS_DATABASE_URL?: string | undefined
  PGUSER?: string | undefined
}

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError'
}

export const DEFAULT_DATABASE = 'lienthong'
export const DEFAULT_EMBEDDED_DIR = 'data/pg'

const truthy = (v: string | undefined): boolean => v !== undefined && ['1', 'true', 'yes', 'on'].includes(v.trim().toLowerCase())

/** A postgres:// URL as the driver should get it, and whether prepared statements stay on. */
export function serverTarget (raw: string, env: Pick<DatabaseEnv, 'DATABASE_PGBOUNCER'> = {}): ServerTarget {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new DatabaseUrlError('the database URL is not a URL (expected postgres://user@host:port/database or pglite:<dir>)')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new DatabaseUrlError(`the database URL's scheme ${url.protocol} is not postgres:, postgresql: or pglite:`)
  }
  const bouncer = url.searchParams.get('pgbouncer')
  url.searchParams.delete('pgbouncer')
  const prepare = !(truthy(bouncer ?? undefined) || truthy(env.DATABASE_PGBOUNCER) || url.searchParams.get('prepare') === 'false')
  return { kind: 'server', url: url.toString(), prepare }
}

/** The embedded database's folder for `pglite:<dir>`, absolute. */
function embeddedTarget (rest: string, root: string): EmbeddedTarget {
  const dir = rest.replace(/^\/\//, '')
  if (dir === 'memory' || dir.startsWith('memory:')) {
    throw new DatabaseUrlError('pglite:memory is not supported: several processes share the embedded database through its folder')
  }
  const path = dir === '' ? DEFAULT_EMBEDDED_DIR : dir
  return { kind: 'pglite', dir: isAbsolute(path) ? path : resolve(root, path) }
}

/** The record's database. `root`: the project root (relative folders are taken from it). */
export function resolveDatabase (env: DatabaseEnv, root: string): DatabaseChoice {
  const raw = env.DATABASE_URL?.trim() ?? ''
  if (raw === '') {
    const user = env.PGUSER !== undefined && env.PGUSER !== '' ? env.PGUSER : 'postgres'
    return {
      kind: 'default',
      server: serverTarget(`postgres://${encodeURIComponent(user)}@127.0.0.1:5432/${DEFAULT_DATABASE}`, env),
      database: DEFAULT_DATABASE,
      fallback: embeddedTarget('', root)
    }
  }
  if (raw.startsWith('pglite:')) return embeddedTarget(raw.slice('pglite:'.length), root)
  return serverTarget(raw, env)
}

/** The read replica for reports, when REPORTS_DATABASE_URL names one (a server: PGlite has no replicas). */
export function resolveReportsDatabase (env: DatabaseEnv): ServerTarget | undefined {
  const raw = env.REPORTS_DATABASE_URL?.trim() ?? ''
  if (raw === '') return undefined
  if (raw.startsWith('pglite:')) throw new DatabaseUrlError('REPORTS_DATABASE_URL must name a PostgreSQL server (a read replica), not pglite:')
  return serverTarget(raw, env)
}

/** The URL with its password replaced by ***, for logs. */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '(not a URL)'
  }
}
