/**
 * The electricity adapter's second procedure (thay đổi chủ thể hợp đồng mua bán điện) and its
 * status reports under the step-status contract. Golden files pin the native formats byte for
 * byte: adapters/electricity/golden/electricity-*.json. (The new-connection request is pinned by
 * test/adapters/registry.test.ts with adapters/electricity/golden/electricity-request.json.)
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../../src/paths.ts'
import { createStrictAjv } from '../../../src/validation/ajv.ts'
import { createNativeValidators } from '../../../src/validation/native.ts'
import { adapters } from '../../../adapters/index.ts'
import { AdapterMappingError, type DeliverableDossier, type DossierSubmission, type OutboundContext } from '../../../adapters/contract.ts'
import { electricityAdapter, STEP_STATUS } from '../../../adapters/electricity/index.ts'
import type { ElectricityRequest, ElectricityStatus, ElectricitySubmission } from '../../../adapters/electricity/native.generated.ts'
import type { ElectricityContractHolderChangeData, ElectricityNewConnectionData } from '../../../src/types/schemas.generated.ts'
import { expectGolden, goldenPath } from '../../golden-files.ts'

const CODE = '000.00.06.H56-261124-0007'
const RECEIVED_AT = '2026-11-24T09:20:41.512+07:00'
const HOLDER_CHANGE = 'electricity-contract-holder-change'
const step = { id: 'evn', stage: 0, lead: true }
const context: OutboundContext = { agencyId: 'evn', idempotencyKey: `${CODE}/evn`, dataSchema: HOLDER_CHANGE, step }

const readJson = <T>(...path: string[]): T => JSON.parse(readFileSync(fromRoot(...path), 'utf8')) as T
const goldenText = (name: string): string => readFileSync(goldenPath(name), 'utf8')
const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

function example (name = HOLDER_CHANGE): DossierSubmission {
  return readJson<DossierSubmission>('schemas', 'examples', `${name}.json`)
}
/** The example as the hub delivers it: with the hub-assigned fields, without routing. */
function deliverable (name = HOLDER_CHANGE): DeliverableDossier {
  return { ...example(name), code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT }
}
const dataOf = (d: DeliverableDossier): ElectricityContractHolderChangeData => d.data as unknown as ElectricityContractHolderChangeData
const nativeSubmission = (): ElectricitySubmission => readJson<ElectricitySubmission>('adapters', 'electricity', 'golden', 'electricity-submission-contract-holder-change.json')
const statusExamples = (): ElectricityStatus[] => readJson<ElectricityStatus[]>('adapters', 'electricity', 'golden', 'electricity-status-examples.json')

const native = createNativeValidators(adapters).get('electricity')
if (native?.submission === undefined || native.status === undefined) throw new Error('the electricity adapter has no submission/status validators')
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

t.test('the example: a valid canonical dossier of the holder-change procedure', async (t) => {
  t.equal(errorsOf(schema('dossier'), deliverable()), '', 'valid dossier')
  t.equal(errorsOf(schema(HOLDER_CHANGE), deliverable().data), '', 'data valid against its procedure schema')
  const d = deliverable()
  t.equal(d.applicant.identity.number.slice(0, 3), '038', 'born in Thanh Hóa')
  t.equal(d.applicant.identity.number[3], '3', '2000s female: century/sex digit 3')
  t.equal(d.applicant.identity.number.slice(4, 6), d.applicant.dateOfBirth?.slice(2, 4), 'year digits match the date of birth')
  const noteless = dataOf(d)
  noteless.reason = 'other'
  delete noteless.reasonNote
  t.not(errorsOf(schema(HOLDER_CHANGE), noteless), '', 'reason other needs reasonNote')
})

