/**
 * What each simulated agency system says, by adapter: how to read a delivery in its native
 * format, how it answers (its receipt), which result documents it issues, and how it words a
 * progress report (its native status format, or the canonical report for generic agencies).
 *
 * A native report built here must validate against the adapter's status schema and map back,
 * through the adapter's status(), to the canonical report it was built from (same status, and
 * the same missing papers, payment, reason or result documents).
 */
import type { ResultDocument, StatusReport } from '../../src/types/schemas.generated.ts'
import type { GenericRequest } from '../../adapters/generic/native.generated.ts'
import type { ElectricityRequest, ElectricityStatus } from '../../adapters/electricity/native.generated.ts'
import type { LandRequest, LandStatus } from '../../adapters/land/native.generated.ts'
import type { JusticeRequest, JusticeStatus } from '../../adapters/justice/native.generated.ts'
import { toCompactVietnam } from '../../adapters/shared/vietnam-datetime.ts'

/** A delivery as the simulator understood it. */
export interface Delivered {
  code: string
  step?: string
  /** the simulator's receipt number, once given */
  receipt?: string
  /** what kind of dossier (the adapter's own word for it), to choose result documents */
  kind?: string
  /** the step's stage in a linked route (0 for the first), when the native request says */
  stage?: number
  /** a finer distinction within the kind that changes the result documents (which Phiếu lý lịch tư pháp, which use of electricity) */
  variant?: string
  /** how many copies of the main result the request asks for, when it says */
  copies?: number
}

/** The event body parts besides eventId / agency / step: `{ report }` or `{ native }`. */
export type EventPayload = { report: StatusReport } | { native: unknown }

export type ResultStub = Pick<ResultDocument, 'name' | 'componentCode'> & Partial<Pick<ResultDocument, 'originalCopies' | 'certifiedCopies'>>

export interface Dialect {
  parse(body: unknown): Delivered
  receipt(receipt: string): object
  results(d: Delivered): ResultStub[]
  event(d: Delivered, report: StatusReport, context: { agencyId: string }): EventPayload
  /** what the agency asks the applicant to pay before it resolves (a tax notice), if anything */
  payment?(d: Delivered): NonNullable<StatusReport['payment']> | undefined
}

type StepStatus = StatusReport['status']
type Missing = NonNullable<StatusReport['missing']>[number]
type Payment = NonNullable<StatusReport['payment']>
type Result = NonNullable<StatusReport['results']>[number]

// ── shared helpers ─────────────────────────────────────────────────────────────────────────────

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The body as an object of the named format, or a clear error. */
function objectOf (body: unknown, format: string): Record<string, unknown> {
  if (!isObject(body)) throw new Error(`expected ${format} (a JSON object), got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`)
  return body
}

/** A non-empty string field of the native request, or a clear error. */
function text (b: Record<string, unknown>, field: string, format: string): string {
  const v = b[field]
  if (typeof v !== 'string' || v.trim() === '') throw new Error(`not ${format}: ${field} (a non-empty string) is missing`)
  return v
}

/** A code field that must be one of the format's codes, or a clear error. */
function code<T extends string> (b: Record<string, unknown>, field: string, allowed: readonly T[], format: string): T {
  const v = b[field]
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new Error(`not ${format}: ${field} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v) ?? 'nothing'}`)
  }
  return v as T
}

