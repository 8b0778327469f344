import t from 'tap'
import { paymentAdapters } from '../../adapters/payments.ts'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../src/paths.ts'
import { createStrictAjv } from '../../src/validation/ajv.ts'
import { createNativeValidators, type NativeValidators } from '../../src/validation/native.ts'
import { adapters } from '../../adapters/index.ts'
import { AdapterMappingError, type DeliverableDossier, type DossierSubmission, type OutboundContext } from '../../adapters/contract.ts'
import { electricityAdapter } from '../../adapters/electricity/index.ts'
import { genericAdapter } from '../../adapters/generic/index.ts'
import type { ElectricityRequest, ElectricityStatus, ElectricitySubmission } from '../../adapters/electricity/native.generated.ts'
import { fromCompactDate, fromCompactVietnam, toCompactDate, toCompactVietnam } from '../../adapters/shared/vietnam-datetime.ts'
import type { ElectricityNewConnectionData } from '../../src/types/schemas.generated.ts'
import { goldenPath } from '../golden-files.ts'

const CODE = '000.00.06.H56-261123-0001'
const RECEIVED_AT = '2026-11-23T18:06:59.277+07:00'
const context: OutboundContext = { agencyId: 'evn', idempotencyKey: `${CODE}/evn`, dataSchema: 'electricity-new-connection', step: { id: 'evn', stage: 0, lead: true } }

function exampleSubmission (): DossierSubmission {
  return JSON.parse(readFileSync(fromRoot('schemas', 'examples', 'electricity-new-connection.json'), 'utf8')) as DossierSubmission
}

/** The electricity example as the hub delivers it: with the hub-assigned fields, without routing. */
function deliverable (): DeliverableDossier {
  return { ...exampleSubmission(), code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT }
}

const validators = createNativeValidators(adapters)
function validatorsOf (name: string): NativeValidators {
  const v = validators.get(name)
  if (v === undefined) throw new Error(`no native validators for ${name}`)
  return v
}
const electricity = validatorsOf('electricity')
const generic = validatorsOf('generic')

const ajv = createStrictAjv()
function schema (id: string): ValidateFunction {
  const v = ajv.getSchema(id)
  if (v === undefined) throw new Error(`schema ${id} is missing`)
  return v
}

/** Validates and returns the errors as text, so a failure says why. */
function errorsOf (validate: ValidateFunction | undefined, value: unknown): string {
  if (validate === undefined) return 'no validator'
  return validate(value) ? '' : JSON.stringify(validate.errors)
}

t.test('the fixture: the example plus hub-assigned fields is a valid canonical dossier', async (t) => {
  t.equal(errorsOf(schema('dossier'), deliverable()), '', 'valid against the dossier schema')
  t.equal(errorsOf(schema('electricity-new-connection'), deliverable().data), '', 'data valid against its procedure schema')
})

