/**
 * Land adapter: the land registration office's system (Văn phòng đăng ký đất đai, VBDLIS). Serves
 * two procedures, told apart by the data schema on the way out and by `LoaiThuTuc` on the way in:
 * - đăng ký biến động do chuyển nhượng (transfer of land use rights), data schema
 *   schemas/procedures/land-use-right-transfer.schema.json, LoaiThuTuc CHUYEN_NHUONG;
 * - đăng ký đất đai, cấp Giấy chứng nhận lần đầu (first certificate), data schema
 *   land-first-certificate, LoaiThuTuc CAP_GCN_LAN_DAU.
 * In a linked route the office gets the same dossier once per step (MaBuoc, GiaiDoan,
 * NoiDungYeuCau): before the tax authority (check the dossier, send the cadastral information)
 * and after it (register the change, issue the certificate, with the tax notice in
 * KetQuaBuocTruoc). Status reports (MaTrangThai) map to the canonical step statuses by STEP_STATUS.
 * When the applicant withdraws the dossier, the office is told per step it holds (MaBuoc) at
 * <endpoint>/rut-ho-so (land-withdrawal); when the applicant supplies the papers a step asked for
 * (CHO_BO_SUNG), they go to <endpoint>/bo-sung (land-supplement); when the applicant paid online
 * what a step asked for (CHO_NGHIA_VU_TAI_CHINH), the payment goes to <endpoint>/nop-tien (land-payment).
 */
import {
  AdapterMappingError,
  type AgencyAdapter,
  type AgencyResponse,
  type DeliverableDossier,
  type DossierSubmission,
  type MappedStatus,
  type OutboundContext,
  type ResultDocument,
  type StatusReport,
  type StepStatus,
  type PaymentNotice,
  type SupplementNotice,
  type WithdrawalNotice
} from '../contract.ts'
import { receiptField } from '../shared/receipt.ts'
import type {
  Address,
  Attachment,
  LandAsset,
  LandFirstCertificateData,
  LandParty,
  LandUse,
  LandUseRightTransferData
} from '../../src/types/schemas.generated.ts'
import type {
  LandChuHoSo,
  LandDiaChi,
  LandGiayToKemTheo,
  LandKetQuaBuocTruoc,
  LandLePhi,
  LandMucDichSuDung,
  LandNguoiSuDungDat,
  LandPayment,
  LandRequest,
  LandStatus,
  LandSubmission,
  LandSupplement,
  LandTaiSan,
  LandThongTinNhanKetQua,
  LandWithdrawal
} from './native.generated.ts'
import { nativeDate, nativeDateTime, toCompactDate, toCompactVietnam } from '../shared/vietnam-datetime.ts'
import { codeTable, kindOf } from '../shared/code-table.ts'
import { withdrawalReason, withdrawalTime } from '../shared/withdrawal.ts'
import { noticeReference } from '../shared/notice-fields.ts'
import { supplementNote, supplementPapers, supplementSequence, supplementTime } from '../shared/supplement.ts'
import { paymentFields, paymentTime } from '../shared/payment.ts'

/** The native system, as the adapter's messages name it. */
const SYSTEM = 'VBDLIS'
import requestSchema from './schemas/request.schema.json' with { type: 'json' }
import statusSchema from './schemas/status.schema.json' with { type: 'json' }
import submissionSchema from './schemas/submission.schema.json' with { type: 'json' }
import supplementSchema from './schemas/supplement.schema.json' with { type: 'json' }
import withdrawalSchema from './schemas/withdrawal.schema.json' with { type: 'json' }
import paymentSchema from './schemas/payment.schema.json' with { type: 'json' }

/** The data schemas ($id) this adapter maps. */
export const TRANSFER = 'land-use-right-transfer'
export const FIRST_CERTIFICATE = 'land-first-certificate'

/** Where a withdrawal notice goes, relative to the office's endpoint (the hub appends it). */
export const WITHDRAWAL_PATH = 'rut-ho-so'

/** Where a supplement (the papers a step asked for) goes, relative to the office's endpoint (the hub appends it). */
export const SUPPLEMENT_PATH = 'bo-sung'

/** Where a payment notice (the applicant paid online what CHO_NGHIA_VU_TAI_CHINH asked for) goes, relative to the office's endpoint. */
export const PAYMENT_PATH = 'nop-tien'

type ProcedureKind = LandRequest['LoaiThuTuc']
type Applicant = DossierSubmission['applicant']
type Channel = DossierSubmission['channel']
type ReturnMethod = DossierSubmission['resultReturn']['method']
type Fee = NonNullable<DossierSubmission['fees']>[number]
type Delivery = NonNullable<DossierSubmission['resultReturn']['delivery']>
type Origin = LandFirstCertificateData['parcel']['origin']
/** The procedure-specific part of the native request and submission (same shapes in both). */
type LandData = Pick<LandRequest, 'BenChuyenNhuong' | 'BenNhanChuyenNhuong' | 'NguoiSuDungDat' | 'ThuaDat' | 'GiayChungNhanDaCap' | 'HopDongChuyenNhuong' | 'TaiSanGanLienVoiDat'>

