/**
 * What each simulated agency system says, by adapter: how to read a delivery in its native
 * format, how it answers (its receipt), which result documents it issues, how it words a
 * progress report (its native status format, or the canonical report for generic agencies),
 * where and in which format it takes a withdrawal notice (the adapter's withdrawal path and schema),
 * and where and in which format it takes the papers it asked for (the adapter's supplement path and
 * schema; the postal service takes none).
 *
 * A native report built here must validate against the adapter's status schema and map back,
 * through the adapter's status(), to the canonical report it was built from (same status, and
 * the same missing papers, payment, reason or result documents).
 *
 * The postal service (VNPost) does not process dossiers: it carries the result, so its progress is
 * a tracking journey of its own (journey): picked up → in transit → out for delivery → (a failed
 * attempt, then out for delivery again) → delivered, or returned to the sender.
 */
import type { ResultDocument, StatusReport } from '../../src/types/schemas.generated.ts'
import type { GenericRequest } from '../../adapters/generic/native.generated.ts'
import type { ElectricityRequest, ElectricityStatus } from '../../adapters/electricity/native.generated.ts'
import type { LandRequest, LandStatus } from '../../adapters/land/native.generated.ts'
import type { JusticeRequest, JusticeStatus } from '../../adapters/justice/native.generated.ts'
import type { PostalStatus } from '../../adapters/postal/native.generated.ts'
import { SUPPLEMENT_PATH as GENERIC_SUPPLEMENT, WITHDRAWAL_PATH as GENERIC_WITHDRAWAL } from '../../adapters/generic/index.ts'
import { SUPPLEMENT_PATH as ELECTRICITY_SUPPLEMENT, WITHDRAWAL_PATH as ELECTRICITY_WITHDRAWAL } from '../../adapters/electricity/index.ts'
import { SUPPLEMENT_PATH as LAND_SUPPLEMENT, WITHDRAWAL_PATH as LAND_WITHDRAWAL } from '../../adapters/land/index.ts'
import { SUPPLEMENT_PATH as JUSTICE_SUPPLEMENT, WITHDRAWAL_PATH as JUSTICE_WITHDRAWAL } from '../../adapters/justice/index.ts'
import { RETURN_STEP, WITHDRAWAL_PATH as POSTAL_WITHDRAWAL } from '../../adapters/postal/index.ts'
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
  /** who is to receive a postal shipment (and signs for it) */
  recipient?: string
}

/** A withdrawal notice as the simulator understood it: no step = every step of the dossier it holds. */
export interface Withdrawn {
  code: string
  step?: string
}

/** A supplement notice as the simulator understood it: no step = the one step of the dossier the agency holds. */
export interface Supplemented {
  code: string
  step?: string
  /** the supplement's number in the dossier (1, 2…) */
  sequence: number
}

/** Where and how an agency takes the papers it asked for. */
export interface SupplementIntake {
  /** relative to the agency's endpoint: the adapter's SUPPLEMENT_PATH */
  path: string
  /** reads a supplement notice in the adapter's native supplement format */
  parse(body: unknown): Supplemented
}

/** The event body parts besides eventId / agency / step: `{ report }` or `{ native }`. */
export type EventPayload = { report: StatusReport } | { native: unknown }

/** One planned progress report of an agency's own journey: its canonical status, and its wording once its time is known. */
export interface JourneyStep {
  status: StatusReport['status']
  payload: (occurredAt: string) => EventPayload
}

export type ResultStub = Pick<ResultDocument, 'name' | 'componentCode'> & Partial<Pick<ResultDocument, 'originalCopies' | 'certifiedCopies'>>

