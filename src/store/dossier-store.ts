/**
 * Dossiers in the record (PostgreSQL; tables: migrations/0001_record.sql and 0002_dossier_store.sql):
 * intake (receive once, numbering, the dossier, its steps, history, notification and outbox rows
 * in one statement: hub_intake), changes (compare-and-set on the dossier's version: hub_apply),
 * delivery outcomes (compare-and-set on a step's state: hub_step), reads, lists, the overdue
 * sweeper's clock and the outbox the relay works from. Every write is one round trip and one
 * transaction, committed before the caller answers; the intakes, step writes and reads of one turn
 * of the event loop share theirs (TurnBatch).
 */
import { createHash } from 'node:crypto'
import type { Fragment, PendingQuery, Sql } from 'postgres'
import type { Attachment, Dossier, DossierSummary, HistoryEntry, ResultDocument, RoutingState } from '../types/schemas.generated.ts'
import { nationalStatusCode, statusFromNationalCode, type DossierStatus } from '../domain/status.ts'
import type { Routing } from '../domain/routing.ts'
import type { DossierHead, LifecycleFacts } from '../domain/lifecycle.ts'
import { toVietnamIso } from '../domain/vietnam-time.ts'
import { outboxMember, parseOutboxMember, type DeliveryKind } from './keys.ts'
import { CallFailure, TurnBatch } from './turn-batch.ts'
import { OutboxRelayRows } from './outbox-relay.ts'
import type { ReuseLog } from '../domain/once-only.ts'
import { DOCUMENT_COLUMNS, DOCUMENT_RECORD, documentRecord, type NewDocument } from './document-store.ts'

export interface IntakeInput {
  idempotencyKey?: string
  source: { system: string, reference: string }
  /** the system that first received the dossier and its reference (source.origin), when the sender says */
  origin?: { system: string, reference: string }
  fingerprint: string
  /** the code the receiving system issued (checked), used instead of numbering one */
  code?: string
  /** the hub's arrival time, when the receipt time (receivedAt) is the receiving system's */
  arrivedAt?: string
  /** "<agency>-<YYMMDD>-", from domain/dossier-code.ts */
  codePrefix: string
  sequenceWidth: number
  /** the receiving agency's code and the Vietnam date: the day counter's identity */
  receivingAgencyCode: string
  yymmdd: string
  /** canonical JSON of the submission */
  doc: string
  receivedAt: string
  receivedAtMs: number
  status: DossierStatus
  procedureCode: string
  procedureName: string
  /** the route's initial state, by step id, in route order */
  routing: Routing
  dueAt?: string
  /** sha256 of procedure + applicant ID + data: finds the dossier again when another system sends it */
  contentFingerprint: string
  /** how long the content fingerprint finds it; 0 = never */
  duplicateWindowMs: number
  /**
   * how many days before the receipt day a receipt time can still name (intake's bound, plus a
   * margin): the receiving agency's number sequences of older days are retired (hub_code_number, 0018)
   */
  codeDaysKept: number
  facts: LifecycleFacts
  /** the history entry of the receipt */
  history: HistoryEntry
  /** the webhook notification of the receipt, when anyone subscribes */
  notification?: object
  /**
   * The agency a native submission is for: the receive-once lookups pass over every dossier not
   * routed to it, as if it did not exist (hub_intake). Undefined: the portal or an
   * administrator, who see every dossier.
   */
  asAgency?: string
  /**
   * Once-only: the stored documents the submission reuses, by holder, with the client that
   * submitted it: written to the documents' access log (action reuse, purpose the new dossier's
   * code) by the intake statement itself, in its transaction, only when it creates the dossier —
   * a stored dossier never lacks its reuse on the log (Decree 13/2023/NĐ-CP).
   */
  reuseLog?: ReuseLog
}

export type IntakeResult =
  | { outcome: 'created', summary: DossierSummary }
  | { outcome: 'duplicate', summary: DossierSummary }
  | { outcome: 'conflict', code: string }
  /** the given code is held by another dossier */
  | { outcome: 'code-taken', code: string }

export interface ListFilter {
  status?: DossierStatus
  agency?: string
  procedure?: string
  receivedFromMs?: number
  receivedToMs?: number
  limit: number
  cursor?: { score: number, code: string }
}

export interface ListPage {
  items: DossierSummary[]
  next?: { score: number, code: string }
}

export type StepUpdate = 'updated' | 'stale' | 'no-dossier' | 'no-step'

/** A dossier as read for a change: its route, status and version (for compare-and-set). */
export interface DossierForUpdate {
  dossier: Dossier
  routing: Routing
  status: DossierStatus
  version: string
  receivedAtMs: number
  /** status, dates and lifecycle facts */
  head: DossierHead
  /** the ids of the agencies it is routed to */
  agencies: string[]
  /** how many supplements the applicant has supplied */
  supplements: number
}

