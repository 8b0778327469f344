/** The payment adapters: the hub config's `payments.provider` names one of these. */
import type { PaymentAdapter } from './payment-contract.ts'
import { vnpayAdapter } from './vnpay/index.ts'

export const paymentAdapters: ReadonlyMap<string, PaymentAdapter> = new Map([[vnpayAdapter.name, vnpayAdapter]])
export type { PaymentAdapter } from './payment-contract.ts'
