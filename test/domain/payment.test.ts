/**
 * Online payment's pure parts: the VNPay-shaped adapter (signing as VNPay documents it: parameters
 * sorted, URL-encoded with '+' for spaces, HMAC-SHA512; the create request, the address, the
 * callback read, the answers) and the domain rules (fee lines, references, judging a result,
 * resuming the step, the reminder).
 */
import t from 'tap'
import { createStrictAjv } from '../../src/validation/ajv.ts'
import { AdapterMappingError } from '../../adapters/contract.ts'
import { plainText, sign, signedString, verify, vnpayAdapter } from '../../adapters/vnpay/index.ts'
import { judgeCallback, newPaymentReference, paymentLines, paymentRequestProblem, reminderDue, stepAfterPayment } from '../../src/domain/payment.ts'

/** The example of VNPay's integration guide (sandbox), signed here with a made-up key. */
const GUIDE = {
  vnp_Amount: '1806000',
  vnp_Command: 'pay',
  vnp_CreateDate: '20210801153333',
  vnp_CurrCode: 'VND',
  vnp_IpAddr: '127.0.0.1',
  vnp_Locale: 'vn',
  vnp_OrderInfo: 'Thanh toan don hang :5',
  vnp_OrderType: 'other',
  vnp_ReturnUrl: 'https://domainmerchant.vn/ReturnUrl',
  vnp_TmnCode: 'DEMOV210',
  vnp_TxnRef: '5',
  vnp_Version: '2.1.0'
}
/** openssl dgst -sha512 -hmac SECRETKEY123 over the string VNPay signs (written out by hand) */
const GUIDE_HASH = '403ec5e9e86c661600e8dbae5d59f1eb1e018d23147823875686a53522b71ccb8cd267c13b684e9f8d2d85dee707561bef28d4cc7b3c9fcd1933c13253472993'

t.test('signing as VNPay does', async (t) => {
  t.equal(signedString({ ...GUIDE, vnp_SecureHash: 'x', vnp_SecureHashType: 'HmacSHA512' }),
    'vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20210801153333&vnp_CurrCode=VND&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_OrderType=other&vnp_ReturnUrl=https%3A%2F%2Fdomainmerchant.vn%2FReturnUrl&vnp_TmnCode=DEMOV210&vnp_TxnRef=5&vnp_Version=2.1.0',
    'sorted by name, URL-encoded, spaces as +, the hash fields left out')
  t.equal(sign(GUIDE, 'SECRETKEY123'), GUIDE_HASH, 'HMAC-SHA512, as openssl computes it')
  t.ok(verify({ ...GUIDE, vnp_SecureHash: GUIDE_HASH }, 'SECRETKEY123'), 'verifies')
  t.ok(verify({ ...GUIDE, vnp_SecureHash: GUIDE_HASH.toUpperCase() }, 'SECRETKEY123'), 'in either case')
  t.notOk(verify({ ...GUIDE, vnp_SecureHash: GUIDE_HASH }, 'another key'), 'not under another key')
  t.notOk(verify({ ...GUIDE, vnp_Amount: '1806100', vnp_SecureHash: GUIDE_HASH }, 'SECRETKEY123'), 'not once a field changed')
  t.notOk(verify({ ...GUIDE, vnp_SecureHash: GUIDE_HASH.slice(0, 100) }, 'SECRETKEY123'), 'not a short hash')
  t.notOk(verify(GUIDE, 'SECRETKEY123'), 'not without one')
  t.equal(plainText('Nộp lệ phí hồ sơ Đăng ký'), 'Nop le phi ho so Dang ky', 'order info without diacritics')
})