export interface DossierChange {
  /** once-only: a supplement's reuses, written to the documents' access log in the change's transaction when it applies */
  reuseLog?: ReuseLog
  code: string
  expectedVersion: string
  status: DossierStatus
  nextStatus: DossierStatus
  receivedAtMs: number
  /** changed steps, by id */
  routing: Routing
  /** deliveries to put in the outbox: steps released, or notices to agencies */
  release: ReadonlyArray<{ step: string, kind?: DeliveryKind }>
  history?: readonly HistoryEntry[]
  eventId?: string
  /** stored under eventId and returned for a repeat */
  answer?: string
  at: string
  nowMs: number
  /** new lifecycle facts, when they changed */
  facts?: LifecycleFacts
  /** new due date, when it moved */
  dueAt?: string
  /** the overdue sweeper's index: remove the dossier, or (re)set its due date ms */
  dueIndex?: 'remove' | number
  /** the webhook notification (without id and sequence: its position gives them) */
  notification?: object
  /** the applicant's supplement this change stores (its sequence becomes the dossier's count) */
  supplement?: StoredSupplement
  /**
   * Once-only: the results an applied report issued, registered in the document store by the
   * change's own statement when it applies (each once: a result registered before is left as it
   * is), with a `register` entry on the documents' access log for each one registered now. The
   * DVCQG sync of the resolution, which names them, can never be sent before they are there.
   */
  results?: { agency: string, documents: readonly NewDocument[] }
  /**
   * The caller queues the DVCQG sync job of this change itself: the change's statement marks what
   * the dossier owes DVCQG as queued and answers the number of its last message (`syncUpTo`).
   */
  syncNow?: boolean
}

/** A supplement as stored (table supplements). */
export interface StoredSupplement {
  id: string
  sequence: number
  attachments: Attachment[]
  note?: string
  submittedAt: string
}

/** ok: `syncUpTo`, with `syncNow`, the last message the dossier owes DVCQG (none owed, or its sync failed: absent). */
export type ChangeResult = { outcome: 'ok', sequence: number, syncUpTo?: number } | { outcome: 'seen', answer: string } | { outcome: 'stale' } | { outcome: 'missing' }

/** KenhThucHien: the national channel codes the record keeps (1 counter, 2 online, 3 postal). */
const CHANNEL_CODE: Record<LifecycleFacts['channel'], number> = { counter: 1, online: 2, postal: 3 }

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
/** A timestamp column as the API shows times (Vietnam time, milliseconds). */
const iso = (t: Date | string): string => toVietnamIso(t instanceof Date ? t : new Date(t))
const isoOrUndefined = (t: Date | string | null | undefined): string | undefined => t === null || t === undefined ? undefined : iso(t)
/** A json column: the driver gives it parsed, or as text when it was written as text. */
const parsed = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T

function statusOf (code: number): DossierStatus {
  const status = statusFromNationalCode(code)
  if (status === undefined) throw new Error(`the record holds an unknown status code ${code}`)
  return status
}

/** Routing from [[step, state], …] in route order. */
function routingOf (steps: unknown): Routing {
  return routingAndRevisions(steps).routing
}

/** STEPS' rows: the route, and the sum of the steps' revisions (migration 0023). */
function routingAndRevisions (steps: unknown): { routing: Routing, revisions: number } {
  const routing: Routing = {}
  let revisions = 0
  for (const [step, state, rev] of parsed<Array<[string, RoutingState, number?]> | null>(steps) ?? []) {
    routing[step] = state
    revisions += rev ?? 0
  }
  return { routing, revisions }
}

/** Result documents of every resolved step, in route order. */
function resultsOf (routing: Routing): ResultDocument[] {
  return Object.values(routing).flatMap((r) => r.results ?? [])
}

/** The lifecycle facts a dossier shows (the rest — channel, rule — it has in its own fields or the catalogue). */
export function publicFacts (facts: LifecycleFacts): Pick<Dossier, 'rescheduledDueAt' | 'pausedSince' | 'overdueSince' | 'resolvedAt' | 'returnedAt' | 'closedAt' | 'timeliness'> {
  const { rescheduledDueAt, pausedSince, overdueSince, resolvedAt, returnedAt, closedAt, timeliness } = facts
  return {
    ...(rescheduledDueAt !== undefined && { rescheduledDueAt }),
    ...(pausedSince !== undefined && { pausedSince }),
    ...(overdueSince !== undefined && { overdueSince }),
    ...(resolvedAt !== undefined && { resolvedAt }),
    ...(returnedAt !== undefined && { returnedAt }),
    ...(closedAt !== undefined && { closedAt }),
    ...(timeliness !== undefined && { timeliness })
  }
}

interface SummaryRow {
  code: string
  status: number
  received_at: Date | string
  due_at: Date | string | null
  procedure_code: string
  procedure_name: string
  steps: unknown
}

function summaryOf (r: SummaryRow): DossierSummary {
  const status = statusOf(r.status)
  const dueAt = isoOrUndefined(r.due_at)
  return {
    code: r.code,
    status,
    statusCode: nationalStatusCode(status),
    receivedAt: iso(r.received_at),
    ...(dueAt !== undefined && { dueAt }),
    procedure: { code: r.procedure_code, name: r.procedure_name },
    routing: routingOf(r.steps)
  }
}

/** The steps of a dossier as [[step, state, revision], …] in route order (a subquery of `d`). */
const STEPS = 'select json_agg(json_build_array(s.step, s.detail, s.rev) order by s.position) from dossier_steps s where s.dossier_id = d.id'

/** What getForUpdate reads of a dossier `d` (a select list), for a statement that reads a dossier with more (store/national-sync-store.ts). */
export const DOSSIER_COLUMNS = `d.status, d.received_at, d.arrived_at, d.due_at, d.facts::text as facts, d.doc::text as doc, d.version, d.supplements, (${STEPS})::text as steps`

