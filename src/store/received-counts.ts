/**
 * Counts of the dossiers RECEIVED in a period (received_at in [start, end], the denominator of
 * Decision 766 indicators 1.4, 3.3, 4.2–4.4) that meet some conditions, with the filters and the
 * groupings of the indicators (store/indicator-queries.ts): the province, each commune (level
 * 'commune', by receiving agency code), each procedure, each agency of the route (not the postal
 * return). One statement per call; each condition is a boolean SQL expression over the dossier row
 * `d`, read as the record stood at the period's end (the caller's expression compares its times
 * with `end`), so a past period gives the same counts whenever it is asked.
 *
 * Used by store/national-sync-indicators.ts (1.4) and store/once-only-indicators.ts (4.3, 4.4).
 */
import type { Fragment, Sql } from 'postgres'
import { RETURN_STEP } from '../domain/routing.ts'
import { periodBounds } from './stats-queries.ts'
import type { GroupKind, IndicatorQuery } from './indicator-queries.ts'

export type ReceivedCounts<K extends string> = { kind: GroupKind, key: string } & Record<K, number>

/**
 * For each grouping, how many dossiers received in the period meet each condition. `conditions`:
 * name → a function of the period's end giving a boolean SQL expression over `d` (dossiers).
 */
export async function receivedCounts<K extends string> (
  sql: Sql,
  q: IndicatorQuery,
  conditions: Readonly<Record<K, (end: Date) => Fragment>>
): Promise<Array<ReceivedCounts<K>>> {
  const { start, end } = periodBounds(q.from, q.to, q.now)
  const names = Object.keys(conditions) as K[]
  if (names.length === 0) throw new RangeError('receivedCounts: no condition')
  for (const n of names) if (!/^[a-z][A-Za-z0-9]*$/.test(n)) throw new RangeError(`receivedCounts: ${n} is not a plain name`)
  const flags = names.map((n, i) => sql`coalesce((${conditions[n](end)}), false) as ${sql(`c${i}`)}`)
  const join = (parts: Fragment[]): Fragment => parts.reduce((a, b) => sql`${a}, ${b}`)
  const counted = (distinct: boolean, alias: string): Fragment => join(names.map((n, i) =>
    distinct
      ? sql`(count(distinct r.id) filter (where ${sql(`r.c${i}`)}))::int as ${sql(n as string)}`
      : sql`(count(*) filter (where ${sql(`${alias}.c${i}`)}))::int as ${sql(n as string)}`))
  return await sql<Array<ReceivedCounts<K>>>`
    with received as (
      select d.id, d.procedure_code, d.level, d.receiving_agency, ${join(flags)}
      from dossiers d
      where d.received_at between ${start} and ${end}
        ${q.unit === undefined ? sql`` : sql`and d.receiving_agency = ${q.unit}`}
        ${q.procedure === undefined ? sql`` : sql`and d.procedure_code = ${q.procedure}`}
        ${q.agency === undefined ? sql`` : sql`and exists (select 1 from dossier_steps s where s.dossier_id = d.id and s.agency = ${q.agency} and s.step <> ${RETURN_STEP})`}
    )
    select
      case when grouping(f.procedure_code) = 0 then 'procedure' when grouping(f.unit) = 0 then 'commune' else 'province' end as kind,
      coalesce(f.procedure_code, f.unit, '') as key,
      ${counted(false, 'f')}
    from (select *, case when level = 'commune' then receiving_agency end as unit from received) f
    group by grouping sets ((), (f.unit), (f.procedure_code))
    having grouping(f.unit) = 1 or f.unit is not null
    union all
    select 'agency', s.agency, ${counted(true, 'r')}
    from received r join dossier_steps s on s.dossier_id = r.id and s.step <> ${RETURN_STEP}
      ${q.agency === undefined ? sql`` : sql`and s.agency = ${q.agency}`}
    group by s.agency`
}
