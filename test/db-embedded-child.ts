/**
 * Run by test/store/db-embedded.test.ts as another process of the hub: opens the embedded database named
 * by DATABASE_URL (pglite:<dir>), which the test process already serves, inserts a client row and
 * prints whether this process had to serve the database itself.
 */
import { openDatabase } from '../src/store/db.ts'

const db = await openDatabase()
const id = process.argv[2] ?? 'child'
await db.sql`insert into clients (id, name, role, secret_hash, created_at, updated_at)
  values (${id}, 'from another process', 'auditor', ${Buffer.alloc(32)}, now(), now())`
const [row] = await db.sql<Array<{ n: number }>>`select count(*)::int as n from clients`
process.stdout.write(JSON.stringify({ kind: db.kind, clients: row?.n }) + '\n')
await db.close()
