/**
 * The national public-service portal record (DVCQG sync): the canonical dossier → the record, checked
 * against its schema; every field DOMAIN.md lists is produced for a fully populated dossier; dates
 * in Vietnam time; status, channel, applicant-kind and identifier codes; NgayTuChoi only for a
 * dossier that was not accepted; optional fields left out rather than sent empty.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../../src/paths.ts'
import { createAjv } from '../../../src/validation/ajv.ts'
import type { JsonSchema } from '../../../src/schemas.ts'
import { STATUSES } from '../../../src/domain/status.ts'
import { AdapterMappingError, type Dossier, type DossierSubmission } from '../../../adapters/contract.ts'
import type { HistoryEntry } from '../../../src/types/schemas.generated.ts'
import { nationalRecordSchema, toNationalRecord, toSyncMessage, type NationalRecordContext } from '../../../adapters/national-portal/index.ts'
import { expectGolden } from '../../golden-files.ts'
import type { NationalPortalRecord } from '../../../adapters/national-portal/native.generated.ts'

type Status = Dossier['status']

interface PropertySchema { description?: string, type?: string, items?: ObjectSchema }
interface ObjectSchema { $id?: string, title?: string, description?: string, required?: string[], properties: Record<string, PropertySchema> }
const schema = nationalRecordSchema as unknown as ObjectSchema

/** The fields DOMAIN.md ("Fields the national portal sync uses") lists, as sent to DVCQG. */
const DOMAIN_FIELDS = [
  'MaHoSo', 'MaTTHC', 'TenTTHC', 'MaLinhVuc', 'TenLinhVuc', 'KenhThucHien', 'ChuHoSo', 'SoGiayToChuHoSo',
  'LoaiDoiTuong', 'SoDienThoai', 'Email', 'TrichYeuHoSo', 'NgayTiepNhan', 'NgayHenTra', 'TrangThaiHoSo', 'NgayTra',
  'NgayKetThucXuLy', 'DonViXuLy', 'NoiNopHoSo', 'NgayNopHoSo', 'NgayTuChoi', 'DinhDanhCHS', 'TaiLieuNop',
  'DanhSachLePhi', 'DanhSachGiayToKetQua',
  'DanhSachHoSoBoSung',
  // of the fields a real provincial system's record also carries (DOMAIN.md): issue 14
  'TaiKhoanDuocXacThucVoiVNeID', 'HoSoCoThanhPhanSoHoa',
  // … and issue 16 (paid online)
  'DuocThanhToanTrucTuyen',
  // … and the rest of that list: the result's return method, the national databases consulted
  'HinhThuc', 'DSKetNoiCSDL'
]
const DOMAIN_ITEM_FIELDS: Record<string, string[]> = {
  DinhDanhCHS: ['LoaiDinhDanh', 'SoDinhDanh'],
  // DuocLayTuKhoDMQG: of the fields a real provincial system's record also carries (DOMAIN.md): issue 17
  TaiLieuNop: ['TenTepDinhKem', 'MaThanhPhanHoSo', 'DuongDanTaiTepTin', 'DuocSoHoa', 'DuocTaiSuDung', 'DuocLayTuKhoDMQG'],
  DanhSachLePhi: ['TenPhiLePhi', 'MaPhiLePhi', 'HinhThucThu', 'Gia', 'LoaiPhiLePhi'],
  DanhSachGiayToKetQua: ['TenGiayTo', 'MaThanhPhanHoSo', 'DuongDanTepTinKetQua', 'MaGiayToKetQua'],
  DSKetNoiCSDL: ['MaCSDL']
}

/** DOMAIN.md, "Statuses". */
const DOMAIN_STATUS_CODES: Record<Status, number> = {
  new: 1,
  received: 2,
  'not-accepted': 3,
  processing: 4,
  'supplement-requested': 5,
  'payment-requested': 6,
  withdrawn: 7,
  stopped: 8,
  resolved: 9,
  returned: 10
}

const LAND_OFFICE = 'Văn phòng đăng ký đất đai — VBDLIS'
const TAX = 'Cơ quan thuế — xác định nghĩa vụ tài chính về đất đai'
const JUSTICE = 'Sở Tư pháp — phần mềm đăng ký, quản lý hộ tịch và lý lịch tư pháp'
const context: NationalRecordContext = {
  agencies: new Map([
    ['land-office', { name: LAND_OFFICE }],
    ['tax', { name: TAX, code: '000.00.11.H56' }],
    ['justice', { name: JUSTICE }]
  ])
}

/**
 * The transfer's history as the hub writes it: received, accepted, papers asked for on Thu 26 Nov
 * 2026 with the due date Fri 4 Dec, supplied on Mon 30 Nov (two working days paused: due Tue 8 Dec).
 */
