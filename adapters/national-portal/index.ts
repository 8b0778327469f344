/**
 * National public-service portal (Cổng Dịch vụ công quốc gia, DVCQG): the canonical dossier as
 * the portal's dossier sync expects it (schemas/record.schema.json, `national-portal-record`).
 * Not an agency adapter: the hub does not deliver dossiers to the portal for processing, it
 * reports them, so this is a pure mapping and is not in the adapter registry (adapters/index.ts).
 *
 * - Dates: yyyyMMddHHmmss in Vietnam time, whatever offset the canonical instant carries.
 * - Codes: the tables below (channel → KenhThucHien, applicant kind → LoaiDoiTuong, status →
 *   TrangThaiHoSo, identity type → LoaiDinhDanh, fee collection → HinhThucThu).
 * - Optional fields without a value are left out, never sent as empty strings or empty lists.
 * - A dossier the portal could not accept as it is (status and statusCode disagree, a
 *   not-accepted dossier without closedAt, a resolved one without resolvedAt, a route step whose
 *   agency is not configured) is an AdapterMappingError naming what is missing.
 */
import { AdapterMappingError, type Dossier } from '../contract.ts'
import type {
  NationalPortalDinhDanh,
  NationalPortalGiayToKetQua,
  NationalPortalLePhi,
  NationalPortalRecord,
  NationalPortalTaiLieuNop
} from './native.generated.ts'
import { toCompactVietnam } from '../shared/vietnam-datetime.ts'
import recordSchema from './schemas/record.schema.json' with { type: 'json' }

/** The JSON Schema of the record (`$id` national-portal-record). */
export const nationalRecordSchema = recordSchema

/** What the mapping needs beside the dossier: the configured agencies by the hub's agency id. */
export interface NationalRecordContext { agencies: ReadonlyMap<string, { name: string, code?: string }> }

type Channel = Dossier['channel']
type ApplicantKind = Dossier['applicant']['kind']
type IdentityType = Dossier['applicant']['identity']['type']
type Fee = NonNullable<Dossier['fees']>[number]
type Attachment = NonNullable<Dossier['attachments']>[number]
type ResultDocument = NonNullable<Dossier['results']>[number]
type RoutingStep = NonNullable<NonNullable<Dossier['routing']>[string]>

/** Kênh thực hiện: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích. */
export const CHANNEL_CODES: Readonly<Record<Channel, NationalPortalRecord['KenhThucHien']>> = {
  counter: 1,
  online: 2,
  postal: 3
}

/** Loại đối tượng: 1 công dân, 2 doanh nghiệp/tổ chức, 3 cơ quan nhà nước (4 khác is never produced). */
export const APPLICANT_KIND_CODES: Readonly<Record<ApplicantKind, NationalPortalRecord['LoaiDoiTuong']>> = {
  citizen: 1,
  organisation: 2,
  agency: 3
}

/** Loại định danh: 1 số định danh cá nhân (CCCD, 12 digits), 2 CMND (9 digits); other documents are not personal identifiers. */
export const IDENTIFIER_CODES: Readonly<Partial<Record<IdentityType, NationalPortalDinhDanh['LoaiDinhDanh']>>> = {
  'citizen-id': 1,
  'legacy-id': 2
}

/**
 * Hình thức thu: 1 tại quầy, 2 trực tuyến, 3 qua bưu chính. The portal's code list for this field
 * is unconfirmed; these follow KenhThucHien.
 */
export const FEE_COLLECTION_CODES: Readonly<Record<NonNullable<Fee['collection']>, NonNullable<NationalPortalLePhi['HinhThucThu']>>> = {
  counter: 1,
  online: 2,
  postal: 3
}

