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
  /** the submissions the requests send in turn, as JSON */
  templates: string[]
  /** 'unique': each request a new source reference (new dossiers); 'same': the templates as they are */
  mode: 'unique' | 'same'
}

export interface LoadResult {
  rps: number, p50: number, p99: number, errors: number, non2xx: number, total: number
  /** responses by status code */
  statuses: Record<string, number>
}

process.once('message', (job: LoadJob) => {
  const bases = job.templates.map((t) => JSON.parse(t) as Record<string, unknown>)
  let n = 0
  const body = job.mode === 'same'
    ? (): string => job.templates[n++ % job.templates.length] as string
    : (): string => {
        const i = n++
        return JSON.stringify({ ...bases[i % bases.length], source: { system: 'bench', reference: `B-${process.pid}-${i}` } })
      }
  void autocannon({
    url: job.url, connections: job.connections, duration: job.duration, method: 'POST',
    headers: { 'content-type': 'application/json', ...job.headers },
    requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }]
  }).then((r) => {
    const statuses = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]))
    const result: LoadResult = { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx, total: r.requests.total, statuses }
    process.send?.(result, () => process.exit(0))
  })
})
