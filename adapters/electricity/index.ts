/**
 * Electricity adapter: the power company's (EVN) customer-service system. Serves two procedures,
 * told apart by the data schema on the way out and by `loaiYeuCau` on the way in:
 * - "cấp điện mới từ lưới điện hạ áp" (new low-voltage household connection), data schema
 *   schemas/procedures/electricity-new-connection.schema.json, loaiYeuCau CAP_DIEN_MOI_HA_AP;
 * - "thay đổi chủ thể hợp đồng mua bán điện (sinh hoạt)" (a household supply contract passes to a
 *   new holder: the applicant), data schema electricity-contract-holder-change, loaiYeuCau
 *   THAY_DOI_CHU_THE_HOP_DONG.
 * Status reports (trangThai) map to the canonical step statuses of schemas/status-report.schema.json.
 * When the applicant withdraws the dossier, the request is cancelled at <endpoint>/huy-yeu-cau
 * (electricity-withdrawal); when the applicant supplies the papers the power company asked for
 * (CHO_BO_SUNG), they go to <endpoint>/bo-sung-ho-so (electricity-supplement); when the applicant
 * paid online what CHO_THANH_TOAN asked for, the payment goes to <endpoint>/xac-nhan-thanh-toan
 * (electricity-payment).
 */
import {
  AdapterMappingError,
  type AgencyAdapter,
  type DeliverableDossier,
  type DossierSubmission,
  type MappedStatus,
  type OutboundContext,
  type StatusReport,
  type StepStatus,
  type PaymentNotice,
  type SupplementNotice,
  type WithdrawalNotice
} from '../contract.ts'
import { receiptField } from '../shared/receipt.ts'
import type { Address, Attachment, ElectricityContractHolderChangeData, ElectricityNewConnectionData } from '../../src/types/schemas.generated.ts'
import type {
  ElectricityAttachment,
  ElectricityPayment,
  ElectricityCustomer,
  ElectricityFormerHolder,
  ElectricityRequest,
  ElectricityStatus,
  ElectricitySubmission,
  ElectricitySupplement,
  ElectricitySupplyAddress,
  ElectricityWithdrawal
} from './native.generated.ts'
import { nativeDate, nativeDateTime, toCompactDate, toCompactVietnam } from '../shared/vietnam-datetime.ts'
import { codeTable, kindOf } from '../shared/code-table.ts'
import { withdrawalReason, withdrawalTime } from '../shared/withdrawal.ts'
import { noticeReference } from '../shared/notice-fields.ts'
import { supplementNote, supplementPapers, supplementSequence, supplementTime } from '../shared/supplement.ts'
import { paymentFields, paymentTime } from '../shared/payment.ts'

/** The native system, as the adapter's messages name it. */
const SYSTEM = 'the power company\'s system'
import requestSchema from './schemas/request.schema.json' with { type: 'json' }
import statusSchema from './schemas/status.schema.json' with { type: 'json' }
import submissionSchema from './schemas/submission.schema.json' with { type: 'json' }
import supplementSchema from './schemas/supplement.schema.json' with { type: 'json' }
import withdrawalSchema from './schemas/withdrawal.schema.json' with { type: 'json' }
import paymentSchema from './schemas/payment.schema.json' with { type: 'json' }

/** The data schemas ($id) this adapter maps. */
export const NEW_CONNECTION = 'electricity-new-connection'
export const CONTRACT_HOLDER_CHANGE = 'electricity-contract-holder-change'

/** Where a withdrawal notice goes, relative to the power company's endpoint (the hub appends it). */
export const WITHDRAWAL_PATH = 'huy-yeu-cau'

/** Where a supplement (the papers the power company asked for) goes, relative to its endpoint (the hub appends it). */
export const SUPPLEMENT_PATH = 'bo-sung-ho-so'

/** Where a payment notice (the applicant paid online what CHO_THANH_TOAN asked for) goes, relative to its endpoint. */
export const PAYMENT_PATH = 'xac-nhan-thanh-toan'