t.test('electricity outbound: a valid native request, mapped field by field', async (t) => {
  const dossier = deliverable()
  const req = electricityAdapter.outbound(dossier, context)
  t.equal(req.method, 'POST')
  t.equal(req.path, undefined, 'the configured endpoint is used as it is')
  const body = req.body
  t.equal(errorsOf(electricity.request, body), '', 'passes the compiled native request validator')

  t.equal(body.maYeuCau, CODE, 'maYeuCau = dossier code')
  t.equal(body.loaiYeuCau, 'CAP_DIEN_MOI_HA_AP')
  t.equal(body.maDonViTiepNhan, '000.00.06.H56', 'receiving agency code')
  t.equal(body.kenhTiepNhan, 'MOT_CUA', 'counter → MOT_CUA')
  t.equal(body.khachHang.tenKhachHang, 'Trần Văn Bình')
  t.equal(body.khachHang.loaiKhachHang, 'CA_NHAN', 'citizen → CA_NHAN')
  t.equal(body.khachHang.loaiGiayTo, 'CCCD', 'citizen-id → CCCD')
  t.equal(body.khachHang.soGiayTo, '038085004321')
  t.equal(body.khachHang.ngaySinh, '19850930', 'date of birth as yyyyMMdd')
  t.equal(body.khachHang.soDienThoai, '0987654321')
  t.equal(body.khachHang.email, undefined, 'no e-mail in the example, none invented')
  t.equal(body.khachHang.diaChiLienHe, 'Số 8, ngõ 45, đường Bà Triệu', 'address line when there is no fullText')
  t.strictSame(body.diaDiemSuDungDien, { maTinh: '38', maXa: '14758', diaChiChiTiet: 'Số 8, ngõ 45, đường Bà Triệu' }, 'install address codes, no district')
  t.equal(body.mucDichSuDung, 'SINH_HOAT', 'household → SINH_HOAT')
  t.equal(body.congSuatDangKy, 5)
  t.equal(body.soPha, 1)
  t.equal(body.soHoDungChung, 1)
  t.equal(body.hinhThucSoHuuNha, 'CHU_SO_HUU', 'owner → CHU_SO_HUU')
  t.equal(body.ngayDeNghiLapDat, '20261130')
  t.equal(body.ngayTiepNhan, '20261123180659', 'receivedAt as yyyyMMddHHmmss, Vietnam time')
  t.equal(body.ngayHenTra, undefined, 'no due date yet')
  t.equal(body.hinhThucNhanKetQua, 'TAI_QUAY', 'counter return → TAI_QUAY')
  t.equal(body.hoSoDinhKem.length, 2)
  const [first, second] = dossier.attachments ?? []
  t.strictSame(body.hoSoDinhKem[0], {
    maThanhPhan: 'CD-01',
    tenThanhPhan: first?.componentName,
    tenTep: 'cccd-mat-truoc.jpg',
    kieuTep: 'image/jpeg',
    kichThuoc: 14,
    sha256: first?.sha256,
    duongDan: first?.url
  }, 'first attachment, with sha256 and duongDan')
  t.equal(body.hoSoDinhKem[1]?.sha256, '033311472df750351e4d34d4610034f6eaaf2f6f04bbfccf14a56ebf341ececa')
  t.equal(body.hoSoDinhKem[1]?.duongDan, second?.url)
  t.strictSame(dossier, deliverable(), 'the dossier itself is not modified')
})

t.test('electricity outbound: the golden request', async (t) => {
  const golden = readFileSync(goldenPath('electricity-request.json'), 'utf8')
  const body = electricityAdapter.outbound(deliverable(), context).body
  t.strictSame(body, JSON.parse(golden), 'same content as the golden file')
  t.equal(JSON.stringify(body, null, 2) + '\n', golden, 'byte for byte, key order included')
  t.equal(errorsOf(electricity.request, JSON.parse(golden)), '', 'the golden file itself is a valid native request')
})

