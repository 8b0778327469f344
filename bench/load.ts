/**
 * The bench's load generator, in its own process (forked by bench/run.ts): the portal is another
 * system, so its CPU is not taken from the server under test. Receives one job over IPC, runs
 * autocannon and sends back the figures.
 */
import autocannon from 'autocannon'

export interface LoadJob {
  url: string
  connections: number
  duration: number
  headers: Record<string, string>
  /** the submission every request sends, as JSON */
  template: string
  /** 'unique': each request a new source reference (new dossiers); 'same': the template itself */
  mode: 'unique' | 'same'
}

export interface LoadResult { rps: number, p50: number, p99: number, errors: number, non2xx: number, total: number }

process.once('message', (job: LoadJob) => {
  const base = JSON.parse(job.template) as Record<string, unknown>
  let n = 0
  const body = job.mode === 'same'
    ? (): string => job.template
    : (): string => JSON.stringify({ ...base, source: { system: 'bench', reference: `B-${process.pid}-${n++}` } })
  void autocannon({
    url: job.url, connections: job.connections, duration: job.duration, method: 'POST',
    headers: { 'content-type': 'application/json', ...job.headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }]
  }).then((r) => {
    const result: LoadResult = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, total: r.requests.total }
    process.send?.(result, () => process.exit(0))
  })
})
