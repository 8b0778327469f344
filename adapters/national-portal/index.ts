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
  NationalPortalHoSoBoSung,
  NationalPortalLePhi,
  NationalPortalProgress,
  NationalPortalRecord,
  NationalPortalSync,
  NationalPortalTaiLieuNop
} from './native.generated.ts'
import type { HistoryEntry } from '../../src/types/schemas.generated.ts'
import { toCompactVietnam } from '../shared/vietnam-datetime.ts'
import recordSchema from './schemas/record.schema.json' with { type: 'json' }
import syncSchema from './schemas/sync.schema.json' with { type: 'json' }

/** The JSON Schema of the record (`$id` national-portal-record). */
export const nationalRecordSchema = recordSchema
/** The JSON Schema of a sync message (`$id` national-portal-sync: the record and the progress update of one status change). */
export const nationalSyncSchema = syncSchema

/**
 * What the mapping needs beside the dossier: the configured agencies by the hub's agency id, and
 * (optional) the dossier's history, for the supplement rounds (DanhSachHoSoBoSung).
 */
export interface NationalRecordContext {
  agencies: ReadonlyMap<string, { name: string, code?: string }>
  history?: readonly HistoryEntry[]
  /** DuocThanhToanTrucTuyen: 0 asked to pay online and not paid, 1 paid on the national platform, 2 on the province's own gateway; absent: no online payment asked */
  paidOnline?: 0 | 1 | 2
  /**
   * the fee lines of the payment requests the agencies made for the dossier (yêu cầu thực hiện
   * nghĩa vụ tài chính, status 6): the lines of those paid online are listed in DanhSachLePhi after
   * the dossier's own fees (a line whose code is already listed is not repeated); the others are left out
   */
  payments?: ReadonlyArray<{ reference: string, state: string, lines: ReadonlyArray<{ code?: string, name: string, amount: number }> }>
  /**
   * the dossier's results as the hub's document store registered them (origin result): each result
   * document found here (same step, component code and digest) carries the stored document's id as
   * MaGiayToKetQua
   */
  resultDocuments?: ReadonlyArray<{ id: string, step?: string, kind: string, sha256: string }>
  /**
   * MaCSDL, the portal's codes of the national databases (DSKetNoiCSDL), from the hub config
   * (nationalPortal.databaseCodes): the portal's code list is not public, so a database without a
   * configured code is not listed
   */
  databaseCodes?: Readonly<Partial<Record<NationalDatabase, string>>>
}

/**
 * The national databases a dossier can have consulted, as the hub knows them: the national
 * personal data store on DVCQG (a component taken from it: TaiLieuNop[].DuocLayTuKhoDMQG 1) and
 * the national population database (the applicant's account authenticated with VNeID, the e-identity
 * built on it: TaiKhoanDuocXacThucVoiVNeID 1).
 */
export type NationalDatabase = 'national-data-store' | 'population'

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

/** Loại đối tượng: 1 công dân, 2 doanh nghiệp, 3 cơ quan nhà nước, 4 tổ chức khác (an organisation that is not a business). */
export const APPLICANT_KIND_CODES: Readonly<Record<ApplicantKind, NationalPortalRecord['LoaiDoiTuong']>> = {
  citizen: 1,
  organisation: 2,
  agency: 3
}

/**
 * An organisation is a business (2) when it is identified by its enterprise or tax code (Law on
 * Enterprises 2020 Art. 29: the enterprise code is its tax code), another organisation (4, DOMAIN.md:
 * "LoaiDoiTuong 4 is used for organisations that are not businesses") when identified by its
 * organisation e-identifier (Law on Identification 2023: định danh điện tử của tổ chức).
 */
