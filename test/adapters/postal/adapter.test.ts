/**
 * The postal adapter (VNPost, bưu chính công ích): the golden shipment requests for a dossier
 * whose applicant chose a postal return, every tracking code mapped to the canonical report
 * (golden), the mapping errors, the receipt (ItemCode), and the native schemas.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../../src/paths.ts'
import { createStrictAjv } from '../../../src/validation/ajv.ts'
import { createNativeValidators, type NativeValidators } from '../../../src/validation/native.ts'
import { adapters } from '../../../adapters/index.ts'
import { AdapterMappingError, type DeliverableDossier, type DossierSubmission, type OutboundContext, type ResultDocument } from '../../../adapters/contract.ts'
import { PROOF_OF_DELIVERY_COMPONENT, RETURN_STEP, SERVICE_CODE, STEP_STATUS, postalAdapter } from '../../../adapters/postal/index.ts'
import type { PostalRequest, PostalStatus } from '../../../adapters/postal/native.generated.ts'
import { expectGolden, goldenPath } from '../../golden-files.ts'

const TRANSFER_CODE = '000.20.38.H56-261124-0007'
const BIRTH_CODE = '000.31.35.H56-261120-0042'
const CUSTOMER = 'C038000123'
const ITEM = 'EB123456785VN'
/** The electronic proof of delivery's digest (the golden update writes it in upper case). */
const PROOF_SHA256 = 'd4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8a9'
const RETURN_TASK = 'Chuyển phát kết quả giải quyết đến người nhận qua dịch vụ bưu chính công ích'

const readJson = <T>(...path: string[]): T => JSON.parse(readFileSync(fromRoot(...path), 'utf8')) as T
const golden = (file: string): string => readFileSync(goldenPath(file), 'utf8')
const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'
const example = (name: string): DossierSubmission => readJson<DossierSubmission>('schemas', 'examples', `${name}.json`)

/** The results of the three steps of a land transfer, as the hub stores them. */
const TRANSFER_RESULTS: ResultDocument[] = [
  {
    name: 'Phiếu chuyển thông tin để xác định nghĩa vụ tài chính về đất đai',
    componentCode: 'KQ-PCTT',
    url: 'https://vbdlis.thanhhoa.gov.vn/ketqua/000.20.38.H56-261124-0007/phieu-chuyen-thong-tin.pdf',
    sha256: '4ea189e9b3ea2d60c7e2c0a2c75da49e66a57fc63d7521f30fdc034d62a0e76e',
    mediaType: 'application/pdf',
    originalCopies: 1,
    step: 'land-registration',
    agency: 'land-office'
  },
  {
    name: 'Thông báo nộp thuế thu nhập cá nhân, lệ phí trước bạ',
    componentCode: 'KQ-TBNT',
    url: 'https://thuedientu.gdt.gov.vn/thongbao/000.20.38.H56-261124-0007.pdf',
    sha256: 'fef805be57ea6528e944cf778dba689a48b7789d37002a9bc84a90b64fff9bd0',
    step: 'tax',
    agency: 'tax'
  },
  {
    name: 'Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất',
    componentCode: 'KQ-GCN',
    url: 'https://vbdlis.thanhhoa.gov.vn/ketqua/000.20.38.H56-261124-0007/giay-chung-nhan.pdf',
    sha256: '9d2b1f3c4a5e6d7c8b9a0f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4',
    mediaType: 'application/pdf',
    originalCopies: 1,
    certifiedCopies: 0,
    step: 'land-certificate',
    agency: 'land-office'
  }
]

