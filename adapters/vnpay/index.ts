/**
 * VNPay-shaped payment platform (cổng thanh toán VNPAY, API 2.1.0): every message is a flat set of
 * vnp_* parameters signed with vnp_SecureHash = hex HMAC-SHA512(hash secret, the other vnp_*
 * parameters sorted by name, each value URL-encoded with spaces as '+', joined "k=v&k=v").
 *   - create: vnp_Command=pay with the amount × 100 (vnp_Amount), the hub's reference
 *     (vnp_TxnRef), what it is for (vnp_OrderInfo, without diacritics), creation and expiry
 *     times (yyyyMMddHHmmss, GMT+7). VNPay itself turns these into a payment URL on the merchant's
 *     side; a national or provincial platform takes them in a server call and answers with the
 *     address: the hub POSTs them (JSON) and reads vnp_PaymentUrl from the answer.
 *   - callback (IPN): vnp_TxnRef, vnp_Amount, vnp_ResponseCode / vnp_TransactionStatus (00: paid),
 *     vnp_TransactionNo, vnp_BankCode, vnp_PayDate, and vnp_ReceiptNo, the electronic receipt
 *     (biên lai điện tử; an extension: VNPay issues none, the national platform does).
 *   - the answer to a callback: { RspCode, Message } — 00 confirmed, 01 order not found,
 *     02 already confirmed, 04 invalid amount, 97 invalid signature, 99 other error.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { AdapterMappingError, type AgencyResponse } from '../contract.ts'
import type { CallbackOutcome, PaymentAdapter, PaymentOrder, PaymentResult, PaymentSettings } from '../payment-contract.ts'
import type { VnpayCallback, VnpayCreate } from './native.generated.ts'
import { nativeDateTime, toCompactVietnam } from '../shared/vietnam-datetime.ts'
import createSchema from './schemas/create.schema.json' with { type: 'json' }
import callbackSchema from './schemas/callback.schema.json' with { type: 'json' }

export const VERSION = '2.1.0'
/** The hub's own address as the payer's IP is not known to it. */
const HUB_IP = '127.0.0.1'

/** What each vnp_ResponseCode means (the ones a callback carries). */
export const RESPONSE_CODES: Readonly<Record<string, string>> = {
  '00': 'Giao dịch thành công',
  '07': 'Trừ tiền thành công, giao dịch bị nghi ngờ',
  '09': 'Thẻ/Tài khoản chưa đăng ký dịch vụ InternetBanking',
  10: 'Xác thực thông tin thẻ/tài khoản không đúng quá 3 lần',
  11: 'Đã hết hạn chờ thanh toán',
  12: 'Thẻ/Tài khoản bị khóa',
  13: 'Nhập sai mật khẩu xác thực giao dịch (OTP)',
  24: 'Khách hàng hủy giao dịch',
  51: 'Tài khoản không đủ số dư',
  65: 'Tài khoản đã vượt quá hạn mức giao dịch trong ngày',
  75: 'Ngân hàng thanh toán đang bảo trì',
  79: 'Nhập sai mật khẩu thanh toán quá số lần quy định',
  99: 'Lỗi khác'
}

const ACK: Readonly<Record<CallbackOutcome, { RspCode: string, Message: string }>> = {
  confirmed: { RspCode: '00', Message: 'Confirm Success' },
  'already-confirmed': { RspCode: '02', Message: 'Order already confirmed' },
  'not-found': { RspCode: '01', Message: 'Order not found' },
  'wrong-amount': { RspCode: '04', Message: 'Invalid amount' },
  'bad-signature': { RspCode: '97', Message: 'Invalid signature' },
  error: { RspCode: '99', Message: 'Unknown error' }
}

/** VNPay's encoding of a value in the signed string: URL-encoded, spaces as '+'. */
const encode = (v: string): string => encodeURIComponent(v).replace(/%20/g, '+')

