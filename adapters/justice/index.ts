/**
 * Justice adapter: the Department of Justice software for civil status (hộ tịch) and criminal
 * records (lý lịch tư pháp). Serves four procedures, told apart by the data schema on the way out
 * and by `loaiHoSo` (the software's module) on the way in:
 * - đăng ký khai sinh, data schema birth-registration, module KS (record `khaiSinh`: nks*, me*, cha*);
 * - đăng ký khai tử, data schema death-registration, module KT (record `khaiTu`: nkt*, gbt*);
 * - đăng ký kết hôn, data schema marriage-registration, module LTKH (record `ketHon`: chong*, vo*);
 * - cấp Phiếu lý lịch tư pháp, data schema criminal-record-certificate, module LLTP (record `lyLichTuPhap`).
 * The applicant travels as nyc* fields of the common header. Every code except loaiHoSo is a
 * string of digits, as the software stores them — trangThai too ("1" … "7"). The software answers
 * a delivery with its own receipt number in `soBienNhan`. When the applicant withdraws the dossier,
 * the software is told per step it holds (maBuoc) at <endpoint>/rut-ho-so (justice-withdrawal);
 * when the applicant supplies the papers a step asked for (trangThai "2"), they go to
 * <endpoint>/bo-sung (justice-supplement); when the applicant paid online the fees a step asked for
 * (reported in the hub's canonical terms: the status format has no code for it), the payment goes to
 * <endpoint>/nop-phi (justice-payment).
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
  BirthRegistrationData,
  CriminalRecordCertificateData,
  DeathRegistrationData,
  MarriageRegistrationData
} from '../../src/types/schemas.generated.ts'
import type {
  JusticeDiaChi,
  JusticeGiayToDinhKem,
  JusticeKetHon,
  JusticeKetQuaLienThong,
  JusticeKhaiSinh,
  JusticeKhaiTu,
  JusticeLePhi,
  JusticeLyLichTuPhap,
  JusticePayment,
  JusticeQuaTrinhCuTru,
  JusticeRequest,
  JusticeStatus,
  JusticeSubmission,
  JusticeSupplement,
  JusticeWithdrawal,
  JusticeXacNhanHonNhan
} from './native.generated.ts'
import { nativeDate, nativeDateTime, toCompactDate, toCompactVietnam } from '../shared/vietnam-datetime.ts'
import { codeTable, kindOf } from '../shared/code-table.ts'
import { withdrawalReason, withdrawalTime } from '../shared/withdrawal.ts'
import { noticeReference } from '../shared/notice-fields.ts'
import { supplementNote, supplementPapers, supplementSequence, supplementTime } from '../shared/supplement.ts'
import { paymentFields, paymentTime } from '../shared/payment.ts'

/** The native system, as the adapter's messages name it. */
const SYSTEM = 'the justice software'
import requestSchema from './schemas/request.schema.json' with { type: 'json' }
import statusSchema from './schemas/status.schema.json' with { type: 'json' }
import submissionSchema from './schemas/submission.schema.json' with { type: 'json' }
import supplementSchema from './schemas/supplement.schema.json' with { type: 'json' }
import withdrawalSchema from './schemas/withdrawal.schema.json' with { type: 'json' }
import paymentSchema from './schemas/payment.schema.json' with { type: 'json' }

/** The data schemas ($id) this adapter maps. */
export const BIRTH_REGISTRATION = 'birth-registration'
export const DEATH_REGISTRATION = 'death-registration'
export const MARRIAGE_REGISTRATION = 'marriage-registration'
export const CRIMINAL_RECORD_CERTIFICATE = 'criminal-record-certificate'

/** Where a withdrawal notice goes, relative to the software's endpoint (the hub appends it). */
export const WITHDRAWAL_PATH = 'rut-ho-so'

/** Where a supplement (the papers a step asked for) goes, relative to the software's endpoint (the hub appends it). */
export const SUPPLEMENT_PATH = 'bo-sung'

/** Where a payment notice (the applicant paid online the fees a step asked for) goes, relative to the software's endpoint. */
export const PAYMENT_PATH = 'nop-phi'

type Module = JusticeRequest['loaiHoSo']
type Sex = BirthRegistrationData['child']['sex']
type NativeSex = JusticeKhaiSinh['nksGioiTinh']
type Channel = DossierSubmission['channel']
type ReturnMethod = DossierSubmission['resultReturn']['method']
type Fee = NonNullable<DossierSubmission['fees']>[number]
type Spouse = MarriageRegistrationData['husband']
type Period = CriminalRecordCertificateData['residenceHistory'][number]
/** The part of the request (and submission) that carries the applicant. */
type NativeApplicant = Pick<JusticeRequest, 'nycHoTen' | 'nycLoaiGiayTo' | 'nycSoGiayTo' | 'nycNgaySinh' | 'nycSoDienThoai' | 'nycEmail' | 'nycNoiCuTru'>
/** The module record of a request: exactly one of these keys. */
type NativeRecord = Pick<JusticeRequest, 'khaiSinh' | 'khaiTu' | 'ketHon' | 'lyLichTuPhap'>
type CanonicalData = BirthRegistrationData | DeathRegistrationData | MarriageRegistrationData | CriminalRecordCertificateData

