/**
 * Electricity adapter: the power company's (EVN) customer-service system. Serves the procedure
 * "cấp điện mới từ lưới điện hạ áp" (new low-voltage household connection); its data schema is
 * schemas/procedures/electricity-new-connection.schema.json.
 */
import { AdapterMappingError, type AgencyAdapter, type CanonicalStatus, type DeliverableDossier, type DossierSubmission } from '../contract.ts'
import type { Attachment, ElectricityNewConnectionData } from '../../src/types/schemas.generated.ts'
import type { ElectricityRequest, ElectricityStatus, ElectricitySubmission, ElectricityAttachment, ElectricityCustomer } from './native.generated.ts'
import { fromCompactDate, fromCompactVietnam, toCompactDate, toCompactVietnam } from '../shared/vietnam-datetime.ts'
import requestSchema from './schemas/request.schema.json' with { type: 'json' }
import statusSchema from './schemas/status.schema.json' with { type: 'json' }
import submissionSchema from './schemas/submission.schema.json' with { type: 'json' }

type Purpose = ElectricityNewConnectionData['purpose']
type Channel = DossierSubmission['channel']
type ReturnMethod = DossierSubmission['resultReturn']['method']
type IdentityType = DossierSubmission['applicant']['identity']['type']

/** Two-way code tables: canonical value ↔ native code. */
function table<C extends string, N extends string> (pairs: ReadonlyArray<readonly [C, N]>): { toNative: (c: C) => N, toCanonical: (n: N) => C } {
  const toN = new Map<C, N>(pairs)
  const toC = new Map<N, C>(pairs.map(([c, n]) => [n, c]))
  return {
    toNative: (c) => {
      const n = toN.get(c)
      if (n === undefined) throw new AdapterMappingError(`no electricity code for "${c}"`)
      return n
    },
    toCanonical: (n) => {
      const c = toC.get(n)
      if (c === undefined) throw new AdapterMappingError(`unknown electricity code "${n}"`)
      return c
    }
  }
}

const purposes = table<Purpose, ElectricityRequest['mucDichSuDung']>([
  ['household', 'SINH_HOAT'], ['business', 'KINH_DOANH'], ['production', 'SAN_XUAT'], ['agriculture', 'NONG_NGHIEP'], ['public', 'HCSN']
])
const channels = table<Channel, ElectricityRequest['kenhTiepNhan']>([
  ['counter', 'MOT_CUA'], ['online', 'TRUC_TUYEN'], ['postal', 'BUU_CHINH']
])
const returnMethods = table<ReturnMethod, NonNullable<ElectricityRequest['hinhThucNhanKetQua']>>([
  ['counter', 'TAI_QUAY'], ['postal', 'BUU_CHINH'], ['online', 'TRUC_TUYEN']
])
const identityTypes = table<Exclude<IdentityType, 'agency-code'>, ElectricityCustomer['loaiGiayTo']>([
  ['citizen-id', 'CCCD'], ['legacy-id', 'CMND'], ['tax-code', 'MST']
])
const ownership = table<NonNullable<ElectricityNewConnectionData['premisesOwnership']>, NonNullable<ElectricityRequest['hinhThucSoHuuNha']>>([
  ['owner', 'CHU_SO_HUU'], ['tenant', 'THUE']
])

