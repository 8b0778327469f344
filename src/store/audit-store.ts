/**
 * The audit trail of each dossier, in the record (PostgreSQL; tables of migrations 0001 and 0003):
 * one row per trail in audit_trails (name = the dossier code), which is also the trail's head record
 * (head_seq, head_hash and head_mac, the HMAC of both and the name under the hub's audit key), and
 * one row per entry in audit_entries. The hash chain itself is domain/audit-chain.ts: entries are
 * HMACs under the audit key, computed here, never in the database (which never sees the key).
 *
 * An append is one statement (audit_append, 0003): the entries chain from the head this process
 * remembers or has just read, and go in only if the head is still that one (compare-and-set), with
 * the head moved in the same statement. When it is not (another process appended meanwhile), the
 * append is made again in a transaction that locks the trail's row (select … for update) while
 * the entries are computed: appends of one trail then wait for each other, without retries.
 * Within one process, the appends to one dossier queue up and go out in batches (one statement per
 * batch), so a dossier read by many clients at once costs one write, not one each; and the appends
 * of different dossiers made in one turn of the event loop share one statement too.
 *
 * New entries follow the head record, not the rows: a trail cut short stays visibly cut (the next
 * entries carry the numbers after the head's). A head record that does not verify under the key,
 * keyed entries without a head record, or entries beyond the head (added outside the hub) mean
 * someone without the key edited the record: nothing is appended (that would cover it up, or is not
 * possible), and the error says why.
 *
 * Rows leave out what their place says: the dossier (the trail's name) and `prev` (the hash of the
 * entry before); reading fills them in, so the chain is verified exactly as written. An entry's
 * hash still covers both: a removed, moved or reordered entry breaks the chain. `at` is kept as a
 * timestamptz; an entry whose time is not in the hub's own form (Vietnam time, milliseconds) keeps
 * its text in `entry` too, so its hash still matches.
 *
 * A trail is only created for a dossier that exists: `exists` (the dossier store's) is asked before
 * the first entry of a trail, unless the caller says the dossier was just created.
 */
import { STALE, compareAndSet } from './compare-and-set.ts'
import type { Sql, TransactionSql } from 'postgres'
import type { AuditEntry } from '../types/schemas.generated.ts'
import { GENESIS, headRecord, nextEntry, readHead, type AuditFields, type AuditKey } from '../domain/audit-chain.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { recordOutage } from './record-outage.ts'

/** The store was edited by someone without the audit key: appending would cover it up. */
export class AuditTamperError extends Error {
  override name = 'AuditTamperError'
}

/** Whether a dossier exists (the dossier store's `exists`). */
export type DossierExists = (code: string) => Promise<boolean>

/** An entry as a row of audit_entries (what audit_append takes): without the dossier and `prev`. */
export interface EntryRow {
  seq: number
  at: string
  client: string
  action: string
  status: number
  kid: string | null
  /** hex */
  hash: string
  /** the entry's other fields (role, agency, method, route, requestId, note, …) */
  entry: Record<string, unknown>
}

export function entryRow (e: AuditEntry): EntryRow {
  const { dossier: _dossier, prev: _prev, seq, at, client, action, status, kid, hash, ...rest } = e
  // a time the column gives back exactly needs no copy; any other keeps its text (the hash covers it)
  const exact = toVietnamIso(new Date(at)) === at
  return { seq, at, client, action, status, kid: kid ?? null, hash, entry: exact ? rest : { ...rest, at } }
}

interface StoredRow {
  seq: number
  at: Date
  client: string
  action: AuditEntry['action']
  status: number
  key_id: string | null
  hash: Buffer
  entry: Record<string, unknown>
}

/** The entries of a trail as written, from its rows (in order of seq). */
function readRows (code: string, rows: readonly StoredRow[]): AuditEntry[] {
  const entries: AuditEntry[] = []
  for (const r of rows) {
    const { at, ...extra } = r.entry
    entries.push({
      ...extra as Partial<AuditEntry>,
      dossier: code,
      seq: r.seq,
      at: typeof at === 'string' ? at : toVietnamIso(r.at),
      client: r.client,
      action: r.action,
      status: r.status,
      ...(r.key_id !== null && { kid: r.key_id }),
      hash: r.hash.toString('hex'),
      prev: entries.at(-1)?.hash ?? GENESIS
    } as AuditEntry)
  }
  return entries
}

