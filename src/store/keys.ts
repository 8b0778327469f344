/**
 * What the hub keeps in Redis, in one place. <p> is REDIS_PREFIX. Redis holds BullMQ's queues and
 * what can be rebuilt or lost without harm; the record (dossiers, history, notifications, outbox,
 * audit, clients) is PostgreSQL (store/migrations). A hub whose Redis is emptied carries on: the
 * outbox relay queues again every delivery not confirmed (queues/reconciler.ts), the pending
 * notifications are queued again, the maintenance schedulers are put back.
 *
 *   <p>:q:…                  BullMQ: a queue per agency (deliver.<agency>), webhooks, maintenance
 *   <p>:metrics:delivery     hash   delivery latency histogram counters by agency (store/metrics-store.ts)
 *   <p>:whlock:<sub>:<code>  string one webhook sender at a time per subscriber and dossier (order);
 *                                   expires by itself
 *   <p>:rl:…                 rate-limit counters (plugins/external/hardening.ts)
 *   <p>:clients:changed      pub/sub channel: a client was changed or removed, so every process
 *                                   drops its cached copy (auth/clients.ts)
 */
export class Keys {
  readonly prefix: string
  constructor (prefix: string) {
    this.prefix = prefix
  }

  get deliveryMetrics (): string { return `${this.prefix}:metrics:delivery` }
  webhookLock (subscriber: string, code: string): string { return `${this.prefix}:whlock:${subscriber}:${code}` }
  /** BullMQ's prefix: its keys become <p>:q:<queue name>:… */
  get queuePrefix (): string { return `${this.prefix}:q` }
  /** @fastify/rate-limit's name space: its counters are <p>:rl:<client or ip> */
  get rateLimitSpace (): string { return `${this.prefix}:rl:` }
  /** the channel on which a process announces a changed or removed client */
  get clientsChanged (): string { return `${this.prefix}:clients:changed` }
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

/**
 * The outbox row of one delivery is named by its idempotency key: "<code>|<step>", or
 * "<code>|<step>|<kind>" for a notice or supplement (table outbox, migrations/0001_record.sql).
 */
export const outboxMember = (code: string, step: string, kind: DeliveryKind = 'dossier'): string =>
  kind === 'dossier' ? `${code}|${step}` : `${code}|${step}|${kind}`
export function parseOutboxMember (member: string): { code: string, step: string, kind: DeliveryKind } | undefined {
  const [code, step, kind, ...rest] = member.split('|')
  if (code === undefined || code === '' || step === undefined || step === '' || rest.length > 0) return undefined
  if (kind !== undefined && kind !== 'withdrawal' && supplementSequence(kind as DeliveryKind) === undefined) return undefined
  return { code, step, kind: (kind ?? 'dossier') as DeliveryKind }
}