export interface Dialect {
  parse(body: unknown): Delivered
  /** the answer to a delivery, with the receipt number the simulator gave */
  receipt(receipt: string, d?: Delivered): object
  /** the agency's own receipt numbers, when they have a format of their own (VNPost's tracking numbers) */
  newReceipt?(seq: number): string
  results(d: Delivered): ResultStub[]
  event(d: Delivered, report: StatusReport, context: { agencyId: string }): EventPayload
  /** what the agency asks the applicant to pay before it resolves (a tax notice), if anything */
  payment?(d: Delivered): NonNullable<StatusReport['payment']> | undefined
  /** where withdrawal notices arrive, relative to the agency's endpoint: the adapter's WITHDRAWAL_PATH */
  withdrawalPath: string
  /** reads a withdrawal notice in the adapter's native withdrawal format */
  parseWithdrawal(body: unknown): Withdrawn
  /** the papers it asked for: absent when the agency takes no supplements (the postal service) */
  supplement?: SupplementIntake
  /**
   * an agency whose progress is not accepted → processing → resolved (the postal service's
   * tracking) plans its own: `failure` decides a failed delivery attempt, `refusal` a return to sender
   */
  journey?(d: Delivered, o: { failure: boolean, refusal: boolean }): JourneyStep[]
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

/** The supplement's number (a whole number from 1), or a clear error. */
function sequence (b: Record<string, unknown>, field: string, format: string): number {
  const v = b[field]
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`not ${format}: ${field} (a whole number from 1) is missing`)
  return v
}

/** The list of supplied papers: at least one object, or a clear error. */
function papers (b: Record<string, unknown>, field: string, format: string): void {
  const v = b[field]
  if (!Array.isArray(v) || v.length === 0 || !v.every(isObject)) throw new Error(`not ${format}: ${field} (the papers, at least one) is missing`)
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

const GENERIC_WITHDRAWAL_FORMAT = 'a withdrawal notice (generic-withdrawal: type withdrawal, dossierCode, step …)'
const GENERIC_SUPPLEMENT_FORMAT = 'a supplement notice (generic-supplement: type supplement, dossierCode, step, sequence, attachments …)'

const generic: Dialect = {
  parse: (body) => {
    const b = body as GenericRequest
    if (typeof b?.dossier?.code !== 'string') throw new Error('expected { step, dossier } with dossier.code')
    return { code: b.dossier.code, step: b.step.id, kind: b.step.task ?? b.dossier.procedure.name }
  },
  withdrawalPath: GENERIC_WITHDRAWAL,
  parseWithdrawal: (body) => {
    const b = objectOf(body, GENERIC_WITHDRAWAL_FORMAT)
    code(b, 'type', ['withdrawal'], GENERIC_WITHDRAWAL_FORMAT)
    return { code: text(b, 'dossierCode', GENERIC_WITHDRAWAL_FORMAT), step: text(b, 'step', GENERIC_WITHDRAWAL_FORMAT) }
  },
  supplement: {
    path: GENERIC_SUPPLEMENT,
    parse: (body) => {
      const b = objectOf(body, GENERIC_SUPPLEMENT_FORMAT)
      code(b, 'type', ['supplement'], GENERIC_SUPPLEMENT_FORMAT)
      papers(b, 'attachments', GENERIC_SUPPLEMENT_FORMAT)
      return { code: text(b, 'dossierCode', GENERIC_SUPPLEMENT_FORMAT), step: text(b, 'step', GENERIC_SUPPLEMENT_FORMAT), sequence: sequence(b, 'sequence', GENERIC_SUPPLEMENT_FORMAT) }
    }
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
const ELECTRICITY_WITHDRAWAL_FORMAT = 'an electricity withdrawal (electricity-withdrawal: maYeuCau, lyDoHuy …)'
const ELECTRICITY_SUPPLEMENT_FORMAT = 'an electricity supplement (electricity-supplement: maYeuCau, lanBoSung, hoSoBoSung …)'
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
  withdrawalPath: ELECTRICITY_WITHDRAWAL,
  // the power company holds one step of a dossier: no step in the notice
  parseWithdrawal: (body) => ({ code: text(objectOf(body, ELECTRICITY_WITHDRAWAL_FORMAT), 'maYeuCau', ELECTRICITY_WITHDRAWAL_FORMAT) }),
  // nor in the supplement
  supplement: {
    path: ELECTRICITY_SUPPLEMENT,
    parse: (body) => {
      const b = objectOf(body, ELECTRICITY_SUPPLEMENT_FORMAT)
      papers(b, 'hoSoBoSung', ELECTRICITY_SUPPLEMENT_FORMAT)
      return { code: text(b, 'maYeuCau', ELECTRICITY_SUPPLEMENT_FORMAT), sequence: sequence(b, 'lanBoSung', ELECTRICITY_SUPPLEMENT_FORMAT) }
    }
  },
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
const LAND_WITHDRAWAL_FORMAT = 'a VBDLIS withdrawal (land-withdrawal: MaHoSo, MaBuoc, LyDoRutHoSo …)'
const LAND_SUPPLEMENT_FORMAT = 'a VBDLIS supplement (land-supplement: MaHoSo, MaBuoc, LanBoSung, DanhSachGiayToBoSung …)'
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
      return { code: text(b, 'MaHoSo', LAND_SUPPLEMENT_FORMAT), step: text(b, 'MaBuoc', LAND_SUPPLEMENT_FORMAT), sequence: sequence(b, 'LanBoSung', LAND_SUPPLEMENT_FORMAT) }
    }
  },
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
const JUSTICE_WITHDRAWAL_FORMAT = 'a justice withdrawal (justice-withdrawal: maHoSo, maBuoc, lyDoRut …)'
const JUSTICE_SUPPLEMENT_FORMAT = 'a justice supplement (justice-supplement: maHoSo, maBuoc, lanBoSung, giayToNopBoSung …)'
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
      return { code: text(b, 'maHoSo', JUSTICE_SUPPLEMENT_FORMAT), step: text(b, 'maBuoc', JUSTICE_SUPPLEMENT_FORMAT), sequence: sequence(b, 'lanBoSung', JUSTICE_SUPPLEMENT_FORMAT) }
    }
  },
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

