/** The generic adapter's payment notice (generic-payment): the canonical notice, posted to <endpoint>/payments. */
import t from 'tap'
import { notice, paymentContext, paymentNoticeTests } from '../payment-cases.ts'

await paymentNoticeTests(t, {
  adapter: 'generic',
  notice: notice('000.20.38.H56-261124-0007', 'tax', 'TAX-000123', [
    { code: 'TNCN', name: 'Thuế thu nhập cá nhân từ chuyển nhượng bất động sản (2%)', amount: 20_000_000 },
    { code: 'LPTB', name: 'Lệ phí trước bạ nhà, đất (0,5%)', amount: 5_000_000 }
  ]),
  context: paymentContext('tax', 'land-use-right-transfer', { id: 'tax', stage: 1, task: 'Xác định nghĩa vụ tài chính', lead: false }),
  path: 'payments',
  endpoint: 'http://127.0.0.1:4104/tax/dossiers',
  fields: { reference: 'agencyReference', amount: 'amount', lines: 'lines', receipt: 'receiptNumber', payment: 'reference' }
})