const HISTORY: HistoryEntry[] = [
  { at: '2026-11-24T08:47:12.345+07:00', type: 'received', actor: { kind: 'portal', id: 'dvc-thanhhoa' }, applied: true, statusTo: 'received' },
  { at: '2026-11-24T14:00:00+07:00', type: 'agency-report', actor: { kind: 'agency', id: 'land-office' }, applied: true, statusFrom: 'received', statusTo: 'processing' },
  { at: '2026-11-26T09:00:00+07:00', type: 'agency-report', actor: { kind: 'agency', id: 'land-office' }, applied: true, statusFrom: 'processing', statusTo: 'supplement-requested', dueAtFrom: '2026-12-04T17:00:00+07:00' },
  { at: '2026-11-30T10:00:00+07:00', type: 'supplement-provided', actor: { kind: 'portal', id: 'dvc-thanhhoa' }, applied: true, statusFrom: 'supplement-requested', statusTo: 'processing', dueAtFrom: '2026-12-04T17:00:00+07:00', dueAtTo: '2026-12-08T17:00:00+07:00' },
  { at: '2026-12-04T10:15:00+07:00', type: 'agency-report', actor: { kind: 'agency', id: 'land-office' }, applied: true, statusFrom: 'processing', statusTo: 'resolved' }
]
const RESULT_SHA = '4ea189e9b3ea2d60c7e2c0a2c75da49e66a57fc63d7521f30fdc034d62a0e76e'
/** The document store's ids of the transfer's results (registered when the steps reported them). */
const TAX_NOTICE_DOC = 'doc_7a1c0e55b2d94f0a8e3b6c1d2f4a5b6c'
const CERTIFICATE_DOC = 'doc_0f9e8d7c6b5a49382716a5b4c3d2e1f0'
/**
 * Everything the hub knows of the transfer beyond the dossier: its history, the land office's
 * payment request (paid online; one line with a code, one without), its results in the document
 * store, the configured codes of the national databases.
 */
const fullContext: NationalRecordContext = {
  ...context,
  history: HISTORY,
  payments: [
    { reference: 'LT261203ABCDEFGHIJ', state: 'paid', lines: [{ code: 'LP-GCN', name: 'Lệ phí cấp Giấy chứng nhận (đã kê khai)', amount: 100000 }, { name: 'Phí đo đạc, lập bản đồ địa chính', amount: 250000 }] },
    { reference: 'LT261202KLMNOPQRST', state: 'cancelled', lines: [{ code: 'PHI-HUY', name: 'Yêu cầu đã hủy', amount: 1 }] }
  ],
  resultDocuments: [
    { id: CERTIFICATE_DOC, step: 'land-certificate', kind: 'KQ-GCN', sha256: RESULT_SHA },
    { id: TAX_NOTICE_DOC, step: 'tax', kind: 'KQ-TBT', sha256: RESULT_SHA }
  ],
  databaseCodes: { 'national-data-store': 'KHO-DMQG', population: 'CSDLQG-DC' }
}

const ajv = createAjv({}, [nationalRecordSchema as unknown as JsonSchema])
const validate = ajv.getSchema('national-portal-record') as ValidateFunction

function errorsOf (record: unknown): string {
  return validate(record) ? '' : ajv.errorsText(validate.errors)
}

function example (name: string): DossierSubmission {
  return JSON.parse(readFileSync(fromRoot('schemas', 'examples', `${name}.json`), 'utf8')) as DossierSubmission
}

const TRANSFER_CODE = '000.20.38.H56-261124-0001'

/**
 * The land transfer example, returned to the applicant: every hub-assigned field set, a linked
 * route whose lead step is not the first one listed, result documents from two steps.
 */
function returnedTransfer (): Dossier {
  const submission = example('land-use-right-transfer')
  // the old certificate (CN-03) was reused from the national personal data store (once-only)
  const attachments = (submission.attachments ?? []).map((a) => a.componentCode === 'CN-03'
    ? { ...a, reused: { documentId: 'doc_0123456789abcdef0123456789abcdef', fromNationalStore: true, consentAt: '2026-11-24T08:40:00+07:00' } }
    : a)
  return {
    ...submission,
    attachments,
    applicant: { ...submission.applicant, vneidAuthenticated: true },
    code: TRANSFER_CODE,
    status: 'returned',
    statusCode: 10,
    receivedAt: '2026-11-24T08:47:12.345+07:00',
    dueAt: '2026-12-08T17:00:00+07:00',
    rescheduledDueAt: '2026-12-10T17:00:00+07:00',
    resolvedAt: '2026-12-04T10:15:00+07:00',
    returnedAt: '2026-12-05T09:00:00+07:00',
    timeliness: 'early',
    routing: {
      tax: { agency: 'tax', stage: 1, state: 'resolved', attempts: 1 },
      'land-registration': { agency: 'land-office', stage: 0, lead: true, state: 'resolved', attempts: 1 },
      'land-certificate': { agency: 'land-office', stage: 2, state: 'resolved', attempts: 2 }
    },
    results: [
      {
        name: 'Thông báo nộp tiền thuế thu nhập cá nhân, lệ phí trước bạ',
        componentCode: 'KQ-TBT',
        url: 'https://thue.thanhhoa.gov.vn/ketqua/000.20.38.H56-261124-0001/thong-bao-thue.pdf',
        sha256: RESULT_SHA,
        step: 'tax',
        agency: 'tax'
      },
      {
        name: 'Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất',
        componentCode: 'KQ-GCN',
        url: 'https://vbdlis.thanhhoa.gov.vn/ketqua/000.20.38.H56-261124-0001/giay-chung-nhan.pdf',
        sha256: RESULT_SHA,
        mediaType: 'application/pdf',
        originalCopies: 1,
        step: 'land-certificate',
        agency: 'land-office'
      }
    ]
  }
}