export function applicantKindCode (applicant: Dossier['applicant']): NationalPortalRecord['LoaiDoiTuong'] {
  if (applicant.kind === 'organisation' && applicant.identity.type === 'organisation-id') return 4
  return APPLICANT_KIND_CODES[applicant.kind]
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

/**
 * Loại phí, lệ phí: 1 for every line, the only value seen in a public provincial sync
 * (HuanVu201/DichVuCong_KhoaLuan_PASETO sends '1' for the fees of its payment requests; a ministry
 * portal's integration guide names 1 "phí, lệ phí thông thường"). The portal's other codes are
 * unconfirmed, so the hub sends no other.
 */
export const FEE_KIND_CODE = 1

/**
 * Hình thức (trả kết quả): how the applicant receives the result, as the public provincial sync
 * sends it (HinhThuc is its HinhThucTra: 0 at the one-stop desk, 1 by post). Its code for an online
 * return is not known: the field is then left out.
 */
export const RESULT_RETURN_CODES: Readonly<Partial<Record<NonNullable<Dossier['resultReturn']>['method'], NonNullable<NationalPortalRecord['HinhThuc']>>>> = {
  counter: 0,
  postal: 1
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
    Gia: f.amount,
    LoaiPhiLePhi: FEE_KIND_CODE
  }
}

/**
 * DanhSachLePhi: the dossier's own fees, then the lines of the payment requests made for it that
 * were paid online (HinhThucThu 2, collected online), each code once: a request not paid (being
 * created, open, failed, cancelled) collected nothing, so its lines are not listed. A payment line
 * the agency gave no code is listed under the hub's payment reference and its line number
 * (`<reference>-<n>`).
 */
export function feeItems (dossier: Dossier, payments: NationalRecordContext['payments']): NationalPortalLePhi[] {
  const items = (dossier.fees ?? []).map(feeItem)
  const codes = new Set(items.map((i) => i.MaPhiLePhi))
  for (const p of payments ?? []) {
    if (p.state !== 'paid') continue
    p.lines.forEach((line, i) => {
      const code = present(line.code) ?? `${p.reference}-${i + 1}`
      if (codes.has(code)) return
      codes.add(code)
      items.push({ TenPhiLePhi: line.name, MaPhiLePhi: code, HinhThucThu: FEE_COLLECTION_CODES.online, Gia: line.amount, LoaiPhiLePhi: FEE_KIND_CODE })
    })
  }
  return items.slice(0, 50)
}

function resultItem (r: ResultDocument, stored: NationalRecordContext['resultDocuments']): NationalPortalGiayToKetQua {
  const doc = stored?.find((d) => d.sha256 === r.sha256 && d.kind === r.componentCode && (r.step === undefined || d.step === undefined || d.step === r.step))
  return {
    TenGiayTo: r.name,
    MaThanhPhanHoSo: r.componentCode,
    DuongDanTepTinKetQua: r.url,
    ...(doc !== undefined && { MaGiayToKetQua: doc.id })
  }
}

/** DSKetNoiCSDL: the configured codes of the national databases the dossier consulted. */
export function consultedDatabases (dossier: Dossier, codes: NationalRecordContext['databaseCodes']): Array<{ MaCSDL: string }> {
  if (codes === undefined) return []
  const used: NationalDatabase[] = []
  if ((dossier.attachments ?? []).some((a) => a.reused?.fromNationalStore === true)) used.push('national-data-store')
  if (dossier.applicant.vneidAuthenticated === true) used.push('population')
  const out = used.flatMap((db) => { const c = present(codes[db]); return c === undefined ? [] : [c] })
  return [...new Set(out)].map((MaCSDL) => ({ MaCSDL }))
}

type DateField = 'NgayHenTra' | 'NgayTra' | 'NgayKetThucXuLy' | 'NgayTuChoi' | 'NgayHenTraTruoc' | 'NgayHenTraMoi'

/** An optional canonical instant → an optional yyyyMMddHHmmss field. */
function date<F extends DateField> (field: F, iso: string | undefined): Partial<Record<F, string>> {
  return iso === undefined ? {} : { [field]: toCompactVietnam(iso) } as Partial<Record<F, string>>
}

