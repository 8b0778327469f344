/**
 * The justice adapter (phần mềm hộ tịch, lý lịch tư pháp): four procedures, one native format with
 * a module record per loaiHoSo (KS, KT, LTKH, LLTP), digit-string codes and status reports.
 * Golden files pin the native formats byte for byte: adapters/justice/golden/justice-*.json.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../../src/paths.ts'
import { createStrictAjv } from '../../../src/validation/ajv.ts'
import { createNativeValidators } from '../../../src/validation/native.ts'
import { loadHubConfig } from '../../../src/config/hub-config.ts'
import { birthYearFromCitizenId } from '../../../src/domain/citizen-id.ts'
import { adapters } from '../../../adapters/index.ts'
import { AdapterMappingError, type DeliverableDossier, type DossierSubmission, type OutboundContext, type StepContext } from '../../../adapters/contract.ts'
import { justiceAdapter, STEP_STATUS } from '../../../adapters/justice/index.ts'
import type { JusticeRequest, JusticeStatus, JusticeSubmission } from '../../../adapters/justice/native.generated.ts'
import type {
  BirthRegistrationData,
  CriminalRecordCertificateData,
  DeathRegistrationData,
  MarriageRegistrationData
} from '../../../src/types/schemas.generated.ts'
import { expectGolden, goldenPath } from '../../golden-files.ts'

const CODE = '000.31.35.H56-261124-0012'
const RECEIVED_AT = '2026-11-24T10:15:03.120+07:00'
const BIRTH = 'birth-registration'
const DEATH = 'death-registration'
const MARRIAGE = 'marriage-registration'
const CRIMINAL = 'criminal-record-certificate'
const SERVED = [BIRTH, DEATH, MARRIAGE, CRIMINAL] as const
type Served = typeof SERVED[number]

/** The steps as config/hub.json routes each procedure to the justice office. */
const STEPS: Record<Served, StepContext> = {
  [BIRTH]: { id: 'civil-status', stage: 0, task: 'Đăng ký khai sinh, cấp số định danh cá nhân', lead: true },
  [DEATH]: { id: 'civil-status', stage: 0, task: 'Đăng ký khai tử', lead: true },
  [MARRIAGE]: { id: 'justice', stage: 0, lead: true },
  // criminal record certificates: the police's step since 2025 (issue 14), in the LLTP module of this format
  [CRIMINAL]: { id: 'police-records', stage: 0, lead: true }
}
/** The agency each kind of dossier is routed to (the shipped config). */
const AGENCY: Record<Served, string> = { [BIRTH]: 'justice', [DEATH]: 'justice', [MARRIAGE]: 'justice', [CRIMINAL]: 'police-records' }
const MODULE: Record<Served, JusticeRequest['loaiHoSo']> = { [BIRTH]: 'KS', [DEATH]: 'KT', [MARRIAGE]: 'LTKH', [CRIMINAL]: 'LLTP' }
const RECORD: Record<Served, 'khaiSinh' | 'khaiTu' | 'ketHon' | 'lyLichTuPhap'> = { [BIRTH]: 'khaiSinh', [DEATH]: 'khaiTu', [MARRIAGE]: 'ketHon', [CRIMINAL]: 'lyLichTuPhap' }

const readJson = <T>(...path: string[]): T => JSON.parse(readFileSync(fromRoot(...path), 'utf8')) as T
const goldenText = (name: string): string => readFileSync(goldenPath(name), 'utf8')
const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

const example = (ds: Served): DossierSubmission => readJson<DossierSubmission>('schemas', 'examples', `${ds}.json`)
/** The example as the hub delivers it: with the hub-assigned fields, without routing. */
const deliverable = (ds: Served): DeliverableDossier => ({ ...example(ds), code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT })
const contextFor = (ds: Served, step: StepContext = STEPS[ds]): OutboundContext => ({ agencyId: AGENCY[ds], idempotencyKey: `${CODE}/${step.id}`, dataSchema: ds, step })
const nativeSubmission = (ds: Served): JusticeSubmission => readJson<JusticeSubmission>('adapters', 'justice', 'golden', `justice-submission-${ds}.json`)
const statusExamples = (): JusticeStatus[] => readJson<JusticeStatus[]>('adapters', 'justice', 'golden', 'justice-status-examples.json')

const birthData = (d: DeliverableDossier): BirthRegistrationData => d.data as unknown as BirthRegistrationData
const deathData = (d: DeliverableDossier): DeathRegistrationData => d.data as unknown as DeathRegistrationData
const marriageData = (d: DeliverableDossier): MarriageRegistrationData => d.data as unknown as MarriageRegistrationData
const criminalData = (d: DeliverableDossier): CriminalRecordCertificateData => d.data as unknown as CriminalRecordCertificateData

const native = createNativeValidators(adapters).get('justice')
if (native?.submission === undefined || native.status === undefined) throw new Error('the justice adapter has no submission/status validators')
const { request: validateRequest, submission: validateSubmission, status: validateStatus } = native

const ajv = createStrictAjv()
function schema (id: string): ValidateFunction {
  const v = ajv.getSchema(id)
  if (v === undefined) throw new Error(`schema ${id} is missing`)
  return v
}
function errorsOf (validate: ValidateFunction, value: unknown): string {
  return validate(value) ? '' : JSON.stringify(validate.errors)
}

/** The century/sex digit a citizen ID must carry for this sex and date of birth. */
function expectedSexDigit (sex: 'male' | 'female', dateOfBirth: string): string {
  const century = Math.floor(Number(dateOfBirth.slice(0, 4)) / 100) - 19
  return String(century * 2 + (sex === 'female' ? 1 : 0))
}

t.test('the registry and the shipped config: the agencies speaking this format (justice; the police for criminal records) get exactly the four procedures the adapter serves', async (t) => {
  t.equal(adapters.get('justice'), justiceAdapter as unknown, 'registered under its name')
  const settings = loadHubConfig(fromRoot('config', 'hub.json'))
  const served = [...settings.procedures.values()]
    .filter((p) => p.steps.some((s) => settings.agencies.get(s.agency)?.adapter === 'justice'))
    .map((p) => p.dataSchema).sort()
  t.same(served, [...SERVED].sort(), 'every procedure routed to an agency of this format has one of the four data schemas')
  t.same(settings.procedures.get(example(CRIMINAL).procedure.code)?.steps.map((s) => s.agency), ['police-records'], 'criminal record certificates go to the police, not the justice department')
  for (const ds of SERVED) {
    const route = settings.procedures.get(example(ds).procedure.code)
    const step = route?.steps.find((s) => s.agency === AGENCY[ds])
    t.equal(route?.dataSchema, ds, `${ds}: the example's procedure code is routed with this data schema`)
    t.strictSame(step === undefined ? undefined : { id: step.id, stage: step.stage, ...(step.task !== undefined && { task: step.task }), lead: step.lead }, STEPS[ds], `${ds}: the test's step context is the routed step`)
  }
})