const channels = codeTable<Channel, LandRequest['KenhNop']>(SYSTEM, 'KenhNop', [['counter', 1], ['online', 2], ['postal', 3]])
const returnMethods = codeTable<ReturnMethod, LandRequest['HinhThucNhanKetQua']>(SYSTEM, 'HinhThucNhanKetQua', [
  ['counter', 'TRUC_TIEP'], ['postal', 'BUU_CHINH'], ['online', 'TRUC_TUYEN']
])
const feeCollections = codeTable<NonNullable<Fee['collection']>, NonNullable<LandLePhi['HinhThucThu']>>(SYSTEM, 'DanhSachLePhi[].HinhThucThu', [
  ['counter', 'TAI_QUAY'], ['online', 'TRUC_TUYEN'], ['postal', 'BUU_CHINH']
])
const applicantKinds = codeTable<Applicant['kind'], LandChuHoSo['LoaiDoiTuong']>(SYSTEM, 'ChuHoSo.LoaiDoiTuong', [
  ['citizen', 1], ['organisation', 2], ['agency', 3]
])
const applicantIdentities = codeTable<Applicant['identity']['type'], LandChuHoSo['LoaiGiayTo']>(SYSTEM, 'ChuHoSo.LoaiGiayTo', [
  ['citizen-id', 'CCCD'], ['legacy-id', 'CMND'], ['tax-code', 'MST'], ['agency-code', 'MDDCQ']
])
const partyIdentities = codeTable<LandParty['identity']['type'], LandNguoiSuDungDat['LoaiGiayTo']>(SYSTEM, 'LoaiGiayTo', [
  ['citizen-id', 'CCCD'], ['legacy-id', 'CMND'], ['tax-code', 'MST']
])
const termKinds = codeTable<NonNullable<LandUse['term']>['kind'], NonNullable<LandMucDichSuDung['LoaiThoiHan']>>(SYSTEM, 'LoaiThoiHan', [
  ['long-term', 'LAU_DAI'], ['limited', 'CO_THOI_HAN']
])
const origins = codeTable<Origin, NonNullable<LandRequest['ThuaDat']['NguonGocSuDung']>>(SYSTEM, 'ThuaDat.NguonGocSuDung', [
  ['recognised-with-levy', 'CNQ_CO_THU_TIEN'],
  ['recognised-without-levy', 'CNQ_KHONG_THU_TIEN'],
  ['allocated-with-levy', 'GIAO_CO_THU_TIEN'],
  ['allocated-without-levy', 'GIAO_KHONG_THU_TIEN'],
  ['leased-annual', 'THUE_TRA_HANG_NAM'],
  ['leased-lump-sum', 'THUE_TRA_MOT_LAN']
])
const assetTypes = codeTable<LandAsset['type'], LandTaiSan['LoaiTaiSan']>(SYSTEM, 'TaiSanGanLienVoiDat[].LoaiTaiSan', [
  ['house', 'NHA_O'], ['construction', 'CONG_TRINH_XAY_DUNG'], ['perennial-trees', 'CAY_LAU_NAM'], ['production-forest', 'RUNG_SAN_XUAT']
])

type StatusCode = LandStatus['MaTrangThai']

/** Native MaTrangThai → the canonical step status (the table is in the status schema's description). */
export const STEP_STATUS: Readonly<Record<StatusCode, StepStatus>> = {
  TIEP_NHAN: 'accepted',
  DANG_XU_LY: 'processing',
  DO_DAC: 'processing',
  CHO_BO_SUNG: 'supplement-requested',
  CHUYEN_THUE: 'resolved',
  CHO_NGHIA_VU_TAI_CHINH: 'payment-requested',
  DA_XU_LY: 'resolved',
  TRA_KET_QUA: 'resolved',
  TU_CHOI: 'rejected'
}

/** Codes with the processing clock paused (LaTamDung), and codes that finish the office's step (TrangThaiKetThuc). */
export const PAUSED: ReadonlySet<StatusCode> = new Set<StatusCode>(['CHO_BO_SUNG', 'CHO_NGHIA_VU_TAI_CHINH'])
export const FINISHED: ReadonlySet<StatusCode> = new Set<StatusCode>(['CHUYEN_THUE', 'DA_XU_LY', 'TRA_KET_QUA', 'TU_CHOI'])
const CERTIFICATE_ISSUED: ReadonlySet<StatusCode> = new Set<StatusCode>(['DA_XU_LY', 'TRA_KET_QUA'])

/** Areas are surveyed to 0.1 m²: parts that do not add up to the parcel within this are a mistake. */
const AREA_TOLERANCE_M2 = 0.05

// ---------------------------------------------------------------- dates

/** yyyy, yyyyMM or yyyyMMdd (ThoiDiemBatDauSuDung) → YYYY, YYYY-MM or YYYY-MM-DD. */
function nativeSince (value: string, field: string): string {
  if (/^\d{4}$/.test(value)) return value
  if (/^\d{6}$/.test(value)) {
    const month = Number(value.slice(4))
    if (month < 1 || month > 12) throw new AdapterMappingError(`${field} is not a real yyyyMM month: ${value}`)
    return `${value.slice(0, 4)}-${value.slice(4)}`
  }
  if (/^\d{8}$/.test(value)) return nativeDate(value, field)
  throw new AdapterMappingError(`${field} must be yyyy, yyyyMM or yyyyMMdd: ${value}`)
}

/** yyyyMMddHHmmss → dd/MM/yyyy HH:mm, as a note for people reads it (checked first). */
function displayDateTime (value: string, field: string): string {
  nativeDateTime(value, field)
  return `${value.slice(6, 8)}/${value.slice(4, 6)}/${value.slice(0, 4)} ${value.slice(8, 10)}:${value.slice(10, 12)}`
}

// ---------------------------------------------------------------- shared parts

function addressToNative (a: Address): LandDiaChi {
  return {
    MaTinh: a.provinceCode,
    ...(a.districtCode !== undefined && { MaHuyen: a.districtCode }),
    MaXa: a.wardCode,
    DiaChiChiTiet: a.line,
    ...(a.fullText !== undefined && { DiaChiDayDu: a.fullText })
  }
}

function addressToCanonical (n: LandDiaChi): Address {
  return {
    provinceCode: n.MaTinh,
    ...(n.MaHuyen !== undefined && { districtCode: n.MaHuyen }),
    wardCode: n.MaXa,
    line: n.DiaChiChiTiet,
    ...(n.DiaChiDayDu !== undefined && { fullText: n.DiaChiDayDu })
  }
}

function applicantToNative (a: Applicant): LandChuHoSo {
  return {
    HoTen: a.fullName,
    LoaiDoiTuong: applicantKinds.toNative(a.kind),
    LoaiGiayTo: applicantIdentities.toNative(a.identity.type),
    SoGiayTo: a.identity.number,
    ...(a.dateOfBirth !== undefined && { NgaySinh: toCompactDate(a.dateOfBirth) }),
    ...(a.phone !== undefined && { SoDienThoai: a.phone }),
    ...(a.email !== undefined && { Email: a.email }),
    ...(a.address !== undefined && { DiaChi: addressToNative(a.address) })
  }
}