t.test('holder change outbound: the golden request', async (t) => {
  const dossier = deliverable()
  const req = electricityAdapter.outbound(dossier, context)
  t.equal(req.method, 'POST')
  t.equal(req.path, undefined)
  t.equal(errorsOf(validateRequest, req.body), '', 'passes the native request validator')
  const golden = goldenText('electricity-request-contract-holder-change.json')
  expectGolden(t, 'electricity-request-contract-holder-change.json', pretty(req.body), 'byte for byte, key order included')
  t.equal(errorsOf(validateRequest, JSON.parse(golden)), '', 'the golden file is a valid native request')
  t.strictSame(dossier, deliverable(), 'the dossier itself is not modified')

  const body = req.body
  t.equal(body.loaiYeuCau, 'THAY_DOI_CHU_THE_HOP_DONG')
  t.equal(body.maKhachHang, 'PA10TH0123456')
  t.equal(body.khachHang.tenKhachHang, 'Nguyễn Thị Lan', 'the applicant is the new holder')
  t.strictSame(body.chuHopDongCu, { tenKhachHang: 'Lê Văn Hùng', loaiKhachHang: 'CA_NHAN', loaiGiayTo: 'CCCD', soGiayTo: '038058012345' })
  t.equal(body.lyDoThayDoi, 'MUA_BAN_NHA')
  t.equal(body.ngayDeNghiHieuLuc, '20261201')
  for (const key of ['mucDichSuDung', 'congSuatDangKy', 'soPha', 'soHoDungChung', 'hinhThucSoHuuNha', 'ngayDeNghiLapDat', 'nhiemVuLienThong'] as const) {
    t.notOk(key in body, `no ${key}`)
  }
})

t.test('holder change outbound: variants', async (t) => {
  const minimal = deliverable()
  const data = dataOf(minimal)
  delete data.meterSerial
  delete data.reasonNote
  delete data.meterReadingKwh
  data.supplyAddress.districtCode = '380'
  data.currentHolder = { fullName: 'Công ty TNHH Nhà Xanh', identity: { type: 'tax-code', number: '2801234567' } }
  minimal.attachments = undefined
  t.equal(errorsOf(schema('dossier'), minimal), '', 'valid dossier')
  const body = electricityAdapter.outbound(minimal, { ...context, step: { id: 'evn', stage: 1, task: 'Ký hợp đồng mua bán điện với chủ thể mới', lead: false } }).body
  t.equal(errorsOf(validateRequest, body), '', 'valid native request')
  t.strictSame(body.chuHopDongCu, { tenKhachHang: 'Công ty TNHH Nhà Xanh', loaiKhachHang: 'TO_CHUC', loaiGiayTo: 'MST', soGiayTo: '2801234567' }, 'an organisation held the contract')
  t.equal(body.diaDiemSuDungDien.maHuyen, '380', 'district code kept')
  t.equal(body.nhiemVuLienThong, 'Ký hợp đồng mua bán điện với chủ thể mới', 'the step\'s task')
  for (const key of ['soCongTo', 'ghiChuLyDo', 'chiSoCongTo'] as const) t.notOk(key in body, `absent ${key} is not sent`)
  t.strictSame(body.hoSoDinhKem, [], 'no attachments: an empty list')

  const legacy = deliverable()
  dataOf(legacy).currentHolder.identity = { type: 'legacy-id', number: '172345678' }
  t.equal(electricityAdapter.outbound(legacy, context).body.chuHopDongCu?.loaiGiayTo, 'CMND', 'legacy-id → CMND')

  const reasons: Array<[ElectricityContractHolderChangeData['reason'], ElectricityRequest['lyDoThayDoi']]> = [
    ['house-sale', 'MUA_BAN_NHA'], ['inheritance', 'THUA_KE'], ['gift', 'TANG_CHO'], ['property-division', 'CHIA_TACH_TAI_SAN'], ['tenancy', 'THUE_NHA'], ['other', 'KHAC']
  ]
  for (const [reason, code] of reasons) {
    const d = deliverable()
    dataOf(d).reason = reason
    const b = electricityAdapter.outbound(d, context).body
    t.equal(b.lyDoThayDoi, code, `${reason} → ${code}`)
    t.equal(errorsOf(validateRequest, b), '', `${code}: valid native request`)
  }
})