const sexes = codeTable<Sex, NativeSex>(SYSTEM, 'gioiTinh', [['male', '1'], ['female', '2']])
const channels = codeTable<Channel, JusticeRequest['kenhNop']>(SYSTEM, 'kenhNop', [['counter', '1'], ['online', '2'], ['postal', '3']])
const returnMethods = codeTable<ReturnMethod, JusticeRequest['hinhThucNhanKetQua']>(SYSTEM, 'hinhThucNhanKetQua', [['counter', '1'], ['postal', '2'], ['online', '3']])
const feeCollections = codeTable<NonNullable<Fee['collection']>, NonNullable<JusticeLePhi['hinhThucThu']>>(SYSTEM, 'lePhi.hinhThucThu', [['counter', '1'], ['online', '2'], ['postal', '3']])
const identityTypes = codeTable<'citizen-id' | 'legacy-id', JusticeRequest['nycLoaiGiayTo']>(SYSTEM, 'nycLoaiGiayTo', [['citizen-id', '4'], ['legacy-id', '1']])
const birthRelations = codeTable<BirthRegistrationData['declarantRelationship'], JusticeKhaiSinh['nycQuanHe']>(SYSTEM, 'khaiSinh.nycQuanHe', [
  ['mother', '1'], ['father', '2'], ['grandparent', '3'], ['relative', '4'], ['other', '5']
])
const deathRelations = codeTable<DeathRegistrationData['declarantRelationship'], JusticeKhaiTu['nycQuanHe']>(SYSTEM, 'khaiTu.nycQuanHe', [
  ['spouse', '1'], ['child', '2'], ['parent', '3'], ['relative', '4'], ['other', '5']
])
const noticeKinds = codeTable<DeathRegistrationData['deathNotice']['kind'], JusticeKhaiTu['gbtLoai']>(SYSTEM, 'khaiTu.gbtLoai', [
  ['death-notice', '1'], ['execution-certificate', '2'], ['court-decision', '3'], ['police-or-forensic', '4']
])
const certificateTypes = codeTable<CriminalRecordCertificateData['certificateType'], JusticeLyLichTuPhap['loaiPhieu']>(SYSTEM, 'lyLichTuPhap.loaiPhieu', [[1, '1'], [2, '2']])
const requestedFrom = codeTable<CriminalRecordCertificateData['requestedFrom'], JusticeLyLichTuPhap['noiYeuCau']>(SYSTEM, 'lyLichTuPhap.noiYeuCau', [
  ['justice-department', '1'], ['national-centre', '2']
])
const requestedBy = codeTable<CriminalRecordCertificateData['requestedBy'], JusticeLyLichTuPhap['tuCachNguoiYeuCau']>(SYSTEM, 'lyLichTuPhap.tuCachNguoiYeuCau', [
  ['self', '1'], ['authorised', '2'], ['guardian', '3']
])

/** Native trangThai → the canonical step status. */
export const STEP_STATUS: Readonly<Record<JusticeStatus['trangThai'], StepStatus>> = {
  1: 'accepted',
  2: 'supplement-requested',
  3: 'processing',
  7: 'processing',
  4: 'resolved',
  5: 'resolved',
  6: 'rejected'
}

// ── dates ──────────────────────────────────────────────────────────────────────────────────────

/** HH:mm ↔ HHmm (time of death). */
const toCompactTime = (hhmm: string): string => hhmm.replace(':', '')
const fromCompactTime = (hhmm: string): string => `${hhmm.slice(0, 2)}:${hhmm.slice(2)}`
/** YYYY or YYYY-MM ↔ yyyy or yyyyMM (residence history). */
const toCompactMonth = (value: string): string => value.replace('-', '')
const fromCompactMonth = (value: string): string => value.length === 6 ? `${value.slice(0, 4)}-${value.slice(4)}` : value

/** A period of the residence history must not end before it starts (compared by month; a bare year spans the whole year). */
function checkPeriod (tuNam: string, denNam: string | undefined, field: string): void {
  if (denNam === undefined) return
  const from = tuNam.length === 4 ? `${tuNam}01` : tuNam
  const to = denNam.length === 4 ? `${denNam}12` : denNam
  if (to < from) throw new AdapterMappingError(`${field} ends (${denNam}) before it starts (${tuNam})`)
}

// ── shared pieces ──────────────────────────────────────────────────────────────────────────────

function addressToNative (a: Address): JusticeDiaChi {
  return {
    maTinh: a.provinceCode,
    ...(a.districtCode !== undefined && { maHuyen: a.districtCode }),
    maXa: a.wardCode,
    dcChiTiet: a.line,
    ...(a.fullText !== undefined && { dcDayDu: a.fullText })
  }
}

function addressToCanonical (n: JusticeDiaChi): Address {
  return {
    provinceCode: n.maTinh,
    ...(n.maHuyen !== undefined && { districtCode: n.maHuyen }),
    wardCode: n.maXa,
    line: n.dcChiTiet,
    ...(n.dcDayDu !== undefined && { fullText: n.dcDayDu })
  }
}

function attachmentToNative (a: Attachment): JusticeGiayToDinhKem {
  return {
    maThanhPhan: a.componentCode,
    ...(a.componentName !== undefined && { tenThanhPhan: a.componentName }),
    tenTep: a.fileName,
    kieuTep: a.mediaType,
    kichThuoc: a.byteSize,
    maBam: a.sha256,
    ...(a.url !== undefined && { duongDan: a.url }),
    ...(a.contentBase64 !== undefined && { noiDungBase64: a.contentBase64 }),
    ...(a.digitized !== undefined && { daSoHoa: a.digitized }),
    ...(a.reusable !== undefined && { taiSuDung: a.reusable }),
    // was reused (once-only), set by the hub: not "may be reused" (taiSuDung)
    ...(a.reused !== undefined && {
      daTaiSuDung: true,
      ...(a.reused.fromNationalStore === true && { layTuKhoDMQG: true }),
      maGiayToKho: a.reused.documentId
    })
  }
}

function attachmentToCanonical (n: JusticeGiayToDinhKem, field: string): Attachment {
  if ((n.duongDan === undefined) === (n.noiDungBase64 === undefined)) {
    throw new AdapterMappingError(`${field} needs either duongDan or noiDungBase64, not ${n.duongDan === undefined ? 'neither' : 'both'}`)
  }
  return {
    componentCode: n.maThanhPhan,
    ...(n.tenThanhPhan !== undefined && { componentName: n.tenThanhPhan }),
    fileName: n.tenTep,
    mediaType: n.kieuTep,
    byteSize: n.kichThuoc,
    sha256: n.maBam,
    ...(n.duongDan !== undefined && { url: n.duongDan }),
    ...(n.noiDungBase64 !== undefined && { contentBase64: n.noiDungBase64 }),
    ...(n.daSoHoa !== undefined && { digitized: n.daSoHoa }),
    ...(n.taiSuDung !== undefined && { reusable: n.taiSuDung })
  }
}

function feeToNative (f: Fee): JusticeLePhi {
  return {
    maPhiLePhi: f.code,
    tenPhiLePhi: f.name,
    soTien: f.amount,
    ...(f.collection !== undefined && { hinhThucThu: feeCollections.toNative(f.collection) }),
    ...(f.paid !== undefined && { daNop: f.paid })
  }
}

function feeToCanonical (n: JusticeLePhi, field: string): Fee {
  return {
    code: n.maPhiLePhi,
    name: n.tenPhiLePhi,
    amount: n.soTien,
    ...(n.hinhThucThu !== undefined && { collection: feeCollections.toCanonical(n.hinhThucThu, `${field}.hinhThucThu`) }),
    ...(n.daNop !== undefined && { paid: n.daNop })
  }
}