/** Which identity documents fit which kind of applicant (as the canonical schema has it). */
const APPLICANT_DOCUMENTS: Readonly<Record<LandChuHoSo['LoaiDoiTuong'], ReadonlyArray<LandChuHoSo['LoaiGiayTo']>>> = {
  1: ['CCCD', 'CMND'],
  2: ['MST'],
  3: ['MDDCQ', 'MST']
}

function applicantToCanonical (n: LandChuHoSo): Applicant {
  if (!(APPLICANT_DOCUMENTS[n.LoaiDoiTuong] ?? []).includes(n.LoaiGiayTo)) {
    throw new AdapterMappingError(`ChuHoSo.LoaiGiayTo ${n.LoaiGiayTo} does not fit ChuHoSo.LoaiDoiTuong ${n.LoaiDoiTuong} (1 citizen: CCCD or CMND; 2 organisation: MST; 3 agency: MDDCQ or MST)`)
  }
  return {
    kind: applicantKinds.toCanonical(n.LoaiDoiTuong),
    fullName: n.HoTen,
    identity: { type: applicantIdentities.toCanonical(n.LoaiGiayTo), number: n.SoGiayTo },
    ...(n.NgaySinh !== undefined && { dateOfBirth: nativeDate(n.NgaySinh, 'ChuHoSo.NgaySinh') }),
    ...(n.SoDienThoai !== undefined && { phone: n.SoDienThoai }),
    ...(n.Email !== undefined && { email: n.Email }),
    ...(n.DiaChi !== undefined && { address: addressToCanonical(n.DiaChi) })
  }
}

function partyToNative (p: LandParty): LandNguoiSuDungDat {
  return {
    HoTen: p.fullName,
    LoaiGiayTo: partyIdentities.toNative(p.identity.type),
    SoGiayTo: p.identity.number,
    ...(p.dateOfBirth !== undefined && { NgaySinh: toCompactDate(p.dateOfBirth) }),
    ...(p.address !== undefined && { DiaChi: addressToNative(p.address) })
  }
}

function partyToCanonical (n: LandNguoiSuDungDat, field: string): LandParty {
  return {
    fullName: n.HoTen,
    identity: { type: partyIdentities.toCanonical(n.LoaiGiayTo), number: n.SoGiayTo },
    ...(n.NgaySinh !== undefined && { dateOfBirth: nativeDate(n.NgaySinh, `${field}.NgaySinh`) }),
    ...(n.DiaChi !== undefined && { address: addressToCanonical(n.DiaChi) })
  }
}

/** No person may appear twice among the parties, nor on both sides of a transfer. */
function checkDistinctParties (groups: ReadonlyArray<readonly [string, ReadonlyArray<{ type: string, number: string }>]>): void {
  const seen = new Map<string, string>()
  for (const [field, identities] of groups) {
    identities.forEach((id, i) => {
      const key = `${id.type}:${id.number}`
      const where = `${field}[${i}]`
      const first = seen.get(key)
      if (first !== undefined) throw new AdapterMappingError(`${where} is the same person or organisation as ${first} (same ${id.type} number)`)
      seen.set(key, where)
    })
  }
}

function landUseToNative (u: LandUse): LandMucDichSuDung {
  return {
    MaMucDich: u.purpose,
    DienTich: u.areaM2,
    ...(u.term !== undefined && { LoaiThoiHan: termKinds.toNative(u.term.kind) }),
    ...(u.term?.until !== undefined && { ThoiHanDen: toCompactDate(u.term.until) })
  }
}

function landUseToCanonical (n: LandMucDichSuDung, field: string): LandUse {
  if (n.LoaiThoiHan === undefined && n.ThoiHanDen !== undefined) throw new AdapterMappingError(`${field}.ThoiHanDen needs ${field}.LoaiThoiHan CO_THOI_HAN`)
  const kind = n.LoaiThoiHan === undefined ? undefined : termKinds.toCanonical(n.LoaiThoiHan)
  if (kind === 'limited' && n.ThoiHanDen === undefined) throw new AdapterMappingError(`${field}.LoaiThoiHan CO_THOI_HAN needs ${field}.ThoiHanDen`)
  if (kind === 'long-term' && n.ThoiHanDen !== undefined) throw new AdapterMappingError(`${field}.LoaiThoiHan LAU_DAI has no end date, but ${field}.ThoiHanDen is given`)
  return {
    purpose: n.MaMucDich,
    areaM2: n.DienTich,
    ...(kind !== undefined && {
      term: { kind, ...(n.ThoiHanDen !== undefined && { until: nativeDate(n.ThoiHanDen, `${field}.ThoiHanDen`) }) }
    })
  }
}

/** The areas of the purposes add up to the parcel's area; a purpose appears once. */
function checkLandUses (parcelArea: number, uses: ReadonlyArray<{ purpose: string, area: number }>, field: string, areaField: string): void {
  const purposes = new Set<string>()
  for (const u of uses) {
    if (purposes.has(u.purpose)) throw new AdapterMappingError(`${field} lists the purpose ${u.purpose} twice`)
    purposes.add(u.purpose)
  }
  const sum = uses.reduce((s, u) => s + u.area, 0)
  if (Math.abs(sum - parcelArea) > AREA_TOLERANCE_M2) {
    throw new AdapterMappingError(`the areas in ${field} add up to ${Math.round(sum * 100) / 100} m², not the parcel's ${areaField} of ${parcelArea} m²`)
  }
}

function assetToNative (a: LandAsset): LandTaiSan {
  return {
    LoaiTaiSan: assetTypes.toNative(a.type),
    TenTaiSan: a.name,
    ...(a.footprintM2 !== undefined && { DienTichXayDung: a.footprintM2 }),
    ...(a.floorAreaM2 !== undefined && { DienTichSan: a.floorAreaM2 }),
    ...(a.floors !== undefined && { SoTang: a.floors }),
    ...(a.structure !== undefined && { KetCau: a.structure }),
    ...(a.yearCompleted !== undefined && { NamHoanThanh: a.yearCompleted })
  }
}