t.test('outbound switches on the data schema', async (t) => {
  const newConnection = electricityAdapter.outbound(deliverable('electricity-new-connection'), { ...context, dataSchema: 'electricity-new-connection' }).body
  t.equal(newConnection.loaiYeuCau, 'CAP_DIEN_MOI_HA_AP')
  t.equal(pretty(newConnection), goldenText('electricity-request.json').replace('000.00.06.H56-261123-0001', CODE).replace('20261123180659', '20261124092041'),
    'the new-connection request is the one test/adapters/registry.test.ts pins')
  const withTask = electricityAdapter.outbound(deliverable('electricity-new-connection'), { ...context, dataSchema: 'electricity-new-connection', step: { ...step, task: 'Cấp điện mới' } }).body
  t.equal(withTask.nhiemVuLienThong, 'Cấp điện mới', 'the task goes with a new connection too')
  t.equal(errorsOf(validateRequest, withTask), '', 'valid')

  for (const dataSchema of ['birth-registration', 'electricity', '', 'toString', '__proto__']) {
    t.throws(() => electricityAdapter.outbound(deliverable(), { ...context, dataSchema }), AdapterMappingError, `dataSchema ${JSON.stringify(dataSchema)} is a mapping error`)
  }
  t.throws(() => electricityAdapter.outbound(deliverable('electricity-new-connection'), context), AdapterMappingError,
    'new-connection data announced as a holder change')
  t.throws(() => electricityAdapter.outbound(deliverable(), { ...context, dataSchema: 'electricity-new-connection' }), AdapterMappingError,
    'holder-change data announced as a new connection')

  const same = deliverable()
  dataOf(same).currentHolder.identity = { type: 'citizen-id', number: same.applicant.identity.number }
  t.throws(() => electricityAdapter.outbound(same, context), /already holds the contract/, 'the applicant already holds the contract')
  const agency = deliverable()
  agency.applicant = { kind: 'agency', fullName: 'UBND phường Hạc Thành', identity: { type: 'agency-code', number: '000.00.06.H56' } }
  t.throws(() => electricityAdapter.outbound(agency, context), AdapterMappingError, 'an agency-code applicant')
})

t.test('the native request schema: fields by loaiYeuCau', async (t) => {
  const body = electricityAdapter.outbound(deliverable(), context).body
  t.not(errorsOf(validateRequest, { ...body, congSuatDangKy: 5 }), '', 'no capacity in a holder change')
  const { maKhachHang: _m, ...noCustomerCode } = body
  t.not(errorsOf(validateRequest, noCustomerCode), '', 'a holder change needs maKhachHang')
  const { ghiChuLyDo: _g, ...noNote } = body
  t.not(errorsOf(validateRequest, { ...noNote, lyDoThayDoi: 'KHAC' }), '', 'KHAC needs ghiChuLyDo')
  t.not(errorsOf(validateRequest, { ...body, ngayDeNghiHieuLuc: '2026-12-01' }), '', 'yyyyMMdd only')
  const nc = electricityAdapter.outbound(deliverable('electricity-new-connection'), { ...context, dataSchema: 'electricity-new-connection' }).body
  t.not(errorsOf(validateRequest, { ...nc, soHopDong: 'X' }), '', 'no contract number in a new connection')
  const { soPha: _s, ...noPhases } = nc
  t.not(errorsOf(validateRequest, noPhases), '', 'a new connection needs soPha')
})

t.test('holder change inbound: the golden canonical submission', async (t) => {
  const n = nativeSubmission()
  t.equal(errorsOf(validateSubmission, n), '', 'the native example passes the submission validator')
  const canonical = electricityAdapter.inbound(n, { agencyId: 'evn' })
  expectGolden(t, 'electricity-canonical-contract-holder-change.json', pretty(canonical), 'byte for byte')
  t.equal(errorsOf(schema('dossier-submission'), canonical), '', 'valid dossier-submission')
  t.equal(errorsOf(schema(HOLDER_CHANGE), canonical.data), '', 'data valid against its procedure schema')
  t.strictSame(canonical.source, { system: 'evn', reference: 'PC38-YC-2026-000812' })
  t.strictSame(n, nativeSubmission(), 'the native payload is not modified')
})

