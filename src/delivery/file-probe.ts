/**
 * Once-only: the size and SHA-256 of a document's file, read at its address. A reused document
 * whose size nobody reported (a result whose report gave none) is measured once, the first time it
 * is reused: the hub streams the file (never keeping it), counts its bytes and hashes them; the
 * caller checks the digest against the registered one and records the size. Bounded by a timeout
 * and a largest size; anything else (a network error, a non-2xx answer) is a FileProbeError.
 */
import { createHash } from 'node:crypto'
import { request, type Dispatcher } from 'undici'

export interface ProbedFile { byteSize: number, sha256: string }
export type FileProbe = (url: string) => Promise<ProbedFile>

export class FileProbeError extends Error {}

export function fileProbe (o: { timeoutMs: number, maxBytes: number, dispatcher?: Dispatcher }): FileProbe {
  return async (url) => {
    const signal = AbortSignal.timeout(o.timeoutMs)
    try {
      const res = await request(url, { method: 'GET', signal, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs, ...(o.dispatcher !== undefined && { dispatcher: o.dispatcher }) })
      if (res.statusCode < 200 || res.statusCode > 299) {
        await res.body.dump()
        throw new FileProbeError(`its address answered ${res.statusCode}`)
      }
      const hash = createHash('sha256')
      let byteSize = 0
      for await (const chunk of res.body) {
        byteSize += (chunk as Buffer).length
        if (byteSize > o.maxBytes) {
          res.body.destroy()
          throw new FileProbeError(`it is larger than ${o.maxBytes} bytes`)
        }
        hash.update(chunk as Buffer)
      }
      return { byteSize, sha256: hash.digest('hex') }
    } catch (err) {
      if (err instanceof FileProbeError) throw err
      throw new FileProbeError(`cannot read it: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300))
    }
  }
}