const BIRTH_RESULTS: ResultDocument[] = [
  {
    name: 'Giấy khai sinh (bản chính)',
    componentCode: 'KQ-KS-01',
    url: 'https://hotich.thanhhoa.gov.vn/ketqua/000.31.35.H56-261120-0042/giay-khai-sinh.pdf',
    sha256: '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
    mediaType: 'application/pdf',
    originalCopies: 1,
    step: 'civil-status',
    agency: 'justice'
  },
  {
    name: 'Trích lục khai sinh (bản sao)',
    componentCode: 'KQ-KS-02',
    url: 'https://hotich.thanhhoa.gov.vn/ketqua/000.31.35.H56-261120-0042/trich-luc.pdf',
    sha256: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809',
    certifiedCopies: 1,
    step: 'civil-status',
    agency: 'justice'
  },
  {
    name: 'Thẻ bảo hiểm y tế',
    componentCode: 'KQ-BHYT',
    url: 'https://vssid.baohiemxahoi.gov.vn/the/000.31.35.H56-261120-0042.pdf',
    sha256: 'ab'.repeat(32),
    step: 'health-insurance',
    agency: 'social-insurance'
  }
]

/**
 * The land transfer example when every step is resolved and the applicant asked for the result by
 * post (the example itself returns at the counter): a +84 phone and a full address line.
 */
function transferDossier (): DeliverableDossier {
  return {
    ...example('land-use-right-transfer'),
    code: TRANSFER_CODE,
    status: 'resolved',
    statusCode: 9,
    receivedAt: '2026-11-24T08:47:12.345+07:00',
    dueAt: '2026-12-08T17:00:00+07:00',
    resultReturn: {
      method: 'postal',
      delivery: {
        recipientName: 'Lê Minh Đức',
        phone: '+84915234567',
        address: {
          provinceCode: '38',
          wardCode: '14755',
          line: 'Số 18, đường Lê Lai',
          fullText: 'Số 18, đường Lê Lai, phường Hạc Thành, tỉnh Thanh Hóa'
        }
      }
    },
    results: structuredClone(TRANSFER_RESULTS)
  }
}

/** The birth registration example (postal return as shipped) after its three steps. */
function birthDossier (): DeliverableDossier {
  return {
    ...example('birth-registration'),
    code: BIRTH_CODE,
    status: 'resolved',
    statusCode: 9,
    receivedAt: '2026-11-20T09:16:40.020+07:00',
    results: structuredClone(BIRTH_RESULTS)
  }
}

function contextFor (dataSchema: string, o: { agencyCode?: string | undefined, task?: string | undefined, stage?: number } = {}): OutboundContext {
  const agencyCode = 'agencyCode' in o ? o.agencyCode : CUSTOMER
  const task = 'task' in o ? o.task : RETURN_TASK
  return {
    agencyId: 'vnpost',
    ...(agencyCode !== undefined && { agencyCode }),
    idempotencyKey: `${dataSchema}/${RETURN_STEP}`,
    dataSchema,
    step: { id: RETURN_STEP, stage: o.stage ?? 3, ...(task !== undefined && { task }), lead: false }
  }
}

const validators = createNativeValidators(adapters)
function postalValidators (): NativeValidators {
  const v = validators.get('postal')
  if (v === undefined) throw new Error('no native validators for postal')
  return v
}
const postal = postalValidators()
const statusValidator = ((): ValidateFunction => {
  if (postal.status === undefined) throw new Error('no postal status validator')
  return postal.status
})()

const ajv = createStrictAjv()
function schema (id: string): ValidateFunction {
  const v = ajv.getSchema(id)
  if (v === undefined) throw new Error(`schema ${id} is missing`)
  return v
}
function errorsOf (validate: ValidateFunction, value: unknown): string {
  return validate(value) ? '' : JSON.stringify(validate.errors)
}

const body = (dossier: DeliverableDossier, context: OutboundContext = contextFor('land-use-right-transfer')): PostalRequest => postalAdapter.outbound(dossier, context).body

t.test('the registry: postal is an adapter with request, status and withdrawal schemas, and no submission', async (t) => {
  t.equal(adapters.get('postal'), postalAdapter)
  t.equal(postalAdapter.name, 'postal')
  t.equal(postalAdapter.nativeSchemas.submission, undefined, 'VNPost submits no dossiers')
  t.type(postalAdapter.nativeSchemas.status, 'object')
  t.type(postalAdapter.nativeSchemas.withdrawal, 'object')
  t.equal(postal.submission, undefined, 'so there is no submission validator')
  t.type(postal.status, 'function')
})

