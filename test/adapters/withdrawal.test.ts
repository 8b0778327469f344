/**
 * Withdrawal notices (thông báo rút hồ sơ): when the applicant withdraws a dossier, the hub tells
 * every agency that holds a step of it, each in its own native format. For every registered
 * adapter: the golden notice, byte for byte, valid against the adapter's own withdrawal schema;
 * where it goes (a path the hub appends to the agency's endpoint); what happens without a
 * reference, with a blank or overlong reason, with another offset; and the mapping errors.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv'
import { fromRoot } from '../../src/paths.ts'
import { createNativeValidators } from '../../src/validation/native.ts'
import { adapters } from '../../adapters/index.ts'
import type { OutboundContext, WithdrawalNotice } from '../../adapters/contract.ts'
import { NO_REASON_GIVEN } from '../../adapters/shared/withdrawal.ts'
import { expectGolden, goldenPath } from '../golden-files.ts'

interface Case {
  adapter: string
  notice: WithdrawalNotice
  context: OutboundContext
  path: string
  /** the native fields for: the agency's reference, the reason, the time (absent for generic: ISO as given) */
  fields: { reference: string, reason: string, time?: string }
  /** a configured endpoint the notice's path is appended to */
  endpoint: string
}

const REASON = 'Tôi muốn bổ sung thêm giấy tờ và nộp lại hồ sơ sau'
/** 25 November 2026, 16:42:05 in Vietnam */
const WITHDRAWN_AT = '2026-11-25T16:42:05.318+07:00'

function context (agencyId: string, dataSchema: string, step: OutboundContext['step'], agencyCode?: string): OutboundContext {
  return { agencyId, ...(agencyCode !== undefined && { agencyCode }), idempotencyKey: `withdrawal/${agencyId}/${step.id}`, dataSchema, step }
}

const CASES: Case[] = [
  {
    adapter: 'generic',
    notice: { dossierCode: '000.20.38.H56-261124-0007', step: 'tax', agencyReference: 'TAX-000123', reason: REASON, withdrawnAt: WITHDRAWN_AT },
    context: context('tax', 'land-use-right-transfer', { id: 'tax', stage: 1, task: 'Xác định nghĩa vụ tài chính', lead: false }),
    path: 'withdrawals',
    fields: { reference: 'agencyReference', reason: 'reason' },
    endpoint: 'http://127.0.0.1:4104/tax/dossiers'
  },
  {
    adapter: 'electricity',
    notice: { dossierCode: '000.00.06.H56-261124-0007', step: 'evn', agencyReference: 'PC38-TN-0001', reason: REASON, withdrawnAt: WITHDRAWN_AT },
    context: context('evn', 'electricity-new-connection', { id: 'evn', stage: 0, lead: true }),
    path: 'huy-yeu-cau',
    fields: { reference: 'maTiepNhan', reason: 'lyDoHuy', time: 'thoiDiemHuy' },
    endpoint: 'http://127.0.0.1:4101/evn/yeu-cau-cap-dien'
  },
  {
    adapter: 'justice',
    notice: { dossierCode: '000.31.35.H56-261124-0012', step: 'civil-status', agencyReference: 'HT-14755-2026-000318', reason: REASON, withdrawnAt: WITHDRAWN_AT },
    context: context('justice', 'birth-registration', { id: 'civil-status', stage: 0, task: 'Đăng ký khai sinh, cấp số định danh cá nhân', lead: true }),
    path: 'rut-ho-so',
    fields: { reference: 'soBienNhan', reason: 'lyDoRut', time: 'thoiDiemRut' },
    endpoint: 'http://127.0.0.1:4102/hotich/api/hoso'
  },
  {
    adapter: 'land',
    // the same instant in UTC: the native time is still Vietnam time
    notice: { dossierCode: '000.20.38.H56-261124-0007', step: 'land-certificate', agencyReference: 'VPDK-HT-2026-004498', reason: REASON, withdrawnAt: '2026-11-25T09:42:05.318Z' },
    context: context('land-office', 'land-use-right-transfer', { id: 'land-certificate', stage: 2, task: 'Cập nhật biến động, cấp Giấy chứng nhận', lead: false }),
    path: 'rut-ho-so',
    fields: { reference: 'SoBienNhan', reason: 'LyDoRutHoSo', time: 'ThoiDiemRut' },
    endpoint: 'http://127.0.0.1:4103/vbdlis/api/hoso'
  },
  {
    adapter: 'postal',
    notice: { dossierCode: '000.31.35.H56-261120-0042', step: 'return', agencyReference: 'EB123456785VN', reason: REASON, withdrawnAt: WITHDRAWN_AT },
    context: context('vnpost', 'birth-registration', { id: 'return', stage: 2, lead: false }, 'C038000123'),
    path: 'huy-don-hang',
    fields: { reference: 'ItemCode', reason: 'CancelReason', time: 'CancelTime' },
    endpoint: 'http://127.0.0.1:4107/vnpost/don-hang'
  }
]

