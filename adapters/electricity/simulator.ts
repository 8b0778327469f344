/**
 * The power company's customer-service system, simulated (npm run agencies): its codes are the
 * adapter's (REQUEST_KINDS, PURPOSE_CODES, STEP_STATUS).
 */
import type { ElectricityStatus } from './native.generated.ts'
import { PAYMENT_PATH as ELECTRICITY_PAYMENT, PURPOSE_CODES, REQUEST_KINDS, STEP_STATUS, SUPPLEMENT_PATH as ELECTRICITY_SUPPLEMENT, WITHDRAWAL_PATH as ELECTRICITY_WITHDRAWAL } from './index.ts'
import { clip, code, nativeCodeOf, nativeTime, objectOf, papers, present, referenceOf, required, sequence, text, type Dialect, type Missing, type Payment, type Result, paymentIntake, reusedPapers } from '../shared/simulator.ts'
import { toCompactVietnam } from '../shared/vietnam-datetime.ts'

const ELECTRICITY = 'an electricity request (electricity-request: maYeuCau, loaiYeuCau …)'
const ELECTRICITY_WITHDRAWAL_FORMAT = 'an electricity withdrawal (electricity-withdrawal: maYeuCau, lyDoHuy …)'
const ELECTRICITY_PAYMENT_FORMAT = 'an electricity payment notice (electricity-payment: maYeuCau, maThanhToan, soTien, chiTietThanhToan …)'
const ELECTRICITY_SUPPLEMENT_FORMAT = 'an electricity supplement (electricity-supplement: maYeuCau, lanBoSung, hoSoBoSung …)'

export const electricitySimulator: Dialect = {
  parse: (body) => {
    const b = objectOf(body, ELECTRICITY)
    const maYeuCau = text(b, 'maYeuCau', ELECTRICITY)
    const kind = code(b, 'loaiYeuCau', REQUEST_KINDS, ELECTRICITY)
    const purpose = b.mucDichSuDung
    const reused = reusedPapers(b.hoSoDinhKem, 'hoSoDinhKem', ELECTRICITY, (p) => p.daTaiSuDung === true, (p) => p.maGiayToKho)
    return {
      code: maYeuCau,
      kind,
      ...(reused.length > 0 && { reused }),
      ...(typeof purpose === 'string' && (PURPOSE_CODES as readonly string[]).includes(purpose) && { variant: purpose })
    }
  },
  // the adapter's receipt() reads maTiepNhan
  receipt: (receipt) => ({ maTiepNhan: receipt }),
  withdrawalPath: ELECTRICITY_WITHDRAWAL,
  // the power company holds one step of a dossier: no step in the notice
  parseWithdrawal: (body) => ({ code: text(objectOf(body, ELECTRICITY_WITHDRAWAL_FORMAT), 'maYeuCau', ELECTRICITY_WITHDRAWAL_FORMAT) }),
  // nor in the supplement
  supplement: {
    path: ELECTRICITY_SUPPLEMENT,
    parse: (body) => {
      const b = objectOf(body, ELECTRICITY_SUPPLEMENT_FORMAT)
      papers(b, 'hoSoBoSung', ELECTRICITY_SUPPLEMENT_FORMAT)
      const reused = reusedPapers(b.hoSoBoSung, 'hoSoBoSung', ELECTRICITY_SUPPLEMENT_FORMAT, (p) => p.daTaiSuDung === true, (p) => p.maGiayToKho)
      return { code: text(b, 'maYeuCau', ELECTRICITY_SUPPLEMENT_FORMAT), sequence: sequence(b, 'lanBoSung', ELECTRICITY_SUPPLEMENT_FORMAT), ...(reused.length > 0 && { reused }) }
    }
  },
  // nor in the payment notice
  paid: paymentIntake(ELECTRICITY_PAYMENT, ELECTRICITY_PAYMENT_FORMAT, { code: 'maYeuCau', reference: 'maThanhToan', amount: 'soTien', lines: 'chiTietThanhToan', receiptNumber: 'soBienLaiDienTu' }),
  results: (d) => {
    if (d.kind === 'THAY_DOI_CHU_THE_HOP_DONG') {
      return [{ name: 'Hợp đồng mua bán điện phục vụ mục đích sinh hoạt (chủ thể mới)', componentCode: 'KQ-01' }]
    }
    const contract = d.variant === undefined || d.variant === 'SINH_HOAT'
      ? 'Hợp đồng mua bán điện phục vụ mục đích sinh hoạt'
      : 'Hợp đồng mua bán điện ngoài mục đích sinh hoạt'
    return [
      { name: contract, componentCode: 'KQ-01' },
      { name: 'Biên bản treo tháo công tơ', componentCode: 'KQ-02' }
    ]
  },
  event: (d, report) => {
    const ref = referenceOf(d, report)
    const officer = report.officer
    const native: ElectricityStatus = {
      maYeuCau: d.code,
      ...(ref !== undefined && { maTiepNhan: ref }),
      trangThai: nativeCodeOf(STEP_STATUS, report.status),
      thoiDiem: nativeTime(report),
      ...(present(report.note) && { ghiChu: clip(report.note, 1900) }),
      ...(officer !== undefined && {
        nguoiXuLy: officer.name,
        ...(officer.title !== undefined && { chucDanh: officer.title }),
        ...(officer.department !== undefined && { phongBanXuLy: officer.department })
      }),
      ...(report.dueAt !== undefined && { ngayHenTraMoi: toCompactVietnam(report.dueAt) })
    }
    switch (report.status) {
      case 'supplement-requested':
        native.giayToCanBoSung = required(report.missing, 'missing', report.status).map((m: Missing) => ({
          ten: m.name,
          ...(present(m.componentCode) && { maThanhPhan: m.componentCode }),
          ...(m.note !== undefined && { ghiChu: m.note })
        }))
        break
      case 'payment-requested': {
        const p: Payment = required(report.payment, 'payment', report.status)
        native.soTien = p.amount
        if (present(p.reference)) native.soThongBaoThanhToan = p.reference
        if (p.note !== undefined) native.noiDungThanhToan = p.note
        break
      }
      case 'rejected':
        native.lyDo = required(report.reason, 'reason', report.status)
        break
      case 'resolved':
        if (report.results !== undefined && report.results.length > 0) {
          native.giayToKetQua = report.results.map((r: Result) => ({
            tenGiayTo: r.name,
            maThanhPhan: r.componentCode,
            duongDan: r.url,
            sha256: r.sha256,
            ...(r.mediaType !== undefined && { kieuTep: r.mediaType })
          }))
        }
        break
      default:
        break
    }
    return { native }
  }
}
