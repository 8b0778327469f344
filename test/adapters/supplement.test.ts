/**
 * Supplement notices (hồ sơ bổ sung): when the applicant supplies the papers an agency asked for
 * (its step was supplement-requested), the hub carries them to that agency in its own native
 * format. For every registered adapter that takes them: the golden notice, byte for byte, valid
 * against the adapter's own supplement schema; where it goes (a path the hub appends to the
 * agency's endpoint); each paper by address or inline; what happens without a reference or a
 * note, with an overlong note, with another offset; and the mapping errors. The postal service
 * takes none.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../src/paths.ts'
import { createNativeValidators } from '../../src/validation/native.ts'
import { adapters } from '../../adapters/index.ts'
import type { Attachment, OutboundContext, SupplementNotice } from '../../adapters/contract.ts'
import { SUPPLEMENT_PATH as GENERIC_PATH } from '../../adapters/generic/index.ts'
import { SUPPLEMENT_PATH as ELECTRICITY_PATH } from '../../adapters/electricity/index.ts'
import { SUPPLEMENT_PATH as JUSTICE_PATH } from '../../adapters/justice/index.ts'
import { SUPPLEMENT_PATH as LAND_PATH } from '../../adapters/land/index.ts'
import { expectGolden, goldenPath } from '../golden-files.ts'

/** The native names of the parts of a notice; a paper's parts are named in `paper`. */
interface Fields {
  code: string
  reference: string
  sequence: string
  papers: string
  note: string
  /** absent for generic: ISO as given */
  time?: string
  paper: { component: string, file: string, size: string, sha256: string, url: string, content: string }
}

interface Case {
  adapter: string
  notice: SupplementNotice
  context: OutboundContext
  path: string
  fields: Fields
  /** a configured endpoint the notice's path is appended to */
  endpoint: string
}

/** A small file sent inline: its bytes, and the size and digest the notice states for them. */
const INLINE_BYTES = Buffer.from('%PDF-1.4\n% Ban sao Can cuoc cong dan co chung thuc\n%%EOF\n', 'utf8')
const INLINE_BASE64 = 'JVBERi0xLjQKJSBCYW4gc2FvIENhbiBjdW9jIGNvbmcgZGFuIGNvIGNodW5nIHRodWMKJSVFT0YK'
const INLINE_SHA256 = '31cd00642a73a4aa2567a19cc0825b9feebd9e848d2f880565f536b3b9e1c6d6'
const URL_SHA256 = '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8'

const BY_URL = (code: string): Attachment => ({
  componentCode: 'TP-02',
  componentName: 'Văn bản ủy quyền có chứng thực',
  fileName: 'van-ban-uy-quyen.pdf',
  mediaType: 'application/pdf',
  byteSize: 248731,
  sha256: URL_SHA256,
  url: `https://dichvucong.thanhhoa.gov.vn/files/${code}/van-ban-uy-quyen.pdf`,
  digitized: true
})
const INLINE: Attachment = {
  componentCode: 'TP-01',
  componentName: 'Bản sao Căn cước công dân có chứng thực',
  fileName: 'cccd-chung-thuc.pdf',
  mediaType: 'application/pdf',
  byteSize: 57,
  sha256: INLINE_SHA256,
  contentBase64: INLINE_BASE64
}

const NOTE = 'Đã bổ sung văn bản ủy quyền và bản sao CCCD theo yêu cầu'
/** 27 November 2026, 09:30:15 in Vietnam */
const SUBMITTED_AT = '2026-11-27T09:30:15.120+07:00'

function notice (dossierCode: string, step: string, agencyReference: string, submittedAt = SUBMITTED_AT): SupplementNotice {
  return { dossierCode, step, agencyReference, sequence: 2, attachments: [BY_URL(dossierCode), INLINE], note: NOTE, submittedAt }
}

function context (agencyId: string, code: string, dataSchema: string, step: OutboundContext['step']): OutboundContext {
  return { agencyId, idempotencyKey: `${code}/${step.id}/supplement-2`, dataSchema, step }
}

