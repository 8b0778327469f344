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
 */
import type { Sql } from 'postgres'
import type { DeadlineRule, WorkingCalendar } from '../domain/calendar.ts'
import { handlingTime } from '../domain/indicators.ts'

interface Row {
  id: string
  received_at: Date
  resolved_at: Date
  channel: number
  rule: string | null
  waits: string
}

/** Fills the handling time of every resolved dossier's facts that have none; how many dossiers it filled. */
export async function fillHandlingTimes (record: Sql, calendar: WorkingCalendar, batch = 2000): Promise<number> {
  let total = 0
  for (;;) {
    const n = await record.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('indicator_flush'))`
      const rows = await tx<Row[]>`
        select d.id, d.received_at, d.resolved_at, d.channel, d.deadline_rule::text as rule,
          coalesce((
            -- the waits for papers before the resolution: each change into 5 until the next status row that is not 5
            select json_agg(json_build_array(h.at, coalesce(n.at, d.resolved_at)) order by h.seq)
            from dossier_history h
            left join lateral (
              select n.at from dossier_history n
              where n.dossier_id = h.dossier_id and n.seq > h.seq and n.status_to is not null and n.status_to <> 5
              order by n.seq limit 1
            ) n on true
            where h.dossier_id = d.id and h.status_to = 5 and h.status_from is distinct from 5 and h.at <= d.resolved_at
          ), '[]')::text as waits
        from (select distinct f.dossier_id from indicator_facts f where f.resolved_at is not null and f.handling is null limit ${batch}) t
        join dossiers d on d.id = t.dossier_id`
      if (rows.length === 0) return 0
      const ids: string[] = []
      const values: number[] = []
      for (const r of rows) {
        const rule = r.rule === null ? undefined : JSON.parse(r.rule) as DeadlineRule | null
        const waits = (JSON.parse(r.waits) as Array<[string, string]>).map(([from, to]) => ({ from: new Date(from), to: new Date(to) }))
        const { value } = handlingTime(calendar, {
          receivedAt: r.received_at,
          resolvedAt: r.resolved_at,
          paper: r.channel !== 2,
          ...(rule !== undefined && rule !== null && { rule }),
          supplementWaits: waits
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
