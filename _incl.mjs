import { readFileSync } from 'node:fs'
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const nodes = new Map(p.nodes.map((n) => [n.id, n]))
const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const selfT = new Map(); for (let i = 0; i < p.samples.length; i++) selfT.set(p.samples[i], (selfT.get(p.samples[i]) ?? 0) + p.timeDeltas[i])
const total = p.timeDeltas.reduce((a, b) => a + b, 0)
const incl = new Map()
for (const [id, t] of selfT) {
  const seen = new Set(); let cur = id
  while (cur !== undefined) { const n = nodes.get(cur); const cf = n.callFrame; const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/work\/main\//, '').replace(/.*node_modules\//, 'nm/')}:${cf.lineNumber}`; if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + t) } cur = parent.get(cur) }
}
const pat = new RegExp(process.argv[3] ?? 'src/|adapters/')
console.log([...incl].filter(([k]) => pat.test(k)).sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[4] ?? 45)).map(([k, t]) => `${(100 * t / total).toFixed(1).padStart(5)}% ${k}`).join('\n'))