const CASES: Case[] = [
  {
    adapter: 'generic',
    notice: notice('000.20.38.H56-261124-0007', 'tax', 'TAX-000123'),
    context: context('tax', '000.20.38.H56-261124-0007', 'land-use-right-transfer', { id: 'tax', stage: 1, task: 'Xác định nghĩa vụ tài chính', lead: false }),
    path: 'supplements',
    fields: {
      code: 'dossierCode',
      reference: 'agencyReference',
      sequence: 'sequence',
      papers: 'attachments',
      note: 'note',
      paper: { component: 'componentCode', file: 'fileName', size: 'byteSize', sha256: 'sha256', url: 'url', content: 'contentBase64' }
    },
    endpoint: 'http://127.0.0.1:4104/tax/dossiers'
  },
  {
    adapter: 'electricity',
    notice: notice('000.00.06.H56-261124-0007', 'evn', 'PC38-TN-0001'),
    context: context('evn', '000.00.06.H56-261124-0007', 'electricity-new-connection', { id: 'evn', stage: 0, lead: true }),
    path: 'bo-sung-ho-so',
    fields: {
      code: 'maYeuCau',
      reference: 'maTiepNhan',
      sequence: 'lanBoSung',
      papers: 'hoSoBoSung',
      note: 'ghiChu',
      time: 'thoiDiemBoSung',
      paper: { component: 'maThanhPhan', file: 'tenTep', size: 'kichThuoc', sha256: 'sha256', url: 'duongDan', content: 'noiDungBase64' }
    },
    endpoint: 'http://127.0.0.1:4101/evn/yeu-cau-cap-dien'
  },
  {
    adapter: 'justice',
    notice: notice('000.31.35.H56-261124-0012', 'civil-status', 'HT-14755-2026-000318'),
    context: context('justice', '000.31.35.H56-261124-0012', 'birth-registration', { id: 'civil-status', stage: 0, task: 'Đăng ký khai sinh, cấp số định danh cá nhân', lead: true }),
    path: 'bo-sung',
    fields: {
      code: 'maHoSo',
      reference: 'soBienNhan',
      sequence: 'lanBoSung',
      papers: 'giayToNopBoSung',
      note: 'ghiChu',
      time: 'thoiDiemBoSung',
      paper: { component: 'maThanhPhan', file: 'tenTep', size: 'kichThuoc', sha256: 'maBam', url: 'duongDan', content: 'noiDungBase64' }
    },
    endpoint: 'http://127.0.0.1:4102/hotich/api/hoso'
  },
  {
    adapter: 'land',
    // the same instant in UTC: the native time is still Vietnam time
    notice: notice('000.20.38.H56-261124-0007', 'land-registration', 'VPDK-HT-2026-004498', '2026-11-27T02:30:15.120Z'),
    context: context('land-office', '000.20.38.H56-261124-0007', 'land-use-right-transfer', { id: 'land-registration', stage: 0, task: 'Kiểm tra hồ sơ, lập phiếu chuyển thông tin địa chính', lead: true }),
    path: 'bo-sung',
    fields: {
      code: 'MaHoSo',
      reference: 'SoBienNhan',
      sequence: 'LanBoSung',
      papers: 'DanhSachGiayToBoSung',
      note: 'GhiChu',
      time: 'ThoiDiemBoSung',
      paper: { component: 'MaThanhPhanHoSo', file: 'TenTep', size: 'KichThuoc', sha256: 'MaBam', url: 'DuongDan', content: 'NoiDungBase64' }
    },
    endpoint: 'http://127.0.0.1:4103/vbdlis/api/hoso'
  }
]

const golden = (file: string): string => readFileSync(goldenPath(file), 'utf8')
const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

/** The hub's own compiled native validators (src/validation/native.ts), as the delivery worker uses them. */
const validators = createNativeValidators(adapters)
function supplementValidator (name: string): ValidateFunction {
  const v = validators.get(name)?.supplement
  if (v === undefined) throw new Error(`${name}: no supplement schema`)
  return v
}
function errorsOf (validate: ValidateFunction, value: unknown): string {
  return validate(value) ? '' : JSON.stringify(validate.errors)
}
function adapterOf (name: string): NonNullable<ReturnType<typeof adapters.get>> {
  const a = adapters.get(name)
  if (a === undefined) throw new Error(`no adapter ${name}`)
  return a
}
type Body = Record<string, unknown>
const bodyOf = (c: Case, n: SupplementNotice = c.notice, ctx: OutboundContext = c.context): Body =>
  adapterOf(c.adapter).supplement(n, ctx).body as Body
const papersOf = (c: Case, body: Body): Body[] => body[c.fields.papers] as Body[]

