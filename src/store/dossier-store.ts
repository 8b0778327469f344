/**
 * Dossiers in Redis: intake (receive once, numbering, indexes, outbox in one Lua script), reads,
 * the per-agency routing state and the outbox the reconciler works from. Key layout: keys.ts.
 */
import { readFileSync } from 'node:fs'
import type { Redis, Result } from 'ioredis'
import type { Attachment, Dossier, DossierSummary, HistoryEntry, ResultDocument, RoutingState } from '../types/schemas.generated.ts'
import { nationalStatusCode, type DossierStatus } from '../domain/status.ts'
import type { Routing } from '../domain/routing.ts'
import type { DossierHead, LifecycleFacts } from '../domain/lifecycle.ts'
import { Keys, outboxMember, parseOutboxMember, type DeliveryKind } from './keys.ts'

const lua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')
const summaryPrelude = lua('summary')

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hubIntake(...args: Array<string | number>): Result<Array<string>, Context>
    hubRouting(...args: Array<string | number>): Result<number, Context>
    hubApply(...args: Array<string | number>): Result<Array<string | number>, Context>
    hubList(...args: Array<string | number>): Result<[number, string, string, ...string[][]], Context>
  }
}

/** Counters live a few days past their day, so a late retry never restarts a day's numbering. */
const SEQUENCE_TTL_SECONDS = 4 * 24 * 60 * 60

export interface IntakeInput {
  idempotencyKey?: string
  source: { system: string, reference: string }
  /** the system that first received the dossier and its reference (source.origin), when the sender says */
  origin?: { system: string, reference: string }
  fingerprint: string
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
  facts: LifecycleFacts
  /** the history entry of the receipt */
  history: HistoryEntry
  /** the webhook notification of the receipt, when anyone subscribes */
  notification?: object
  /** statistics counter increments ("<day>\t<field>" → n) */
  stats: ReadonlyMap<string, number>
  /**
   * The agency a native submission is for: the receive-once lookups pass over every dossier not
   * routed to it, as if it did not exist (lua/intake.lua). Undefined: the portal or an
   * administrator, who see every dossier.
   */
  asAgency?: string
}

export type IntakeResult =
  | { outcome: 'created', summary: DossierSummary }
  | { outcome: 'duplicate', summary: DossierSummary }
  | { outcome: 'conflict', code: string }

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
  /** statistics counter increments ("<day>\t<field>" → n) */
  stats?: ReadonlyMap<string, number>
  /** the webhook notification (without id and sequence: its position gives them) */
  notification?: object
  /** other hash fields to set (a supplement: sup:<n> and the count sups) */
  fields?: Readonly<Record<string, string>>
}

/** A supplement as stored in the dossier's hash (sup:<n>). */
export interface StoredSupplement {
  id: string
  sequence: number
  attachments: Attachment[]
  note?: string
  submittedAt: string
}

export type ChangeResult = { outcome: 'ok', sequence: number } | { outcome: 'seen', answer: string } | { outcome: 'stale' } | { outcome: 'missing' }

const statsArgs = (stats: ReadonlyMap<string, number> | undefined): Array<string | number> =>
  [...(stats ?? new Map<string, number>())].flatMap(([key, n]) => {
    const [day, field] = key.split('\t') as [string, string]
    return [day, field, n]
  })

/** The lifecycle facts of a dossier stored before they were kept (no `lc` field). */
const LEGACY_FACTS: LifecycleFacts = { channel: 'online', level: 'province', returnMethod: 'online' }

function pairs (flat: readonly string[], from = 0): Map<string, string> {
  const m = new Map<string, string>()
  for (let i = from; i + 1 < flat.length; i += 2) m.set(flat[i] as string, flat[i + 1] as string)
  return m
}

function routingOf (fields: Map<string, string>): Routing {
  const routing: Routing = {}
  for (const step of (fields.get('steps') ?? '').split(',')) {
    const raw = fields.get(`r:${step}`)
    if (step !== '' && raw !== undefined) routing[step] = JSON.parse(raw) as RoutingState
  }
  return routing
}

/** Result documents of every resolved step, in route order. */
function resultsOf (routing: Routing): ResultDocument[] {
  return Object.values(routing).flatMap((r) => r.results ?? [])
}

