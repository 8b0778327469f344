/**
 * The hub as an operator starts and stops it (src/hub-process.ts), through the real commands:
 * `npm start` on a port that is taken says so in one line and exits non-zero; Ctrl-C on `npm start`
 * and on `npm run demo` closes gracefully (the hub first, then the demo's simulators), logs
 * `closed`, prints no stack trace and exits 0. Ctrl-C is sent as a terminal sends it: SIGINT to the
 * whole process group (npm, and the hub under it, which npm forwards it to as well).
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { fileDatabase, freePort, removeKeys, uniquePrefix, waitFor, REDIS_URL } from '../helper.ts'
import { fromRoot } from '../../src/paths.ts'

interface Run {
  output: () => string
  /** true once the process has exited */
  done: () => boolean
  stderr: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
  /** Ctrl-C: SIGINT to the process group */
  interrupt: () => void
}

/** `npm run <script>` in its own process group, on the test file's database and its own Redis prefix. */
async function npmRun (t: Test, script: string, env: Record<string, string>): Promise<Run> {
  const prefix = uniquePrefix()
  const redis = new Redis(REDIS_URL)
  const child = spawn('npm', ['run', script], {
    cwd: fromRoot(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      npm_config_update_notifier: 'false',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      REDIS_URL,
      REDIS_PREFIX: prefix,
      DATABASE_URL: (await fileDatabase()).url,
      SHUTDOWN_DRAIN_MS: '0',
      ...env
    }
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); out += c.toString() })
  // 'close': the pipes are shut, so the hub under npm has written its last line too
  let done = false
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => { done = true; resolve({ code, signal }) })
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try { process.kill(-(child.pid as number), 'SIGKILL') } catch { /* gone */ }
      await exited
    }
    await removeKeys(redis, prefix)
    await redis.quit()
  })
  return { output: () => out, done: () => done, stderr: () => err, exited, interrupt: () => { process.kill(-(child.pid as number), 'SIGINT') } }
}

/** Waits for the hub's "hub started" line; on a timeout, the error shows what the process printed. */
async function started (run: Run, what: string): Promise<void> {
  try {
    await waitFor(() => run.output().includes('"hub started"') || run.done(), what, 60_000)
    if (!run.output().includes('"hub started"')) throw new Error(`it exited before ${what}`)
  } catch (err) {
    throw new Error(`${(err as Error).message}; it printed:\n${run.output().slice(-3000)}`)
  }
}

const STACK_FRAME = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m

function noStackTrace (t: Test, output: string): void {
  t.notMatch(output, STACK_FRAME, 'no stack trace')
  t.notMatch(output, /"stack"/, 'no logged stack')
}

t.test('npm start on a port that is taken: one line naming the port and PORT, exit non-zero, no stack trace', async (t) => {
  const holder = createServer()
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise((resolve) => holder.close(resolve)) })
  const port = (holder.address() as AddressInfo).port

  const run = await npmRun(t, 'start', { PORT: String(port) })
  const { code } = await run.exited
  t.not(code, 0, `exits non-zero (${String(code)})`)
  const lines = run.stderr().split('\n').filter((l) => l.trim() !== '')
  t.equal(lines.length, 1, `one line on stderr: ${JSON.stringify(lines)}`)
  t.match(lines[0], new RegExp(`port ${port} is already in use`), 'names the port')
  t.match(lines[0], /PORT=\d+/, 'says how to choose another (PORT)')
  noStackTrace(t, run.output())
})

t.test('Ctrl-C on npm start: graceful close, `closed`, exit 0, no stack trace', async (t) => {
  const run = await npmRun(t, 'start', { PORT: String(await freePort()) })
  await started(run, 'the hub to start')
  run.interrupt()
  const { code, signal } = await run.exited
  t.same({ code, signal }, { code: 0, signal: null }, 'npm exits 0')
  t.match(run.output(), /"signal":"SIGINT".*"closing gracefully/, 'closes on SIGINT')
  t.match(run.output(), /"msg":"closed"/, 'to the end')
  t.notMatch(run.output(), /second SIGINT/, 'one Ctrl-C is one stop, though it reaches the hub twice')
  noStackTrace(t, run.output())
})

t.test('Ctrl-C on npm run demo: the hub closes, then the simulators, `closed`, exit 0, no stack trace', async (t) => {
  // the shipped config with every local endpoint moved to a free port (the simulators listen there)
  // (in one pass: replacing one address at a time could also hit the start of a free port put in
  // before, e.g. 127.0.0.1:4110 in 127.0.0.1:41105)
  const shipped = readFileSync(fromRoot('config', 'hub.json'), 'utf8')
  const moved = new Map<string, string>()
  for (const taken of new Set(shipped.match(/127\.0\.0\.1:\d+/g) ?? [])) moved.set(taken, `127.0.0.1:${await freePort()}`)
  const config = shipped.replace(/127\.0\.0\.1:\d+/g, (taken) => moved.get(taken) ?? taken)
  const dir = t.testdir()
  const file = join(dir, 'hub.json')
  writeFileSync(file, config)
  const run = await npmRun(t, 'demo', { PORT: String(await freePort()), HUB_CONFIG: file, HUB_DEV_CLIENTS: join(dir, 'dev-clients.json') })
  await started(run, 'the demo to start')
  t.match(run.output(), /\[agencies\] evn simulated at/, 'the simulators run')
  run.interrupt()
  const { code, signal } = await run.exited
  t.same({ code, signal }, { code: 0, signal: null }, 'npm exits 0')
  const out = run.output()
  const closing = out.indexOf('closing gracefully')
  const stopped = out.indexOf('[agencies] simulators stopped')
  const closed = out.indexOf('"msg":"closed"')
  t.ok(closing >= 0 && stopped > closing && closed > stopped, 'in this order: the hub closes, the simulators stop, `closed`')
  noStackTrace(t, out)
})