t.test('the fixtures: valid canonical dossiers with a postal return and the earlier steps\' results', async (t) => {
  for (const [label, d] of [['transfer', transferDossier()], ['birth', birthDossier()]] as const) {
    t.equal(errorsOf(schema('dossier'), d), '', `${label}: valid against the dossier schema`)
    t.equal(d.resultReturn.method, 'postal')
  }
})

t.test('postal outbound: the golden shipment requests, byte for byte', async (t) => {
  const cases: Array<[string, DeliverableDossier, OutboundContext]> = [
    ['postal-request-land-use-right-transfer.json', transferDossier(), contextFor('land-use-right-transfer')],
    ['postal-request-birth-registration.json', birthDossier(), contextFor('birth-registration', { stage: 2 })]
  ]
  for (const [file, dossier, context] of cases) {
    const text = golden(file)
    const req = postalAdapter.outbound(dossier, context)
    t.equal(req.method, 'POST', `${file}: POST`)
    t.equal(req.path, undefined, `${file}: to the configured endpoint as it is (tạo đơn hàng)`)
    t.strictSame(req.body, JSON.parse(text), `${file}: same content as the golden file`)
    expectGolden(t, file, pretty(req.body), `${file}: byte for byte, key order included`)
    t.equal(errorsOf(postal.request, JSON.parse(text)), '', `${file}: the golden file itself is a valid native request`)
  }
})

t.test('postal outbound: the shipment, field by field', async (t) => {
  const dossier = transferDossier()
  const b = body(dossier)
  t.equal(b.CustomerCode, CUSTOMER, 'the customer code from the agency code of the hub config')
  t.equal(b.OrderNumber, TRANSFER_CODE, 'OrderNumber = the dossier code')
  t.equal(b.ServiceCode, SERVICE_CODE)
  t.equal(b.SenderCode, '000.20.38.H56', 'the desk that received the dossier sends it')
  t.equal(b.SenderName, 'Trung tâm Phục vụ hành chính công phường Hạc Thành')
  t.equal(b.SenderAddress, 'Bộ phận tiếp nhận và trả kết quả, Trung tâm Phục vụ hành chính công phường Hạc Thành')
  t.notOk('SenderPhone' in b, 'no desk phone known: none invented')
  t.equal(b.ReceiverName, 'Lê Minh Đức')
  t.equal(b.ReceiverPhone, '0915234567', '+84 → 0')
  t.equal(b.ReceiverAddress, 'Số 18, đường Lê Lai', 'the line below the ward')
  t.equal(b.ReceiverFullAddress, 'Số 18, đường Lê Lai, phường Hạc Thành, tỉnh Thanh Hóa')
  t.equal(b.ReceiverProvinceCode, '38')
  t.notOk('ReceiverDistrictCode' in b, 'a two-tier address has no district')
  t.equal(b.ReceiverWardCode, '14755')
  t.match(b.ContentDescription, /^Kết quả giải quyết thủ tục hành chính: Đăng ký biến động quyền sử dụng đất/)
  t.match(b.ContentDescription, TRANSFER_CODE)
  t.strictSame(b.Documents?.map((d) => [d.Name, d.ComponentCode, d.Link, d.OriginalCopies, d.CertifiedCopies]), TRANSFER_RESULTS.map((r) => [r.name, r.componentCode, r.url, r.originalCopies, r.certifiedCopies]),
    'every result document of the route, in order, with its copies when known')
  t.notOk(b.Documents?.some((d) => 'OriginalCopies' in d && d.OriginalCopies === undefined), 'no undefined values')
  t.equal(b.Note, RETURN_TASK, 'the step\'s task from the routing table')
  t.strictSame(dossier, transferDossier(), 'the dossier itself is not modified')

  const older = transferDossier()
  if (older.resultReturn.delivery !== undefined) older.resultReturn.delivery = { ...older.resultReturn.delivery, phone: '0915234567', address: { provinceCode: '38', districtCode: '380', wardCode: '14755', line: 'Số 18, đường Lê Lai' } }
  const o = body(older)
  t.equal(o.ReceiverDistrictCode, '380', 'a pre-reform address keeps its district')
  t.equal(o.ReceiverPhone, '0915234567', 'a national number is unchanged')
  t.notOk('ReceiverFullAddress' in o, 'no full address line: none invented')
  t.equal(errorsOf(postal.request, o), '', 'valid native request')

  for (const phone of ['84915234567', '+84386123456']) {
    const d = transferDossier()
    if (d.resultReturn.delivery !== undefined) d.resultReturn.delivery.phone = phone
    t.match(body(d).ReceiverPhone, /^0\d{9}$/, `${phone} → the national form`)
  }

  const noResults = body({ ...transferDossier(), results: [] })
  t.notOk('Documents' in noResults, 'no result documents on record: no Documents (absent, not empty)')
  t.equal(errorsOf(postal.request, noResults), '', 'still valid')
  const { results: _r, ...withoutResults } = transferDossier()
  t.notOk('Documents' in body(withoutResults), 'no results property at all: no Documents')

  const noTask = body(transferDossier(), contextFor('land-use-right-transfer', { task: undefined }))
  t.notOk('Note' in noTask, 'no task in the routing table: no Note')
  const noName = transferDossier()
  noName.procedure = { ...noName.procedure, receivingAgency: { code: '000.20.38.H56' } }
  t.equal(body(noName).SenderName, '000.20.38.H56', 'a desk without a name is named by its code')
  t.equal(errorsOf(postal.request, body(noName)), '', 'still valid')
})

