/**
 * What every simulated agency system shares (npm run agencies, the tests): how a simulator reads a
 * delivery, answers it, reports progress in its agency's native format, and takes withdrawal and
 * supplement notices. Each agency's own simulator is beside its adapter (adapters/<name>/simulator.ts)
 * and takes its codes from the adapter's tables, so the two cannot drift apart.
 *
 * A native report a simulator builds must validate against the adapter's status schema and map back,
 * through the adapter's status(), to the canonical report it was built from (same status, and the
 * same missing papers, payment, reason or result documents).
 */
import type { ResultDocument, StatusReport } from '../../src/types/schemas.generated.ts'
import { toCompactVietnam } from './vietnam-datetime.ts'

/** A delivery as the simulator understood it. */
export interface Delivered {
  code: string
  step?: string
  /** the simulator's receipt number, once given */
  receipt?: string
  /** what kind of dossier (the adapter's own word for it), to choose result documents */
  kind?: string
  /** the step's stage in a linked route (0 for the first), when the native request says */
  stage?: number
  /** a finer distinction within the kind that changes the result documents (which Phiếu lý lịch tư pháp, which use of electricity) */
  variant?: string
  /** how many copies of the main result the request asks for, when it says */
  copies?: number
  /** who is to receive a postal shipment (and signs for it) */
  recipient?: string
  /** the stored documents the hub reused for components of the dossier (once-only), as the native format names them */
  reused?: string[]
}

/** A withdrawal notice as the simulator understood it: no step = every step of the dossier it holds. */
export interface Withdrawn {
  code: string
  step?: string
}

/** A supplement notice as the simulator understood it: no step = the one step of the dossier the agency holds. */
export interface Supplemented {
  code: string
  step?: string
  /** the supplement's number in the dossier (1, 2…) */
  sequence: number
  /** the stored documents reused for the papers supplied (once-only) */
  reused?: string[]
}

/** Where and how an agency takes the papers it asked for. */
export interface SupplementIntake {
  /** relative to the agency's endpoint: the adapter's SUPPLEMENT_PATH */
  path: string
  /** reads a supplement notice in the adapter's native supplement format */
  parse(body: unknown): Supplemented
}

/** A payment notice as the simulator understood it: no step = the one step of the dossier the agency holds. */
export interface Paid {
  code: string
  step?: string
  /** the hub's payment reference */
  reference: string
  /** đồng */
  amount: number
  /** the electronic receipt's number, when the notice carries one */
  receiptNumber?: string
}

/** Where and how an agency takes the news that the applicant paid online what it asked for. */
export interface PaymentIntake {
  /** relative to the agency's endpoint: the adapter's PAYMENT_PATH */
  path: string
  /** reads a payment notice in the adapter's native payment format */
  parse(body: unknown): Paid
}

/** The native field names of a payment notice (every adapter's carries the same things, named its own way). */
export interface PaidFields {
  code: string
  /** absent: the format names no step (the agency holds one step of the dossier) */
  step?: string
  reference: string
  amount: string
  lines: string
  receiptNumber: string
  /** a field that must hold this value (the generic format's `type: payment`) */
  type?: { field: string, value: string }
}

/** A payment intake at `path` reading a notice in `format` whose fields are named `fields`. */
export function paymentIntake (path: string, format: string, fields: PaidFields): PaymentIntake {
  return {
    path,
    parse: (body) => {
      const b = objectOf(body, format)
      if (fields.type !== undefined) code(b, fields.type.field, [fields.type.value], format)
      papers(b, fields.lines, format)
      const receiptNumber = optionalText(b, fields.receiptNumber, format)
      return {
        code: text(b, fields.code, format),
        ...(fields.step !== undefined && { step: text(b, fields.step, format) }),
        reference: text(b, fields.reference, format),
        amount: amount(b, fields.amount, format),
        ...(receiptNumber !== undefined && { receiptNumber })
      }
    }
  }
}

/** The event body parts besides eventId / agency / step: `{ report }` or `{ native }`. */
export type EventPayload = { report: StatusReport } | { native: unknown }

/** One planned progress report of an agency's own journey: its canonical status, and its wording once its time is known. */
export interface JourneyStep {
  status: StatusReport['status']
  payload: (occurredAt: string) => EventPayload
}

export type ResultStub = Pick<ResultDocument, 'name' | 'componentCode'> & Partial<Pick<ResultDocument, 'originalCopies' | 'certifiedCopies'>>

export interface Dialect {
  parse(body: unknown): Delivered
  /** the answer to a delivery, with the receipt number the simulator gave */
  receipt(receipt: string, d?: Delivered): object
  /** the agency's own receipt numbers, when they have a format of their own (VNPost's tracking numbers) */
  newReceipt?(seq: number): string
  results(d: Delivered): ResultStub[]
  event(d: Delivered, report: StatusReport, context: { agencyId: string }): EventPayload
  /** what the agency asks the applicant to pay before it resolves (a tax notice), if anything */
  payment?(d: Delivered): NonNullable<StatusReport['payment']> | undefined
  /** where withdrawal notices arrive, relative to the agency's endpoint: the adapter's WITHDRAWAL_PATH */
  withdrawalPath: string
  /** reads a withdrawal notice in the adapter's native withdrawal format */
  parseWithdrawal(body: unknown): Withdrawn
  /** the papers it asked for: absent when the agency takes no supplements (the postal service) */
  supplement?: SupplementIntake
  /** the payments it asked for, made online: absent when the agency asks for none (the postal service) */
  paid?: PaymentIntake
  /**
   * an agency whose progress is not accepted → processing → resolved (the postal service's
   * tracking) plans its own: `failure` decides a failed delivery attempt, `refusal` a return to sender
   */
  journey?(d: Delivered, o: { failure: boolean, refusal: boolean }): JourneyStep[]
}