type Purpose = ElectricityNewConnectionData['purpose']
type Reason = ElectricityContractHolderChangeData['reason']
type HolderIdentity = ElectricityContractHolderChangeData['currentHolder']['identity']
type Channel = DossierSubmission['channel']
type ReturnMethod = DossierSubmission['resultReturn']['method']
type IdentityType = DossierSubmission['applicant']['identity']['type']
type RequestKind = ElectricityRequest['loaiYeuCau']
type NativeData = Omit<ElectricityRequest, 'maYeuCau' | 'loaiYeuCau' | 'maDonViTiepNhan' | 'kenhTiepNhan' | 'khachHang' | 'diaDiemSuDungDien' | 'ngayTiepNhan' | 'ngayHenTra' | 'hinhThucNhanKetQua' | 'nhiemVuLienThong' | 'hoSoDinhKem'>

const PURPOSES: ReadonlyArray<readonly [Purpose, NonNullable<ElectricityRequest['mucDichSuDung']>]> = [
  ['household', 'SINH_HOAT'], ['business', 'KINH_DOANH'], ['production', 'SAN_XUAT'], ['agriculture', 'NONG_NGHIEP'], ['public', 'HCSN']
]
const purposes = codeTable(SYSTEM, 'mucDichSuDung', PURPOSES)
/** The native mucDichSuDung codes. */
export const PURPOSE_CODES: ReadonlyArray<NonNullable<ElectricityRequest['mucDichSuDung']>> = PURPOSES.map(([, n]) => n)
const channels = codeTable<Channel, ElectricityRequest['kenhTiepNhan']>(SYSTEM, 'kenhTiepNhan', [
  ['counter', 'MOT_CUA'], ['online', 'TRUC_TUYEN'], ['postal', 'BUU_CHINH']
])
const returnMethods = codeTable<ReturnMethod, NonNullable<ElectricityRequest['hinhThucNhanKetQua']>>(SYSTEM, 'hinhThucNhanKetQua', [
  ['counter', 'TAI_QUAY'], ['postal', 'BUU_CHINH'], ['online', 'TRUC_TUYEN']
])
/** The documents CMIS knows; a passport or an organisation's other identifiers have no code there (an AdapterMappingError names it). */
const identityTypes = codeTable<Exclude<IdentityType, 'agency-code'>, ElectricityCustomer['loaiGiayTo']>(SYSTEM, 'loaiGiayTo', [
  ['citizen-id', 'CCCD'], ['legacy-id', 'CMND'], ['tax-code', 'MST']
])
const ownership = codeTable<NonNullable<ElectricityNewConnectionData['premisesOwnership']>, NonNullable<ElectricityRequest['hinhThucSoHuuNha']>>(SYSTEM, 'hinhThucSoHuuNha', [
  ['owner', 'CHU_SO_HUU'], ['tenant', 'THUE']
])
const reasons = codeTable<Reason, NonNullable<ElectricityRequest['lyDoThayDoi']>>(SYSTEM, 'lyDoThayDoi', [
  ['house-sale', 'MUA_BAN_NHA'], ['inheritance', 'THUA_KE'], ['gift', 'TANG_CHO'], ['property-division', 'CHIA_TACH_TAI_SAN'], ['tenancy', 'THUE_NHA'], ['other', 'KHAC']
])

/** Native trangThai → the canonical step status. */
export const STEP_STATUS: Readonly<Record<ElectricityStatus['trangThai'], StepStatus>> = {
  TIEP_NHAN: 'accepted',
  KHAO_SAT: 'processing',
  THOA_THUAN: 'processing',
  TREO_THAO: 'processing',
  HOAN_THANH: 'resolved',
  CHO_BO_SUNG: 'supplement-requested',
  CHO_THANH_TOAN: 'payment-requested',
  TU_CHOI: 'rejected'
}

function attachmentToNative (a: Attachment): ElectricityAttachment {
  return {
    maThanhPhan: a.componentCode,
    ...(a.componentName !== undefined && { tenThanhPhan: a.componentName }),
    tenTep: a.fileName,
    kieuTep: a.mediaType,
    kichThuoc: a.byteSize,
    sha256: a.sha256,
    ...(a.url !== undefined && { duongDan: a.url }),
    ...(a.contentBase64 !== undefined && { noiDungBase64: a.contentBase64 }),
    // was reused (once-only), set by the hub
    ...(a.reused !== undefined && {
      daTaiSuDung: true,
      ...(a.reused.fromNationalStore === true && { layTuKhoDMQG: true }),
      maGiayToKho: a.reused.documentId
    })
  }
}