const golden = (file: string): string => readFileSync(goldenPath(file), 'utf8')
const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'

/** The hub's own compiled native validators (src/validation/native.ts), as the delivery worker uses them. */
const validators = createNativeValidators(adapters)
function withdrawalValidator (name: string): ValidateFunction {
  const v = validators.get(name)?.withdrawal
  if (v === undefined) throw new Error(`${name}: no withdrawal schema`)
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
const bodyOf = (c: Case, notice: WithdrawalNotice = c.notice, ctx: OutboundContext = c.context): Record<string, unknown> =>
  adapterOf(c.adapter).withdrawal(notice, ctx).body as Record<string, unknown>

t.test('every registered adapter has a withdrawal schema, and this test covers it', async (t) => {
  t.same(CASES.map((c) => c.adapter).sort(), [...adapters.keys()].sort(), 'one case per registered adapter')
  for (const [name, adapter] of adapters) {
    t.type(adapter.withdrawal, 'function', `${name}: withdrawal()`)
    const s = adapter.nativeSchemas.withdrawal as { $id?: string } | undefined
    t.equal(s?.$id, `${name}-withdrawal`, `${name}: nativeSchemas.withdrawal is adapters/${name}/schemas/withdrawal.schema.json`)
    t.type(withdrawalValidator(name), 'function')
  }
})

t.test('the golden withdrawal notices, byte for byte, valid against each adapter\'s own withdrawal schema', async (t) => {
  for (const c of CASES) {
    const file = `${c.adapter}-withdrawal.json`
    const text = golden(file)
    const req = adapterOf(c.adapter).withdrawal(c.notice, c.context)
    t.equal(req.method, 'POST', `${c.adapter}: POST`)
    t.equal(req.path, c.path, `${c.adapter}: to <endpoint>/${c.path}`)
    t.strictSame(req.body, JSON.parse(text), `${file}: same content`)
    expectGolden(t, file, pretty(req.body), `${file}: byte for byte, key order included`)
    t.equal(errorsOf(withdrawalValidator(c.adapter), req.body), '', `${c.adapter}: valid against its withdrawal schema`)
    t.equal(errorsOf(withdrawalValidator(c.adapter), JSON.parse(text)), '', `${file}: the golden file itself is valid`)
    t.not(errorsOf(withdrawalValidator(c.adapter), { ...(req.body as object), extra: 1 }), '', `${c.adapter}: the schema refuses an unknown property`)
  }
})

t.test('the notice\'s content, field by field', async (t) => {
  t.strictSame(bodyOf(CASES[0] as Case), {
    type: 'withdrawal',
    dossierCode: '000.20.38.H56-261124-0007',
    step: 'tax',
    agencyReference: 'TAX-000123',
    reason: REASON,
    withdrawnAt: WITHDRAWN_AT
  }, 'generic: the canonical notice, as the hub has it')
  for (const c of CASES) {
    const body = bodyOf(c)
    t.equal(body[c.fields.reference], c.notice.agencyReference, `${c.adapter}: the agency's reference → ${c.fields.reference}`)
    if (c.fields.time !== undefined) t.equal(body[c.fields.time], '20261125164205', `${c.adapter}: ${c.fields.time} is yyyyMMddHHmmss in Vietnam time, milliseconds dropped`)
    t.match(String(body[c.fields.reason]), REASON, `${c.adapter}: the applicant's reason`)
    t.ok(Object.values(body).includes(c.notice.dossierCode), `${c.adapter}: names the dossier code`)
  }
  t.equal(bodyOf(CASES[2] as Case).loaiHoSo, 'KS', 'justice: the module (birth registration → KS)')
  t.equal(bodyOf(CASES[2] as Case).maBuoc, 'civil-status', 'justice: the step')
  t.equal(bodyOf(CASES[3] as Case).LoaiThuTuc, 'CHUYEN_NHUONG', 'land: the procedure kind')
  t.equal(bodyOf(CASES[3] as Case).MaBuoc, 'land-certificate', 'land: which of the office\'s two steps')
  t.equal(bodyOf(CASES[1] as Case).loaiYeuCau, 'CAP_DIEN_MOI_HA_AP', 'electricity: the request kind')
  t.equal(bodyOf(CASES[4] as Case).CustomerCode, 'C038000123', 'postal: the hub\'s customer code')
  t.equal(bodyOf(CASES[4] as Case).CancelReason, `Người nộp hồ sơ đã rút hồ sơ: ${REASON}`, 'postal: why the order is cancelled')
})

t.test('without a reference, with a blank or an overlong reason: still a valid notice', async (t) => {
  for (const c of CASES) {
    const validate = withdrawalValidator(c.adapter)
    const { agencyReference: _r, ...rest } = c.notice
    const noRef = bodyOf(c, rest)
    t.notOk(c.fields.reference in noRef, `${c.adapter}: no reference given, none invented`)
    t.equal(errorsOf(validate, noRef), '', `${c.adapter}: valid without a reference`)
    for (const odd of ['', '   ', 'x'.repeat(200)]) {
      t.notOk(c.fields.reference in bodyOf(c, { ...c.notice, agencyReference: odd }), `${c.adapter}: an unusable reference (${odd.length} chars) is left out`)
    }

    const blank = bodyOf(c, { ...c.notice, reason: '  \n ' })
    t.equal(blank[c.fields.reason], NO_REASON_GIVEN, `${c.adapter}: a blank reason says none was given`)
    t.equal(errorsOf(validate, blank), '', `${c.adapter}: valid with a blank reason`)

    const long = bodyOf(c, { ...c.notice, reason: 'Lý do rất dài. '.repeat(400) })
    t.equal(errorsOf(validate, long), '', `${c.adapter}: an overlong reason is cut to fit`)
    t.match(String(long[c.fields.reason]), /…$/, `${c.adapter}: and the cut shows`)
  }
})

t.test('the path stays under the agency\'s endpoint, as the hub\'s HTTP client appends it', async (t) => {
  for (const c of CASES) {
    const { path } = adapterOf(c.adapter).withdrawal(c.notice, c.context)
    t.type(path, 'string', `${c.adapter}: a path of its own (not the delivery address)`)
    t.notOk(path?.startsWith('/'), `${c.adapter}: relative: a leading slash would replace the endpoint's path`)
    t.equal(new URL(path ?? '', `${c.endpoint}/`).href, `${c.endpoint}/${c.path}`, `${c.adapter}: ${c.endpoint}/${c.path}`)
  }
})

t.test('mapping errors', async (t) => {
  for (const c of CASES.filter((x) => x.fields.time !== undefined)) {
    t.throws(() => bodyOf(c, { ...c.notice, withdrawnAt: 'yesterday' }), { name: 'AdapterMappingError', message: /withdrawnAt/ }, `${c.adapter}: withdrawnAt is not a date-time`)
  }
  const generic = CASES[0] as Case
  t.not(errorsOf(withdrawalValidator('generic'), bodyOf(generic, { ...generic.notice, withdrawnAt: 'yesterday' })), '', 'generic passes withdrawnAt through: its schema refuses a bad one')
  for (const c of CASES.filter((x) => ['electricity', 'justice', 'land'].includes(x.adapter))) {
    t.throws(() => bodyOf(c, c.notice, { ...c.context, dataSchema: 'marriage-registration-x' }), { name: 'AdapterMappingError', message: /cannot hold dossier/ }, `${c.adapter}: a kind of dossier it never takes`)
  }
  const postal = CASES[4] as Case
  const { agencyCode: _c, ...noCode } = postal.context
  t.throws(() => bodyOf(postal, postal.notice, noCode), { name: 'AdapterMappingError', message: /customer code/ }, 'postal: no customer code in the hub config')
})

t.test('the withdrawal and postal schemas describe every property: Vietnamese term — English', async (t) => {
  const DESCRIBED = /^[^—]*[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ][^—]* — \S/i
  const files = [
    ...CASES.map((c) => ['adapters', c.adapter, 'schemas', 'withdrawal.schema.json']),
    ['adapters', 'postal', 'schemas', 'request.schema.json'],
    ['adapters', 'postal', 'schemas', 'status.schema.json']
  ]
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
  for (const f of files) {
    const s = JSON.parse(readFileSync(fromRoot(...f), 'utf8')) as { description?: string }
    t.match(s.description, DESCRIBED, `${f.join('/')}: the schema itself`)
    walk(s, f.join('/'))
  }
  t.ok(checked > 60, `checked ${checked} properties`)
})