const statusMap: Readonly<Record<ElectricityStatus['trangThai'], CanonicalStatus>> = {
  TIEP_NHAN: 'processing',
  KHAO_SAT: 'processing',
  THOA_THUAN: 'processing',
  TREO_THAO: 'processing',
  HOAN_THANH: 'resolved',
  CHO_BO_SUNG: 'supplement-requested',
  CHO_THANH_TOAN: 'payment-requested',
  TU_CHOI: 'not-accepted'
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
    ...(a.contentBase64 !== undefined && { noiDungBase64: a.contentBase64 })
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

function outbound (dossier: DeliverableDossier): { method: 'POST', body: ElectricityRequest } {
  const data = dossier.data as unknown as ElectricityNewConnectionData
  if (typeof data.installAddress !== 'object' || data.installAddress === null) {
    throw new AdapterMappingError(`procedure ${dossier.procedure.code} is not a new low-voltage connection request (its data has no installAddress); route it to an agency whose adapter handles it`)
  }
  const { applicant } = dossier
  if (applicant.identity.type === 'agency-code') {
    throw new AdapterMappingError('the power company identifies customers by CCCD, CMND or tax code, not by an agency code')
  }
  const body: ElectricityRequest = {
    maYeuCau: dossier.code,
    loaiYeuCau: 'CAP_DIEN_MOI_HA_AP',
    maDonViTiepNhan: dossier.procedure.receivingAgency.code,
    kenhTiepNhan: channels.toNative(dossier.channel),
    khachHang: {
      tenKhachHang: applicant.fullName,
      loaiKhachHang: applicant.kind === 'citizen' ? 'CA_NHAN' : 'TO_CHUC',
      loaiGiayTo: identityTypes.toNative(applicant.identity.type),
      soGiayTo: applicant.identity.number,
      ...(applicant.dateOfBirth !== undefined && { ngaySinh: toCompactDate(applicant.dateOfBirth) }),
      ...(applicant.phone !== undefined && { soDienThoai: applicant.phone }),
      ...(applicant.email !== undefined && { email: applicant.email }),
      ...(applicant.address !== undefined && { diaChiLienHe: applicant.address.fullText ?? applicant.address.line })
    },
    diaDiemSuDungDien: {
      maTinh: data.installAddress.provinceCode,
      ...(data.installAddress.districtCode !== undefined && { maHuyen: data.installAddress.districtCode }),
      maXa: data.installAddress.wardCode,
      diaChiChiTiet: data.installAddress.line
    },
    mucDichSuDung: purposes.toNative(data.purpose),
    congSuatDangKy: data.requestedCapacityKw,
    soPha: data.phases,
    ...(data.householdCount !== undefined && { soHoDungChung: data.householdCount }),
    ...(data.premisesOwnership !== undefined && { hinhThucSoHuuNha: ownership.toNative(data.premisesOwnership) }),
    ...(data.preferredDate !== undefined && { ngayDeNghiLapDat: toCompactDate(data.preferredDate) }),
    ngayTiepNhan: toCompactVietnam(dossier.receivedAt),
    ...(dossier.dueAt !== undefined && { ngayHenTra: toCompactVietnam(dossier.dueAt) }),
    hinhThucNhanKetQua: returnMethods.toNative(dossier.resultReturn.method),
    hoSoDinhKem: (dossier.attachments ?? []).map(attachmentToNative)
  }
  return { method: 'POST', body }
}

function inbound (native: ElectricitySubmission, context: { agencyId: string }): DossierSubmission {
  const customer = native.khachHang
  const installAddress = {
    provinceCode: native.diaDiemSuDungDien.maTinh,
    ...(native.diaDiemSuDungDien.maHuyen !== undefined && { districtCode: native.diaDiemSuDungDien.maHuyen }),
    wardCode: native.diaDiemSuDungDien.maXa,
    line: native.diaDiemSuDungDien.diaChiChiTiet
  }
  const data: ElectricityNewConnectionData = {
    installAddress,
    purpose: purposes.toCanonical(native.mucDichSuDung),
    requestedCapacityKw: native.congSuatDangKy,
    phases: native.soPha,
    ...(native.soHoDungChung !== undefined && { householdCount: native.soHoDungChung }),
    ...(native.hinhThucSoHuuNha !== undefined && { premisesOwnership: ownership.toCanonical(native.hinhThucSoHuuNha) }),
    ...(native.ngayDeNghiLapDat !== undefined && { preferredDate: fromCompactDate(native.ngayDeNghiLapDat) })
  }
  const personal = customer.loaiGiayTo === 'CCCD' || customer.loaiGiayTo === 'CMND'
  if ((customer.loaiKhachHang === 'CA_NHAN') !== personal) {
    throw new AdapterMappingError(`khachHang.loaiGiayTo ${customer.loaiGiayTo} does not fit khachHang.loaiKhachHang ${customer.loaiKhachHang} (a person has CCCD or CMND, an organisation MST)`)
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
      ...(customer.ngaySinh !== undefined && { dateOfBirth: fromCompactDate(customer.ngaySinh) }),
      ...(customer.soDienThoai !== undefined && { phone: customer.soDienThoai }),
      ...(customer.email !== undefined && { email: customer.email })
    },
    data: data as unknown as DossierSubmission['data'],
    attachments: (native.hoSoDinhKem ?? []).map(attachmentToCanonical),
    channel: channels.toCanonical(native.kenhTiepNhan),
    resultReturn: method === 'postal'
      ? { method, delivery: { recipientName: customer.tenKhachHang, phone: customer.soDienThoai as string, address: installAddress } }
      : { method },
    submittedAt: fromCompactVietnam(native.ngayYeuCau)
  }
}

export const electricityAdapter: AgencyAdapter<ElectricitySubmission, ElectricityRequest, ElectricityStatus> = {
  name: 'electricity',
  description: 'Power company (EVN) customer-service system: new low-voltage connections (cấp điện mới hạ áp).',
  nativeSchemas: { submission: submissionSchema, request: requestSchema, status: statusSchema },
  inbound,
  outbound,
  status: (native) => ({
    status: statusMap[native.trangThai],
    occurredAt: fromCompactVietnam(native.thoiDiem),
    ...(native.ghiChu !== undefined && { note: native.ghiChu })
  }),
  receipt: (response) => {
    const body = response.body
    if (typeof body !== 'object' || body === null) return undefined
    const v = (body as Record<string, unknown>).maTiepNhan
    return typeof v === 'string' && v.length > 0 ? v : undefined
  }
}

export default electricityAdapter
