/**
 * What each simulated agency system says, by adapter: how to read a delivery in its native
 * format, how it answers (its receipt), which result documents it issues, and how it words a
 * progress report (its native status format, or the canonical report for generic agencies).
 */
import type { ResultDocument, StatusReport } from '../../src/types/schemas.generated.ts'
import type { GenericRequest } from '../../adapters/generic/native.generated.ts'

/** A delivery as the simulator understood it. */
export interface Delivered {
  code: string
  step?: string
  /** the simulator's receipt number, once given */
  receipt?: string
  /** what kind of dossier (the adapter's own word for it), to choose result documents */
  kind?: string
}

/** The event body parts besides eventId / agency / step: `{ report }` or `{ native }`. */
export type EventPayload = { report: StatusReport } | { native: unknown }

export type ResultStub = Pick<ResultDocument, 'name' | 'componentCode'>

export interface Dialect {
  parse(body: unknown): Delivered
  receipt(receipt: string): object
  results(d: Delivered): ResultStub[]
  event(d: Delivered, report: StatusReport, context: { agencyId: string }): EventPayload
}

const generic: Dialect = {
  parse: (body) => {
    const b = body as GenericRequest
    if (typeof b?.dossier?.code !== 'string') throw new Error('expected { step, dossier } with dossier.code')
    return { code: b.dossier.code, step: b.step.id, kind: b.step.task ?? b.dossier.procedure.name }
  },
  receipt: (receipt) => ({ reference: receipt }),
  results: (d) => [{ name: `Kết quả: ${d.kind ?? 'xử lý hồ sơ'}`, componentCode: 'KQ-01' }],
  event: (_d, report) => ({ report })
}

export const dialects: Readonly<Record<string, Dialect>> = {
  generic
}