function resultToNative (r: ResultDocument): JusticeKetQuaLienThong {
  return {
    tenGiayTo: r.name,
    maThanhPhan: r.componentCode,
    duongDan: r.url,
    maBam: r.sha256,
    ...(r.byteSize !== undefined && { kichThuoc: r.byteSize }),
    ...(r.mediaType !== undefined && { kieuTep: r.mediaType }),
    ...(r.originalCopies !== undefined && { soBanChinh: r.originalCopies }),
    ...(r.certifiedCopies !== undefined && { soBanSao: r.certifiedCopies }),
    ...(r.step !== undefined && { maBuoc: r.step }),
    ...(r.agency !== undefined && { coQuanBanHanh: r.agency })
  }
}

/** The applicant as the nyc* fields: the justice software knows persons with a CCCD or a CMND only. */
function applicantToNative (applicant: DeliverableDossier['applicant']): NativeApplicant {
  const { identity } = applicant
  if (applicant.kind !== 'citizen' || (identity.type !== 'citizen-id' && identity.type !== 'legacy-id')) {
    throw new AdapterMappingError(`the justice software takes a person as the applicant (nyc*), identified by CCCD or CMND, not a ${applicant.kind} with a ${identity.type} (applicant)`)
  }
  return {
    nycHoTen: applicant.fullName,
    nycLoaiGiayTo: identityTypes.toNative(identity.type),
    nycSoGiayTo: identity.number,
    ...(applicant.dateOfBirth !== undefined && { nycNgaySinh: toCompactDate(applicant.dateOfBirth) }),
    ...(applicant.phone !== undefined && { nycSoDienThoai: applicant.phone }),
    ...(applicant.email !== undefined && { nycEmail: applicant.email }),
    ...(applicant.address !== undefined && { nycNoiCuTru: addressToNative(applicant.address) })
  }
}

function applicantToCanonical (n: NativeApplicant): DossierSubmission['applicant'] {
  if (n.nycLoaiGiayTo !== '4' && n.nycLoaiGiayTo !== '1') {
    throw new AdapterMappingError(`nycLoaiGiayTo "${n.nycLoaiGiayTo}" (${n.nycLoaiGiayTo === '2' ? 'hộ chiếu' : 'giấy tờ khác'}) has no canonical identity: the hub takes a CCCD ("4") or a CMND ("1")`)
  }
  return {
    kind: 'citizen',
    fullName: n.nycHoTen,
    identity: { type: identityTypes.toCanonical(n.nycLoaiGiayTo), number: n.nycSoGiayTo },
    ...(n.nycNgaySinh !== undefined && { dateOfBirth: nativeDate(n.nycNgaySinh, 'nycNgaySinh') }),
    ...(n.nycSoDienThoai !== undefined && { phone: n.nycSoDienThoai }),
    ...(n.nycEmail !== undefined && { email: n.nycEmail }),
    ...(n.nycNoiCuTru !== undefined && { address: addressToCanonical(n.nycNoiCuTru) })
  }
}

/** The data object of the dossier, after checking it is the kind the data schema announces. */
function dataOf<T extends CanonicalData> (dossier: DeliverableDossier, key: string, what: string): T {
  const data = dossier.data as Record<string, unknown>
  if (data[key] === undefined || data[key] === null) {
    throw new AdapterMappingError(`the data of dossier ${dossier.code} (procedure ${dossier.procedure.code}) is not ${what}: it has no ${key}`)
  }
  return data as unknown as T
}

// ── outbound, per module ───────────────────────────────────────────────────────────────────────

function birthToNative (dossier: DeliverableDossier): NativeRecord {
  const { child, mother, father, declarantRelationship } = dataOf<BirthRegistrationData>(dossier, 'child', 'a birth registration')
  const khaiSinh: JusticeKhaiSinh = {
    nksHoTen: child.fullName,
    nksGioiTinh: sexes.toNative(child.sex),
    nksNgaySinh: toCompactDate(child.dateOfBirth),
    nksNoiSinh: child.placeOfBirth,
    ...(child.ethnicity !== undefined && { nksDanToc: child.ethnicity }),
    ...(child.nationality !== undefined && { nksQuocTich: child.nationality }),
    ...(child.birthCertificateNumber !== undefined && { gcsSo: child.birthCertificateNumber }),
    meHoTen: mother.fullName,
    ...(mother.citizenId !== undefined && { meSoDinhDanh: mother.citizenId }),
    ...(mother.dateOfBirth !== undefined && { meNgaySinh: toCompactDate(mother.dateOfBirth) }),
    ...(mother.ethnicity !== undefined && { meDanToc: mother.ethnicity }),
    ...(mother.nationality !== undefined && { meQuocTich: mother.nationality }),
    ...(mother.residence !== undefined && { meNoiCuTru: addressToNative(mother.residence) }),
    ...(father !== undefined && {
      chaHoTen: father.fullName,
      ...(father.citizenId !== undefined && { chaSoDinhDanh: father.citizenId }),
      ...(father.dateOfBirth !== undefined && { chaNgaySinh: toCompactDate(father.dateOfBirth) }),
      ...(father.ethnicity !== undefined && { chaDanToc: father.ethnicity }),
      ...(father.nationality !== undefined && { chaQuocTich: father.nationality }),
      ...(father.residence !== undefined && { chaNoiCuTru: addressToNative(father.residence) })
    }),
    nycQuanHe: birthRelations.toNative(declarantRelationship)
  }
  return { khaiSinh }
}

