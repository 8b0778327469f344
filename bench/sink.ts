/**
 * The bench's agency sink, in its own process (forked by bench/run.ts): the agency's software is
 * another system, so its HTTP work is not counted as the hub's. Answers every request, whatever its
 * path (every agency's endpoint points here), 201 with a receipt number; over IPC it says its address, and on {wait: n} answers when n more requests have
 * arrived, with the times of the first and the last of them.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

let count = 0
const times: number[] = []
const waiting: Array<{ from: number, n: number }> = []

function settle (): void {
  for (let i = waiting.length - 1; i >= 0; i--) {
    const w = waiting[i] as { from: number, n: number }
    if (count - w.from < w.n) continue
    waiting.splice(i, 1)
    process.send?.({ first: times[w.from], last: times[w.from + w.n - 1] })
  }
}

const server = createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    count++
    times.push(Date.now())
    res.writeHead(201, { 'content-type': 'application/json' })
    res.end(`{"maTiepNhan":"S-${count}"}`)
    settle()
  })
})
server.listen(0, '127.0.0.1', () => {
  process.send?.({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
})
process.on('message', (m: { wait: number }) => {
  waiting.push({ from: count, n: m.wait })
  settle()
})
process.on('disconnect', () => { server.close(); server.closeAllConnections() })
