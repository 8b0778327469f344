/**
 * Dossiers in Redis: intake (receive once, numbering, indexes, outbox in one Lua script), reads,
 * the per-agency routing state and the outbox the reconciler works from. Key layout: keys.ts.
 */
import { readFileSync } from 'node:fs'
import type { Redis, Result } from 'ioredis'
import type { Dossier, DossierSummary, RoutingState } from '../types/schemas.generated.ts'
import { nationalStatusCode, type DossierStatus } from '../domain/status.ts'
import { Keys, outboxMember, parseOutboxMember } from './keys.ts'

const lua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8')
const summaryPrelude = lua('summary')

declare module 'ioredis' {
  interface RedisCommander<Context> {
    hubIntake(...args: Array<string | number>): Result<Array<string>, Context>
    hubRouting(...args: Array<string | number>): Result<number, Context>
    hubList(...args: Array<string | number>): Result<[number, string, string, ...string[][]], Context>
  }
}

/** Counters live a few days past their day, so a late retry never restarts a day's numbering. */
const SEQUENCE_TTL_SECONDS = 4 * 24 * 60 * 60
export const INITIAL_ROUTING_STATE: RoutingState = { state: 'pending', attempts: 0 }

export interface IntakeInput {
  idempotencyKey?: string
  source: { system: string, reference: string }
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
  agencies: readonly string[]
  dueAt?: string
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

export type RoutingUpdate = 'updated' | 'kept-delivered' | 'no-dossier' | 'not-routed'

function pairs (flat: readonly string[], from = 0): Map<string, string> {
  const m = new Map<string, string>()
  for (let i = from; i + 1 < flat.length; i += 2) m.set(flat[i] as string, flat[i + 1] as string)
  return m
}

function routingOf (fields: Map<string, string>): Record<string, RoutingState> {
  const routing: Record<string, RoutingState> = {}
  for (const agency of (fields.get('agencies') ?? '').split(',')) {
    const raw = fields.get(`r:${agency}`)
    if (agency !== '' && raw !== undefined) routing[agency] = JSON.parse(raw) as RoutingState
  }
  return routing
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
    ...(dueAt !== undefined && { dueAt })
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
    redis.defineCommand('hubIntake', { numberOfKeys: 5, lua: summaryPrelude + lua('intake') })
    redis.defineCommand('hubRouting', { numberOfKeys: 2, lua: lua('routing') })
    redis.defineCommand('hubList', { numberOfKeys: 1, lua: summaryPrelude + lua('list') })
  }

  /** Stores a new dossier with its routing states and outbox entries, or finds the one it repeats. One round trip. */
  async intake (input: IntakeInput): Promise<IntakeResult> {
    const k = this.keys
    const agencies = input.agencies.join(',')
    const initial = JSON.stringify(INITIAL_ROUTING_STATE)
    const reply = await this.redis.hubIntake(
      k.idempotency(input.idempotencyKey ?? ''), k.source(input.source.system, input.source.reference),
      k.sequence(input.receivingAgencyCode, input.yymmdd), k.outbox, k.indexAll,
      k.prefix, input.idempotencyKey === undefined ? '0' : '1', input.fingerprint, input.codePrefix,
      input.sequenceWidth, SEQUENCE_TTL_SECONDS, input.doc, input.receivedAt, input.receivedAtMs,
      input.status, input.procedureCode, input.procedureName, agencies, initial, input.dueAt ?? ''
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
        routing: Object.fromEntries(input.agencies.map((a) => [a, { ...INITIAL_ROUTING_STATE }]))
      }
    }
  }

  /** The canonical dossier with its status and routing state, or undefined. One round trip. */
  async get (code: string): Promise<Dossier | undefined> {
    const raw = await this.redis.hgetall(this.keys.dossier(code))
    const doc = raw.doc
    if (doc === undefined) return undefined
    const f = new Map(Object.entries(raw))
    return {
      ...headOf(code, f),
      ...(JSON.parse(doc) as Omit<Dossier, 'code' | 'status' | 'statusCode' | 'receivedAt'>),
      routing: routingOf(f)
    }
  }

  async exists (code: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.dossier(code))) === 1
  }

  /** The routing state of one agency for a dossier: undefined when the dossier is not routed there (or missing). */
  async routingState (code: string, agency: string): Promise<RoutingState | undefined> {
    const raw = await this.redis.hget(this.keys.dossier(code), `r:${agency}`)
    return raw === null ? undefined : JSON.parse(raw) as RoutingState
  }

  /** Records a delivery state; never turns `delivered` back into anything else. Confirms the outbox entry. */
  async setRoutingState (code: string, agency: string, state: RoutingState, now: string): Promise<RoutingUpdate> {
    const r = await this.redis.hubRouting(this.keys.dossier(code), this.keys.outbox, agency, JSON.stringify(state), state.state, outboxMember(code, agency), now)
    return r === 1 ? 'updated' : r === 0 ? 'kept-delivered' : r === -1 ? 'no-dossier' : 'not-routed'
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
  async outboxDue (beforeMs: number, limit: number): Promise<Array<{ code: string, agency: string, member: string }>> {
    const members = await this.redis.zrangebyscore(this.keys.outbox, '-inf', beforeMs, 'LIMIT', 0, limit)
    return members.flatMap((member) => {
      const parsed = parseOutboxMember(member)
      return parsed === undefined ? [] : [{ ...parsed, member }]
    })
  }

  async outboxRemove (member: string): Promise<void> {
    await this.redis.zrem(this.keys.outbox, member)
  }
}
