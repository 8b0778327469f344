/**
 * The land registration office's VBDLIS, simulated (npm run agencies): its codes are the adapter's
 * (PROCEDURE_KINDS, STEP_STATUS, PAUSED, FINISHED).
 */
import type { LandStatus } from './native.generated.ts'
import { FINISHED, PAUSED, PAYMENT_PATH as LAND_PAYMENT, PROCEDURE_KINDS, STEP_STATUS, SUPPLEMENT_PATH as LAND_SUPPLEMENT, WITHDRAWAL_PATH as LAND_WITHDRAWAL } from './index.ts'
import { clip, code, nativeCodeOf, nativeTime, objectOf, papers, present, referenceOf, required, sequence, text, type Delivered, type Dialect, type Missing, type Payment, type Result, type StepStatus, paymentIntake, reusedPapers } from '../shared/simulator.ts'
import { toCompactVietnam } from '../shared/vietnam-datetime.ts'

const LAND = 'a VBDLIS land request (land-request: MaHoSo, LoaiThuTuc, MaBuoc, GiaiDoan …)'
const LAND_WITHDRAWAL_FORMAT = 'a VBDLIS withdrawal (land-withdrawal: MaHoSo, MaBuoc, LyDoRutHoSo …)'
const LAND_PAYMENT_FORMAT = 'a VBDLIS payment notice (land-payment: MaHoSo, MaBuoc, MaThanhToan, SoTienDaNop, DanhSachKhoanNop …)'
const LAND_SUPPLEMENT_FORMAT = 'a VBDLIS supplement (land-supplement: MaHoSo, MaBuoc, LanBoSung, DanhSachGiayToBoSung …)'
type LandCode = LandStatus['MaTrangThai']

/** The first step of the linked route: check the dossier and send the cadastral information to the tax authority. */
function landFirstStep (d: Delivered): boolean {
  return d.stage === 0
}

/**
 * The canonical step status → MaTrangThai. Resolved is CHUYEN_THUE for the first step (the
 * phiếu went to the tax authority) and DA_XU_LY afterwards (the certificate is signed).
 */
function landCode (d: Delivered, status: StepStatus): LandCode {
  return status === 'resolved' && !landFirstStep(d) ? 'DA_XU_LY' : nativeCodeOf(STEP_STATUS, status)
}

