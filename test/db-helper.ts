/**
 * Test helper for the record's PostgreSQL: each caller gets a database of its own on the real server
 * (TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres: user postgres,
 * trust), with a random name, dropped when the test ends (connections closed first).
 */
import { randomBytes } from 'node:crypto'
import postgres, { type Sql } from 'postgres'
import type { Test } from 'tap'

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

const quiet = { onnotice: () => {} }

export interface TestDatabase {
  name: string
  /** the database's URL (for DATABASE_URL or a second pool) */
  url: string
  /** a pool on it, closed at teardown */
  sql: Sql
}

/** The URL of database `name` on the test server. */
export function databaseUrl (name: string): string {
  const u = new URL(ADMIN_URL)
  u.pathname = `/${name}`
  return u.toString()
}

/** A fresh, empty database for this test, dropped at its teardown. */
export async function createTestDatabase (t: Test, options: { max?: number } = {}): Promise<TestDatabase> {
  const name = `hub_test_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = postgres(ADMIN_URL, { max: 1, ...quiet })
  try {
    await admin.unsafe(`create database "${name}"`)
  } finally {
    await admin.end()
  }
  const url = databaseUrl(name)
  const sql = postgres(url, { max: options.max ?? 4, ...quiet })
  t.teardown(async () => {
    await sql.end({ timeout: 5 })
    const drop = postgres(ADMIN_URL, { max: 1, ...quiet })
    try {
      // with (force): connections a failed test left open do not keep it alive
      await drop.unsafe(`drop database if exists "${name}" with (force)`)
    } finally {
      await drop.end()
    }
  })
  return { name, url, sql }
}