function attachmentToCanonical (n: ElectricityAttachment): Attachment {
  return {
    componentCode: n.maThanhPhan,
    ...(n.tenThanhPhan !== undefined && { componentName: n.tenThanhPhan }),
    fileName: n.tenTep,
    mediaType: n.kieuTep,
    byteSize: n.kichThuoc,
    sha256: n.sha256,
    ...(n.duongDan !== undefined && { url: n.duongDan }),
    ...(n.noiDungBase64 !== undefined && { contentBase64: n.noiDungBase64 })
  }
}

function addressToNative (a: Address): ElectricitySupplyAddress {
  return {
    maTinh: a.provinceCode,
    ...(a.districtCode !== undefined && { maHuyen: a.districtCode }),
    maXa: a.wardCode,
    diaChiChiTiet: a.line
  }
}

function addressToCanonical (n: ElectricitySupplyAddress): Address {
  return {
    provinceCode: n.maTinh,
    ...(n.maHuyen !== undefined && { districtCode: n.maHuyen }),
    wardCode: n.maXa,
    line: n.diaChiChiTiet
  }
}

/** The applicant as the power company's customer (for a holder change: the new holder). */
function customerToNative (applicant: DeliverableDossier['applicant']): ElectricityCustomer {
  if (applicant.identity.type === 'agency-code') {
    throw new AdapterMappingError('the power company identifies customers by CCCD, CMND or tax code, not by an agency code (applicant.identity)')
  }
  return {
    tenKhachHang: applicant.fullName,
    loaiKhachHang: applicant.kind === 'citizen' ? 'CA_NHAN' : 'TO_CHUC',
    loaiGiayTo: identityTypes.toNative(applicant.identity.type),
    soGiayTo: applicant.identity.number,
    ...(applicant.dateOfBirth !== undefined && { ngaySinh: toCompactDate(applicant.dateOfBirth) }),
    ...(applicant.phone !== undefined && { soDienThoai: applicant.phone }),
    ...(applicant.email !== undefined && { email: applicant.email }),
    ...(applicant.address !== undefined && { diaChiLienHe: applicant.address.fullText ?? applicant.address.line })
  }
}

/** A person has CCCD or CMND, an organisation a tax code (MST). */
function checkCustomerKind (c: ElectricityCustomer | ElectricityFormerHolder, field: string): void {
  const personal = c.loaiGiayTo === 'CCCD' || c.loaiGiayTo === 'CMND'
  if ((c.loaiKhachHang === 'CA_NHAN') !== personal) {
    throw new AdapterMappingError(`${field}.loaiGiayTo ${c.loaiGiayTo} does not fit ${field}.loaiKhachHang ${c.loaiKhachHang} (a person has CCCD or CMND, an organisation MST)`)
  }
}

function newConnectionToNative (dossier: DeliverableDossier): { diaDiem: ElectricitySupplyAddress, fields: NativeData } {
  const data = dossier.data as unknown as ElectricityNewConnectionData
  if (typeof data.installAddress !== 'object' || data.installAddress === null) {
    throw new AdapterMappingError(`the data of dossier ${dossier.code} (procedure ${dossier.procedure.code}) is not a new low-voltage connection request: it has no installAddress`)
  }
  return {
    diaDiem: addressToNative(data.installAddress),
    fields: {
      mucDichSuDung: purposes.toNative(data.purpose),
      congSuatDangKy: data.requestedCapacityKw,
      soPha: data.phases,
      ...(data.householdCount !== undefined && { soHoDungChung: data.householdCount }),
      ...(data.premisesOwnership !== undefined && { hinhThucSoHuuNha: ownership.toNative(data.premisesOwnership) }),
      ...(data.preferredDate !== undefined && { ngayDeNghiLapDat: toCompactDate(data.preferredDate) })
    }
  }
}

function sameIdentity (a: { type: string, number: string }, b: { type: string, number: string }): boolean {
  return a.type === b.type && a.number === b.number
}