function assetToCanonical (n: LandTaiSan): LandAsset {
  return {
    type: assetTypes.toCanonical(n.LoaiTaiSan),
    name: n.TenTaiSan,
    ...(n.DienTichXayDung !== undefined && { footprintM2: n.DienTichXayDung }),
    ...(n.DienTichSan !== undefined && { floorAreaM2: n.DienTichSan }),
    ...(n.SoTang !== undefined && { floors: n.SoTang }),
    ...(n.KetCau !== undefined && { structure: n.KetCau }),
    ...(n.NamHoanThanh !== undefined && { yearCompleted: n.NamHoanThanh })
  }
}

function attachmentToNative (a: Attachment): LandGiayToKemTheo {
  return {
    ...(a.componentName !== undefined && { TenGiayTo: a.componentName }),
    MaThanhPhanHoSo: a.componentCode,
    TenTep: a.fileName,
    KieuFile: a.mediaType,
    KichThuoc: a.byteSize,
    MaBam: a.sha256,
    ...(a.url !== undefined && { DuongDan: a.url }),
    ...(a.contentBase64 !== undefined && { NoiDungBase64: a.contentBase64 }),
    ...(a.digitized !== undefined && { DuocSoHoa: a.digitized }),
    ...(a.reusable !== undefined && { DuocTaiSuDung: a.reusable }),
    // was reused (once-only), set by the hub: this format's DuocTaiSuDung means "may be reused"
    ...(a.reused !== undefined && {
      DaTaiSuDung: true,
      ...(a.reused.fromNationalStore === true && { DuocLayTuKhoDMQG: true }),
      MaGiayToTaiSuDung: a.reused.documentId
    })
  }
}

function attachmentToCanonical (n: LandGiayToKemTheo, field: string): Attachment {
  if ((n.DuongDan === undefined) === (n.NoiDungBase64 === undefined)) {
    throw new AdapterMappingError(`${field} needs exactly one of DuongDan and NoiDungBase64`)
  }
  return {
    componentCode: n.MaThanhPhanHoSo,
    ...(n.TenGiayTo !== undefined && { componentName: n.TenGiayTo }),
    fileName: n.TenTep,
    mediaType: n.KieuFile,
    byteSize: n.KichThuoc,
    sha256: n.MaBam,
    ...(n.DuongDan !== undefined && { url: n.DuongDan }),
    ...(n.NoiDungBase64 !== undefined && { contentBase64: n.NoiDungBase64 }),
    ...(n.DuocSoHoa !== undefined && { digitized: n.DuocSoHoa }),
    ...(n.DuocTaiSuDung !== undefined && { reusable: n.DuocTaiSuDung })
  }
}

function feeToNative (f: Fee): LandLePhi {
  return {
    MaPhiLePhi: f.code,
    TenPhiLePhi: f.name,
    Gia: f.amount,
    ...(f.collection !== undefined && { HinhThucThu: feeCollections.toNative(f.collection) }),
    ...(f.paid !== undefined && { DaNop: f.paid })
  }
}

function feeToCanonical (n: LandLePhi): Fee {
  return {
    code: n.MaPhiLePhi,
    name: n.TenPhiLePhi,
    amount: n.Gia,
    ...(n.HinhThucThu !== undefined && { collection: feeCollections.toCanonical(n.HinhThucThu) }),
    ...(n.DaNop !== undefined && { paid: n.DaNop })
  }
}

function deliveryToNative (d: Delivery): LandThongTinNhanKetQua {
  return { HoTenNguoiNhan: d.recipientName, SoDienThoai: d.phone, DiaChi: addressToNative(d.address) }
}

function deliveryToCanonical (n: LandThongTinNhanKetQua): Delivery {
  return { recipientName: n.HoTenNguoiNhan, phone: n.SoDienThoai, address: addressToCanonical(n.DiaChi) }
}

/** A result document of an earlier step, as the office receives it. */
function earlierResultToNative (r: ResultDocument): LandKetQuaBuocTruoc {
  return {
    TenGiayTo: r.name,
    MaThanhPhanHoSo: r.componentCode,
    ...(r.mediaType !== undefined && { KieuFile: r.mediaType }),
    LinkFile: r.url,
    MaBam: r.sha256,
    ...(r.byteSize !== undefined && { KichThuoc: r.byteSize }),
    ...(r.originalCopies !== undefined && { SoBanChinh: r.originalCopies }),
    ...(r.certifiedCopies !== undefined && { SoBanSao: r.certifiedCopies }),
    ...(r.step !== undefined && { MaBuoc: r.step }),
    ...(r.agency !== undefined && { CoQuanBanHanh: r.agency })
  }
}

// ---------------------------------------------------------------- outbound

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function transferToNative (dossier: DeliverableDossier): LandData {
  const data = dossier.data as unknown as LandUseRightTransferData
  if (!Array.isArray(data.transferors) || !Array.isArray(data.transferees) || !isObject(data.parcel) || !isObject(data.certificate) || !isObject(data.contract)) {
    throw new AdapterMappingError(`the data of dossier ${dossier.code} (procedure ${dossier.procedure.code}) is not a land use right transfer: it lacks transferors, transferees, parcel, certificate or contract`)
  }
  checkDistinctParties([['data.transferors', data.transferors.map((p) => p.identity)], ['data.transferees', data.transferees.map((p) => p.identity)]])
  const p = data.parcel
  checkLandUses(p.areaM2, p.landUses.map((u) => ({ purpose: u.purpose, area: u.areaM2 })), 'data.parcel.landUses', 'data.parcel.areaM2')
  const c = data.certificate
  const k = data.contract
  return {
    BenChuyenNhuong: data.transferors.map(partyToNative),
    BenNhanChuyenNhuong: data.transferees.map(partyToNative),
    ThuaDat: {
      SoTo: p.mapSheetNumber,
      SoThua: p.parcelNumber,
      DienTich: p.areaM2,
      DiaChi: addressToNative(p.address),
      MucDichSuDung: p.landUses.map(landUseToNative)
    },
    GiayChungNhanDaCap: {
      SoPhatHanh: c.serial,
      SoVaoSo: c.entryNumber,
      ...(c.issuedOn !== undefined && { NgayCap: toCompactDate(c.issuedOn) }),
      ...(c.issuedBy !== undefined && { CoQuanCap: c.issuedBy })
    },
    HopDongChuyenNhuong: {
      SoCongChung: k.notarisationNumber,
      NgayCongChung: toCompactDate(k.notarisedOn),
      ...(k.notaryOffice !== undefined && { ToChucCongChung: k.notaryOffice }),
      GiaChuyenNhuong: k.priceVnd
    },
    ...(data.assets !== undefined && { TaiSanGanLienVoiDat: data.assets.map(assetToNative) })
  }
}

