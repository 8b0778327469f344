/**
 * The hub config's `retention` section (already validated by schemas/hub-config.schema.json) as
 * the domain's RetentionPolicy, cross-checked: a procedure belongs to one sector at most (two
 * would leave its period to the order of the file). A procedure the catalogue (/procedures) no
 * longer lists is accepted: its old dossiers are still in the record and still need a period.
 */
import type { RetentionConfig, RetentionYears as ConfigYears } from '../types/schemas.generated.ts'
import { KEEP_EVERYTHING, type RetentionPolicy, type RetentionSectorPolicy, type RetentionYears } from '../domain/retention.ts'

/** The schema allows an integer 1–100 or the string "forever" (its pattern). */
const years = (value: ConfigYears): RetentionYears => value === 'forever' ? 'forever' : Number(value)

export function resolveRetention (config: RetentionConfig | undefined, origin: string, problems: string[]): RetentionPolicy {
  if (config === undefined) return KEEP_EVERYTHING
  const sectors: RetentionSectorPolicy[] = []
  const sectorOf = new Map<string, string>()
  for (const [id, sector] of Object.entries(config.sectors ?? {})) {
    if (sector === undefined) continue
    for (const code of sector.procedures) {
      const other = sectorOf.get(code)
      if (other !== undefined) problems.push(`${origin}: /retention/sectors/${id}/procedures lists ${code}, which sector ${other} lists too: a procedure belongs to one sector (give it its own period under /retention/procedures instead)`)
      else sectorOf.set(code, id)
    }
    sectors.push({ id, ...(sector.name !== undefined && { name: sector.name }), years: years(sector.years), procedures: [...sector.procedures] })
  }
  const procedures = new Map<string, RetentionYears>()
  for (const [code, value] of Object.entries(config.procedures ?? {})) {
    if (value !== undefined) procedures.set(code, years(value))
  }
  return { configured: true, defaultYears: years(config.defaultYears), sectors, procedures }
}
