/** The electricity adapter's payment notice (electricity-payment): xác nhận thanh toán, posted to <endpoint>/xac-nhan-thanh-toan. */
import t from 'tap'
import { notice, paymentContext, paymentNoticeTests } from '../payment-cases.ts'

await paymentNoticeTests(t, {
  adapter: 'electricity',
  notice: notice('000.00.06.H56-261124-0007', 'evn', 'PC38-TN-0001', [
    { code: 'DN-01', name: 'Chi phí vật tư đấu nối phần sau công tơ', amount: 1_250_000 }
  ]),
  context: paymentContext('evn', 'electricity-new-connection', { id: 'evn', stage: 0, lead: true }),
  path: 'xac-nhan-thanh-toan',
  endpoint: 'http://127.0.0.1:4101/evn/yeu-cau-cap-dien',
  fields: { reference: 'maTiepNhan', amount: 'soTien', lines: 'chiTietThanhToan', receipt: 'soBienLaiDienTu', payment: 'maThanhToan', time: 'thoiDiemThanhToan' }
})

t.test('the request kind and the power company\'s notice number', async (t) => {
  const { electricityAdapter } = await import('../../../adapters/electricity/index.ts')
  const body = electricityAdapter.payment(notice('000.00.06.H56-261124-0007', 'evn', undefined, [{ name: 'Phí', amount: 1000 }]), paymentContext('evn', 'electricity-contract-holder-change', { id: 'evn', stage: 0, lead: true })).body as Record<string, unknown>
  t.equal(body.loaiYeuCau, 'THAY_DOI_CHU_THE_HOP_DONG')
  t.equal(body.soThongBaoThanhToan, 'TB-2026-00417', 'the notice number its CHO_THANH_TOAN report gave')
  t.equal(body.kenhThanhToan, 'vnpay')
})