/** Cut a text to a native field's maxLength (counted in code points, as JSON Schema does). */
function clip (s: string, max: number): string {
  const chars = Array.from(s)
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`
}

/** A native field's value when the text is there and not empty (native fields have minLength 1). */
function present (s: string | undefined): s is string {
  return s !== undefined && s.trim() !== ''
}

/** When it happened, as the agency systems write it: yyyyMMddHHmmss, Vietnam time. */
function nativeTime (report: StatusReport): string {
  return toCompactVietnam(report.occurredAt ?? new Date().toISOString())
}

/** The agency's own reference: the one the report names, else the receipt number the simulator gave. */
function referenceOf (d: Delivered, report: StatusReport): string | undefined {
  const ref = report.agencyReference ?? d.receipt
  return present(ref) ? clip(ref, 128) : undefined
}

/** What the canonical schema requires with some statuses; a report without it is the simulator's own bug. */
function required<T> (value: T | undefined, what: string, status: StepStatus): T {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) throw new Error(`a ${status} report needs ${what}`)
  return value
}

// ── generic ────────────────────────────────────────────────────────────────────────────────────

const generic: Dialect = {
  parse: (body) => {
    const b = body as GenericRequest
    if (typeof b?.dossier?.code !== 'string') throw new Error('expected { step, dossier } with dossier.code')
    return { code: b.dossier.code, step: b.step.id, kind: b.step.task ?? b.dossier.procedure.name }
  },
  receipt: (receipt) => ({ reference: receipt }),
  results: (d) => [{ name: `Kết quả: ${d.kind ?? 'xử lý hồ sơ'}`, componentCode: 'KQ-01' }],
  event: (_d, report) => ({ report }),
  // a step that determines financial obligations (the tax authority in a land route) issues a notice to pay
  payment: (d) => /nghĩa vụ tài chính|thông báo nộp/i.test(d.kind ?? '')
    ? { amount: 25_000_000, note: 'Thuế thu nhập cá nhân 2%, lệ phí trước bạ 0,5% (mô phỏng)', reference: `TB-${d.code}` }
    : undefined
}

// ── electricity: the power company's customer-service system (adapters/electricity) ──────────

const ELECTRICITY = 'an electricity request (electricity-request: maYeuCau, loaiYeuCau …)'
const ELECTRICITY_KINDS: ReadonlyArray<ElectricityRequest['loaiYeuCau']> = ['CAP_DIEN_MOI_HA_AP', 'THAY_DOI_CHU_THE_HOP_DONG']
const ELECTRICITY_PURPOSES: ReadonlyArray<NonNullable<ElectricityRequest['mucDichSuDung']>> = ['SINH_HOAT', 'KINH_DOANH', 'SAN_XUAT', 'NONG_NGHIEP', 'HCSN']

/** The canonical step status → trangThai (KHAO_SAT is the first of the power company's processing phases). */
const ELECTRICITY_STATUS: Readonly<Record<StepStatus, ElectricityStatus['trangThai']>> = {
  accepted: 'TIEP_NHAN',
  processing: 'KHAO_SAT',
  'supplement-requested': 'CHO_BO_SUNG',
  'payment-requested': 'CHO_THANH_TOAN',
  resolved: 'HOAN_THANH',
  rejected: 'TU_CHOI'
}

const electricity: Dialect = {
  parse: (body) => {
    const b = objectOf(body, ELECTRICITY)
    const maYeuCau = text(b, 'maYeuCau', ELECTRICITY)
    const kind = code(b, 'loaiYeuCau', ELECTRICITY_KINDS, ELECTRICITY)
    const purpose = b.mucDichSuDung
    return {
      code: maYeuCau,
      kind,
      ...(typeof purpose === 'string' && (ELECTRICITY_PURPOSES as readonly string[]).includes(purpose) && { variant: purpose })
    }
  },
  // the adapter's receipt() reads maTiepNhan
  receipt: (receipt) => ({ maTiepNhan: receipt }),
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
      trangThai: ELECTRICITY_STATUS[report.status],
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

// ── land: the land registration office, VBDLIS (adapters/land) ─────────────────────────────────

const LAND = 'a VBDLIS land request (land-request: MaHoSo, LoaiThuTuc, MaBuoc, GiaiDoan …)'
const LAND_KINDS: ReadonlyArray<LandRequest['LoaiThuTuc']> = ['CHUYEN_NHUONG', 'CAP_GCN_LAN_DAU']
type LandCode = LandStatus['MaTrangThai']
/** As the adapter has it: the clock is paused exactly for these, the office's step is finished exactly for those. */
const LAND_PAUSED: ReadonlySet<LandCode> = new Set<LandCode>(['CHO_BO_SUNG', 'CHO_NGHIA_VU_TAI_CHINH'])
const LAND_FINISHED: ReadonlySet<LandCode> = new Set<LandCode>(['CHUYEN_THUE', 'DA_XU_LY', 'TRA_KET_QUA', 'TU_CHOI'])

/** The first step of the linked route: check the dossier and send the cadastral information to the tax authority. */
function landFirstStep (d: Delivered): boolean {
  return d.stage === 0
}

/**
 * The canonical step status → MaTrangThai. Resolved is CHUYEN_THUE for the first step (the
 * phiếu went to the tax authority) and DA_XU_LY afterwards (the certificate is signed).
 */
function landCode (d: Delivered, status: StepStatus): LandCode {
  switch (status) {
    case 'accepted': return 'TIEP_NHAN'
    case 'processing': return 'DANG_XU_LY'
    case 'supplement-requested': return 'CHO_BO_SUNG'
    case 'payment-requested': return 'CHO_NGHIA_VU_TAI_CHINH'
    case 'resolved': return landFirstStep(d) ? 'CHUYEN_THUE' : 'DA_XU_LY'
    case 'rejected': return 'TU_CHOI'
  }
}

const land: Dialect = {
  parse: (body) => {
    const b = objectOf(body, LAND)
    const maHoSo = text(b, 'MaHoSo', LAND)
    const kind = code(b, 'LoaiThuTuc', LAND_KINDS, LAND)
    const step = text(b, 'MaBuoc', LAND)
    const stage = b.GiaiDoan
    if (typeof stage !== 'number' || !Number.isInteger(stage) || stage < 0) throw new Error(`not ${LAND}: GiaiDoan (the stage, an integer from 0) is missing`)
    return { code: maHoSo, step, kind, stage }
  },
  // the adapter's receipt() reads SoBienNhan
  receipt: (receipt) => ({ SoBienNhan: receipt }),
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
      LaTamDung: LAND_PAUSED.has(maTrangThai),
      TrangThaiKetThuc: LAND_FINISHED.has(maTrangThai),
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

// ── justice: civil status and criminal records software (adapters/justice) ───────────────────

const JUSTICE = 'a justice request (justice-request: maHoSo, loaiHoSo, maBuoc …)'
type Module = JusticeRequest['loaiHoSo']
const MODULES: readonly Module[] = ['KS', 'KT', 'LTKH', 'LLTP']

/**
 * The canonical step status → trangThai. The software has no code for a payment request: that one
 * is reported canonically (see event).
 */
const JUSTICE_STATUS: Readonly<Record<Exclude<StepStatus, 'payment-requested' | 'resolved'>, JusticeStatus['trangThai']>> = {
  accepted: '1',
  'supplement-requested': '2',
  processing: '3',
  rejected: '6'
}

const justice: Dialect = {
  parse: (body) => {
    const b = objectOf(body, JUSTICE)
    const maHoSo = text(b, 'maHoSo', JUSTICE)
    const kind = code(b, 'loaiHoSo', MODULES, JUSTICE)
    const step = text(b, 'maBuoc', JUSTICE)
    const stage = b.giaiDoan
    const record = isObject(b.lyLichTuPhap) ? b.lyLichTuPhap : undefined
    const phieu = record?.loaiPhieu
    const copies = record?.soLuong
    return {
      code: maHoSo,
      step,
      kind,
      ...(typeof stage === 'number' && { stage }),
      ...(kind === 'LLTP' && (phieu === '1' || phieu === '2') && { variant: phieu }),
      ...(kind === 'LLTP' && typeof copies === 'number' && Number.isInteger(copies) && copies > 0 && { copies })
    }
  },
  // the adapter's receipt() reads soBienNhan
  receipt: (receipt) => ({ soBienNhan: receipt }),
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
    const trangThai: JusticeStatus['trangThai'] = report.status === 'resolved' ? (results.length > 0 ? '4' : '5') : JUSTICE_STATUS[report.status]
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
      ...(report.dueAt !== undefined && { ngayHenTraMoi: toCompactVietnam(report.dueAt) })
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

export const dialects: Readonly<Record<string, Dialect>> = {
  generic,
  electricity,
  land,
  justice
}