t.test('the examples: valid canonical dossiers, citizen IDs that fit the people', async (t) => {
  for (const ds of SERVED) {
    const d = deliverable(ds)
    t.equal(errorsOf(schema('dossier'), d), '', `${ds}: valid dossier`)
    t.equal(errorsOf(schema(ds), d.data), '', `${ds}: data valid against its procedure schema`)
  }
  const people: Array<[string, string, 'male' | 'female', string]> = []
  const death = deliverable(DEATH)
  const { deceased } = deathData(death)
  people.push(['death: applicant (son)', death.applicant.identity.number, 'male', death.applicant.dateOfBirth ?? ''])
  people.push(['death: deceased', deceased.citizenId ?? '', deceased.sex, deceased.dateOfBirth])
  const marriage = deliverable(MARRIAGE)
  const { husband, wife } = marriageData(marriage)
  people.push(['marriage: husband', husband.citizenId, 'male', husband.dateOfBirth], ['marriage: wife', wife.citizenId, 'female', wife.dateOfBirth])
  const { subject } = criminalData(deliverable(CRIMINAL))
  people.push(['criminal record: subject', subject.citizenId, subject.sex, subject.dateOfBirth])
  for (const [who, id, sex, dob] of people) {
    t.equal(id.slice(0, 3), '038', `${who}: born in Thanh Hóa`)
    t.equal(id[3], expectedSexDigit(sex, dob), `${who}: century/sex digit fits ${sex}, born ${dob}`)
    t.equal(birthYearFromCitizenId(id), Number(dob.slice(0, 4)), `${who}: year digits fit the date of birth`)
  }
  t.equal(wife.citizenId, marriage.applicant.identity.number, 'the wife applies')
  t.equal(subject.citizenId, deliverable(CRIMINAL).applicant.identity.number, 'the subject applies herself/himself')

  const bad = criminalData(deliverable(CRIMINAL))
  bad.certificateType = 2
  t.not(errorsOf(schema(CRIMINAL), bad), '', 'Phiếu số 2 with includePositionBans true is rejected by the data schema')
  bad.includePositionBans = false
  t.equal(errorsOf(schema(CRIMINAL), bad), '', 'Phiếu số 2 with includePositionBans false is fine')
  bad.requestedBy = 'authorised'
  t.not(errorsOf(schema(CRIMINAL), bad), '', 'Phiếu số 2 by an authorised person is rejected by the data schema')
})

t.test('outbound: the golden request of each procedure', async (t) => {
  for (const ds of SERVED) {
    const dossier = deliverable(ds)
    const req = justiceAdapter.outbound(dossier, contextFor(ds))
    t.equal(req.method, 'POST', `${ds}: POST`)
    t.equal(req.path, undefined, `${ds}: the configured endpoint as it is`)
    t.equal(errorsOf(validateRequest, req.body), '', `${ds}: passes the native request validator`)
    const golden = goldenText(`justice-request-${ds}.json`)
    expectGolden(t, `justice-request-${ds}.json`, pretty(req.body), `${ds}: byte for byte, key order included`)
    t.equal(errorsOf(validateRequest, JSON.parse(golden)), '', `${ds}: the golden file is a valid native request`)
    t.strictSame(dossier, deliverable(ds), `${ds}: the dossier itself is not modified`)
    const body = req.body
    t.equal(body.loaiHoSo, MODULE[ds], `${ds} → loaiHoSo ${MODULE[ds]}`)
    t.same(['khaiSinh', 'khaiTu', 'ketHon', 'lyLichTuPhap'].filter((k) => k in body), [RECORD[ds]], `${ds}: only the ${RECORD[ds]} record`)
    t.equal(body.maHoSo, CODE, 'maHoSo = the hub\'s dossier code')
    t.equal(body.ngayTiepNhan, '20261124101503', 'receivedAt as yyyyMMddHHmmss, Vietnam time')
    t.equal(body.maBuoc, STEPS[ds].id, 'maBuoc = the step id')
    t.equal(body.nhiemVu, STEPS[ds].task, 'nhiemVu = the step task, when there is one')
    t.notOk('ngayHenTra' in body, 'no due date yet, none invented')
    t.notOk('ketQuaLienThong' in body, 'no earlier results')
  }
})

t.test('outbound: the fields of each module, mapped one by one', async (t) => {
  const birth = justiceAdapter.outbound(deliverable(BIRTH), contextFor(BIRTH)).body
  t.equal(birth.kenhNop, '2', 'online → "2"')
  t.equal(birth.hinhThucNhanKetQua, '2', 'postal return → "2"')
  t.strictSame(birth.thongTinNhanKetQua, { hoTenNguoiNhan: 'Nguyễn Thị Hoa', soDienThoai: '0912345678', diaChi: { maTinh: '38', maXa: '14755', dcChiTiet: 'Số 12, đường Lê Hoàn' } }, 'postal delivery → thongTinNhanKetQua')
  t.equal(birth.nycLoaiGiayTo, '4', 'citizen-id → "4" (CCCD)')
  t.equal(birth.khaiSinh?.nksGioiTinh, '1', 'male → "1"')
  t.equal(birth.khaiSinh?.nycQuanHe, '1', 'mother → nycQuanHe "1"')
  t.equal(birth.khaiSinh?.gcsSo, 'GCS-2026-008812', 'birth certificate number → gcsSo')
  t.notOk(birth.khaiSinh !== undefined && 'meNoiCuTru' in birth.khaiSinh, 'no residence for the mother in the example, none invented')
  t.equal(birth.giayToDinhKem[1]?.noiDungBase64, deliverable(BIRTH).attachments?.[1]?.contentBase64, 'inline attachment → noiDungBase64')
  t.notOk('duongDan' in (birth.giayToDinhKem[1] ?? {}), 'and no duongDan')

  const death = justiceAdapter.outbound(deliverable(DEATH), contextFor(DEATH)).body
  t.strictSame(death.khaiTu, {
    nktHoTen: 'Lê Văn Thịnh',
    nktGioiTinh: '1',
    nktNgaySinh: '19410315',
    nktSoDinhDanh: '038041002567',
    nktDanToc: 'Kinh',
    nktQuocTich: 'VN',
    nktNoiCuTru: { maTinh: '38', maXa: '14755', dcChiTiet: 'Số 45, phố Đào Duy Từ' },
    nktNgayChet: '20261118',
    nktGioPhutChet: '0430',
    nktNoiChet: 'Bệnh viện Đa khoa tỉnh Thanh Hóa',
    nktNguyenNhan: 'Suy tim',
    gbtLoai: '1',
    gbtSo: '125/GBT',
    gbtNgay: '20261118',
    gbtCoQuanCap: 'Bệnh viện Đa khoa tỉnh Thanh Hóa',
    nycQuanHe: '2'
  }, 'the death record')
  t.equal(death.kenhNop, '1', 'counter → "1"')
  t.equal(death.hinhThucNhanKetQua, '1', 'counter return → "1"')
  t.notOk('thongTinNhanKetQua' in death, 'no delivery block for a counter return')
  t.notOk('lePhi' in death, 'no fees (khai tử is free), none invented')

  const marriage = justiceAdapter.outbound(deliverable(MARRIAGE), contextFor(MARRIAGE)).body
  t.strictSame(marriage.ketHon?.chongXacNhanHonNhan, { soXacNhan: '86/XNTTHN', ngayCap: '20261105', coQuanCap: 'UBND xã Hoằng Lộc' }, 'the husband\'s marital status confirmation')
  t.notOk(marriage.ketHon !== undefined && 'voXacNhanHonNhan' in marriage.ketHon, 'none for the wife, who lives in the registering ward')
  t.equal(marriage.ketHon?.chongNoiCuTru.dcDayDu, 'Thôn Đông, xã Hoằng Lộc, tỉnh Thanh Hóa', 'fullText → dcDayDu')
  t.equal(marriage.nycSoGiayTo, marriage.ketHon?.voSoDinhDanh, 'the applicant is the wife')
  t.notOk('nhiemVu' in marriage, 'no task in the routing table, none invented')

  const criminal = justiceAdapter.outbound(deliverable(CRIMINAL), contextFor(CRIMINAL)).body
  const r = criminal.lyLichTuPhap
  t.equal(r?.loaiPhieu, '1', 'certificateType 1 → "1"')
  t.equal(r?.soLuong, 2)
  t.equal(r?.yeuCauXacNhanCamDamNhiemChucVu, true, 'includePositionBans → yeuCauXacNhanCamDamNhiemChucVu')
  t.equal(r?.noiYeuCau, '1', 'justice-department → "1"')
  t.equal(r?.tuCachNguoiYeuCau, '1', 'self → "1"')
  t.strictSame(r?.quaTrinhCuTru.map((q) => [q.tuNam, q.denNam]), [['201704', '202108'], ['202109', '202506'], ['202507', undefined]], 'YYYY-MM → yyyyMM; the current period has no denNam')
  t.notOk(r !== undefined && 'hoTenVoChong' in r, 'no spouse, none invented')
  t.strictSame(criminal.lePhi, [{ maPhiLePhi: 'PHI-LLTP', tenPhiLePhi: 'Phí cung cấp thông tin lý lịch tư pháp', soTien: 200000, hinhThucThu: '2', daNop: true }], 'fees → lePhi')
})