/** The birth example, just received (no due date yet, no result). */
function receivedBirth (): Dossier {
  return {
    ...example('birth-registration'),
    code: '000.31.35.H56-261120-0042',
    status: 'received',
    statusCode: 2,
    receivedAt: '2026-11-20T09:16:03+07:00',
    routing: {
      'civil-status': { agency: 'justice', stage: 0, lead: true, state: 'delivered', attempts: 1 }
    }
  }
}

/** A dossier in `status`, with the dates that status implies. */
function inStatus (status: Status): Dossier {
  const d = receivedBirth()
  return {
    ...d,
    status,
    // the code the hub gives the status (src/domain/status.ts), checked below against DOMAIN.md
    statusCode: STATUSES[status].code,
    ...(['not-accepted', 'withdrawn', 'stopped'].includes(status) && { closedAt: '2026-11-20T14:00:00+07:00' }),
    ...((status === 'resolved' || status === 'returned') && { resolvedAt: '2026-11-20T15:30:00+07:00' }),
    ...(status === 'returned' && { returnedAt: '2026-11-21T08:10:00+07:00' })
  }
}

const hasValue = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)

t.test('the schema is draft-07, closed, and describes every field in Vietnamese — English', async (t) => {
  const s = nationalRecordSchema as unknown as Record<string, unknown>
  t.equal(s.$schema, 'http://json-schema.org/draft-07/schema#')
  t.equal(s.$id, 'national-portal-record')
  t.equal(s.title, 'NationalPortalRecord')
  t.equal(s.additionalProperties, false)
  const described = /^\S[^—]*\S — \S/
  t.match(schema.description, described, 'root description')
  for (const [name, p] of Object.entries(schema.properties)) {
    t.match(p.description, described, `${name}: description`)
    for (const [item, ip] of Object.entries(p.items?.properties ?? {})) {
      t.match(ip.description, described, `${name}[].${item}: description`)
    }
    if (p.items !== undefined) t.match(p.items.description, described, `${name}[]: description`)
  }
  t.same(Object.keys(schema.properties).sort(), [...DOMAIN_FIELDS].sort(), 'exactly the fields DOMAIN.md lists')
  for (const [name, fields] of Object.entries(DOMAIN_ITEM_FIELDS)) {
    t.same(Object.keys(schema.properties[name]?.items?.properties ?? {}).sort(), [...fields].sort(), `${name}: exactly the item fields DOMAIN.md lists`)
  }
  for (const date of ['NgayTiepNhan', 'NgayHenTra', 'NgayTra', 'NgayKetThucXuLy', 'NgayNopHoSo', 'NgayTuChoi']) {
    t.equal((schema.properties[date] as { pattern?: string }).pattern, '^\\d{14}$', `${date} is yyyyMMddHHmmss`)
  }
  t.same([...(schema.required ?? [])].sort(), [
    'ChuHoSo', 'HoSoCoThanhPhanSoHoa', 'KenhThucHien', 'LoaiDoiTuong', 'MaHoSo', 'MaTTHC', 'NgayNopHoSo', 'NgayTiepNhan', 'NoiNopHoSo',
    'SoGiayToChuHoSo', 'TenTTHC', 'TrangThaiHoSo'
  ], 'required: what every received dossier has')
  for (const later of ['NgayTra', 'NgayKetThucXuLy', 'NgayTuChoi', 'NgayHenTra']) {
    t.notOk(schema.required?.includes(later), `${later} is optional`)
  }
})