t.test('electricity outbound: other code values and optional fields', async (t) => {
  const dossier = deliverable()
  dossier.channel = 'online'
  dossier.dueAt = '2026-11-27T17:00:00.000+07:00'
  dossier.resultReturn = {
    method: 'postal',
    delivery: { recipientName: 'Trần Văn Bình', phone: '0987654321', address: { provinceCode: '38', wardCode: '14758', line: 'Số 8' } }
  }
  dossier.applicant.email = 'binh@example.vn'
  dossier.applicant.address = { provinceCode: '38', districtCode: '389', wardCode: '14758', line: 'Số 8', fullText: 'Số 8, phường Ba Đình, tỉnh Thanh Hóa' }
  const data = dossier.data as unknown as ElectricityNewConnectionData
  data.installAddress.districtCode = '389'
  data.premisesOwnership = 'tenant'
  data.phases = 3
  delete data.householdCount
  delete data.preferredDate
  dossier.attachments = [{ componentCode: 'CD-01', fileName: 'a.pdf', mediaType: 'application/pdf', byteSize: 3, sha256: 'a'.repeat(64), contentBase64: 'YWJj' }]
  t.equal(errorsOf(schema('dossier'), dossier), '', 'the variant is a valid canonical dossier')

  const body = electricityAdapter.outbound(dossier, context).body
  t.equal(errorsOf(electricity.request, body), '', 'valid native request')
  t.equal(body.kenhTiepNhan, 'TRUC_TUYEN', 'online → TRUC_TUYEN')
  t.equal(body.hinhThucNhanKetQua, 'BUU_CHINH', 'postal return → BUU_CHINH')
  t.equal(body.ngayHenTra, '20261127170000', 'dueAt as yyyyMMddHHmmss')
  t.equal(body.khachHang.email, 'binh@example.vn')
  t.equal(body.khachHang.diaChiLienHe, 'Số 8, phường Ba Đình, tỉnh Thanh Hóa', 'fullText preferred for the one-line address')
  t.equal(body.diaDiemSuDungDien.maHuyen, '389', 'district code kept for older records')
  t.equal(body.hinhThucSoHuuNha, 'THUE', 'tenant → THUE')
  t.equal(body.soPha, 3)
  t.notOk('soHoDungChung' in body, 'absent household count is not sent')
  t.notOk('ngayDeNghiLapDat' in body, 'absent preferred date is not sent')
  t.strictSame(body.hoSoDinhKem, [{ maThanhPhan: 'CD-01', tenTep: 'a.pdf', kieuTep: 'application/pdf', kichThuoc: 3, sha256: 'a'.repeat(64), noiDungBase64: 'YWJj' }],
    'inline content → noiDungBase64, no duongDan')

  dossier.channel = 'postal'
  dossier.attachments = undefined
  const postal = electricityAdapter.outbound(dossier, context).body
  t.equal(postal.kenhTiepNhan, 'BUU_CHINH', 'postal → BUU_CHINH')
  t.strictSame(postal.hoSoDinhKem, [], 'no attachments: an empty list (the field is required)')
  t.equal(errorsOf(electricity.request, postal), '', 'still valid')

  const purposes: Array<[ElectricityNewConnectionData['purpose'], ElectricityRequest['mucDichSuDung']]> = [
    ['household', 'SINH_HOAT'], ['business', 'KINH_DOANH'], ['production', 'SAN_XUAT'], ['agriculture', 'NONG_NGHIEP'], ['public', 'HCSN']
  ]
  for (const [purpose, native] of purposes) {
    const d = deliverable();
    (d.data as unknown as ElectricityNewConnectionData).purpose = purpose
    t.equal(electricityAdapter.outbound(d, context).body.mucDichSuDung, native, `${purpose} → ${native}`)
  }
})

t.test('electricity outbound: identity types', async (t) => {
  const legacy = deliverable()
  legacy.applicant.identity = { type: 'legacy-id', number: '172345678' }
  const legacyBody = electricityAdapter.outbound(legacy, context).body
  t.equal(legacyBody.khachHang.loaiGiayTo, 'CMND', 'legacy-id → CMND')
  t.equal(legacyBody.khachHang.soGiayTo, '172345678')

  const company = deliverable()
  company.applicant = { kind: 'organisation', fullName: 'Công ty TNHH Ánh Dương', identity: { type: 'tax-code', number: '2800123456' } }
  const companyBody = electricityAdapter.outbound(company, context).body
  t.equal(companyBody.khachHang.loaiKhachHang, 'TO_CHUC', 'organisation → TO_CHUC')
  t.equal(companyBody.khachHang.loaiGiayTo, 'MST', 'tax-code → MST')
  t.notOk('ngaySinh' in companyBody.khachHang, 'no date of birth for an organisation')
  t.equal(errorsOf(electricity.request, companyBody), '', 'valid native request')

  const agency = deliverable()
  agency.applicant = { kind: 'agency', fullName: 'UBND phường Ba Đình', identity: { type: 'agency-code', number: '000.00.06.H56' } }
  t.equal(errorsOf(schema('dossier'), agency), '', 'a valid canonical dossier…')
  t.throws(() => electricityAdapter.outbound(agency, context), AdapterMappingError, '…that the power company cannot take: agency-code')
  try {
    electricityAdapter.outbound(agency, context)
  } catch (err) {
    t.equal((err as Error).name, 'AdapterMappingError', 'the error says what it is')
  }
})

