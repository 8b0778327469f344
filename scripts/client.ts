/**
 * Clients of the hub and their API keys (src/auth/clients.ts), against the hub's Redis:
 *
 *   npm run client:add -- --id dvc-portal --role portal [--name "Cổng DVC tỉnh"]
 *   npm run client:add -- --id vbdlis --role agency --agency land-office
 *   npm run client:add -- --id ops --role admin --replace      (a new key for an existing client)
 *   npm run client:list
 *   npm run client:remove -- --id vbdlis
 *
 * `add` prints the key once: only its hash is stored. Clients live in the record: the database is
 * chosen as the hub chooses it (DATABASE_URL; unset: PostgreSQL at 127.0.0.1:5432, else the
 * embedded PGlite under data/pg; src/store/db-url.ts), and the command says which it used. The
 * change is announced to running hubs on REDIS_URL (default redis://127.0.0.1:6379) under
 * REDIS_PREFIX (default hub); with Redis away they see it within their cache time (5 s). An agency
 * must be in HUB_CONFIG (default config/hub.json).
 */
import { parseArgs } from 'node:util'
import { createRedis } from '../src/redis/connection.ts'
import { ClientError, ClientStore, ROLES, type Role } from '../src/auth/clients.ts'
import { loadHubConfig } from '../src/config/hub-config.ts'
import { ConfigError } from '../src/config/errors.ts'
import { openDatabase, type Database } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'

const [command, ...rest] = process.argv.slice(2)
const { values } = parseArgs({
  args: rest,
  options: { id: { type: 'string' }, role: { type: 'string' }, agency: { type: 'string' }, name: { type: 'string' }, replace: { type: 'boolean' } },
  strict: true
})

function fail (message: string): never {
  process.stderr.write(`client: ${message}\n`)
  process.exit(1)
}

let db: Database
try {
  db = await openDatabase({ max: 1 })
  await migrate(db.sql)
} catch (err) {
  fail(`cannot open the database (${(err as Error).message})`)
}
process.stderr.write(`client: the record is ${db.kind === 'server' ? 'the PostgreSQL database' : 'the embedded PGlite database in'} ${db.where}\n`)

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const redis = createRedis(redisUrl, 'commands', 'hub-client-cli', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
redis.on('error', () => { /* reported below */ })
let announce = true
try {
  await redis.connect()
} catch (err) {
  announce = false
  if (command !== 'list') process.stderr.write(`client: cannot reach Redis at ${redisUrl} (${(err as Error).message}): running hubs see the change within their cache time (5 s)\n`)
}
const clients = new ClientStore(db.sql, announce ? redis : undefined, process.env.REDIS_PREFIX ?? 'hub', 0)
try {
  switch (command) {
    case 'add': {
      if (values.id === undefined || values.role === undefined) fail(`add needs --id <id> --role <${ROLES.join('|')}> [--agency <agency id>] [--name <name>] [--replace]`)
      if (values.agency !== undefined) {
        let agencies: string[] = []
        try {
          agencies = [...loadHubConfig(process.env.HUB_CONFIG ?? 'config/hub.json').agencies.keys()]
        } catch (err) {
          if (err instanceof ConfigError) fail(err.message)
          throw err
        }
        if (!agencies.includes(values.agency)) fail(`--agency ${values.agency} is not an agency of the hub config; the agencies are: ${agencies.join(', ')}`)
      }
      const { client, key } = await clients.add({
        id: values.id, role: values.role as Role, ...(values.agency !== undefined && { agency: values.agency }), ...(values.name !== undefined && { name: values.name })
      }, { replace: values.replace === true })
      process.stdout.write(`client ${client.id} (${client.role}${client.agency !== undefined ? ` for ${client.agency}` : ''}) created.\n`)
      process.stdout.write('Its API key, shown this once (send it as "Authorization: Bearer <key>"):\n')
      process.stdout.write(`${key}\n`)
      break
    }
    case 'list': {
      const all = await clients.list()
      if (all.length === 0) {
        process.stderr.write(`client: no clients in ${db.where} (add one with npm run client:add)\n`)
        process.exitCode = 1
      }
      for (const c of all) process.stdout.write(`${c.id}\t${c.role}\t${c.agency ?? '-'}\t${c.name}\t${c.createdAt}\n`)
      break
    }
    case 'remove':
      if (values.id === undefined) fail('remove needs --id <id>')
      if (!(await clients.remove(values.id))) fail(`no client ${values.id}`)
      process.stdout.write(`client ${values.id} removed: its key no longer works\n`)
      break
    default:
      fail('commands: add, list, remove')
  }
} catch (err) {
  if (err instanceof ClientError) fail(err.message)
  throw err
} finally {
  redis.disconnect()
  await db.close()
}
