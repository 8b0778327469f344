/**
 * Hardening: security headers on every answer, rate limiting per client with counters in Redis
 * (shared by every API process), trustProxy for deployment behind a reverse proxy.
 */
import t from 'tap'
import { bearer, build } from './helper.ts'
import type { Problem } from '../src/types/schemas.generated.ts'

t.test('security headers on API answers, errors and the docs', async (t) => {
  const hub = await build(t, { role: 'api' })
  for (const url of ['/v1/dossiers', '/v1/dossiers/000.00.06.H56-261123-0001', '/docs/json']) {
    const res = await hub.app.inject({ url })
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`)
    t.ok(res.headers['strict-transport-security'], `${url}: HSTS`)
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${url}: no framing by other sites`)
    t.match(res.headers['content-security-policy'], /default-src 'self'/, `${url}: a content security policy`)
    t.notOk(res.headers['x-powered-by'], `${url}: no X-Powered-By`)
  }
})

t.test('rate limit per client: 429 problem+json with Retry-After; other clients unaffected; shared through Redis', async (t) => {
  const limit = { max: 3, timeWindowMs: 60_000 }
  const hub = await build(t, { role: 'api', rateLimit: limit })
  const portal = bearer(hub.keys.portal)
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await hub.app.inject({ url: '/v1/dossiers', headers: portal })).statusCode)
  t.same(statuses, [200, 200, 200, 429], 'three allowed, the fourth refused')
  const refused = await hub.app.inject({ url: '/v1/dossiers', headers: portal })
  t.equal(refused.statusCode, 429)
  t.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
  const p = refused.json<Problem>()
  t.equal(p.code, 'HUB_ERR_RATE_LIMITED')
  t.match(p.detail, /3 per window/)
  t.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After says when')
  t.equal((await hub.app.inject({ url: '/v1/dossiers', headers: bearer(hub.keys.auditor) })).statusCode, 200, 'another client is not affected')

  // a second API process on the same Redis shares the counters
  const second = await build(t, { role: 'api', rateLimit: limit, prefix: hub.prefix })
  t.equal((await second.app.inject({ url: '/v1/dossiers', headers: bearer(second.keys.portal) })).statusCode, 429, 'another API process knows the client has used its allowance (even with a renewed key: same client)')
  const counted = await second.redis.keys(`${hub.prefix}:rl:*`)
  t.ok(counted.length >= 2, 'the counters live in Redis under the hub\'s prefix')
})

t.test('trustProxy: behind a trusted proxy the client address comes from X-Forwarded-For', async (t) => {
  const limit = { max: 1, timeWindowMs: 60_000 }
  const direct = await build(t, { role: 'api', rateLimit: limit })
  const a = await direct.app.inject({ url: '/docs/json', headers: { 'x-forwarded-for': '203.0.113.1' } })
  const b = await direct.app.inject({ url: '/docs/json', headers: { 'x-forwarded-for': '203.0.113.2' } })
  t.same([a.statusCode, b.statusCode], [200, 429], 'not trusted: the header is ignored, one address, one allowance')

  const proxied = await build(t, { role: 'api', rateLimit: limit, trustProxy: true })
  const c = await proxied.app.inject({ url: '/docs/json', headers: { 'x-forwarded-for': '203.0.113.1' } })
  const d = await proxied.app.inject({ url: '/docs/json', headers: { 'x-forwarded-for': '203.0.113.2' } })
  t.same([c.statusCode, d.statusCode], [200, 200], 'trusted: two client addresses, two allowances')
})