/** A native submission as the power company's own software sends it. */
function nativeSubmission (): ElectricitySubmission {
  return {
    maYeuCauDienLuc: 'PC38-YC-2026-000789',
    maThuTuc: '9.000001.000.00.00.H56',
    tenThuTuc: 'Cấp điện mới từ lưới điện hạ áp',
    maDonViTiepNhan: '000.00.06.H56',
    kenhTiepNhan: 'TRUC_TUYEN',
    khachHang: {
      tenKhachHang: 'Lê Thị Hoa',
      loaiKhachHang: 'CA_NHAN',
      loaiGiayTo: 'CCCD',
      soGiayTo: '038190012345',
      ngaySinh: '19900517',
      soDienThoai: '0912345678',
      email: 'hoa.le@example.vn'
    },
    diaDiemSuDungDien: { maTinh: '38', maHuyen: '389', maXa: '14758', diaChiChiTiet: 'Thôn 3, xã Quảng Phú' },
    mucDichSuDung: 'KINH_DOANH',
    congSuatDangKy: 15,
    soPha: 3,
    soHoDungChung: 2,
    hinhThucSoHuuNha: 'THUE',
    ngayDeNghiLapDat: '20261201',
    ngayYeuCau: '20261122093015',
    hinhThucNhanKetQua: 'BUU_CHINH',
    hoSoDinhKem: [{
      maThanhPhan: 'CD-01',
      tenThanhPhan: 'Giấy tờ xác định chủ thể sử dụng điện (CCCD)',
      tenTep: 'cccd.jpg',
      kieuTep: 'image/jpeg',
      kichThuoc: 14,
      sha256: 'f2706795811480dd9a8d300fbbd4c2b7ff0bcb460a979dc96e090d570d4c0b6c',
      duongDan: 'https://cskh.example.vn/files/PC38-YC-2026-000789/cccd.jpg'
    }]
  }
}

t.test('electricity inbound: native submission → valid canonical submission', async (t) => {
  const native = nativeSubmission()
  t.equal(errorsOf(electricity.submission, native), '', 'the native fixture passes the compiled submission validator')
  const canonical = electricityAdapter.inbound(native, { agencyId: 'evn' })
  t.equal(errorsOf(schema('dossier-submission'), canonical), '', 'valid against dossier-submission')
  t.equal(errorsOf(schema('electricity-new-connection'), canonical.data), '', 'data valid against electricity-new-connection')
  t.equal(canonical.source.system, 'evn', 'source.system is the submitting agency')
  t.equal(canonical.source.reference, 'PC38-YC-2026-000789', 'the power company\'s reference')
  const installAddress = { provinceCode: '38', districtCode: '389', wardCode: '14758', line: 'Thôn 3, xã Quảng Phú' }
  t.strictSame(canonical, {
    source: { system: 'evn', reference: 'PC38-YC-2026-000789' },
    procedure: { code: '9.000001.000.00.00.H56', name: 'Cấp điện mới từ lưới điện hạ áp', level: 'province', receivingAgency: { code: '000.00.06.H56' } },
    applicant: {
      kind: 'citizen',
      fullName: 'Lê Thị Hoa',
      identity: { type: 'citizen-id', number: '038190012345' },
      dateOfBirth: '1990-05-17',
      phone: '0912345678',
      email: 'hoa.le@example.vn'
    },
    data: {
      installAddress,
      purpose: 'business',
      requestedCapacityKw: 15,
      phases: 3,
      householdCount: 2,
      premisesOwnership: 'tenant',
      preferredDate: '2026-12-01'
    },
    attachments: [{
      componentCode: 'CD-01',
      componentName: 'Giấy tờ xác định chủ thể sử dụng điện (CCCD)',
      fileName: 'cccd.jpg',
      mediaType: 'image/jpeg',
      byteSize: 14,
      sha256: 'f2706795811480dd9a8d300fbbd4c2b7ff0bcb460a979dc96e090d570d4c0b6c',
      url: 'https://cskh.example.vn/files/PC38-YC-2026-000789/cccd.jpg'
    }],
    channel: 'online',
    resultReturn: { method: 'postal', delivery: { recipientName: 'Lê Thị Hoa', phone: '0912345678', address: installAddress } },
    submittedAt: '2026-11-22T09:30:15+07:00'
  }, 'every field mapped')
})

