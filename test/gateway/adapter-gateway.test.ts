/**
 * The adapters' gateways (src/gateway/adapter-gateway.ts): validate → map → validate in both
 * directions, with the shipped justice adapter and a faulty one made from it (a mapping that yields
 * an invalid canonical dossier or report, a request its own schema rejects); the postal pickups
 * (report in, collection request out) and the national portal's sync gateway. What intake, events and
 * delivery answer with these refusals is tested through the API in agency-intake, bad-input and
 * delivery tests.
 */
import t from 'tap'
import { adapters } from '../../adapters/index.ts'
import type { AgencyAdapter, DeliverableDossier, OutboundContext } from '../../adapters/contract.ts'
import { GatewayRefusal, NativeOutputError } from '../../src/gateway/adapter-gateway.ts'
import { NationalPortalGateway } from '../../src/gateway/national-portal-gateway.ts'
import type { Dossier } from '../../src/types/schemas.generated.ts'
import { gatewaysOf } from '../../src/runtime.ts'
import { goldenText } from '../golden-files.ts'

const gateways = gatewaysOf()
const justice = gateways.get('justice')
const nativeSubmission = (): Record<string, unknown> => JSON.parse(goldenText('justice-submission-birth-registration.json')) as Record<string, unknown>
const nativeReport = (): Record<string, unknown> => (JSON.parse(goldenText('justice-status-examples.json')) as Array<Record<string, unknown>>)[0] as Record<string, unknown>

function refusal (fn: () => unknown): GatewayRefusal | undefined {
  try {
    fn()
  } catch (err) {
    if (err instanceof GatewayRefusal) return err
    throw err
  }
  return undefined
}

t.test('one gateway per registered adapter, saying which native bodies it takes', async (t) => {
  t.same([...gateways.keys()].sort(), [...adapters.keys()].sort())
  t.equal(justice?.takesSubmissions, true, 'justice: submissions')
  t.equal(justice?.takesReports, true, 'justice: reports')
  t.equal(gateways.get('postal')?.takesSubmissions, false, 'postal: no submissions')
})

t.test('in: a native submission is validated, mapped and validated again', async (t) => {
  const submission = justice?.inbound(nativeSubmission(), { agencyId: 'justice' })
  t.equal(submission?.procedure.code, '1.001193.000.00.00.H56', 'mapped to the canonical birth registration')

  const missing = nativeSubmission()
  delete missing.maTTHC
  const invalid = refusal(() => justice?.inbound(missing, { agencyId: 'justice' }))
  t.match(invalid?.problems, [{ pointer: '#/maTTHC', detail: 'is required' }], 'a native field missing: named in the native body')
  t.match(invalid?.title, /^The justice submission has invalid fields/)

  const unknownKind = { ...nativeSubmission(), loaiHoSo: 'KT', khaiTu: undefined }
  const unmapped = refusal(() => justice?.inbound(JSON.parse(JSON.stringify(unknownKind)), { agencyId: 'justice' }))
  t.ok(unmapped !== undefined, 'a submission the adapter cannot read is refused')
  t.match(unmapped?.title, /^The justice submission (has invalid fields|cannot be read)/)
})

