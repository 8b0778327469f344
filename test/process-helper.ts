/**
 * The hub as real processes, for test/process/process.test.ts and test/process/process-faults.test.ts: starting
 * `src/server.ts` (or a script) with the test file's database and its own Redis prefix, a small
 * hub config, a portal key, a submission over HTTP.
 */
import type { Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { request } from 'undici'
import { example, fileDatabase, removeKeys, uniquePrefix, REDIS_URL } from './helper.ts'
import { hubDatabase } from './db-helper.ts'
import { fromRoot } from '../src/paths.ts'
import { DossierStore } from '../src/store/dossier-store.ts'
import { ClientStore } from '../src/auth/clients.ts'
import type { DossierSummary } from '../src/types/schemas.generated.ts'

export interface HubProcess {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

/** The test file's database: the hub processes' DATABASE_URL unless a test gives its own (withPrefix). */
export const fileDb = await fileDatabase()

export function startHub (t: Test, env: Record<string, string>, args: string[] = [], script = 'src/server.ts'): HubProcess {
  const child = spawn(process.execPath, ['--import=tsx', script, ...args], {
    cwd: fromRoot(),
    env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: fileDb.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout?.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr?.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code) }))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, output: () => out, exited }
}

export function writeConfig (t: Test, agencyUrl: string): string {
  const file = join(t.testdir(), 'hub.json')
  const retry = { attempts: 3, baseDelayMs: 50, maxDelayMs: 1000 }
  writeFileSync(file, JSON.stringify({
    agencies: {
      evn: { name: 'EVN', adapter: 'electricity', endpoint: `${agencyUrl}/evn`, retry },
      justice: { name: 'Sở Tư pháp', adapter: 'generic', endpoint: `${agencyUrl}/justice`, retry }
    },
    procedures: {
      '1.001193.000.00.00.H56': { name: 'Đăng ký khai sinh', dataSchema: 'birth-registration', agencies: ['justice'] },
      '9.000001.000.00.00.H56': { name: 'Cấp điện mới', dataSchema: 'electricity-new-connection', agencies: ['evn'] }
    }
  }))
  return file
}

/** A Redis prefix and a record (a schema of the file's database) of its own: `databaseUrl` for the processes. */
export async function withPrefix (t: Test): Promise<{ prefix: string, databaseUrl: string, redis: Redis, store: DossierStore, clients: ClientStore }> {
  const prefix = uniquePrefix()
  const redis = new Redis(REDIS_URL)
  const record = await hubDatabase({ reuse: false })
  t.teardown(async () => {
    await record.drop()
    await removeKeys(redis, prefix)
    await redis.quit()
  })
  return { prefix, databaseUrl: record.url, redis, store: new DossierStore(record.db.sql), clients: new ClientStore(record.db.sql, redis, prefix) }
}

/** A portal client on the prefix: its key. */
export async function portalKey (clients: ClientStore): Promise<string> {
  return (await clients.add({ id: 'portal', role: 'portal' }, { replace: true })).key
}

export async function submit (port: number, name: 'birth-registration' | 'electricity-new-connection', key: string): Promise<{ status: number, body: DossierSummary }> {
  const res = await request(`http://127.0.0.1:${port}/v1/dossiers`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(example(name))
  })
  return { status: res.statusCode, body: await res.body.json() as DossierSummary }
}