function firstCertificateToNative (dossier: DeliverableDossier): LandData {
  const data = dossier.data as unknown as LandFirstCertificateData
  if (!Array.isArray(data.landUsers) || !isObject(data.parcel) || data.parcel.origin === undefined) {
    throw new AdapterMappingError(`the data of dossier ${dossier.code} (procedure ${dossier.procedure.code}) is not a first certificate request: it lacks landUsers or a parcel with its origin`)
  }
  checkDistinctParties([['data.landUsers', data.landUsers.map((p) => p.identity)]])
  const p = data.parcel
  checkLandUses(p.areaM2, p.landUses.map((u) => ({ purpose: u.purpose, area: u.areaM2 })), 'data.parcel.landUses', 'data.parcel.areaM2')
  return {
    NguoiSuDungDat: data.landUsers.map(partyToNative),
    ThuaDat: {
      SoTo: p.mapSheetNumber,
      SoThua: p.parcelNumber,
      DienTich: p.areaM2,
      DiaChi: addressToNative(p.address),
      MucDichSuDung: p.landUses.map(landUseToNative),
      NguonGocSuDung: origins.toNative(p.origin),
      ThoiDiemBatDauSuDung: p.landUseSince.replaceAll('-', '')
    },
    ...(data.assets !== undefined && { TaiSanGanLienVoiDat: data.assets.map(assetToNative) })
  }
}

const procedureKinds: Readonly<Record<string, { kind: ProcedureKind, map: (d: DeliverableDossier) => LandData }>> = {
  [TRANSFER]: { kind: 'CHUYEN_NHUONG', map: transferToNative },
  [FIRST_CERTIFICATE]: { kind: 'CAP_GCN_LAN_DAU', map: firstCertificateToNative }
}

/** The native LoaiThuTuc codes: the procedures the office takes. */
export const PROCEDURE_KINDS: readonly ProcedureKind[] = Object.values(procedureKinds).map((k) => k.kind)

function outbound (dossier: DeliverableDossier, context: OutboundContext): { method: 'POST', body: LandRequest } {
  const kind = kindOf(procedureKinds, context.dataSchema, 'the land registration office', ` (procedure ${dossier.procedure.code}); route it to an agency whose adapter handles it`)
  const data = kind.map(dossier)
  const { procedure, resultReturn } = dossier
  if (resultReturn.method === 'postal' && resultReturn.delivery === undefined) {
    throw new AdapterMappingError('a postal return needs resultReturn.delivery (ThongTinNhanKetQua)')
  }
  const results = dossier.results ?? []
  const body: LandRequest = {
    MaHoSo: dossier.code,
    MaTTHC: procedure.code,
    TenTTHC: procedure.name,
    ...(procedure.field !== undefined && { MaLinhVuc: procedure.field.code }),
    ...(procedure.field?.name !== undefined && { TenLinhVuc: procedure.field.name }),
    LoaiThuTuc: kind.kind,
    MaBuoc: context.step.id,
    GiaiDoan: context.step.stage,
    ...(context.step.task !== undefined && { NoiDungYeuCau: context.step.task }),
    LaCoQuanChuTri: context.step.lead,
    MaDonViTiepNhan: procedure.receivingAgency.code,
    ...(procedure.receivingAgency.name !== undefined && { TenDonViTiepNhan: procedure.receivingAgency.name }),
    KenhNop: channels.toNative(dossier.channel),
    NgayNopHoSo: toCompactVietnam(dossier.submittedAt),
    NgayTiepNhan: toCompactVietnam(dossier.receivedAt),
    ...(dossier.dueAt !== undefined && { NgayHenTra: toCompactVietnam(dossier.dueAt) }),
    ...(dossier.summary !== undefined && { TrichYeu: dossier.summary }),
    ChuHoSo: applicantToNative(dossier.applicant),
    ...data,
    HinhThucNhanKetQua: returnMethods.toNative(resultReturn.method),
    ...(resultReturn.method === 'postal' && resultReturn.delivery !== undefined && { ThongTinNhanKetQua: deliveryToNative(resultReturn.delivery) }),
    ...(dossier.fees !== undefined && { DanhSachLePhi: dossier.fees.map(feeToNative) }),
    GiayToKemTheo: (dossier.attachments ?? []).map(attachmentToNative),
    ...(results.length > 0 && { KetQuaBuocTruoc: results.map(earlierResultToNative) })
  }
  return { method: 'POST', body }
}

// ---------------------------------------------------------------- inbound

/** Fields the native schema requires for one kind only (it checks them too); named when absent. */
function need<T> (value: T | undefined, field: string, kind: ProcedureKind): T {
  if (value === undefined) throw new AdapterMappingError(`${field} is required for LoaiThuTuc ${kind}`)
  return value
}

/** Fields of the other kind (the native schema forbids them too); named when present. */
function forbid (value: unknown, field: string, kind: ProcedureKind): void {
  if (value !== undefined) throw new AdapterMappingError(`${field} does not belong to LoaiThuTuc ${kind}`)
}