t.test('postal outbound: mapping errors', async (t) => {
  t.throws(() => body(transferDossier(), contextFor('land-use-right-transfer', { agencyCode: undefined })), { name: 'AdapterMappingError', message: /customer code.*vnpost/ }, 'no customer code in the hub config')
  t.throws(() => body(transferDossier(), contextFor('land-use-right-transfer', { agencyCode: '  ' })), AdapterMappingError, 'a blank customer code')
  for (const method of ['counter', 'online'] as const) {
    t.throws(() => body({ ...transferDossier(), resultReturn: { method } }), { name: 'AdapterMappingError', message: new RegExp(`by ${method}, not by post`) }, `a ${method} return`)
  }
  t.throws(() => body({ ...transferDossier(), resultReturn: { method: 'postal' } }), { name: 'AdapterMappingError', message: /resultReturn\.delivery/ }, 'a postal return without its delivery')
})

t.test('postal status: every StatusCode', async (t) => {
  const expected: Record<PostalStatus['StatusCode'], string> = { 100: 'accepted', 200: 'processing', 300: 'processing', 400: 'resolved', 500: 'processing', 600: 'rejected' }
  const statusSchema = readJson<{ properties: { StatusCode: { enum: number[] } } }>('adapters', 'postal', 'schemas', 'status.schema.json')
  t.same(Object.keys(expected).map(Number).sort(), [...statusSchema.properties.StatusCode.enum].sort(), 'the test covers every code of the native schema')
  t.same(STEP_STATUS, expected, 'the exported table')
  const extras: Partial<Record<PostalStatus['StatusCode'], Partial<PostalStatus>>> = {
    400: { SignedBy: 'Lê Minh Đức' },
    500: { ReasonCode: 'VANG_NHA' },
    600: { ReasonCode: 'QUA_SO_LAN_PHAT' }
  }
  for (const [code, status] of Object.entries(expected)) {
    const StatusCode = Number(code) as PostalStatus['StatusCode']
    const native: PostalStatus = { ItemCode: ITEM, OrderNumber: TRANSFER_CODE, StatusCode, StatusTime: '20261126083000', ...extras[StatusCode] }
    t.equal(errorsOf(statusValidator, native), '', `${code}: valid native status`)
    const mapped = postalAdapter.status(native)
    t.equal(mapped.report.status, status, `${code} → ${status}`)
    t.equal(errorsOf(schema('status-report'), mapped.report), '', `${code}: a valid canonical report`)
    t.equal(mapped.dossierCode, TRANSFER_CODE, 'dossierCode = OrderNumber')
    t.equal(mapped.step, 'return', 'the return step')
    t.equal(mapped.report.agencyReference, ITEM, 'agencyReference = ItemCode')
    t.equal(mapped.report.occurredAt, '2026-11-26T08:30:00+07:00', 'StatusTime in Vietnam time with offset')
    t.match(mapped.report.note, new RegExp(`${ITEM}`), 'the note names the parcel')
  }
})

