/**
 * Generic adapter: the canonical dossier as JSON over HTTP. For agencies that have no native
 * format of their own (or accept the hub's), so a new agency needs configuration, not code.
 */
import type { AgencyAdapter, DeliverableDossier, DossierSubmission } from '../contract.ts'
import type { GenericStatusReport } from './native.generated.ts'
import statusSchema from './schemas/status.schema.json' with { type: 'json' }

function receiptFrom (body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const b = body as Record<string, unknown>
  for (const key of ['reference', 'receiptNumber', 'id']) {
    const v = b[key]
    if (typeof v === 'string' && v.length > 0) return v
  }
  return undefined
}

export const genericAdapter: AgencyAdapter<DossierSubmission, DeliverableDossier, GenericStatusReport> = {
  name: 'generic',
  description: 'Canonical dossier JSON over HTTP (định dạng chuẩn của trục liên thông).',
  nativeSchemas: {
    submission: { $ref: 'dossier-submission#' },
    request: { $ref: 'dossier#' },
    status: statusSchema
  },
  inbound: (native) => native,
  outbound: (dossier) => ({ method: 'POST', body: dossier }),
  status: (native) => ({
    status: native.status,
    ...(native.occurredAt !== undefined && { occurredAt: native.occurredAt }),
    ...(native.note !== undefined && { note: native.note })
  }),
  receipt: (response) => receiptFrom(response.body)
}

export default genericAdapter
