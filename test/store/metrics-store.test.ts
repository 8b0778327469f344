/**
 * The delivery latency counters (src/store/metrics-store.ts) on the real Redis: the deliveries of
 * one turn are summed per field before they go out, and read back as if counted one by one.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { Keys } from '../../src/store/keys.ts'
import { DELIVERY_LATENCY_BUCKETS, MetricsStore } from '../../src/store/metrics-store.ts'
import { REDIS_URL, removeKeys, uniquePrefix } from '../helper.ts'

t.test('deliveries recorded in one turn and alone: the same histogram as counted one by one', async (t) => {
  const redis = new Redis(REDIS_URL)
  const prefix = uniquePrefix()
  t.teardown(async () => { await removeKeys(redis, prefix); redis.disconnect() })
  const keys = new Keys(prefix)
  const metrics = new MetricsStore(redis, keys)
  const deliveries: Array<[string, number]> = [
    ['evn', 0.01], ['evn', 0.07], ['land', 0.2], ['evn', 0.049], ['land', 7200], ['justice', 3], ['evn', 100_000], ['land', 0.2]
  ]
  await Promise.all(deliveries.map(async ([agency, seconds]) => { await metrics.recordDelivery(agency, seconds) }))
  await metrics.recordDelivery('justice', 0.5) // alone in its turn
  deliveries.push(['justice', 0.5])

  const fields = await redis.hgetall(keys.deliveryMetrics)
  t.equal(fields['evn|0'], '2', 'two evn deliveries within 50 ms, summed into one field')
  t.equal(fields['land|2'], '2')
  t.equal(fields['evn|inf'], '1', 'beyond the last bucket')

  const histograms = await metrics.deliveryLatency()
  for (const agency of ['evn', 'land', 'justice']) {
    const mine = deliveries.filter(([a]) => a === agency).map(([, s]) => s)
    const h = histograms.get(agency)
    t.equal(h?.count, mine.length, `${agency}: every delivery counted`)
    t.equal(h?.sumSeconds, mine.reduce((s, x) => s + Math.round(x * 1000), 0) / 1000, `${agency}: the sum of their times`)
    t.same(h?.cumulative, [...DELIVERY_LATENCY_BUCKETS.map((le) => mine.filter((s) => s <= le).length), mine.length], `${agency}: cumulative buckets`)
  }
})