interface HeadColumns {
  head_seq: number
  head_hash: Buffer | null
  head_mac: Buffer | null
}

/** The head record as the domain reads it ("<length>|<hash>|<HMAC>"), or undefined when the trail has none. */
function recordOf (row: HeadColumns): string | undefined {
  if (row.head_mac === null) return undefined
  return `${row.head_seq}|${row.head_hash?.toString('hex') ?? ''}|${row.head_mac.toString('hex')}`
}

const hex = (text: string): Buffer => Buffer.from(text, 'hex')

const BATCH = 100

/**
 * How long an entry written after its answer (`append`'s `after`) may wait for others before its
 * statement goes out. At a few hundred requests a second the entries of one turn are one or two,
 * so each turn's statement (and its commit) carried about that many; waiting a few milliseconds
 * lets one statement carry those of several turns. An entry someone waits for (an administrator's
 * action, audited before its answer) goes out at the end of its turn, with any waiting ones.
 */
export const AUDIT_FLUSH_MS = 10
/**
 * How long entries wait for the record when it is out of reach (no connection could be made, so
 * nothing of their statement was written), tried again with growing pauses: an answer's entry is
 * not lost to a restart or a failover of PostgreSQL that takes less than this.
 */
export const OUTAGE_RETRY_MS = 60_000
/** a statement carries at most this many trails' appends before it goes out without waiting */
const CAS_MOST = 256

/** One trail's compare-and-append (audit_append's arguments; hashes in hex). */
interface CasCall {
  name: string
  eseq: number
  ehash: string | null
  emac: string | null
  hhash: string
  hmac: string
  entries: EntryRow[]
}

interface Pending {
  fields: AuditFields
  /** the dossier was just created: its trail (almost certainly) does not exist yet */
  fresh: boolean
  /** written after its answer: it may wait AUDIT_FLUSH_MS for others */
  after: boolean
  /** its place among the trail's appends since its queue was last empty */
  n: number
  resolve: (entry: AuditEntry | undefined) => void
  reject: (err: unknown) => void
}

/** Where the next entry goes: after `entries` entries, the last hashing to `hash`; `mac` the head record's HMAC (hex). */
interface Tail {
  entries: number
  hash: string
  mac: string
}

export class AuditStore {
  readonly #sql: Sql
  readonly #exists: DossierExists
  readonly key: AuditKey
  readonly #queues = new Map<string, Pending[]>()
  /** how many appends each trail with a queue has had since the queue was made (a trail without a queue has none unwritten) */
  readonly #appended = new Map<string, number>()
  /** readers waiting for a trail's appends up to `n` (theirs to see): meanwhile its entries do not wait AUDIT_FLUSH_MS */
  readonly #readers = new Map<string, Array<{ n: number, resume: () => void }>>()
  /** where this process last left each trail: the first guess of its head (compare-and-set checks it) */
  readonly #last = new Map<string, Tail>()
  /** compare-and-appends waiting for the next statement */
  readonly #cas: Array<{ call: CasCall, resolve: (ok: boolean) => void, reject: (err: unknown) => void }> = []
  /** the next statement's flush, when one is scheduled: at the end of this turn, or after AUDIT_FLUSH_MS */
  #flush: { immediate: NodeJS.Immediate } | { timer: NodeJS.Timeout } | undefined
  readonly #flushMs: number
  /** set by close(): entries waiting for the record fail instead */
  #closing = false
  /** trails whose entries wait for an unreachable record (readers do not wait for them) */
  readonly #waiting = new Set<string>()
  /** the waits between tries, woken by close() */
  readonly #wake = new Set<() => void>()

  /**
   * `sql`: the record; `key`: the audit key; `exists`: whether a dossier exists (asked before a
   * trail is created); `flushMs`: how long an entry written after its answer may wait for others.
   */
  constructor (sql: Sql, key: AuditKey, exists: DossierExists, options: { flushMs?: number } = {}) {
    this.#sql = sql
    this.key = key
    this.#exists = exists
    this.#flushMs = options.flushMs ?? AUDIT_FLUSH_MS
  }