t.test('a fully populated dossier maps to a complete, valid record', async (t) => {
  const record = toNationalRecord(returnedTransfer(), { ...fullContext, paidOnline: 2 })
  t.equal(errorsOf(record), '', 'valid against national-portal-record')
  t.notOk('DuocThanhToanTrucTuyen' in toNationalRecord(returnedTransfer(), context), 'no online payment asked: no DuocThanhToanTrucTuyen')
  t.equal(toNationalRecord(returnedTransfer(), { ...context, paidOnline: 0 }).DuocThanhToanTrucTuyen, 0, 'asked and not paid: 0')
  for (const name of schema.required ?? []) t.ok(hasValue((record as Record<string, unknown>)[name]), `required ${name} present`)

  const refused = toNationalRecord({ ...inStatus('not-accepted') }, context)
  for (const name of Object.keys(schema.properties)) {
    // NgayTuChoi belongs only to a dossier that was not accepted; every other field to the full example
    const source = name === 'NgayTuChoi' ? refused : record
    const value = (source as Record<string, unknown>)[name]
    t.ok(hasValue(value), `${name} is produced`)
    const items = schema.properties[name]?.items
    if (items !== undefined && Array.isArray(value)) {
      for (const [i, item] of (value as Array<Record<string, unknown>>).entries()) {
        for (const field of Object.keys(items.properties)) t.ok(hasValue(item[field]), `${name}[${i}].${field} is produced`)
      }
    }
  }

  t.same(record, {
    MaHoSo: TRANSFER_CODE,
    MaTTHC: '1.004227.000.00.00.H56',
    TenTTHC: 'Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất do chuyển nhượng',
    MaLinhVuc: 'H56-DD',
    TenLinhVuc: 'Đất đai',
    KenhThucHien: 1,
    ChuHoSo: 'Lê Minh Đức',
    SoGiayToChuHoSo: '038088004567',
    LoaiDoiTuong: 1,
    SoDienThoai: '0915234567',
    Email: 'le.minh.duc@example.vn',
    TrichYeuHoSo: 'Đăng ký biến động do nhận chuyển nhượng thửa đất số 245, tờ bản đồ số 12, phường Hạc Thành',
    NgayTiepNhan: '20261124084712',
    NgayHenTra: '20261208170000',
    TrangThaiHoSo: 10,
    NgayTra: '20261205090000',
    NgayKetThucXuLy: '20261204101500',
    DonViXuLy: LAND_OFFICE,
    NoiNopHoSo: 'Trung tâm Phục vụ hành chính công phường Hạc Thành',
    NgayNopHoSo: '20261124084500',
    TaiKhoanDuocXacThucVoiVNeID: 1,
    HoSoCoThanhPhanSoHoa: 1,
    DuocThanhToanTrucTuyen: 2,
    HinhThuc: 0,
    DSKetNoiCSDL: [{ MaCSDL: 'KHO-DMQG' }, { MaCSDL: 'CSDLQG-DC' }],
    DinhDanhCHS: [{ LoaiDinhDanh: 1, SoDinhDanh: '038088004567' }],
    TaiLieuNop: [
      {
        TenTepDinhKem: 'don-dang-ky-bien-dong.pdf',
        MaThanhPhanHoSo: 'CN-01',
        DuongDanTaiTepTin: 'https://dichvucong.thanhhoa.gov.vn/files/DVC-2026-11-000789/don-dang-ky-bien-dong.pdf',
        DuocSoHoa: 0,
        DuocTaiSuDung: 0,
        DuocLayTuKhoDMQG: 0
      },
      {
        TenTepDinhKem: 'hop-dong-chuyen-nhuong.pdf',
        MaThanhPhanHoSo: 'CN-02',
        DuongDanTaiTepTin: 'https://dichvucong.thanhhoa.gov.vn/files/DVC-2026-11-000789/hop-dong-chuyen-nhuong.pdf',
        DuocSoHoa: 1,
        DuocTaiSuDung: 0,
        DuocLayTuKhoDMQG: 0
      },
      {
        TenTepDinhKem: 'giay-chung-nhan-CS045678.pdf',
        MaThanhPhanHoSo: 'CN-03',
        DuongDanTaiTepTin: 'https://dichvucong.thanhhoa.gov.vn/files/DVC-2026-11-000789/giay-chung-nhan-CS045678.pdf',
        DuocSoHoa: 1,
        DuocTaiSuDung: 1,
        DuocLayTuKhoDMQG: 1
      },
      {
        TenTepDinhKem: 'to-khai-thue.pdf',
        MaThanhPhanHoSo: 'CN-04',
        DuongDanTaiTepTin: 'https://dichvucong.thanhhoa.gov.vn/files/DVC-2026-11-000789/to-khai-thue.pdf',
        DuocSoHoa: 0,
        DuocTaiSuDung: 0,
        DuocLayTuKhoDMQG: 0
      }
    ],
    DanhSachLePhi: [
      {
        TenPhiLePhi: 'Lệ phí cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất',
        MaPhiLePhi: 'LP-GCN',
        HinhThucThu: 1,
        Gia: 100000,
        LoaiPhiLePhi: 1
      },
      {
        TenPhiLePhi: 'Phí thẩm định hồ sơ cấp Giấy chứng nhận',
        MaPhiLePhi: 'PHI-TDHS',
        HinhThucThu: 1,
        Gia: 500000,
        LoaiPhiLePhi: 1
      },
      // the payment request's line without a code (the one with LP-GCN is listed above; the cancelled request not at all)
      {
        TenPhiLePhi: 'Phí đo đạc, lập bản đồ địa chính',
        MaPhiLePhi: 'LT261203ABCDEFGHIJ-2',
        HinhThucThu: 2,
        Gia: 250000,
        LoaiPhiLePhi: 1
      }
    ],
    DanhSachGiayToKetQua: [
      {
        TenGiayTo: 'Thông báo nộp tiền thuế thu nhập cá nhân, lệ phí trước bạ',
        MaThanhPhanHoSo: 'KQ-TBT',
        DuongDanTepTinKetQua: 'https://thue.thanhhoa.gov.vn/ketqua/000.20.38.H56-261124-0001/thong-bao-thue.pdf',
        MaGiayToKetQua: TAX_NOTICE_DOC
      },
      {
        TenGiayTo: 'Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất',
        MaThanhPhanHoSo: 'KQ-GCN',
        DuongDanTepTinKetQua: 'https://vbdlis.thanhhoa.gov.vn/ketqua/000.20.38.H56-261124-0001/giay-chung-nhan.pdf',
        MaGiayToKetQua: CERTIFICATE_DOC
      }
    ],
    DanhSachHoSoBoSung: [{ NgayHenTraTruoc: '20261204170000', NgayHenTraMoi: '20261208170000' }]
  } satisfies NationalPortalRecord, 'the whole record')
  expectGolden(t, 'national-portal-record-land-transfer.json', `${JSON.stringify(record, null, 2)}\n`, 'the record, byte for byte as the golden file')
  const change = { sequence: 5, statusCode: 9, dueAt: '2026-12-08T17:00:00+07:00', entry: HISTORY[4] as HistoryEntry }
  const message = toSyncMessage(returnedTransfer(), change, { ...fullContext, paidOnline: 2 })
  expectGolden(t, 'national-portal-sync-land-transfer.json', `${JSON.stringify(message, null, 2)}\n`, 'the sync message of the resolution, byte for byte as the golden file')
  t.notOk('DanhSachHoSoBoSung' in toNationalRecord(returnedTransfer(), context), 'without the history: no rounds')
  const asking = toNationalRecord({ ...returnedTransfer(), status: 'supplement-requested', statusCode: 5, dueAt: '2026-12-04T17:00:00+07:00' } as Dossier, { ...context, history: HISTORY.slice(0, 3) })
  t.same(asking.DanhSachHoSoBoSung, [{ NgayHenTraTruoc: '20261204170000' }], 'a round still open: the due date in force when the papers were asked for')
  t.notOk('NgayTuChoi' in record, 'a returned dossier has no NgayTuChoi')
  t.equal(record.NgayHenTra, '20261208170000', 'NgayHenTra is the due date, not the rescheduled one')
})

