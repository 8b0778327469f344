/**
 * PostgreSQL servers of a test's own, for what the shared server at 127.0.0.1:5432 must not be put
 * through: a streaming standby, a crash, a restart. Each is a cluster made by initdb in a temporary
 * folder, on a free port, stopped and removed at the test's teardown. PostgreSQL's programs refuse
 * to run as root: as root they run as the server's own user (postgres).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { freePort } from './helper.ts'

/** The newest PostgreSQL's programs (Debian: /usr/lib/postgresql/<version>/bin), or PG_BINDIR; undefined when there are none. */
function binDir (): string | undefined {
  if (process.env.PG_BINDIR !== undefined) return process.env.PG_BINDIR
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin')
}

export const PG_BIN = binDir()

/** The reason a test of its own server is skipped, or false when it can run. */
export const clusterSkip: string | false = PG_BIN === undefined ? 'PostgreSQL\'s programs (initdb, pg_ctl, pg_basebackup) are not installed (apt-get install postgresql; .ci/run does)' : false

const AS_ROOT = process.getuid?.() === 0

function run (program: string, args: string[]): void {
  const path = join(PG_BIN as string, program)
  const r = AS_ROOT ? spawnSync('runuser', ['-u', 'postgres', '--', path, ...args], { encoding: 'utf8' }) : spawnSync(path, args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${program} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`)
}

export interface Cluster {
  port: number
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url: (database: string) => string
  /** starts it (again), waiting until it takes connections */
  start: () => void
  /** stops it: 'immediate' is a crash (no shutdown checkpoint; recovery at the next start) */
  stop: (mode?: 'fast' | 'immediate') => void
  /** its postmaster's process id while it runs */
  pid: () => number | undefined
}

/** A folder the server's own user can write in, removed at teardown. */
function workDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-pg-'))
  chmodSync(dir, 0o777)
  if (AS_ROOT) execFileSync('chown', ['postgres', dir])
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

function cluster (t: Test, dir: string, data: string, port: number): Cluster {
  let running = false
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB`
  const c: Cluster = {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () => {
      run('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, `${port}.log`), '-w', 'start'])
      running = true
    },
    stop: (mode = 'fast') => {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'])
      running = false
    },
    pid: () => {
      const file = join(data, 'postmaster.pid')
      return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined
    }
  }
  // registered before the folder's removal runs (teardowns run last first)
  t.teardown(() => { if (running) c.stop('immediate') })
  return c
}

/** A server of the test's own, started, its user postgres trusted on 127.0.0.1. */
export async function ownServer (t: Test): Promise<Cluster> {
  const dir = workDir(t)
  const data = join(dir, 'primary')
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const primary = cluster(t, dir, data, await freePort())
  primary.start()
  return primary
}

/** A server of the test's own and a streaming standby of it (pg_basebackup -R), both started. */
export async function primaryAndStandby (t: Test): Promise<{ primary: Cluster, standby: Cluster }> {
  const primary = await ownServer(t)
  const dir = workDir(t)
  const data = join(dir, 'standby')
  run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--no-sync'])
  const standby = cluster(t, dir, data, await freePort())
  standby.start()
  return { primary, standby }
}