t.test('holder change inbound: minimal, and what the mapping refuses', async (t) => {
  const n = nativeSubmission()
  delete n.soCongTo
  delete n.ghiChuLyDo
  delete n.chiSoCongTo
  delete n.hoSoDinhKem
  delete n.khachHang.ngaySinh
  n.hinhThucNhanKetQua = 'TAI_QUAY'
  n.lyDoThayDoi = 'TANG_CHO'
  t.equal(errorsOf(validateSubmission, n), '', 'valid native submission')
  const canonical = electricityAdapter.inbound(n, { agencyId: 'evn-thanhhoa' })
  t.equal(errorsOf(schema('dossier-submission'), canonical), '', 'valid canonical submission')
  t.strictSame(canonical.data, {
    customerCode: 'PA10HH0456789',
    contractNumber: '0456789/2012/HĐMBĐ-SH',
    supplyAddress: { provinceCode: '38', wardCode: '15010', line: 'Thôn Đông, xã Hoằng Lộc' },
    currentHolder: { fullName: 'Phạm Văn Thành', identity: { type: 'citizen-id', number: '038045001122' } },
    reason: 'gift',
    effectiveDate: '2026-12-05'
  }, 'no optional data invented')
  t.strictSame(canonical.resultReturn, { method: 'counter' })

  const postalNoPhone = nativeSubmission()
  delete postalNoPhone.khachHang.soDienThoai
  t.throws(() => electricityAdapter.inbound(postalNoPhone, { agencyId: 'evn' }), /khachHang\.soDienThoai/, 'a postal return needs a phone')

  const self = nativeSubmission()
  self.chuHopDongCu = { tenKhachHang: 'Phạm Văn Đức', loaiKhachHang: 'CA_NHAN', loaiGiayTo: 'CCCD', soGiayTo: '038079003456' }
  t.throws(() => electricityAdapter.inbound(self, { agencyId: 'evn' }), /chuHopDongCu/, 'the new holder is the current holder')

  const orgWithCccd = nativeSubmission()
  orgWithCccd.chuHopDongCu = { tenKhachHang: 'Công ty X', loaiKhachHang: 'TO_CHUC', loaiGiayTo: 'CCCD', soGiayTo: '038045001122' }
  t.throws(() => electricityAdapter.inbound(orgWithCccd, { agencyId: 'evn' }), /chuHopDongCu\.loaiGiayTo/, 'an organisation with a citizen ID')

  const badDate = nativeSubmission()
  badDate.ngayDeNghiHieuLuc = '20261231'
  t.doesNotThrow(() => electricityAdapter.inbound(badDate, { agencyId: 'evn' }), 'a real date')
  badDate.ngayDeNghiHieuLuc = '20260231'
  t.equal(errorsOf(validateSubmission, badDate), '', 'the schema checks only the shape…')
  t.throws(() => electricityAdapter.inbound(badDate, { agencyId: 'evn' }), /ngayDeNghiHieuLuc/, '…the mapping names the impossible date')
  const badTime = nativeSubmission()
  badTime.ngayYeuCau = '20261125250000'
  t.throws(() => electricityAdapter.inbound(badTime, { agencyId: 'evn' }), /ngayYeuCau/, 'an impossible time names ngayYeuCau')

  // the mapping checks what the schema checks, too, so it never produces an invalid dossier on its own
  const missing = nativeSubmission()
  delete missing.maKhachHang
  t.not(errorsOf(validateSubmission, missing), '', 'the schema rejects a holder change without maKhachHang')
  t.throws(() => electricityAdapter.inbound(missing, { agencyId: 'evn' }), /maKhachHang/, 'and so does the mapping')
  const other = nativeSubmission()
  other.lyDoThayDoi = 'KHAC'
  delete other.ghiChuLyDo
  t.not(errorsOf(validateSubmission, other), '', 'KHAC without ghiChuLyDo: schema')
  t.throws(() => electricityAdapter.inbound(other, { agencyId: 'evn' }), /ghiChuLyDo/, 'KHAC without ghiChuLyDo: mapping')
  const mixed = { ...nativeSubmission(), congSuatDangKy: 5 }
  t.not(errorsOf(validateSubmission, mixed), '', 'a holder change with a new-connection field is rejected by the schema')
})