  /**
   * Appends an entry; undefined when the dossier does not exist (nothing to audit). `fresh`: the
   * dossier was just created, so its trail is guessed not to exist (one statement when right).
   * `after`: the entry of an answer already sent, which may wait AUDIT_FLUSH_MS to share its
   * statement with others (nobody waits for it but closing).
   */
  async append (code: string, fields: AuditFields, options: { fresh?: boolean, after?: boolean } = {}): Promise<AuditEntry | undefined> {
    return await new Promise((resolve, reject) => {
      const n = (this.#appended.get(code) ?? 0) + 1
      this.#appended.set(code, n)
      const item = { fields, fresh: options.fresh === true, after: options.after === true, n, resolve, reject }
      const queue = this.#queues.get(code)
      if (queue !== undefined) {
        queue.push(item)
        return
      }
      this.#queues.set(code, [item])
      void this.#drain(code)
    })
  }

  /** Writes the dossier's queued entries, a batch at a time, until none is left. */
  async #drain (code: string): Promise<void> {
    const queue = this.#queues.get(code) ?? []
    while (queue.length > 0) {
      const batch = queue.splice(0, BATCH)
      const started = Date.now()
      for (let attempt = 0; ; attempt++) {
        try {
          const entries = await this.#appendBatch(code, batch.map((p) => p.fields), batch.some((p) => p.fresh), batch.every((p) => p.after))
          batch.forEach((p, i) => { p.resolve(entries?.[i]) })
          break
        } catch (err) {
          // the record out of reach before the statement started (nothing of it written): the same
          // entries again, in order, until it answers, for up to OUTAGE_RETRY_MS or until closing. A
          // connection lost under the statement is not retried: it may have committed.
          if (recordOutage(err) !== 'refused' || this.#closing || Date.now() - started >= OUTAGE_RETRY_MS) {
            for (const p of batch) p.reject(err)
            break
          }
          this.#waiting.add(code)
          // its readers go on (their own reads meet the record away)
          this.#written(code, this.#appended.get(code) ?? 0)
          await this.#pause(Math.min(100 * 2 ** attempt, 2000))
        }
      }
      this.#waiting.delete(code)
      this.#written(code, (batch.at(-1) as Pending).n)
    }
    this.#queues.delete(code)
    this.#appended.delete(code)
  }

  /** Waits `ms`, or less when the store is closed meanwhile. */
  async #pause (ms: number): Promise<void> {
    if (this.#closing) return
    await new Promise<void>((resolve) => {
      const done = (): void => { clearTimeout(timer); this.#wake.delete(done); resolve() }
      const timer = setTimeout(done, ms)
      this.#wake.add(done)
    })
  }

  /**
   * Entries still waiting for the record stop waiting: each fails at once (its append logged as not
   * written), so a hub closing while PostgreSQL is away does not wait OUTAGE_RETRY_MS for them.
   */
  close (): void {
    this.#closing = true
    for (const wake of this.#wake) wake()
    this.#wake.clear()
  }

  /** The trail's appends up to `n` are written (or failed): the readers waiting for them go on. */
  #written (code: string, n: number): void {
    const readers = this.#readers.get(code)
    if (readers === undefined) return
    const still = readers.filter((r) => r.n > n)
    for (const r of readers) if (r.n <= n) r.resume()
    if (still.length > 0) this.#readers.set(code, still)
    else this.#readers.delete(code)
  }

  /**
   * Waits until the entries this process had queued for the trail when called are written (or
   * have failed), without their waiting AUDIT_FLUSH_MS for others: whoever reads a trail sees the
   * entries of the answers this process has already sent. Entries queued after the call are not
   * waited for, so a trail appended to without pause is still read.
   */
  async #settled (code: string): Promise<void> {
    const n = this.#appended.get(code)
    // a trail whose entries wait for an unreachable record: its reader would meet it too
    if (n === undefined || this.#waiting.has(code)) return
    await new Promise<void>((resolve) => {
      this.#readers.set(code, [...(this.#readers.get(code) ?? []), { n, resume: resolve }])
      if (this.#flush !== undefined && 'timer' in this.#flush && this.#cas.some((c) => c.call.name === code)) this.#schedule(false)
    })
  }

  #chain (code: string, tail: Pick<Tail, 'entries' | 'hash'>, fields: readonly AuditFields[]): { entries: AuditEntry[], next: Tail } {
    let previous: Pick<AuditEntry, 'hash' | 'seq'> = { hash: tail.hash, seq: tail.entries }
    const entries = fields.map((f) => {
      const e = nextEntry(code, previous, f, this.key)
      previous = e
      return e
    })
    const head = { entries: tail.entries + entries.length, hash: previous.hash }
    const mac = headRecord(code, head, this.key).split('|')[2] as string
    return { entries, next: { ...head, mac } }
  }

  /** The trail's head as stored, read without a lock: none (no trail), its tail, or 'odd' (no head record: the locked path decides). */
  async #readTail (code: string): Promise<Tail | 'none' | 'odd'> {
    const [row] = await this.#sql<HeadColumns[]>`select head_seq, head_hash, head_mac from audit_trails where name = ${code}`
    if (row === undefined) return 'none'
    const record = recordOf(row)
    if (record === undefined) return 'odd'
    return this.#verifiedTail(code, record)
  }