function holderChangeToNative (dossier: DeliverableDossier): { diaDiem: ElectricitySupplyAddress, fields: NativeData } {
  const data = dossier.data as unknown as ElectricityContractHolderChangeData
  if (typeof data.supplyAddress !== 'object' || data.supplyAddress === null || typeof data.currentHolder !== 'object' || data.currentHolder === null) {
    throw new AdapterMappingError(`the data of dossier ${dossier.code} (procedure ${dossier.procedure.code}) is not a contract holder change: it has no supplyAddress or currentHolder`)
  }
  if (sameIdentity(data.currentHolder.identity, dossier.applicant.identity)) {
    throw new AdapterMappingError('the applicant (the new holder) already holds the contract: currentHolder.identity is the applicant\'s identity')
  }
  const holder = data.currentHolder
  return {
    diaDiem: addressToNative(data.supplyAddress),
    fields: {
      maKhachHang: data.customerCode,
      soHopDong: data.contractNumber,
      ...(data.meterSerial !== undefined && { soCongTo: data.meterSerial }),
      chuHopDongCu: {
        tenKhachHang: holder.fullName,
        loaiKhachHang: holder.identity.type === 'tax-code' ? 'TO_CHUC' : 'CA_NHAN',
        loaiGiayTo: identityTypes.toNative(holder.identity.type),
        soGiayTo: holder.identity.number
      },
      lyDoThayDoi: reasons.toNative(data.reason),
      ...(data.reasonNote !== undefined && { ghiChuLyDo: data.reasonNote }),
      ...(data.meterReadingKwh !== undefined && { chiSoCongTo: data.meterReadingKwh }),
      ngayDeNghiHieuLuc: toCompactDate(data.effectiveDate)
    }
  }
}

const requestKinds: Readonly<Record<string, { kind: RequestKind, map: (d: DeliverableDossier) => { diaDiem: ElectricitySupplyAddress, fields: NativeData } }>> = {
  [NEW_CONNECTION]: { kind: 'CAP_DIEN_MOI_HA_AP', map: newConnectionToNative },
  [CONTRACT_HOLDER_CHANGE]: { kind: 'THAY_DOI_CHU_THE_HOP_DONG', map: holderChangeToNative }
}

/** The native loaiYeuCau codes: the kinds of request the power company takes. */
export const REQUEST_KINDS: readonly RequestKind[] = Object.values(requestKinds).map((k) => k.kind)

function outbound (dossier: DeliverableDossier, context: OutboundContext): { method: 'POST', body: ElectricityRequest } {
  const kind = kindOf(requestKinds, context.dataSchema, 'the power company', ` (procedure ${dossier.procedure.code}); route it to an agency whose adapter handles it`)
  const khachHang = customerToNative(dossier.applicant)
  const { diaDiem, fields } = kind.map(dossier)
  const body: ElectricityRequest = {
    maYeuCau: dossier.code,
    loaiYeuCau: kind.kind,
    maDonViTiepNhan: dossier.procedure.receivingAgency.code,
    kenhTiepNhan: channels.toNative(dossier.channel),
    khachHang,
    diaDiemSuDungDien: diaDiem,
    ...fields,
    ngayTiepNhan: toCompactVietnam(dossier.receivedAt),
    ...(dossier.dueAt !== undefined && { ngayHenTra: toCompactVietnam(dossier.dueAt) }),
    hinhThucNhanKetQua: returnMethods.toNative(dossier.resultReturn.method),
    ...(context.step.task !== undefined && { nhiemVuLienThong: context.step.task }),
    hoSoDinhKem: (dossier.attachments ?? []).map(attachmentToNative)
  }
  return { method: 'POST', body }
}

/** Fields the native schema requires for one kind only (it checks them too); named when absent. */
function need<T> (value: T | undefined, field: string, kind: RequestKind): T {
  if (value === undefined) throw new AdapterMappingError(`${field} is required for loaiYeuCau ${kind}`)
  return value
}

