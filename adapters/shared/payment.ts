/**
 * Pieces every adapter's payment notice (thông báo đã nộp phí, lệ phí trực tuyến) needs: the amount
 * and its lines checked to add up, short identifiers (the payment platform's transaction, the
 * electronic receipt number) as native fields take them, and the time of the payment in the native
 * date-time format.
 */
import { AdapterMappingError, type PaymentNotice } from '../contract.ts'
import { nativeText, nativeTime, noticeReference } from './notice-fields.ts'

export type PaymentLine = PaymentNotice['lines'][number]

/**
 * The amount paid (whole đồng, at least 1) and its lines, which must add up to it; anything else
 * is an AdapterMappingError (the agency would book a payment that does not match its own notice).
 */
export function paymentLinesOf<T> (notice: PaymentNotice, toNative: (l: PaymentLine) => T): { amount: number, lines: T[] } {
  const { amount, lines } = notice
  if (!Number.isInteger(amount) || amount < 1) throw new AdapterMappingError(`payment ${notice.reference} of dossier ${notice.dossierCode}: amount must be a whole number of đồng from 1, not ${String(amount)}`)
  if (!Array.isArray(lines) || lines.length === 0) throw new AdapterMappingError(`payment ${notice.reference} of dossier ${notice.dossierCode} has no fee lines`)
  let sum = 0
  lines.forEach((l, i) => {
    if (!Number.isInteger(l.amount) || l.amount < 0) throw new AdapterMappingError(`lines[${i}].amount must be a whole number of đồng from 0, not ${String(l.amount)}`)
    if (l.name.trim() === '') throw new AdapterMappingError(`lines[${i}].name is blank`)
    sum += l.amount
  })
  if (sum !== amount) throw new AdapterMappingError(`the fee lines of payment ${notice.reference} add up to ${sum} đồng, not the ${amount} đồng paid`)
  return { amount, lines: lines.map((l) => toNative(fitted(l))) }
}

/**
 * What every native payment notice carries, read from the canonical notice once, each adapter
 * naming the fields its own way: the agency's reference and notice number (when they fit), the
 * platform's transaction and the electronic receipt (at most 100 characters, else left out), the
 * amount and its lines checked to add up (each line mapped by `toNative`, its code present only
 * when it is not blank).
 */
export interface PaymentFields<T> {
  agencyReference?: string
  noticeReference?: string
  transactionNo?: string
  receiptNumber?: string
  amount: number
  lines: T[]
}

export function paymentFields<T> (notice: PaymentNotice, toNative: (l: PaymentLine) => T): PaymentFields<T> {
  const agencyReference = noticeReference(notice.agencyReference)
  const noticeNumber = noticeReference(notice.noticeReference)
  const transactionNo = paymentIdentifier(notice.transactionNo, 100)
  const receiptNumber = paymentIdentifier(notice.receiptNumber, 100)
  return {
    ...(agencyReference !== undefined && { agencyReference }),
    ...(noticeNumber !== undefined && { noticeReference: noticeNumber }),
    ...(transactionNo !== undefined && { transactionNo }),
    ...(receiptNumber !== undefined && { receiptNumber }),
    ...paymentLinesOf(notice, toNative)
  }
}

/**
 * A line as every native payment format takes it: its name at most 500 characters, its code at
 * most 50 (left out when longer or blank). The canonical report allows longer ones, and the notice goes out
 * after the applicant has paid: it must not then fail the agency's schema.
 */
function fitted (line: PaymentLine): PaymentLine {
  const { code, ...rest } = line
  const short = paymentIdentifier(code, 50)
  return { ...rest, name: nativeText(line.name, 500) ?? line.name, ...(short !== undefined && { code: short }) }
}

/** An identifier (transaction number, receipt number) for a native field of at most `max` characters; undefined when blank or too long to be itself. */
export function paymentIdentifier (value: string | undefined, max: number): string | undefined {
  const v = nativeText(value, max + 1)
  return v === undefined || Array.from(v).length > max ? undefined : v
}

/** When the applicant paid (ISO 8601) → yyyyMMddHHmmss, Vietnam time. */
export const paymentTime = (paidAt: string): string => nativeTime(paidAt, 'paidAt')
