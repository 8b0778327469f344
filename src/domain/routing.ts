/**
 * Linked routing (liên thông), as pure functions over a dossier's route: one RoutingState per
 * step, keyed by step id. No Redis, no clock: callers pass the time.
 *
 *  - Stages run in sequence, the steps of one stage in parallel (Decree 61/2018/NĐ-CP Art. 19.6–7; replaced by Decree 118/2025/NĐ-CP: article not verified).
 *    Stage N's steps wait until every required step of stage N-1 is resolved; then they are
 *    released (pending) and delivered with the earlier steps' result documents.
 *  - A step only moves forward: waiting → pending/retrying/failed → delivered → accepted →
 *    processing ⇄ supplement-requested ⇄ payment-requested → resolved | rejected. Delivery
 *    outcomes never undo what an agency reported; a report older or lower than what a step
 *    already shows is kept in the history but not applied.
 *  - A rejection at a required step cancels every step that has not finished; the dossier is
 *    not accepted (the first stage refused it before accepting it) or stopped.
 *  - The dossier is resolved when every required step is resolved.
 *  - When the applicant chose to get the result by post, the route ends with the return step
 *    (RETURN_STEP, the postal service, optional): released when the dossier is resolved, and its
 *    `resolved` (delivered to the applicant) makes the dossier returned (10). Reports on it are
 *    the only ones a resolved dossier still takes.
 */
import type { DossierStatus } from './status.ts'
import type { ResultDocument, RoutingState, StatusReport } from '../types/schemas.generated.ts'
import { RETURN_STEP } from '../../adapters/contract.ts'

export type StepState = RoutingState['state']
export type StepStatus = StatusReport['status']
export type Routing = Record<string, RoutingState>

/** How far a step has got. Equal ranks may follow each other (processing ⇄ supplement requested). */
export const STEP_RANK: Readonly<Record<StepState, number>> = {
  waiting: 0,
  pending: 1,
  retrying: 1,
  failed: 1,
  delivered: 2,
  accepted: 3,
  processing: 4,
  'supplement-requested': 4,
  'payment-requested': 4,
  resolved: 9,
  rejected: 9,
  cancelled: 9
}

const FINISHED: ReadonlySet<StepState> = new Set(['resolved', 'rejected', 'cancelled'])
/** Dossier statuses no agency report can change any more. */
const DOSSIER_FINAL: ReadonlySet<DossierStatus> = new Set(['resolved', 'returned', 'not-accepted', 'stopped', 'withdrawn'])

export const isFinished = (state: StepState): boolean => FINISHED.has(state)

/** The id of the route's last step when the result goes back by post: the canonical contract's (adapters/contract.ts). */
export { RETURN_STEP }

/** A step of a route as the routing table gives it (config/hub-config.ts ResolvedStep adds its time limit). */
export interface StepPlan {
  id: string
  agency: string
  stage: number
  task?: string
  required: boolean
  lead: boolean
}

export interface InitialRoutingOptions {
  /** the agency whose own software submitted the dossier: it holds it already */
  heldBy?: string
  /** that agency's reference for it */
  heldReference?: string
  at: string
}

/** The route of a new dossier: the first stage pending (or delivered to the agency that sent it), the rest waiting. */
export function initialRouting (steps: readonly StepPlan[], o: InitialRoutingOptions): Routing {
  const routing: Routing = {}
  for (const s of steps) {
    const base = {
      agency: s.agency, stage: s.stage, ...(s.task !== undefined && { task: s.task }), lead: s.lead, required: s.required, attempts: 0
    }
    if (s.stage > 0) routing[s.id] = { ...base, state: 'waiting' }
    else if (o.heldBy !== undefined && s.agency === o.heldBy) {
      routing[s.id] = { ...base, state: 'delivered', deliveredAt: o.at, ...(o.heldReference !== undefined && { agencyReference: o.heldReference }) }
    } else routing[s.id] = { ...base, state: 'pending' }
  }
  return routing
}

/** Steps that must be delivered now (pending or retrying), in stage order. */
export function stepsToDeliver (routing: Routing): string[] {
  return Object.entries(routing)
    .filter(([, r]) => r.state === 'pending' || r.state === 'retrying')
    .sort(([, a], [, b]) => a.stage - b.stage)
    .map(([id]) => id)
}