t.test('dates are converted to Vietnam time', async (t) => {
  const d: Dossier = {
    ...inStatus('returned'),
    submittedAt: '2026-11-23T09:15:00Z',
    receivedAt: '2026-11-23T09:30:00Z',
    dueAt: '2026-11-27T10:00:00Z',
    resolvedAt: '2026-11-26T17:30:00Z',
    returnedAt: '2026-11-27T01:00:00.999Z'
  }
  const r = toNationalRecord(d, context)
  t.equal(r.NgayNopHoSo, '20261123161500', 'NgayNopHoSo from UTC')
  t.equal(r.NgayTiepNhan, '20261123163000', 'NgayTiepNhan: 09:30 UTC is 16:30 in Vietnam')
  t.equal(r.NgayHenTra, '20261127170000', 'NgayHenTra')
  t.equal(r.NgayKetThucXuLy, '20261127003000', 'NgayKetThucXuLy: 17:30 UTC is past midnight in Vietnam, the next day')
  t.equal(r.NgayTra, '20261127080000', 'NgayTra: milliseconds dropped')
  t.equal(toNationalRecord({ ...d, receivedAt: '2026-11-23T18:30:00+09:00' }, context).NgayTiepNhan, '20261123163000', 'another offset, the same instant')
  t.equal(toNationalRecord({ ...d, receivedAt: '2026-12-31T17:00:00Z' }, context).NgayTiepNhan, '20270101000000', 'new year in Vietnam')
  t.equal(toNationalRecord({ ...inStatus('not-accepted'), closedAt: '2026-11-20T20:05:09Z' }, context).NgayTuChoi, '20261121030509', 'NgayTuChoi from UTC')
  t.equal(errorsOf(r), '', 'valid')
})

t.test('status codes map as the national portal numbers them', async (t) => {
  const statuses = Object.keys(DOMAIN_STATUS_CODES) as Status[]
  t.equal(statuses.length, 10)
  for (const status of statuses) {
    const r = toNationalRecord(inStatus(status), context)
    t.equal(r.TrangThaiHoSo, DOMAIN_STATUS_CODES[status], `${status} → ${DOMAIN_STATUS_CODES[status]}`)
    t.equal(errorsOf(r), '', `${status}: valid`)
  }
  t.throws(() => toNationalRecord({ ...inStatus('resolved'), resolvedAt: undefined }, context), AdapterMappingError, 'resolved without resolvedAt')
  t.throws(() => toNationalRecord({ ...inStatus('returned'), returnedAt: undefined }, context), AdapterMappingError, 'returned without returnedAt')
  t.notOk('NgayTra' in toNationalRecord(inStatus('resolved'), context), 'a resolved dossier has no NgayTra yet')
  t.ok(hasValue(toNationalRecord(inStatus('resolved'), context).NgayKetThucXuLy), 'a resolved dossier has NgayKetThucXuLy')
})

