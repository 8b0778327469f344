/**
 * Which database the record uses (src/store/db-url.ts), as pure rules: DATABASE_URL unset (the
 * local server, else the embedded PGlite under data/pg), pglite:<dir>, postgres:// URLs as they
 * are, PgBouncer's transaction mode (prepared statements off), REPORTS_DATABASE_URL, and refusals.
 */
import t from 'tap'
import { resolveDatabase, resolveReportsDatabase, redactUrl, DatabaseUrlError } from '../../src/store/db-url.ts'

const ROOT = '/srv/hub'

t.test('DATABASE_URL unset: the server at 127.0.0.1:5432, database lienthong, else PGlite under data/pg', async (t) => {
  const choice = resolveDatabase({}, ROOT)
  t.same(choice, {
    kind: 'default',
    server: { kind: 'server', url: 'postgres://postgres@127.0.0.1:5432/lienthong', prepare: true },
    database: 'lienthong',
    fallback: { kind: 'pglite', dir: '/srv/hub/data/pg' }
  })
  t.same(resolveDatabase({ DATABASE_URL: '  ' }, ROOT), choice, 'blank is unset')
  const asUser = resolveDatabase({ PGUSER: 'hub' }, ROOT)
  t.equal(asUser.kind === 'default' && asUser.server.url, 'postgres://hub@127.0.0.1:5432/lienthong', 'PGUSER names the user')
  const bounced = resolveDatabase({ DATABASE_PGBOUNCER: 'true' }, ROOT)
  t.equal(bounced.kind === 'default' && bounced.server.prepare, false)
})

t.test('pglite:<dir> asks for the embedded database, relative to the project root', async (t) => {
  t.same(resolveDatabase({ DATABASE_URL: 'pglite:var/record' }, ROOT), { kind: 'pglite', dir: '/srv/hub/var/record' })
  t.same(resolveDatabase({ DATABASE_URL: 'pglite:/data/record' }, ROOT), { kind: 'pglite', dir: '/data/record' })
  t.same(resolveDatabase({ DATABASE_URL: 'pglite:///data/record' }, ROOT), { kind: 'pglite', dir: '/data/record' }, 'pglite:// form')
  t.same(resolveDatabase({ DATABASE_URL: 'pglite:' }, ROOT), { kind: 'pglite', dir: '/srv/hub/data/pg' })
  t.throws(() => resolveDatabase({ DATABASE_URL: 'pglite:memory' }, ROOT), DatabaseUrlError, 'an in-memory database cannot be shared by processes')
})

t.test('a postgres:// URL is used as it is', async (t) => {
  const url = 'postgres://hub:s3cret@db.internal:6432/record?sslmode=require'
  t.same(resolveDatabase({ DATABASE_URL: url }, ROOT), { kind: 'server', url, prepare: true })
  const alias = 'postgresql://hub@db.internal/record'
  t.same(resolveDatabase({ DATABASE_URL: alias }, ROOT), { kind: 'server', url: alias, prepare: true })
})

t.test('behind PgBouncer (transaction mode) prepared statements are off', async (t) => {
  t.same(resolveDatabase({ DATABASE_URL: 'postgres://hub@bouncer:6432/record?pgbouncer=true' }, ROOT),
    { kind: 'server', url: 'postgres://hub@bouncer:6432/record', prepare: false }, '?pgbouncer=true, taken off the URL')
  t.same(resolveDatabase({ DATABASE_URL: 'postgres://hub@bouncer:6432/record?pgbouncer=1&sslmode=require' }, ROOT),
    { kind: 'server', url: 'postgres://hub@bouncer:6432/record?sslmode=require', prepare: false }, 'other parameters stay')
  t.same(resolveDatabase({ DATABASE_URL: 'postgres://hub@bouncer:6432/record', DATABASE_PGBOUNCER: 'yes' }, ROOT),
    { kind: 'server', url: 'postgres://hub@bouncer:6432/record', prepare: false }, 'DATABASE_PGBOUNCER')
  t.same(resolveDatabase({ DATABASE_URL: 'postgres://hub@bouncer:6432/record?prepare=false' }, ROOT),
    { kind: 'server', url: 'postgres://hub@bouncer:6432/record?prepare=false', prepare: false }, "the driver's own ?prepare=false")
  t.same(resolveDatabase({ DATABASE_URL: 'postgres://hub@db/record?pgbouncer=false' }, ROOT),
    { kind: 'server', url: 'postgres://hub@db/record', prepare: true })
})

t.test('other schemes and non-URLs are refused with a message that says what is expected', async (t) => {
  t.throws(() => resolveDatabase({ DATABASE_URL: 'mysql://db/record' }, ROOT), { name: 'DatabaseUrlError', message: /mysql: is not postgres:, postgresql: or pglite:/ })
  t.throws(() => resolveDatabase({ DATABASE_URL: 'record' }, ROOT), { name: 'DatabaseUrlError', message: /not a URL/ })
})

t.test('REPORTS_DATABASE_URL names a read replica; unset, reports read the record', async (t) => {
  t.equal(resolveReportsDatabase({}), undefined)
  t.equal(resolveReportsDatabase({ REPORTS_DATABASE_URL: '' }), undefined)
  t.same(resolveReportsDatabase({ REPORTS_DATABASE_URL: 'postgres://reader@replica:5432/lienthong?pgbouncer=true' }),
    { kind: 'server', url: 'postgres://reader@replica:5432/lienthong', prepare: false })
  t.throws(() => resolveReportsDatabase({ REPORTS_DATABASE_URL: 'pglite:data/pg' }), DatabaseUrlError)
})

t.test('URLs in logs carry no password', async (t) => {
  t.equal(redactUrl('postgres://hub:s3cret@db:5432/record'), 'postgres://hub:***@db:5432/record')
  t.equal(redactUrl('postgres://hub@db:5432/record'), 'postgres://hub@db:5432/record')
})