/** The dossier's status as its route says. `current` is kept where the route has nothing to say. */
export function statusFromRouting (routing: Routing, current: DossierStatus): DossierStatus {
  if (current === 'resolved' && routing[RETURN_STEP]?.state === 'resolved') return 'returned'
  if (DOSSIER_FINAL.has(current)) return current
  const steps = Object.values(routing)
  const required = steps.filter((s) => s.required !== false)
  if (required.some((s) => s.state === 'rejected')) return current === 'received' ? 'not-accepted' : 'stopped'
  if (required.length > 0 && required.every((s) => s.state === 'resolved')) return 'resolved'
  const open = steps.filter((s) => !isFinished(s.state))
  if (open.some((s) => s.state === 'supplement-requested')) return 'supplement-requested'
  if (open.some((s) => s.state === 'payment-requested')) return 'payment-requested'
  if (steps.some((s) => STEP_RANK[s.state] >= 3 || (s.stage > 0 && s.state !== 'waiting'))) return 'processing'
  return current === 'new' ? 'new' : 'received'
}

/**
 * Which of an agency's steps a report is about, when the report does not say: the earliest one
 * under way; else the latest one it already finished; else (nothing released yet) its first.
 */
export function stepForAgency (routing: Routing, agency: string): string | undefined {
  const mine = Object.entries(routing).filter(([, r]) => r.agency === agency).sort(([, a], [, b]) => a.stage - b.stage)
  const active = mine.find(([, r]) => r.state !== 'waiting' && !isFinished(r.state))
  if (active !== undefined) return active[0]
  const done = mine.filter(([, r]) => isFinished(r.state)).pop()
  return (done ?? mine[0])?.[0]
}

export type NotApplied = 'step-not-started' | 'step-finished' | 'older-than-current' | 'dossier-closed'

export type ReportOutcome =
  | { applied: false, reason: NotApplied, detail: string }
  | {
    applied: true
    routing: Routing
    status: DossierStatus
    /** steps of the next stage released by this report: deliver them */
    released: string[]
    /** steps cancelled because this report rejected the dossier */
    cancelled: string[]
  }

/**
 * Applies one agency report to one step. `at` is when the hub received it; the report's own
 * occurredAt (when given) orders reports of the same rank.
 */