t.test('the create request, the address, the result, the answers', async (t) => {
  const ajv = createStrictAjv()
  const validCreate = ajv.compile(vnpayAdapter.nativeSchemas.create)
  const validCallback = ajv.compile(vnpayAdapter.nativeSchemas.callback)
  const req = vnpayAdapter.create({
    reference: 'LT261124ABCDEFGHIJ',
    dossierCode: '000.00.06.H56-261124-0001',
    amount: 200_000,
    lines: [{ name: 'Lệ phí', amount: 200_000 }],
    description: 'Nộp phí hồ sơ 000.00.06.H56-261124-0001',
    createdAt: '2026-11-24T09:00:00+07:00',
    expiresAt: '2026-11-27T09:00:00+07:00'
  }, { merchantCode: 'LTHUB001', secret: 'k' })
  const body = req.body as Record<string, string>
  t.ok(validCreate(body), 'fits its schema', { errors: validCreate.errors })
  t.equal(body.vnp_Amount, '20000000', 'amount × 100')
  t.equal(body.vnp_CreateDate, '20261124090000')
  t.equal(body.vnp_ExpireDate, '20261127090000')
  t.equal(body.vnp_OrderInfo, 'Nop phi ho so 000.00.06.H56-261124-0001')
  t.ok(verify(body, 'k'), 'signed')
  t.throws(() => vnpayAdapter.create({ reference: 'LT-1', dossierCode: 'x', amount: 1, lines: [], description: 'x', createdAt: '2026-11-24T09:00:00+07:00', expiresAt: '2026-11-24T10:00:00+07:00' }, { merchantCode: 'M', secret: 'k' }), AdapterMappingError, 'a reference VNPay does not take')
  t.throws(() => vnpayAdapter.create({ reference: 'LT1', dossierCode: 'x', amount: 0, lines: [], description: 'x', createdAt: '2026-11-24T09:00:00+07:00', expiresAt: '2026-11-24T10:00:00+07:00' }, { merchantCode: 'M', secret: 'k' }), AdapterMappingError, 'nothing to pay')

  t.same(vnpayAdapter.address({ status: 200, body: { vnp_ResponseCode: '00', vnp_PaymentUrl: 'https://pay.example.vn/x' } }), { url: 'https://pay.example.vn/x' })
  t.throws(() => vnpayAdapter.address({ status: 200, body: { vnp_ResponseCode: '97' } }), AdapterMappingError, 'no address: a mapping error')
  t.throws(() => vnpayAdapter.address({ status: 200, body: { vnp_ResponseCode: '00', vnp_PaymentUrl: 'javascript:alert(1)' } }), AdapterMappingError, 'only http(s) addresses')

  const ipn = { vnp_TmnCode: 'LTHUB001', vnp_Amount: '20000000', vnp_BankCode: 'NCB', vnp_PayDate: '20261124101500', vnp_TransactionNo: '14000001', vnp_ResponseCode: '00', vnp_TransactionStatus: '00', vnp_TxnRef: 'LT261124ABCDEFGHIJ', vnp_ReceiptNo: 'BL2026-00000001' }
  const signed = { ...ipn, vnp_SecureHash: sign(ipn, 'k') }
  t.ok(validCallback(signed), 'the IPN fits its schema')
  t.same(vnpayAdapter.result(signed), {
    reference: 'LT261124ABCDEFGHIJ',
    amount: 200_000,
    paid: true,
    code: '00',
    message: 'Giao dịch thành công',
    merchantCode: 'LTHUB001',
    transactionNo: '14000001',
    receiptNumber: 'BL2026-00000001',
    paidAt: '2026-11-24T10:15:00+07:00',
    bankCode: 'NCB'
  }, 'read')
  t.equal(vnpayAdapter.result({ ...signed, vnp_ResponseCode: '24' }).paid, false, 'cancelled by the payer: not paid')
  t.equal(vnpayAdapter.result({ ...signed, vnp_TransactionStatus: '02' }).paid, false, 'a transaction that failed: not paid')
  t.throws(() => vnpayAdapter.result({ ...signed, vnp_Amount: '2000050' }), AdapterMappingError, 'not whole đồng')
  t.throws(() => vnpayAdapter.result({ ...signed, vnp_PayDate: '20261332101500' }), AdapterMappingError, 'an impossible date')
  t.same(vnpayAdapter.acknowledge('confirmed'), { RspCode: '00', Message: 'Confirm Success' })
  t.same(vnpayAdapter.acknowledge('already-confirmed'), { RspCode: '02', Message: 'Order already confirmed' })
})