function deathToNative (dossier: DeliverableDossier): NativeRecord {
  const data = dataOf<DeathRegistrationData>(dossier, 'deceased', 'a death registration')
  const { deceased, deathNotice } = data
  if (data.dateOfDeath < deceased.dateOfBirth) throw new AdapterMappingError('dateOfDeath is before deceased.dateOfBirth')
  const khaiTu: JusticeKhaiTu = {
    nktHoTen: deceased.fullName,
    nktGioiTinh: sexes.toNative(deceased.sex),
    nktNgaySinh: toCompactDate(deceased.dateOfBirth),
    ...(deceased.citizenId !== undefined && { nktSoDinhDanh: deceased.citizenId }),
    ...(deceased.ethnicity !== undefined && { nktDanToc: deceased.ethnicity }),
    ...(deceased.nationality !== undefined && { nktQuocTich: deceased.nationality }),
    ...(deceased.residence !== undefined && { nktNoiCuTru: addressToNative(deceased.residence) }),
    nktNgayChet: toCompactDate(data.dateOfDeath),
    ...(data.timeOfDeath !== undefined && { nktGioPhutChet: toCompactTime(data.timeOfDeath) }),
    nktNoiChet: data.placeOfDeath,
    nktNguyenNhan: data.causeOfDeath,
    gbtLoai: noticeKinds.toNative(deathNotice.kind),
    gbtSo: deathNotice.number,
    ...(deathNotice.issuedOn !== undefined && { gbtNgay: toCompactDate(deathNotice.issuedOn) }),
    gbtCoQuanCap: deathNotice.issuedBy,
    nycQuanHe: deathRelations.toNative(data.declarantRelationship)
  }
  return { khaiTu }
}

function confirmationToNative (c: Spouse['maritalStatusConfirmation']): JusticeXacNhanHonNhan | undefined {
  if (c === undefined) return undefined
  return { soXacNhan: c.number, ...(c.issuedOn !== undefined && { ngayCap: toCompactDate(c.issuedOn) }), coQuanCap: c.issuedBy }
}

function marriageToNative (dossier: DeliverableDossier): NativeRecord {
  const { husband: h, wife: w } = dataOf<MarriageRegistrationData>(dossier, 'husband', 'a marriage registration')
  const { identity } = dossier.applicant
  if (identity.type !== 'citizen-id' || (identity.number !== h.citizenId && identity.number !== w.citizenId)) {
    throw new AdapterMappingError('the couple apply together: the applicant must be the husband or the wife, identified by the citizenId given in husband or wife (applicant.identity)')
  }
  if (h.citizenId === w.citizenId) throw new AdapterMappingError('husband.citizenId and wife.citizenId are the same person')
  const hx = confirmationToNative(h.maritalStatusConfirmation)
  const wx = confirmationToNative(w.maritalStatusConfirmation)
  const ketHon: JusticeKetHon = {
    chongHoTen: h.fullName,
    chongNgaySinh: toCompactDate(h.dateOfBirth),
    ...(h.ethnicity !== undefined && { chongDanToc: h.ethnicity }),
    ...(h.nationality !== undefined && { chongQuocTich: h.nationality }),
    chongSoDinhDanh: h.citizenId,
    chongNoiCuTru: addressToNative(h.residence),
    ...(hx !== undefined && { chongXacNhanHonNhan: hx }),
    voHoTen: w.fullName,
    voNgaySinh: toCompactDate(w.dateOfBirth),
    ...(w.ethnicity !== undefined && { voDanToc: w.ethnicity }),
    ...(w.nationality !== undefined && { voQuocTich: w.nationality }),
    voSoDinhDanh: w.citizenId,
    voNoiCuTru: addressToNative(w.residence),
    ...(wx !== undefined && { voXacNhanHonNhan: wx })
  }
  return { ketHon }
}

function periodToNative (p: Period, i: number): JusticeQuaTrinhCuTru {
  const tuNam = toCompactMonth(p.from)
  const denNam = p.to !== undefined ? toCompactMonth(p.to) : undefined
  checkPeriod(tuNam, denNam, `residenceHistory[${i}]`)
  return {
    tuNam,
    ...(denNam !== undefined && { denNam }),
    ngheNghiep: p.occupation,
    noiCuTru: p.residence,
    ...(p.workplace !== undefined && { noiLamViec: p.workplace })
  }
}

/** Rules of the Law on Criminal Records both directions check: who may ask for which certificate. */
function checkCriminalRecordRequest (type: 1 | 2, by: CriminalRecordCertificateData['requestedBy'], bans: boolean | undefined, fields: { type: string, by: string, bans: string }): void {
  if (type === 2 && by === 'authorised') throw new AdapterMappingError(`Phiếu số 2 cannot be requested by an authorised person (${fields.type} 2 with ${fields.by} authorised)`)
  if (type === 2 && bans === true) throw new AdapterMappingError(`${fields.bans} is for Phiếu số 1 only: Phiếu số 2 always states bans`)
}

function criminalRecordToNative (dossier: DeliverableDossier): NativeRecord {
  const data = dataOf<CriminalRecordCertificateData>(dossier, 'subject', 'a criminal record certificate request')
  const { subject } = data
  checkCriminalRecordRequest(data.certificateType, data.requestedBy, data.includePositionBans, { type: 'certificateType', by: 'requestedBy', bans: 'includePositionBans' })
  const { identity } = dossier.applicant
  if (data.requestedBy === 'self' && (identity.type !== 'citizen-id' || identity.number !== subject.citizenId)) {
    throw new AdapterMappingError('requestedBy is self, but the applicant is not the subject: applicant.identity is not subject.citizenId')
  }
  const lyLichTuPhap: JusticeLyLichTuPhap = {
    loaiPhieu: certificateTypes.toNative(data.certificateType),
    mucDich: data.purpose,
    soLuong: data.copies,
    ...(data.includePositionBans !== undefined && { yeuCauXacNhanCamDamNhiemChucVu: data.includePositionBans }),
    nguoiDuocCapPhieu: {
      hoTen: subject.fullName,
      gioiTinh: sexes.toNative(subject.sex),
      ngaySinh: toCompactDate(subject.dateOfBirth),
      noiSinh: subject.placeOfBirth,
      soDinhDanh: subject.citizenId,
      ...(subject.ethnicity !== undefined && { danToc: subject.ethnicity }),
      ...(subject.nationality !== undefined && { quocTich: subject.nationality }),
      ...(subject.residence !== undefined && { noiCuTru: addressToNative(subject.residence) })
    },
    ...(data.fatherName !== undefined && { hoTenCha: data.fatherName }),
    ...(data.motherName !== undefined && { hoTenMe: data.motherName }),
    ...(data.spouseName !== undefined && { hoTenVoChong: data.spouseName }),
    quaTrinhCuTru: data.residenceHistory.map(periodToNative),
    noiYeuCau: requestedFrom.toNative(data.requestedFrom),
    tuCachNguoiYeuCau: requestedBy.toNative(data.requestedBy)
  }
  return { lyLichTuPhap }
}