function newConnectionData (native: ElectricitySubmission, supply: Address): ElectricityNewConnectionData {
  const k = 'CAP_DIEN_MOI_HA_AP'
  return {
    installAddress: supply,
    purpose: purposes.toCanonical(need(native.mucDichSuDung, 'mucDichSuDung', k)),
    requestedCapacityKw: need(native.congSuatDangKy, 'congSuatDangKy', k),
    phases: need(native.soPha, 'soPha', k),
    ...(native.soHoDungChung !== undefined && { householdCount: native.soHoDungChung }),
    ...(native.hinhThucSoHuuNha !== undefined && { premisesOwnership: ownership.toCanonical(native.hinhThucSoHuuNha) }),
    ...(native.ngayDeNghiLapDat !== undefined && { preferredDate: nativeDate(native.ngayDeNghiLapDat, 'ngayDeNghiLapDat') })
  }
}

function holderChangeData (native: ElectricitySubmission, supply: Address): ElectricityContractHolderChangeData {
  const k = 'THAY_DOI_CHU_THE_HOP_DONG'
  const holder = need(native.chuHopDongCu, 'chuHopDongCu', k)
  checkCustomerKind(holder, 'chuHopDongCu')
  const identity = { type: identityTypes.toCanonical(holder.loaiGiayTo), number: holder.soGiayTo } as HolderIdentity
  const customer = native.khachHang
  if (customer.loaiGiayTo === holder.loaiGiayTo && customer.soGiayTo === holder.soGiayTo) {
    throw new AdapterMappingError('khachHang (the new holder) is chuHopDongCu (the current holder): same loaiGiayTo and soGiayTo')
  }
  const reason = reasons.toCanonical(need(native.lyDoThayDoi, 'lyDoThayDoi', k))
  if (reason === 'other' && native.ghiChuLyDo === undefined) throw new AdapterMappingError('ghiChuLyDo is required when lyDoThayDoi is KHAC')
  return {
    customerCode: need(native.maKhachHang, 'maKhachHang', k),
    contractNumber: need(native.soHopDong, 'soHopDong', k),
    supplyAddress: supply,
    ...(native.soCongTo !== undefined && { meterSerial: native.soCongTo }),
    currentHolder: { fullName: holder.tenKhachHang, identity },
    reason,
    ...(native.ghiChuLyDo !== undefined && { reasonNote: native.ghiChuLyDo }),
    ...(native.chiSoCongTo !== undefined && { meterReadingKwh: native.chiSoCongTo }),
    effectiveDate: nativeDate(need(native.ngayDeNghiHieuLuc, 'ngayDeNghiHieuLuc', k), 'ngayDeNghiHieuLuc')
  }
}

function inbound (native: ElectricitySubmission, context: { agencyId: string }): DossierSubmission {
  const customer = native.khachHang
  checkCustomerKind(customer, 'khachHang')
  const supply = addressToCanonical(native.diaDiemSuDungDien)
  const kind: RequestKind = native.loaiYeuCau ?? 'CAP_DIEN_MOI_HA_AP'
  let data: ElectricityNewConnectionData | ElectricityContractHolderChangeData
  switch (kind) {
    case 'CAP_DIEN_MOI_HA_AP': data = newConnectionData(native, supply); break
    case 'THAY_DOI_CHU_THE_HOP_DONG': data = holderChangeData(native, supply); break
    default: throw new AdapterMappingError(`unknown loaiYeuCau "${String(kind)}"`)
  }
  const method = returnMethods.toCanonical(native.hinhThucNhanKetQua)
  if (method === 'postal' && customer.soDienThoai === undefined) {
    throw new AdapterMappingError('a postal return needs the customer\'s phone number (khachHang.soDienThoai)')
  }
  return {
    source: { system: context.agencyId, reference: native.maYeuCauDienLuc },
    procedure: {
      code: native.maThuTuc,
      name: native.tenThuTuc,
      level: 'province',
      receivingAgency: { code: native.maDonViTiepNhan }
    },
    applicant: {
      kind: customer.loaiKhachHang === 'CA_NHAN' ? 'citizen' : 'organisation',
      fullName: customer.tenKhachHang,
      identity: { type: identityTypes.toCanonical(customer.loaiGiayTo), number: customer.soGiayTo },
      ...(customer.ngaySinh !== undefined && { dateOfBirth: nativeDate(customer.ngaySinh, 'khachHang.ngaySinh') }),
      ...(customer.soDienThoai !== undefined && { phone: customer.soDienThoai }),
      ...(customer.email !== undefined && { email: customer.email })
    },
    data: data as unknown as DossierSubmission['data'],
    attachments: (native.hoSoDinhKem ?? []).map(attachmentToCanonical),
    channel: channels.toCanonical(native.kenhTiepNhan),
    resultReturn: method === 'postal'
      ? { method, delivery: { recipientName: customer.tenKhachHang, phone: customer.soDienThoai as string, address: supply } }
      : { method },
    submittedAt: nativeDateTime(native.ngayYeuCau, 'ngayYeuCau'),
    // the desk's (or the portal's) own code and receipt time, when it issued them: checked as a portal's are
    ...(native.maHoSo !== undefined && { code: native.maHoSo }),
    ...(native.ngayTiepNhan !== undefined && { receivedAt: nativeDateTime(native.ngayTiepNhan, 'ngayTiepNhan') })
  }
}

