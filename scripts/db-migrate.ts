/**
 * Applies the record's schema changes (src/store/migrations) to the database the hub would use:
 *
 *   npm run db:migrate
 *
 * The database is chosen as at start-up (DATABASE_URL; unset: PostgreSQL at 127.0.0.1:5432, else
 * the embedded PGlite under data/pg; src/store/db-url.ts), and the log line says which. Safe to run
 * while the hub starts or runs, and twice: a second migrator waits for the first, then has nothing
 * to do.
 */
import { createLogger } from '../src/logger.ts'
import { openDatabase } from '../src/store/db.ts'
import { migrate } from '../src/store/migrate.ts'

const log = createLogger(process.env.LOG_LEVEL ?? 'info')
let db
try {
  db = await openDatabase({ log, max: 1 })
} catch (err) {
  process.stderr.write(`db:migrate: cannot open the database (${(err as Error).message})\n`)
  process.exit(1)
}
try {
  const applied = await migrate(db.sql)
  process.stdout.write(applied.length === 0
    ? `db:migrate: ${db.where} is up to date\n`
    : `db:migrate: applied ${applied.join(', ')} to ${db.where}\n`)
} catch (err) {
  process.stderr.write(`db:migrate: ${(err as Error).message}\n`)
  process.exitCode = 1
} finally {
  await db.close()
}