const modules: Readonly<Record<string, { module: Module, map: (d: DeliverableDossier) => NativeRecord }>> = {
  [BIRTH_REGISTRATION]: { module: 'KS', map: birthToNative },
  [DEATH_REGISTRATION]: { module: 'KT', map: deathToNative },
  [MARRIAGE_REGISTRATION]: { module: 'LTKH', map: marriageToNative },
  [CRIMINAL_RECORD_CERTIFICATE]: { module: 'LLTP', map: criminalRecordToNative }
}

function outbound (dossier: DeliverableDossier, context: OutboundContext): { method: 'POST', body: JusticeRequest } {
  const kind = kindOf(modules, context.dataSchema, 'the justice software', ` (procedure ${dossier.procedure.code}); route it to an agency whose adapter handles it`)
  const nyc = applicantToNative(dossier.applicant)
  const record = kind.map(dossier)
  const { procedure, resultReturn } = dossier
  if (resultReturn.method === 'postal' && resultReturn.delivery === undefined) {
    throw new AdapterMappingError('a postal return needs resultReturn.delivery (thongTinNhanKetQua)')
  }
  const results = dossier.results ?? []
  const body: JusticeRequest = {
    maHoSo: dossier.code,
    maTTHC: procedure.code,
    tenTTHC: procedure.name,
    ...(procedure.field !== undefined && { maLinhVuc: procedure.field.code }),
    ...(procedure.field?.name !== undefined && { tenLinhVuc: procedure.field.name }),
    loaiHoSo: kind.module,
    maDonViTiepNhan: procedure.receivingAgency.code,
    ...(procedure.receivingAgency.name !== undefined && { tenDonViTiepNhan: procedure.receivingAgency.name }),
    ...(dossier.summary !== undefined && { trichYeu: dossier.summary }),
    ngayTiepNhan: toCompactVietnam(dossier.receivedAt),
    ...(dossier.dueAt !== undefined && { ngayHenTra: toCompactVietnam(dossier.dueAt) }),
    ngayNop: toCompactVietnam(dossier.submittedAt),
    kenhNop: channels.toNative(dossier.channel),
    hinhThucNhanKetQua: returnMethods.toNative(resultReturn.method),
    ...(resultReturn.method === 'postal' && resultReturn.delivery !== undefined && {
      thongTinNhanKetQua: {
        hoTenNguoiNhan: resultReturn.delivery.recipientName,
        soDienThoai: resultReturn.delivery.phone,
        diaChi: addressToNative(resultReturn.delivery.address)
      }
    }),
    ...nyc,
    ...record,
    ...(dossier.fees !== undefined && dossier.fees.length > 0 && { lePhi: dossier.fees.map(feeToNative) }),
    giayToDinhKem: (dossier.attachments ?? []).map(attachmentToNative),
    ...(results.length > 0 && { ketQuaLienThong: results.map(resultToNative) }),
    maBuoc: context.step.id,
    giaiDoan: context.step.stage,
    ...(context.step.task !== undefined && { nhiemVu: context.step.task }),
    laCoQuanChuTri: context.step.lead
  }
  return { method: 'POST', body }
}

// ── inbound, per module ────────────────────────────────────────────────────────────────────────

/** The record loaiHoSo names (the native schema requires it too); named when absent. */
function need<T> (value: T | undefined, field: string, module: Module): T {
  if (value === undefined) throw new AdapterMappingError(`${field} is required for loaiHoSo ${module}`)
  return value
}

function birthData (n: JusticeSubmission): BirthRegistrationData {
  const r = need(n.khaiSinh, 'khaiSinh', 'KS')
  const hasFather = r.chaHoTen !== undefined
  if (!hasFather) {
    const stray = (['chaSoDinhDanh', 'chaNgaySinh', 'chaDanToc', 'chaQuocTich', 'chaNoiCuTru'] as const).find((k) => r[k] !== undefined)
    if (stray !== undefined) throw new AdapterMappingError(`khaiSinh.${stray} is given without khaiSinh.chaHoTen`)
  }
  return {
    child: {
      fullName: r.nksHoTen,
      sex: sexes.toCanonical(r.nksGioiTinh, 'khaiSinh.nksGioiTinh'),
      dateOfBirth: nativeDate(r.nksNgaySinh, 'khaiSinh.nksNgaySinh'),
      placeOfBirth: r.nksNoiSinh,
      ...(r.nksDanToc !== undefined && { ethnicity: r.nksDanToc }),
      ...(r.nksQuocTich !== undefined && { nationality: r.nksQuocTich }),
      ...(r.gcsSo !== undefined && { birthCertificateNumber: r.gcsSo })
    },
    mother: {
      fullName: r.meHoTen,
      ...(r.meSoDinhDanh !== undefined && { citizenId: r.meSoDinhDanh }),
      ...(r.meNgaySinh !== undefined && { dateOfBirth: nativeDate(r.meNgaySinh, 'khaiSinh.meNgaySinh') }),
      ...(r.meDanToc !== undefined && { ethnicity: r.meDanToc }),
      ...(r.meQuocTich !== undefined && { nationality: r.meQuocTich }),
      ...(r.meNoiCuTru !== undefined && { residence: addressToCanonical(r.meNoiCuTru) })
    },
    ...(r.chaHoTen !== undefined && {
      father: {
        fullName: r.chaHoTen,
        ...(r.chaSoDinhDanh !== undefined && { citizenId: r.chaSoDinhDanh }),
        ...(r.chaNgaySinh !== undefined && { dateOfBirth: nativeDate(r.chaNgaySinh, 'khaiSinh.chaNgaySinh') }),
        ...(r.chaDanToc !== undefined && { ethnicity: r.chaDanToc }),
        ...(r.chaQuocTich !== undefined && { nationality: r.chaQuocTich }),
        ...(r.chaNoiCuTru !== undefined && { residence: addressToCanonical(r.chaNoiCuTru) })
      }
    }),
    declarantRelationship: birthRelations.toCanonical(r.nycQuanHe)
  }
}