/** A row of DOSSIER_COLUMNS. */
export interface DossierRow { status: number, received_at: Date, arrived_at: Date, due_at: Date | null, facts: unknown, doc: unknown, version: number, supplements: number, steps: unknown }

/** The dossier `code` with what a change needs, from its row of DOSSIER_COLUMNS. */
export function dossierOf (code: string, row: DossierRow): DossierForUpdate {
  const { routing, revisions } = routingAndRevisions(row.steps)
  const results = resultsOf(routing)
  const facts = parsed<LifecycleFacts>(row.facts)
  const status = statusOf(row.status)
  const receivedAt = iso(row.received_at)
  const dueAt = isoOrUndefined(row.due_at)
  const dossier: Dossier = {
    code,
    status,
    statusCode: nationalStatusCode(status),
    receivedAt,
    arrivedAt: iso(row.arrived_at),
    ...(dueAt !== undefined && { dueAt }),
    ...publicFacts(facts),
    ...parsed<Omit<Dossier, 'code' | 'status' | 'statusCode' | 'receivedAt'>>(row.doc),
    routing,
    ...(results.length > 0 && { results })
  }
  return {
    dossier,
    routing,
    status,
    // the version a change compares (hub_apply, migration 0023): the dossier's own plus its steps'
    // revisions, which a delivery outcome moves (hub_step) without writing the dossier's row again
    version: String(row.version + revisions),
    receivedAtMs: row.received_at.getTime(),
    head: { status, receivedAt, ...(dueAt !== undefined && { dueAt }), facts },
    agencies: [...new Set(Object.values(routing).map((r) => r.agency))],
    supplements: row.supplements
  }
}

type ForUpdateRow = DossierRow & { code: string }

type StepCall = { code: string, step: string, expected: string, next: string | null, confirm: string | null, at: string }
/** hub_intake's arguments as text (the scalars, the document as given, the steps, history entry, notification, facts) and the order a batch takes them in */
type IntakeCall = { args: readonly [string, string, string, string, string, string], order: string }

/**
 * The intakes of one statement as one JSON array of records, each argument (a JSON text) set in it
 * as a value, not as a string: nothing is escaped here or unescaped by the record, and a `json`
 * column of json_to_recordset is the very text of its value (a document is stored as written). A
 * JSON null (no notification) comes out as SQL NULL, which hub_intake takes for none.
 */
export function intakeItems (calls: ReadonlyArray<IntakeCall['args']>): string {
  return `[${calls.map((a, k) => `{"k":${k},"p":${a[0]},"doc":${a[1]},"steps":${a[2]},"history":${a[3]},"notification":${a[4]},"facts":${a[5]}}`).join(',')}]`
}

/** A receive-once lookup: the key's and the body's SHA-256 (hex), who asks (an agency sees only its dossiers), the source reference */
type PriorCall = { kh: string | null, fp: string, asker: string | null, system: string, reference: string }

/** How many intakes one statement takes at most (the rest of the turn's go in the next). */
export const INTAKE_BATCH = 32
/** and at most this many characters of their documents (one larger than this goes alone) */
export const INTAKE_BATCH_BYTES = 1 << 20
/** Into how many statements, run at once, the intakes of one turn are split at least (when there are as many). */
export const INTAKE_PARALLEL = 4
/** How many times an intake going alone is made when it is chosen as a deadlock's victim. */
const INTAKE_DEADLOCK_TRIES = 3

export class DossierStore {
  readonly #sql: Sql
  /** the dossier reads of one turn: one statement (a delivery worker reads dozens at once) */
  readonly #reads: TurnBatch<string, ForUpdateRow | undefined>
  /** the step compare-and-sets of one turn: one statement, one commit */
  readonly #steps: TurnBatch<StepCall, number | undefined>

  /** the receive-once lookups of one turn (repeats): one statement */
  readonly #priors: TurnBatch<PriorCall, unknown>

  /** the intakes of one turn: a few statements run at once, each several intakes and one commit */
  readonly #intakes: TurnBatch<IntakeCall, unknown>

  /** the relay's rows: deliveries of dossiers, withdrawal and supplement notices to agencies */
  readonly #relay: OutboxRelayRows

