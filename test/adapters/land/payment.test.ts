/** The land adapter's payment notice (land-payment): nộp tiền nghĩa vụ tài chính, posted to <endpoint>/nop-tien, per step (MaBuoc). */
import t from 'tap'
import { notice, paymentContext, paymentNoticeTests } from '../payment-cases.ts'

await paymentNoticeTests(t, {
  adapter: 'land',
  notice: notice('000.20.38.H56-261124-0007', 'land-certificate', 'VPDK-HT-2026-004498', [
    { code: 'LP-GCN', name: 'Lệ phí cấp Giấy chứng nhận', amount: 100_000 },
    { name: 'Phí thẩm định hồ sơ cấp Giấy chứng nhận', amount: 500_000 }
  ]),
  context: paymentContext('land-office', 'land-use-right-transfer', { id: 'land-certificate', stage: 2, task: 'Cập nhật biến động, cấp Giấy chứng nhận', lead: false }),
  path: 'nop-tien',
  endpoint: 'http://127.0.0.1:4103/vbdlis/api/hoso',
  fields: { reference: 'SoBienNhan', amount: 'SoTienDaNop', lines: 'DanhSachKhoanNop', receipt: 'SoBienLaiDienTu', payment: 'MaThanhToan', time: 'ThoiDiemNop' }
})

t.test('the step and the procedure kind', async (t) => {
  const { landAdapter } = await import('../../../adapters/land/index.ts')
  const body = landAdapter.payment(notice('000.20.38.H56-261124-0008', 'land-first', undefined, [{ name: 'Lệ phí', amount: 100_000 }]), paymentContext('land-office', 'land-first-certificate', { id: 'land-first', stage: 0, lead: true })).body as Record<string, unknown>
  t.equal(body.MaBuoc, 'land-first', 'which of the office\'s steps asked')
  t.equal(body.LoaiThuTuc, 'CAP_GCN_LAN_DAU')
  t.equal(body.SoThongBaoNopTien, 'TB-2026-00417')
})