function deathData (n: JusticeSubmission): DeathRegistrationData {
  const r = need(n.khaiTu, 'khaiTu', 'KT')
  const dateOfBirth = nativeDate(r.nktNgaySinh, 'khaiTu.nktNgaySinh')
  const dateOfDeath = nativeDate(r.nktNgayChet, 'khaiTu.nktNgayChet')
  if (dateOfDeath < dateOfBirth) throw new AdapterMappingError(`khaiTu.nktNgayChet (${r.nktNgayChet}) is before khaiTu.nktNgaySinh (${r.nktNgaySinh})`)
  return {
    deceased: {
      fullName: r.nktHoTen,
      sex: sexes.toCanonical(r.nktGioiTinh, 'khaiTu.nktGioiTinh'),
      dateOfBirth,
      ...(r.nktSoDinhDanh !== undefined && { citizenId: r.nktSoDinhDanh }),
      ...(r.nktDanToc !== undefined && { ethnicity: r.nktDanToc }),
      ...(r.nktQuocTich !== undefined && { nationality: r.nktQuocTich }),
      ...(r.nktNoiCuTru !== undefined && { residence: addressToCanonical(r.nktNoiCuTru) })
    },
    dateOfDeath,
    ...(r.nktGioPhutChet !== undefined && { timeOfDeath: fromCompactTime(r.nktGioPhutChet) }),
    placeOfDeath: r.nktNoiChet,
    causeOfDeath: r.nktNguyenNhan,
    deathNotice: {
      kind: noticeKinds.toCanonical(r.gbtLoai),
      number: r.gbtSo,
      ...(r.gbtNgay !== undefined && { issuedOn: nativeDate(r.gbtNgay, 'khaiTu.gbtNgay') }),
      issuedBy: r.gbtCoQuanCap
    },
    declarantRelationship: deathRelations.toCanonical(r.nycQuanHe)
  }
}

function spouseToCanonical (r: JusticeKetHon, who: 'chong' | 'vo'): Spouse {
  const x = who === 'chong' ? r.chongXacNhanHonNhan : r.voXacNhanHonNhan
  const v = who === 'chong'
    ? { hoTen: r.chongHoTen, ngaySinh: r.chongNgaySinh, danToc: r.chongDanToc, quocTich: r.chongQuocTich, soDinhDanh: r.chongSoDinhDanh, noiCuTru: r.chongNoiCuTru }
    : { hoTen: r.voHoTen, ngaySinh: r.voNgaySinh, danToc: r.voDanToc, quocTich: r.voQuocTich, soDinhDanh: r.voSoDinhDanh, noiCuTru: r.voNoiCuTru }
  return {
    fullName: v.hoTen,
    dateOfBirth: nativeDate(v.ngaySinh, `ketHon.${who}NgaySinh`),
    ...(v.danToc !== undefined && { ethnicity: v.danToc }),
    ...(v.quocTich !== undefined && { nationality: v.quocTich }),
    citizenId: v.soDinhDanh,
    residence: addressToCanonical(v.noiCuTru),
    ...(x !== undefined && {
      maritalStatusConfirmation: {
        number: x.soXacNhan,
        ...(x.ngayCap !== undefined && { issuedOn: nativeDate(x.ngayCap, `ketHon.${who}XacNhanHonNhan.ngayCap`) }),
        issuedBy: x.coQuanCap
      }
    })
  }
}

function marriageData (n: JusticeSubmission): MarriageRegistrationData {
  const r = need(n.ketHon, 'ketHon', 'LTKH')
  if (r.chongSoDinhDanh === r.voSoDinhDanh) throw new AdapterMappingError('ketHon.chongSoDinhDanh and ketHon.voSoDinhDanh are the same person')
  if (n.nycLoaiGiayTo !== '4' || (n.nycSoGiayTo !== r.chongSoDinhDanh && n.nycSoGiayTo !== r.voSoDinhDanh)) {
    throw new AdapterMappingError('the couple apply together: nycSoGiayTo must be the CCCD of the husband (ketHon.chongSoDinhDanh) or of the wife (ketHon.voSoDinhDanh)')
  }
  return { husband: spouseToCanonical(r, 'chong'), wife: spouseToCanonical(r, 'vo') }
}

function criminalRecordData (n: JusticeSubmission): CriminalRecordCertificateData {
  const r = need(n.lyLichTuPhap, 'lyLichTuPhap', 'LLTP')
  const p = r.nguoiDuocCapPhieu
  const type = certificateTypes.toCanonical(r.loaiPhieu)
  const by = requestedBy.toCanonical(r.tuCachNguoiYeuCau)
  checkCriminalRecordRequest(type, by, r.yeuCauXacNhanCamDamNhiemChucVu,
    { type: 'lyLichTuPhap.loaiPhieu', by: 'lyLichTuPhap.tuCachNguoiYeuCau', bans: 'lyLichTuPhap.yeuCauXacNhanCamDamNhiemChucVu' })
  if (by === 'self' && (n.nycLoaiGiayTo !== '4' || n.nycSoGiayTo !== p.soDinhDanh)) {
    throw new AdapterMappingError('tuCachNguoiYeuCau "1" (self), but nycSoGiayTo is not the CCCD of lyLichTuPhap.nguoiDuocCapPhieu.soDinhDanh')
  }
  return {
    certificateType: type,
    purpose: r.mucDich,
    copies: r.soLuong,
    ...(r.yeuCauXacNhanCamDamNhiemChucVu !== undefined && { includePositionBans: r.yeuCauXacNhanCamDamNhiemChucVu }),
    subject: {
      fullName: p.hoTen,
      sex: sexes.toCanonical(p.gioiTinh, 'lyLichTuPhap.nguoiDuocCapPhieu.gioiTinh'),
      dateOfBirth: nativeDate(p.ngaySinh, 'lyLichTuPhap.nguoiDuocCapPhieu.ngaySinh'),
      placeOfBirth: p.noiSinh,
      citizenId: p.soDinhDanh,
      ...(p.danToc !== undefined && { ethnicity: p.danToc }),
      ...(p.quocTich !== undefined && { nationality: p.quocTich }),
      ...(p.noiCuTru !== undefined && { residence: addressToCanonical(p.noiCuTru) })
    },
    ...(r.hoTenCha !== undefined && { fatherName: r.hoTenCha }),
    ...(r.hoTenMe !== undefined && { motherName: r.hoTenMe }),
    ...(r.hoTenVoChong !== undefined && { spouseName: r.hoTenVoChong }),
    residenceHistory: r.quaTrinhCuTru.map((q, i) => {
      checkPeriod(q.tuNam, q.denNam, `lyLichTuPhap.quaTrinhCuTru[${i}]`)
      return {
        from: fromCompactMonth(q.tuNam),
        ...(q.denNam !== undefined && { to: fromCompactMonth(q.denNam) }),
        occupation: q.ngheNghiep,
        residence: q.noiCuTru,
        ...(q.noiLamViec !== undefined && { workplace: q.noiLamViec })
      }
    }),
    requestedFrom: requestedFrom.toCanonical(r.noiYeuCau),
    requestedBy: by
  }
}