t.test('electricity inbound: minimal submission, counter return', async (t) => {
  const native = nativeSubmission()
  native.hinhThucNhanKetQua = 'TAI_QUAY'
  native.kenhTiepNhan = 'MOT_CUA'
  native.mucDichSuDung = 'SINH_HOAT'
  native.soPha = 1
  delete native.khachHang.soDienThoai
  delete native.khachHang.email
  delete native.khachHang.ngaySinh
  delete native.diaDiemSuDungDien.maHuyen
  delete native.soHoDungChung
  delete native.hinhThucSoHuuNha
  delete native.ngayDeNghiLapDat
  delete native.hoSoDinhKem
  t.equal(errorsOf(electricity.submission, native), '', 'valid native submission')
  const canonical = electricityAdapter.inbound(native, { agencyId: 'evn-thanhhoa' })
  t.equal(errorsOf(schema('dossier-submission'), canonical), '', 'valid canonical submission')
  t.equal(errorsOf(schema('electricity-new-connection'), canonical.data), '', 'valid data')
  t.equal(canonical.source.system, 'evn-thanhhoa')
  t.equal(canonical.channel, 'counter')
  t.strictSame(canonical.resultReturn, { method: 'counter' }, 'no delivery for a counter return')
  t.strictSame(canonical.data, {
    installAddress: { provinceCode: '38', wardCode: '14758', line: 'Thôn 3, xã Quảng Phú' }, purpose: 'household', requestedCapacityKw: 15, phases: 1
  }, 'no optional data invented')
  t.notOk('phone' in canonical.applicant, 'no phone')
  t.notOk('dateOfBirth' in canonical.applicant, 'no date of birth')
  t.strictSame(canonical.attachments, [])
})

t.test('electricity inbound: a postal return needs a phone', async (t) => {
  const native = nativeSubmission()
  delete native.khachHang.soDienThoai
  t.equal(errorsOf(electricity.submission, native), '', 'the native schema does not require the phone')
  t.throws(() => electricityAdapter.inbound(native, { agencyId: 'evn' }), AdapterMappingError, 'but the mapping refuses it')
})

t.test('electricity inbound then outbound: the native values come back', async (t) => {
  const native = nativeSubmission()
  const canonical = electricityAdapter.inbound(native, { agencyId: 'evn' })
  const dossier: DeliverableDossier = { ...canonical, code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT }
  const body = electricityAdapter.outbound(dossier, context).body
  t.equal(errorsOf(electricity.request, body), '', 'valid native request')
  t.strictSame(body.khachHang, native.khachHang, 'customer unchanged')
  t.strictSame(body.diaDiemSuDungDien, native.diaDiemSuDungDien, 'supply address unchanged')
  t.strictSame(body.hoSoDinhKem, native.hoSoDinhKem, 'attachments unchanged')
  for (const key of ['kenhTiepNhan', 'mucDichSuDung', 'congSuatDangKy', 'soPha', 'soHoDungChung', 'hinhThucSoHuuNha', 'ngayDeNghiLapDat', 'hinhThucNhanKetQua', 'maDonViTiepNhan'] as const) {
    t.equal(body[key], native[key], `${key} unchanged`)
  }
})