export type StepStatus = StatusReport['status']
export type Missing = NonNullable<StatusReport['missing']>[number]
export type Payment = NonNullable<StatusReport['payment']>
export type Result = NonNullable<StatusReport['results']>[number]

/**
 * The native code an agency writes for a canonical step status: the first of its adapter's table
 * (native → canonical) that maps to it, so what the simulator writes is what the adapter reads.
 * `parse` turns the table's keys back into codes (numbers for a numeric code).
 */
export function nativeCode<N extends string | number> (table: Readonly<Record<N, StepStatus>>, status: StepStatus, parse: (key: string) => N = (k) => k as N): N | undefined {
  for (const [key, mapped] of Object.entries(table) as Array<[string, StepStatus]>) if (mapped === status) return parse(key)
  return undefined
}

/** The same, for a status the agency always has a code for (a missing one is the simulator's own bug). */
export function nativeCodeOf<N extends string | number> (table: Readonly<Record<N, StepStatus>>, status: StepStatus, parse?: (key: string) => N): N {
  const code = nativeCode(table, status, parse)
  if (code === undefined) throw new Error(`the adapter's table has no native code for ${status}`)
  return code
}

export function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The body as an object of the named format, or a clear error. */
export function objectOf (body: unknown, format: string): Record<string, unknown> {
  if (!isObject(body)) throw new Error(`expected ${format} (a JSON object), got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`)
  return body
}

/** A non-empty string field of the native request, or a clear error. */
export function text (b: Record<string, unknown>, field: string, format: string): string {
  const v = b[field]
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`not ${format}: ${field} (a non-empty string) is missing`)
  return v
}

/** A code field that must be one of the format's codes, or a clear error. */
export function code<T extends string> (b: Record<string, unknown>, field: string, allowed: readonly T[], format: string): T {
  const v = b[field]
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Error(`not ${format}: ${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v) ?? 'nothing'}`)
  }
  return v as T
}

/** The supplement's number (a whole number from 1), or a clear error. */
export function sequence (b: Record<string, unknown>, field: string, format: string): number {
  const v = b[field]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`not ${format}: ${field} (a whole number from 1) is missing`)
  return v
}

/** An amount of money (a whole number of đồng from 1), or a clear error. */
export function amount (b: Record<string, unknown>, field: string, format: string): number {
  const v = b[field]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`not ${format}: ${field} (a whole number of đồng from 1) is missing`)
  return v
}

/** An optional text field: its value when a non-empty string, undefined when absent, else a clear error. */
export function optionalText (b: Record<string, unknown>, field: string, format: string): string | undefined {
  const v = b[field]
  if (v === undefined) return undefined
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`not ${format}: ${field} must be a non-empty string when given`)
  return v
}

/** The list of supplied papers: at least one object, or a clear error. */
export function papers (b: Record<string, unknown>, field: string, format: string): void {
  const v = b[field]
  if (!Array.isArray(v) || v.length === 0 || !v.every(isObject)) throw new Error(`not ${format}: ${field} (the papers, at least one) is missing`)
}

/**
 * The stored documents a native list of papers marks as reused (once-only: the hub took them from
 * a valid electronic document instead of asking the applicant again), by their ids; `idOf` reads a
 * paper's id, undefined when the paper is not marked reused. A paper marked reused without a
 * document id is not what the hub sends.
 */
export function reusedPapers (list: unknown, field: string, format: string, marked: (p: Record<string, unknown>) => boolean, idOf: (p: Record<string, unknown>) => unknown): string[] {
  if (!Array.isArray(list)) return []
  const ids: string[] = []
  for (const p of list) {
    if (!isObject(p) || !marked(p)) continue
    const id = idOf(p)
    if (typeof id !== 'string' || !/^doc_[0-9a-f]{32}$/.test(id)) throw new Error(`not ${format}: a paper of ${field} is marked reused without the stored document's id`)
    ids.push(id)
  }
  return ids
}

/** Cut a text to a native field's maxLength (counted in code points, as JSON Schema does). */
export function clip (s: string, max: number): string {
  const chars = Array.from(s)
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`
}

/** A native field's value when the text is there and not empty (native fields have minLength 1). */
export function present (s: string | undefined): s is string {
  return s !== undefined && s.trim() !== ''
}

/** When it happened, as the agency systems write it: yyyyMMddHHmmss, Vietnam time. */
export function nativeTime (report: StatusReport): string {
  return toCompactVietnam(report.occurredAt ?? new Date().toISOString())
}

/** The agency's own reference: the one the report names, else the receipt number the simulator gave. */
export function referenceOf (d: Delivered, report: StatusReport): string | undefined {
  const ref = report.agencyReference ?? d.receipt
  return present(ref) ? clip(ref, 128) : undefined
}

/** What the canonical schema requires with some statuses; a report without it is the simulator's own bug. */
export function required<T> (value: T | undefined, what: string, status: StepStatus): T {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) throw new Error(`a ${status} report needs ${what}`)
  return value
}