function parcelBase (native: LandData): LandUseRightTransferData['parcel'] {
  const t = native.ThuaDat
  const landUses = t.MucDichSuDung.map((u, i) => landUseToCanonical(u, `ThuaDat.MucDichSuDung[${i}]`))
  checkLandUses(t.DienTich, t.MucDichSuDung.map((u) => ({ purpose: u.MaMucDich, area: u.DienTich })), 'ThuaDat.MucDichSuDung', 'ThuaDat.DienTich')
  return { mapSheetNumber: t.SoTo, parcelNumber: t.SoThua, areaM2: t.DienTich, address: addressToCanonical(t.DiaChi), landUses }
}

function partiesOf (list: LandNguoiSuDungDat[], field: string): LandParty[] {
  return list.map((p, i) => partyToCanonical(p, `${field}[${i}]`))
}

function transferData (native: LandSubmission): LandUseRightTransferData {
  const k = 'CHUYEN_NHUONG'
  forbid(native.NguoiSuDungDat, 'NguoiSuDungDat', k)
  forbid(native.ThuaDat.NguonGocSuDung, 'ThuaDat.NguonGocSuDung', k)
  forbid(native.ThuaDat.ThoiDiemBatDauSuDung, 'ThuaDat.ThoiDiemBatDauSuDung', k)
  const transferors = partiesOf(need(native.BenChuyenNhuong, 'BenChuyenNhuong', k), 'BenChuyenNhuong')
  const transferees = partiesOf(need(native.BenNhanChuyenNhuong, 'BenNhanChuyenNhuong', k), 'BenNhanChuyenNhuong')
  checkDistinctParties([['BenChuyenNhuong', transferors.map((p) => p.identity)], ['BenNhanChuyenNhuong', transferees.map((p) => p.identity)]])
  const c = need(native.GiayChungNhanDaCap, 'GiayChungNhanDaCap', k)
  const h = need(native.HopDongChuyenNhuong, 'HopDongChuyenNhuong', k)
  return {
    transferors,
    transferees,
    parcel: parcelBase(native),
    certificate: {
      serial: c.SoPhatHanh,
      entryNumber: c.SoVaoSo,
      ...(c.NgayCap !== undefined && { issuedOn: nativeDate(c.NgayCap, 'GiayChungNhanDaCap.NgayCap') }),
      ...(c.CoQuanCap !== undefined && { issuedBy: c.CoQuanCap })
    },
    contract: {
      notarisationNumber: h.SoCongChung,
      notarisedOn: nativeDate(h.NgayCongChung, 'HopDongChuyenNhuong.NgayCongChung'),
      ...(h.ToChucCongChung !== undefined && { notaryOffice: h.ToChucCongChung }),
      priceVnd: h.GiaChuyenNhuong
    },
    ...(native.TaiSanGanLienVoiDat !== undefined && { assets: native.TaiSanGanLienVoiDat.map(assetToCanonical) })
  }
}

function firstCertificateData (native: LandSubmission): LandFirstCertificateData {
  const k = 'CAP_GCN_LAN_DAU'
  for (const field of ['BenChuyenNhuong', 'BenNhanChuyenNhuong', 'GiayChungNhanDaCap', 'HopDongChuyenNhuong'] as const) forbid(native[field], field, k)
  const landUsers = partiesOf(need(native.NguoiSuDungDat, 'NguoiSuDungDat', k), 'NguoiSuDungDat')
  checkDistinctParties([['NguoiSuDungDat', landUsers.map((p) => p.identity)]])
  return {
    landUsers,
    parcel: {
      ...parcelBase(native),
      origin: origins.toCanonical(need(native.ThuaDat.NguonGocSuDung, 'ThuaDat.NguonGocSuDung', k)),
      landUseSince: nativeSince(need(native.ThuaDat.ThoiDiemBatDauSuDung, 'ThuaDat.ThoiDiemBatDauSuDung', k), 'ThuaDat.ThoiDiemBatDauSuDung')
    },
    ...(native.TaiSanGanLienVoiDat !== undefined && { assets: native.TaiSanGanLienVoiDat.map(assetToCanonical) })
  }
}

function inbound (native: LandSubmission, context: { agencyId: string }): DossierSubmission {
  let data: LandUseRightTransferData | LandFirstCertificateData
  switch (native.LoaiThuTuc) {
    case 'CHUYEN_NHUONG': data = transferData(native); break
    case 'CAP_GCN_LAN_DAU': data = firstCertificateData(native); break
    default: throw new AdapterMappingError(`unknown LoaiThuTuc "${String(native.LoaiThuTuc)}"`)
  }
  if (native.TenLinhVuc !== undefined && native.MaLinhVuc === undefined) throw new AdapterMappingError('TenLinhVuc needs MaLinhVuc')
  const method = returnMethods.toCanonical(native.HinhThucNhanKetQua)
  if ((method === 'postal') !== (native.ThongTinNhanKetQua !== undefined)) {
    throw new AdapterMappingError(method === 'postal'
      ? 'HinhThucNhanKetQua BUU_CHINH needs ThongTinNhanKetQua (the recipient and delivery address)'
      : `ThongTinNhanKetQua is only for HinhThucNhanKetQua BUU_CHINH, not ${native.HinhThucNhanKetQua}`)
  }
  return {
    source: {
      system: context.agencyId,
      reference: native.SoBienNhan,
      ...(native.HoSoDVC !== undefined && { origin: { system: native.HoSoDVC.HeThong, reference: native.HoSoDVC.MaThamChieu } })
    },
    procedure: {
      code: native.MaTTHC,
      name: native.TenTTHC,
      ...(native.MaLinhVuc !== undefined && { field: { code: native.MaLinhVuc, ...(native.TenLinhVuc !== undefined && { name: native.TenLinhVuc }) } }),
      level: 'province',
      receivingAgency: { code: native.MaDonViTiepNhan, ...(native.TenDonViTiepNhan !== undefined && { name: native.TenDonViTiepNhan }) }
    },
    ...(native.TrichYeu !== undefined && { summary: native.TrichYeu }),
    applicant: applicantToCanonical(native.ChuHoSo),
    data: data as unknown as DossierSubmission['data'],
    ...(native.GiayToKemTheo !== undefined && { attachments: native.GiayToKemTheo.map((a, i) => attachmentToCanonical(a, `GiayToKemTheo[${i}]`)) }),
    channel: channels.toCanonical(native.KenhNop),
    resultReturn: native.ThongTinNhanKetQua !== undefined ? { method, delivery: deliveryToCanonical(native.ThongTinNhanKetQua) } : { method },
    ...(native.DanhSachLePhi !== undefined && { fees: native.DanhSachLePhi.map(feeToCanonical) }),
    submittedAt: nativeDateTime(native.NgayNop, 'NgayNop'),
    // the desk's (or the portal's) own code and receipt time, when it issued them: checked as a portal's are
    ...(native.MaHoSo !== undefined && { code: native.MaHoSo }),
    ...(native.NgayTiepNhan !== undefined && { receivedAt: nativeDateTime(native.NgayTiepNhan, 'NgayTiepNhan') })
  }
}