t.test('electricity status: every native trangThai', async (t) => {
  // the full table, with golden reports, is in test/adapters/electricity/adapter.test.ts
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
  /** What a status needs besides the code, as the power company sends it. */
  const extras: Partial<Record<ElectricityStatus['trangThai'], Partial<ElectricityStatus>>> = {
    CHO_BO_SUNG: { giayToCanBoSung: [{ ten: 'Giấy tờ về quyền sử dụng nhà, đất' }] },
    CHO_THANH_TOAN: { soTien: 1500000 },
    TU_CHOI: { lyDo: 'Khu vực chưa có lưới điện hạ áp' }
  }
  const statusSchema = JSON.parse(readFileSync(fromRoot('adapters', 'electricity', 'schemas', 'status.schema.json'), 'utf8')) as { properties: { trangThai: { enum: string[] } } }
  t.same(Object.keys(expected).sort(), [...statusSchema.properties.trangThai.enum].sort(), 'the test covers every code of the native schema')
  for (const [trangThai, status] of Object.entries(expected) as Array<[ElectricityStatus['trangThai'], string]>) {
    const native: ElectricityStatus = { maYeuCau: CODE, trangThai, thoiDiem: '20261123083000', ...extras[trangThai] }
    t.equal(errorsOf(electricity.status, native), '', `${trangThai}: valid native status`)
    const { report, dossierCode } = electricityAdapter.status(native)
    t.equal(report.status, status, `${trangThai} → ${status}`)
    t.equal(errorsOf(schema('status-report'), report), '', `${trangThai}: a valid canonical status report`)
    t.equal(dossierCode, CODE, 'dossierCode from maYeuCau')
    t.equal(report.occurredAt, '2026-11-23T08:30:00+07:00', 'thoiDiem in Vietnam time with offset')
    if (trangThai !== 'TU_CHOI') t.notOk('note' in report, 'no note when there is no ghiChu')
  }
  const withNote = electricityAdapter.status({ maYeuCau: CODE, trangThai: 'KHAO_SAT', thoiDiem: '20261231235959', ghiChu: 'Đã hẹn khảo sát hiện trường' })
  t.strictSame(withNote, { report: { status: 'processing', occurredAt: '2026-12-31T23:59:59+07:00', note: 'Đã hẹn khảo sát hiện trường' }, dossierCode: CODE }, 'ghiChu → note')
  t.equal(new Date(withNote.report.occurredAt ?? '').toISOString(), '2026-12-31T16:59:59.000Z', 'occurredAt is the right instant')
  t.throws(() => electricityAdapter.status({ maYeuCau: CODE, trangThai: 'CHO_BO_SUNG', thoiDiem: '20261123083000', ghiChu: 'Thiếu giấy tờ nhà đất' }),
    AdapterMappingError, 'a supplement request without giayToCanBoSung')
})

t.test('electricity receipt: maTiepNhan from the agency\'s answer', async (t) => {
  t.equal(electricityAdapter.receipt({ status: 201, body: { maTiepNhan: 'PC38-TN-0001', reference: 'other' } }), 'PC38-TN-0001')
  t.equal(electricityAdapter.receipt({ status: 200, body: { maTiepNhan: 'X' } }), 'X')
  for (const [label, body] of [
    ['text body', 'OK'],
    ['empty body', undefined],
    ['null', null],
    ['number', 42],
    ['array', ['PC38-TN-0001']],
    ['missing field', { reference: 'R-1' }],
    ['empty string', { maTiepNhan: '' }],
    ['not a string', { maTiepNhan: 12345 }]
  ] as const) {
    t.equal(electricityAdapter.receipt({ status: 201, body }), undefined, `${label}: no receipt`)
  }
})

