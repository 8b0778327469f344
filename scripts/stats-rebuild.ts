/**
 * Recomputes the statistics counters (GET /v1/stats) from the stored dossiers:
 *
 *   npm run stats:rebuild            recount and replace the counters
 *   npm run stats:rebuild -- --check recount and compare, change nothing (exit 1 when they differ)
 *
 * The counters are updated with every change, in the same Redis transaction; this is for after a
 * restore, a bug fix in the counting, or a doubt. Counts of a change made while it runs may be
 * lost: run it while the hub is quiet. Uses REDIS_URL and REDIS_PREFIX as the hub does.
 */
import { parseArgs } from 'node:util'
import { createRedis } from '../src/redis/connection.ts'
import { Keys } from '../src/store/keys.ts'
import { StatsStore } from '../src/store/stats-store.ts'

const { values } = parseArgs({ args: process.argv.slice(2), options: { check: { type: 'boolean' } }, strict: true })
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const prefix = process.env.REDIS_PREFIX ?? 'hub'
const redis = createRedis(url, 'commands', 'hub-stats-cli', { lazyConnect: true, maxRetriesPerRequest: 1 })
try {
  await redis.connect()
} catch (err) {
  process.stderr.write(`stats:rebuild: cannot reach Redis at ${url} (${(err as Error).message})\n`)
  process.exit(1)
}
const keys = new Keys(prefix)
const stats = new StatsStore(redis, keys)
try {
  if (values.check === true) {
    const diff = await stats.compare()
    for (const d of diff.slice(0, 50)) process.stdout.write(`${d.day} ${d.field}: counter ${d.counter}, recount ${d.recount}\n`)
    process.stdout.write(diff.length === 0 ? 'the counters agree with a recount of the dossiers\n' : `${diff.length} counters differ from a recount; run without --check to replace them\n`)
    process.exitCode = diff.length === 0 ? 0 : 1
  } else {
    const r = await stats.rebuild()
    process.stdout.write(`recounted ${r.dossiers} dossiers into ${r.days} days of counters\n`)
  }
} finally {
  await redis.quit()
}
