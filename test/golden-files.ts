/**
 * Golden files (adapters/<name>/golden/<name>-….json, in each adapter's folder): what an adapter
 * must produce, byte for byte, and the native bodies it must read. After a deliberate change of a
 * mapping, `UPDATE_GOLDEN=1 npx tap test/adapters/<name>/adapter.test.ts` writes the new outputs
 * instead of comparing (review them with `git diff adapters/<name>/golden`, then run the tests again
 * without it).
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import type { Test } from 'tap'
import { fromRoot } from '../src/paths.ts'

export const UPDATING_GOLDEN = process.env.UPDATE_GOLDEN === '1'

/** The adapters' folders, longest name first (so that a name's prefix finds its own adapter). */
const ADAPTERS = readdirSync(fromRoot('adapters'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort((a, b) => b.length - a.length)

/** Where a golden file is: in the folder of the adapter its name starts with ("justice-status-reports.json"). */
export function goldenPath (name: string): string {
  const adapter = ADAPTERS.find((a) => name.startsWith(`${a}-`))
  if (adapter === undefined) throw new Error(`golden file ${name}: its name does not start with an adapter's (${ADAPTERS.join(', ')})`)
  return fromRoot('adapters', adapter, 'golden', name)
}

/** Every golden file's name, of every adapter. */
export function goldenFiles (): string[] {
  return ADAPTERS.flatMap((a) => existsSync(fromRoot('adapters', a, 'golden')) ? readdirSync(fromRoot('adapters', a, 'golden')) : []).filter((f) => f.endsWith('.json')).sort()
}

/** The golden file's text. */
export function goldenText (name: string): string {
  return readFileSync(goldenPath(name), 'utf8')
}

/** `actual` equals the golden file byte for byte; with UPDATE_GOLDEN=1 it becomes the golden file. */
export function expectGolden (t: Test, name: string, actual: string, message: string): void {
  if (UPDATING_GOLDEN) {
    const before = goldenText(name)
    if (before !== actual) writeFileSync(goldenPath(name), actual)
    t.pass(`${message} (UPDATE_GOLDEN=1: ${name} ${before === actual ? 'unchanged' : 'written'})`)
    return
  }
  t.equal(actual, goldenText(name), message)
}
