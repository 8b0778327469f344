/**
 * Online payment (thanh toán trực tuyến) as pure rules: what an agency's payment request must
 * say, the hub's payment reference, how a platform's result is judged against the payment it
 * names, and what paying does to the step that asked. No I/O.
 */
import { randomBytes } from 'node:crypto'
import type { PaymentLine } from '../../adapters/payment-contract.ts'
import type { RoutingState } from '../types/schemas.generated.ts'

export interface RequestedAmount {
  amount: number
  note?: string
  lines?: readonly PaymentLine[]
}

/** Why a payment request is wrong (its lines do not add up to its amount), or undefined. */
export function paymentRequestProblem (p: RequestedAmount): string | undefined {
  if (p.lines === undefined) return undefined
  const sum = p.lines.reduce((s, l) => s + l.amount, 0)
  if (sum !== p.amount) return `the fee lines add up to ${sum} đồng, not to amount ${p.amount}`
  return undefined
}

/** The lines of a payment: as the agency gave them, else one line for the whole amount. */
export function paymentLines (p: RequestedAmount): PaymentLine[] {
  return p.lines !== undefined ? p.lines.map((l) => ({ ...l })) : [{ name: p.note ?? 'Phí, lệ phí giải quyết thủ tục hành chính', amount: p.amount }]
}

/** A new payment reference: "LT", the Vietnam date yyMMdd, 10 random base-36 characters (alphanumeric, as vnp_TxnRef takes). */
export function newPaymentReference (at: Date, random: Buffer = randomBytes(8)): string {
  const vn = new Date(at.getTime() + 7 * 3_600_000).toISOString()
  const day = `${vn.slice(2, 4)}${vn.slice(5, 7)}${vn.slice(8, 10)}`
  const tail = BigInt(`0x${random.toString('hex')}`).toString(36).toUpperCase().padStart(10, '0').slice(-10)
  return `LT${day}${tail}`
}

export type CallbackJudgement =
  | { outcome: 'pay' }
  | { outcome: 'replay' }
  | { outcome: 'refused-attempt', detail: string }
  | { outcome: 'wrong-amount', detail: string }
  | { outcome: 'conflict', detail: string }
  | { outcome: 'not-payable', detail: string }

/**
 * A platform's (verified) result against the payment it names: pay it, a replay of the result that
 * paid it (nothing to do), a failed attempt (the payment stays open), or a refusal.
 */
export function judgeCallback (payment: { state: string, amount: number, transactionNo?: string }, result: { amount: number, paid: boolean, transactionNo?: string, code: string, message: string }): CallbackJudgement {
  if (payment.state === 'paid') {
    if (result.paid && result.amount === payment.amount && result.transactionNo !== undefined && result.transactionNo === payment.transactionNo) return { outcome: 'replay' }
    return { outcome: 'conflict', detail: `the payment was paid already by transaction ${payment.transactionNo ?? '(none)'}; this result (transaction ${result.transactionNo ?? '(none)'}, code ${result.code}) changes nothing` }
  }
  if (result.amount !== payment.amount) return { outcome: 'wrong-amount', detail: `the result says ${result.amount} đồng, the payment asks ${payment.amount} đồng` }
  if (payment.state === 'cancelled') return { outcome: 'not-payable', detail: 'the payment was cancelled' }
  if (!result.paid) return { outcome: 'refused-attempt', detail: `${result.code}: ${result.message}` }
  return { outcome: 'pay' }
}

/**
 * The step after its payment: back to processing when it still waits for this very request
 * (state payment-requested, reported at `requestedAt`); undefined when it has moved on (the agency
 * reported something else meanwhile, or the dossier ended): the payment is kept, the step left alone.
 */
export function stepAfterPayment (step: RoutingState | undefined, requestedAt: string, atIso: string, note: string): RoutingState | undefined {
  if (step === undefined || step.state !== 'payment-requested') return undefined
  if (step.reportedAt === undefined || Date.parse(step.reportedAt) !== Date.parse(requestedAt)) return undefined
  return { ...step, state: 'processing', reportedAt: atIso, note }
}

/** Whether an open payment whose address went out at `openedAt` is due for its reminder at `now`. */
export const reminderDue = (openedAt: string, remindAfterMs: number, now: Date): boolean => Date.parse(openedAt) + remindAfterMs <= now.getTime()
