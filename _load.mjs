import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'
const key = readFileSync('/tmp/prof-key', 'utf8')
const ex = JSON.parse(readFileSync('schemas/examples/electricity-new-connection.json', 'utf8'))
let n = 0
const dup = process.argv[3] === 'dup'
const r = await autocannon({ url: 'http://127.0.0.1:3999/v1/dossiers', connections: 50, duration: Number(process.argv[2] ?? 8), method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  requests: [{ setupRequest: (req) => { n++; return { ...req, body: JSON.stringify({ ...ex, source: { system: 'bench', reference: dup ? 'dup' : `r-${process.pid}-${n}` } }) } } }] })
console.log(Math.round(r.requests.average), 'req/s p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx, 'errors', r.errors)