/** ghiChu, and the customer code when the power company reports one (it is on the contract). */
function noteOf (native: ElectricityStatus): string | undefined {
  const parts = [native.ghiChu, native.maKhachHang !== undefined ? `Mã khách hàng: ${native.maKhachHang}` : undefined]
    .filter((p): p is string => p !== undefined && p.trim() !== '')
  return parts.length > 0 ? parts.join('. ') : undefined
}

function status (native: ElectricityStatus): MappedStatus {
  const step = STEP_STATUS[native.trangThai]
  if (step === undefined) throw new AdapterMappingError(`unknown trangThai "${String(native.trangThai)}"`)
  const note = noteOf(native)
  const report: StatusReport = {
    status: step,
    occurredAt: nativeDateTime(native.thoiDiem, 'thoiDiem'),
    ...(note !== undefined && { note }),
    ...(native.nguoiXuLy !== undefined && {
      officer: {
        name: native.nguoiXuLy,
        ...(native.chucDanh !== undefined && { title: native.chucDanh }),
        ...(native.phongBanXuLy !== undefined && { department: native.phongBanXuLy })
      }
    }),
    ...(native.maTiepNhan !== undefined && { agencyReference: native.maTiepNhan }),
    ...(native.ngayHenTraMoi !== undefined && { dueAt: nativeDateTime(native.ngayHenTraMoi, 'ngayHenTraMoi') })
  }
  switch (step) {
    case 'supplement-requested': {
      const papers = native.giayToCanBoSung
      if (papers === undefined || papers.length === 0) throw new AdapterMappingError('trangThai CHO_BO_SUNG needs giayToCanBoSung (the papers to supply)')
      report.missing = papers.map((p) => ({
        name: p.ten,
        ...(p.maThanhPhan !== undefined && { componentCode: p.maThanhPhan }),
        ...(p.ghiChu !== undefined && { note: p.ghiChu })
      }))
      break
    }
    case 'payment-requested':
      if (native.soTien === undefined) throw new AdapterMappingError('trangThai CHO_THANH_TOAN needs soTien (the amount to pay)')
      report.payment = {
        amount: native.soTien,
        ...(native.noiDungThanhToan !== undefined && { note: native.noiDungThanhToan }),
        ...(native.soThongBaoThanhToan !== undefined && { reference: native.soThongBaoThanhToan })
      }
      break
    case 'rejected': {
      const reason = native.lyDo ?? native.ghiChu
      if (reason === undefined || reason.trim() === '') throw new AdapterMappingError('trangThai TU_CHOI needs a reason: lyDo (or ghiChu)')
      report.reason = reason
      break
    }
    case 'resolved':
      if (native.giayToKetQua !== undefined) {
        report.results = native.giayToKetQua.map((d) => ({
          name: d.tenGiayTo,
          componentCode: d.maThanhPhan,
          url: d.duongDan,
          sha256: d.sha256.toLowerCase(),
          ...(d.kieuTep !== undefined && { mediaType: d.kieuTep }),
          ...(d.kichThuoc !== undefined && { byteSize: d.kichThuoc })
        }))
      }
      break
    default:
      break
  }
  return { report, dossierCode: native.maYeuCau }
}