t.test('outbound: variants and optional fields', async (t) => {
  const birth = deliverable(BIRTH)
  const data = birthData(birth)
  delete data.father
  data.declarantRelationship = 'grandparent'
  data.child.sex = 'female'
  data.mother.residence = { provinceCode: '38', districtCode: '380', wardCode: '14755', line: 'Số 12' }
  birth.applicant.identity = { type: 'legacy-id', number: '172345678' }
  delete birth.applicant.address
  birth.channel = 'postal'
  birth.resultReturn = { method: 'online' }
  birth.dueAt = '2026-11-25T17:00:00.000+07:00'
  birth.fees = []
  birth.attachments = undefined
  birth.results = [{ name: 'Tờ khai', componentCode: 'KQ-1', url: 'https://example.vn/a.pdf', sha256: 'a'.repeat(64), byteSize: 48213, originalCopies: 1, step: 'intake', agency: 'dvc' }]
  t.equal(errorsOf(schema('dossier'), birth), '', 'the variant is a valid dossier')
  const body = justiceAdapter.outbound(birth, contextFor(BIRTH, { id: 'civil-status', stage: 1, lead: false })).body
  t.equal(errorsOf(validateRequest, body), '', 'valid native request')
  t.equal(body.nycLoaiGiayTo, '1', 'legacy-id → "1" (CMND)')
  t.equal(body.nycSoGiayTo, '172345678')
  t.notOk('nycNoiCuTru' in body, 'no address, none invented')
  t.equal(body.kenhNop, '3', 'postal channel → "3"')
  t.equal(body.hinhThucNhanKetQua, '3', 'online return → "3"')
  t.equal(body.ngayHenTra, '20261125170000', 'dueAt → ngayHenTra')
  t.notOk('lePhi' in body, 'an empty fee list is not sent')
  t.strictSame(body.giayToDinhKem, [], 'no attachments: an empty list (the field is required)')
  t.strictSame(body.ketQuaLienThong, [{ tenGiayTo: 'Tờ khai', maThanhPhan: 'KQ-1', duongDan: 'https://example.vn/a.pdf', maBam: 'a'.repeat(64), kichThuoc: 48213, soBanChinh: 1, maBuoc: 'intake', coQuanBanHanh: 'dvc' }], 'earlier results → ketQuaLienThong, with their size')
  t.equal(body.giaiDoan, 1)
  t.equal(body.laCoQuanChuTri, false)
  t.notOk('nhiemVu' in body, 'no task')
  t.equal(body.khaiSinh?.nksGioiTinh, '2', 'female → "2"')
  t.equal(body.khaiSinh?.nycQuanHe, '3', 'grandparent → "3"')
  t.strictSame(body.khaiSinh?.meNoiCuTru, { maTinh: '38', maHuyen: '380', maXa: '14755', dcChiTiet: 'Số 12' }, 'district code kept for older records')
  t.notOk(Object.keys(body.khaiSinh ?? {}).some((k) => k.startsWith('cha')), 'no father: no cha* field')

  const relations: Array<[BirthRegistrationData['declarantRelationship'], string]> = [['mother', '1'], ['father', '2'], ['grandparent', '3'], ['relative', '4'], ['other', '5']]
  for (const [rel, code] of relations) {
    const d = deliverable(BIRTH)
    birthData(d).declarantRelationship = rel
    t.equal(justiceAdapter.outbound(d, contextFor(BIRTH)).body.khaiSinh?.nycQuanHe, code, `birth: ${rel} → ${code}`)
  }
  const deathRelations: Array<[DeathRegistrationData['declarantRelationship'], string]> = [['spouse', '1'], ['child', '2'], ['parent', '3'], ['relative', '4'], ['other', '5']]
  for (const [rel, code] of deathRelations) {
    const d = deliverable(DEATH)
    deathData(d).declarantRelationship = rel
    t.equal(justiceAdapter.outbound(d, contextFor(DEATH)).body.khaiTu?.nycQuanHe, code, `death: ${rel} → ${code}`)
  }
  const kinds: Array<[DeathRegistrationData['deathNotice']['kind'], string]> = [['death-notice', '1'], ['execution-certificate', '2'], ['court-decision', '3'], ['police-or-forensic', '4']]
  for (const [kind, code] of kinds) {
    const d = deliverable(DEATH)
    deathData(d).deathNotice.kind = kind
    t.equal(justiceAdapter.outbound(d, contextFor(DEATH)).body.khaiTu?.gbtLoai, code, `death notice ${kind} → ${code}`)
  }

  const death = deliverable(DEATH)
  const dd = deathData(death)
  delete dd.timeOfDeath
  delete dd.deathNotice.issuedOn
  delete dd.deceased.citizenId
  const deathBody = justiceAdapter.outbound(death, contextFor(DEATH)).body
  t.equal(errorsOf(validateRequest, deathBody), '', 'death without time, notice date or ID: valid')
  for (const key of ['nktGioPhutChet', 'gbtNgay', 'nktSoDinhDanh'] as const) t.notOk(key in (deathBody.khaiTu ?? {}), `absent ${key} is not sent`)

  const type2 = deliverable(CRIMINAL)
  const cd = criminalData(type2)
  cd.certificateType = 2
  delete cd.includePositionBans
  cd.requestedFrom = 'national-centre'
  cd.spouseName = 'Trần Thị Bích'
  delete cd.fatherName
  t.equal(errorsOf(schema(CRIMINAL), cd), '', 'valid data')
  const type2Body = justiceAdapter.outbound(type2, contextFor(CRIMINAL)).body
  t.equal(errorsOf(validateRequest, type2Body), '', 'valid native request')
  t.equal(type2Body.lyLichTuPhap?.loaiPhieu, '2')
  t.equal(type2Body.lyLichTuPhap?.noiYeuCau, '2', 'national-centre → "2"')
  t.equal(type2Body.lyLichTuPhap?.hoTenVoChong, 'Trần Thị Bích')
  t.notOk('yeuCauXacNhanCamDamNhiemChucVu' in (type2Body.lyLichTuPhap ?? {}), 'absent includePositionBans is not sent')
  t.notOk('hoTenCha' in (type2Body.lyLichTuPhap ?? {}), 'absent father is not sent')

  const guardian = deliverable(CRIMINAL)
  criminalData(guardian).requestedBy = 'guardian'
  guardian.applicant = { ...guardian.applicant, fullName: 'Hoàng Văn Tuấn', identity: { type: 'citizen-id', number: '038075001122' }, dateOfBirth: '1975-06-02' }
  t.equal(justiceAdapter.outbound(guardian, contextFor(CRIMINAL)).body.lyLichTuPhap?.tuCachNguoiYeuCau, '3', 'guardian → "3": the applicant need not be the subject')
  const authorised = deliverable(CRIMINAL)
  criminalData(authorised).requestedBy = 'authorised'
  authorised.applicant = guardian.applicant
  t.equal(justiceAdapter.outbound(authorised, contextFor(CRIMINAL)).body.lyLichTuPhap?.tuCachNguoiYeuCau, '2', 'authorised → "2" for Phiếu số 1')
})