function requireDate (dossier: Dossier, property: 'closedAt' | 'resolvedAt' | 'returnedAt', field: string): string {
  const iso = dossier[property]
  if (iso === undefined) throw new AdapterMappingError(`dossier ${dossier.code} is ${dossier.status} but has no ${property}: the national portal needs ${field}`)
  return iso
}

/**
 * The supplement rounds of a dossier from its history, oldest first: a round opens when the
 * dossier becomes supplement-requested (5) and closes when it leaves it. NgayHenTraTruoc is the due
 * date in force when the papers were asked for, NgayHenTraMoi the one in force once the dossier left
 * status 5 (the clock restarted, moved by the paused working days); an open round has only the
 * first. The due date in force after each entry is rebuilt backwards from the dossier's, through
 * the entries that moved it (dueAtFrom → dueAtTo; a delay announced reschedules, it does not move it).
 */
export function supplementRounds (dossier: Dossier, history: readonly HistoryEntry[]): NationalPortalHoSoBoSung[] {
  const dueAfter = Array.from<string | undefined>({ length: history.length })
  let due = dossier.dueAt
  for (let i = history.length - 1; i >= 0; i--) {
    dueAfter[i] = due
    const e = history[i] as HistoryEntry
    if (e.type !== 'delay-announced' && e.dueAtTo !== undefined) due = e.dueAtFrom
  }
  const rounds: NationalPortalHoSoBoSung[] = []
  let open: { before: string | undefined } | undefined
  history.forEach((e, i) => {
    if (e.statusTo === 'supplement-requested' && e.statusFrom !== 'supplement-requested') open = { before: dueAfter[i] }
    else if (open !== undefined && e.statusFrom === 'supplement-requested' && e.statusTo !== undefined && e.statusTo !== 'supplement-requested') {
      const item = { ...date('NgayHenTraTruoc', open.before), ...date('NgayHenTraMoi', dueAfter[i]) }
      if (Object.keys(item).length > 0) rounds.push(item)
      open = undefined
    }
  })
  if (open?.before !== undefined) rounds.push({ NgayHenTraTruoc: toCompactVietnam(open.before) })
  return rounds
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
  const fees = feeItems(dossier, context.payments)
  const results = dossier.results ?? []
  const databases = consultedDatabases(dossier, context.databaseCodes)
  const hinhThuc = dossier.resultReturn === undefined ? undefined : RESULT_RETURN_CODES[dossier.resultReturn.method]
  const maLinhVuc = present(procedure.field?.code)
  const tenLinhVuc = present(procedure.field?.name)
  const phone = present(applicant.phone)
  const email = present(applicant.email)
  const summary = present(dossier.summary)
  const rounds = context.history === undefined ? [] : supplementRounds(dossier, context.history)

  return {
    MaHoSo: dossier.code,
    MaTTHC: procedure.code,
    TenTTHC: procedure.name,
    ...(maLinhVuc !== undefined && { MaLinhVuc: maLinhVuc }),
    ...(tenLinhVuc !== undefined && { TenLinhVuc: tenLinhVuc }),
    KenhThucHien: CHANNEL_CODES[dossier.channel],
    ChuHoSo: applicant.fullName,
    SoGiayToChuHoSo: applicant.identity.number,
    LoaiDoiTuong: applicantKindCode(applicant),
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
    HoSoCoThanhPhanSoHoa: attachments.some((a) => a.digitized === true) ? 1 : 0,
    ...(context.paidOnline !== undefined && { DuocThanhToanTrucTuyen: context.paidOnline }),
    ...(hinhThuc !== undefined && { HinhThuc: hinhThuc }),
    ...(databases.length > 0 && { DSKetNoiCSDL: databases }),
    ...(identifierType !== undefined && { DinhDanhCHS: [{ LoaiDinhDanh: identifierType, SoDinhDanh: applicant.identity.number }] }),
    ...(attachments.length > 0 && { TaiLieuNop: attachments.map(attachmentItem) }),
    ...(fees.length > 0 && { DanhSachLePhi: fees }),
    ...(results.length > 0 && { DanhSachGiayToKetQua: results.map((r) => resultItem(r, context.resultDocuments)) }),
    ...(rounds.length > 0 && { DanhSachHoSoBoSung: rounds })
  }
}