t.test('every registered adapter has supplement(); each that takes supplements has its schema, and this test covers it', async (t) => {
  t.same([...CASES.map((c) => c.adapter), 'postal'].sort(), [...adapters.keys()].sort(), 'one case per registered adapter (postal: refuses)')
  for (const [name, adapter] of adapters) {
    t.type(adapter.supplement, 'function', `${name}: supplement()`)
    const s = adapter.nativeSchemas.supplement as { $id?: string } | undefined
    if (name === 'postal') {
      t.equal(s, undefined, 'postal: no supplement schema (VNPost takes none)')
      continue
    }
    t.equal(s?.$id, `${name}-supplement`, `${name}: nativeSchemas.supplement is adapters/${name}/schemas/supplement.schema.json`)
    t.type(supplementValidator(name), 'function')
  }
  t.same(
    { generic: GENERIC_PATH, electricity: ELECTRICITY_PATH, justice: JUSTICE_PATH, land: LAND_PATH },
    Object.fromEntries(CASES.map((c) => [c.adapter, c.path])),
    'each adapter exports its SUPPLEMENT_PATH (the simulators listen there)'
  )
})

t.test('the inline test file is what the notice says it is', async (t) => {
  t.equal(Buffer.from(INLINE_BASE64, 'base64').equals(INLINE_BYTES), true, 'the base64 decodes to the file')
  t.equal(INLINE_BYTES.length, INLINE.byteSize, 'byteSize is its real size')
  t.equal(createHash('sha256').update(INLINE_BYTES).digest('hex'), INLINE.sha256, 'sha256 is its real digest')
})

t.test('the golden supplement notices, byte for byte, valid against each adapter\'s own supplement schema', async (t) => {
  for (const c of CASES) {
    const file = `${c.adapter}-supplement.json`
    const text = golden(file)
    const req = adapterOf(c.adapter).supplement(c.notice, c.context)
    t.equal(req.method, 'POST', `${c.adapter}: POST`)
    t.equal(req.path, c.path, `${c.adapter}: to <endpoint>/${c.path}`)
    t.strictSame(req.body, JSON.parse(text), `${file}: same content`)
    expectGolden(t, file, pretty(req.body), `${file}: byte for byte, key order included`)
    const validate = supplementValidator(c.adapter)
    t.equal(errorsOf(validate, req.body), '', `${c.adapter}: valid against its supplement schema`)
    t.equal(errorsOf(validate, JSON.parse(text)), '', `${file}: the golden file itself is valid`)
    t.not(errorsOf(validate, { ...(req.body as object), extra: 1 }), '', `${c.adapter}: the schema refuses an unknown property`)
  }
})

t.test('the notice\'s content, field by field', async (t) => {
  const generic = CASES[0] as Case
  t.strictSame(bodyOf(generic), {
    type: 'supplement',
    dossierCode: '000.20.38.H56-261124-0007',
    step: 'tax',
    agencyReference: 'TAX-000123',
    sequence: 2,
    attachments: [BY_URL('000.20.38.H56-261124-0007'), INLINE],
    note: NOTE,
    submittedAt: SUBMITTED_AT
  }, 'generic: the canonical notice, as the hub has it')
  for (const c of CASES) {
    const body = bodyOf(c)
    const f = c.fields
    t.equal(body[f.code], c.notice.dossierCode, `${c.adapter}: ${f.code} is the dossier code`)
    t.equal(body[f.reference], c.notice.agencyReference, `${c.adapter}: the agency's reference → ${f.reference}`)
    t.equal(body[f.sequence], 2, `${c.adapter}: the supplement's number → ${f.sequence}`)
    t.equal(body[f.note], NOTE, `${c.adapter}: the note → ${f.note}`)
    if (f.time !== undefined) t.equal(body[f.time], '20261127093015', `${c.adapter}: ${f.time} is yyyyMMddHHmmss in Vietnam time, milliseconds dropped`)
    const papers = papersOf(c, body)
    t.equal(papers.length, 2, `${c.adapter}: every paper mapped`)
    const [byUrl, inline] = papers as [Body, Body]
    t.equal(byUrl[f.paper.component], 'TP-02', `${c.adapter}: the first paper in order`)
    t.equal(byUrl[f.paper.url], BY_URL(c.notice.dossierCode).url, `${c.adapter}: a paper by address → ${f.paper.url}`)
    t.notOk(f.paper.content in byUrl, `${c.adapter}: and no content`)
    t.equal(inline[f.paper.content], INLINE_BASE64, `${c.adapter}: a paper inline → ${f.paper.content}`)
    t.notOk(f.paper.url in inline, `${c.adapter}: and no address`)
    t.equal(inline[f.paper.sha256], INLINE_SHA256, `${c.adapter}: its digest → ${f.paper.sha256}`)
    t.equal(inline[f.paper.size], 57, `${c.adapter}: its size → ${f.paper.size}`)
    t.equal(inline[f.paper.file], 'cccd-chung-thuc.pdf', `${c.adapter}: its file name → ${f.paper.file}`)
  }
  t.equal(bodyOf(CASES[1] as Case).loaiYeuCau, 'CAP_DIEN_MOI_HA_AP', 'electricity: the request kind')
  t.notOk('maBuoc' in bodyOf(CASES[1] as Case), 'electricity: no step (the power company holds one step of a dossier)')
  t.equal(bodyOf(CASES[2] as Case).loaiHoSo, 'KS', 'justice: the module (birth registration → KS)')
  t.equal(bodyOf(CASES[2] as Case).maBuoc, 'civil-status', 'justice: the step')
  t.equal(bodyOf(CASES[3] as Case).LoaiThuTuc, 'CHUYEN_NHUONG', 'land: the procedure kind')
  t.equal(bodyOf(CASES[3] as Case).MaBuoc, 'land-registration', 'land: which of the office\'s two steps')
  t.equal(papersOf(CASES[3] as Case, bodyOf(CASES[3] as Case))[0]?.DuocSoHoa, true, 'land: digitised (DuocSoHoa)')
  t.equal(papersOf(CASES[2] as Case, bodyOf(CASES[2] as Case))[0]?.daSoHoa, true, 'justice: digitised (daSoHoa)')
})

