/**
 * The dossier's life (vòng đời hồ sơ), as pure functions: the national statuses 1–10, every legal
 * transition in one table, and what a transition does to the dossier's dates and clock. No Redis,
 * no wall clock: callers pass the time and the working calendar.
 *
 *   - The clock (hạn xử lý) runs from receipt. A supplement (5) or payment (6) request stops it;
 *     when the dossier leaves 5/6 the due date moves by the paused working time
 *     (calendar.shiftForPause). An open dossier past its due date is flagged overdue once.
 *   - Resolved (9) stamps resolvedAt and the timeliness (early / on-time / overdue against dueAt);
 *     returned (10) stamps returnedAt; not accepted (3), withdrawn (7) and stopped (8) stamp closedAt.
 *   - An agency that will be late announces a new date: kept as rescheduledDueAt (the citizen sees
 *     it); on-time figures still count against dueAt.
 */
import { STATUSES, type DossierStatus } from './status.ts'
import type { DeadlineRule, Timeliness, WorkingCalendar } from './calendar.ts'
import { toVietnamIso } from './vietnam-time.ts'

/** How a withdrawal cancels a step (the applicant's reason follows); the withdrawal notice reads the reason back. */
export const WITHDRAWN_PREFIX = 'withdrawn by the applicant: '

/** Every legal status change: from → the statuses it may go to. */
export const TRANSITIONS: Readonly<Record<DossierStatus, readonly DossierStatus[]>> = {
  new: ['received', 'not-accepted', 'withdrawn'],
  received: ['processing', 'not-accepted', 'supplement-requested', 'payment-requested', 'withdrawn', 'stopped', 'resolved'],
  processing: ['supplement-requested', 'payment-requested', 'withdrawn', 'stopped', 'resolved'],
  'supplement-requested': ['processing', 'payment-requested', 'withdrawn', 'stopped', 'resolved'],
  'payment-requested': ['processing', 'supplement-requested', 'withdrawn', 'stopped', 'resolved'],
  resolved: ['returned'],
  'not-accepted': [],
  withdrawn: [],
  stopped: [],
  returned: []
}

/** Why a status has no way out, or what it waits for: the "why" of a refused transition. */
const WHY: Readonly<Record<DossierStatus, string>> = {
  new: 'a new dossier can only be received, refused or withdrawn',
  received: 'a received dossier is being handled: it cannot be returned before it is resolved',
  processing: 'a dossier in processing cannot be returned before it is resolved, nor refused at intake any more',
  'supplement-requested': 'the dossier waits for the applicant\'s papers; it cannot be returned before it is resolved',
  'payment-requested': 'the dossier waits for a payment; it cannot be returned before it is resolved',
  resolved: 'the dossier is resolved: only the return of its result (10) is left',
  'not-accepted': 'the dossier was not accepted: its handling has ended',
  withdrawn: 'the applicant withdrew the dossier: its handling has ended',
  stopped: 'handling of the dossier was stopped: it has ended',
  returned: 'the result was returned to the applicant: the dossier is closed'
}

export type TransitionCheck = { ok: true } | { ok: false, detail: string }

export function checkTransition (from: DossierStatus, to: DossierStatus): TransitionCheck {
  if (from === to || TRANSITIONS[from].includes(to)) return { ok: true }
  const allowed = TRANSITIONS[from].map((s) => `${s} (${STATUSES[s].code})`).join(', ')
  return {
    ok: false,
    detail: `cannot go from ${from} (${STATUSES[from].code}) to ${to} (${STATUSES[to].code}): ${WHY[from]}` +
      (allowed === '' ? '' : `; from ${from} it may go to ${allowed}`)
  }
}

/** Open: still being handled (counts as in progress; its clock may run out). */
export const isOpen = (status: DossierStatus): boolean => TRANSITIONS[status].length > 0 && status !== 'resolved'
/** The clock is stopped while the applicant must act. */
export const isPaused = (status: DossierStatus): boolean => status === 'supplement-requested' || status === 'payment-requested'

/**
 * What the hub keeps about a dossier's life beside its status: one small JSON (hash field `lc`).
 * Dates are ISO 8601 with offset.
 */
export interface LifecycleFacts {
  channel: 'counter' | 'online' | 'postal'
  level: 'province' | 'district' | 'commune'
  /** how the result goes back: counter, postal, online */
  returnMethod: 'counter' | 'postal' | 'online'
  /** the procedure's processing time, when the catalogue gives one */
  rule?: DeadlineRule
  /** the procedure's result is a paper document (the catalogue's paperResult when the dossier was received; absent: not said) */
  paperResult?: boolean
  pausedSince?: string
  overdueSince?: string
  rescheduledDueAt?: string
  resolvedAt?: string
  returnedAt?: string
  closedAt?: string
  timeliness?: Timeliness
}

/** The head of a dossier: what a lifecycle change reads and writes. */
export interface DossierHead {
  status: DossierStatus
  receivedAt: string
  dueAt?: string
  facts: LifecycleFacts
}