t.test('generic adapter', async (t) => {
  const dossier = deliverable()
  const step = { id: 'civil-status', stage: 0, task: 'Đăng ký khai sinh', lead: true }
  const req = genericAdapter.outbound(dossier, { agencyId: 'justice', idempotencyKey: `${CODE}/justice`, dataSchema: 'electricity-new-connection', step })
  t.equal(req.method, 'POST')
  t.strictSame(req.body, { step, dossier: deliverable() }, 'the body is the step and the canonical dossier, unchanged')
  t.equal(req.body.dossier, dossier, 'the dossier itself, not a copy')
  t.equal(errorsOf(generic.request, req.body), '', 'passes the generic request validator')
  t.not(errorsOf(generic.request, { step, dossier: { ...dossier, routing: {}, extra: true } }), '', 'the generic request validator does reject an invalid dossier')
  t.not(errorsOf(generic.request, dossier), '', 'and a bare dossier without its step')

  const submission = exampleSubmission()
  t.equal(genericAdapter.inbound(submission, { agencyId: 'justice' }), submission, 'inbound passes the canonical submission through')
  t.equal(errorsOf(generic.submission, submission), '', 'and its submission validator is dossier-submission')

  t.strictSame(genericAdapter.status({ status: 'resolved', occurredAt: '2026-11-25T10:00:00+07:00', note: 'Đã cấp giấy khai sinh' }),
    { report: { status: 'resolved', occurredAt: '2026-11-25T10:00:00+07:00', note: 'Đã cấp giấy khai sinh' } }, 'the canonical report passes through')
  t.strictSame(genericAdapter.status({ status: 'processing' }), { report: { status: 'processing' } }, 'no occurredAt/note invented, no dossier code')
  t.equal(errorsOf(generic.status, { status: 'resolved' }), '', 'valid generic status')
  t.not(errorsOf(generic.status, { status: 'done' }), '', 'an unknown status is rejected by the status schema')
  t.not(errorsOf(generic.status, { status: 'supplement-requested' }), '', 'a supplement request without missing is rejected by the status schema')

  t.equal(genericAdapter.receipt({ status: 201, body: { reference: 'R-1' } }), 'R-1', 'reference')
  t.equal(genericAdapter.receipt({ status: 201, body: { reference: 'R-1', receiptNumber: 'N', id: 'I' } }), 'R-1', 'reference first')
  t.equal(genericAdapter.receipt({ status: 201, body: { receiptNumber: 'N-7' } }), 'N-7', 'receiptNumber as a fallback')
  t.equal(genericAdapter.receipt({ status: 201, body: { id: 'I-9' } }), 'I-9', 'id as a last fallback')
  t.equal(genericAdapter.receipt({ status: 201, body: { reference: '', id: 'I-9' } }), 'I-9', 'an empty reference is skipped')
  t.equal(genericAdapter.receipt({ status: 201, body: { reference: 7 } }), undefined, 'a number is not a reference')
  t.equal(genericAdapter.receipt({ status: 201, body: 'R-1' }), undefined, 'text body')
  t.equal(genericAdapter.receipt({ status: 204, body: undefined }), undefined, 'empty body')
  t.equal(genericAdapter.receipt({ status: 201, body: null }), undefined, 'null body')
  t.equal(genericAdapter.receipt({ status: 201, body: {} }), undefined, 'no field')
})

/** Folders under adapters/ that map to another system's format but are not agency adapters (payment platforms: adapters/payments.ts). */
const NOT_AGENCY_ADAPTERS = new Set(['national-portal', 'national-data-store', ...paymentAdapters.keys()])

t.test('the registry has exactly the adapter folders with an index.ts', async (t) => {
  const dir = fromRoot('adapters')
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'index.ts')) && !NOT_AGENCY_ADAPTERS.has(e.name))
    .map((e) => e.name)
    .sort()
  t.ok(folders.length >= 2, `adapter folders found: ${folders.join(', ')}`)
  t.same([...adapters.keys()].sort(), folders, 'one registry entry per adapter folder')
  for (const [name, adapter] of adapters) {
    t.equal(adapter.name, name, `${name}: registered under its own name (its folder)`)
    t.type(adapter.description, 'string')
    t.ok(adapter.description.length > 0, `${name}: has a description`)
    t.type(adapter.nativeSchemas.request, 'object', `${name}: has a request schema`)
  }
  t.equal(adapters.get('electricity'), electricityAdapter)
  t.equal(adapters.get('generic'), genericAdapter)
  t.same([...validators.keys()].sort(), folders, 'a validator set per adapter')
  t.type(electricity.submission, 'function', 'electricity submission validator')
  t.type(electricity.status, 'function', 'electricity status validator')
})

t.test('the native request validator rejects what the power company would not understand', async (t) => {
  const body = electricityAdapter.outbound(deliverable(), context).body
  t.not(errorsOf(electricity.request, { ...body, extra: 1 }), '', 'unknown property')
  t.not(errorsOf(electricity.request, { ...body, ngayTiepNhan: '2026-11-23T18:06:59+07:00' }), '', 'ISO date instead of yyyyMMddHHmmss')
  t.not(errorsOf(electricity.request, { ...body, soPha: 2 }), '', 'two phases')
  const { maYeuCau: _omit, ...withoutCode } = body
  t.not(errorsOf(electricity.request, withoutCode), '', 'missing maYeuCau')
})