/** The portal's names of its status codes (TrangThaiHoSo), for a progress update without a note. */
export const STATUS_NAMES: Readonly<Record<number, string>> = {
  1: 'Mới đăng ký',
  2: 'Được tiếp nhận',
  3: 'Không được tiếp nhận',
  4: 'Đang xử lý',
  5: 'Yêu cầu bổ sung giấy tờ',
  6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  7: 'Công dân yêu cầu rút hồ sơ',
  8: 'Dừng xử lý',
  9: 'Đã xử lý xong',
  10: 'Đã trả kết quả'
}

/** One status change of a dossier as a sync message needs it (the hub's history entry of the change). */
export interface SyncChange {
  /** the n-th status change of the dossier: 1 = the receipt */
  sequence: number
  /** the dossier's status code after the change */
  statusCode: number
  /** the due date in force after the change, when it set one */
  dueAt?: string
  entry: HistoryEntry
}

/** A bounded text, or undefined when blank. */
function clipped (value: string | undefined, max: number): string | undefined {
  const v = present(value)?.trim()
  return v === undefined ? undefined : v.length <= max ? v : `${v.slice(0, max - 1)}…`
}

/** The progress update (cập nhật tiến độ) of one status change. */
export function toProgressUpdate (dossier: Dossier, change: SyncChange, context: NationalRecordContext): NationalPortalProgress {
  const { entry } = change
  const officer = entry.report?.officer
  const agencyName = entry.actor.kind === 'agency' ? present(context.agencies.get(entry.actor.id)?.name) : undefined
  const who = clipped(officer?.name, 300) ??
    agencyName ??
    (entry.type === 'received' ? present(dossier.procedure.receivingAgency.name) ?? dossier.procedure.receivingAgency.code : undefined) ??
    entry.actor.id
  const department = clipped(officer?.department, 300) ?? (agencyName !== undefined ? clipped(agencyName, 300) : undefined)
  const title = clipped(officer?.title, 200)
  const statusName = STATUS_NAMES[change.statusCode]
  if (statusName === undefined) throw new AdapterMappingError(`dossier ${dossier.code}: status change ${change.sequence} leads to status ${change.statusCode}, which the national portal has no code for`)
  const what = clipped(entry.note ?? entry.report?.note ?? entry.report?.reason, 2000) ?? statusName
  const due = change.dueAt ?? dossier.rescheduledDueAt ?? dossier.dueAt
  return {
    MaHoSo: dossier.code,
    NguoiXuLy: clipped(who, 300) ?? entry.actor.id,
    ...(title !== undefined && { ChucDanh: title }),
    ThoiDiemXuLy: toCompactVietnam(entry.at),
    ...(department !== undefined && { PhongBanXuLy: department }),
    NoiDungXuLy: what,
    TrangThai: change.statusCode,
    NgayBatDau: toCompactVietnam(entry.at),
    ...(due !== undefined && { NgayKetThucTheoQuyDinh: toCompactVietnam(due) })
  }
}

/**
 * Sync message `change.sequence` of a dossier: the record as the hub knows the dossier now (a
 * later message never carries an older record) and the progress update of that change.
 */
export function toSyncMessage (dossier: Dossier, change: SyncChange, context: NationalRecordContext): NationalPortalSync {
  return {
    MaHoSo: dossier.code,
    SoThuTu: change.sequence,
    LoaiDongBo: change.sequence === 1 ? 1 : 2,
    HoSo: toNationalRecord(dossier, context),
    TienDo: toProgressUpdate(dossier, change, context)
  }
}