t.test('inbound switches on loaiYeuCau (absent = a new connection)', async (t) => {
  const newConnection: ElectricitySubmission = {
    maYeuCauDienLuc: 'PC38-YC-2026-000790',
    maThuTuc: '9.000001.000.00.00.H56',
    tenThuTuc: 'Cấp điện mới từ lưới điện hạ áp',
    maDonViTiepNhan: '000.00.06.H56',
    kenhTiepNhan: 'MOT_CUA',
    khachHang: { tenKhachHang: 'Lê Thị Hoa', loaiKhachHang: 'CA_NHAN', loaiGiayTo: 'CCCD', soGiayTo: '038190012345' },
    diaDiemSuDungDien: { maTinh: '38', maXa: '14758', diaChiChiTiet: 'Thôn 3' },
    mucDichSuDung: 'SINH_HOAT',
    congSuatDangKy: 5,
    soPha: 1,
    ngayYeuCau: '20261122093015',
    hinhThucNhanKetQua: 'TAI_QUAY'
  }
  t.equal(errorsOf(validateSubmission, newConnection), '', 'valid without loaiYeuCau')
  const implicit = electricityAdapter.inbound(newConnection, { agencyId: 'evn' })
  t.equal(errorsOf(schema('electricity-new-connection'), implicit.data), '', 'a new connection')
  const explicit = electricityAdapter.inbound({ ...newConnection, loaiYeuCau: 'CAP_DIEN_MOI_HA_AP' }, { agencyId: 'evn' })
  t.strictSame(explicit, implicit, 'the same with loaiYeuCau CAP_DIEN_MOI_HA_AP')
  t.strictSame((implicit.data as unknown as ElectricityNewConnectionData).installAddress, { provinceCode: '38', wardCode: '14758', line: 'Thôn 3' })

  const asChange = { ...newConnection, loaiYeuCau: 'THAY_DOI_CHU_THE_HOP_DONG' as const }
  t.not(errorsOf(validateSubmission, asChange), '', 'new-connection fields under THAY_DOI_CHU_THE_HOP_DONG: schema')
  t.throws(() => electricityAdapter.inbound(asChange, { agencyId: 'evn' }), AdapterMappingError, 'and mapping')
  const { soPha: _s, ...noPhases } = newConnection
  t.not(errorsOf(validateSubmission, noPhases), '', 'a new connection without soPha: schema')
  t.throws(() => electricityAdapter.inbound(noPhases, { agencyId: 'evn' }), /soPha/, 'and mapping')
  t.not(errorsOf(validateSubmission, { ...newConnection, soHopDong: 'X' }), '', 'a holder-change field in a new connection')
})

