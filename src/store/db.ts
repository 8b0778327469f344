/**
 * Opens the record's database (PostgreSQL through the `postgres` driver) as db-url.ts resolves it,
 * and says in the log which one it is. With DATABASE_URL unset: the server at 127.0.0.1:5432, whose
 * database `lienthong` is created when missing; when no server answers there (or it refuses us),
 * the embedded PGlite under data/pg, shared by every process of the machine (pglite-host.ts).
 *
 * Pooling: each process keeps its own small pool (DATABASE_POOL_MAX, default 10). Behind PgBouncer
 * in transaction mode the pool works as long as prepared statements are off (`?pgbouncer=true` or
 * DATABASE_PGBOUNCER=true; see db-url.ts) and nothing relies on session state: the migrator uses
 * a transaction-scoped advisory lock for that reason.
 *
 * `reports` is the connection for reports: the read replica of REPORTS_DATABASE_URL when set, else
 * the record itself. The statistics (stats-queries.ts) and the dossier gauges (dossier-gauges.ts) read it.
 */
import postgres, { type Sql } from 'postgres'
import { projectRoot } from '../paths.ts'
import { resolveDatabase, resolveReportsDatabase, redactUrl, type DatabaseEnv, type ServerTarget, type EmbeddedTarget } from './db-url.ts'
import { EmbeddedDatabase } from './pglite-host.ts'

export interface DatabaseLog {
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
}

export interface Database {
  sql: Sql
  /** the read replica for reports, or `sql` */
  reports: Sql
  kind: 'server' | 'pglite'
  /** where the record is (a URL without its password, or the embedded database's folder) */
  where: string
  close: () => Promise<void>
}

export interface OpenOptions {
  env?: DatabaseEnv & { DATABASE_POOL_MAX?: string }
  /** the project root (relative folders are taken from it) */
  root?: string
  log?: DatabaseLog
  /** connections in this process's pool */
  max?: number
}

const silent: DatabaseLog = { info: () => {}, warn: () => {} }

/** Notices (e.g. "relation already exists, skipping") are not worth a log line. */
const quiet = { onnotice: () => {} }

function serverPool (target: ServerTarget, max: number): Sql {
  return postgres(target.url, { max, prepare: target.prepare, connection: { application_name: 'lienthong-hub' }, ...quiet })
}

/** Connects once to the server and asks it one thing; the error when it cannot. */
async function probe (url: string, query: (sql: Sql) => Promise<unknown>): Promise<unknown> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, idle_timeout: 1, ...quiet })
  try {
    await query(sql)
    return undefined
  } catch (err) {
    return err
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/** Host and database for a log line (a whole URL reads like an e-mail address to the log's scrubber). */
function serverFields (url: string): { host: string, database: string } {
  const u = new URL(url)
  return { host: u.port === '' ? u.hostname : `${u.hostname}:${u.port}`, database: decodeURIComponent(u.pathname.slice(1)) }
}

const codeOf = (err: unknown): string | undefined => (err as { code?: string } | undefined)?.code

/**
 * Whether the default server answers, creating its database when it is missing. Returns the reason
 * it cannot be used, or undefined.
 */
export async function defaultServerProblem (server: ServerTarget, database: string): Promise<string | undefined> {
  const err = await probe(server.url, async (sql) => await sql`select 1`)
  if (err === undefined) return undefined
  if (codeOf(err) !== '3D000') return `${codeOf(err) ?? ''} ${(err as Error).message}`.trim()
  // invalid_catalog_name: the server answers but has no `lienthong` yet
  const admin = new URL(server.url)
  admin.pathname = '/postgres'
  const created = await probe(admin.toString(), async (sql) => await sql.unsafe(`create database "${database}"`))
  // duplicate_database: another process created it first
  if (created !== undefined && codeOf(created) !== '42P04') return `cannot create database ${database}: ${(created as Error).message}`
  return undefined
}

function openEmbedded (target: EmbeddedTarget, max: number, log: DatabaseLog): { sql: Sql, close: () => Promise<void> } {
  const embedded = new EmbeddedDatabase(target.dir, {
    onServe: (dir) => { log.info({ dir }, 'record: this process serves the embedded PGlite database to the others') },
    onError: (err) => { log.warn({ err }, 'record: a statement failed in the embedded database\'s server; its connection was closed') },
    onCompromised: (err) => { log.warn({ err }, 'record: the embedded database\'s serve lock could not be refreshed') }
  })
  // one backend behind the socket: named prepared statements of two connections would collide.
  // `socket` (a function returning a connected socket) is in the driver's README but not its types.
  const options = { socket: async () => await embedded.socket(), user: 'postgres', database: 'postgres', max, prepare: false, ...quiet }
  const sql = postgres(options as postgres.Options<Record<string, postgres.PostgresType>>)
  return {
    sql,
    close: async () => {
      await sql.end({ timeout: 5 })
      await embedded.close()
    }
  }
}

export async function openDatabase (options: OpenOptions = {}): Promise<Database> {
  const env = options.env ?? process.env
  const log = options.log ?? silent
  const max = options.max ?? (Number(env.DATABASE_POOL_MAX ?? '') || 10)
  const choice = resolveDatabase(env, options.root ?? projectRoot)
  const replica = resolveReportsDatabase(env)

  let target: ServerTarget | EmbeddedTarget
  if (choice.kind === 'default') {
    const why = await defaultServerProblem(choice.server, choice.database)
    if (why === undefined) {
      target = choice.server
    } else {
      log.warn({ reason: why }, 'record: no usable PostgreSQL at 127.0.0.1:5432 (DATABASE_URL unset); using the embedded PGlite database')
      target = choice.fallback
    }
  } else {
    target = choice
  }

  let sql: Sql
  let closeMain: () => Promise<void>
  let where: string
  if (target.kind === 'server') {
    sql = serverPool(target, max)
    closeMain = async () => { await sql.end({ timeout: 5 }) }
    where = redactUrl(target.url)
    log.info({ ...serverFields(target.url), prepare: target.prepare }, 'record: PostgreSQL server')
  } else {
    const embedded = openEmbedded(target, Math.min(max, 4), log)
    sql = embedded.sql
    closeMain = embedded.close
    where = target.dir
    log.info({ dir: where }, 'record: embedded PGlite database')
  }

  const reports = replica === undefined ? sql : serverPool(replica, max)
  if (replica !== undefined) log.info(serverFields(replica.url), 'record: reports read from a replica')
  return {
    sql,
    reports,
    kind: target.kind,
    where,
    close: async () => {
      if (reports !== sql) await reports.end({ timeout: 5 })
      await closeMain()
    }
  }
}