// ---------------------------------------------------------------- status

/** Fields that only belong with some codes; given with another, the report contradicts itself. */
function onlyWith (native: LandStatus, fields: ReadonlyArray<keyof LandStatus>, codes: ReadonlySet<StatusCode>): void {
  if (codes.has(native.MaTrangThai)) return
  for (const f of fields) {
    if (native[f] !== undefined) throw new AdapterMappingError(`${f} does not belong to MaTrangThai ${native.MaTrangThai} (only to ${[...codes].join(', ')})`)
  }
}

/** NoiDung, then what the canonical report has no field for: LyDo (not a refusal), HanXuLy, NgayChoBoSung, the new certificate. */
function noteOf (native: LandStatus): string | undefined {
  const certificate = [
    native.SoPhatHanhGCN !== undefined ? `số phát hành ${native.SoPhatHanhGCN}` : undefined,
    native.SoVaoSoGCN !== undefined ? `số vào sổ ${native.SoVaoSoGCN}` : undefined
  ].filter((p): p is string => p !== undefined)
  const parts = [
    native.NoiDung,
    native.MaTrangThai !== 'TU_CHOI' && native.LyDo !== undefined ? `Lý do: ${native.LyDo}` : undefined,
    native.NgayChoBoSung !== undefined ? `Chờ bổ sung từ ${displayDateTime(native.NgayChoBoSung, 'NgayChoBoSung')}` : undefined,
    native.HanXuLy !== undefined ? `Hạn xử lý: ${displayDateTime(native.HanXuLy, 'HanXuLy')}` : undefined,
    certificate.length > 0 ? `Giấy chứng nhận ${certificate.join(', ')}` : undefined
  ].filter((p): p is string => p !== undefined && p.trim() !== '')
  return parts.length > 0 ? parts.join('. ') : undefined
}

function status (native: LandStatus): MappedStatus {
  const code = native.MaTrangThai
  const step = Object.hasOwn(STEP_STATUS, code) ? STEP_STATUS[code] : undefined
  if (step === undefined) throw new AdapterMappingError(`unknown MaTrangThai "${String(code)}"`)
  if (native.LaTamDung !== undefined && native.LaTamDung !== PAUSED.has(code)) {
    throw new AdapterMappingError(`LaTamDung ${String(native.LaTamDung)} contradicts MaTrangThai ${code} (the clock is paused exactly for ${[...PAUSED].join(', ')})`)
  }
  if (native.TrangThaiKetThuc !== undefined && native.TrangThaiKetThuc !== FINISHED.has(code)) {
    throw new AdapterMappingError(`TrangThaiKetThuc ${String(native.TrangThaiKetThuc)} contradicts MaTrangThai ${code} (the step is finished exactly for ${[...FINISHED].join(', ')})`)
  }
  onlyWith(native, ['GiayToCanBoSung', 'NgayChoBoSung'], new Set(['CHO_BO_SUNG']))
  onlyWith(native, ['SoTienPhaiNop', 'SoThongBaoNopTien', 'NoiDungNopTien'], new Set(['CHO_NGHIA_VU_TAI_CHINH']))
  onlyWith(native, ['DanhSachGiayToKetQua'], new Set(['CHUYEN_THUE', ...CERTIFICATE_ISSUED]))
  onlyWith(native, ['SoPhatHanhGCN', 'SoVaoSoGCN'], CERTIFICATE_ISSUED)

  const note = noteOf(native)
  const report: StatusReport = {
    status: step,
    occurredAt: nativeDateTime(native.ThoiDiem, 'ThoiDiem'),
    ...(note !== undefined && { note }),
    ...(native.NguoiXuLy !== undefined && {
      officer: {
        name: native.NguoiXuLy,
        ...(native.ChucDanh !== undefined && { title: native.ChucDanh }),
        ...(native.PhongBanXuLy !== undefined && { department: native.PhongBanXuLy })
      }
    }),
    ...(native.SoBienNhan !== undefined && { agencyReference: native.SoBienNhan }),
    ...(native.NgayHenTraMoi !== undefined && { dueAt: nativeDateTime(native.NgayHenTraMoi, 'NgayHenTraMoi') })
  }
  switch (step) {
    case 'supplement-requested': {
      const papers = native.GiayToCanBoSung
      if (papers === undefined || papers.length === 0) throw new AdapterMappingError('MaTrangThai CHO_BO_SUNG needs GiayToCanBoSung (the papers to supply)')
      report.missing = papers.map((p) => ({
        name: p.TenGiayTo,
        ...(p.MaThanhPhanHoSo !== undefined && { componentCode: p.MaThanhPhanHoSo }),
        ...(p.GhiChu !== undefined && { note: p.GhiChu })
      }))
      break
    }
    case 'payment-requested':
      if (native.SoTienPhaiNop === undefined) throw new AdapterMappingError('MaTrangThai CHO_NGHIA_VU_TAI_CHINH needs SoTienPhaiNop (the amount to pay)')
      report.payment = {
        amount: native.SoTienPhaiNop,
        ...(native.NoiDungNopTien !== undefined && { note: native.NoiDungNopTien }),
        ...(native.SoThongBaoNopTien !== undefined && { reference: native.SoThongBaoNopTien })
      }
      break
    case 'rejected':
      if (native.LyDo === undefined || native.LyDo.trim() === '') throw new AdapterMappingError('MaTrangThai TU_CHOI needs LyDo (why the dossier is refused)')
      report.reason = native.LyDo
      break
    case 'resolved':
      if (native.DanhSachGiayToKetQua !== undefined && native.DanhSachGiayToKetQua.length > 0) {
        report.results = native.DanhSachGiayToKetQua.map((d): ResultDocument => ({
          name: d.TenGiayTo,
          componentCode: d.MaThanhPhanHoSo,
          url: d.LinkFile,
          sha256: d.MaBam.toLowerCase(),
          ...(d.KieuFile !== undefined && { mediaType: d.KieuFile }),
          ...(d.KichThuoc !== undefined && { byteSize: d.KichThuoc }),
          ...(d.SoBanChinh !== undefined && { originalCopies: d.SoBanChinh }),
          ...(d.SoBanSao !== undefined && { certifiedCopies: d.SoBanSao })
        }))
      }
      break
    default:
      break
  }
  return { report, dossierCode: native.MaHoSo, ...(native.MaBuoc !== undefined && { step: native.MaBuoc }) }
}

