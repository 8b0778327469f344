/**
 * A stand-in agency system for local development: accepts deliveries on any path, answers with
 * a receipt number, drops repeats by Idempotency-Key (answering the first receipt again), and
 * prints one line per delivery. The real agency simulators (native formats, status callbacks)
 * come with the adapter work.
 *
 *   npm run agency-sink            listens on 127.0.0.1:4100 (AGENCY_SINK_PORT to change)
 */
import { createServer } from 'node:http'

const port = Number(process.env.AGENCY_SINK_PORT ?? 4100)
const receipts = new Map<string, string>()
let next = 1

const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const key = String(req.headers['idempotency-key'] ?? '')
    const repeat = key !== '' && receipts.has(key)
    const receipt = repeat ? receipts.get(key) as string : `BN-${String(next++).padStart(6, '0')}`
    if (key !== '') receipts.set(key, receipt)
    let code = ''
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
      code = String(body.code ?? body.maYeuCau ?? '')
    } catch { /* not JSON: still answered */ }
    console.log(`${new Date().toISOString()} ${req.method ?? ''} ${req.url ?? ''} dossier=${code} idempotency-key=${key} ${repeat ? 'REPEAT (dropped)' : `receipt=${receipt}`}`)
    res.writeHead(repeat ? 200 : 201, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ reference: receipt, maTiepNhan: receipt, duplicate: repeat }))
  })
})

server.listen(port, '127.0.0.1', () => { console.log(`agency sink listening on http://127.0.0.1:${port}`) })
process.on('SIGTERM', () => { server.close() })
process.on('SIGINT', () => { server.close() })
