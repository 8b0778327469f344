/**
 * The hub's Redis key layout, in one place. <p> is REDIS_PREFIX. BullMQ's own keys live under
 * <p>:q (see queues/). Client-chosen strings (idempotency keys, source references) are hashed
 * before they become part of a key name: key names never carry personal data.
 *
 *   <p>:d:<code>            hash   the dossier: doc (canonical JSON of the submission), fp,
 *                                   status, receivedAt, dueAt, procedure, procedureName,
 *                                   agencies (ids joined by ','), steps (step ids joined by ','),
 *                                   r:<step> (routing state JSON), updatedAt, v (version, bumped
 *                                   by every change: compare-and-set for agency reports)
 *   <p>:h:<code>            list   the dossier's history: agency reports and what they changed (JSON)
 *   <p>:audit:<code>        list   the dossier's audit trail: every read and write by a client, hash-chained
 *   <p>:ev:<code>           hash   event id -> the answer given to it (agency reports are idempotent)
 *   <p>:cf:<sha256>         string "<code>|<source system>" by procedure + applicant ID + data, for
 *                                   the cross-channel duplicate window (expires with it)
 *   <p>:idem:<sha256>       string dossier code, by Idempotency-Key
 *   <p>:src:<sha256>        string dossier code, by source system + source reference
 *   <p>:seq:<agency>:<YYMMDD> counter of the receiving agency's day (expires after a few days)
 *   <p>:clients             hash   client id -> JSON (role, agency, SHA-256 of the key's secret): auth/clients.ts
 *   <p>:outbox              zset   "<code>|<step>" deliveries stored but not yet confirmed queued, by ms
 *   <p>:ix:all              zset   codes by receivedAt ms
 *   <p>:ix:st:<status>      zset   codes by receivedAt ms, per status
 *   <p>:ix:ag:<agency>      zset   codes by receivedAt ms, per routed agency
 *   <p>:ix:pr:<procedure>   zset   codes by receivedAt ms, per procedure code
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
  audit (code: string): string { return `${this.prefix}:audit:${code}` }
  events (code: string): string { return `${this.prefix}:ev:${code}` }
  content (fingerprint: string): string { return `${this.prefix}:cf:${fingerprint}` }
  get outbox (): string { return `${this.prefix}:outbox` }
  get indexAll (): string { return `${this.prefix}:ix:all` }
  indexByStatus (status: string): string { return `${this.prefix}:ix:st:${status}` }
  indexByAgency (agency: string): string { return `${this.prefix}:ix:ag:${agency}` }
  indexByProcedure (procedure: string): string { return `${this.prefix}:ix:pr:${procedure}` }
  /** BullMQ's prefix: its keys become <p>:q:<queue name>:… */
  get queuePrefix (): string { return `${this.prefix}:q` }
}

/** Member of the outbox zset for one delivery. */
export const outboxMember = (code: string, step: string): string => `${code}|${step}`
export function parseOutboxMember (member: string): { code: string, step: string } | undefined {
  const i = member.lastIndexOf('|')
  if (i <= 0) return undefined
  return { code: member.slice(0, i), step: member.slice(i + 1) }
}
