/**
 * The README a newcomer reads first stays short (≤ 20 KB, the rest in docs/), and every relative link
 * of the README and docs/ leads somewhere: to a file of the repository and, with a #fragment, to a
 * heading of that file (GitHub's anchors: lower case, punctuation dropped, spaces as hyphens).
 */
import t from 'tap'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fromRoot } from '../../src/paths.ts'

/** The anchors GitHub gives a Markdown file's headings. */
export function anchorsOf (markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced
    const m = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line)
    if (m === null) continue
    const base = (m[1] ?? '').trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

const files = ['README.md', ...readdirSync(fromRoot('docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]

t.test('the README is under 20 KB (20 000 bytes)', async (t) => {
  const bytes = statSync(fromRoot('README.md')).size
  t.ok(bytes < 20_000, `README.md is ${bytes} bytes`)
})

t.test('GitHub\'s anchors, as this test computes them', async (t) => {
  t.same([...anchorsOf('# Online payment (thanh toán trực tuyến)\n## Decision 766 indicators (GET /v1/reports/indicators)\n## A\n## A\n')],
    ['online-payment-thanh-toán-trực-tuyến', 'decision-766-indicators-get-v1reportsindicators', 'a', 'a-1'])
})

t.test('every relative link of the README and docs/ leads to a file and a heading', async (t) => {
  let checked = 0
  for (const file of files) {
    const text = readFileSync(fromRoot(file), 'utf8').replace(/```[\s\S]*?```/g, '')
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? ''
      if (/^[a-z]+:/i.test(target)) continue
      const [path = '', fragment] = target.split('#')
      const resolved = path === '' ? fromRoot(file) : join(dirname(fromRoot(file)), decodeURIComponent(path))
      checked++
      t.ok(existsSync(resolved), `${file}: ${target} names a file (${relative(fromRoot(), resolved)})`)
      if (fragment !== undefined && fragment !== '' && existsSync(resolved) && resolved.endsWith('.md')) {
        t.ok(anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(fragment)), `${file}: ${target} names a heading of ${relative(fromRoot(), resolved)}`)
      }
    }
  }
  t.ok(checked > 20, `${checked} links checked`)
})