t.test('outbound refuses what the justice software cannot take', async (t) => {
  for (const dataSchema of ['electricity-new-connection', 'land-use-right-transfer', 'birth', '', 'toString', '__proto__', 'constructor']) {
    t.throws(() => justiceAdapter.outbound(deliverable(BIRTH), { ...contextFor(BIRTH), dataSchema }), AdapterMappingError, `dataSchema ${JSON.stringify(dataSchema)} is a mapping error`)
  }
  t.throws(() => justiceAdapter.outbound(deliverable(BIRTH), { ...contextFor(BIRTH), dataSchema: DEATH }), /not a death registration/, 'birth data announced as a death registration')
  t.throws(() => justiceAdapter.outbound(deliverable(DEATH), { ...contextFor(DEATH), dataSchema: MARRIAGE }), /not a marriage registration/, 'death data announced as a marriage')
  t.throws(() => justiceAdapter.outbound(deliverable(MARRIAGE), { ...contextFor(MARRIAGE), dataSchema: CRIMINAL }), /not a criminal record/, 'marriage data announced as a criminal record request')
  t.throws(() => justiceAdapter.outbound(deliverable(CRIMINAL), { ...contextFor(CRIMINAL), dataSchema: BIRTH }), /not a birth registration/, 'criminal record data announced as a birth')

  const organisation = deliverable(DEATH)
  organisation.applicant = { kind: 'organisation', fullName: 'Bệnh viện Đa khoa tỉnh Thanh Hóa', identity: { type: 'tax-code', number: '2800123456' } }
  t.equal(errorsOf(schema('dossier'), organisation), '', 'a valid canonical dossier…')
  t.throws(() => justiceAdapter.outbound(organisation, contextFor(DEATH)), /applicant/, '…but the applicant (nyc*) must be a person with CCCD or CMND')

  const stranger = deliverable(MARRIAGE)
  stranger.applicant.identity = { type: 'citizen-id', number: '038075001122' }
  t.throws(() => justiceAdapter.outbound(stranger, contextFor(MARRIAGE)), /husband or the wife/, 'marriage: the applicant is neither spouse')
  const legacy = deliverable(MARRIAGE)
  legacy.applicant.identity = { type: 'legacy-id', number: '172345678' }
  t.throws(() => justiceAdapter.outbound(legacy, contextFor(MARRIAGE)), AdapterMappingError, 'marriage: a CMND cannot show the applicant is a spouse')
  const same = deliverable(MARRIAGE)
  marriageData(same).husband.citizenId = marriageData(same).wife.citizenId
  t.throws(() => justiceAdapter.outbound(same, contextFor(MARRIAGE)), /same person/, 'marriage: husband and wife with one citizen ID')

  const notSelf = deliverable(CRIMINAL)
  notSelf.applicant.identity = { type: 'citizen-id', number: '038075001122' }
  t.throws(() => justiceAdapter.outbound(notSelf, contextFor(CRIMINAL)), /requestedBy is self/, 'criminal record: self, but someone else applies')
  const type2Bans = deliverable(CRIMINAL)
  criminalData(type2Bans).certificateType = 2
  t.throws(() => justiceAdapter.outbound(type2Bans, contextFor(CRIMINAL)), /includePositionBans/, 'Phiếu số 2 with a request for bans')
  const type2Authorised = deliverable(CRIMINAL)
  Object.assign(criminalData(type2Authorised), { certificateType: 2, includePositionBans: false, requestedBy: 'authorised' })
  t.throws(() => justiceAdapter.outbound(type2Authorised, contextFor(CRIMINAL)), /authorised/, 'Phiếu số 2 by an authorised person')
  const backwards = deliverable(CRIMINAL)
  const first = criminalData(backwards).residenceHistory[0]
  if (first !== undefined) first.to = '2016-12'
  t.throws(() => justiceAdapter.outbound(backwards, contextFor(CRIMINAL)), /residenceHistory\[0\]/, 'a period that ends before it starts')
  const sameYear = deliverable(CRIMINAL)
  const p0 = criminalData(sameYear).residenceHistory[0]
  if (p0 !== undefined) p0.to = '2017'
  t.doesNotThrow(() => justiceAdapter.outbound(sameYear, contextFor(CRIMINAL)), 'a period from 2017-04 to 2017 is fine')

  const early = deliverable(DEATH)
  deathData(early).dateOfDeath = '1940-01-01'
  t.throws(() => justiceAdapter.outbound(early, contextFor(DEATH)), /before deceased\.dateOfBirth/, 'death before birth')
})

