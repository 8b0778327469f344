/** The justice adapter's payment notice (justice-payment): nộp phí, lệ phí, posted to <endpoint>/nop-phi, per step (maBuoc). */
import t from 'tap'
import { notice, paymentContext, paymentNoticeTests } from '../payment-cases.ts'

await paymentNoticeTests(t, {
  adapter: 'justice',
  notice: notice('000.31.35.H56-261124-0012', 'criminal-record', 'LLTP-2026-000918', [
    { code: 'PHI-LLTP', name: 'Phí cung cấp thông tin lý lịch tư pháp', amount: 200_000 },
    { name: 'Phí cấp thêm Phiếu lý lịch tư pháp (từ Phiếu thứ 3)', amount: 5_000 }
  ]),
  context: paymentContext('justice', 'criminal-record-certificate', { id: 'criminal-record', stage: 0, lead: true }),
  path: 'nop-phi',
  endpoint: 'http://127.0.0.1:4102/hotich/api/hoso',
  fields: { reference: 'soBienNhan', amount: 'tongTien', lines: 'lePhi', receipt: 'soBienLaiDienTu', payment: 'maThanhToan', time: 'thoiDiemThanhToan' }
})

t.test('the module and the step', async (t) => {
  const { justiceAdapter } = await import('../../../adapters/justice/index.ts')
  const body = justiceAdapter.payment(notice('000.31.35.H56-261124-0013', 'civil-status', undefined, [{ name: 'Lệ phí', amount: 8000 }]), paymentContext('justice', 'birth-registration', { id: 'civil-status', stage: 0, lead: true })).body as Record<string, unknown>
  t.equal(body.loaiHoSo, 'KS', 'birth registration → module KS')
  t.equal(body.maBuoc, 'civil-status')
  t.equal(body.soThongBao, 'TB-2026-00417')
})