// ── postal: VNPost, bưu chính công ích (adapters/postal) ───────────────────────────────────────

const POSTAL = 'a VNPost shipment (postal-request: CustomerCode, OrderNumber, Receiver… )'
const POSTAL_WITHDRAWAL_FORMAT = 'a VNPost order cancellation (postal-withdrawal: CustomerCode, OrderNumber, CancelReason …)'
/** Where the simulated parcels pass. */
const PICK_UP = { PostOfficeCode: '40100', PostOfficeName: 'Bưu cục Hạc Thành' }
const HUB_OFFICE = { PostOfficeCode: '40000', PostOfficeName: 'Trung tâm khai thác vận chuyển Thanh Hóa' }
const DELIVERY_OFFICE = { PostOfficeCode: '40105', PostOfficeName: 'Bưu cục phát Hạc Thành' }
const POSTMAN = 'Nguyễn Văn Bình (mô phỏng)'

/** A UPU S10 tracking number: EB, eight digits, their check digit, VN. */
export function s10 (serial: number): string {
  const digits = String(serial % 100_000_000).padStart(8, '0')
  const weights = [8, 6, 4, 2, 3, 5, 9, 7]
  const sum = Array.from(digits).reduce((s, d, i) => s + Number(d) * (weights[i] ?? 0), 0)
  const check = 11 - (sum % 11)
  return `EB${digits}${check === 10 ? 0 : check === 11 ? 5 : check}VN`
}

/** The canonical step status → StatusCode, for a report the journey does not plan (100 picked up, 200 in transit, 400 delivered, 600 returned). */
const POSTAL_STATUS: Readonly<Partial<Record<StepStatus, PostalStatus['StatusCode']>>> = {
  accepted: 100,
  processing: 200,
  resolved: 400,
  rejected: 600
}

function tracking (d: Delivered, update: Omit<PostalStatus, 'ItemCode' | 'OrderNumber' | 'StatusTime'>): (occurredAt: string) => EventPayload {
  return (occurredAt) => {
    const native: PostalStatus = {
      ItemCode: d.receipt ?? s10(0),
      OrderNumber: d.code,
      ...update,
      StatusTime: toCompactVietnam(occurredAt)
    }
    return { native }
  }
}

