/**
 * The civil status and criminal records software, simulated (npm run agencies): its codes are the
 * adapter's (MODULES, STEP_STATUS).
 */
import { createHash } from 'node:crypto'
import type { JusticeRequest, JusticeStatus } from './native.generated.ts'
import { MODULES, PAYMENT_PATH as JUSTICE_PAYMENT, STEP_STATUS, SUPPLEMENT_PATH as JUSTICE_SUPPLEMENT, WITHDRAWAL_PATH as JUSTICE_WITHDRAWAL } from './index.ts'
import { clip, code, isObject, nativeCodeOf, nativeTime, objectOf, papers, present, referenceOf, required, sequence, text, type Dialect, type Missing, type Result, paymentIntake, reusedPapers } from '../shared/simulator.ts'
import { toCompactVietnam } from '../shared/vietnam-datetime.ts'

const JUSTICE = 'a justice request (justice-request: maHoSo, loaiHoSo, maBuoc …)'
const JUSTICE_WITHDRAWAL_FORMAT = 'a justice withdrawal (justice-withdrawal: maHoSo, maBuoc, lyDoRut …)'
const JUSTICE_PAYMENT_FORMAT = 'a justice payment notice (justice-payment: maHoSo, maBuoc, maThanhToan, tongTien, lePhi …)'
const JUSTICE_SUPPLEMENT_FORMAT = 'a justice supplement (justice-supplement: maHoSo, maBuoc, lanBoSung, giayToNopBoSung …)'
type Module = JusticeRequest['loaiHoSo']