t.test('postal status: the golden tracking updates', async (t) => {
  const text = golden('postal-status-reports.json')
  const cases = JSON.parse(text) as Array<{ native: PostalStatus, mapped: unknown }>
  t.ok(cases.length >= 8, 'a whole journey and the other endings')
  const mapped = cases.map(({ native }) => ({ native, mapped: postalAdapter.status(native) }))
  expectGolden(t, 'postal-status-reports.json', pretty(mapped), 'byte for byte')
  for (const { native, mapped: m } of mapped) {
    t.equal(errorsOf(statusValidator, native), '', `${native.StatusCode}: valid native status`)
    t.equal(errorsOf(schema('status-report'), m.report), '', `${native.StatusCode}: valid canonical report`)
  }
  const codes = new Set(cases.map((c) => c.native.StatusCode))
  t.same([...codes].sort(), [100, 200, 300, 400, 500, 600], 'every code appears')

  const byCode = (code: number, i = 0): typeof mapped[number]['mapped'] | undefined => mapped.filter((c) => c.native.StatusCode === code)[i]?.mapped
  t.equal(byCode(500)?.report.note, 'Phát không thành công EB123456785VN (lần 1) tại Bưu cục phát Hạc Thành (40105). Lý do: Người nhận vắng nhà: Đã gọi điện, hẹn phát lại chiều cùng ngày',
    'a failed attempt: which attempt, where, and why')
  t.equal(byCode(400)?.report.note, 'Phát thành công EB123456785VN (lần 2) tại Bưu cục phát Hạc Thành (40105). Người ký nhận: Lê Minh Đức', 'delivered: who signed')
  t.strictSame(byCode(400)?.report.officer, { name: 'Nguyễn Văn Bình', department: 'Bưu cục phát Hạc Thành' }, 'the postman as the officer')
  t.strictSame(byCode(400)?.report.results?.map((r) => [r.componentCode, r.sha256]), [[PROOF_OF_DELIVERY_COMPONENT, PROOF_SHA256]], 'the proof of delivery, its digest lower-cased')
  t.equal(byCode(600)?.report.reason, 'Bưu gửi EB246813576VN chuyển hoàn về nơi gửi: Quá số lần phát: Phát 3 lần không gặp người nhận, không liên lạc được', 'returned: the reason')
  t.notOk(byCode(100)?.report.results, 'no results invented')
})