t.test('the native request schema: one record, the one loaiHoSo names', async (t) => {
  const body = justiceAdapter.outbound(deliverable(BIRTH), contextFor(BIRTH)).body
  const death = justiceAdapter.outbound(deliverable(DEATH), contextFor(DEATH)).body
  t.not(errorsOf(validateRequest, { ...body, khaiTu: death.khaiTu }), '', 'a second record is rejected')
  t.not(errorsOf(validateRequest, { ...body, loaiHoSo: 'KT' }), '', 'KT without khaiTu is rejected')
  const { khaiSinh: _k, ...noRecord } = body
  t.not(errorsOf(validateRequest, noRecord), '', 'KS without khaiSinh is rejected')
  const { thongTinNhanKetQua: _t, ...noDelivery } = body
  t.not(errorsOf(validateRequest, noDelivery), '', 'a postal return without thongTinNhanKetQua is rejected')
  t.not(errorsOf(validateRequest, { ...body, nycSoGiayTo: '172345678' }), '', 'a CCCD ("4") must have 12 digits')
  t.not(errorsOf(validateRequest, { ...body, ngayTiepNhan: '2026-11-24T10:15:03' }), '', 'yyyyMMddHHmmss only')
  t.not(errorsOf(validateRequest, { ...body, kenhNop: 2 }), '', 'codes are strings of digits, not numbers')
  const attachment = body.giayToDinhKem[0]
  t.not(errorsOf(validateRequest, { ...body, giayToDinhKem: [{ ...attachment, noiDungBase64: 'YWJj' }] }), '', 'an attachment with both duongDan and noiDungBase64')
  const criminal = justiceAdapter.outbound(deliverable(CRIMINAL), contextFor(CRIMINAL)).body
  const lltp = criminal.lyLichTuPhap
  t.not(errorsOf(validateRequest, { ...criminal, lyLichTuPhap: { ...lltp, loaiPhieu: '2' } }), '', 'Phiếu số 2 with yeuCauXacNhanCamDamNhiemChucVu true')
  t.not(errorsOf(validateRequest, { ...criminal, lyLichTuPhap: { ...lltp, loaiPhieu: '2', yeuCauXacNhanCamDamNhiemChucVu: false, tuCachNguoiYeuCau: '2' } }), '', 'Phiếu số 2 by an authorised person')
  t.equal(errorsOf(validateRequest, { ...criminal, lyLichTuPhap: { ...lltp, loaiPhieu: '2', yeuCauXacNhanCamDamNhiemChucVu: false } }), '', 'Phiếu số 2 for oneself')
})

t.test('inbound: the golden canonical submission of each module', async (t) => {
  for (const ds of SERVED) {
    const n = nativeSubmission(ds)
    t.equal(errorsOf(validateSubmission, n), '', `${ds}: the native example passes the submission validator`)
    const canonical = justiceAdapter.inbound(n, { agencyId: AGENCY[ds] })
    expectGolden(t, `justice-canonical-${ds}.json`, pretty(canonical), `${ds}: byte for byte`)
    t.equal(errorsOf(schema('dossier-submission'), canonical), '', `${ds}: valid dossier-submission`)
    t.equal(errorsOf(schema(ds), canonical.data), '', `${ds}: data valid against ${ds}`)
    t.strictSame(canonical.source, { system: AGENCY[ds], reference: n.soBienNhan }, `${ds}: source is the sending software (justice; the police for criminal records) and its soBienNhan`)
    t.equal(canonical.procedure.code, n.maTTHC, `${ds}: procedure code from maTTHC`)
    t.equal(canonical.procedure.level, ds === CRIMINAL ? 'province' : 'commune', `${ds}: level by module`)
    t.strictSame(n, nativeSubmission(ds), `${ds}: the native payload is not modified`)
    const { identity, dateOfBirth } = canonical.applicant
    t.equal(birthYearFromCitizenId(identity.number), Number(dateOfBirth?.slice(0, 4)), `${ds}: the applicant's citizen ID fits the date of birth (the hub checks it)`)
  }
  const birth = justiceAdapter.inbound(nativeSubmission(BIRTH), { agencyId: 'justice-thanhhoa' })
  t.equal(birth.source.system, 'justice-thanhhoa', 'source.system is the submitting agency')
  t.equal(birth.attachments?.[1]?.contentBase64, 'dG8ga2hhaSBraGFpIHNpbmg=', 'inline content kept')
  t.equal(Buffer.from(birth.attachments?.[1]?.contentBase64 ?? '', 'base64').length, birth.attachments?.[1]?.byteSize, 'with the right byte size')
  const death = justiceAdapter.inbound(nativeSubmission(DEATH), { agencyId: 'justice' })
  t.notOk('ethnicity' in deathData({ ...death, code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT }).deceased, 'no ethnicity given, none invented')
  t.strictSame(death.resultReturn, { method: 'online' }, '"3" → online')
  const criminal = justiceAdapter.inbound(nativeSubmission(CRIMINAL), { agencyId: 'justice' })
  t.strictSame(criminal.resultReturn, {
    method: 'postal',
    delivery: { recipientName: 'Đỗ Thị Hương', phone: '0585123987', address: { provinceCode: '38', wardCode: '14764', line: 'Số 9, ngõ 68, đường Nguyễn Trãi' } }
  }, 'thongTinNhanKetQua → delivery')
  t.strictSame((criminal.data as unknown as CriminalRecordCertificateData).residenceHistory.map((p) => [p.from, p.to]), [['2012', '2016'], ['2016-09', '2020-06'], ['2020-07', undefined]], 'yyyy and yyyyMM → YYYY and YYYY-MM')
})

