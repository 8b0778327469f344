/**
 * Indicator 2.2's fact: each resolved dossier's handling time in its procedure's own unit
 * (migration 0015: indicator_facts.handling, handling_unit), counted by the domain's rule
 * (domain/indicators.ts handlingTime) with the working calendar, which is configuration (holiday
 * table, working hours) and so not in the database. The flush (indicator_flush) rebuilds a
 * dossier's facts with no handling time; this fills the resolved ones that have none, in batches,
 * each in one transaction holding the flush's lock (so a flush does not rebuild a dossier between
 * the read and the write). The time is fixed at the resolution (the history before it, the unit of
 * the deadline recorded at receipt), so a past period keeps its figure; a change of the holiday
 * table reaches a dossier only when its facts are rebuilt.
 *
 * The same for each resolved step (migration 0020: step_handling), an agency's 2.2: from the step's
 * receipt to its resolution as recorded, less the dossier's waits for papers within it
 * (domain/indicators.ts stepHandlingTime).
 */
import type { Sql } from 'postgres'
import type { DeadlineRule, WorkingCalendar } from '../domain/calendar.ts'
import { handlingTime, stepHandlingTime } from '../domain/indicators.ts'

interface Row {
  id: string
  received_at: Date
  resolved_at: Date
  channel: number
  rule: string | null
  waits: string
}

const parseRule = (rule: string | null): DeadlineRule | undefined => {
  const r = rule === null ? undefined : JSON.parse(rule) as DeadlineRule | null
  return r === null ? undefined : r
}
const parseWaits = (waits: string): Array<{ from: Date, to: Date }> =>
  (JSON.parse(waits) as Array<[string, string]>).map(([from, to]) => ({ from: new Date(from), to: new Date(to) }))

/**
 * The waits for papers of dossier `dossier` (a column) before `until` (a column): each change into 5
 * until the next status row that is not 5 (or `until`), as [[from, to], …] JSON text.
 */
const waitsUntil = (dossier: string, until: string): string => `coalesce((
            select json_agg(json_build_array(h.at, coalesce(n.at, ${until})) order by h.seq)
            from dossier_history h
            left join lateral (
              select n.at from dossier_history n
              where n.dossier_id = h.dossier_id and n.seq > h.seq and n.status_to is not null and n.status_to <> 5
              order by n.seq limit 1
            ) n on true
            where h.dossier_id = ${dossier} and h.status_to = 5 and h.status_from is distinct from 5 and h.at <= ${until}
          ), '[]')::text`

/**
 * Fills the handling time of every resolved dossier's facts, and of every resolved step's, that
 * have none; how many dossiers and steps it filled.
 */
export async function fillHandlingTimes (record: Sql, calendar: WorkingCalendar, batch = 2000): Promise<number> {
  return await fillDossiers(record, calendar, batch) + await fillSteps(record, calendar, batch)
}

interface StepRow {
  id: string
  step: string
  received_at: Date
  resolved_at: Date
  rule: string | null
  waits: string
}

async function fillSteps (record: Sql, calendar: WorkingCalendar, batch: number): Promise<number> {
  let total = 0
  for (;;) {
    const n = await record.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('indicator_flush'))`
      const rows = await tx<StepRow[]>`
        select t.dossier_id as id, t.step, t.step_received_at as received_at, t.step_resolved_at as resolved_at, d.deadline_rule::text as rule,
          -- the dossier's waits for papers before the step's resolution
          ${tx.unsafe(waitsUntil('t.dossier_id', 't.step_resolved_at'))} as waits
        from (
          select f.dossier_id, f.step, f.step_received_at, f.step_resolved_at from indicator_facts f
          where f.step_resolved_at is not null and f.step_handling is null limit ${batch}
        ) t
        join dossiers d on d.id = t.dossier_id`
      if (rows.length === 0) return 0
      const ids: string[] = []
      const steps: string[] = []
      const values: number[] = []
      for (const r of rows) {
        const rule = parseRule(r.rule)
        const { value } = stepHandlingTime(calendar, { receivedAt: r.received_at, resolvedAt: r.resolved_at }, { ...(rule !== undefined && { rule }), supplementWaits: parseWaits(r.waits) })
        ids.push(r.id)
        steps.push(r.step)
        values.push(value)
      }
      await tx`update indicator_facts f set step_handling = v.h
        from unnest(${ids}::bigint[], ${steps}::text[], ${values}::float8[]) as v(id, step, h)
        where f.dossier_id = v.id and f.step = v.step and f.step_resolved_at is not null`
      return rows.length
    })
    total += n
    if (n < batch) return total
  }
}

async function fillDossiers (record: Sql, calendar: WorkingCalendar, batch: number): Promise<number> {
  let total = 0
  for (;;) {
    const n = await record.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('indicator_flush'))`
      const rows = await tx<Row[]>`
        select d.id, d.received_at, d.resolved_at, d.channel, d.deadline_rule::text as rule,
          -- the waits for papers before the resolution
          ${tx.unsafe(waitsUntil('d.id', 'd.resolved_at'))} as waits
        from (select distinct f.dossier_id from indicator_facts f where f.resolved_at is not null and f.handling is null limit ${batch}) t
        join dossiers d on d.id = t.dossier_id`
      if (rows.length === 0) return 0
      const ids: string[] = []
      const values: number[] = []
      for (const r of rows) {
        const rule = parseRule(r.rule)
        const { value } = handlingTime(calendar, {
          receivedAt: r.received_at,
          resolvedAt: r.resolved_at,
          paper: r.channel !== 2,
          ...(rule !== undefined && { rule }),
          supplementWaits: parseWaits(r.waits)
        })
        ids.push(r.id)
        values.push(value)
      }
      await tx`update indicator_facts f set handling = v.h
        from unnest(${ids}::bigint[], ${values}::float8[]) as v(id, h)
        where f.dossier_id = v.id and f.resolved_at is not null`
      return rows.length
    })
    total += n
    if (n < batch) return total
  }
}
