/**
 * For a newcomer's machine: when REDIS_URL is unset, use the Redis at 127.0.0.1:6379 if one
 * answers; otherwise start a `redis-server` child with append-only persistence under
 * REDIS_DATA_DIR, so accepted dossiers survive restarts. Production sets REDIS_URL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createConnection } from 'node:net'
import { resolve } from 'node:path'
import type { Logger } from 'pino'

export class LocalRedisError extends Error {
  override name = 'LocalRedisError'
}

/** Sends one inline command; resolves with the raw reply once `complete(reply)` says it is whole, or undefined. */
async function ask (host: string, port: number, command: string, complete: (reply: string) => boolean, timeoutMs: number): Promise<string | undefined> {
  return await new Promise((resolve) => {
    const socket = createConnection({ host, port })
    let reply = ''
    const finish = (value: string | undefined): void => {
      socket.destroy()
      resolve(value)
    }
    socket.setTimeout(timeoutMs, () => { finish(undefined) })
    socket.on('error', () => { finish(undefined) })
    socket.on('connect', () => { socket.write(`${command}\r\n`) })
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1')
      if (complete(reply)) finish(reply)
    })
  })
}

/** True when something at host:port answers a Redis PING (including "auth required"). */
export async function redisAnswers (host: string, port: number, timeoutMs = 500): Promise<boolean> {
  const reply = await ask(host, port, 'PING', (r) => r.includes('\r\n'), timeoutMs)
  return reply !== undefined && (reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'))
}

/** The process id of the Redis answering at 127.0.0.1:port, from INFO server. */
async function redisProcessId (port: number): Promise<number | undefined> {
  const reply = await ask('127.0.0.1', port, 'INFO server', (r) => /process_id:\d+\r\n/.test(r) || r.startsWith('-'), 1000)
  const m = reply === undefined ? null : /process_id:(\d+)/.exec(reply)
  return m === null ? undefined : Number(m[1])
}

export interface LocalRedis {
  url: string
  child: ChildProcess
  stop(): Promise<void>
}

export async function startLocalRedis (options: { port: number, dataDir: string, log: Logger, command?: string, startTimeoutMs?: number }): Promise<LocalRedis> {
  const { port, log } = options
  const command = options.command ?? 'redis-server'
  const dataDir = resolve(options.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const args = [
    '--port', String(port), '--bind', '127.0.0.1',
    '--dir', dataDir,
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no'
  ]
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-4000) })
  child.stderr?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-4000) })

  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null, error?: Error }>((resolve) => {
    child.once('error', (error) => { resolve({ code: null, signal: null, error }) })
    child.once('exit', (code, signal) => { resolve({ code, signal }) })
  })
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000)
  let early: Awaited<typeof exited> | undefined
  void exited.then((e) => { early = e })
  while (Date.now() < deadline) {
    if (early !== undefined) break
    // it must be *our* redis-server answering, not another one that took the port meanwhile
    if (await redisAnswers('127.0.0.1', port, 300) && await redisProcessId(port) === child.pid) {
      log.info({ port, dataDir, pid: child.pid }, `started a local redis-server on 127.0.0.1:${port} (append-only files in ${dataDir}); set REDIS_URL to use another Redis`)
      return {
        url: `redis://127.0.0.1:${port}`,
        child,
        async stop () {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill('SIGTERM')
          await exited
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.kill('SIGKILL')
  const e = early ?? await exited
  if (e.error !== undefined && (e.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new LocalRedisError(`REDIS_URL is not set, nothing answers at 127.0.0.1:${port}, and there is no \`${command}\` on PATH to start one. Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis), or set REDIS_URL=redis://host:port to use a running Redis.`)
  }
  throw new LocalRedisError(`could not start ${command} on port ${port}: ${e.error?.message ?? `it exited (code ${String(e.code)}, signal ${String(e.signal)})`}\n${output.trim()}`)
}
