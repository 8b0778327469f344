import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createServer, type AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { LocalRedisError, redisAnswers, startLocalRedis } from '../../src/redis/local-redis.ts'
import { createLogger } from '../../src/logger.ts'
import { freePort } from '../helper.ts'

const redisServerMissing = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error !== undefined
const silent = createLogger('silent')

/** CONFIG GET name → its value. */
async function configGet (redis: Redis, name: string): Promise<string | undefined> {
  const reply = await redis.config('GET', name) as string[]
  return reply[1]
}

t.test('redisAnswers: true where a Redis runs, false where nothing listens', async (t) => {
  t.equal(await redisAnswers('127.0.0.1', 6379), true, 'the Redis at 127.0.0.1:6379 answers PING')
  const port = await freePort()
  t.equal(await redisAnswers('127.0.0.1', port), false, `nothing answers at the free port ${port}`)
})

t.test('redisAnswers: false for a server that is not Redis', async (t) => {
  const server = createServer((socket) => {
    socket.on('error', () => { /* the client hangs up as soon as it has read the answer */ })
    socket.resume()
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise<void>((resolve) => server.close(() => { resolve() })) })
  const port = (server.address() as AddressInfo).port
  t.equal(await redisAnswers('127.0.0.1', port), false, 'an answer that is not +PONG does not count')
})

t.test('startLocalRedis: a real redis-server with append-only persistence in the data dir', { skip: redisServerMissing ? 'redis-server is not on PATH (install Redis to run this test)' : false }, async (t) => {
  const port = await freePort()
  const dataDir = t.testdir()
  const local = await startLocalRedis({ port, dataDir, log: silent })
  t.teardown(async () => { await local.stop() })
  t.equal(local.url, `redis://127.0.0.1:${port}`)
  t.type(local.child.pid, 'number', 'a child process was started')

  const key = `local-redis-test-${randomBytes(4).toString('hex')}`
  const value = 'hồ sơ đã tiếp nhận'
  const redis = new Redis(local.url, { maxRetriesPerRequest: 1 })
  try {
    t.equal(await configGet(redis, 'appendonly'), 'yes', 'append-only persistence is on')
    t.equal(await configGet(redis, 'maxmemory-policy'), 'noeviction', 'keys are never evicted')
    t.equal(await configGet(redis, 'dir'), realpathSync(dataDir), 'files go to the data dir')
    t.equal(await redis.set(key, value), 'OK')
  } finally {
    await redis.quit()
  }

  await local.stop()
  t.ok(local.child.exitCode !== null || local.child.signalCode !== null, 'the redis-server process has exited')
  t.equal(await redisAnswers('127.0.0.1', port), false, 'the port no longer answers after stop()')

  const aofDir = join(dataDir, 'appendonlydir')
  t.ok(existsSync(aofDir) && statSync(aofDir).isDirectory(), 'Redis 7 wrote its appendonlydir in the data dir')
  const files = existsSync(aofDir) ? readdirSync(aofDir) : []
  t.ok(files.some((f) => f.endsWith('.manifest')), `an AOF manifest is there (${files.join(', ')})`)
  const incremental = files.filter((f) => f.endsWith('.incr.aof')).map((f) => readFileSync(join(aofDir, f), 'utf8')).join('')
  t.ok(incremental.includes(key), 'the key written is in the append-only file')

  // started again on the same data dir, the key is still there
  const again = await startLocalRedis({ port, dataDir, log: silent })
  t.teardown(async () => { await again.stop() })
  const reader = new Redis(again.url, { maxRetriesPerRequest: 1 })
  try {
    t.equal(await reader.get(key), value, 'the key survives a restart')
  } finally {
    await reader.quit()
  }
  await again.stop()
  t.equal(await redisAnswers('127.0.0.1', port), false, 'stopped again')
})

t.test('startLocalRedis: without redis-server, a LocalRedisError tells how to get Redis', async (t) => {
  const port = await freePort()
  const command = 'redis-server-that-does-not-exist'
  const err = await startLocalRedis({ port, dataDir: t.testdir(), log: silent, command }).then(
    async (local) => { await local.stop(); return undefined },
    (e: unknown) => e
  )
  t.type(err, LocalRedisError, 'rejects with a LocalRedisError')
  const message = err instanceof Error ? err.message : ''
  t.match(message, /REDIS_URL/, 'mentions REDIS_URL')
  t.match(message, /apt-get|brew/, 'says how to install Redis')
  t.ok(message.includes(command), 'names the missing command')
  t.ok(message.includes(String(port)), 'names the port')
  t.equal(await redisAnswers('127.0.0.1', port), false, 'nothing was left listening')
})