t.test('inbound: minimal submissions and what the mapping refuses', async (t) => {
  const minimal = nativeSubmission(BIRTH)
  for (const k of ['maLinhVuc', 'tenLinhVuc', 'tenDonViTiepNhan', 'nycNgaySinh', 'nycSoDienThoai', 'nycNoiCuTru', 'giayToDinhKem'] as const) delete minimal[k]
  const ks = minimal.khaiSinh
  if (ks !== undefined) {
    for (const k of ['nksDanToc', 'nksQuocTich', 'gcsSo', 'meSoDinhDanh', 'meNgaySinh', 'meDanToc', 'meQuocTich', 'meNoiCuTru', 'chaHoTen', 'chaSoDinhDanh', 'chaNgaySinh', 'chaDanToc', 'chaQuocTich'] as const) delete ks[k]
    ks.nycQuanHe = '5'
  }
  t.equal(errorsOf(validateSubmission, minimal), '', 'valid native submission')
  const canonical = justiceAdapter.inbound(minimal, { agencyId: 'justice' })
  t.equal(errorsOf(schema('dossier-submission'), canonical), '', 'valid canonical submission')
  t.strictSame(canonical.data, {
    child: { fullName: 'Trịnh Ngọc Hân', sex: 'female', dateOfBirth: '2026-11-15', placeOfBirth: 'Trạm Y tế phường Quảng Phú' },
    mother: { fullName: 'Phạm Thị Lan' },
    declarantRelationship: 'other'
  }, 'no optional data invented, no father')
  t.strictSame(canonical.procedure, { code: '1.001193.000.00.00.H56', name: 'Đăng ký khai sinh', level: 'commune', receivingAgency: { code: '000.32.35.H56' } }, 'no field, no agency name')
  t.strictSame(canonical.applicant, { kind: 'citizen', fullName: 'Trịnh Văn Dũng', identity: { type: 'citizen-id', number: '038093004321' } }, 'the bare applicant')
  t.strictSame(canonical.attachments, [])
  t.notOk('fees' in canonical, 'no fees')

  const cases: Array<[string, (n: JusticeSubmission) => void, RegExp, boolean]> = [
    // [label, change, the error names…, does the native schema already reject it?]
    ['undetermined sex', (n) => { if (n.khaiSinh !== undefined) n.khaiSinh.nksGioiTinh = '3' }, /khaiSinh\.nksGioiTinh "3"/, false],
    ['a passport', (n) => { n.nycLoaiGiayTo = '2'; n.nycSoGiayTo = 'C1234567' }, /nycLoaiGiayTo "2"/, false],
    ['other papers', (n) => { n.nycLoaiGiayTo = '8'; n.nycSoGiayTo = 'GT-1' }, /nycLoaiGiayTo "8"/, false],
    ['an impossible date of birth', (n) => { if (n.khaiSinh !== undefined) n.khaiSinh.nksNgaySinh = '20260231' }, /khaiSinh\.nksNgaySinh/, false],
    ['an impossible submission time', (n) => { n.ngayNop = '20261131083012' }, /ngayNop/, false],
    ['an impossible applicant birth date', (n) => { n.nycNgaySinh = '19930229' }, /nycNgaySinh/, false],
    ['a father\'s ID without his name', (n) => { if (n.khaiSinh !== undefined) delete n.khaiSinh.chaHoTen }, /chaHoTen/, true],
    ['a postal return without thongTinNhanKetQua', (n) => { n.hinhThucNhanKetQua = '2' }, /thongTinNhanKetQua/, true],
    ['another module\'s record', (n) => { n.khaiTu = nativeSubmission(DEATH).khaiTu }, /khaiTu/, true],
    ['KT without its record', (n) => { n.loaiHoSo = 'KT' }, /khaiTu/, true],
    ['an unknown module', (n) => { (n as { loaiHoSo: string }).loaiHoSo = 'NCMC' }, /loaiHoSo/, true],
    ['an attachment without link or content', (n) => { const a = n.giayToDinhKem?.[0]; if (a !== undefined) delete a.duongDan }, /giayToDinhKem\[0\]/, true]
  ]
  for (const [label, change, field, schemaRejects] of cases) {
    const n = nativeSubmission(BIRTH)
    change(n)
    if (schemaRejects) t.not(errorsOf(validateSubmission, n), '', `${label}: the native schema rejects it…`)
    else t.equal(errorsOf(validateSubmission, n), '', `${label}: the native schema lets it through…`)
    t.throws(() => justiceAdapter.inbound(n, { agencyId: 'justice' }), AdapterMappingError, `…and the mapping refuses it: ${label}`)
    t.throws(() => justiceAdapter.inbound(n, { agencyId: 'justice' }), field, 'naming the native field')
  }

  const moduleCases: Array<[string, Served, (n: JusticeSubmission) => void, RegExp]> = [
    ['death before birth', DEATH, (n) => { if (n.khaiTu !== undefined) n.khaiTu.nktNgayChet = '19300101' }, /nktNgayChet/],
    ['an impossible death notice date', DEATH, (n) => { if (n.khaiTu !== undefined) n.khaiTu.gbtNgay = '20261131' }, /gbtNgay/],
    ['the applicant is neither spouse', MARRIAGE, (n) => { n.nycSoGiayTo = '038075001122' }, /nycSoGiayTo/],
    ['the applicant with a CMND', MARRIAGE, (n) => { n.nycLoaiGiayTo = '1'; n.nycSoGiayTo = '172345678' }, /nycSoGiayTo/],
    ['one person marrying themselves', MARRIAGE, (n) => { if (n.ketHon !== undefined) n.ketHon.voSoDinhDanh = n.ketHon.chongSoDinhDanh }, /same person/],
    ['an impossible confirmation date', MARRIAGE, (n) => { if (n.ketHon?.voXacNhanHonNhan !== undefined) n.ketHon.voXacNhanHonNhan.ngayCap = '20260230' }, /voXacNhanHonNhan\.ngayCap/],
    ['self, but someone else applies', CRIMINAL, (n) => { n.nycSoGiayTo = '038075001122' }, /tuCachNguoiYeuCau/],
    ['a period that ends before it starts', CRIMINAL, (n) => { const q = n.lyLichTuPhap?.quaTrinhCuTru[1]; if (q !== undefined) q.denNam = '201512' }, /quaTrinhCuTru\[1\]/],
    ['undetermined sex of the subject', CRIMINAL, (n) => { if (n.lyLichTuPhap !== undefined) n.lyLichTuPhap.nguoiDuocCapPhieu.gioiTinh = '3' }, /nguoiDuocCapPhieu\.gioiTinh/]
  ]
  for (const [label, ds, change, field] of moduleCases) {
    const n = nativeSubmission(ds)
    change(n)
    t.equal(errorsOf(validateSubmission, n), '', `${label}: the native schema lets it through…`)
    t.throws(() => justiceAdapter.inbound(n, { agencyId: 'justice' }), AdapterMappingError, `…the mapping refuses it: ${label}`)
    t.throws(() => justiceAdapter.inbound(n, { agencyId: 'justice' }), field, 'naming the native field')
  }

  const type2Authorised = nativeSubmission(CRIMINAL)
  if (type2Authorised.lyLichTuPhap !== undefined) type2Authorised.lyLichTuPhap.tuCachNguoiYeuCau = '2'
  t.not(errorsOf(validateSubmission, type2Authorised), '', 'Phiếu số 2 by an authorised person: the schema rejects it')
  t.throws(() => justiceAdapter.inbound(type2Authorised, { agencyId: 'justice' }), /authorised/, 'and so does the mapping')
  const guardian = nativeSubmission(CRIMINAL)
  if (guardian.lyLichTuPhap !== undefined) guardian.lyLichTuPhap.tuCachNguoiYeuCau = '3'
  guardian.nycSoGiayTo = '038070002233'
  t.equal((justiceAdapter.inbound(guardian, { agencyId: 'justice' }).data as unknown as CriminalRecordCertificateData).requestedBy, 'guardian', 'a parent may apply for someone else')
})

t.test('round trips', async (t) => {
  for (const ds of SERVED) {
    // native → canonical → native: the module record and the header come back
    const n = nativeSubmission(ds)
    const canonical = justiceAdapter.inbound(n, { agencyId: 'justice' })
    const dossier: DeliverableDossier = { ...canonical, code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT }
    t.equal(errorsOf(schema('dossier'), dossier), '', `${ds}: a valid dossier`)
    const body = justiceAdapter.outbound(dossier, contextFor(ds)).body
    t.equal(errorsOf(validateRequest, body), '', `${ds}: valid native request`)
    const key = RECORD[ds]
    t.strictSame(body[key], n[key], `${ds}: ${key} unchanged`)
    for (const k of ['maTTHC', 'tenTTHC', 'maLinhVuc', 'tenLinhVuc', 'loaiHoSo', 'maDonViTiepNhan', 'tenDonViTiepNhan', 'trichYeu', 'ngayNop', 'kenhNop', 'hinhThucNhanKetQua', 'thongTinNhanKetQua', 'nycHoTen', 'nycLoaiGiayTo', 'nycSoGiayTo', 'nycNgaySinh', 'nycSoDienThoai', 'nycEmail', 'nycNoiCuTru', 'lePhi', 'giayToDinhKem'] as const) {
      t.strictSame(body[k], n[k], `${ds}: ${k} unchanged`)
    }

    // canonical → native → canonical: the example's data comes back
    const { maHoSo: _c, ngayTiepNhan: _r, ngayHenTra: _h, maBuoc: _b, giaiDoan: _g, nhiemVu: _n, laCoQuanChuTri: _l, ketQuaLienThong: _k, ...request } = justiceAdapter.outbound(deliverable(ds), contextFor(ds)).body
    const resubmitted: JusticeSubmission = { ...request, soBienNhan: 'HT-RT-0001' }
    t.equal(errorsOf(validateSubmission, resubmitted), '', `${ds}: the request minus the hub's fields is a valid native submission`)
    const back = justiceAdapter.inbound(resubmitted, { agencyId: 'justice' })
    const original = example(ds)
    t.strictSame(back.data, original.data, `${ds}: data comes back`)
    t.strictSame(back.applicant, original.applicant, `${ds}: applicant comes back`)
    t.strictSame(back.attachments, original.attachments, `${ds}: attachments come back`)
    t.strictSame(back.resultReturn, original.resultReturn, `${ds}: result return comes back`)
    t.equal(back.submittedAt, original.submittedAt, `${ds}: submittedAt comes back`)
    t.strictSame(back.fees, original.fees, `${ds}: fees come back`)
    t.strictSame({ ...back.procedure, level: original.procedure.level }, original.procedure, `${ds}: procedure comes back`)
    t.equal(back.procedure.level, original.procedure.level, `${ds}: the level follows the module`)
  }
})

