/**
 * The payment adapter contract: how the hub speaks to one payment platform (nền tảng thanh toán:
 * the national one on DVCQG, a province's or a bank's gateway). Pure, like the agency adapters:
 * it builds the signed request that creates a payment, reads the platform's answer (the payment
 * address), checks and reads the signed result the platform calls back with, and says what to
 * answer it. The hub keeps the state (store/payment-store.ts) and sends through the outbox.
 */
import type { AgencyResponse, OutboundRequest } from './contract.ts'

export interface PaymentLine {
  code?: string
  name: string
  amount: number
}

/** What the hub asks the platform to collect. */
export interface PaymentOrder {
  /** the hub's payment reference: unique, alphanumeric (vnp_TxnRef) */
  reference: string
  dossierCode: string
  /** đồng */
  amount: number
  lines: readonly PaymentLine[]
  /** what it is for (shown to the payer) */
  description: string
  createdAt: string
  expiresAt: string
}

export interface PaymentSettings {
  merchantCode: string
  /** the signing key (HMAC) */
  secret: string
  returnUrl?: string
}

/** The platform's signed result, read. */
export interface PaymentResult {
  reference: string
  /** đồng */
  amount: number
  /** the payment went through */
  paid: boolean
  /** the platform's result code, and in words */
  code: string
  message: string
  merchantCode: string
  transactionNo?: string
  /** số biên lai điện tử */
  receiptNumber?: string
  paidAt?: string
  bankCode?: string
}

/** How the hub's handling of a callback ended, for the answer the platform expects. */
export type CallbackOutcome = 'confirmed' | 'already-confirmed' | 'not-found' | 'wrong-amount' | 'bad-signature' | 'error'

export interface PaymentAdapter {
  readonly name: string
  readonly description: string
  readonly nativeSchemas: { create: object, callback: object }
  /** the signed request creating the payment (POST to the platform's endpoint) */
  create(order: PaymentOrder, settings: PaymentSettings): OutboundRequest
  /** the payment address from the platform's answer; throws AdapterMappingError when there is none */
  address(response: AgencyResponse): { url: string }
  /** the payment reference a callback names (VNPay: vnp_TxnRef), read before it is validated: undefined when none */
  claimedReference(params: Record<string, unknown>): string | undefined
  /** whether the callback's signature is the platform's (constant time) */
  verify(params: Record<string, string>, secret: string): boolean
  /** the callback read (already validated against nativeSchemas.callback and verified) */
  result(params: Record<string, string>): PaymentResult
  /** the body the platform expects back for an outcome (VNPay: RspCode, Message) */
  acknowledge(outcome: CallbackOutcome): Record<string, string>
}