const postal: Dialect = {
  parse: (body) => {
    const b = objectOf(body, POSTAL)
    text(b, 'CustomerCode', POSTAL)
    const orderNumber = text(b, 'OrderNumber', POSTAL)
    const kind = code(b, 'ServiceCode', ['BCCI_TKQ'], POSTAL)
    return { code: orderNumber, step: RETURN_STEP, kind, recipient: text(b, 'ReceiverName', POSTAL) }
  },
  // the adapter's receipt() reads ItemCode
  receipt: (receipt, d) => ({ ItemCode: receipt, ...(d !== undefined && { OrderNumber: d.code }), Message: 'Tạo đơn hàng thành công (mô phỏng)' }),
  newReceipt: (seq) => s10(seq),
  // VNPost issues no result documents: it carries those of the other agencies
  results: () => [],
  event: (d, report) => {
    const status = POSTAL_STATUS[report.status]
    // no tracking code for a supplement or payment request: reported in canonical terms
    if (status === undefined) return { report }
    const update: Omit<PostalStatus, 'ItemCode' | 'OrderNumber' | 'StatusTime'> = status === 400
      ? { StatusCode: 400, SignedBy: clip(d.recipient ?? 'Người nhận', 300) }
      : status === 600
        ? { StatusCode: 600, Reason: clip(required(report.reason, 'reason', report.status), 1000) }
        : { StatusCode: status }
    return tracking(d, { ...update, ...(present(report.note) && { Note: clip(report.note, 1000) }) })(report.occurredAt ?? new Date().toISOString())
  },
  withdrawalPath: POSTAL_WITHDRAWAL,
  parseWithdrawal: (body) => ({ code: text(objectOf(body, POSTAL_WITHDRAWAL_FORMAT), 'OrderNumber', POSTAL_WITHDRAWAL_FORMAT), step: RETURN_STEP }),
  // no supplement: VNPost examines no papers, so it never asks for any (the adapter refuses a supplement)
  journey: (d, { failure, refusal }) => {
    const steps: JourneyStep[] = [
      { status: 'accepted', payload: tracking(d, { StatusCode: 100, ...PICK_UP, Note: 'Đã nhận kết quả tại Bộ phận một cửa (mô phỏng)' }) },
      { status: 'processing', payload: tracking(d, { StatusCode: 200, ...HUB_OFFICE }) }
    ]
    const attempt = (n: number): JourneyStep => ({ status: 'processing', payload: tracking(d, { StatusCode: 300, ...DELIVERY_OFFICE, Postman: POSTMAN, DeliveryAttempt: n }) })
    const failed = (n: number): JourneyStep => ({
      status: 'processing',
      payload: tracking(d, { StatusCode: 500, ...DELIVERY_OFFICE, Postman: POSTMAN, DeliveryAttempt: n, ReasonCode: 'VANG_NHA', Reason: 'Hẹn phát lại (mô phỏng)' })
    })
    if (refusal) {
      steps.push(attempt(1), failed(1), attempt(2), failed(2))
      steps.push({ status: 'rejected', payload: tracking(d, { StatusCode: 600, ...DELIVERY_OFFICE, ReasonCode: 'QUA_SO_LAN_PHAT', Reason: 'Phát 2 lần không gặp người nhận (mô phỏng)' }) })
      return steps
    }
    let n = 1
    if (failure) steps.push(attempt(n), failed(n++))
    steps.push(attempt(n))
    steps.push({ status: 'resolved', payload: tracking(d, { StatusCode: 400, ...DELIVERY_OFFICE, Postman: POSTMAN, DeliveryAttempt: n, SignedBy: clip(d.recipient ?? 'Người nhận', 300) }) })
    return steps
  }
}

export const dialects: Readonly<Record<string, Dialect>> = {
  generic,
  electricity,
  land,
  justice,
  postal
}
