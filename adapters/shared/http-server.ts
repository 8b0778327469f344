/**
 * The small HTTP server every simulated outside system runs on (the agencies' systems and the
 * portal's webhook receiver of `npm run agencies`, the national data store, the national portal,
 * the payment platform, the SMS gateway, Zalo ZNS): it reads each request's whole
 * body, hands it to the simulator with the request and the response, listens on 127.0.0.1 (or the
 * host given) at the port given (0: any free one), and closes with its open connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** How a simulator answers one request, its body read in full. */
export type SimulatorHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void

export interface SimulatorServer {
  /** http://<host>:<port>, the port the server got */
  base: string
  port: number
  /** how many requests it has read */
  readonly requests: number
  close(): Promise<void>
}

/** Starts the server; rejects when it cannot listen (a port in use). */
export async function startSimulatorServer (handler: SimulatorHandler, o: { port?: number, host?: string } = {}): Promise<SimulatorServer> {
  const host = o.host ?? '127.0.0.1'
  let requests = 0
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      requests++
      handler(req, res, Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port ?? 0, host, () => { resolve() })
  })
  const { port } = server.address() as AddressInfo
  return {
    base: `http://${host}:${port}`,
    port,
    get requests () { return requests },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => { resolve() }))
    }
  }
}

/** Answers with a body: a string as it is, anything else as JSON. */
export function reply (res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

/** A simulated outage: the next `n` requests are answered with `status` (default 503) instead of served. */
export interface Outage {
  failNext(n: number, status?: number): void
  /** the status to fail this request with, while the outage lasts */
  take(): number | undefined
}

export function outage (): Outage {
  let failing = 0
  let failStatus = 503
  return {
    failNext: (n, status = 503) => { failing = n; failStatus = status },
    take: () => {
      if (failing <= 0) return undefined
      failing--
      return failStatus
    }
  }
}
