/**
 * Redis watched by Sentinel: REDIS_URL=redis+sentinel://host:port/<master name> finds the master
 * through a real redis-sentinel (Debian's redis-server in sentinel mode, started here on free
 * ports, nothing on disk) and the hub receives a dossier through it.
 */
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { build, example, freePort, post, testSettings, waitFor, asAdmin } from '../helper.ts'
import { createRedis, parseSentinelUrl } from '../../src/redis/connection.ts'
import { loadEnv } from '../../src/config/env.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'
import { Keys } from '../../src/store/keys.ts'

t.test('redis+sentinel:// URLs: sentinels, master name, password, db', async (t) => {
  t.same(parseSentinelUrl('redis+sentinel://10.0.0.1:26379,10.0.0.2:26380/hub-master'), { sentinels: [{ host: '10.0.0.1', port: 26379 }, { host: '10.0.0.2', port: 26380 }], name: 'hub-master' })
  t.same(parseSentinelUrl('redis+sentinel://:s%40cret@sentinel-a,sentinel-b:5000/mymaster/2'), { sentinels: [{ host: 'sentinel-a', port: 26379 }, { host: 'sentinel-b', port: 5000 }], name: 'mymaster', password: 's@cret', db: 2 })
  t.equal(parseSentinelUrl('redis://127.0.0.1:6379'), undefined, 'a plain URL is not a sentinel URL')
  t.equal(parseSentinelUrl('redis+sentinel://127.0.0.1:26379'), undefined, 'the master name is needed')
  t.equal(loadEnv({ REDIS_URL: 'redis+sentinel://s1:26379/mymaster' }).REDIS_URL, 'redis+sentinel://s1:26379/mymaster', 'the environment accepts it')
})

const spawnRedis = (args: string[]): ChildProcess => spawn('redis-server', args, { stdio: 'ignore' })

t.test('the hub works through Sentinel', async (t) => {
  const dir = t.testdir()
  const masterPort = await freePort()
  const sentinelPort = await freePort()
  const master = spawnRedis(['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'])
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(conf, [
    `port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor hubmaster 127.0.0.1 ${masterPort} 1`,
    'sentinel down-after-milliseconds hubmaster 5000'
  ].join('\n') + '\n')
  const sentinel = spawnRedis([conf, '--sentinel'])
  t.teardown(() => { master.kill('SIGKILL'); sentinel.kill('SIGKILL') })
  await waitFor(async () => {
    const probe = new Redis(sentinelPort, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => {})
    try {
      await probe.connect()
      const addr = await probe.call('SENTINEL', 'get-master-addr-by-name', 'hubmaster') as string[] | null
      return addr !== null && addr[1] === String(masterPort) ? true : undefined
    } catch { return undefined } finally { probe.disconnect() }
  }, 'the sentinel to watch the master', 15_000)

  const url = `redis+sentinel://127.0.0.1:${sentinelPort}/hubmaster`
  const direct = createRedis(url, 'commands', 'sentinel-test')
  t.teardown(() => { direct.disconnect() })
  await direct.set('probe', 'through-sentinel')
  const plain = new Redis(masterPort, '127.0.0.1')
  t.teardown(() => { plain.disconnect() })
  t.equal(await plain.get('probe'), 'through-sentinel', 'the connection found the master')

  const hub = await build(t, { redisUrl: url, settings: testSettings({ agencyUrl: 'http://127.0.0.1:9' }), role: 'api' })
  const res = await post(asAdmin(hub), example('electricity-new-connection'))
  t.equal(res.statusCode, 201)
  const { code } = res.json<DossierSummary>()
  t.ok(code.length > 0, 'a dossier was stored')
  t.ok((await plain.keys(`${new Keys(hub.prefix).queuePrefix}:*`)).length > 0, 'its delivery job is on the master the sentinel named')
})