/** A paper dossier (counter or post) falls under the 15:00 rule (Decree 61/2018/NĐ-CP Art. 18; Decree 118/2025/NĐ-CP replaced it from 1 July 2025: its article on the cut-off is not verified). */
export const isPaper = (channel: LifecycleFacts['channel']): boolean => channel !== 'online'

/** The due date at receipt, or undefined when the procedure has no processing time. */
export function dueAtReceipt (calendar: WorkingCalendar, receivedAt: Date, facts: LifecycleFacts): Date | undefined {
  if (facts.rule === undefined) return undefined
  return calendar.dueDate(receivedAt, facts.rule, { paper: isPaper(facts.channel) })
}

/**
 * The head after a status change at `at` (already checked legal): the clock paused or restarted
 * (due date moved), finish stamps and timeliness. Pure; `head` is not changed.
 */
export function changeStatus (calendar: WorkingCalendar, head: DossierHead, to: DossierStatus, at: Date): DossierHead {
  const from = head.status
  if (from === to) return head
  const facts: LifecycleFacts = { ...head.facts }
  let dueAt = head.dueAt
  const atIso = toVietnamIso(at)
  if (!isPaused(from) && isPaused(to)) facts.pausedSince = atIso
  if (isPaused(from) && !isPaused(to) && facts.pausedSince !== undefined) {
    if (dueAt !== undefined && facts.rule !== undefined) {
      dueAt = toVietnamIso(calendar.shiftForPause(new Date(dueAt), new Date(facts.pausedSince), at, facts.rule.count))
    }
    delete facts.pausedSince
  }
  if (to === 'resolved' || (to === 'returned' && facts.resolvedAt === undefined)) {
    facts.resolvedAt = atIso
    if (dueAt !== undefined) facts.timeliness = calendar.timeliness(at, new Date(dueAt))
  }
  if (to === 'returned') facts.returnedAt = atIso
  if (to === 'not-accepted' || to === 'withdrawn' || to === 'stopped') facts.closedAt = atIso
  // a finished dossier is judged by its finish, not by the open-dossier flag
  if (!isOpen(to)) delete facts.overdueSince
  return { ...head, status: to, ...(dueAt !== undefined && { dueAt }), facts }
}

/** When the overdue sweeper should look at the dossier again (ms), or undefined: not open, paused, flagged, or no due date. */
export function overdueCheckAt (head: DossierHead): number | undefined {
  if (!isOpen(head.status) || isPaused(head.status) || head.facts.overdueSince !== undefined || head.dueAt === undefined) return undefined
  return Date.parse(head.dueAt)
}

/** The head of an open dossier found past its due date at `at`; undefined when it is not (any more) due for flagging. */
export function markOverdue (head: DossierHead, at: Date): DossierHead | undefined {
  const due = overdueCheckAt(head)
  if (due === undefined || due > at.getTime()) return undefined
  return { ...head, facts: { ...head.facts, overdueSince: toVietnamIso(at) } }
}

/**
 * Working days an agency has, from receiving a dossier, to ask for supplementary papers (the rule of
 * Decree 61/2018/NĐ-CP; replaced by Decree 118/2025/NĐ-CP, whose article and limit are not verified).
 */
export const SUPPLEMENT_REQUEST_DAYS = 3

/**
 * Whether an agency's supplement request at `at` came within SUPPLEMENT_REQUEST_DAYS working days
 * of the agency receiving the dossier (`receivedAt`: the step's delivery, or the dossier's receipt),
 * counted like a due date (a paper dossier received after 15:00 counts from the next working day).
 */
export function supplementRequestInTime (calendar: WorkingCalendar, receivedAt: Date, at: Date, channel: LifecycleFacts['channel']): boolean {
  return at.getTime() <= calendar.dueDate(receivedAt, { days: SUPPLEMENT_REQUEST_DAYS, count: 'working' }, { paper: isPaper(channel) }).getTime()
}

/**
 * An agency announces it will be late, with a new date (phiếu xin lỗi và hẹn lại ngày trả kết quả: Decree
 * 61/2018/NĐ-CP Art. 19.9; replaced by Decree 118/2025/NĐ-CP, whose article on it is not verified). Returns the new head and
 * whether the notice came in time (at least one working day before the due date), or undefined
 * when the date is not later than what the dossier shows already.
 */
export function announceDelay (calendar: WorkingCalendar, head: DossierHead, newDate: Date, at: Date): { head: DossierHead, inTime: boolean } | undefined {
  if (!isOpen(head.status)) return undefined
  const current = head.facts.rescheduledDueAt ?? head.dueAt
  if (current !== undefined && newDate.getTime() <= Date.parse(current)) return undefined
  const inTime = head.dueAt === undefined || calendar.workingTimeBetween(at, new Date(head.dueAt)) >= calendar.dayLength
  return { head: { ...head, facts: { ...head.facts, rescheduledDueAt: toVietnamIso(newDate) } }, inTime }
}
