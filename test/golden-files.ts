/**
 * Golden files (test/golden/): what an adapter must produce, byte for byte. After a deliberate change
 * of a mapping, `UPDATE_GOLDEN=1 npx tap test/adapter-<name>.test.ts` writes the new outputs instead
 * of comparing (review them with `git diff test/golden`, then run the tests again without it).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Test } from 'tap'
import { fromRoot } from '../src/paths.ts'

export const UPDATING_GOLDEN = process.env.UPDATE_GOLDEN === '1'

/** The golden file's text. */
export function goldenText (name: string): string {
  return readFileSync(fromRoot('test', 'golden', name), 'utf8')
}

/** `actual` equals the golden file byte for byte; with UPDATE_GOLDEN=1 it becomes the golden file. */
export function expectGolden (t: Test, name: string, actual: string, message: string): void {
  if (UPDATING_GOLDEN) {
    const before = goldenText(name)
    if (before !== actual) writeFileSync(fromRoot('test', 'golden', name), actual)
    t.pass(`${message} (UPDATE_GOLDEN=1: ${name} ${before === actual ? 'unchanged' : 'written'})`)
    return
  }
  t.equal(actual, goldenText(name), message)
}
