/**
 * The agency's own reference (receipt number) in its answer to a delivery: the first of the named
 * fields of a JSON object answer that holds a non-blank string. Every adapter's `receipt` is this
 * with its agency's field names (soBienNhan, SoBienNhan, maTiepNhan, ItemCode…).
 */
import type { AgencyResponse } from '../contract.ts'

export function receiptField (response: AgencyResponse, ...fields: string[]): string | undefined {
  const body = response.body
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  for (const field of fields) {
    const v = (body as Record<string, unknown>)[field]
    if (typeof v === 'string' && v.trim() !== '') return v
  }
  return undefined
}