  constructor (sql: Sql) {
    this.#sql = sql
    this.#relay = new OutboxRelayRows(sql, { kinds: ['dossier', 'withdrawal'], prefixes: ['supplement-'] })
    this.#reads = new TurnBatch(async (codes) => {
      const rows = await this.#sql<ForUpdateRow[]>`
        select d.code, ${this.#sql.unsafe(DOSSIER_COLUMNS)} from dossiers d where d.code = any(${[...new Set(codes)]}::text[])`
      const byCode = new Map(rows.map((r) => [r.code, r]))
      return codes.map((c) => byCode.get(c))
    }, async (code) => {
      const [row] = await this.#sql<ForUpdateRow[]>`
        select d.code, ${this.#sql.unsafe(DOSSIER_COLUMNS)} from dossiers d where d.code = ${code}`
      return row
    })
    const one = async (c: StepCall): Promise<number | undefined> => {
      const [row] = await this.#sql<Array<{ r: number }>>`
        select hub_step(${c.code}, ${c.step}, ${c.expected}, ${c.next}::text::json, ${c.confirm}::text, ${c.at}::timestamptz) as r`
      return row?.r
    }
    this.#steps = new TurnBatch(async (calls) => {
      // in the order of the dossiers' codes (two statements lock the dossiers they share in the
      // same order), as one aggregated row: a statement that fails after sending rows leaves the
      // postgres driver's row counter behind (porsager/postgres#1181). Should it fail (a deadlock
      // with a writer of one of them), each goes alone, so one dossier's trouble is its own.
      const order = calls.map((c, i) => ({ ...c, i })).sort((a, b) => a.code < b.code ? -1 : a.code > b.code ? 1 : a.i - b.i)
      try {
        const [row] = await this.#sql<Array<{ rs: Array<number | null> }>>`
          select array_agg(hub_step(x.code, x.step, x.expected, x.next::json, x.confirm, x.at) order by x.k) as rs
            from jsonb_to_recordset(${this.#sql.json(order.map((c, k) => ({ ...c, k })) as never)})
              as x(k integer, code text, step text, expected text, next text, confirm text, at timestamptz)`
        const answers: Array<number | undefined> = Array.from({ length: calls.length })
        order.forEach((c, k) => { answers[c.i] = row?.rs[k] ?? undefined })
        return answers
      } catch {
        return await Promise.all(calls.map(async (c) => await one(c).catch((err: unknown) => new CallFailure(err))))
      }
    }, one)
    // what the submission's key, else its reference, leads to as the asker may see it (hub_answer: the dossier's summary, or a conflict)
    const lookup = (): Fragment => this.#sql`coalesce(
        (select hub_answer(k.dossier_id, k.fingerprint, decode(x.fp, 'hex')) from idempotency_keys k
          where x.kh is not null and k.client_id = '' and k.key_hash = decode(x.kh, 'hex') and hub_known(k.dossier_id, x.asker)),
        (select hub_answer(r.dossier_id, r.fingerprint, decode(x.fp, 'hex')) from source_refs r
          where r.system = x.system and r.reference = x.reference and hub_known(r.dossier_id, x.asker)))`
    this.#priors = new TurnBatch(async (calls) => {
      // one json array (the driver's parser of a json[] with nulls in it fails)
      const [row] = await this.#sql<Array<{ rs: unknown[] }>>`
        select json_agg(${lookup()} order by x.k) as rs
          from json_to_recordset(${JSON.stringify(calls.map((c, k) => ({ ...c, k })))}::text::json) as x(k integer, kh text, fp text, asker text, system text, reference text)`
      return calls.map((_, k) => row?.rs[k])
    }, async (c) => {
      const [row] = await this.#sql<Array<{ r: unknown }>>`
        select ${lookup()} as r from (select ${c.kh}::text as kh, ${c.fp}::text as fp, ${c.asker}::text as asker, ${c.system}::text as system, ${c.reference}::text as reference) x`
      return row?.r
    })
    const intakeOne = async (c: IntakeCall): Promise<unknown> => {
      const [p, doc, steps, history, notification, facts] = c.args
      for (let attempt = 1; ; attempt++) {
        try {
          const [row] = await this.#sql<Array<{ r: unknown }>>`select hub_intake(${p}::text::jsonb, ${doc}::text::json,
            ${steps}::text::json, ${history}::text::json, ${notification}::text::json, ${facts}::text::json) as r`
          return row?.r
        } catch (err) {
          // chosen as a deadlock's victim (a statement of several intakes held what this one wanted):
          // nothing of it was stored; again, a few times
          if ((err as { code?: string }).code !== '40P01' || attempt >= INTAKE_DEADLOCK_TRIES) throw err
        }
      }
    }
    this.#intakes = new TurnBatch(async (calls) => {
      const answers: unknown[] = Array.from({ length: calls.length })
      // each slice is one statement: hub_intake called for each of its intakes in turn, in one
      // transaction committed once (a commit and a round trip cost about as much as a dossier's
      // rows). In the order of their content fingerprints, then keys and references, so two
      // statements that write some of the same rows write them in the same order (new dossiers of
      // one content, from several systems, share a fingerprint row; copies of one submission its
      // key and reference too); as one aggregated row (porsager/postgres#1181).
      // Should one fail (a code another statement took, a deadlock), nothing of it was stored and
      // each of its intakes goes alone, so one submission's trouble is its own.
      const order = calls.map((c, i) => ({ c, i })).sort((a, b) => a.c.order < b.c.order ? -1 : a.c.order > b.c.order ? 1 : a.i - b.i)
      // slices of up to INTAKE_BATCH intakes and INTAKE_BATCH_BYTES of documents (inline attachments make some
      // large), and at least INTAKE_PARALLEL of them when there are enough intakes: a statement runs on one
      // backend, one core, so a burst in one statement would wait for each of its intakes in turn
      const most = Math.min(INTAKE_BATCH, Math.ceil(order.length / INTAKE_PARALLEL))
      const slices: Array<typeof order> = []
      let bytes = 0
      for (const o of order) {
        const last = slices.at(-1)
        const size = o.c.args[1].length
        if (last === undefined || last.length >= most || bytes + size > INTAKE_BATCH_BYTES) {
          slices.push([o])
          bytes = size
        } else {
          last.push(o)
          bytes += size
        }
      }
      await Promise.all(slices.map(async (slice) => {
        const items = intakeItems(slice.map(({ c }) => c.args))
        try {
          const [row] = await this.#sql<Array<{ rs: unknown[] }>>`
            select json_agg(hub_intake(u.p, u.doc, u.steps, u.history, u.notification, u.facts) order by u.k) as rs
              from json_to_recordset(${items}::text::json) as u(k integer, p jsonb, doc json, steps json, history json, notification json, facts json)`
          slice.forEach(({ i }, k) => { answers[i] = row?.rs[k] })
        } catch {
          await Promise.all(slice.map(async ({ c, i }) => {
            answers[i] = await intakeOne(c).catch((err: unknown) => new CallFailure(err))
          }))
        }
      }))
      return answers
    }, intakeOne)
  }

  /**
   * Runs `call` (a statement answering one row `r`, hub_intake's or hub_apply's). When `r`'s
   * outcome is `applied`, the same statement, in the call's transaction, writes the rows of the
   * documents it reuses on the documents' access log (action reuse, for the dossier `purpose`
   * names), so a stored dossier or supplement never lacks its reuse record (Decree 13/2023/NĐ-CP);
   * and registers the results a report issued (each once, its register entry on the log for each
   * one new). Without either, the call alone.
   */
  async #withDocuments (call: PendingQuery<Array<{ r: unknown }>>, reuse: ReuseLog | undefined, purpose: Fragment, applied: 'created' | 'ok',
    results?: DossierChange['results']): Promise<{ r: unknown } | undefined> {
    const sql = this.#sql
    const reusing = reuse !== undefined && reuse.holders.length > 0
    const registering = results !== undefined && results.documents.length > 0
    if (!reusing && !registering) return (await call)[0]
    const reused = reusing
      ? sql`, reused as (
        insert into document_access (client, role, action, holder, document_ids, purpose, status)
        select ${reuse.client}, ${reuse.role}, 'reuse', h.holder, array(select json_array_elements_text(h.ids::json)), ${purpose}, 201
        from c, unnest(${reuse.holders.map((h) => h.holder)}::text[], ${reuse.holders.map((h) => JSON.stringify(h.documentIds))}::text[]) as h(holder, ids)
        where c.r->>'outcome' = ${applied}
        returning 1
      )`
      : sql``
    const registered = registering
      ? sql`, registered as (
        insert into documents (${sql.unsafe(DOCUMENT_COLUMNS)})
        select x.* from c, json_to_recordset(${JSON.stringify(results.documents.map(documentRecord))}::text::json) as x(${sql.unsafe(DOCUMENT_RECORD)})
        where c.r->>'outcome' = ${applied}
        on conflict do nothing
        returning id, holder
      ), logged as (
        insert into document_access (client, role, action, holder, document_ids, purpose, status)
        select ${results.agency}, 'agency', 'register', g.holder, array[g.id], ${purpose}, 201 from registered g
        returning 1
      )`
      : sql``
    const [row] = await sql<Array<{ r: unknown }>>`with c as (${call})${reused}${registered} select r from c`
    return row
  }

  /** Stores a new dossier with its routing states and outbox rows, or finds the one it repeats. One round trip. */
  async intake (input: IntakeInput): Promise<IntakeResult> {
    const steps = Object.entries(input.routing)
    const yymmdd = input.yymmdd
    const p = {
      asAgency: input.asAgency ?? null,
      fingerprint: input.fingerprint,
      keyHash: input.idempotencyKey === undefined ? null : sha256(input.idempotencyKey),
      source: input.source,
      origin: input.origin ?? null,
      receivedAt: input.receivedAt,
      arrivedAt: input.arrivedAt ?? null,
      code: input.code ?? null,
      contentFingerprint: input.contentFingerprint,
      windowMs: input.duplicateWindowMs,
      codeDaysKept: input.codeDaysKept,
      width: input.sequenceWidth,
      codePrefix: input.codePrefix,
      agencyCode: input.receivingAgencyCode,
      day: `20${yymmdd.slice(0, 2)}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`,
      status: nationalStatusCode(input.status),
      procedure: input.procedureCode,
      procedureName: input.procedureName,
      channel: CHANNEL_CODE[input.facts.channel],
      dueAt: input.dueAt ?? null,
      dueIndexAt: input.dueAt ?? null
    }
    // the scalars as one jsonb (parsed once, read by key); each value a json column keeps as its own
    // parameter, stored as the text it is — the document as given (migration 0018)
    const json = (value: unknown): string => JSON.stringify(value)
    const args = [json(p), input.doc, json(steps), json(input.history), json(input.notification ?? null), json(input.facts)] as const
    let answer: unknown
    try {
      if (input.reuseLog !== undefined && input.reuseLog.holders.length > 0) {
        // with reused documents, their access-log rows in the same statement when the dossier is created
        answer = (await this.#withDocuments(this.#sql`select hub_intake(${args[0]}::text::jsonb, ${args[1]}::text::json,
          ${args[2]}::text::json, ${args[3]}::text::json, ${args[4]}::text::json, ${args[5]}::text::json) as r`,
        input.reuseLog, this.#sql`c.r->>'code'`, 'created'))?.r
      } else {
        answer = await this.#intakes.call({ args, order: `${input.contentFingerprint}\n${p.keyHash ?? ''}\n${input.source.system}\n${input.source.reference}` })
      }
    } catch (err) {
      // a concurrent submission took the given code between the check and the insert
      if (input.code !== undefined && (err as { code?: string, constraint_name?: string }).code === '23505' && (err as { constraint_name?: string }).constraint_name === 'dossiers_code_key') {
        return { outcome: 'code-taken', code: input.code }
      }
      throw err
    }
    const r = parsed<{ outcome: 'created' | 'duplicate' | 'conflict' | 'code-taken', code: string, status: number, receivedAt: string, dueAt: string | null, procedure: string, procedureName: string, steps: unknown }>(answer)
    if (r.outcome === 'conflict' || r.outcome === 'code-taken') return { outcome: r.outcome, code: r.code }
    if (r.outcome === 'duplicate') {
      return {
        outcome: 'duplicate',
        summary: summaryOf({ code: r.code, status: r.status, received_at: r.receivedAt, due_at: r.dueAt, procedure_code: r.procedure, procedure_name: r.procedureName, steps: r.steps })
      }
    }
    return {
      outcome: 'created',
      summary: {
        code: r.code,
        status: input.status,
        statusCode: nationalStatusCode(input.status),
        receivedAt: input.receivedAt,
        ...(input.dueAt !== undefined && { dueAt: input.dueAt }),
        procedure: { code: input.procedureCode, name: input.procedureName },
        routing: input.routing
      }
    }
  }

  /** The canonical dossier with its status and routing state, or undefined. One round trip. */
  /**
   * A submission received before, found by its Idempotency-Key or its source reference as the asker
   * may see it (hub_known), answered as hub_intake answers a repeat ('duplicate' with the dossier's
   * summary, 'conflict' when it came with other content); undefined when it was not received. Reads
   * only: for an intake that is refused for a reason of today (a reused document revoked since) but
   * may be a repeat of one accepted then.
   */
  async prior (input: { idempotencyKey?: string, source: { system: string, reference: string }, fingerprint: string, asAgency?: string }): Promise<{ outcome: 'duplicate', summary: DossierSummary } | { outcome: 'conflict', code: string } | undefined> {
    const answer = await this.#priors.call({
      kh: input.idempotencyKey === undefined ? null : sha256(input.idempotencyKey),
      fp: input.fingerprint,
      asker: input.asAgency ?? null,
      system: input.source.system,
      reference: input.source.reference
    })
    if (answer === null || answer === undefined) return undefined
    const r = parsed<{ outcome: 'duplicate' | 'conflict', code: string, status: number, receivedAt: string, dueAt: string | null, procedure: string, procedureName: string, steps: unknown }>(answer)
    if (r.outcome === 'conflict') return { outcome: 'conflict', code: r.code }
    return { outcome: 'duplicate', summary: summaryOf({ code: r.code, status: r.status, received_at: r.receivedAt, due_at: r.dueAt, procedure_code: r.procedure, procedure_name: r.procedureName, steps: r.steps }) }
  }

  async get (code: string): Promise<Dossier | undefined> {
    return (await this.getForUpdate(code))?.dossier
  }

  /** The dossier with what a change needs: its route, status and version. One round trip (shared by the reads of one turn). */
  async getForUpdate (code: string): Promise<DossierForUpdate | undefined> {
    const row = await this.#reads.call(code)
    return row === undefined ? undefined : dossierOf(code, row)
  }

  /** Applies a change if the dossier's version is still `expectedVersion` (else 'stale': read again). One round trip. */
  async applyChange (c: DossierChange): Promise<ChangeResult> {
    const p = {
      code: c.code,
      expectedVersion: Number(c.expectedVersion),
      eventId: c.eventId ?? null,
      answer: c.answer ?? null,
      nextStatus: nationalStatusCode(c.nextStatus),
      at: c.at,
      nowMs: c.nowMs,
      dueAt: c.dueAt ?? null,
      dueIndex: c.dueIndex === undefined ? 'keep' : c.dueIndex === 'remove' ? 'remove' : String(c.dueIndex),
      release: c.release.map((r) => ({ step: r.step, kind: r.kind ?? 'dossier', member: outboxMember(c.code, r.step, r.kind) })),
      supplement: c.supplement ?? null,
      syncNow: c.syncNow === true
    }
    const history = (c.history ?? []).map((e) => ({
      e,
      from: e.statusFrom === undefined ? null : nationalStatusCode(e.statusFrom),
      to: e.statusTo === undefined ? null : nationalStatusCode(e.statusTo)
    }))
    // the scalars as one jsonb, each value a json column keeps as its own parameter (migration 0019)
    const json = (value: unknown): string => JSON.stringify(value)
    let row: { r: unknown } | undefined
    try {
      // with reused documents (a supplement), their access-log rows, and the results a report
      // issued, in the same statement when the change applies
      row = await this.#withDocuments(this.#sql`select hub_apply(${json(p)}::text::jsonb, ${json(c.facts ?? null)}::text::json,
        ${json(c.routing)}::text::json, ${json(history)}::text::json, ${json(c.notification ?? null)}::text::json) as r`,
      c.reuseLog, this.#sql`${c.code}::text`, 'ok', c.results)
    } catch (err) {
      // PostgreSQL chose this statement to end a deadlock (with a flush of the indicator facts, say):
      // nothing of it was written, as with a stale version, so the caller reads again and retries
      if ((err as { code?: string }).code === '40P01') return { outcome: 'stale' }
      throw err
    }
    const r = parsed<{ outcome: ChangeResult['outcome'], sequence?: number, answer?: string, syncUpTo?: number | null }>(row?.r)
    if (r.outcome === 'seen') return { outcome: 'seen', answer: r.answer ?? '' }
    if (r.outcome === 'ok') return { outcome: 'ok', sequence: r.sequence ?? 0, ...(typeof r.syncUpTo === 'number' && { syncUpTo: r.syncUpTo }) }
    return { outcome: r.outcome }
  }

  /** The applicant's n-th supplement (1-based), as stored. */
  async supplement (code: string, sequence: number): Promise<StoredSupplement | undefined> {
    const [row] = await this.#sql<Array<{ supplement_id: string, submitted_at: Date, attachments: unknown, note: string | null }>>`
      select s.supplement_id, s.submitted_at, s.attachments::text as attachments, s.note
      from supplements s join dossiers d on d.id = s.dossier_id where d.code = ${code} and s.seq = ${sequence}`
    if (row === undefined) return undefined
    return {
      id: row.supplement_id,
      sequence,
      attachments: parsed<Attachment[]>(row.attachments),
      ...(row.note !== null && { note: row.note }),
      submittedAt: iso(row.submitted_at)
    }
  }

  /** The answer stored for an agency's event id, when it was seen. */
  async eventAnswer (code: string, eventId: string): Promise<string | undefined> {
    const [row] = await this.#sql<Array<{ answer: string }>>`
      select e.answer from dossier_events e join dossiers d on d.id = e.dossier_id where d.code = ${code} and e.event_id = ${eventId}`
    return row?.answer
  }

  /** The dossier's history (what agencies reported and what it changed), oldest first. */
  async history (code: string): Promise<HistoryEntry[]> {
    const rows = await this.#sql<Array<{ entry: string }>>`
      select h.entry::text as entry from dossier_history h join dossiers d on d.id = h.dossier_id where d.code = ${code} order by h.seq`
    return rows.map((r) => JSON.parse(r.entry) as HistoryEntry)
  }

  /** The ids of the agencies a dossier is routed to; undefined when there is no such dossier. */
  async agenciesOf (code: string): Promise<string[] | undefined> {
    const [row] = await this.#sql<Array<{ agencies: string[] | null }>>`
      select array(select distinct s.agency from dossier_steps s where s.dossier_id = d.id) as agencies from dossiers d where d.code = ${code}`
    return row === undefined ? undefined : row.agencies ?? []
  }

  /** What a citizen-facing status lookup needs: no document read. Undefined when there is no such dossier. */
  async statusView (code: string): Promise<{ head: DossierHead, procedure: string, procedureName: string, agencies: string[] } | undefined> {
    const [row] = await this.#sql<Array<{ status: number, received_at: Date, due_at: Date | null, facts: string, procedure_code: string, procedure_name: string, agencies: string[] | null }>>`
      select d.status, d.received_at, d.due_at, d.facts::text as facts, d.procedure_code, d.procedure_name,
        array(select distinct s.agency from dossier_steps s where s.dossier_id = d.id) as agencies
      from dossiers d where d.code = ${code}`
    if (row === undefined) return undefined
    const dueAt = isoOrUndefined(row.due_at)
    return {
      head: { status: statusOf(row.status), receivedAt: iso(row.received_at), ...(dueAt !== undefined && { dueAt }), facts: JSON.parse(row.facts) as LifecycleFacts },
      procedure: row.procedure_code,
      procedureName: row.procedure_name,
      agencies: row.agencies ?? []
    }
  }

  /** Open dossiers whose clock ran out by `ms`, oldest due first (the overdue sweeper's work). */
  async dueBy (ms: number, limit: number): Promise<string[]> {
    const rows = await this.#sql<Array<{ code: string }>>`
      select d.code from dossiers d where d.due_index_at is not null and d.due_index_at <= ${new Date(ms)}
      order by d.due_index_at limit ${limit}`
    return rows.map((r) => r.code)
  }

  /** Stops the overdue sweeper's clock of a dossier (it is gone, or not due any more). */
  async dropDue (code: string): Promise<void> {
    await this.#sql`update dossiers set due_index_at = null where code = ${code} and due_index_at is not null`
  }

  async exists (code: string): Promise<boolean> {
    const [row] = await this.#sql`select 1 from dossiers where code = ${code}`
    return row !== undefined
  }

  /** The state of one step of a dossier's route, as stored (raw JSON, for compare-and-set) and parsed. */
  async stepState (code: string, step: string): Promise<{ raw: string, state: RoutingState } | undefined> {
    const [row] = await this.#sql<Array<{ raw: string }>>`
      select s.detail::text as raw from dossier_steps s join dossiers d on d.id = s.dossier_id where d.code = ${code} and s.step = ${step}`
    return row === undefined ? undefined : { raw: row.raw, state: JSON.parse(row.raw) as RoutingState }
  }

  /** The parsed state of one step (the agency id for a one-step route); undefined when there is no such step or dossier. */
  async routingState (code: string, step: string): Promise<RoutingState | undefined> {
    return (await this.stepState(code, step))?.state
  }

  /**
   * Replaces a step's state if it is still `expectedRaw` (compare-and-set); `next` undefined keeps
   * it. `confirm` names the outbox row (outboxMember) this outcome settles — the agency has the
   * message, or it will not be sent — so the relay stops sending it again; a delivery still being
   * tried keeps its row unconfirmed, and is queued again if its job is lost (Redis lost).
   */
  async updateStep (code: string, step: string, expectedRaw: string, next: RoutingState | undefined, now: string, confirm?: string): Promise<StepUpdate> {
    const r = await this.#steps.call({ code, step, expected: expectedRaw, next: next === undefined ? null : JSON.stringify(next), confirm: confirm ?? null, at: now })
    return r === 1 ? 'updated' : r === 0 ? 'stale' : r === -1 ? 'no-dossier' : 'no-step'
  }

  /** A page of dossier summaries, newest first (receivedAt, ties by code descending); the cursor is the last one's place. */
  async list (filter: ListFilter): Promise<ListPage> {
    const sql = this.#sql
    const status = filter.status === undefined ? null : nationalStatusCode(filter.status)
    const from = filter.receivedFromMs === undefined ? null : new Date(filter.receivedFromMs)
    const to = filter.receivedToMs === undefined ? null : new Date(filter.receivedToMs)
    const at = filter.cursor === undefined ? null : new Date(filter.cursor.score)
    const after = filter.cursor?.code ?? null
    const rows = await sql<SummaryRow[]>`
      select d.code, d.status, d.received_at, d.due_at, d.procedure_code, d.procedure_name, (${sql.unsafe(STEPS)})::text as steps
      from dossiers d
      where (${at}::timestamptz is null or (d.received_at, d.code collate "C") < (${at}::timestamptz, ${after}::text collate "C"))
        and (${status}::smallint is null or d.status = ${status}::smallint)
        and (${filter.procedure ?? null}::text is null or d.procedure_code = ${filter.procedure ?? null}::text)
        and (${from}::timestamptz is null or d.received_at >= ${from}::timestamptz)
        and (${to}::timestamptz is null or d.received_at <= ${to}::timestamptz)
        and (${filter.agency ?? null}::text is null or exists (select 1 from dossier_steps a where a.dossier_id = d.id and a.agency = ${filter.agency ?? null}::text))
      order by d.received_at desc, d.code collate "C" desc
      limit ${filter.limit + 1}`
    const items = rows.slice(0, filter.limit)
    const last = items.at(-1)
    return {
      items: items.map(summaryOf),
      ...(rows.length > filter.limit && last !== undefined && { next: { score: new Date(last.received_at).getTime(), code: last.code } })
    }
  }

  /**
   * Unconfirmed outbox rows of deliveries to agencies (the kinds this relay sends: other kinds,
   * payments and postal pickups, have their own) written, or last seen queued, at `beforeMs` or earlier: the least
   * recently looked at first, so that a relay run that stamps what it saw (outboxSeen) works
   * through every row in turn.
   */
  async outboxDue (beforeMs: number, limit: number): Promise<Array<{ code: string, step: string, kind: DeliveryKind, member: string }>> {
    return (await this.#relay.due(beforeMs, limit)).flatMap((member) => {
      const p = parseOutboxMember(member)
      return p === undefined ? [] : [{ ...p, member }]
    })
  }

  /** The relay saw the rows' messages in their queue (or queued them): looked at again a grace period later. One statement. */
  async outboxSeen (member: string | readonly string[]): Promise<void> {
    await this.#relay.seen(typeof member === 'string' ? [member] : member)
  }

  /**
   * Steps of an agency whose delivery failed for good and that no administrator discarded, oldest
   * dossier first, a page at a time: what retry-failed works from, whatever became of their jobs.
   */
  async failedSteps (agency: string, offset: number, count: number): Promise<Array<{ code: string, step: string, member: string }>> {
    const rows = await this.#sql<Array<{ code: string, step: string }>>`
      select d.code, s.step from dossier_steps s join dossiers d on d.id = s.dossier_id
      where s.agency = ${agency} and s.state = 'failed'
        and not exists (select 1 from outbox o where o.idempotency_key = d.code || '|' || s.step and o.discarded_at is not null)
      order by s.dossier_id, s.step offset ${offset} limit ${count}`
    return rows.map((r) => ({ code: r.code, step: r.step, member: outboxMember(r.code, r.step) }))
  }

  /** An administrator discarded a failed delivery: it leaves the failed steps retry-failed sends again. */
  async discardFailed (code: string, step: string, at: Date): Promise<void> {
    await this.#sql`
      insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at, confirmed_at, discarded_at)
      select 'dossier', s.agency, d.id, s.step, ${outboxMember(code, step)}, ${at}, ${at}, ${at}
      from dossiers d join dossier_steps s on s.dossier_id = d.id and s.step = ${step} where d.code = ${code}
      on conflict (idempotency_key) do update set discarded_at = excluded.discarded_at`
  }

  /** A failed delivery is sent again on request: discarded or not, it is a failed step like the others until it moves on. */
  async undiscardFailed (code: string, step: string): Promise<void> {
    await this.#sql`update outbox set discarded_at = null where idempotency_key = ${outboxMember(code, step)} and discarded_at is not null`
  }

  /** Confirms outbox rows: their messages are settled (or need no sending any more). One statement. */
  async outboxRemove (member: string | readonly string[]): Promise<void> {
    await this.#relay.confirm(typeof member === 'string' ? [member] : member)
  }
}