t.test('status: every native trangThai, golden reports', async (t) => {
  const statusSchema = readJson<{ properties: { trangThai: { enum: string[] } } }>('adapters', 'justice', 'schemas', 'status.schema.json')
  const codes = [...statusSchema.properties.trangThai.enum].sort()
  const examples = statusExamples()
  t.same(examples.map((e) => e.trangThai).sort(), codes, 'the examples cover every native code once')
  t.same(Object.keys(STEP_STATUS).sort(), codes, 'the table covers every native code')
  const expected: Record<JusticeStatus['trangThai'], string> = {
    1: 'accepted',
    2: 'supplement-requested',
    3: 'processing',
    7: 'processing',
    4: 'resolved',
    5: 'resolved',
    6: 'rejected'
  }
  const mapped = examples.map((e) => justiceAdapter.status(e))
  for (const [i, e] of examples.entries()) {
    t.equal(errorsOf(validateStatus, e), '', `"${e.trangThai}": a valid native status`)
    const m = mapped[i]
    t.equal(m?.report.status, expected[e.trangThai], `"${e.trangThai}" → ${expected[e.trangThai]}`)
    t.equal(errorsOf(schema('status-report'), m?.report), '', `"${e.trangThai}": a valid canonical report`)
    t.equal(m?.dossierCode, CODE, 'dossierCode from maHoSo')
  }
  expectGolden(t, 'justice-status-reports.json', pretty(mapped), 'byte for byte')

  const [accepted, supplement, bare, ministry, resolved, returned, rejected] = mapped.map((m) => m.report)
  t.strictSame(accepted?.officer, { name: 'Lê Thị Thanh', title: 'Công chức tư pháp - hộ tịch', department: 'UBND phường Hạc Thành' }, 'nguoiXuLy, chucDanh, donViXuLy → officer')
  t.equal(accepted?.agencyReference, 'HT-14755-2026-000318', 'soBienNhan → agencyReference')
  t.equal(accepted?.dueAt, '2026-11-25T17:00:00+07:00', 'ngayHenTraMoi → dueAt')
  t.equal(supplement?.missing?.length, 2, 'giayToBoSung → missing')
  t.equal(supplement?.note, 'Bổ sung giấy tờ chứng minh nơi cư trú của người mẹ', 'noiDungBoSung goes to the note beside the list')
  t.strictSame(bare, { status: 'processing', occurredAt: '2026-11-25T08:05:00+07:00' }, 'nothing invented')
  t.equal(ministry?.status, 'processing', '"7" (chuyển Bộ) is processing')
  t.equal(resolved?.results?.length, 2, 'ketQua → results')
  t.equal(resolved?.results?.[0]?.sha256, 'f63b5a81b12f5d618cd81ded3e75328f2d564b4a4443f354be59e3378be76838', 'an upper-case maBam is lower-cased')
  t.equal(resolved?.results?.[0]?.originalCopies, 1, 'soBanChinh → originalCopies')
  t.equal(resolved?.results?.[1]?.certifiedCopies, 2, 'soBanSao → certifiedCopies')
  t.equal(resolved?.note, 'Đã đăng ký khai sinh. Số định danh cá nhân: 038226011234. Số đăng ký: 154, quyển số 01/2026', 'the child\'s personal ID and the entry number go into the note')
  t.notOk(returned !== undefined && 'results' in returned, '"5" without ketQua: no results invented')
  t.equal(rejected?.reason, examples[6]?.lyDo, 'lyDo → reason')
  t.notOk(rejected !== undefined && 'note' in rejected, 'no noiDung: no note')
})

t.test('status: what the mapping needs, and what it refuses', async (t) => {
  const base = { maHoSo: CODE, thoiDiemXuLy: '20261125110000' }
  const ketQua = statusExamples()[4]?.ketQua ?? []
  const cases: Array<[string, JusticeStatus, RegExp, boolean]> = [
    // [label, native, field named in the message, whether the native schema already rejects it]
    ['supplement request without papers', { ...base, trangThai: '2', noiDung: 'Thiếu giấy tờ' }, /giayToBoSung/, true],
    ['supplement request with a blank line', { ...base, trangThai: '2', noiDungBoSung: '   ' }, /giayToBoSung/, true],
    ['result without documents', { ...base, trangThai: '4', noiDung: 'Đã có kết quả' }, /ketQua/, true],
    ['rejection without reason', { ...base, trangThai: '6', noiDung: 'Từ chối' }, /lyDo/, true],
    ['rejection with a blank reason', { ...base, trangThai: '6', lyDo: '  ' }, /lyDo/, true],
    ['impossible thoiDiemXuLy', { ...base, trangThai: '3', thoiDiemXuLy: '20261131090000' }, /thoiDiemXuLy/, false],
    ['impossible ngayHenTraMoi', { ...base, trangThai: '7', ngayHenTraMoi: '20260230170000' }, /ngayHenTraMoi/, false]
  ]
  for (const [label, n, field, schemaRejects] of cases) {
    if (schemaRejects) t.not(errorsOf(validateStatus, n), '', `${label}: the native schema rejects it…`)
    else t.equal(errorsOf(validateStatus, n), '', `${label}: the native schema lets it through…`)
    t.throws(() => justiceAdapter.status(n), AdapterMappingError, `…the mapping refuses it: ${label}`)
    t.throws(() => justiceAdapter.status(n), field, 'naming the native field')
  }
  const lineOnly = justiceAdapter.status({ ...base, trangThai: '2', noiDungBoSung: 'Bổ sung bản chính giấy báo tử' }).report
  t.strictSame(lineOnly, { status: 'supplement-requested', occurredAt: '2026-11-25T11:00:00+07:00', missing: [{ name: 'Bổ sung bản chính giấy báo tử' }] }, 'noiDungBoSung alone is the one missing item')
  t.equal(errorsOf(schema('status-report'), lineOnly), '', 'valid')
  const returnedWithResults = justiceAdapter.status({ ...base, trangThai: '5', ketQua }).report
  t.equal(returnedWithResults.results?.length, 2, '"5" may repeat the documents')
  const idOnly = justiceAdapter.status({ ...base, trangThai: '4', ketQua, soDangKy: '77' }).report
  t.equal(idOnly.note, 'Số đăng ký: 77', 'the entry number alone')
  const free = justiceAdapter.status({ ...base, trangThai: '3', lyDo: 'x', giayToBoSung: [{ tenGiayTo: 'x' }], ketQua }).report
  t.notOk('reason' in free || 'missing' in free || 'results' in free, 'fields of other statuses are not mapped')

  t.not(errorsOf(validateStatus, { ...base, trangThai: 4 }), '', 'trangThai is a string of digits: a number is rejected')
  t.not(errorsOf(validateStatus, { ...base, trangThai: '8' }), '', 'an unknown code is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, trangThai: '3', chucDanh: 'Công chức' }), '', 'a title without an officer is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, trangThai: '4', quyenSo: '01/2026', ketQua }), '', 'a register book without an entry number is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, trangThai: '2', giayToBoSung: [] }), '', 'an empty list of papers is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, trangThai: '4', ketQua: [{ tenGiayTo: 'x', maThanhPhan: 'KQ', duongDan: 'ftp://x/y', maBam: 'a'.repeat(64) }] }), '', 'an ftp link is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, maHoSo: 'HT-1', trangThai: '3' }), '', 'maHoSo must be a hub dossier code')
})