t.test('a paper with both an address and its content goes inline; each paper keeps its own way', async (t) => {
  for (const c of CASES) {
    const both = { ...BY_URL(c.notice.dossierCode), contentBase64: INLINE_BASE64 }
    const body = bodyOf(c, { ...c.notice, attachments: [both, INLINE, BY_URL(c.notice.dossierCode)] })
    const papers = papersOf(c, body)
    t.equal(papers[0]?.[c.fields.paper.content], INLINE_BASE64, `${c.adapter}: the content is kept`)
    t.notOk(c.fields.paper.url in (papers[0] ?? {}), `${c.adapter}: the address dropped (never both)`)
    t.same(papers.map((p) => c.fields.paper.url in p), [false, false, true], `${c.adapter}: inline, inline, by address`)
    t.equal(errorsOf(supplementValidator(c.adapter), body), '', `${c.adapter}: still valid`)
  }
})

t.test('the supplement schemas want exactly one of address and content per paper', async (t) => {
  for (const c of CASES) {
    const validate = supplementValidator(c.adapter)
    const body = bodyOf(c)
    const [byUrl, inline] = papersOf(c, body) as [Body, Body]
    const withPapers = (papers: Body[]): Body => ({ ...body, [c.fields.papers]: papers })
    t.not(errorsOf(validate, withPapers([{ ...byUrl, [c.fields.paper.content]: INLINE_BASE64 }, inline])), '', `${c.adapter}: both refused`)
    const { [c.fields.paper.url]: _u, ...neither } = byUrl
    t.not(errorsOf(validate, withPapers([neither, inline])), '', `${c.adapter}: neither refused`)
    t.not(errorsOf(validate, withPapers([])), '', `${c.adapter}: no papers refused`)
    t.not(errorsOf(validate, { ...body, [c.fields.sequence]: 0 }), '', `${c.adapter}: sequence 0 refused`)
    t.equal(errorsOf(validate, withPapers([inline])), '', `${c.adapter}: one paper is enough`)
  }
})

t.test('without a reference or a note, with a blank or an overlong note: still a valid notice', async (t) => {
  for (const c of CASES) {
    const validate = supplementValidator(c.adapter)
    const { agencyReference: _r, note: _n, ...rest } = c.notice
    const bare = bodyOf(c, rest)
    t.notOk(c.fields.reference in bare, `${c.adapter}: no reference given, none invented`)
    t.notOk(c.fields.note in bare, `${c.adapter}: no note given, none invented`)
    t.equal(errorsOf(validate, bare), '', `${c.adapter}: valid without a reference or a note`)
    for (const odd of ['', '   ', 'x'.repeat(200)]) {
      t.notOk(c.fields.reference in bodyOf(c, { ...c.notice, agencyReference: odd }), `${c.adapter}: an unusable reference (${odd.length} chars) is left out`)
    }
    const blank = bodyOf(c, { ...c.notice, note: '  \n ' })
    t.notOk(c.fields.note in blank, `${c.adapter}: a blank note is left out`)
    t.equal(errorsOf(validate, blank), '', `${c.adapter}: valid with a blank note`)
    const long = bodyOf(c, { ...c.notice, note: 'Ghi chú rất dài. '.repeat(400) })
    t.equal(errorsOf(validate, long), '', `${c.adapter}: an overlong note is cut to fit`)
    t.match(String(long[c.fields.note]), /…$/, `${c.adapter}: and the cut shows`)
  }
})