export const justiceSimulator: Dialect = {
  parse: (body) => {
    const b = objectOf(body, JUSTICE)
    const maHoSo = text(b, 'maHoSo', JUSTICE)
    const kind = code(b, 'loaiHoSo', MODULES, JUSTICE)
    const step = text(b, 'maBuoc', JUSTICE)
    const stage = b.giaiDoan
    const record = isObject(b.lyLichTuPhap) ? b.lyLichTuPhap : undefined
    const phieu = record?.loaiPhieu
    const copies = record?.soLuong
    const reused = reusedPapers(b.giayToDinhKem, 'giayToDinhKem', JUSTICE, (p) => p.daTaiSuDung === true, (p) => p.maGiayToKho)
    return {
      code: maHoSo,
      step,
      kind,
      ...(reused.length > 0 && { reused }),
      ...(typeof stage === 'number' && { stage }),
      ...(kind === 'LLTP' && (phieu === '1' || phieu === '2') && { variant: phieu }),
      ...(kind === 'LLTP' && typeof copies === 'number' && Number.isInteger(copies) && copies > 0 && { copies })
    }
  },
  // the adapter's receipt() reads soBienNhan
  receipt: (receipt) => ({ soBienNhan: receipt }),
  withdrawalPath: JUSTICE_WITHDRAWAL,
  parseWithdrawal: (body) => {
    const b = objectOf(body, JUSTICE_WITHDRAWAL_FORMAT)
    return { code: text(b, 'maHoSo', JUSTICE_WITHDRAWAL_FORMAT), step: text(b, 'maBuoc', JUSTICE_WITHDRAWAL_FORMAT) }
  },
  supplement: {
    path: JUSTICE_SUPPLEMENT,
    parse: (body) => {
      const b = objectOf(body, JUSTICE_SUPPLEMENT_FORMAT)
      papers(b, 'giayToNopBoSung', JUSTICE_SUPPLEMENT_FORMAT)
      const reused = reusedPapers(b.giayToNopBoSung, 'giayToNopBoSung', JUSTICE_SUPPLEMENT_FORMAT, (p) => p.daTaiSuDung === true, (p) => p.maGiayToKho)
      return { code: text(b, 'maHoSo', JUSTICE_SUPPLEMENT_FORMAT), step: text(b, 'maBuoc', JUSTICE_SUPPLEMENT_FORMAT), sequence: sequence(b, 'lanBoSung', JUSTICE_SUPPLEMENT_FORMAT), ...(reused.length > 0 && { reused }) }
    }
  },
  paid: paymentIntake(JUSTICE_PAYMENT, JUSTICE_PAYMENT_FORMAT, { code: 'maHoSo', step: 'maBuoc', reference: 'maThanhToan', amount: 'tongTien', lines: 'lePhi', receiptNumber: 'soBienLaiDienTu' }),
  results: (d) => {
    switch (d.kind as Module | undefined) {
      case 'KS':
        return [
          { name: 'Giấy khai sinh (bản chính)', componentCode: 'KQ-KS-01', originalCopies: 1 },
          { name: 'Trích lục khai sinh (bản sao)', componentCode: 'KQ-KS-02', certifiedCopies: 1 }
        ]
      case 'KT':
        return [{ name: 'Trích lục khai tử', componentCode: 'KQ-KT-01', originalCopies: 1 }]
      case 'LTKH':
        // one original for each spouse
        return [{ name: 'Giấy chứng nhận kết hôn', componentCode: 'KQ-KH-01', originalCopies: 2 }]
      case 'LLTP':
        return [{ name: `Phiếu lý lịch tư pháp số ${d.variant ?? '1'}`, componentCode: 'KQ-LLTP-01', originalCopies: d.copies ?? 1 }]
      default:
        return [{ name: 'Kết quả giải quyết thủ tục hành chính', componentCode: 'KQ-01' }]
    }
  },
  event: (d, report) => {
    const ref = referenceOf(d, report)
    // no native code for a payment request (the status format has neither a code nor an amount):
    // the software reports it in the hub's canonical terms, which the hub accepts from any agency
    if (report.status === 'payment-requested') {
      return { report: { ...report, ...(report.agencyReference === undefined && ref !== undefined && { agencyReference: ref }) } }
    }
    const results = report.results ?? []
    // "4" có kết quả needs ketQua; a resolution without documents is "5" đã trả kết quả
    const trangThai: JusticeStatus['trangThai'] = report.status === 'resolved' ? (results.length > 0 ? '4' : '5') : nativeCodeOf(STEP_STATUS, report.status)
    const officer = report.officer
    const module = (MODULES as ReadonlyArray<string | undefined>).includes(d.kind) ? d.kind as Module : undefined
    const native: JusticeStatus = {
      maHoSo: d.code,
      ...(d.step !== undefined && { maBuoc: d.step }),
      ...(ref !== undefined && { soBienNhan: ref }),
      ...(module !== undefined && { loaiHoSo: module }),
      trangThai,
      thoiDiemXuLy: nativeTime(report),
      ...(officer !== undefined && {
        nguoiXuLy: officer.name,
        ...(officer.title !== undefined && { chucDanh: officer.title }),
        ...(officer.department !== undefined && { donViXuLy: officer.department })
      }),
      ...(present(report.note) && { noiDung: clip(report.note, 1500) }),
      ...(report.dueAt !== undefined && { ngayHenTraMoi: toCompactVietnam(report.dueAt) }),
      // a birth registered: the child's new personal number (Thanh Hóa, born in 2026), with the documents
      ...(module === 'KS' && report.status === 'resolved' && results.length > 0 && { soDinhDanh: childNumber(d.code) })
    }
    switch (report.status) {
      case 'supplement-requested':
        // giayToBoSung only: noiDungBoSung would be added to the note
        native.giayToBoSung = required(report.missing, 'missing', report.status).map((m: Missing) => ({
          tenGiayTo: m.name,
          ...(present(m.componentCode) && { maThanhPhan: m.componentCode }),
          ...(m.note !== undefined && { ghiChu: m.note })
        }))
        break
      case 'rejected':
        native.lyDo = required(report.reason, 'reason', report.status)
        break
      case 'resolved':
        if (results.length > 0) {
          native.ketQua = results.map((r: Result) => ({
            tenGiayTo: r.name,
            maThanhPhan: r.componentCode,
            duongDan: r.url,
            maBam: r.sha256,
            ...(r.mediaType !== undefined && { kieuTep: r.mediaType }),
            ...(r.originalCopies !== undefined && { soBanChinh: r.originalCopies }),
            ...(r.certifiedCopies !== undefined && { soBanSao: r.certifiedCopies })
          }))
        }
        break
      default:
        break
    }
    return { native }
  }
}

/** A personal number for the child of a simulated birth registration, the same for the same dossier. */
function childNumber (code: string): string {
  const digits = createHash('sha256').update(code).digest().readUInt32BE(0) % 1_000_000
  return `038226${String(digits).padStart(6, '0')}`
}
