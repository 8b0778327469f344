/**
 * The provincial portal's webhook receiver, for demos: for every subscriber of the hub config whose
 * URL is on this machine, a real HTTP server that checks the signature (X-Hub-Timestamp,
 * X-Hub-Signature) exactly as the README tells receivers to, drops a repeated notification id,
 * and logs each status change.
 */
import { createServer, type Server } from 'node:http'
import type { ResolvedSubscriber } from '../../src/config/hub-config.ts'
import { verifyHubSignature } from '../../src/delivery/outbound-auth.ts'

export interface PortalReceiver {
  url: string
  /** notification ids accepted, in arrival order */
  received: string[]
  close(): Promise<void>
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]'])

export async function startPortalReceivers (subscribers: ReadonlyMap<string, ResolvedSubscriber>, log: (line: string) => void): Promise<PortalReceiver[]> {
  const out: PortalReceiver[] = []
  for (const sub of subscribers.values()) {
    const url = new URL(sub.url)
    if (!LOCAL.has(url.hostname)) continue
    const received: string[] = []
    const server: Server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const raw = Buffer.concat(chunks)
        const check = verifyHubSignature(sub.secret, req.headers, raw, Date.now())
        if (!check.ok) {
          log(`${sub.id}: refused a notification: ${check.reason}`)
          res.writeHead(401).end()
          return
        }
        const n = JSON.parse(raw.toString('utf8')) as { id: string, sequence: number, event: string, dossier: string, from?: { code: number, name: string }, to: { code: number, name: string }, note?: string }
        if (!received.includes(n.id)) {
          received.push(n.id)
          const change = n.from === undefined ? `${n.to.code} ${n.to.name}` : `${n.from.code} ${n.from.name} → ${n.to.code} ${n.to.name}`
          log(`${sub.id}: ${n.dossier} #${n.sequence} ${n.event}: ${change}${n.note !== undefined ? ` (${n.note})` : ''}`)
        }
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(Number(url.port === '' ? 80 : url.port), url.hostname.replace(/^\[|\]$/g, ''), resolve)
    })
    out.push({
      url: sub.url,
      received,
      close: async () => {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => { resolve() }))
      }
    })
  }
  return out
}