t.test('shared Vietnam date-times', async (t) => {
  t.equal(toCompactVietnam(RECEIVED_AT), '20261123180659', 'an instant in +07:00')
  t.equal(toCompactVietnam('2026-11-23T11:06:59.277Z'), '20261123180659', 'the same instant in UTC')
  t.equal(toCompactVietnam('2026-11-23T17:00:00Z'), '20261124000000', 'Vietnam midnight is the next day')
  t.equal(toCompactVietnam('2026-12-31T16:59:59.999Z'), '20261231235959', 'milliseconds are dropped, not rounded')
  t.equal(toCompactVietnam('2026-12-31T17:00:00Z'), '20270101000000', 'new year in Vietnam')
  t.equal(toCompactVietnam('2026-11-23T10:00:00+09:00'), '20261123080000', 'another offset')

  t.equal(fromCompactVietnam('20261123083000'), '2026-11-23T08:30:00+07:00')
  t.equal(fromCompactVietnam('20270101000000'), '2027-01-01T00:00:00+07:00')
  for (const compact of ['20261123083000', '20261231235959', '20240229120000', '20260101000000']) {
    t.equal(toCompactVietnam(fromCompactVietnam(compact)), compact, `round trip of ${compact}`)
  }
  for (const iso of ['2026-11-23T18:06:59+07:00', '2026-01-01T00:00:00+07:00']) {
    t.equal(fromCompactVietnam(toCompactVietnam(iso)), iso, `round trip of ${iso}`)
  }
  t.equal(Date.parse(fromCompactVietnam(toCompactVietnam('2026-11-23T11:06:59Z'))), Date.parse('2026-11-23T11:06:59Z'), 'the same instant back')

  for (const bad of ['', 'yesterday', '2026-13-45T99:00:00Z']) {
    t.throws(() => toCompactVietnam(bad), RangeError, `toCompactVietnam rejects ${JSON.stringify(bad)}`)
  }
  for (const bad of ['', '2026112308300', '202611230830000', '2026-11-23T08:30:00+07:00', '2026112308300a', ' 20261123083000']) {
    t.throws(() => fromCompactVietnam(bad), RangeError, `fromCompactVietnam rejects ${JSON.stringify(bad)}`)
  }

  t.equal(toCompactDate('1985-09-30'), '19850930')
  t.equal(fromCompactDate('19850930'), '1985-09-30')
  t.equal(fromCompactDate(toCompactDate('2026-02-28')), '2026-02-28', 'date round trip')
  for (const bad of ['', '1985093', '198509301', '1985-09-30', 'abcdefgh']) {
    t.throws(() => fromCompactDate(bad), RangeError, `fromCompactDate rejects ${JSON.stringify(bad)}`)
  }
})

t.test('regressions found in review', async (t) => {
  for (const bad of ['20261399999999', '20260231120000', '20261123250000', '20261123126000']) {
    t.throws(() => fromCompactVietnam(bad), RangeError, `${bad} is not a real date-time`)
  }
  for (const bad of ['20261301', '20260230', '20260000']) {
    t.throws(() => fromCompactDate(bad), RangeError, `${bad} is not a real date`)
  }
  t.equal(fromCompactVietnam('20240229235959'), '2024-02-29T23:59:59+07:00', 'a leap day is real')

  const birth = JSON.parse(readFileSync(fromRoot('schemas', 'examples', 'birth-registration.json'), 'utf8')) as DossierSubmission
  t.throws(() => electricityAdapter.outbound({ ...birth, code: CODE, status: 'received', statusCode: 2, receivedAt: RECEIVED_AT }, context),
    AdapterMappingError, 'a dossier of another procedure is a mapping error, not a TypeError')

  const orgWithCccd = nativeSubmission()
  orgWithCccd.khachHang = { ...orgWithCccd.khachHang, loaiKhachHang: 'TO_CHUC', loaiGiayTo: 'CCCD' }
  t.throws(() => electricityAdapter.inbound(orgWithCccd, { agencyId: 'evn' }), AdapterMappingError, 'an organisation with a citizen ID')
  const personWithTaxCode = nativeSubmission()
  personWithTaxCode.khachHang = { ...personWithTaxCode.khachHang, loaiKhachHang: 'CA_NHAN', loaiGiayTo: 'MST', soGiayTo: '2801234567' }
  t.throws(() => electricityAdapter.inbound(personWithTaxCode, { agencyId: 'evn' }), AdapterMappingError, 'a person with a tax code')
})