/** A module's data, and the level it is handled at: civil status at the commune, criminal records at the province. */
const inboundModules: Readonly<Record<Module, { record: keyof NativeRecord, data: (n: JusticeSubmission) => CanonicalData, level: DossierSubmission['procedure']['level'] }>> = {
  KS: { record: 'khaiSinh', data: birthData, level: 'commune' },
  KT: { record: 'khaiTu', data: deathData, level: 'commune' },
  LTKH: { record: 'ketHon', data: marriageData, level: 'commune' },
  LLTP: { record: 'lyLichTuPhap', data: criminalRecordData, level: 'province' }
}

/** The native loaiHoSo codes: the software's modules. */
export const MODULES: readonly Module[] = Object.keys(inboundModules) as Module[]

function inbound (native: JusticeSubmission, context: { agencyId: string }): DossierSubmission {
  const kind = Object.hasOwn(inboundModules, native.loaiHoSo) ? inboundModules[native.loaiHoSo] : undefined
  if (kind === undefined) throw new AdapterMappingError(`unknown loaiHoSo "${String(native.loaiHoSo)}"`)
  need(native[kind.record], kind.record, native.loaiHoSo)
  const others = (['khaiSinh', 'khaiTu', 'ketHon', 'lyLichTuPhap'] as const).filter((k) => k !== kind.record && native[k] !== undefined)
  if (others.length > 0) throw new AdapterMappingError(`loaiHoSo ${native.loaiHoSo} carries a record of another module: ${others.join(', ')}`)
  const applicant = applicantToCanonical(native)
  const data = kind.data(native)
  const method = returnMethods.toCanonical(native.hinhThucNhanKetQua)
  let resultReturn: DossierSubmission['resultReturn'] = { method }
  if (method === 'postal') {
    const t = native.thongTinNhanKetQua
    if (t === undefined) throw new AdapterMappingError('hinhThucNhanKetQua "2" (bưu chính) needs thongTinNhanKetQua')
    resultReturn = { method, delivery: { recipientName: t.hoTenNguoiNhan, phone: t.soDienThoai, address: addressToCanonical(t.diaChi) } }
  }
  return {
    source: { system: context.agencyId, reference: native.soBienNhan },
    procedure: {
      code: native.maTTHC,
      name: native.tenTTHC,
      ...(native.maLinhVuc !== undefined && { field: { code: native.maLinhVuc, ...(native.tenLinhVuc !== undefined && { name: native.tenLinhVuc }) } }),
      level: kind.level,
      receivingAgency: { code: native.maDonViTiepNhan, ...(native.tenDonViTiepNhan !== undefined && { name: native.tenDonViTiepNhan }) }
    },
    ...(native.trichYeu !== undefined && { summary: native.trichYeu }),
    applicant,
    data: data as unknown as DossierSubmission['data'],
    attachments: (native.giayToDinhKem ?? []).map((a, i) => attachmentToCanonical(a, `giayToDinhKem[${i}]`)),
    channel: channels.toCanonical(native.kenhNop),
    resultReturn,
    ...(native.lePhi !== undefined && native.lePhi.length > 0 && { fees: native.lePhi.map((f, i) => feeToCanonical(f, `lePhi[${i}]`)) }),
    submittedAt: nativeDateTime(native.ngayNop, 'ngayNop'),
    // the desk's (or the portal's) own code and receipt time, when it issued them: checked as a portal's are
    ...(native.maHoSo !== undefined && { code: native.maHoSo }),
    ...(native.ngayTiepNhan !== undefined && { receivedAt: nativeDateTime(native.ngayTiepNhan, 'ngayTiepNhan') })
  }
}

// ── status ─────────────────────────────────────────────────────────────────────────────────────

/** noiDung, plus the identifiers the software reports with a result (personal ID, entry number). */
function noteOf (n: JusticeStatus, extra?: string): string | undefined {
  const parts = [
    n.noiDung,
    extra,
    n.soDinhDanh !== undefined ? `Số định danh cá nhân: ${n.soDinhDanh}` : undefined,
    n.soDangKy !== undefined ? `Số đăng ký: ${n.soDangKy}${n.quyenSo !== undefined ? `, quyển số ${n.quyenSo}` : ''}` : undefined
  ].filter((p): p is string => p !== undefined && p.trim() !== '')
  return parts.length > 0 ? parts.join('. ') : undefined
}

/** What a status code needs besides itself: the missing papers ("2"), the documents ("4", "5"), the reason ("6"). */
function outcomeOf (n: JusticeStatus): { fields: Pick<StatusReport, 'missing' | 'results' | 'reason'>, extraNote?: string } {
  switch (n.trangThai) {
    case '2': {
      const papers = n.giayToBoSung
      if (papers !== undefined && papers.length > 0) {
        const missing = papers.map((p) => ({
          name: p.tenGiayTo,
          ...(p.maThanhPhan !== undefined && { componentCode: p.maThanhPhan }),
          ...(p.ghiChu !== undefined && { note: p.ghiChu })
        }))
        return { fields: { missing }, ...(n.noiDungBoSung !== undefined && { extraNote: n.noiDungBoSung }) }
      }
      if (n.noiDungBoSung !== undefined && n.noiDungBoSung.trim() !== '') return { fields: { missing: [{ name: n.noiDungBoSung }] } }
      throw new AdapterMappingError('trangThai "2" (cần bổ sung) needs giayToBoSung (the papers to supply) or noiDungBoSung')
    }
    case '4':
    case '5': {
      if (n.trangThai === '4' && (n.ketQua === undefined || n.ketQua.length === 0)) {
        throw new AdapterMappingError('trangThai "4" (có kết quả) needs ketQua (the documents issued)')
      }
      if (n.ketQua === undefined) return { fields: {} }
      const results = n.ketQua.map((d) => ({
        name: d.tenGiayTo,
        componentCode: d.maThanhPhan,
        url: d.duongDan,
        sha256: d.maBam.toLowerCase(),
        ...(d.kieuTep !== undefined && { mediaType: d.kieuTep }),
        ...(d.kichThuoc !== undefined && { byteSize: d.kichThuoc }),
        ...(d.soBanChinh !== undefined && { originalCopies: d.soBanChinh }),
        ...(d.soBanSao !== undefined && { certifiedCopies: d.soBanSao }),
        // the personal number given to the child at birth registration: the documents are the child's
        // (once-only: registered under this holder in the hub's document store)
        ...(n.soDinhDanh !== undefined && { holder: n.soDinhDanh })
      }))
      return { fields: { results } }
    }
    case '6':
      if (n.lyDo === undefined || n.lyDo.trim() === '') throw new AdapterMappingError('trangThai "6" (từ chối) needs lyDo (the reason)')
      return { fields: { reason: n.lyDo } }
    default:
      return { fields: {} }
  }
}

