/**
 * Payment notices (thông báo đã nộp phí, lệ phí trực tuyến), shared by the per-adapter tests
 * (test/adapters/<name>/payment.test.ts): when the applicant paid online what a step asked for, the
 * hub tells the step's agency through its adapter's gateway, in the agency's native format. For one
 * adapter: the golden notice, byte for byte, valid against the adapter's own payment schema through
 * the gateway; the fields; the path under the endpoint; the mapping errors; the simulator reading it.
 */
import type { Test } from 'tap'
import type { OutboundContext, PaymentNotice } from '../../adapters/contract.ts'
import { adapters } from '../../adapters/index.ts'
import { dialects } from '../../scripts/simulators/dialects.ts'
import { gatewaysOf } from '../../src/runtime.ts'
import { NativeOutputError, type AdapterGateway } from '../../src/gateway/adapter-gateway.ts'
import { createNativeValidators } from '../../src/validation/native.ts'
import { expectGolden, goldenText } from '../golden-files.ts'

export interface PaymentCase {
  adapter: string
  notice: PaymentNotice
  context: OutboundContext
  /** where it goes, relative to the endpoint */
  path: string
  endpoint: string
  /** the native fields for: the agency's reference, the amount, the lines, the e-receipt, the time (absent for generic: ISO as given) */
  fields: { reference: string, amount: string, lines: string, receipt: string, payment: string, time?: string }
}

/** 3 December 2026, 09:15:42 in Vietnam */
export const PAID_AT = '2026-12-03T09:15:42.120+07:00'

export function paymentContext (agencyId: string, dataSchema: string, step: OutboundContext['step']): OutboundContext {
  return { agencyId, idempotencyKey: `payment/${agencyId}/${step.id}`, dataSchema, step }
}