t.test('holder change round trip: native → canonical → native', async (t) => {
  const n = nativeSubmission()
  const canonical = electricityAdapter.inbound(n, { agencyId: 'evn' })
  const dossier: DeliverableDossier = { ...canonical, code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT }
  t.equal(errorsOf(schema('dossier'), dossier), '', 'a valid dossier')
  const body = electricityAdapter.outbound(dossier, context).body
  t.equal(errorsOf(validateRequest, body), '', 'valid native request')
  const { diaChiLienHe: _d, ...customer } = n.khachHang
  t.strictSame(body.khachHang, customer, 'customer unchanged (the contact address line is not part of the canonical applicant)')
  for (const key of ['loaiYeuCau', 'maDonViTiepNhan', 'kenhTiepNhan', 'diaDiemSuDungDien', 'maKhachHang', 'soHopDong', 'soCongTo', 'chuHopDongCu', 'lyDoThayDoi', 'ghiChuLyDo', 'chiSoCongTo', 'ngayDeNghiHieuLuc', 'hinhThucNhanKetQua', 'hoSoDinhKem'] as const) {
    t.strictSame(body[key], n[key], `${key} unchanged`)
  }

  // the other way: the example's request, as the power company's own software would submit it
  const { maYeuCau: _c, ngayTiepNhan: _r, ngayHenTra: _h, nhiemVuLienThong: _t, ...request } = electricityAdapter.outbound(deliverable(), context).body
  const resubmitted: ElectricitySubmission = {
    ...request,
    maYeuCauDienLuc: 'PC38-YC-2026-000999',
    maThuTuc: '9.000002.000.00.00.H56',
    tenThuTuc: 'Thay đổi chủ thể hợp đồng mua bán điện (sinh hoạt)',
    ngayYeuCau: '20261124091230',
    hinhThucNhanKetQua: request.hinhThucNhanKetQua ?? 'TAI_QUAY'
  }
  t.equal(errorsOf(validateSubmission, resubmitted), '', 'a valid native submission')
  const back = electricityAdapter.inbound(resubmitted, { agencyId: 'evn' })
  t.strictSame(back.data, deliverable().data, 'canonical → native → canonical: the example\'s data comes back')
})

t.test('status: every native trangThai, golden reports', async (t) => {
  const statusSchema = readJson<{ properties: { trangThai: { enum: string[] } } }>('adapters', 'electricity', 'schemas', 'status.schema.json')
  const examples = statusExamples()
  t.same(examples.map((e) => e.trangThai).sort(), [...statusSchema.properties.trangThai.enum].sort(), 'the examples cover every native code once')
  t.same(Object.keys(STEP_STATUS).sort(), [...statusSchema.properties.trangThai.enum].sort(), 'the table covers every native code')
  const expected: Record<ElectricityStatus['trangThai'], string> = {
    TIEP_NHAN: 'accepted',
    KHAO_SAT: 'processing',
    THOA_THUAN: 'processing',
    TREO_THAO: 'processing',
    HOAN_THANH: 'resolved',
    CHO_BO_SUNG: 'supplement-requested',
    CHO_THANH_TOAN: 'payment-requested',
    TU_CHOI: 'rejected'
  }
  const mapped = examples.map((e) => electricityAdapter.status(e))
  for (const [i, e] of examples.entries()) {
    t.equal(errorsOf(validateStatus, e), '', `${e.trangThai}: a valid native status`)
    const m = mapped[i]
    t.equal(m?.report.status, expected[e.trangThai], `${e.trangThai} → ${expected[e.trangThai]}`)
    t.equal(errorsOf(schema('status-report'), m?.report), '', `${e.trangThai}: a valid canonical report`)
    t.equal(m?.dossierCode, CODE, 'dossierCode from maYeuCau')
  }
  expectGolden(t, 'electricity-status-reports.json', pretty(mapped), 'byte for byte')

  const [accepted, , , bare, supplement, payment, resolved, rejected] = mapped.map((m) => m.report)
  t.strictSame(accepted?.officer, { name: 'Lê Thị Mai', title: 'Giao dịch viên', department: 'Phòng Kinh doanh, Điện lực TP Thanh Hóa' }, 'nguoiXuLy, chucDanh, phongBanXuLy → officer')
  t.equal(accepted?.dueAt, '2026-12-03T17:00:00+07:00', 'ngayHenTraMoi → dueAt')
  t.equal(accepted?.agencyReference, 'PC38-TN-2026-004512', 'maTiepNhan → agencyReference')
  t.strictSame(bare, { status: 'processing', occurredAt: '2026-11-27T08:30:00+07:00' }, 'nothing invented')
  t.equal(supplement?.missing?.length, 2)
  t.strictSame(payment?.payment, { amount: 412500, note: 'Tiền điện còn nợ đến ngày chốt chỉ số', reference: 'TB-PA10TH-2026-11-0331' })
  t.equal(resolved?.results?.[0]?.sha256, 'ea074530b9ba4f85d3cd3170407acef2b267b3e5a45dd6b4ae0b227530b06cff', 'an upper-case digest is lower-cased')
  t.equal(resolved?.note, 'Đã ký hợp đồng mua bán điện với chủ thể mới. Mã khách hàng: PA10TH0123456', 'the customer code goes into the note')
  t.equal(rejected?.reason, 'Người đề nghị không chứng minh được quyền sở hữu, sử dụng nhà tại điểm đo', 'lyDo → reason')
})