/** The string VNPay signs: every vnp_* parameter but the hash ones, sorted by name. */
export function signedString (params: Readonly<Record<string, string | undefined>>): string {
  return Object.keys(params)
    .filter((k) => k.startsWith('vnp_') && k !== 'vnp_SecureHash' && k !== 'vnp_SecureHashType' && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${encode(k)}=${encode(params[k] as string)}`)
    .join('&')
}

export function sign (params: Readonly<Record<string, string | undefined>>, secret: string): string {
  return createHmac('sha512', secret).update(signedString(params), 'utf8').digest('hex')
}

export function verify (params: Readonly<Record<string, string>>, secret: string): boolean {
  const given = (params.vnp_SecureHash ?? '').toLowerCase()
  const expected = sign(params, secret)
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected))
}

/** Vietnamese without diacritics, printable ASCII only: what vnp_OrderInfo takes. */
export function plainText (s: string, max = 255): string {
  const t = s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').replace(/[^\x20-\x7e]/g, ' ').replace(/\s+/g, ' ').trim()
  return t.length <= max ? t : t.slice(0, max)
}

function create (order: PaymentOrder, settings: PaymentSettings): { method: 'POST', body: VnpayCreate } {
  if (!Number.isSafeInteger(order.amount) || order.amount <= 0) throw new AdapterMappingError(`amount ${order.amount} is not a positive whole number of đồng`)
  if (!/^[A-Za-z0-9]{1,100}$/.test(order.reference)) throw new AdapterMappingError(`reference ${order.reference} is not alphanumeric (vnp_TxnRef)`)
  const params: Omit<VnpayCreate, 'vnp_SecureHash'> = {
    vnp_Version: VERSION,
    vnp_Command: 'pay',
    vnp_TmnCode: settings.merchantCode,
    vnp_Amount: String(order.amount * 100),
    vnp_CurrCode: 'VND',
    vnp_TxnRef: order.reference,
    vnp_OrderInfo: plainText(order.description) || `Thanh toan ho so ${order.dossierCode}`,
    vnp_OrderType: 'billpayment',
    vnp_Locale: 'vn',
    ...(settings.returnUrl !== undefined && { vnp_ReturnUrl: settings.returnUrl }),
    vnp_IpAddr: HUB_IP,
    vnp_CreateDate: toCompactVietnam(order.createdAt),
    vnp_ExpireDate: toCompactVietnam(order.expiresAt)
  }
  return { method: 'POST', body: { ...params, vnp_SecureHash: sign(params, settings.secret) } }
}

function address (response: AgencyResponse): { url: string } {
  const b = response.body as Record<string, unknown> | undefined
  const code = typeof b === 'object' && b !== null ? b.vnp_ResponseCode : undefined
  const url = typeof b === 'object' && b !== null ? b.vnp_PaymentUrl : undefined
  if (code !== '00' || typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new AdapterMappingError(`the payment platform gave no payment address (vnp_ResponseCode ${JSON.stringify(code)}, vnp_PaymentUrl ${typeof url === 'string' ? 'not an http(s) URL' : 'missing'})`)
  }
  return { url }
}

function result (params: Record<string, string>): PaymentResult {
  const p = params as unknown as VnpayCallback
  const raw = Number(p.vnp_Amount)
  if (!Number.isSafeInteger(raw) || raw % 100 !== 0) throw new AdapterMappingError(`vnp_Amount ${p.vnp_Amount} is not a whole number of đồng × 100`)
  const paid = p.vnp_ResponseCode === '00' && (p.vnp_TransactionStatus === undefined || p.vnp_TransactionStatus === '00')
  return {
    reference: p.vnp_TxnRef,
    amount: raw / 100,
    paid,
    code: p.vnp_ResponseCode,
    message: RESPONSE_CODES[p.vnp_ResponseCode] ?? `mã ${p.vnp_ResponseCode}`,
    merchantCode: p.vnp_TmnCode,
    ...(p.vnp_TransactionNo !== undefined && { transactionNo: p.vnp_TransactionNo }),
    ...(p.vnp_ReceiptNo !== undefined && { receiptNumber: p.vnp_ReceiptNo }),
    ...(p.vnp_PayDate !== undefined && { paidAt: nativeDateTime(p.vnp_PayDate, 'vnp_PayDate') }),
    ...(p.vnp_BankCode !== undefined && { bankCode: p.vnp_BankCode })
  }
}

export const vnpayAdapter: PaymentAdapter = {
  name: 'vnpay',
  description: 'VNPay-shaped payment platform (vnp_* parameters, HMAC-SHA512 vnp_SecureHash, IPN callback with RspCode answers)',
  nativeSchemas: { create: createSchema, callback: callbackSchema },
  create,
  address,
  claimedReference: (params) => typeof params.vnp_TxnRef === 'string' && params.vnp_TxnRef !== '' ? params.vnp_TxnRef.slice(0, 100) : undefined,
  verify,
  result,
  acknowledge: (outcome) => ({ ...ACK[outcome] })
}

export default vnpayAdapter