t.test('the domain rules', async (t) => {
  t.equal(paymentRequestProblem({ amount: 100 }), undefined, 'no lines: nothing to add up')
  t.equal(paymentRequestProblem({ amount: 100, lines: [{ name: 'a', amount: 40 }, { name: 'b', amount: 60 }] }), undefined, 'lines that add up')
  t.match(paymentRequestProblem({ amount: 100, lines: [{ name: 'a', amount: 40 }] }), /add up to 40 đồng, not to amount 100/)
  t.same(paymentLines({ amount: 100, note: 'Lệ phí trước bạ' }), [{ name: 'Lệ phí trước bạ', amount: 100 }], 'one line for the whole amount')

  const at = new Date('2026-11-24T20:00:00Z') // 25 Nov in Vietnam
  const a = newPaymentReference(at, Buffer.alloc(8, 1))
  t.match(a, /^LT261125[0-9A-Z]{10}$/, 'LT, the Vietnam date, ten characters')
  t.not(newPaymentReference(at), newPaymentReference(at), 'random')

  const open = { state: 'open', amount: 100 }
  const paid = { amount: 100, paid: true, transactionNo: 'T1', code: '00', message: 'ok' }
  t.same(judgeCallback(open, paid), { outcome: 'pay' })
  t.equal(judgeCallback(open, { ...paid, amount: 99 }).outcome, 'wrong-amount')
  t.equal(judgeCallback(open, { ...paid, paid: false, code: '24' }).outcome, 'refused-attempt')
  t.equal(judgeCallback({ state: 'paid', amount: 100, transactionNo: 'T1' }, paid).outcome, 'replay', 'the same transaction again')
  t.equal(judgeCallback({ state: 'paid', amount: 100, transactionNo: 'T1' }, { ...paid, transactionNo: 'T2' }).outcome, 'conflict', 'another transaction')
  t.equal(judgeCallback({ state: 'paid', amount: 100, transactionNo: 'T1' }, { ...paid, amount: 5 }).outcome, 'conflict', 'a paid payment is not judged on its amount again')
  t.equal(judgeCallback({ state: 'cancelled', amount: 100 }, paid).outcome, 'not-payable')
  t.equal(judgeCallback({ state: 'failed', amount: 100 }, paid).outcome, 'pay', 'the platform may report a payment the hub thought failed to create')

  const step = { agency: 'tax', stage: 0, state: 'payment-requested' as const, attempts: 1, reportedAt: '2026-11-24T09:00:00+07:00' }
  t.match(stepAfterPayment(step, '2026-11-24T02:00:00Z', '2026-11-24T11:00:00+07:00', 'paid'), { state: 'processing', reportedAt: '2026-11-24T11:00:00+07:00', note: 'paid' }, 'back to processing (the same instant in another offset)')
  t.equal(stepAfterPayment({ ...step, state: 'processing' }, step.reportedAt, 'x', 'n'), undefined, 'a step that moved on is left alone')
  t.equal(stepAfterPayment(step, '2026-11-24T09:30:00+07:00', 'x', 'n'), undefined, 'another payment request of the step')
  t.equal(stepAfterPayment(undefined, step.reportedAt, 'x', 'n'), undefined)
  t.ok(reminderDue('2026-11-24T09:00:00+07:00', 3_600_000, new Date('2026-11-24T10:00:00+07:00')), 'an hour later')
  t.notOk(reminderDue('2026-11-24T09:00:00+07:00', 3_600_000, new Date('2026-11-24T09:59:59+07:00')), 'not before')
})