t.test('status: what the mapping needs, and what it refuses', async (t) => {
  const base = { maYeuCau: CODE, thoiDiem: '20261125110000' }
  const cases: Array<[string, ElectricityStatus, RegExp, boolean]> = [
    // [label, native, field named in the message, whether the native schema already rejects it]
    ['supplement request without papers', { ...base, trangThai: 'CHO_BO_SUNG', ghiChu: 'Thiếu giấy tờ' }, /giayToCanBoSung/, true],
    ['payment request without amount', { ...base, trangThai: 'CHO_THANH_TOAN', ghiChu: 'Nộp chi phí' }, /soTien/, true],
    ['rejection without reason', { ...base, trangThai: 'TU_CHOI' }, /lyDo/, true],
    ['rejection with a blank note', { ...base, trangThai: 'TU_CHOI', ghiChu: '  ' }, /lyDo/, true],
    ['impossible thoiDiem', { ...base, trangThai: 'KHAO_SAT', thoiDiem: '20261131090000' }, /thoiDiem/, false],
    ['impossible ngayHenTraMoi', { ...base, trangThai: 'KHAO_SAT', ngayHenTraMoi: '20261203246000' }, /ngayHenTraMoi/, false]
  ]
  for (const [label, n, field, schemaRejects] of cases) {
    if (schemaRejects) t.not(errorsOf(validateStatus, n), '', `${label}: the native schema rejects it…`)
    else t.equal(errorsOf(validateStatus, n), '', `${label}: the native schema lets it through…`)
    t.throws(() => electricityAdapter.status(n), AdapterMappingError, `…the mapping refuses it: ${label}`)
    t.throws(() => electricityAdapter.status(n), field, 'naming the native field')
  }
  const byNote = electricityAdapter.status({ ...base, trangThai: 'TU_CHOI', ghiChu: 'Khu vực chưa có lưới hạ áp' }).report
  t.strictSame(byNote, { status: 'rejected', occurredAt: '2026-11-25T11:00:00+07:00', note: 'Khu vực chưa có lưới hạ áp', reason: 'Khu vực chưa có lưới hạ áp' }, 'ghiChu is the reason when lyDo is absent')
  const resolvedBare = electricityAdapter.status({ ...base, trangThai: 'HOAN_THANH' }).report
  t.strictSame(resolvedBare, { status: 'resolved', occurredAt: '2026-11-25T11:00:00+07:00' }, 'resolved without documents: no results invented')
  const idOnly = electricityAdapter.status({ ...base, trangThai: 'HOAN_THANH', maKhachHang: 'PA10TH0999999' }).report
  t.equal(idOnly.note, 'Mã khách hàng: PA10TH0999999', 'the customer code alone')
  const free = electricityAdapter.status({ ...base, trangThai: 'KHAO_SAT', soTien: 1000, giayToCanBoSung: [{ ten: 'x' }] }).report
  t.notOk('payment' in free || 'missing' in free, 'fields of other statuses are not mapped')

  t.not(errorsOf(validateStatus, { ...base, trangThai: 'KHAO_SAT', chucDanh: 'Đội trưởng' }), '', 'a title without an officer is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, trangThai: 'CHO_BO_SUNG', giayToCanBoSung: [] }), '', 'an empty list of papers is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, trangThai: 'HOAN_THANH', giayToKetQua: [{ tenGiayTo: 'HĐ', maThanhPhan: 'KQ', duongDan: 'ftp://x/y', sha256: 'a'.repeat(64) }] }), '', 'an ftp link is rejected by the schema')
  t.not(errorsOf(validateStatus, { ...base, trangThai: 'DA_XONG' }), '', 'an unknown code is rejected by the schema')
})