t.test('the path stays under the agency\'s endpoint, as the hub\'s HTTP client appends it', async (t) => {
  for (const c of CASES) {
    const { path } = adapterOf(c.adapter).supplement(c.notice, c.context)
    t.type(path, 'string', `${c.adapter}: a path of its own (not the delivery address)`)
    t.notOk(path?.startsWith('/'), `${c.adapter}: relative: a leading slash would replace the endpoint's path`)
    t.equal(new URL(path ?? '', `${c.endpoint}/`).href, `${c.endpoint}/${c.path}`, `${c.adapter}: ${c.endpoint}/${c.path}`)
    t.not(path, adapterOf(c.adapter).withdrawal({ dossierCode: c.notice.dossierCode, step: c.notice.step, reason: 'x', withdrawnAt: SUBMITTED_AT }, c.context).path, `${c.adapter}: not the withdrawal path`)
  }
})

t.test('mapping errors', async (t) => {
  for (const c of CASES) {
    const { url: _u, ...nowhere } = BY_URL(c.notice.dossierCode)
    t.throws(() => bodyOf(c, { ...c.notice, attachments: [INLINE, nowhere] }), { name: 'AdapterMappingError', message: /attachments\[1\] \(van-ban-uy-quyen\.pdf\) has neither url nor contentBase64/ }, `${c.adapter}: a paper with neither url nor content`)
    t.throws(() => bodyOf(c, { ...c.notice, attachments: [] }), { name: 'AdapterMappingError', message: /carries no papers/ }, `${c.adapter}: no papers at all`)
    for (const sequence of [0, -1, 1.5]) {
      t.throws(() => bodyOf(c, { ...c.notice, sequence }), { name: 'AdapterMappingError', message: /sequence/ }, `${c.adapter}: sequence ${sequence}`)
    }
  }
  for (const c of CASES.filter((x) => x.fields.time !== undefined)) {
    t.throws(() => bodyOf(c, { ...c.notice, submittedAt: 'yesterday' }), { name: 'AdapterMappingError', message: /submittedAt/ }, `${c.adapter}: submittedAt is not a date-time`)
  }
  const generic = CASES[0] as Case
  t.not(errorsOf(supplementValidator('generic'), bodyOf(generic, { ...generic.notice, submittedAt: 'yesterday' })), '', 'generic passes submittedAt through: its schema refuses a bad one')
  for (const c of CASES.filter((x) => ['electricity', 'justice', 'land'].includes(x.adapter))) {
    t.throws(() => bodyOf(c, c.notice, { ...c.context, dataSchema: 'marriage-registration-x' }), { name: 'AdapterMappingError', message: /cannot hold dossier/ }, `${c.adapter}: a kind of dossier it never takes`)
  }
  const postal = adapterOf('postal')
  const toPostal = notice('000.31.35.H56-261120-0042', 'return', 'EB123456785VN')
  const postalContext: OutboundContext = { agencyId: 'vnpost', agencyCode: 'C038000123', idempotencyKey: '000.31.35.H56-261120-0042/return/supplement-2', dataSchema: 'birth-registration', step: { id: 'return', stage: 2, lead: false } }
  t.throws(() => postal.supplement(toPostal, postalContext), { name: 'AdapterMappingError', message: /VNPost takes no supplements.*000\.31\.35\.H56-261120-0042/ }, 'postal: refuses, naming the dossier')
})

t.test('the supplement schemas describe every property: Vietnamese term — English', async (t) => {
  const DESCRIBED = /^[^—]*[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ][^—]* — \S/i
  let checked = 0
  const walk = (node: unknown, where: string): void => {
    if (node === null || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      // an `if` only tests a property described where it is declared
      if (key === 'if') continue
      if (key === 'properties' && value !== null && typeof value === 'object') {
        for (const [name, sub] of Object.entries(value as Record<string, { description?: string }>)) {
          checked++
          t.match(sub.description, DESCRIBED, `${where}/${name}`)
          walk(sub, `${where}/${name}`)
        }
      } else {
        walk(value, `${where}/${key}`)
      }
    }
  }
  for (const c of CASES) {
    const f = ['adapters', c.adapter, 'schemas', 'supplement.schema.json']
    const s = JSON.parse(readFileSync(fromRoot(...f), 'utf8')) as { description?: string, items?: unknown }
    t.match(s.description, DESCRIBED, `${f.join('/')}: the schema itself`)
    walk(s, f.join('/'))
  }
  t.ok(checked > 50, `checked ${checked} properties`)
})