t.test('in: a native report is validated, mapped and validated again', async (t) => {
  const mapped = justice?.status(nativeReport())
  t.equal(mapped?.report.status, 'accepted', 'trạng thái 1 is accepted')
  const wrong = refusal(() => justice?.status({ ...nativeReport(), trangThai: 'X' }))
  t.match(wrong?.problems, [{ pointer: /^#\/native/ }], 'problems point under /native')
  t.match(wrong?.title, /status report/)
})

/** the justice adapter with its mappings made wrong, to see the gateway catch each */
function faulty (): AgencyAdapter<never, unknown, never> {
  const base = adapters.get('justice') as AgencyAdapter<never, unknown, never>
  return {
    ...base,
    name: 'faulty',
    inbound: (native, context) => ({ ...base.inbound(native, context), procedure: undefined as never }),
    status: (native) => ({ ...base.status(native), report: { ...base.status(native).report, status: 'done' as never } }),
    outbound: (dossier, context) => ({ ...base.outbound(dossier, context), body: { wrong: true } as never }),
    withdrawal: (notice, context) => ({ ...base.withdrawal(notice, context), body: { wrong: true } })
  }
}

t.test('a mapping that yields an invalid dossier, report or native request is caught by the gateway', async (t) => {
  const bad = gatewaysOf(new Map([['faulty', faulty()]])).get('faulty')

  const dossier = refusal(() => bad?.inbound(nativeSubmission(), { agencyId: 'justice' }))
  t.match(dossier?.problems, [{ pointer: '#', detail: /^once mapped to the canonical dossier, .*procedure/ }], 'the canonical dossier\'s problem, said as such')
  t.match(dossier?.title, /^The faulty submission maps to an invalid dossier/)

  const report = refusal(() => bad?.status(nativeReport()))
  t.match(report?.problems, [{ pointer: '#/native', detail: /^once mapped to a canonical report, \/status/ }], 'the canonical report\'s problem')

  const good = justice?.inbound(nativeSubmission(), { agencyId: 'justice' })
  const deliverable = { ...good, code: '000.32.35.H56-261121-0001', status: 'received', receivedAt: '2026-11-21T08:30:12+07:00' } as unknown as DeliverableDossier
  const context: OutboundContext = { agencyId: 'justice', idempotencyKey: 'k', dataSchema: 'birth-registration', step: { id: 'justice', stage: 0, lead: true } }
  t.throws(() => bad?.outbound(deliverable, context), NativeOutputError, 'a request its native schema rejects: NativeOutputError')
  t.throws(() => bad?.outbound(deliverable, context), { message: /^the faulty adapter produced a request its native schema rejects: / }, 'naming the fields')
  t.throws(() => bad?.withdrawal({ dossierCode: deliverable.code, step: 'justice', reason: 'rút hồ sơ', withdrawnAt: '2026-11-22T08:00:00+07:00' }, context),
    { message: /^the faulty adapter produced a withdrawal notice its native schema rejects/ }, 'and a withdrawal notice likewise')
})

t.test('postal pickups go through the postal gateway: the report validated then mapped, the collection request mapped then validated', async (t) => {
  const postal = gateways.get('postal')
  t.equal(postal?.takesPickups, true, 'postal: pickups')
  t.equal(justice?.takesPickups, false, 'justice: none')
  const report = { ItemCode: 'EB123456789VN', OrderNumber: '000.00.06.H56-261124-0001', StatusCode: 110, StatusTime: '20261124091500', Postage: 18000 }
  const update = postal?.pickupStatus(report)
  t.same(update && { event: update.event, at: update.at, postage: update.postage, dossier: update.dossierCode }, { event: 'collected', at: '2026-11-24T09:15:00+07:00', postage: 18000, dossier: '000.00.06.H56-261124-0001' }, 'collected, at the post office\'s time')

  const invalid = refusal(() => postal?.pickupStatus({ ...report, StatusCode: 999 }))
  t.match(invalid?.problems, [{ pointer: '#/native/StatusCode' }], 'a native field the schema refuses: named under /native')
  t.match(invalid?.title, /^The postal pickup report has invalid fields/)
  const contradicts = refusal(() => postal?.pickupStatus({ ...report, StatusCode: 120 }))
  t.match(contradicts?.problems, [{ pointer: '#/native', detail: /Postage belongs to StatusCode 110/ }], 'what the adapter cannot read: refused, naming why')
  t.match(contradicts?.title, /^The postal pickup report cannot be read/)
  const impossible = refusal(() => postal?.pickupStatus({ ...report, StatusTime: '20261131091500' }))
  t.match(impossible?.problems, [{ pointer: '#/native', detail: /StatusTime is not a real/ }], 'an impossible time')
  t.ok(refusal(() => justice?.pickupStatus(report)) !== undefined, 'an adapter without the format refuses it')

  const order = { dossierCode: '000.00.06.H56-261124-0001', procedureName: 'Đăng ký khai sinh', desk: { code: '000.00.06.H56', name: 'UBND xã' }, contactName: 'Trần Thị Lan', phone: '0912345678', address: { provinceCode: '38', wardCode: '14755', line: 'Số 1' }, provincePaysPostage: true }
  const req = postal?.pickup(order, { agencyId: 'vnpost', agencyCode: 'BD-TH-0001' })
  t.equal((req?.body as { OrderNumber?: string } | undefined)?.OrderNumber, order.dossierCode, 'the collection request names the dossier')
  const base = adapters.get('postal') as AgencyAdapter<never, unknown, never>
  const broken = gatewaysOf(new Map([['postal', { ...base, pickup: () => ({ method: 'POST' as const, body: { wrong: true } }) }]])).get('postal')
  t.throws(() => broken?.pickup(order, { agencyId: 'vnpost', agencyCode: 'BD-TH-0001' }), { name: 'NativeOutputError', message: /produced a pickup request its native schema rejects/ }, 'a request its schema rejects is the adapter\'s bug')
})

t.test('the DVCQG sync goes through the national portal gateway: mapped, then checked against its schema', async (t) => {
  const portal = new NationalPortalGateway()
  const good = justice?.inbound(nativeSubmission(), { agencyId: 'justice' })
  const dossier = { ...good, code: '000.32.35.H56-261121-0001', status: 'received', statusCode: 2, receivedAt: '2026-11-21T08:30:12+07:00' } as unknown as Dossier
  const change = { sequence: 1, statusCode: 2, entry: { at: '2026-11-21T08:30:12+07:00', type: 'received' as const, actor: { kind: 'portal' as const, id: 'dvcqg' }, applied: true } }
  const message = portal.sync(dossier, change, { agencies: new Map() })
  t.same([message.SoThuTu, message.LoaiDongBo, message.HoSo.MaHoSo], [1, 1, dossier.code], 'the receipt: a new dossier')
  t.throws(() => portal.sync({ ...dossier, procedure: { ...dossier.procedure, name: '' } }, change, { agencies: new Map() }),
    { name: 'NativeOutputError', message: /sync message its schema rejects: .*TenTTHC/ }, 'a record the schema rejects: NativeOutputError naming the field')
  t.throws(() => portal.sync({ ...dossier, status: 'resolved', statusCode: 9 }, change, { agencies: new Map() }), { name: 'AdapterMappingError' }, 'a dossier the adapter cannot express: AdapterMappingError')
})