/** The hub-assigned head of a dossier (code, status, dates) from its hash fields. */
function headOf (code: string, f: Map<string, string>): Pick<Dossier, 'code' | 'status' | 'statusCode' | 'receivedAt' | 'dueAt'> {
  const status = f.get('status') as DossierStatus
  const dueAt = f.get('dueAt')
  return {
    code,
    status,
    statusCode: nationalStatusCode(status),
    receivedAt: f.get('receivedAt') as string,
    ...(dueAt !== undefined && dueAt !== '' && { dueAt })
  }
}

export function factsOf (raw: string | undefined | null): LifecycleFacts {
  return raw === undefined || raw === null || raw === '' ? LEGACY_FACTS : JSON.parse(raw) as LifecycleFacts
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

function summaryOf (code: string, f: Map<string, string>): DossierSummary {
  return {
    ...headOf(code, f),
    procedure: { code: f.get('procedure') as string, name: f.get('procedureName') as string },
    routing: routingOf(f)
  }
}

export class DossierStore {
  readonly redis: Redis
  readonly keys: Keys

  constructor (redis: Redis, prefix: string) {
    this.redis = redis
    this.keys = new Keys(prefix)
    redis.defineCommand('hubIntake', { numberOfKeys: 9, lua: summaryPrelude + lua('intake') })
    redis.defineCommand('hubRouting', { numberOfKeys: 3, lua: lua('routing') })
    redis.defineCommand('hubApply', { numberOfKeys: 7, lua: lua('apply') })
    redis.defineCommand('hubList', { numberOfKeys: 1, lua: summaryPrelude + lua('list') })
  }

  /** Stores a new dossier with its routing states and outbox entries, or finds the one it repeats. One round trip. */
  async intake (input: IntakeInput): Promise<IntakeResult> {
    const k = this.keys
    const steps = Object.entries(input.routing)
    const agencies = [...new Set(steps.map(([, r]) => r.agency))].join(',')
    const stepArgs = steps.flatMap(([, r]) => [JSON.stringify(r), r.state === 'pending' ? '1' : '0'])
    const reply = await this.redis.hubIntake(
      k.idempotency(input.idempotencyKey ?? ''), k.source(input.source.system, input.source.reference),
      k.sequence(input.receivingAgencyCode, input.yymmdd), k.outbox, k.indexAll, k.content(input.contentFingerprint),
      input.origin === undefined ? k.source('', '') : k.source(input.origin.system, input.origin.reference),
      k.due, k.notifyPending,
      k.prefix, input.idempotencyKey === undefined ? '0' : '1', input.fingerprint, input.codePrefix,
      input.sequenceWidth, SEQUENCE_TTL_SECONDS, input.doc, input.receivedAt, input.receivedAtMs,
      input.status, input.procedureCode, input.procedureName, agencies, steps.map(([id]) => id).join(','), input.dueAt ?? '',
      input.source.system, input.duplicateWindowMs, input.origin === undefined ? '0' : '1',
      JSON.stringify(input.facts), input.dueAt === undefined ? '' : Date.parse(input.dueAt), JSON.stringify(input.history),
      input.notification === undefined ? '' : JSON.stringify(input.notification), input.asAgency ?? '',
      input.stats.size, ...statsArgs(input.stats),
      ...stepArgs
    )
    const [outcome, code] = reply as [string, string]
    if (outcome === 'conflict') return { outcome, code }
    if (outcome === 'duplicate') return { outcome, summary: summaryOf(code, pairs(reply, 2)) }
    return {
      outcome: 'created',
      summary: {
        code,
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
  async get (code: string): Promise<Dossier | undefined> {
    return (await this.getForUpdate(code))?.dossier
  }

  /** The dossier with what a change needs: its route, status and version. One round trip. */
  async getForUpdate (code: string): Promise<DossierForUpdate | undefined> {
    const raw = await this.redis.hgetall(this.keys.dossier(code))
    const doc = raw.doc
    if (doc === undefined) return undefined
    const f = new Map(Object.entries(raw))
    const routing = routingOf(f)
    const results = resultsOf(routing)
    const facts = factsOf(raw.lc)
    const head = headOf(code, f)
    const dossier: Dossier = {
      ...head,
      ...publicFacts(facts),
      ...(JSON.parse(doc) as Omit<Dossier, 'code' | 'status' | 'statusCode' | 'receivedAt'>),
      routing,
      ...(results.length > 0 && { results })
    }
    return {
      dossier,
      routing,
      status: dossier.status,
      version: raw.v ?? '0',
      receivedAtMs: Date.parse(dossier.receivedAt),
      head: { status: head.status, receivedAt: head.receivedAt, ...(head.dueAt !== undefined && { dueAt: head.dueAt }), facts },
      agencies: (raw.agencies ?? '').split(',').filter((a) => a !== ''),
      supplements: Number(raw.sups ?? 0)
    }
  }

  /** Applies a change if the dossier's version is still `expectedVersion` (else 'stale': read again). One round trip. */
  async applyChange (c: DossierChange): Promise<ChangeResult> {
    const k = this.keys
    const pairs = [...Object.entries(c.routing).flatMap(([id, r]) => [`r:${id}`, JSON.stringify(r)]), ...Object.entries(c.fields ?? {}).flat()]
    const history = (c.history ?? []).map((h) => JSON.stringify(h))
    const stats = statsArgs(c.stats)
    const release = c.release.map((r) => r.kind === undefined || r.kind === 'dossier' ? r.step : `${r.step}|${r.kind}`)
    const reply = await this.redis.hubApply(
      k.dossier(c.code), k.history(c.code), k.events(c.code), k.outbox, k.due, k.notifications(c.code), k.notifyPending,
      k.prefix, c.code, c.expectedVersion, c.eventId ?? '', c.answer ?? '',
      c.status, c.nextStatus, c.receivedAtMs, c.nowMs, c.at,
      c.facts === undefined ? '' : JSON.stringify(c.facts), c.dueAt ?? '',
      c.dueIndex === undefined ? '' : c.dueIndex === 'remove' ? 'rem' : c.dueIndex,
      c.notification === undefined ? '' : JSON.stringify(c.notification),
      history.length, pairs.length / 2, stats.length / 3, release.length,
      ...history, ...pairs, ...stats, ...release
    )
    const [outcome, second] = reply as [ChangeResult['outcome'], string | number | undefined]
    if (outcome === 'seen') return { outcome, answer: String(second) }
    if (outcome === 'ok') return { outcome, sequence: Number(second ?? 0) }
    return { outcome } as ChangeResult
  }

  /** The applicant's n-th supplement (1-based), as stored. */
  async supplement (code: string, sequence: number): Promise<StoredSupplement | undefined> {
    const raw = await this.redis.hget(this.keys.dossier(code), `sup:${sequence}`)
    return raw === null ? undefined : JSON.parse(raw) as StoredSupplement
  }

  /** The answer stored for an agency's event id, when it was seen. */
  async eventAnswer (code: string, eventId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.events(code), eventId)) ?? undefined
  }

  /** The dossier's history (what agencies reported and what it changed), oldest first. */
  async history (code: string): Promise<HistoryEntry[]> {
    const entries = await this.redis.lrange(this.keys.history(code), 0, -1)
    return entries.map((e) => JSON.parse(e) as HistoryEntry)
  }

  /** The ids of the agencies a dossier is routed to; undefined when there is no such dossier. */
  async agenciesOf (code: string): Promise<string[] | undefined> {
    const raw = await this.redis.hget(this.keys.dossier(code), 'agencies')
    return raw === null ? undefined : raw.split(',').filter((a) => a !== '')
  }

  /** What a citizen-facing status lookup needs: one HMGET, no document parsed. Undefined when there is no such dossier. */
  async statusView (code: string): Promise<{ head: DossierHead, procedure: string, procedureName: string, agencies: string[] } | undefined> {
    const [status, receivedAt, dueAt, lc, procedure, procedureName, agencies] =
      await this.redis.hmget(this.keys.dossier(code), 'status', 'receivedAt', 'dueAt', 'lc', 'procedure', 'procedureName', 'agencies')
    if (status === null || status === undefined || receivedAt === null || receivedAt === undefined) return undefined
    return {
      head: { status: status as DossierStatus, receivedAt, ...(typeof dueAt === 'string' && dueAt !== '' && { dueAt }), facts: factsOf(lc) },
      procedure: procedure ?? '',
      procedureName: procedureName ?? '',
      agencies: (agencies ?? '').split(',').filter((a) => a !== '')
    }
  }

  /** Open dossiers whose clock ran out by `ms`, oldest due first (the overdue sweeper's work). */
  async dueBy (ms: number, limit: number): Promise<string[]> {
    return await this.redis.zrangebyscore(this.keys.due, '-inf', ms, 'LIMIT', 0, limit)
  }

  /** Takes a dossier out of the overdue sweeper's index (it is gone, or not due any more). */
  async dropDue (code: string): Promise<void> {
    await this.redis.zrem(this.keys.due, code)
  }

  async exists (code: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.dossier(code))) === 1
  }

  /** The state of one step of a dossier's route, as stored (raw JSON, for compare-and-set) and parsed. */
  async stepState (code: string, step: string): Promise<{ raw: string, state: RoutingState } | undefined> {
    const raw = await this.redis.hget(this.keys.dossier(code), `r:${step}`)
    return raw === null ? undefined : { raw, state: JSON.parse(raw) as RoutingState }
  }

  /** The parsed state of one step (the agency id for a one-step route); undefined when there is no such step or dossier. */
  async routingState (code: string, step: string): Promise<RoutingState | undefined> {
    return (await this.stepState(code, step))?.state
  }

  /**
   * Replaces a step's state if it is still `expectedRaw` (compare-and-set), and confirms the step's
   * outbox entry. `next` undefined only confirms the outbox entry. A step that fails for good is
   * listed among its agency's failed steps (taken out when it moves on), so an administrator can
   * retry it whatever became of its job.
   */
  async updateStep (code: string, step: string, expectedRaw: string, next: RoutingState | undefined, now: string): Promise<StepUpdate> {
    const failedKey = this.keys.failedSteps(next?.agency ?? '-')
    const failed = next === undefined ? '' : next.state === 'failed' ? '1' : '0'
    const r = await this.redis.hubRouting(this.keys.dossier(code), this.keys.outbox, failedKey, step, expectedRaw, next === undefined ? '' : JSON.stringify(next), outboxMember(code, step), now, failed, Date.now())
    return r === 1 ? 'updated' : r === 0 ? 'stale' : r === -1 ? 'no-dossier' : 'no-step'
  }

  async list (filter: ListFilter): Promise<ListPage> {
    const k = this.keys
    const index = filter.agency !== undefined
      ? k.indexByAgency(filter.agency)
      : filter.procedure !== undefined
        ? k.indexByProcedure(filter.procedure)
        : filter.status !== undefined ? k.indexByStatus(filter.status) : k.indexAll
    let max = filter.receivedToMs ?? Number.POSITIVE_INFINITY
    if (filter.cursor !== undefined) max = Math.min(max, filter.cursor.score)
    const reply = await this.redis.hubList(
      index, k.prefix,
      Number.isFinite(max) ? String(max) : '+inf',
      filter.cursor !== undefined && filter.cursor.score <= max ? filter.cursor.code : '',
      filter.receivedFromMs !== undefined ? String(filter.receivedFromMs) : '-inf',
      filter.limit, filter.status ?? '', filter.agency ?? '', filter.procedure ?? '', 5000
    )
    const [more, lastScore, lastCode, ...rows] = reply
    const items = rows.map((row) => summaryOf(row[0] as string, pairs(row, 1)))
    return {
      items,
      ...(more === 1 && { next: { score: Number(lastScore), code: lastCode } })
    }
  }

  /** Deliveries stored at least `olderThanMs` ago and still not confirmed queued. */
  async outboxDue (beforeMs: number, limit: number): Promise<Array<{ code: string, step: string, kind: DeliveryKind, member: string }>> {
    const members = await this.redis.zrangebyscore(this.keys.outbox, '-inf', beforeMs, 'LIMIT', 0, limit)
    return members.flatMap((member) => {
      const parsed = parseOutboxMember(member)
      return parsed === undefined ? [] : [{ ...parsed, member }]
    })
  }

  /** Steps of an agency listed as failed for good ("<code>|<step>"), oldest first, a page at a time. */
  async failedSteps (agency: string, offset: number, count: number): Promise<Array<{ code: string, step: string, member: string }>> {
    const members = await this.redis.zrange(this.keys.failedSteps(agency), String(offset), String(offset + count - 1))
    return members.flatMap((member) => {
      const parsed = parseOutboxMember(member)
      return parsed === undefined ? [] : [{ code: parsed.code, step: parsed.step, member }]
    })
  }

  /** Takes a step off its agency's failed list (retried, discarded, or moved on). */
  async unlistFailed (agency: string, code: string, step: string): Promise<void> {
    await this.redis.zrem(this.keys.failedSteps(agency), outboxMember(code, step))
  }

  async outboxRemove (member: string): Promise<void> {
    await this.redis.zrem(this.keys.outbox, member)
  }
}