t.test('channel, applicant kind and identifiers map to their codes', async (t) => {
  const base = receivedBirth()
  for (const [channel, code] of [['counter', 1], ['online', 2], ['postal', 3]] as const) {
    const r = toNationalRecord({ ...base, channel }, context)
    t.equal(r.KenhThucHien, code, `${channel} → KenhThucHien ${code}`)
    t.equal(errorsOf(r), '', `${channel}: valid`)
  }

  const citizen = toNationalRecord(base, context)
  t.equal(citizen.LoaiDoiTuong, 1, 'citizen → 1')
  t.same(citizen.DinhDanhCHS, [{ LoaiDinhDanh: 1, SoDinhDanh: '038190012345' }], 'citizen ID → LoaiDinhDanh 1')

  const legacy = toNationalRecord({ ...base, applicant: { ...base.applicant, identity: { type: 'legacy-id', number: '171234567' } } }, context)
  t.equal(legacy.LoaiDoiTuong, 1, 'a citizen with an old ID card is still a citizen')
  t.equal(legacy.SoGiayToChuHoSo, '171234567')
  t.same(legacy.DinhDanhCHS, [{ LoaiDinhDanh: 2, SoDinhDanh: '171234567' }], 'old ID card → LoaiDinhDanh 2')
  t.equal(errorsOf(legacy), '', 'legacy ID: valid')

  const organisation = toNationalRecord({
    ...base,
    applicant: { kind: 'organisation', fullName: 'Công ty TNHH Minh Phát', identity: { type: 'tax-code', number: '2801234567' } }
  }, context)
  t.equal(organisation.LoaiDoiTuong, 2, 'organisation → 2')
  t.equal(organisation.SoGiayToChuHoSo, '2801234567', 'tax code as the document number')
  t.notOk('DinhDanhCHS' in organisation, 'no personal identifier for an organisation')
  t.equal(errorsOf(organisation), '', 'organisation: valid')

  const agency = toNationalRecord({
    ...base,
    applicant: { kind: 'agency', fullName: 'UBND phường Hạc Thành', identity: { type: 'agency-code', number: '000.31.35.H56' } }
  }, context)
  t.equal(agency.LoaiDoiTuong, 3, 'agency → 3')
  t.notOk('DinhDanhCHS' in agency, 'no personal identifier for an agency')
  t.equal(errorsOf(agency), '', 'agency: valid')

  t.equal(toNationalRecord({ ...base, fees: [{ code: 'P', name: 'Phí', amount: 1, collection: 'postal' }] }, context).DanhSachLePhi?.[0]?.HinhThucThu, 3, 'fee collected by post → HinhThucThu 3')
  t.equal(toNationalRecord({ ...base, fees: [{ code: 'P', name: 'Phí', amount: 1, collection: 'online' }] }, context).DanhSachLePhi?.[0]?.HinhThucThu, 2, 'fee collected online → HinhThucThu 2')
  t.notOk('HinhThucThu' in (toNationalRecord({ ...base, fees: [{ code: 'P', name: 'Phí', amount: 0 }] }, context).DanhSachLePhi?.[0] ?? {}), 'no collection, no HinhThucThu')
})

t.test('HinhThuc, DSKetNoiCSDL, LoaiPhiLePhi and MaGiayToKetQua come from what the hub knows, and only from it', async (t) => {
  const base = returnedTransfer()
  // HinhThuc: how the result is returned (0 at the desk, 1 by post); no code is known for online
  t.equal(toNationalRecord(base, context).HinhThuc, 0, 'counter → HinhThuc 0')
  const delivery = { recipientName: 'Lê Minh Đức', phone: '0915234567', address: { provinceCode: '38', wardCode: '14755', line: 'Số 12 Lê Lai' } }
  const postal = toNationalRecord({ ...base, resultReturn: { method: 'postal', delivery } } as Dossier, context)
  t.equal(postal.HinhThuc, 1, 'postal → HinhThuc 1')
  t.notOk('HinhThuc' in toNationalRecord({ ...base, resultReturn: { method: 'online' } }, context), 'online: no code known, left out')

  // DSKetNoiCSDL: only the databases the dossier used, only with a configured code
  const codes = { 'national-data-store': 'KHO-DMQG', population: 'CSDLQG-DC' }
  t.notOk('DSKetNoiCSDL' in toNationalRecord(base, context), 'no codes configured: not listed')
  const noReuse = { ...base, attachments: (base.attachments ?? []).map(({ reused: _reused, ...a }) => a) }
  t.same(toNationalRecord(noReuse, { ...context, databaseCodes: codes }).DSKetNoiCSDL, [{ MaCSDL: 'CSDLQG-DC' }], 'nothing taken from the data store: only the population database (VNeID)')
  const neither = { ...noReuse, applicant: { ...noReuse.applicant, vneidAuthenticated: false } }
  t.notOk('DSKetNoiCSDL' in toNationalRecord(neither, { ...context, databaseCodes: codes }), 'neither used: not listed')
  t.same(toNationalRecord(base, { ...context, databaseCodes: { population: 'CSDLQG-DC' } }).DSKetNoiCSDL, [{ MaCSDL: 'CSDLQG-DC' }], 'the data store without a code: left out')
  t.same(toNationalRecord(base, { ...context, databaseCodes: { 'national-data-store': 'X', population: 'X' } }).DSKetNoiCSDL, [{ MaCSDL: 'X' }], 'one code once')

  // MaGiayToKetQua: the document store's id of the same result (step, component, digest), else left out
  const otherDigest = toNationalRecord(base, { ...context, resultDocuments: [{ id: CERTIFICATE_DOC, step: 'land-certificate', kind: 'KQ-GCN', sha256: 'f'.repeat(64) }] })
  t.notOk(otherDigest.DanhSachGiayToKetQua?.some((r) => 'MaGiayToKetQua' in r), 'another file with the same component: not this result')
  const otherStep = toNationalRecord(base, { ...context, resultDocuments: [{ id: CERTIFICATE_DOC, step: 'tax', kind: 'KQ-GCN', sha256: RESULT_SHA }] })
  t.notOk(otherStep.DanhSachGiayToKetQua?.some((r) => 'MaGiayToKetQua' in r), 'the same file from another step: not this result')
  t.equal(errorsOf(otherStep), '', 'results without MaGiayToKetQua: valid')

  // LoaiPhiLePhi on every line; payment lines after the dossier's fees, each code once
  const fees = toNationalRecord(base, { ...context, payments: [{ reference: 'LT261203ABCDEFGHIJ', state: 'paid', lines: [{ code: 'PHI-TDHS', name: 'Phí thẩm định', amount: 500000 }, { code: 'PHI-DD', name: 'Phí đo đạc', amount: 1 }] }] }).DanhSachLePhi ?? []
  t.same(fees.map((f) => [f.MaPhiLePhi, f.HinhThucThu, f.LoaiPhiLePhi]), [['LP-GCN', 1, 1], ['PHI-TDHS', 1, 1], ['PHI-DD', 2, 1]], 'a paid request\'s lines: collected online; a code already listed is not repeated')
  // DanhSachLePhi[].HinhThucThu says how a fee was collected: a request not paid (yet) collected nothing online
  for (const state of ['creating', 'open', 'failed', 'cancelled']) {
    const unpaid = toNationalRecord(base, { ...context, payments: [{ reference: 'LT261203ABCDEFGHIJ', state, lines: [{ code: 'PHI-DD', name: 'Phí đo đạc', amount: 1 }] }] }).DanhSachLePhi ?? []
    t.same(unpaid.map((f) => f.MaPhiLePhi), ['LP-GCN', 'PHI-TDHS'], `a request in state ${state}: its lines are not listed as collected online`)
  }
  t.notOk('DanhSachLePhi' in toNationalRecord({ ...base, fees: undefined }, { ...context, payments: [{ reference: 'LT1', state: 'cancelled', lines: [{ code: 'A', name: 'A', amount: 1 }] }] }), 'only a cancelled request: no fee lines')

  // the record with every field stays valid
  t.equal(errorsOf(toNationalRecord(base, { ...fullContext, paidOnline: 2 })), '', 'valid')
  const broken = { ...toNationalRecord(base, fullContext), DSKetNoiCSDL: [{ MaCSDL: 'A' }, { MaCSDL: 'A' }] }
  t.match(errorsOf(broken), /duplicate|identical/, 'the schema refuses a database listed twice')
  const noKind = toNationalRecord(base, fullContext)
  const first = noKind.DanhSachLePhi?.[0] as Partial<NonNullable<NationalPortalRecord['DanhSachLePhi']>[number]> | undefined
  delete first?.LoaiPhiLePhi
  t.match(errorsOf(noKind), /LoaiPhiLePhi/, 'the schema requires LoaiPhiLePhi')
})