function status (native: JusticeStatus): MappedStatus {
  const step = Object.hasOwn(STEP_STATUS, native.trangThai) ? STEP_STATUS[native.trangThai] : undefined
  if (step === undefined) throw new AdapterMappingError(`unknown trangThai "${String(native.trangThai)}"`)
  const occurredAt = nativeDateTime(native.thoiDiemXuLy, 'thoiDiemXuLy')
  const { fields, extraNote } = outcomeOf(native)
  const note = noteOf(native, extraNote)
  const report: StatusReport = {
    status: step,
    occurredAt,
    ...(note !== undefined && { note }),
    ...(native.nguoiXuLy !== undefined && {
      officer: {
        name: native.nguoiXuLy,
        ...(native.chucDanh !== undefined && { title: native.chucDanh }),
        ...(native.donViXuLy !== undefined && { department: native.donViXuLy })
      }
    }),
    ...(native.soBienNhan !== undefined && { agencyReference: native.soBienNhan }),
    ...(native.ngayHenTraMoi !== undefined && { dueAt: nativeDateTime(native.ngayHenTraMoi, 'ngayHenTraMoi') }),
    ...fields
  }
  return { report, dossierCode: native.maHoSo, ...(native.maBuoc !== undefined && { step: native.maBuoc }) }
}

const receipt = (response: AgencyResponse): string | undefined => receiptField(response, 'soBienNhan')

// ── withdrawal ─────────────────────────────────────────────────────────────────────────────────

/** Tell the software the applicant withdrew the dossier: stop the step it holds (maBuoc) in the module's register. */
function withdrawal (notice: WithdrawalNotice, context: OutboundContext): { method: 'POST', path: string, body: JusticeWithdrawal } {
  const kind = kindOf(modules, context.dataSchema, 'the justice software', `: it cannot hold dossier ${notice.dossierCode}`)
  const reference = noticeReference(notice.agencyReference)
  const body: JusticeWithdrawal = {
    maHoSo: notice.dossierCode,
    ...(reference !== undefined && { soBienNhan: reference }),
    maBuoc: notice.step,
    loaiHoSo: kind.module,
    lyDoRut: withdrawalReason(notice.reason, 2000),
    thoiDiemRut: withdrawalTime(notice.withdrawnAt)
  }
  return { method: 'POST', path: WITHDRAWAL_PATH, body }
}

// ── supplement ─────────────────────────────────────────────────────────────────────────────────

/** Carry the papers the step (maBuoc) asked for (trangThai "2") to the software: it resumes the step in the module's register. */
function supplement (notice: SupplementNotice, context: OutboundContext): { method: 'POST', path: string, body: JusticeSupplement } {
  const kind = kindOf(modules, context.dataSchema, 'the justice software', `: it cannot hold dossier ${notice.dossierCode}`)
  const reference = noticeReference(notice.agencyReference)
  const note = supplementNote(notice.note, 2000)
  const body: JusticeSupplement = {
    maHoSo: notice.dossierCode,
    ...(reference !== undefined && { soBienNhan: reference }),
    maBuoc: notice.step,
    loaiHoSo: kind.module,
    lanBoSung: supplementSequence(notice.sequence),
    giayToNopBoSung: supplementPapers(notice, attachmentToNative),
    ...(note !== undefined && { ghiChu: note }),
    thoiDiemBoSung: supplementTime(notice.submittedAt)
  }
  return { method: 'POST', path: SUPPLEMENT_PATH, body }
}

// ── payment ────────────────────────────────────────────────────────────────────────────────────

/** Tell the software the applicant paid online the fees the step (maBuoc) asked for: it books them in the module's register and resumes the step. */
function payment (notice: PaymentNotice, context: OutboundContext): { method: 'POST', path: string, body: JusticePayment } {
  const kind = kindOf(modules, context.dataSchema, 'the justice software', `: it cannot hold dossier ${notice.dossierCode}`)
  const f = paymentFields(notice, (l) => ({ ...(l.code !== undefined && { maPhiLePhi: l.code }), tenPhiLePhi: l.name, soTien: l.amount }))
  const body: JusticePayment = {
    maHoSo: notice.dossierCode,
    ...(f.agencyReference !== undefined && { soBienNhan: f.agencyReference }),
    maBuoc: notice.step,
    loaiHoSo: kind.module,
    ...(f.noticeReference !== undefined && { soThongBao: f.noticeReference }),
    maThanhToan: notice.reference,
    tongTien: f.amount,
    lePhi: f.lines,
    kenhThanhToan: notice.provider,
    ...(f.transactionNo !== undefined && { maGiaoDich: f.transactionNo }),
    ...(f.receiptNumber !== undefined && { soBienLaiDienTu: f.receiptNumber }),
    thoiDiemThanhToan: paymentTime(notice.paidAt)
  }
  return { method: 'POST', path: PAYMENT_PATH, body }
}

export const justiceAdapter: AgencyAdapter<JusticeSubmission, JusticeRequest, JusticeStatus> = {
  name: 'justice',
  description: 'Department of Justice software: civil status (đăng ký khai sinh, khai tử, kết hôn) and criminal record certificates (cấp Phiếu lý lịch tư pháp).',
  nativeSchemas: { submission: submissionSchema, request: requestSchema, status: statusSchema, withdrawal: withdrawalSchema, supplement: supplementSchema, payment: paymentSchema },
  submissionPointers: { '/code': '/maHoSo', '/receivedAt': '/ngayTiepNhan' },
  inbound,
  outbound,
  status,
  receipt,
  withdrawal,
  supplement,
  payment
}

export default justiceAdapter