export const landSimulator: Dialect = {
  parse: (body) => {
    const b = objectOf(body, LAND)
    const maHoSo = text(b, 'MaHoSo', LAND)
    const kind = code(b, 'LoaiThuTuc', PROCEDURE_KINDS, LAND)
    const step = text(b, 'MaBuoc', LAND)
    const stage = b.GiaiDoan
    if (typeof stage !== 'number' || !Number.isInteger(stage) || stage < 0) throw new Error(`not ${LAND}: GiaiDoan (the stage, an integer from 0) is missing`)
    const reused = reusedPapers(b.GiayToKemTheo, 'GiayToKemTheo', LAND, (p) => p.DaTaiSuDung === true, (p) => p.MaGiayToTaiSuDung)
    return { code: maHoSo, step, kind, stage, ...(reused.length > 0 && { reused }) }
  },
  // the adapter's receipt() reads SoBienNhan
  receipt: (receipt) => ({ SoBienNhan: receipt }),
  withdrawalPath: LAND_WITHDRAWAL,
  parseWithdrawal: (body) => {
    const b = objectOf(body, LAND_WITHDRAWAL_FORMAT)
    return { code: text(b, 'MaHoSo', LAND_WITHDRAWAL_FORMAT), step: text(b, 'MaBuoc', LAND_WITHDRAWAL_FORMAT) }
  },
  supplement: {
    path: LAND_SUPPLEMENT,
    parse: (body) => {
      const b = objectOf(body, LAND_SUPPLEMENT_FORMAT)
      papers(b, 'DanhSachGiayToBoSung', LAND_SUPPLEMENT_FORMAT)
      const reused = reusedPapers(b.DanhSachGiayToBoSung, 'DanhSachGiayToBoSung', LAND_SUPPLEMENT_FORMAT, (p) => p.DaTaiSuDung === true, (p) => p.MaGiayToTaiSuDung)
      return { code: text(b, 'MaHoSo', LAND_SUPPLEMENT_FORMAT), step: text(b, 'MaBuoc', LAND_SUPPLEMENT_FORMAT), sequence: sequence(b, 'LanBoSung', LAND_SUPPLEMENT_FORMAT), ...(reused.length > 0 && { reused }) }
    }
  },
  paid: paymentIntake(LAND_PAYMENT, LAND_PAYMENT_FORMAT, { code: 'MaHoSo', step: 'MaBuoc', reference: 'MaThanhToan', amount: 'SoTienDaNop', lines: 'DanhSachKhoanNop', receiptNumber: 'SoBienLaiDienTu' }),
  results: (d) => landFirstStep(d)
    ? [{ name: 'Phiếu chuyển thông tin để xác định nghĩa vụ tài chính về đất đai', componentCode: 'KQ-PCTT', originalCopies: 1 }]
    : [{ name: 'Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất', componentCode: 'KQ-GCN', originalCopies: 1 }],
  event: (d, report) => {
    const ref = referenceOf(d, report)
    const officer = report.officer
    const maTrangThai = landCode(d, report.status)
    const native: LandStatus = {
      MaHoSo: d.code,
      ...(ref !== undefined && { SoBienNhan: ref }),
      ...(d.step !== undefined && { MaBuoc: d.step }),
      MaTrangThai: maTrangThai,
      ThoiDiem: nativeTime(report),
      LaTamDung: PAUSED.has(maTrangThai),
      TrangThaiKetThuc: FINISHED.has(maTrangThai),
      ...(present(report.note) && { NoiDung: clip(report.note, 1000) }),
      ...(officer !== undefined && {
        NguoiXuLy: officer.name,
        ...(officer.title !== undefined && { ChucDanh: officer.title }),
        ...(officer.department !== undefined && { PhongBanXuLy: officer.department })
      }),
      ...(report.dueAt !== undefined && { NgayHenTraMoi: toCompactVietnam(report.dueAt) })
    }
    // LyDo only with TU_CHOI (with another code the adapter adds it to the note); the papers, the
    // payment and the documents only with their own codes (the adapter refuses them elsewhere)
    switch (report.status) {
      case 'supplement-requested':
        native.GiayToCanBoSung = required(report.missing, 'missing', report.status).map((m: Missing) => ({
          TenGiayTo: m.name,
          ...(present(m.componentCode) && { MaThanhPhanHoSo: m.componentCode }),
          ...(m.note !== undefined && { GhiChu: m.note })
        }))
        break
      case 'payment-requested': {
        const p: Payment = required(report.payment, 'payment', report.status)
        native.SoTienPhaiNop = p.amount
        if (present(p.reference)) native.SoThongBaoNopTien = p.reference
        if (p.note !== undefined) native.NoiDungNopTien = p.note
        break
      }
      case 'rejected':
        native.LyDo = clip(required(report.reason, 'reason', report.status), 800)
        break
      case 'resolved':
        if (report.results !== undefined && report.results.length > 0) {
          native.DanhSachGiayToKetQua = report.results.map((r: Result) => ({
            TenGiayTo: r.name,
            MaThanhPhanHoSo: r.componentCode,
            ...(r.mediaType !== undefined && { KieuFile: r.mediaType }),
            LinkFile: r.url,
            MaBam: r.sha256,
            ...(r.originalCopies !== undefined && { SoBanChinh: r.originalCopies }),
            ...(r.certifiedCopies !== undefined && { SoBanSao: r.certifiedCopies })
          }))
        }
        break
      default:
        break
    }
    return { native }
  }
}
