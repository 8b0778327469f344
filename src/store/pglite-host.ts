/**
 * The embedded PostgreSQL (PGlite, @electric-sql/pglite) shared by the hub's processes over a Unix
 * socket in its folder (pglite-wire.ts serves it), so the API and worker processes of one machine
 * use one database, as they would a server:
 *
 *   <dir>/data           PGlite's data files
 *   <dir>/.s.PGSQL.5432  the socket every process (the serving one too) connects to
 *   <dir>/serve.lock     held by the process that serves (proper-lockfile: refreshed while it lives,
 *                        stale 10 s after it died)
 *
 * `socket()` is the driver's socket factory: it connects to the socket, and when nobody answers
 * there it takes the lock and serves the database itself. So the first process to need the
 * database serves it, and when that process exits (or is killed) the next connection any other
 * process makes takes over. PGlite is one Postgres backend: the server runs one batch at a time and
 * a transaction's statements together, so a connection's statement waits while another connection
 * is inside a transaction (code must not wait, inside a transaction, for a statement of another
 * connection: that would wait for ever). It is for one machine and a modest load.
 * A PostgreSQL server is what production uses.
 */
import { connect, type Socket } from 'node:net'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import lockfile from 'proper-lockfile'
import { PGlite } from '@electric-sql/pglite'
import { PGliteWireServer } from './pglite-wire.ts'

/** How long a connection waits for a database to serve (e.g. while a dead server's lock goes stale). */
const CONNECT_WAIT_MS = 30_000

const connectTo = async (path: string): Promise<Socket> => await new Promise((resolve, reject) => {
  const socket = connect(path)
  socket.once('connect', () => {
    socket.removeListener('error', reject)
    resolve(socket)
  })
  socket.once('error', reject)
})

/** Nobody serves at the socket (yet): worth serving it ourselves. */
const nobodyThere = (err: unknown): boolean => ['ENOENT', 'ECONNREFUSED'].includes((err as NodeJS.ErrnoException).code ?? '')

export interface EmbeddedEvents {
  /** this process started serving the database */
  onServe?: (dir: string) => void
  /** a connection's batch failed in the server (the connection is closed) */
  onError?: (err: unknown) => void
  /** the lock could not be kept fresh: another process may serve too */
  onCompromised?: (err: Error) => void
}

export class EmbeddedDatabase {
  readonly dir: string
  readonly socketPath: string
  readonly #events: EmbeddedEvents
  #served: { db: PGlite, server: PGliteWireServer, release: () => Promise<void> } | undefined
  #starting: Promise<void> | undefined
  #closed = false

  constructor (dir: string, events: EmbeddedEvents = {}) {
    this.dir = dir
    this.socketPath = join(dir, '.s.PGSQL.5432')
    this.#events = events
  }

  /** Whether this process serves the database. */
  get serving (): boolean {
    return this.#served !== undefined
  }

  /** A connected socket to the embedded database; serves it first when no process does. */
  async socket (): Promise<Socket> {
    const deadline = Date.now() + CONNECT_WAIT_MS
    for (;;) {
      try {
        return await connectTo(this.socketPath)
      } catch (err) {
        if (!nobodyThere(err) || this.#closed || Date.now() > deadline) throw err
      }
      this.#starting ??= this.#serve().finally(() => { this.#starting = undefined })
      await this.#starting
    }
  }

  /** Serves the database if this process gets the lock; waits a moment when another one holds it. */
  async #serve (): Promise<void> {
    if (this.#served !== undefined) return
    await mkdir(this.dir, { recursive: true })
    let release: () => Promise<void>
    try {
      release = await lockfile.lock(this.dir, {
        lockfilePath: join(this.dir, 'serve.lock'),
        stale: 10_000,
        update: 2_000,
        retries: 0,
        onCompromised: (err) => { this.#events.onCompromised?.(err) }
      })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err
      await sleep(100)
      return
    }
    try {
      // another process may have started serving between our failed connect and the lock
      const probe = await connectTo(this.socketPath).catch(() => undefined)
      if (probe !== undefined) {
        probe.destroy()
        await release()
        return
      }
      // a socket file left by a process that died
      await rm(this.socketPath, { force: true })
      const db = await PGlite.create({ dataDir: join(this.dir, 'data') })
      const server = new PGliteWireServer(db, this.socketPath, { onError: (err) => { this.#events.onError?.(err) } })
      await server.start()
      this.#served = { db, server, release }
      this.#events.onServe?.(this.dir)
    } catch (err) {
      await release().catch(() => {})
      throw err
    }
  }

  /** Stops serving (when this process serves): other processes take over at their next connection. */
  async close (): Promise<void> {
    this.#closed = true
    await this.#starting?.catch(() => {})
    const served = this.#served
    this.#served = undefined
    if (served === undefined) return
    await served.server.stop()
    await served.db.close()
    await rm(this.socketPath, { force: true })
    await served.release().catch(() => {})
  }
}