  #verifiedTail (code: string, record: string): Tail {
    const read = readHead(code, record, this.key)
    if (!read.valid) throw new AuditTamperError(`the audit head record of ${code} does not verify under the audit key: the record was edited without the key; entries not appended (GET /v1/dossiers/${code}/audit names what changed)`)
    return { entries: read.head.entries, hash: read.head.hash, mac: record.split('|')[2] as string }
  }

  /**
   * Appends if the trail's head is still `expected` (undefined: no trail yet). The appends of
   * several trails go out as one statement (one round trip and one commit for, say, the fifty
   * dossiers fifty connections just submitted): those of one turn of the event loop, and, when
   * every one of them is `after` an answer, those of the next AUDIT_FLUSH_MS; should that
   * statement fail, each is made again alone, so that one trail's trouble is its own.
   */
  async #compareAndAppend (code: string, expected: Tail | undefined, fields: readonly AuditFields[], after: boolean): Promise<{ entries: AuditEntry[], next: Tail } | undefined> {
    const chained = this.#chain(code, expected ?? { entries: 0, hash: GENESIS }, fields)
    const call: CasCall = {
      name: code,
      eseq: expected?.entries ?? 0,
      ehash: expected?.hash ?? null,
      emac: expected?.mac ?? null,
      hhash: chained.next.hash,
      hmac: chained.next.mac,
      entries: chained.entries.map(entryRow)
    }
    const ok = await new Promise<boolean>((resolve, reject) => {
      this.#cas.push({ call, resolve, reject })
      this.#schedule(after && !this.#readers.has(code) && this.#cas.length < CAS_MOST)
    })
    return ok ? chained : undefined
  }

  /** Schedules the next statement: after AUDIT_FLUSH_MS when everything in it may `wait`, else at the end of this turn. */
  #schedule (wait: boolean): void {
    const scheduled = this.#flush
    if (scheduled !== undefined && ('immediate' in scheduled || wait)) return
    if (scheduled !== undefined) clearTimeout(scheduled.timer)
    this.#flush = wait && this.#flushMs > 0
      ? { timer: setTimeout(() => { void this.#flushCas() }, this.#flushMs) }
      : { immediate: setImmediate(() => { void this.#flushCas() }) }
  }

  async #flushCas (): Promise<void> {
    this.#flush = undefined
    // in the order of the trails' names: two processes' statements lock the trails they share in
    // the same order, so they wait for each other instead of deadlocking
    const batch = this.#cas.splice(0).sort((a, b) => a.call.name < b.call.name ? -1 : a.call.name > b.call.name ? 1 : 0)
    if (batch.length > 1) {
      try {
        // one row (an aggregate): a statement that fails after sending rows leaves the postgres
        // driver's row counter behind, and the next statement on that connection then answers with
        // holes at the front of its rows (porsager/postgres#1181, open)
        const [row] = await this.#sql<Array<{ oks: boolean[] }>>`
          select array_agg(audit_append(x.name, x.eseq, decode(x.ehash, 'hex'), decode(x.emac, 'hex'), decode(x.hhash, 'hex'), decode(x.hmac, 'hex'), x.entries) order by x.i) as oks
            from jsonb_to_recordset(${this.#sql.json(batch.map((b, i) => ({ i, ...b.call })) as never)})
              as x(i integer, name text, eseq integer, ehash text, emac text, hhash text, hmac text, entries jsonb)`
        batch.forEach((b, i) => { b.resolve(row?.oks[i] === true) })
        return
      } catch (err) {
        // one of them failed the statement for all (an entry number taken: rows added beyond a
        // head, which the locked path reports; a deadlock with a writer outside the hub): each
        // alone now. Anything else (the record away) is every one's error.
        const code = (err as { code?: string }).code
        if (code !== '23505' && code !== '40P01') {
          for (const b of batch) b.reject(err)
          return
        }
      }
    }
    await Promise.all(batch.map(async (b) => {
      try {
        b.resolve(await this.#casOne(b.call))
      } catch (err) {
        b.reject(err)
      }
    }))
  }

  /** One trail's compare-and-append, alone: false when its head was not the one expected. */
  async #casOne (c: CasCall): Promise<boolean> {
    try {
      const [r] = await this.#sql<Array<{ ok: boolean }>>`select audit_append(${c.name}, ${c.eseq}, ${c.ehash === null ? null : hex(c.ehash)},
        ${c.emac === null ? null : hex(c.emac)}, ${hex(c.hhash)}, ${hex(c.hmac)}, ${this.#sql.json(c.entries as never)}) as ok`
      return r?.ok === true
    } catch (err) {
      // an entry number already taken: rows were added beyond the head; the locked path says so
      if ((err as { code?: string }).code === '23505') return false
      throw err
    }
  }

  /**
   * Appends under the trail's row lock: the head is read, checked and moved in one transaction, so
   * concurrent appends wait for each other. 'none' when the trail has no row (gone meanwhile).
   */
  async #lockedAppend (code: string, fields: readonly AuditFields[]): Promise<{ entries: AuditEntry[], next: Tail } | 'none'> {
    return await this.#sql.begin(async (tx: TransactionSql) => {
      const [row] = await tx<Array<HeadColumns & { id: string, last_seq: number | null, last_hash: Buffer | null, last_kid: string | null }>>`
        select t.id, t.head_seq, t.head_hash, t.head_mac, l.seq as last_seq, l.hash as last_hash, l.key_id as last_kid
          from audit_trails t
          left join lateral (select seq, hash, key_id from audit_entries e where e.trail_id = t.id order by seq desc limit 1) l on true
         where t.name = ${code}
           for update of t`
      if (row === undefined) return 'none' as const
      const record = recordOf(row)
      let tail: Pick<Tail, 'entries' | 'hash'>
      if (record !== undefined) {
        tail = this.#verifiedTail(code, record)
        if ((row.last_seq ?? 0) > tail.entries) throw new AuditTamperError(`the audit trail of ${code} has entries beyond its head record (entry ${row.last_seq ?? 0}, the head says ${tail.entries}): they were added outside the hub; entries not appended`)
      } else {
        if (row.last_kid !== null) throw new AuditTamperError(`the audit trail of ${code} has keyed entries but no head record: it was erased without the key; entries not appended`)
        // a trail of an earlier version (unkeyed entries, no head record): chain on after its last entry
        tail = { entries: row.last_seq ?? 0, hash: row.last_hash?.toString('hex') ?? GENESIS }
      }
      const chained = this.#chain(code, tail, fields)
      const rows = chained.entries.map(entryRow)
      await tx`insert into audit_entries (trail_id, seq, at, client, action, status, key_id, hash, entry)
        select ${row.id}, x.seq, x.at, x.client, x.action, x.status, x.kid, decode(x.hash, 'hex'), x.entry
          from jsonb_to_recordset(${tx.json(rows as never)}) as x(seq integer, at timestamptz, client text, action text, status smallint, kid text, hash text, entry jsonb)`
      await tx`update audit_trails set head_seq = ${chained.next.entries}, head_hash = ${hex(chained.next.hash)}, head_mac = ${hex(chained.next.mac)}, updated_at = now()
        where id = ${row.id}`
      return chained
    })
  }

  async #appendBatch (code: string, fields: readonly AuditFields[], fresh: boolean, after: boolean): Promise<AuditEntry[] | undefined> {
    let existsChecked = fresh
    return await compareAndSet(async (round) => {
      // first round: guess the head (where this process left it; no trail for a new dossier), else read it
      const guess = round === 0 ? (this.#last.get(code) ?? (fresh ? 'none' : undefined)) : undefined
      const tail = guess ?? await this.#readTail(code)
      let done: { entries: AuditEntry[], next: Tail } | 'none' | undefined
      if (tail === 'none') {
        if (!existsChecked) {
          if (!await this.#exists(code)) return undefined
          existsChecked = true
        }
        done = await this.#compareAndAppend(code, undefined, fields, after)
      } else if (tail !== 'odd') {
        done = await this.#compareAndAppend(code, tail, fields, after)
      }
      // the head was not the one expected (or has no record): do it under the trail's lock
      done ??= await this.#lockedAppend(code, fields)
      if (done !== 'none') {
        this.#remember(code, done.next)
        return done.entries
      }
      this.#last.delete(code)
      return STALE
    }, () => { throw new Error(`the audit trail of ${code} kept disappearing; entries not appended`) })
  }

  #remember (code: string, tail: Tail): void {
    this.#last.delete(code)
    this.#last.set(code, tail)
    if (this.#last.size > 10_000) this.#last.delete(this.#last.keys().next().value as string)
  }

  /** The trail as written (with this process's entries still queued for it) and its head record (undefined: none), read together (one statement). */
  async read (code: string): Promise<{ entries: AuditEntry[], record: string | undefined }> {
    await this.#settled(code)
    const rows = await this.#sql<Array<HeadColumns & Partial<StoredRow> & { seq: number | null }>>`
      select t.head_seq, t.head_hash, t.head_mac, e.seq, e.at, e.client, e.action, e.status, e.key_id, e.hash, e.entry
        from audit_trails t left join audit_entries e on e.trail_id = t.id
       where t.name = ${code}
       order by e.seq`
    const first = rows[0]
    if (first === undefined) return { entries: [], record: undefined }
    return { entries: readRows(code, rows.filter((r) => r.seq !== null) as StoredRow[]), record: recordOf(first) }
  }

  async list (code: string): Promise<AuditEntry[]> {
    return (await this.read(code)).entries
  }

  /** The first `n` entries of a trail and its whole length. */
  async prefix (code: string, n: number): Promise<{ entries: AuditEntry[], length: number }> {
    await this.#settled(code)
    const rows = await this.#sql<Array<StoredRow & { length: number }>>`
      select e.seq, e.at, e.client, e.action, e.status, e.key_id, e.hash, e.entry,
             (select count(*) from audit_entries c where c.trail_id = t.id)::int as length
        from audit_trails t join audit_entries e on e.trail_id = t.id
       where t.name = ${code}
       order by e.seq
       limit ${n}`
    return { entries: readRows(code, rows), length: rows[0]?.length ?? 0 }
  }

  /**
   * Every head record, a page at a time (dossier code, record as the domain reads it). A trail with
   * keyed entries but no head record (erased) comes with an empty record, which does not verify.
   */
  async * heads (): AsyncGenerator<Array<[string, string]>> {
    let after = '0'
    for (;;) {
      const rows = await this.#sql<Array<HeadColumns & { id: string, name: string }>>`
        select t.id, t.name, t.head_seq, t.head_hash, t.head_mac from audit_trails t
         where t.id > ${after}
           and (t.head_mac is not null or exists (select 1 from audit_entries e where e.trail_id = t.id and e.key_id is not null))
         order by t.id
         limit 1000`
      if (rows.length === 0) return
      after = (rows.at(-1) as { id: string }).id
      yield rows.map((r) => [r.name, recordOf(r) ?? ''])
    }
  }
}