t.test('NgayTuChoi only for a dossier that was not accepted', async (t) => {
  const refused = toNationalRecord(inStatus('not-accepted'), context)
  t.equal(refused.TrangThaiHoSo, 3)
  t.equal(refused.NgayTuChoi, '20261120140000', 'not accepted: NgayTuChoi from closedAt')
  t.equal(errorsOf(refused), '', 'valid')

  const received = toNationalRecord(receivedBirth(), context)
  t.equal(received.TrangThaiHoSo, 2)
  t.notOk('NgayTuChoi' in received, 'received: no NgayTuChoi')
  for (const status of ['withdrawn', 'stopped'] as const) {
    const r = toNationalRecord(inStatus(status), context)
    t.ok(inStatus(status).closedAt !== undefined, `${status} has closedAt`)
    t.notOk('NgayTuChoi' in r, `${status}: closedAt is not NgayTuChoi`)
  }
  t.throws(() => toNationalRecord({ ...inStatus('not-accepted'), closedAt: undefined }, context), AdapterMappingError, 'not accepted without closedAt')

  t.not(errorsOf({ ...received, NgayTuChoi: '20261120140000' }), '', 'the schema refuses NgayTuChoi on a received record')
  const { NgayTuChoi: _omit, ...refusedWithout } = refused
  t.not(errorsOf(refusedWithout), '', 'the schema requires NgayTuChoi with status 3')
})

t.test('optional fields without a value are left out', async (t) => {
  const base = receivedBirth()
  const bare: Dossier = {
    ...base,
    applicant: { kind: 'organisation', fullName: 'Công ty TNHH Minh Phát', identity: { type: 'tax-code', number: '2801234567' }, phone: undefined, email: '' },
    procedure: { code: base.procedure.code, name: base.procedure.name, level: 'commune', receivingAgency: { code: '000.31.35.H56' } },
    summary: '',
    attachments: [],
    fees: [],
    results: [],
    // the one return method without a HinhThuc code
    resultReturn: { method: 'online' },
    routing: {}
  }
  const r = toNationalRecord(bare, context)
  t.same(Object.keys(r).sort(), [...(schema.required ?? [])].sort(), 'only the required fields')
  t.equal(r.NoiNopHoSo, '000.31.35.H56', 'a receiving agency without a name: its code')
  for (const [k, v] of Object.entries(r)) t.ok(hasValue(v), `${k} is not empty`)
  t.equal(errorsOf(r), '', 'valid')
  t.notOk('NgayHenTra' in toNationalRecord(base, context), 'no due date, no NgayHenTra')

  const birth = toNationalRecord(base, context)
  const inline = birth.TaiLieuNop?.[1]
  t.equal(inline?.MaThanhPhanHoSo, 'KS-02')
  t.notOk(inline !== undefined && 'DuongDanTaiTepTin' in inline, 'an inline attachment has no address')
  t.same([birth.TaiLieuNop?.[0]?.DuocSoHoa, inline?.DuocSoHoa, inline?.DuocTaiSuDung], [0, 0, 0], 'digitized false or absent → 0')
  t.same([inline?.DuocLayTuKhoDMQG], [0], 'not reused → not from the national store')
  t.equal(errorsOf(birth), '', 'valid with an inline attachment')
})

