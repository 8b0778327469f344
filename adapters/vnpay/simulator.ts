/**
 * A VNPay-shaped payment platform, simulated (npm run agencies, and the tests): a real HTTP server
 * on 127.0.0.1 that
 *   - takes signed create requests (POST <path>): checks vnp_SecureHash, keeps the order, answers
 *     { vnp_ResponseCode: '00', vnp_TxnRef, vnp_PaymentUrl } (the same address for the same vnp_TxnRef);
 *     a bad signature is { vnp_ResponseCode: '97' } with HTTP 400;
 *   - shows a payment page at the address (GET /paymentv2/vpcpay.html?vnp_TxnRef=…);
 *   - pays: pay(reference) posts the signed IPN to the hub's callback, as the platform does when
 *     the applicant has paid (vnp_TransactionNo, vnp_ReceiptNo: the electronic receipt), and
 *     repeats it until the hub answers RspCode 00 or 02; with autoPayAfterMs it pays every order
 *     by itself that long after it was created.
 * Its codes and signing are the adapter's (sign, VERSION).
 */
import { reply, startSimulatorServer } from '../shared/http-server.ts'
import { sign, verify } from './index.ts'
import { toCompactVietnam } from '../shared/vietnam-datetime.ts'

export interface SimulatedOrder {
  reference: string
  /** đồng */
  amount: number
  merchantCode: string
  orderInfo: string
  url: string
  createdAt: number
  paid?: { transactionNo: string, receiptNumber: string }
}

export interface PaymentPlatformOptions {
  /** the shared hash secret (vnp_HashSecret) */
  secret: string
  /** where the hub takes results: http://…/v1/payments/vnpay/callback */
  callbackUrl: string
  port?: number
  host?: string
  /** pay each order by itself this long after it was created (npm run agencies); absent: only pay() */
  autoPayAfterMs?: number
  log?: (line: string) => void
}

export interface PaymentPlatform {
  url: string
  orders: Map<string, SimulatedOrder>
  /** create requests received (parsed bodies), in order */
  creates: Array<Record<string, string>>
  /** the signed IPN parameters of an order, with overrides (a test's forged or wrong result) */
  ipn(reference: string, overrides?: Record<string, string | undefined>, secret?: string): Record<string, string>
  /** posts the IPN; `overrides` change fields before signing */
  pay(reference: string, overrides?: Record<string, string | undefined>): Promise<{ status: number, body: unknown }>
  close(): Promise<void>
}

export async function startPaymentPlatform (o: PaymentPlatformOptions): Promise<PaymentPlatform> {
  const orders = new Map<string, SimulatedOrder>()
  const creates: Array<Record<string, string>> = []
  const timers = new Set<NodeJS.Timeout>()
  let serial = 14_000_000
  let base = ''
  const log = o.log ?? (() => {})

  const ipn = (reference: string, overrides: Record<string, string | undefined> = {}, secret = o.secret): Record<string, string> => {
    const order = orders.get(reference)
    const paid = order?.paid ?? { transactionNo: String(++serial), receiptNumber: `BL${new Date().getFullYear()}-${String(serial).padStart(8, '0')}` }
    if (order !== undefined) order.paid = paid
    const params: Record<string, string | undefined> = {
      vnp_TmnCode: order?.merchantCode ?? 'UNKNOWN1',
      vnp_Amount: String((order?.amount ?? 0) * 100),
      vnp_BankCode: 'NCB',
      vnp_BankTranNo: `VNP${paid.transactionNo}`,
      vnp_CardType: 'ATM',
      vnp_PayDate: toCompactVietnam(new Date().toISOString()),
      vnp_OrderInfo: order?.orderInfo ?? 'Thanh toan',
      vnp_TransactionNo: paid.transactionNo,
      vnp_ResponseCode: '00',
      vnp_TransactionStatus: '00',
      vnp_TxnRef: reference,
      vnp_ReceiptNo: paid.receiptNumber,
      ...overrides
    }
    const clean = Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined))
    return { ...clean, vnp_SecureHashType: 'HmacSHA512', vnp_SecureHash: sign(clean, secret) }
  }

  const post = async (params: Record<string, string>): Promise<{ status: number, body: unknown }> => {
    const res = await fetch(o.callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) })
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* text */ }
    return { status: res.status, body }
  }

  const pay = async (reference: string, overrides: Record<string, string | undefined> = {}): Promise<{ status: number, body: unknown }> => {
    const params = ipn(reference, overrides)
    let last: { status: number, body: unknown } = { status: 0, body: undefined }
    // the platform repeats its IPN until the merchant confirms (RspCode 00 or 02), a few times
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        last = await post(params)
        const rsp = (last.body as { RspCode?: string } | undefined)?.RspCode
        if (last.status < 500) {
          log(`IPN ${reference}: HTTP ${last.status} ${rsp ?? ''}`)
          return last
        }
      } catch (err) {
        last = { status: 0, body: String(err) }
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt))
    }
    return last
  }

  const server = await startSimulatorServer((req, res, raw) => {
    const answer = (status: number, body: unknown, type?: string): void => { reply(res, status, body, type) }
    const url = new URL(req.url ?? '/', base)
    if (req.method === 'GET' && url.pathname === '/paymentv2/vpcpay.html') {
      const order = orders.get(url.searchParams.get('vnp_TxnRef') ?? '')
      if (order === undefined) return answer(404, '<p>Không tìm thấy giao dịch</p>', 'text/html; charset=utf-8')
      return answer(200, `<h1>Cổng thanh toán (mô phỏng)</h1><p>${order.orderInfo}</p><p>${order.amount.toLocaleString('vi-VN')} đồng</p>`, 'text/html; charset=utf-8')
    }
    if (req.method !== 'POST') return answer(405, { vnp_ResponseCode: '99', message: 'POST only' })
    let body: Record<string, string>
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, string>
    } catch {
      return answer(400, { vnp_ResponseCode: '03', message: 'Dữ liệu gửi sang không đúng định dạng' })
    }
    creates.push(body)
    if (!verify(body, o.secret)) return answer(400, { vnp_ResponseCode: '97', message: 'Chữ ký không hợp lệ' })
    const reference = body.vnp_TxnRef ?? ''
    const amount = Number(body.vnp_Amount) / 100
    if (body.vnp_Command !== 'pay' || reference === '' || !Number.isSafeInteger(amount) || amount <= 0) return answer(400, { vnp_ResponseCode: '03', message: 'Dữ liệu gửi sang không đúng định dạng' })
    let order = orders.get(reference)
    if (order === undefined) {
      order = { reference, amount, merchantCode: body.vnp_TmnCode ?? '', orderInfo: body.vnp_OrderInfo ?? '', url: `${base}/paymentv2/vpcpay.html?vnp_TxnRef=${encodeURIComponent(reference)}`, createdAt: Date.now() }
      orders.set(reference, order)
      log(`payment ${reference}: ${amount} đồng, ${order.orderInfo}`)
      if (o.autoPayAfterMs !== undefined) {
        const timer = setTimeout(() => { timers.delete(timer); void pay(reference).catch(() => {}) }, o.autoPayAfterMs)
        timers.add(timer)
      }
    }
    return answer(200, { vnp_ResponseCode: '00', vnp_TxnRef: reference, vnp_PaymentUrl: order.url })
  }, o)
  base = server.base
  return {
    url: base,
    orders,
    creates,
    ipn,
    pay,
    close: async () => {
      for (const t of timers) clearTimeout(t)
      await server.close()
    }
  }
}