t.test('receipt: soBienNhan from the justice software\'s answer', async (t) => {
  t.equal(justiceAdapter.receipt({ status: 200, body: { soBienNhan: 'HT-14755-2026-000318', status: '1' } }), 'HT-14755-2026-000318')
  for (const [label, body] of [
    ['text body', 'OK'],
    ['empty body', undefined],
    ['null', null],
    ['number', 42],
    ['array', [{ soBienNhan: 'HT-1' }]],
    ['missing field', { status: '1', errorDescription: 'Đã được tiếp nhận' }],
    ['empty string', { soBienNhan: '' }],
    ['blank string', { soBienNhan: '  ' }],
    ['not a string', { soBienNhan: 318 }]
  ] as const) {
    t.equal(justiceAdapter.receipt({ status: 200, body }), undefined, `${label}: no receipt`)
  }
})

t.test('status schema: the code-specific rules of status() are in the schema too', async (t) => {
  const base = { maHoSo: CODE, thoiDiemXuLy: '20261125110000' }
  const ketQua = statusExamples()[4]?.ketQua ?? []
  const papers = [{ tenGiayTo: 'Giấy chứng sinh (bản chính)' }]
  /** What the adapter says about a report: '' when it maps it, else its message. */
  const adapterSays = (n: JusticeStatus): string => {
    try {
      justiceAdapter.status(n)
      return ''
    } catch (err) {
      if (err instanceof AdapterMappingError) return err.message
      throw err
    }
  }
  // [label, native, what the schema errors name]: each breaks one rule status() enforces
  const refused: Array<[string, JusticeStatus, RegExp]> = [
    ['"2" with neither giayToBoSung nor noiDungBoSung', { ...base, trangThai: '2', noiDung: 'Thiếu giấy tờ' }, /"missingProperty":"giayToBoSung".*"missingProperty":"noiDungBoSung"/],
    ['"2" with only a blank noiDungBoSung', { ...base, trangThai: '2', noiDungBoSung: ' \t\n ' }, /"instancePath":"\/noiDungBoSung"/],
    ['"4" without ketQua', { ...base, trangThai: '4', noiDung: 'Đã có kết quả', soDangKy: '154' }, /"missingProperty":"ketQua"/],
    ['"6" without lyDo', { ...base, trangThai: '6', noiDung: 'Từ chối' }, /"missingProperty":"lyDo"/],
    ['"6" with a blank lyDo', { ...base, trangThai: '6', lyDo: '\u00a0 ' }, /"instancePath":"\/lyDo"/]
  ]
  for (const [label, n, named] of refused) {
    const errors = errorsOf(validateStatus, n)
    t.not(errors, '', `${label}: the native status schema rejects it`)
    t.match(errors, named, `${label}: the schema errors name the field`)
    t.not(adapterSays(n), '', `${label}: as the adapter does`)
  }

  // what the rules must still let through: the adapter maps each of these
  const accepted: Array<[string, JusticeStatus]> = [
    ['"2" with giayToBoSung only', { ...base, trangThai: '2', giayToBoSung: papers }],
    ['"2" with noiDungBoSung only', { ...base, trangThai: '2', noiDungBoSung: 'Bổ sung bản chính giấy báo tử' }],
    ['"2" with giayToBoSung and a blank noiDungBoSung', { ...base, trangThai: '2', giayToBoSung: papers, noiDungBoSung: '  ' }],
    ['"4" with ketQua', { ...base, trangThai: '4', ketQua }],
    ['"5" without ketQua', { ...base, trangThai: '5' }],
    ['"5" repeating ketQua', { ...base, trangThai: '5', ketQua }],
    ['"6" with a lyDo padded by spaces', { ...base, trangThai: '6', lyDo: '  Trẻ đã được đăng ký khai sinh ' }],
    ['"3" with the fields of other codes (not mapped)', { ...base, trangThai: '3', lyDo: ' ', noiDungBoSung: ' ', giayToBoSung: papers, ketQua }],
    ['"1" without anything else', { ...base, trangThai: '1' }],
    ['"7" without anything else', { ...base, trangThai: '7' }],
    ...statusExamples().map((n): [string, JusticeStatus] => [`the golden example "${n.trangThai}"`, n])
  ]
  for (const [label, n] of accepted) {
    t.equal(errorsOf(validateStatus, n), '', `${label}: valid against the native status schema`)
    t.equal(adapterSays(n), '', `${label}: the adapter maps it`)
  }
})

t.test('status: maBuoc names which of the office\'s steps the report is about', async (t) => {
  const n: JusticeStatus = { maHoSo: CODE, maBuoc: 'civil-status', trangThai: '3', thoiDiemXuLy: '20261125080500' }
  t.equal(errorsOf(validateStatus, n), '', 'a valid native status')
  const mapped = justiceAdapter.status(n)
  t.equal(mapped.step, 'civil-status', 'maBuoc → step')
  t.strictSame(mapped, { report: { status: 'processing', occurredAt: '2026-11-25T08:05:00+07:00' }, dossierCode: CODE, step: 'civil-status' }, 'nothing else changes')
  const { maBuoc: _omitted, ...without } = n
  t.notOk('step' in justiceAdapter.status(without), 'no maBuoc: no step')
  for (const e of statusExamples()) t.notOk('step' in justiceAdapter.status(e), `the golden example "${e.trangThai}" names no step: no step`)
  t.equal(justiceAdapter.status({ ...n, maBuoc: 'justice.lltp_2-b' }).step, 'justice.lltp_2-b', 'dots, dashes and underscores are kept')
  for (const [label, maBuoc] of [['a colon', 'a:b'], ['empty', ''], ['a leading dash', '-civil'], ['a space', 'civil status'], ['65 characters', 'a'.repeat(65)]] as const) {
    t.not(errorsOf(validateStatus, { ...n, maBuoc }), '', `a step id with ${label} is refused by the schema`)
  }
  t.not(errorsOf(validateStatus, { ...n, maBuoc: 7 }), '', 'a number is refused by the schema')
})