export function notice (dossierCode: string, step: string, agencyReference: string | undefined, lines: PaymentNotice['lines'], extra: Partial<PaymentNotice> = {}): PaymentNotice {
  return {
    dossierCode,
    step,
    ...(agencyReference !== undefined && { agencyReference }),
    reference: 'LT261203K7M2Q9X4ZA',
    noticeReference: 'TB-2026-00417',
    amount: lines.reduce((s, l) => s + l.amount, 0),
    lines,
    provider: 'vnpay',
    transactionNo: '14729981',
    receiptNumber: 'BL-0000123/2026',
    paidAt: PAID_AT,
    ...extra
  }
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + '\n'
let gateways: ReadonlyMap<string, AdapterGateway> | undefined
function gatewayOf (name: string): AdapterGateway {
  gateways ??= gatewaysOf()
  const g = gateways.get(name)
  if (g === undefined) throw new Error(`no gateway ${name}`)
  return g
}
const validators = createNativeValidators(adapters)

/** Everything about one adapter's payment notice. */
export async function paymentNoticeTests (t: Test, c: PaymentCase): Promise<void> {
  const adapter = adapters.get(c.adapter)
  if (adapter === undefined) throw new Error(`no adapter ${c.adapter}`)
  const validate = validators.get(c.adapter)?.payment
  if (validate === undefined) throw new Error(`${c.adapter}: no payment schema`)
  const errorsOf = (value: unknown): string => validate(value) ? '' : JSON.stringify(validate.errors)
  const bodyOf = (n: PaymentNotice = c.notice, ctx: OutboundContext = c.context): Record<string, unknown> => gatewayOf(c.adapter).payment(n, ctx).body as Record<string, unknown>

  t.test('its own payment schema (adapters/<name>/schemas/payment.schema.json)', async (t) => {
    t.equal((adapter.nativeSchemas.payment as { $id?: string } | undefined)?.$id, `${c.adapter}-payment`)
  })

  t.test('the payment schema describes itself and every property: Vietnamese term — English', async (t) => {
    const DESCRIBED = /^[^—]*[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ][^—]* — \S/i
    const schema = adapter.nativeSchemas.payment as { description?: string }
    t.match(schema.description, DESCRIBED, 'the schema itself')
    let checked = 0
    const walk = (node: unknown, where: string): void => {
      if (node === null || typeof node !== 'object') return
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === 'properties' && value !== null && typeof value === 'object') {
          for (const [name, sub] of Object.entries(value as Record<string, { description?: string }>)) {
            checked++
            t.match(sub.description, DESCRIBED, `${where}/${name}`)
            walk(sub, `${where}/${name}`)
          }
        } else walk(value, `${where}/${key}`)
      }
    }
    walk(schema, `${c.adapter}-payment`)
    t.ok(checked >= 14, `checked ${checked} properties`)
  })

  t.test('the golden payment notice, byte for byte, through the gateway, valid against the native schema', async (t) => {
    const file = `${c.adapter}-payment.json`
    const req = gatewayOf(c.adapter).payment(c.notice, c.context)
    t.equal(req.method, 'POST')
    t.equal(req.path, c.path, `to <endpoint>/${c.path}`)
    expectGolden(t, file, pretty(req.body), `${file}: byte for byte, key order included`)
    t.strictSame(req.body, JSON.parse(goldenText(file)), `${file}: same content`)
    t.equal(errorsOf(req.body), '', 'valid against its payment schema')
    t.not(errorsOf({ ...(req.body as object), extra: 1 }), '', 'the schema refuses an unknown property')
    t.equal(new URL(req.path ?? '', `${c.endpoint}/`).href, `${c.endpoint}/${c.path}`, 'the path stays under the endpoint (relative)')
  })

  t.test('the fields', async (t) => {
    const body = bodyOf()
    t.ok(Object.values(body).includes(c.notice.dossierCode), 'names the dossier code')
    t.equal(body[c.fields.reference], c.notice.agencyReference, `the agency's reference → ${c.fields.reference}`)
    t.equal(body[c.fields.payment], c.notice.reference, `the hub's payment reference → ${c.fields.payment}`)
    t.equal(body[c.fields.amount], c.notice.amount, `the amount → ${c.fields.amount}`)
    const lines = body[c.fields.lines] as Array<Record<string, unknown>>
    t.equal(lines.length, c.notice.lines.length, `every line → ${c.fields.lines}`)
    t.same(lines.map((l) => Object.values(l).filter((v) => typeof v === 'number')), c.notice.lines.map((l) => [l.amount]), 'each line\'s amount')
    t.equal(body[c.fields.receipt], c.notice.receiptNumber, `the e-receipt number → ${c.fields.receipt}`)
    if (c.fields.time !== undefined) t.equal(body[c.fields.time], '20261203091542', `${c.fields.time}: yyyyMMddHHmmss Vietnam time`)
    const utc = bodyOf({ ...c.notice, paidAt: '2026-12-03T02:15:42Z' })
    if (c.fields.time !== undefined) t.equal(utc[c.fields.time], '20261203091542', 'the same instant given in UTC: still Vietnam time')

    const { agencyReference: _r, receiptNumber: _n, transactionNo: _x, noticeReference: _s, ...bare } = c.notice
    const minimal = bodyOf(bare)
    t.notOk(c.fields.reference in minimal, 'no reference given, none invented')
    t.notOk(c.fields.receipt in minimal, 'no e-receipt given, none invented')
    t.equal(errorsOf(minimal), '', 'valid without the optional identifiers')
    t.notOk(c.fields.receipt in bodyOf({ ...c.notice, receiptNumber: 'x'.repeat(101) }), 'an e-receipt number too long for the field is left out, not cut')
    // the canonical report allows a line code of 64 and a note of 1000: the notice still fits the format
    const [first, ...rest] = c.notice.lines as [PaymentNotice['lines'][number], ...PaymentNotice['lines']]
    const long = bodyOf({ ...c.notice, lines: [{ ...first, code: 'M'.repeat(64), name: 'Lệ phí '.repeat(150) }, ...rest] })
    t.equal(errorsOf(long), '', 'a line code or name longer than the format takes: valid (code left out, name shortened)')
    t.equal(JSON.stringify(long).includes('M'.repeat(64)), false, 'the long code is left out, not cut')
  })

  t.test('mapping errors and the gateway\'s check', async (t) => {
    const lines = c.notice.lines
    t.throws(() => bodyOf({ ...c.notice, amount: c.notice.amount + 1000 }), { name: 'AdapterMappingError', message: /add up to/ }, 'lines that do not add up to the amount')
    t.throws(() => bodyOf({ ...c.notice, lines: [] }), { name: 'AdapterMappingError', message: /no fee lines/ }, 'no lines')
    t.throws(() => bodyOf({ ...c.notice, amount: 0, lines: lines.map((l) => ({ ...l, amount: 0 })) }), { name: 'AdapterMappingError', message: /amount/ }, 'nothing paid')
    if (c.fields.time !== undefined) t.throws(() => bodyOf({ ...c.notice, paidAt: 'yesterday' }), { name: 'AdapterMappingError', message: /paidAt/ }, 'paidAt not a date-time')
    if (c.adapter !== 'generic') {
      t.throws(() => bodyOf(c.notice, { ...c.context, dataSchema: 'no-such-procedure' }), { name: 'AdapterMappingError', message: /cannot hold dossier/ }, 'a kind of dossier it never takes')
    }
    t.throws(() => gatewayOf(c.adapter).payment({ ...c.notice, reference: 'LT 2612 03' }, c.context), NativeOutputError, 'a body its own schema refuses is stopped by the gateway, not sent')
  })

  t.test('the simulated agency reads it (npm run agencies)', async (t) => {
    const intake = dialects[c.adapter]?.paid
    if (intake === undefined) { t.fail('the simulator takes no payment notices'); return }
    t.equal(intake.path, c.path, 'at the adapter\'s path')
    const body = bodyOf()
    t.match(intake.parse(body), { code: c.notice.dossierCode, reference: c.notice.reference, amount: c.notice.amount, receiptNumber: c.notice.receiptNumber })
    const other = c.adapter === 'generic' ? { maYeuCau: c.notice.dossierCode } : { type: 'payment', dossierCode: c.notice.dossierCode }
    t.throws(() => intake.parse(other), /not a|expected/, 'another format is refused')
  })
}
