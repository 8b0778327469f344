/**
 * The provincial portal's webhook receiver, for demos: for every subscriber of the hub config whose
 * URL is on this machine, a real HTTP server that checks the signature (X-Hub-Timestamp,
 * X-Hub-Signature) exactly as the README tells receivers to, drops a repeated notification id,
 * and logs each status change.
 */
import type { ResolvedSubscriber } from '../../src/config/hub-config.ts'
import { verifyHubSignature } from '../../src/delivery/outbound-auth.ts'
import { startSimulatorServer } from '../../adapters/shared/http-server.ts'

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
    // the shared simulator server (adapters/shared/http-server.ts): the body read in full, then handled
    const server = await startSimulatorServer((req, res, raw) => {
      const check = verifyHubSignature(sub.secret, req.headers, raw, Date.now())
      if (!check.ok) {
        log(`${sub.id}: refused a notification: ${check.reason}`)
        res.writeHead(401).end()
        return
      }
      let n: { id: string, sequence: number, event: string, dossier: string, from?: { code: number, name: string }, to: { code: number, name: string }, note?: string }
      try {
        n = JSON.parse(raw.toString('utf8')) as typeof n
      } catch {
        res.writeHead(400).end()
        return
      }
      if (!received.includes(n.id)) {
        received.push(n.id)
        const change = n.from === undefined ? `${n.to.code} ${n.to.name}` : `${n.from.code} ${n.from.name} → ${n.to.code} ${n.to.name}`
        log(`${sub.id}: ${n.dossier} #${n.sequence} ${n.event}: ${change}${n.note !== undefined ? ` (${n.note})` : ''}`)
      }
      res.writeHead(204).end()
    }, { port: Number(url.port === '' ? 80 : url.port), host: url.hostname.replace(/^\[|\]$/g, '') })
    out.push({ url: sub.url, received, close: server.close })
  }
  return out
}