t.test('DonViXuLy is the lead step\'s agency', async (t) => {
  const d = returnedTransfer()
  t.equal(toNationalRecord(d, context).DonViXuLy, LAND_OFFICE, 'the lead step, though not listed first')
  const leadTax: Dossier = {
    ...d,
    routing: {
      'land-registration': { agency: 'land-office', stage: 0, state: 'resolved', attempts: 1 },
      tax: { agency: 'tax', stage: 1, lead: true, state: 'resolved', attempts: 1 }
    }
  }
  t.equal(toNationalRecord(leadTax, context).DonViXuLy, TAX, 'a lead in a later stage')
  const noLead: Dossier = {
    ...d,
    routing: {
      tax: { agency: 'tax', stage: 1, state: 'resolved', attempts: 1 },
      'land-registration': { agency: 'land-office', stage: 0, lead: false, state: 'resolved', attempts: 1 }
    }
  }
  t.equal(toNationalRecord(noLead, context).DonViXuLy, LAND_OFFICE, 'no lead: the first stage\'s step')
  t.throws(() => toNationalRecord({ ...d, routing: { x: { agency: 'unknown', stage: 0, lead: true, state: 'pending', attempts: 0 } } }, context), AdapterMappingError, 'an agency that is not configured')
  t.notOk('DonViXuLy' in toNationalRecord({ ...d, routing: undefined }, context), 'no route, no DonViXuLy')
})

t.test('the schema refuses what the portal would not take', async (t) => {
  const record = toNationalRecord(returnedTransfer(), context)
  t.equal(errorsOf(record), '')
  t.not(errorsOf({ ...record, extra: 1 }), '', 'unknown property')
  t.not(errorsOf({ ...record, NgayTiepNhan: '2026-11-24T08:47:12+07:00' }), '', 'an ISO date instead of yyyyMMddHHmmss')
  t.not(errorsOf({ ...record, TrangThaiHoSo: 11 }), '', 'status 11')
  t.not(errorsOf({ ...record, KenhThucHien: 4 }), '', 'channel 4')
  t.not(errorsOf({ ...record, LoaiDoiTuong: 5 }), '', 'applicant kind 5')
  t.not(errorsOf({ ...record, SoDienThoai: '' }), '', 'an empty phone')
  t.not(errorsOf({ ...record, TaiLieuNop: [] }), '', 'an empty list')
  t.not(errorsOf({ ...record, DinhDanhCHS: [{ LoaiDinhDanh: 1, SoDinhDanh: '171234567' }] }), '', 'a 9-digit number as a citizen ID')
  const { NgayKetThucXuLy: _a, ...withoutResolved } = record
  t.not(errorsOf(withoutResolved), '', 'status 10 without NgayKetThucXuLy')
  const { NgayTra: _b, ...withoutReturned } = record
  t.not(errorsOf(withoutReturned), '', 'status 10 without NgayTra')
  const { DinhDanhCHS: _c, ...withoutIdentifier } = record
  t.not(errorsOf(withoutIdentifier), '', 'a citizen without DinhDanhCHS')
  for (const name of schema.required ?? []) {
    const { [name]: _d, ...without } = record as Record<string, unknown>
    t.not(errorsOf(without), '', `missing ${name}`)
  }
})

t.test('DuocTaiSuDung says the component was reused, not that it may be reused (issue 17)', async (t) => {
  const dossier = returnedTransfer()
  const attachments = (dossier.attachments ?? []).map((a) => a.componentCode === 'CN-02' ? { ...a, reusable: true } : a.componentCode === 'CN-04' ? { ...a, reused: { documentId: 'doc_fedcba9876543210fedcba9876543210', consentAt: '2026-11-24T08:40:00+07:00' } } : a)
  const items = toNationalRecord({ ...dossier, attachments }, context).TaiLieuNop ?? []
  const by = (code: string): unknown => { const i = items.find((x) => x.MaThanhPhanHoSo === code); return [i?.DuocTaiSuDung, i?.DuocLayTuKhoDMQG] }
  t.same(by('CN-02'), [0, 0], 'may be reused (reusable), was not: 0')
  t.same(by('CN-03'), [1, 1], 'reused from the national personal data store: 1, 1')
  t.same(by('CN-04'), [1, 0], 'reused from the hub\'s own store: 1, 0')
})