t.test('postal status: mapping errors name the native field', async (t) => {
  const base = { ItemCode: ITEM, OrderNumber: TRANSFER_CODE, StatusTime: '20261126083000' }
  const cases: Array<[string, PostalStatus, RegExp]> = [
    ['delivered without SignedBy', { ...base, StatusCode: 400 }, /SignedBy/],
    ['delivered with a blank SignedBy', { ...base, StatusCode: 400, SignedBy: '  ' }, /SignedBy/],
    ['a failed attempt without ReasonCode', { ...base, StatusCode: 500, Reason: 'Vắng nhà' }, /ReasonCode/],
    ['a failed attempt "over the attempts"', { ...base, StatusCode: 500, ReasonCode: 'QUA_SO_LAN_PHAT' }, /QUA_SO_LAN_PHAT/],
    ['returned without a reason', { ...base, StatusCode: 600 }, /ReasonCode or Reason/],
    ['returned with a blank reason', { ...base, StatusCode: 600, Reason: ' ' }, /ReasonCode or Reason/],
    ['KHAC without Reason', { ...base, StatusCode: 500, ReasonCode: 'KHAC' }, /Reason/],
    ['a signature in transit', { ...base, StatusCode: 200, SignedBy: 'X' }, /SignedBy/],
    ['a proof of delivery while out for delivery', { ...base, StatusCode: 300, ProofOfDelivery: { Link: 'https://a.vn/x.pdf', Sha256: 'a'.repeat(64) } }, /ProofOfDelivery/],
    ['a reason when picked up', { ...base, StatusCode: 100, ReasonCode: 'SAI_DIA_CHI' }, /ReasonCode/],
    ['an attempt number in transit', { ...base, StatusCode: 200, DeliveryAttempt: 1 }, /DeliveryAttempt/],
    ['an impossible StatusTime', { ...base, StatusCode: 100, StatusTime: '20260231083000' }, /StatusTime/],
    ['an unknown code', { ...base, StatusCode: 700 as PostalStatus['StatusCode'] }, /StatusCode/]
  ]
  for (const [label, native, message] of cases) {
    t.throws(() => postalAdapter.status(native), { name: 'AdapterMappingError', message }, label)
    if (label !== 'an impossible StatusTime') t.not(errorsOf(statusValidator, native), '', `${label}: the native schema refuses it too`)
  }
})

t.test('postal receipt: ItemCode from VNPost\'s answer', async (t) => {
  t.equal(postalAdapter.receipt({ status: 200, body: { ItemCode: ITEM, OrderNumber: TRANSFER_CODE } }), ITEM)
  for (const [label, b] of [
    ['text body', ITEM],
    ['empty body', undefined],
    ['null', null],
    ['array', [ITEM]],
    ['missing field', { OrderNumber: TRANSFER_CODE }],
    ['empty string', { ItemCode: '' }],
    ['blank string', { ItemCode: '  ' }],
    ['not a string', { ItemCode: 123456785 }]
  ] as const) {
    t.equal(postalAdapter.receipt({ status: 200, body: b }), undefined, `${label}: no receipt`)
  }
})

t.test('postal inbound: VNPost submits no dossiers', async (t) => {
  t.throws(() => postalAdapter.inbound({} as never, { agencyId: 'vnpost' }), { name: 'AdapterMappingError', message: /submits no dossiers/ })
})

t.test('the postal native schemas refuse what VNPost would not understand', async (t) => {
  const b = body(transferDossier())
  t.not(errorsOf(postal.request, { ...b, ReceiverPhone: '+84915234567' }), '', 'an international phone')
  t.not(errorsOf(postal.request, { ...b, ServiceCode: 'EMS' }), '', 'another service')
  t.not(errorsOf(postal.request, { ...b, ReceiverWardCode: '1475' }), '', 'a 4-digit ward code')
  t.not(errorsOf(postal.request, { ...b, Documents: [] }), '', 'an empty document list')
  t.not(errorsOf(postal.request, { ...b, extra: 1 }), '', 'an unknown property')
  const { CustomerCode: _c, ...withoutCustomer } = b
  t.not(errorsOf(postal.request, withoutCustomer), '', 'no customer code')
  const base = { ItemCode: ITEM, OrderNumber: TRANSFER_CODE, StatusCode: 200, StatusTime: '20261126083000' }
  t.equal(errorsOf(statusValidator, base), '', 'a minimal update')
  t.not(errorsOf(statusValidator, { ...base, ItemCode: '123' }), '', 'not an S10 tracking number')
  t.not(errorsOf(statusValidator, { ...base, StatusTime: '26/11/2026 08:30:00' }), '', 'dd/MM/yyyy instead of yyyyMMddHHmmss')
  t.not(errorsOf(statusValidator, { ...base, StatusCode: 250 }), '', 'an unknown code')
})
