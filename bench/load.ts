/**
 * The bench's load generator, in its own process (forked by bench/run.ts): the portal is another
 * system, so its CPU is not taken from the server under test. Receives one job over IPC, runs it
 * and sends back the figures.
 *
 * Closed loop (no `rate`): autocannon, `connections` connections each sending its next request
 * when the previous answer arrives — the most the server takes.
 * Open loop (`rate`): requests start at fixed times, `rate` a second whatever the server does,
 * each on a connection of its own when the one before has not answered yet (undici pool of up to
 * 1 024 connections), and its latency counts from the time it was due, not from when it went
 * out: a server that falls behind shows the wait it causes (no coordinated omission).
 */
import autocannon from 'autocannon'
import { Pool } from 'undici'

export interface LoadJob {
  url: string
  connections: number
  duration: number
  headers: Record<string, string>
  /** the submissions the requests send in turn, as JSON */
  templates: string[]
  /** 'unique': each request a new source reference (new dossiers); 'same': the templates as they are */
  mode: 'unique' | 'same'
  /** requests per second of an open loop; absent: closed loop at `connections` */
  rate?: number
}

export interface LoadResult {
  /** answers per second */
  rps: number
  p50: number,
  p99: number,
  errors: number,
  non2xx: number,
  total: number
  /** open loop only: the 99.9th percentile and the longest, ms */
  p999?: number
  max?: number
  /** responses by status code */
  statuses: Record<string, number>
}

function bodies (job: LoadJob): () => string {
  const bases = job.templates.map((t) => JSON.parse(t) as Record<string, unknown>)
  let n = 0
  return job.mode === 'same'
    ? (): string => job.templates[n++ % job.templates.length] as string
    : (): string => {
        const i = n++
        return JSON.stringify({ ...bases[i % bases.length], source: { system: 'bench', reference: `B-${process.pid}-${i}` } })
      }
}

async function closedLoop (job: LoadJob): Promise<LoadResult> {
  const body = bodies(job)
  const r = await autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.duration,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...job.headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }]
  })
  const statuses = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]))
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, total: r.requests.total, statuses }
}

async function openLoop (job: LoadJob, rate: number): Promise<LoadResult> {
  const body = bodies(job)
  const url = new URL(job.url)
  const pool = new Pool(url.origin, { connections: 1024, pipelining: 1 })
  const headers = { 'content-type': 'application/json', ...job.headers }
  const total = Math.round(rate * job.duration)
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  let errors = 0
  let non2xx = 0
  let lastAnswer = 0
  const pending: Array<Promise<void>> = []
  const start = performance.now()
  const send = (due: number): Promise<void> => pool.request({ origin: url.origin, path: url.pathname, method: 'POST', headers, body: body() })
    .then(async (res) => {
      await res.body.text()
      lastAnswer = performance.now()
      latencies.push(lastAnswer - due)
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
      if (res.statusCode >= 300) non2xx++
    }, () => { errors++ })
  let sent = 0
  while (sent < total) {
    // every request due by now goes out, stamped with the time it was due
    const due = Math.min(total, Math.floor((performance.now() - start) * rate / 1000) + 1)
    for (; sent < due; sent++) pending.push(send(start + sent * 1000 / rate))
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await Promise.all(pending)
  await pool.close()
  latencies.sort((a, b) => a - b)
  const at = (q: number): number => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(1))
  return {
    rps: latencies.length / Math.max(0.001, (lastAnswer - start) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    p999: at(0.999),
    max: Number((latencies.at(-1) ?? NaN).toFixed(1)),
    errors,
    non2xx,
    total: latencies.length,
    statuses
  }
}

process.once('message', (job: LoadJob) => {
  void (job.rate === undefined ? closedLoop(job) : openLoop(job, job.rate)).then((result) => {
    process.send?.(result, () => process.exit(0))
  })
})
