/**
 * The payment platform's gateway (src/gateway/payment-gateway.ts) with the shipped VNPay adapter and a
 * faulty one made from it: the create request checked against the native schema before it leaves;
 * a callback validated, its signature verified and read into the canonical PaymentResult; the
 * reference it names read by the adapter, not the service. What the callback route answers with
 * these refusals is tested through the API in test/routes/payments.
 */
import t from 'tap'
import { vnpayAdapter, sign } from '../../adapters/vnpay/index.ts'
import type { PaymentAdapter, PaymentOrder } from '../../adapters/payment-contract.ts'
import { GatewayRefusal, NativeOutputError } from '../../src/gateway/adapter-gateway.ts'
import { CallbackSignatureError, PaymentGateway } from '../../src/gateway/payment-gateway.ts'

const SECRET = 'test-vnpay-hash-secret-0123456789'
const SETTINGS = { merchantCode: 'LTHUB001', secret: SECRET }
const ORDER: PaymentOrder = { reference: 'LT261204ABCDEFGHIJ', dossierCode: '000.00.06.H56-261204-0001', amount: 150_000, lines: [{ name: 'Lệ phí', amount: 150_000 }], description: 'Nộp phí hồ sơ', createdAt: '2026-12-04T09:00:00+07:00', expiresAt: '2026-12-05T09:00:00+07:00' }

const ipn = (overrides: Record<string, string | undefined> = {}, secret = SECRET): Record<string, string> => {
  const params = Object.fromEntries(Object.entries({
    vnp_TmnCode: 'LTHUB001',
    vnp_Amount: '15000000',
    vnp_TxnRef: ORDER.reference,
    vnp_ResponseCode: '00',
    vnp_TransactionStatus: '00',
    vnp_TransactionNo: '14000001',
    vnp_PayDate: '20261204093000',
    vnp_ReceiptNo: 'BL-0001',
    vnp_BankCode: 'NCB',
    ...overrides
  }).filter(([, v]) => v !== undefined)) as Record<string, string>
  return { ...params, vnp_SecureHash: sign(params, secret) }
}

function thrown (fn: () => unknown): unknown {
  try { fn() } catch (err) { return err }
  return undefined
}

t.test('create: the signed native request, checked against the adapter\'s create schema', async (t) => {
  const gateway = new PaymentGateway(vnpayAdapter)
  const req = gateway.create(ORDER, SETTINGS)
  t.match(req.body, { vnp_TxnRef: ORDER.reference, vnp_Amount: '15000000', vnp_TmnCode: 'LTHUB001' })
  // an adapter whose request its own schema rejects: failed before it leaves
  const faulty: PaymentAdapter = { ...vnpayAdapter, create: (o, s) => { const r = vnpayAdapter.create(o, s); return { ...r, body: { ...(r.body as object), vnp_Amount: 'lots' } } } }
  const err = thrown(() => new PaymentGateway(faulty).create(ORDER, SETTINGS))
  t.type(err, NativeOutputError, 'an adapter\'s bug is a NativeOutputError')
  t.match((err as Error).message, /vnpay adapter produced a request its schema rejects: .*vnp_Amount/)
})

t.test('callback: validated, verified, read into the canonical result', async (t) => {
  const gateway = new PaymentGateway(vnpayAdapter)
  t.same(gateway.callback(ipn(), SECRET), {
    reference: ORDER.reference,
    amount: 150_000,
    paid: true,
    code: '00',
    message: 'Giao dịch thành công',
    merchantCode: 'LTHUB001',
    transactionNo: '14000001',
    receiptNumber: 'BL-0001',
    paidAt: '2026-12-04T09:30:00+07:00',
    bankCode: 'NCB'
  }, 'the canonical PaymentResult')
  t.equal(gateway.claimedReference(ipn()), ORDER.reference, 'the reference it names')
  t.equal(gateway.claimedReference({ hello: 'world' }), undefined, 'none')
  t.equal(gateway.claimedReference({ vnp_TxnRef: 42 }), undefined, 'not a string: none')

  const invalid = thrown(() => gateway.callback({ vnp_TxnRef: ORDER.reference, hello: 'world' }, SECRET))
  t.type(invalid, GatewayRefusal, 'not the platform\'s format')
  t.match((invalid as GatewayRefusal).title, /^The vnpay payment result has invalid fields/)
  t.ok((invalid as GatewayRefusal).problems.every((p) => p.pointer?.startsWith('#')), 'problems point into the body')
  const forged = thrown(() => gateway.callback(ipn({}, 'not-the-secret'), SECRET))
  t.type(forged, CallbackSignatureError, 'another key: a signature error')
  const tampered = { ...ipn(), vnp_Amount: '1500000000' }
  t.type(thrown(() => gateway.callback(tampered, SECRET)), CallbackSignatureError, 'a field changed after signing')
  const unreadable = thrown(() => gateway.callback(ipn({ vnp_Amount: '1500050' }), SECRET))
  t.type(unreadable, GatewayRefusal, 'signed but unreadable (not whole đồng)')
  t.match((unreadable as GatewayRefusal).title, /cannot be read: vnp_Amount/)
  t.same(gateway.acknowledge('confirmed'), { RspCode: '00', Message: 'Confirm Success' }, 'the platform\'s answer')
})
