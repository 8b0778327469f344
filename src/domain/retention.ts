/**
 * Retention of closed dossiers (thời hạn lưu trữ), as pure rules: which dossiers have ended, when,
 * what "nothing pending" means, which period applies to a procedure, and the instant before which a
 * dossier's end makes it due. No database, no wall clock: callers pass the time.
 *
 * A dossier has ended when nothing more will happen to it:
 *   - not accepted (3), withdrawn (7), stopped (8): handling ended by a decision; counted from
 *     closedAt. Steps an agency never closed do not hold it: the decision ended them.
 *   - resolved (9) and returned (10): the result exists; counted from resolvedAt and returnedAt,
 *     and only with nothing pending: no step an agency may still report on (an optional step still
 *     running, a delivery still trying), no message the hub still has to send (an unconfirmed,
 *     undiscarded outbox row), no notification a subscriber has not had. A resolved dossier whose
 *     result was never collected ends with its resolution: after its years it goes like the rest.
 * Open dossiers (1, 2, 4, 5, 6) never are due, however old.
 *
 * Years are calendar years on the Vietnam calendar, counted from the instant the dossier ended: a
 * dossier returned on 2016-03-01 10:00 (Vietnam time) and kept 10 years is due from 2026-03-01
 * 10:00. An end on 29 February is due on 28 February of the year it falls due (never early).
 */
import { VIETNAM_OFFSET_MS } from './vietnam-time.ts'

/** Số năm lưu: whole years after the end, or for good. */
export type RetentionYears = number | 'forever'

/** The national status codes of ended dossiers, with the column that holds when each ended. */
export const ENDED_AT_COLUMN: Readonly<Record<number, 'closed_at' | 'resolved_at' | 'returned_at'>> = {
  3: 'closed_at',
  7: 'closed_at',
  8: 'closed_at',
  9: 'resolved_at',
  10: 'returned_at'
}

export const ENDED_STATUSES: readonly number[] = Object.keys(ENDED_AT_COLUMN).map(Number)

/** Statuses with a result (resolved, returned): ended only when nothing is pending. */
export const RESULT_STATUSES: readonly number[] = [9, 10]

/**
 * Step states in which an agency may still report, or a delivery is still being tried: a dossier
 * with a result and a step in one of these is not over. `failed` (delivery gave up; an
 * administrator retried it or discarded it), `resolved`, `rejected` and `cancelled` are over.
 */
export const OPEN_STEP_STATES: readonly string[] = ['waiting', 'pending', 'retrying', 'delivered', 'accepted', 'processing',
  'supplement-requested', 'payment-requested']

export interface RetentionSectorPolicy {
  id: string
  name?: string
  years: RetentionYears
  procedures: readonly string[]
}

export interface RetentionPolicy {
  /** false: the hub config has no retention section, and every dossier is kept for good */
  configured: boolean
  defaultYears: RetentionYears
  sectors: readonly RetentionSectorPolicy[]
  /** one procedure's period, over its sector's */
  procedures: ReadonlyMap<string, RetentionYears>
}

/** The policy when the config says nothing: keep everything. */
export const KEEP_EVERYTHING: RetentionPolicy = { configured: false, defaultYears: 'forever', sectors: [], procedures: new Map() }

export interface RetentionRule {
  years: RetentionYears
  /** where the period comes from: `procedure`, `sector <id>` or `default` */
  from: string
}

/** The period that applies to a procedure's dossiers: its own, else its sector's, else the default. */
export function ruleFor (policy: RetentionPolicy, procedureCode: string): RetentionRule {
  const own = policy.procedures.get(procedureCode)
  if (own !== undefined) return { years: own, from: 'procedure' }
  const sector = policy.sectors.find((s) => s.procedures.includes(procedureCode))
  if (sector !== undefined) return { years: sector.years, from: `sector ${sector.id}` }
  return { years: policy.defaultYears, from: 'default' }
}

/**
 * The instant `years` calendar years before `asOf` on the Vietnam calendar: a dossier that ended at
 * or before it has been kept its years. 29 February becomes 28 February (the later "1 March" would
 * make a dossier due a day early).
 */
export function cutoffBefore (asOf: Date, years: number): Date {
  const wall = new Date(asOf.getTime() + VIETNAM_OFFSET_MS)
  const month = wall.getUTCMonth()
  wall.setUTCFullYear(wall.getUTCFullYear() - years)
  if (wall.getUTCMonth() !== month) wall.setUTCDate(0)
  return new Date(wall.getTime() - VIETNAM_OFFSET_MS)
}

/** A procedure's cutoff, or null when its dossiers are kept for good. */
export interface ProcedureCutoff {
  procedure: string
  cutoff: Date | null
  rule: RetentionRule
}

export interface Cutoffs {
  /** for procedures the policy does not name; null: kept for good */
  default: Date | null
  /** every procedure the policy names (its own period or its sector's) */
  procedures: ProcedureCutoff[]
}

const cutoffOf = (asOf: Date, years: RetentionYears): Date | null => years === 'forever' ? null : cutoffBefore(asOf, years)

/** Every cutoff of the policy at `asOf`: what the database compares each dossier's end with. */
export function cutoffs (policy: RetentionPolicy, asOf: Date): Cutoffs {
  const named = new Set<string>([...policy.procedures.keys(), ...policy.sectors.flatMap((s) => s.procedures)])
  return {
    default: policy.configured ? cutoffOf(asOf, policy.defaultYears) : null,
    procedures: [...named].sort().map((procedure) => {
      const rule = ruleFor(policy, procedure)
      return { procedure, cutoff: policy.configured ? cutoffOf(asOf, rule.years) : null, rule }
    })
  }
}

/** The policy as plain JSON, as the hub config gives it (for a run's record and its manifest). */
export function describePolicy (policy: RetentionPolicy): Record<string, unknown> {
  return {
    configured: policy.configured,
    defaultYears: policy.defaultYears,
    sectors: Object.fromEntries(policy.sectors.map((s) => [s.id, { ...(s.name !== undefined && { name: s.name }), years: s.years, procedures: [...s.procedures] }])),
    procedures: Object.fromEntries([...policy.procedures.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
  }
}