t.test('status schema: the code-specific rules of status() are in the schema too', async (t) => {
  const base = { maYeuCau: CODE, thoiDiem: '20261125110000' }
  const papers = [{ ten: 'Giấy tờ về quyền sử dụng nhà, đất' }]
  /** What the adapter says about a report: '' when it maps it, else its message. */
  const adapterSays = (n: ElectricityStatus): string => {
    try {
      electricityAdapter.status(n)
      return ''
    } catch (err) {
      if (err instanceof AdapterMappingError) return err.message
      throw err
    }
  }
  // [label, native, what the schema errors name]: each breaks one rule status() enforces
  const refused: Array<[string, ElectricityStatus, RegExp]> = [
    ['CHO_BO_SUNG without giayToCanBoSung', { ...base, trangThai: 'CHO_BO_SUNG', ghiChu: 'Thiếu giấy tờ' }, /"missingProperty":"giayToCanBoSung"/],
    ['CHO_THANH_TOAN without soTien', { ...base, trangThai: 'CHO_THANH_TOAN', soThongBaoThanhToan: 'TB-1', noiDungThanhToan: 'Chi phí lắp đặt' }, /"missingProperty":"soTien"/],
    ['TU_CHOI with neither lyDo nor ghiChu', { ...base, trangThai: 'TU_CHOI', nguoiXuLy: 'Lê Thị Mai' }, /"missingProperty":"lyDo".*"missingProperty":"ghiChu"/],
    ['TU_CHOI with only a blank ghiChu', { ...base, trangThai: 'TU_CHOI', ghiChu: ' \n\u00a0' }, /"instancePath":"\/ghiChu"/],
    ['TU_CHOI with a blank lyDo, even beside a ghiChu', { ...base, trangThai: 'TU_CHOI', lyDo: '  ', ghiChu: 'Khu vực chưa có lưới hạ áp' }, /"instancePath":"\/lyDo"/]
  ]
  for (const [label, n, named] of refused) {
    const errors = errorsOf(validateStatus, n)
    t.not(errors, '', `${label}: the native status schema rejects it`)
    t.match(errors, named, `${label}: the schema errors name the field`)
    t.not(adapterSays(n), '', `${label}: as the adapter does`)
  }

  // what the rules must still let through: the adapter maps each of these
  const accepted: Array<[string, ElectricityStatus]> = [
    ['CHO_BO_SUNG with giayToCanBoSung', { ...base, trangThai: 'CHO_BO_SUNG', giayToCanBoSung: papers }],
    ['CHO_THANH_TOAN with soTien 0', { ...base, trangThai: 'CHO_THANH_TOAN', soTien: 0 }],
    ['TU_CHOI with lyDo only', { ...base, trangThai: 'TU_CHOI', lyDo: 'Khu vực chưa có lưới điện hạ áp' }],
    ['TU_CHOI with ghiChu only', { ...base, trangThai: 'TU_CHOI', ghiChu: 'Khu vực chưa có lưới hạ áp' }],
    ['TU_CHOI with lyDo and a blank ghiChu', { ...base, trangThai: 'TU_CHOI', lyDo: 'Khu vực chưa có lưới điện hạ áp', ghiChu: ' ' }],
    ['TU_CHOI with a lyDo padded by spaces', { ...base, trangThai: 'TU_CHOI', lyDo: ' Khu vực chưa có lưới điện hạ áp ' }],
    ['KHAO_SAT with the fields of other codes (not mapped)', { ...base, trangThai: 'KHAO_SAT', soTien: 1000, giayToCanBoSung: papers, lyDo: ' ' }],
    ['HOAN_THANH without documents', { ...base, trangThai: 'HOAN_THANH' }],
    ...statusExamples().map((n): [string, ElectricityStatus] => [`the golden example ${n.trangThai}`, n])
  ]
  for (const [label, n] of accepted) {
    t.equal(errorsOf(validateStatus, n), '', `${label}: valid against the native status schema`)
    t.equal(adapterSays(n), '', `${label}: the adapter maps it`)
  }
})