/** A non-empty string, or undefined: optional fields are omitted rather than sent empty. */
function present (value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

/** The step whose agency handles the dossier: the lead step, else the first step (lowest stage, then route order). */
function handlingStep (routing: Dossier['routing']): RoutingStep | undefined {
  const steps = Object.values(routing ?? {}).filter((s): s is RoutingStep => s !== undefined)
  if (steps.length === 0) return undefined
  const ordered = steps.map((step, i) => ({ step, i })).sort((a, b) => a.step.stage - b.step.stage || a.i - b.i).map(({ step }) => step)
  return ordered.find((s) => s.lead === true) ?? ordered[0]
}

function attachmentItem (a: Attachment): NationalPortalTaiLieuNop {
  const url = present(a.url)
  return {
    TenTepDinhKem: a.fileName,
    MaThanhPhanHoSo: a.componentCode,
    ...(url !== undefined && { DuongDanTaiTepTin: url }),
    DuocSoHoa: a.digitized === true ? 1 : 0,
    // was reused (once-only: the hub resolved it from a stored document), not "may be reused" (reusable)
    DuocTaiSuDung: a.reused !== undefined ? 1 : 0,
    DuocLayTuKhoDMQG: a.reused?.fromNationalStore === true ? 1 : 0
  }
}

function feeItem (f: Fee): NationalPortalLePhi {
  return {
    TenPhiLePhi: f.name,
    MaPhiLePhi: f.code,
    ...(f.collection !== undefined && { HinhThucThu: FEE_COLLECTION_CODES[f.collection] }),
    Gia: f.amount
  }
}

function resultItem (r: ResultDocument): NationalPortalGiayToKetQua {
  return {
    TenGiayTo: r.name,
    MaThanhPhanHoSo: r.componentCode,
    DuongDanTepTinKetQua: r.url
  }
}

type DateField = 'NgayHenTra' | 'NgayTra' | 'NgayKetThucXuLy' | 'NgayTuChoi'

/** An optional canonical instant → an optional yyyyMMddHHmmss field. */
function date (field: DateField, iso: string | undefined): Partial<Pick<NationalPortalRecord, DateField>> {
  return iso === undefined ? {} : { [field]: toCompactVietnam(iso) }
}

function requireDate (dossier: Dossier, property: 'closedAt' | 'resolvedAt' | 'returnedAt', field: string): string {
  const iso = dossier[property]
  if (iso === undefined) throw new AdapterMappingError(`dossier ${dossier.code} is ${dossier.status} but has no ${property}: the national portal needs ${field}`)
  return iso
}

/** The canonical dossier → the record the national portal's dossier sync takes. */
export function toNationalRecord (dossier: Dossier, context: NationalRecordContext): NationalPortalRecord {
  // Trạng thái hồ sơ: the canonical dossier carries the portal's code for its status (src/domain/status.ts)
  const trangThai = dossier.statusCode
  const { procedure, applicant } = dossier

  const step = handlingStep(dossier.routing)
  let donViXuLy: string | undefined
  if (step !== undefined) {
    const agency = context.agencies.get(step.agency)
    if (agency === undefined) throw new AdapterMappingError(`dossier ${dossier.code}: agency "${step.agency}" of its handling step is not configured, so DonViXuLy has no name`)
    donViXuLy = present(agency.name) ?? present(agency.code)
  }

  const rejectedAt = dossier.status === 'not-accepted' ? requireDate(dossier, 'closedAt', 'NgayTuChoi') : undefined
  const resolvedAt = dossier.status === 'resolved' || dossier.status === 'returned' ? requireDate(dossier, 'resolvedAt', 'NgayKetThucXuLy') : dossier.resolvedAt
  const returnedAt = dossier.status === 'returned' ? requireDate(dossier, 'returnedAt', 'NgayTra') : dossier.returnedAt

  const identifierType = IDENTIFIER_CODES[applicant.identity.type]
  const attachments = dossier.attachments ?? []
  const fees = dossier.fees ?? []
  const results = dossier.results ?? []
  const maLinhVuc = present(procedure.field?.code)
  const tenLinhVuc = present(procedure.field?.name)
  const phone = present(applicant.phone)
  const email = present(applicant.email)
  const summary = present(dossier.summary)

  return {
    MaHoSo: dossier.code,
    MaTTHC: procedure.code,
    TenTTHC: procedure.name,
    ...(maLinhVuc !== undefined && { MaLinhVuc: maLinhVuc }),
    ...(tenLinhVuc !== undefined && { TenLinhVuc: tenLinhVuc }),
    KenhThucHien: CHANNEL_CODES[dossier.channel],
    ChuHoSo: applicant.fullName,
    SoGiayToChuHoSo: applicant.identity.number,
    LoaiDoiTuong: APPLICANT_KIND_CODES[applicant.kind],
    ...(phone !== undefined && { SoDienThoai: phone }),
    ...(email !== undefined && { Email: email }),
    ...(summary !== undefined && { TrichYeuHoSo: summary }),
    NgayTiepNhan: toCompactVietnam(dossier.receivedAt),
    ...date('NgayHenTra', dossier.dueAt),
    TrangThaiHoSo: trangThai,
    ...date('NgayTra', returnedAt),
    ...date('NgayKetThucXuLy', resolvedAt),
    ...(donViXuLy !== undefined && { DonViXuLy: donViXuLy }),
    NoiNopHoSo: present(procedure.receivingAgency.name) ?? procedure.receivingAgency.code,
    NgayNopHoSo: toCompactVietnam(dossier.submittedAt),
    ...date('NgayTuChoi', rejectedAt),
    ...(applicant.vneidAuthenticated !== undefined && { TaiKhoanDuocXacThucVoiVNeID: applicant.vneidAuthenticated ? 1 : 0 }),
    ...(identifierType !== undefined && { DinhDanhCHS: [{ LoaiDinhDanh: identifierType, SoDinhDanh: applicant.identity.number }] }),
    ...(attachments.length > 0 && { TaiLieuNop: attachments.map(attachmentItem) }),
    ...(fees.length > 0 && { DanhSachLePhi: fees.map(feeItem) }),
    ...(results.length > 0 && { DanhSachGiayToKetQua: results.map(resultItem) })
  }
}