// ---------------------------------------------------------------- receipt

/** VBDLIS answers a delivery with JSON carrying its receipt number, SoBienNhan. */
const receipt = (response: AgencyResponse): string | undefined => receiptField(response, 'SoBienNhan')

// ---------------------------------------------------------------- withdrawal

/** Tell the office the applicant withdrew the dossier: stop the step it holds (MaBuoc). */
function withdrawal (notice: WithdrawalNotice, context: OutboundContext): { method: 'POST', path: string, body: LandWithdrawal } {
  const kind = kindOf(procedureKinds, context.dataSchema, 'the land registration office', `: it cannot hold dossier ${notice.dossierCode}`)
  const reference = noticeReference(notice.agencyReference)
  const body: LandWithdrawal = {
    MaHoSo: notice.dossierCode,
    ...(reference !== undefined && { SoBienNhan: reference }),
    MaBuoc: notice.step,
    LoaiThuTuc: kind.kind,
    LyDoRutHoSo: withdrawalReason(notice.reason, 1000),
    ThoiDiemRut: withdrawalTime(notice.withdrawnAt)
  }
  return { method: 'POST', path: WITHDRAWAL_PATH, body }
}

// ---------------------------------------------------------------- supplement

/** Carry the papers the step (MaBuoc) asked for (CHO_BO_SUNG) to the office: it resumes the step. */
function supplement (notice: SupplementNotice, context: OutboundContext): { method: 'POST', path: string, body: LandSupplement } {
  const kind = kindOf(procedureKinds, context.dataSchema, 'the land registration office', `: it cannot hold dossier ${notice.dossierCode}`)
  const reference = noticeReference(notice.agencyReference)
  const note = supplementNote(notice.note, 1000)
  const body: LandSupplement = {
    MaHoSo: notice.dossierCode,
    ...(reference !== undefined && { SoBienNhan: reference }),
    MaBuoc: notice.step,
    LoaiThuTuc: kind.kind,
    LanBoSung: supplementSequence(notice.sequence),
    DanhSachGiayToBoSung: supplementPapers(notice, attachmentToNative),
    ...(note !== undefined && { GhiChu: note }),
    ThoiDiemBoSung: supplementTime(notice.submittedAt)
  }
  return { method: 'POST', path: SUPPLEMENT_PATH, body }
}

// ---------------------------------------------------------------- payment

/** Tell the office the applicant paid online what the step (MaBuoc) asked for (CHO_NGHIA_VU_TAI_CHINH): it books the payment and resumes the step. */
function payment (notice: PaymentNotice, context: OutboundContext): { method: 'POST', path: string, body: LandPayment } {
  const kind = kindOf(procedureKinds, context.dataSchema, 'the land registration office', `: it cannot hold dossier ${notice.dossierCode}`)
  const f = paymentFields(notice, (l) => ({ ...(l.code !== undefined && { MaKhoanNop: l.code }), TenKhoanNop: l.name, SoTien: l.amount }))
  const body: LandPayment = {
    MaHoSo: notice.dossierCode,
    ...(f.agencyReference !== undefined && { SoBienNhan: f.agencyReference }),
    MaBuoc: notice.step,
    LoaiThuTuc: kind.kind,
    ...(f.noticeReference !== undefined && { SoThongBaoNopTien: f.noticeReference }),
    MaThanhToan: notice.reference,
    SoTienDaNop: f.amount,
    DanhSachKhoanNop: f.lines,
    KenhThanhToan: notice.provider,
    ...(f.transactionNo !== undefined && { MaGiaoDich: f.transactionNo }),
    ...(f.receiptNumber !== undefined && { SoBienLaiDienTu: f.receiptNumber }),
    ThoiDiemNop: paymentTime(notice.paidAt)
  }
  return { method: 'POST', path: PAYMENT_PATH, body }
}

export const landAdapter: AgencyAdapter<LandSubmission, LandRequest, LandStatus> = {
  name: 'land',
  description: 'Land registration office (Văn phòng đăng ký đất đai), VBDLIS: transfers of land use rights (đăng ký biến động do chuyển nhượng) and first certificates (cấp Giấy chứng nhận lần đầu), before and after the tax step of the linked route.',
  nativeSchemas: {
    submission: submissionSchema,
    request: requestSchema,
    status: statusSchema,
    withdrawal: withdrawalSchema,
    supplement: supplementSchema,
    payment: paymentSchema
  },
  submissionPointers: { '/code': '/MaHoSo', '/receivedAt': '/NgayTiepNhan' },
  inbound,
  outbound,
  status,
  receipt,
  withdrawal,
  supplement,
  payment
}

export default landAdapter
