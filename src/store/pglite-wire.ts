/**
 * Serves one PGlite (a single Postgres backend) to many client connections over a Unix socket,
 * speaking the PostgreSQL wire protocol. Replaces @electric-sql/pglite-socket's server, whose
 * queue interleaves the messages of two connections' extended-protocol batches (Parse / Bind /
 * Execute / Sync), so that one binds the other's unnamed statement — wrong answers or errors under
 * any concurrency (electric-sql/pglite issue #1046, fix proposed in pull request #977, open).
 *
 * Here a connection's messages are handed to PGlite a batch at a time, a batch ending at Sync or
 * Query (or Flush); batches of all connections run one after another. A connection keeps the
 * backend to itself while it is inside a transaction (and after a Flush, until its Sync), so
 * transactions are never interleaved: another connection's statements wait for the commit.
 * A failed batch or a closed connection never blocks the others: an open transaction it leaves is
 * rolled back.
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { PGlite } from '@electric-sql/pglite'

const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const CANCEL_REQUEST = 80877102
const SYNC = 0x53 // 'S'
const QUERY = 0x51 // 'Q'
const FLUSH = 0x48 // 'H'
const TERMINATE = 0x58 // 'X'

interface Connection {
  socket: Socket
  buffer: Buffer
  started: boolean
  /** messages of the batch being read */
  batch: Buffer[]
  closed: boolean
}

interface Job {
  conn: Connection
  bytes: Uint8Array
  /** the batch ends at Sync or Query: the backend is ready for another connection after it */
  ends: boolean
  /** roll back what a closed connection left open */
  rollback?: boolean
}

export interface WireEvents {
  onError?: (err: unknown) => void
}

export class PGliteWireServer {
  readonly #db: PGlite
  readonly #path: string
  readonly #events: WireEvents
  readonly #connections = new Set<Connection>()
  #jobs: Job[] = []
  /** the connection that holds the backend (inside a transaction or between Flush and Sync) */
  #owner: Connection | undefined
  #running = false
  #server: Server | undefined

  constructor (db: PGlite, path: string, events: WireEvents = {}) {
    this.#db = db
    this.#path = path
    this.#events = events
  }

  async start (): Promise<void> {
    await this.#db.waitReady
    const server = createServer((socket) => { this.#accept(socket) })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#path, () => {
        server.removeListener('error', reject)
        resolve()
      })
    })
    server.on('error', (err) => { this.#events.onError?.(err) })
    this.#server = server
  }

  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const conn of this.#connections) conn.socket.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    // let the last batch finish before the database closes
    while (this.#running) await new Promise((resolve) => setTimeout(resolve, 5))
  }

  #accept (socket: Socket): void {
    const conn: Connection = { socket, buffer: Buffer.alloc(0), started: false, batch: [], closed: false }
    this.#connections.add(conn)
    socket.on('data', (data) => {
      conn.buffer = conn.buffer.length === 0 ? data : Buffer.concat([conn.buffer, data])
      try {
        this.#read(conn)
      } catch (err) {
        this.#events.onError?.(err)
        socket.destroy()
      }
    })
    socket.on('error', () => { /* the close that follows cleans up */ })
    socket.on('close', () => { this.#close(conn) })
  }

  /** Splits what arrived into messages and batches. */
  #read (conn: Connection): void {
    for (;;) {
      const buf = conn.buffer
      if (!conn.started) {
        if (buf.length < 8) return
        const length = buf.readInt32BE(0)
        const code = buf.readInt32BE(4)
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          conn.socket.write('N') // no TLS over a local socket
          conn.buffer = buf.subarray(8)
          continue
        }
        if (code === CANCEL_REQUEST) {
          conn.socket.destroy()
          return
        }
        if (buf.length < length) return
        // the startup message: PGlite answers it (authentication ok, parameters, ready)
        this.#enqueue({ conn, bytes: buf.subarray(0, length), ends: true })
        conn.buffer = buf.subarray(length)
        conn.started = true
        continue
      }
      if (buf.length < 5) return
      const type = buf[0] as number
      const total = 1 + buf.readInt32BE(1)
      if (buf.length < total) return
      const message = buf.subarray(0, total)
      conn.buffer = buf.subarray(total)
      if (type === TERMINATE) {
        conn.socket.end()
        return
      }
      conn.batch.push(message)
      if (type === SYNC || type === QUERY || type === FLUSH) {
        const bytes = conn.batch.length === 1 ? message : Buffer.concat(conn.batch)
        conn.batch = []
        this.#enqueue({ conn, bytes, ends: type !== FLUSH })
      }
    }
  }

  #close (conn: Connection): void {
    conn.closed = true
    this.#connections.delete(conn)
    this.#jobs = this.#jobs.filter((j) => j.conn !== conn)
    if (this.#owner === conn) this.#enqueue({ conn, bytes: new Uint8Array(0), ends: true, rollback: true })
  }

  #enqueue (job: Job): void {
    this.#jobs.push(job)
    if (!this.#running) void this.#run()
  }

  /** Runs the batches one at a time; while a connection holds the backend, only its batches. */
  async #run (): Promise<void> {
    this.#running = true
    try {
      for (;;) {
        const owner = this.#owner
        const i = owner === undefined ? 0 : this.#jobs.findIndex((j) => j.conn === owner)
        if (i < 0 || this.#jobs.length === 0) return
        const [job] = this.#jobs.splice(i, 1) as [Job]
        await this.#execute(job)
      }
    } finally {
      this.#running = false
    }
  }

  async #execute (job: Job): Promise<void> {
    const db = this.#db
    const { conn } = job
    try {
      if (job.rollback === true) {
        // only while the closed connection still holds the backend (not someone else's transaction)
        if (this.#owner === conn) {
          if (db.isInTransaction()) await db.exec('ROLLBACK')
          this.#owner = undefined
        }
        return
      }
      await db.runExclusive(async () => {
        await db.execProtocolRawStream(job.bytes, {
          onRawData: (data) => { if (!conn.closed && data.length > 0) conn.socket.write(data) }
        })
      })
      this.#owner = !job.ends || db.isInTransaction() ? conn : undefined
      // the connection closed while its batch ran: release what it holds
      if (conn.closed && this.#owner === conn) {
        if (db.isInTransaction()) await db.exec('ROLLBACK')
        this.#owner = undefined
      }
    } catch (err) {
      this.#events.onError?.(err)
      conn.socket.destroy()
      try {
        if (db.isInTransaction()) await db.exec('ROLLBACK')
      } catch (rollbackError) {
        this.#events.onError?.(rollbackError)
      }
      this.#owner = undefined
    }
  }
}