export function applyReport (routing: Routing, status: DossierStatus, stepId: string, report: StatusReport, at: string): ReportOutcome {
  const step = routing[stepId]
  if (step === undefined) throw new Error(`no step ${stepId} in this route`)
  // a finished dossier takes no more reports, except on the steps that may still run after it
  // was resolved: the postal return, and optional steps (the funeral allowance after the death is registered)
  const stillRunning = (status === 'resolved' || status === 'returned') &&
    ((stepId === RETURN_STEP && status === 'resolved') || (step.required === false && stepId !== RETURN_STEP))
  if (DOSSIER_FINAL.has(status) && !stillRunning) {
    // a report that happened before the step's last one only arrived late (a race): kept, not applied
    const occurred = Date.parse(report.occurredAt ?? at)
    if (isFinished(step.state) && step.reportedAt !== undefined && occurred <= Date.parse(step.reportedAt)) {
      return { applied: false, reason: 'step-finished', detail: `step ${stepId} is ${step.state} already, reported at ${step.reportedAt}; this report is older` }
    }
    return { applied: false, reason: 'dossier-closed', detail: `the dossier is ${status} already: no report can change it` }
  }
  if (step.state === 'waiting') {
    return { applied: false, reason: 'step-not-started', detail: `step ${stepId} waits for an earlier stage; it has not been sent to ${step.agency} yet` }
  }
  if (isFinished(step.state)) {
    return { applied: false, reason: 'step-finished', detail: `step ${stepId} is ${step.state} already` }
  }
  const from = STEP_RANK[step.state]
  const to = STEP_RANK[report.status]
  const occurredAt = report.occurredAt ?? at
  if (to < from || (to === from && step.reportedAt !== undefined && Date.parse(occurredAt) < Date.parse(step.reportedAt))) {
    return { applied: false, reason: 'older-than-current', detail: `step ${stepId} is ${step.state}, reported at ${step.reportedAt ?? 'delivery'}; a ${report.status} report from ${occurredAt} cannot move it back` }
  }

  const next: Routing = { ...routing }
  const updated: RoutingState = {
    agency: step.agency,
    stage: step.stage,
    ...(step.task !== undefined && { task: step.task }),
    ...(step.lead !== undefined && { lead: step.lead }),
    ...(step.required !== undefined && { required: step.required }),
    state: report.status,
    attempts: step.attempts,
    ...(step.lastAttemptAt !== undefined && { lastAttemptAt: step.lastAttemptAt }),
    ...(step.deliveredAt !== undefined && { deliveredAt: step.deliveredAt }),
    ...((report.agencyReference ?? step.agencyReference) !== undefined && { agencyReference: report.agencyReference ?? step.agencyReference }),
    reportedAt: occurredAt,
    ...(report.note !== undefined && { note: report.note }),
    ...(report.reason !== undefined && { reason: report.reason }),
    ...(report.status === 'supplement-requested' && report.missing !== undefined && { missing: report.missing }),
    ...(report.status === 'payment-requested' && report.payment !== undefined && { payment: report.payment }),
    ...((report.dueAt ?? step.dueAt) !== undefined && { dueAt: report.dueAt ?? step.dueAt }),
    ...(report.status === 'resolved' && report.results !== undefined && report.results.length > 0 && {
      results: report.results.map((r): ResultDocument => ({ ...r, step: stepId, agency: step.agency }))
    })
  }
  // (a delivery error, if the step had one, means nothing once the agency reports on it: not copied)
  next[stepId] = updated

  const cancelled: string[] = []
  const released: string[] = []
  if (report.status === 'rejected' && step.required !== false) {
    for (const [id, r] of Object.entries(next)) {
      if (id === stepId || isFinished(r.state)) continue
      next[id] = { ...r, state: 'cancelled', reason: `stopped: step ${stepId} (${step.agency}) rejected the dossier` }
      cancelled.push(id)
    }
  } else if (report.status === 'resolved') {
    released.push(...releaseNextStage(next, step.stage))
  }
  const statusNow = report.status === 'rejected' && step.required !== false
    ? (status === 'received' && step.stage === 0 && STEP_RANK[step.state] < 3 ? 'not-accepted' : 'stopped')
    : statusFromRouting(next, status)
  return { applied: true, routing: next, status: statusNow, released, cancelled }
}

/** When every required step of `stage` is resolved, the next stage's waiting steps become pending. Mutates `routing`. */
function releaseNextStage (routing: Routing, stage: number): string[] {
  const steps = Object.values(routing)
  const done = steps.filter((s) => s.stage === stage && s.required !== false).every((s) => s.state === 'resolved')
  if (!done) return []
  const nextStage = Math.min(...steps.filter((s) => s.stage > stage).map((s) => s.stage))
  if (!Number.isFinite(nextStage)) return []
  const released: string[] = []
  for (const [id, r] of Object.entries(routing)) {
    if (r.stage === nextStage && r.state === 'waiting') {
      routing[id] = { ...r, state: 'pending' }
      released.push(id)
    }
  }
  return released
}

export type DeliveryUpdate =
  | { state: 'delivered', attempts: number, lastAttemptAt: string, deliveredAt: string, agencyReference?: string }
  | { state: 'retrying' | 'failed', attempts: number, lastAttemptAt?: string, lastError: string }

/**
 * Merges a delivery outcome into a step's state. Returns undefined when the step must not change:
 * it is already delivered or further (a late failure cannot undo it), waiting (never released) or
 * finished. A delivery confirmed after the agency already reported on the step only adds its
 * delivery facts.
 */
export function mergeDelivery (current: RoutingState, update: DeliveryUpdate): RoutingState | undefined {
  if (current.state === 'waiting' || isFinished(current.state)) return undefined
  if (update.state === 'delivered') {
    if (current.state === 'delivered') return undefined
    const { lastError: _e, ...rest } = current
    if (STEP_RANK[current.state] >= 3) {
      return { ...rest, attempts: Math.max(current.attempts, update.attempts), lastAttemptAt: update.lastAttemptAt, deliveredAt: current.deliveredAt ?? update.deliveredAt, ...(current.agencyReference === undefined && update.agencyReference !== undefined && { agencyReference: update.agencyReference }) }
    }
    return { ...rest, ...update }
  }
  if (STEP_RANK[current.state] >= 2) return undefined
  return { ...current, ...update, attempts: Math.max(current.attempts, update.attempts) }
}
