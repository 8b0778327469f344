/**
 * The hub's Redis key layout, in one place. <p> is REDIS_PREFIX. BullMQ's own keys live under
 * <p>:q (see queues/). Client-chosen strings (idempotency keys, source references) are hashed
 * before they become part of a key name: key names never carry personal data.
 *
 *   <p>:d:<code>            hash   the dossier: doc (canonical JSON of the submission), fp,
 *                                   status, receivedAt, dueAt, procedure, procedureName,
 *                                   agencies (ids joined by ','), steps (step ids joined by ','),
 *                                   r:<step> (routing state JSON), lc (lifecycle facts JSON),
 *                                   sups (supplements so far), sup:<n> (the n-th supplement JSON),
 *                                   updatedAt, v (version, bumped
 *                                   by every change: compare-and-set for agency reports)
 *   <p>:h:<code>            list   the dossier's history: agency reports and what they changed (JSON)
 *   <p>:ev:<code>           hash   event id -> the answer given to it (agency reports are idempotent)
 *   <p>:cf:<sha256>         string "<code>|<source system>" by procedure + applicant ID + data, for
 *                                   the cross-channel duplicate window (expires with it)
 *   <p>:idem:<sha256>       string dossier code, by Idempotency-Key
 *   <p>:src:<sha256>        string dossier code, by source system + source reference
 *   <p>:seq:<agency>:<YYMMDD> counter of the receiving agency's day (expires after a few days)
 *   <p>:clients             hash   client id -> JSON (role, agency, SHA-256 of the key's secret): auth/clients.ts
 *   <p>:outbox              zset   "<code>|<step>" deliveries stored but not yet confirmed queued, by ms
 *   <p>:failed:<agency>     zset   "<code>|<step>" steps whose delivery failed for good, by ms: what the
 *                                   admin API retries even when the BullMQ job is gone (a superset:
 *                                   entries whose step moved on are dropped when read)
 *   <p>:ix:all              zset   codes by receivedAt ms
 *   <p>:ix:st:<status>      zset   codes by receivedAt ms, per status
 *   <p>:ix:ag:<agency>      zset   codes by receivedAt ms, per routed agency
 *   <p>:ix:pr:<procedure>   zset   codes by receivedAt ms, per procedure code
 *   <p>:due                 zset   open dossiers whose clock runs (not paused, not yet flagged
 *                                   overdue), by due date ms: what the overdue sweeper looks at
 *   <p>:stats:<YYYYMMDD>    hash   statistics counters of one Vietnam day (domain/stats.ts);
 *                                   <p>:stats:now holds the counters of the present (open overdue)
 *   <p>:metrics:delivery    hash   delivery latency histogram counters by agency (store/metrics-store.ts)
 *   <p>:n:<code>            list   the dossier's notifications (status changes, overdue, delays)
 *                                   for webhook subscribers, in order; a notification's sequence
 *                                   number is its position (1-based)
 *   <p>:notify              zset   codes with notifications some subscriber may not have yet, by ms
 *   <p>:whc:<code>          hash   subscriber id -> how many of the dossier's notifications it has
 *   <p>:wl:<code>           list   webhook delivery log of the dossier (every attempt), newest last
 *   <p>:whlock:<sub>:<code> string one webhook sender at a time per subscriber and dossier (order)
 */
import { sha256Hex } from '../domain/fingerprint.ts'

export class Keys {
  readonly prefix: string
  constructor (prefix: string) {
    this.prefix = prefix
  }

  dossier (code: string): string { return `${this.prefix}:d:${code}` }
  idempotency (key: string): string { return `${this.prefix}:idem:${sha256Hex(key)}` }
  source (system: string, reference: string): string { return `${this.prefix}:src:${sha256Hex(`${system}\n${reference}`)}` }
  sequence (agencyCode: string, yymmdd: string): string { return `${this.prefix}:seq:${agencyCode}:${yymmdd}` }
  history (code: string): string { return `${this.prefix}:h:${code}` }
  events (code: string): string { return `${this.prefix}:ev:${code}` }
  content (fingerprint: string): string { return `${this.prefix}:cf:${fingerprint}` }
  get outbox (): string { return `${this.prefix}:outbox` }
  failedSteps (agency: string): string { return `${this.prefix}:failed:${agency}` }
  get indexAll (): string { return `${this.prefix}:ix:all` }
  indexByStatus (status: string): string { return `${this.prefix}:ix:st:${status}` }
  indexByAgency (agency: string): string { return `${this.prefix}:ix:ag:${agency}` }
  indexByProcedure (procedure: string): string { return `${this.prefix}:ix:pr:${procedure}` }
  get due (): string { return `${this.prefix}:due` }
  stats (day: string): string { return `${this.prefix}:stats:${day}` }
  get deliveryMetrics (): string { return `${this.prefix}:metrics:delivery` }
  notifications (code: string): string { return `${this.prefix}:n:${code}` }
  get notifyPending (): string { return `${this.prefix}:notify` }
  webhookCursor (code: string): string { return `${this.prefix}:whc:${code}` }
  webhookLog (code: string): string { return `${this.prefix}:wl:${code}` }
  webhookLock (subscriber: string, code: string): string { return `${this.prefix}:whlock:${subscriber}:${code}` }
  /** BullMQ's prefix: its keys become <p>:q:<queue name>:… */
  get queuePrefix (): string { return `${this.prefix}:q` }
}

/**
 * What a delivery job carries to the step's agency: the dossier, the notice that it was withdrawn,
 * or the applicant's n-th supplement (the papers the agency asked for).
 */
export type DeliveryKind = 'dossier' | 'withdrawal' | `supplement-${number}`

export const supplementKind = (sequence: number): DeliveryKind => `supplement-${sequence}`
/** The sequence number of a supplement delivery kind, or undefined for another kind. */
export function supplementSequence (kind: DeliveryKind | undefined): number | undefined {
  const m = /^supplement-(\d+)$/.exec(kind ?? '')
  return m === null ? undefined : Number(m[1])
}

/** Member of the outbox zset for one delivery: "<code>|<step>", or "<code>|<step>|<kind>" for a notice or supplement. */
export const outboxMember = (code: string, step: string, kind: DeliveryKind = 'dossier'): string =>
  kind === 'dossier' ? `${code}|${step}` : `${code}|${step}|${kind}`
export function parseOutboxMember (member: string): { code: string, step: string, kind: DeliveryKind } | undefined {
  const [code, step, kind, ...rest] = member.split('|')
  if (code === undefined || code === '' || step === undefined || step === '' || rest.length > 0) return undefined
  if (kind !== undefined && kind !== 'withdrawal' && supplementSequence(kind as DeliveryKind) === undefined) return undefined
  return { code, step, kind: (kind ?? 'dossier') as DeliveryKind }
}