/** Tell the power company the applicant withdrew the dossier: cancel the request (hủy yêu cầu). */
function withdrawal (notice: WithdrawalNotice, context: OutboundContext): { method: 'POST', path: string, body: ElectricityWithdrawal } {
  const kind = kindOf(requestKinds, context.dataSchema, 'the power company', `: it cannot hold dossier ${notice.dossierCode}`)
  const reference = noticeReference(notice.agencyReference)
  const body: ElectricityWithdrawal = {
    maYeuCau: notice.dossierCode,
    ...(reference !== undefined && { maTiepNhan: reference }),
    loaiYeuCau: kind.kind,
    lyDoHuy: withdrawalReason(notice.reason, 1900),
    thoiDiemHuy: withdrawalTime(notice.withdrawnAt)
  }
  return { method: 'POST', path: WITHDRAWAL_PATH, body }
}

/** Carry the papers the power company asked for (CHO_BO_SUNG) to it: it resumes the request (bổ sung hồ sơ). */
function supplement (notice: SupplementNotice, context: OutboundContext): { method: 'POST', path: string, body: ElectricitySupplement } {
  const kind = kindOf(requestKinds, context.dataSchema, 'the power company', `: it cannot hold dossier ${notice.dossierCode}`)
  const reference = noticeReference(notice.agencyReference)
  const note = supplementNote(notice.note, 1900)
  const body: ElectricitySupplement = {
    maYeuCau: notice.dossierCode,
    ...(reference !== undefined && { maTiepNhan: reference }),
    loaiYeuCau: kind.kind,
    lanBoSung: supplementSequence(notice.sequence),
    hoSoBoSung: supplementPapers(notice, attachmentToNative),
    ...(note !== undefined && { ghiChu: note }),
    thoiDiemBoSung: supplementTime(notice.submittedAt)
  }
  return { method: 'POST', path: SUPPLEMENT_PATH, body }
}

/** Tell the power company the applicant paid online what CHO_THANH_TOAN asked for (xác nhận thanh toán): it books the payment and resumes the request. */
function payment (notice: PaymentNotice, context: OutboundContext): { method: 'POST', path: string, body: ElectricityPayment } {
  const kind = kindOf(requestKinds, context.dataSchema, 'the power company', `: it cannot hold dossier ${notice.dossierCode}`)
  const f = paymentFields(notice, (l) => ({ ...(l.code !== undefined && { maKhoanThu: l.code }), tenKhoanThu: l.name, soTien: l.amount }))
  const body: ElectricityPayment = {
    maYeuCau: notice.dossierCode,
    ...(f.agencyReference !== undefined && { maTiepNhan: f.agencyReference }),
    loaiYeuCau: kind.kind,
    ...(f.noticeReference !== undefined && { soThongBaoThanhToan: f.noticeReference }),
    maThanhToan: notice.reference,
    soTien: f.amount,
    chiTietThanhToan: f.lines,
    kenhThanhToan: notice.provider,
    ...(f.transactionNo !== undefined && { maGiaoDich: f.transactionNo }),
    ...(f.receiptNumber !== undefined && { soBienLaiDienTu: f.receiptNumber }),
    thoiDiemThanhToan: paymentTime(notice.paidAt)
  }
  return { method: 'POST', path: PAYMENT_PATH, body }
}

export const electricityAdapter: AgencyAdapter<ElectricitySubmission, ElectricityRequest, ElectricityStatus> = {
  name: 'electricity',
  description: 'Power company (EVN) customer-service system: new low-voltage connections (cấp điện mới hạ áp) and household contract holder changes (thay đổi chủ thể hợp đồng mua bán điện).',
  nativeSchemas: { submission: submissionSchema, request: requestSchema, status: statusSchema, withdrawal: withdrawalSchema, supplement: supplementSchema, payment: paymentSchema },
  submissionPointers: { '/code': '/maHoSo', '/receivedAt': '/ngayTiepNhan' },
  inbound,
  outbound,
  status,
  receipt: (response) => receiptField(response, 'maTiepNhan'),
  withdrawal,
  supplement,
  payment
}

export default electricityAdapter
