/**
 * Boundary-free receipt (tiếp nhận hồ sơ không phụ thuộc địa giới hành chính): since 1 July 2025
 * a dossier may be received at any one-stop desk of the province (Decree 118/2025/NĐ-CP, DOMAIN.md
 * "Since 1 July 2025"), so the receiving unit (the desk whose code starts the dossier code) and the
 * handling unit (the agency on the route) are separate. Where an agency has several instances
 * (land-office branches by commune), the competent one is picked by the dossier's place: the
 * commune of the applicant's address or of the land parcel, from the config's table. A commune not
 * listed, or a dossier without that place, stays with the agency the route names. Pure.
 */
import type { StepPlan } from './routing.ts'

export type PlaceKind = 'applicant' | 'parcel'

/** One agency's instances by commune (config `competence.<agency>`). */
export interface CompetenceTable {
  place: PlaceKind
  /** commune code (wardCode, 5 digits) → agency id */
  communes: ReadonlyMap<string, string>
}

/** Where each kind of place is in a dossier (JSON pointer, for messages and documentation). */
export const PLACE_POINTERS: Readonly<Record<PlaceKind, string>> = {
  applicant: '/applicant/address/wardCode',
  parcel: '/data/parcel/address/wardCode'
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The commune code of the dossier's place of that kind, or undefined when the dossier has none. */
export function placeCommune (dossier: { applicant?: unknown, data?: unknown }, place: PlaceKind): string | undefined {
  const holder = place === 'applicant' ? dossier.applicant : isObject(dossier.data) ? dossier.data.parcel : undefined
  const address = isObject(holder) ? holder.address : undefined
  const ward = isObject(address) ? address.wardCode : undefined
  return typeof ward === 'string' && ward !== '' ? ward : undefined
}

/** Which agency handles a step of agency `agency` for this dossier, and by which commune it was picked. */
export function competentAgency (agency: string, tables: ReadonlyMap<string, CompetenceTable>, dossier: { applicant?: unknown, data?: unknown }): { agency: string, commune?: string } {
  const table = tables.get(agency)
  if (table === undefined) return { agency }
  const commune = placeCommune(dossier, table.place)
  const picked = commune === undefined ? undefined : table.communes.get(commune)
  return picked === undefined ? { agency } : { agency: picked, commune }
}

/** The route's steps with each step's agency replaced by the instance competent for the dossier's place (step ids unchanged). */
export function assignCompetent<S extends StepPlan> (steps: readonly S[], tables: ReadonlyMap<string, CompetenceTable>, dossier: { applicant?: unknown, data?: unknown }): readonly S[] {
  if (tables.size === 0) return steps
  let changed = false
  const out = steps.map((s) => {
    const { agency } = competentAgency(s.agency, tables, dossier)
    if (agency === s.agency) return s
    changed = true
    return { ...s, agency }
  })
  return changed ? out : steps
}
