/**
 * What the hub tells subscribers of a change (the webhook notification's body) and who the history
 * says acted: pure functions of the dossier's head and routing.
 */
import type { HistoryEntry } from '../types/schemas.generated.ts'
import type { DossierHead } from './lifecycle.ts'
import type { Routing } from './routing.ts'
import { STATUSES, type DossierStatus } from './status.ts'
import { toVietnamIso } from './vietnam-time.ts'

/** What a notification is about (a subscriber chooses which it receives). */
export type NotificationEvent = 'status-changed' | 'overdue' | 'delay-announced' | 'payment-address' | 'payment-reminder'
export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = ['status-changed', 'overdue', 'delay-announced', 'payment-address', 'payment-reminder']

/** Who acted, as the history and the notifications name them. */
export type HistoryActor = HistoryEntry['actor']

/** The client behind an action: its role, and for an agency's client the agency it speaks for. */
export interface ActingClient {
  id: string
  role: string
  agency?: string
}

const statusRef = (status: DossierStatus): { status: DossierStatus, code: number, name: string } =>
  ({ status, code: STATUSES[status].code, name: STATUSES[status].vi })

/** The actor of a client's action in the history. */
export function actorOf (client: ActingClient | undefined): HistoryActor {
  if (client === undefined) return { kind: 'admin', id: 'unknown' }
  if (client.role === 'agency') return { kind: 'agency', id: client.agency ?? client.id }
  return { kind: client.role === 'portal' ? 'portal' : 'admin', id: client.id }
}

/** With statuses 5 and 6: what each open step asks of the applicant (papers, payment), for the portal to tell them. */
export function applicantRequests (routing: Routing): Array<{ step: string, agency: string, missing?: unknown, payment?: unknown }> {
  return Object.entries(routing)
    .filter(([, r]) => r.state === 'supplement-requested' || r.state === 'payment-requested')
    .map(([step, r]) => ({
      step,
      agency: r.agency,
      ...(r.state === 'supplement-requested' && r.missing !== undefined && { missing: r.missing }),
      ...(r.state === 'payment-requested' && r.payment !== undefined && { payment: r.payment })
    }))
}

/** The webhook notification of a change, as kept in the dossier's list (id, sequence and dossier code are added when it is sent or read). */
export function notificationBody (procedure: string, event: NotificationEvent, from: DossierStatus | undefined, head: DossierHead, at: Date, actor: HistoryActor, note?: string, routing?: Routing): object {
  const requests = routing !== undefined && (head.status === 'supplement-requested' || head.status === 'payment-requested') ? applicantRequests(routing) : []
  return {
    event,
    procedure,
    at: toVietnamIso(at),
    ...(from !== undefined && { from: statusRef(from) }),
    to: statusRef(head.status),
    ...(note !== undefined && note !== '' && { note }),
    actor,
    ...(head.dueAt !== undefined && { dueAt: head.dueAt }),
    ...(head.facts.rescheduledDueAt !== undefined && { rescheduledDueAt: head.facts.rescheduledDueAt }),
    ...(requests.length > 0 && { requests })
  }
}
