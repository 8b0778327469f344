/**
 * Personal data: auditors see citizen IDs and phone numbers masked; lists carry none; and nothing
 * personal ever becomes a Redis key name, a BullMQ job name or job data.
 */
import t from 'tap'
import { build, example, keysUnder, post, startAgency, waitFor, asAdmin, asAgency, asAuditor, asKey, asPortal } from '../helper.ts'
import { maskPersonal, maskText } from '../../src/domain/masking.ts'
import { redactAgencyAnswer } from '../../src/domain/agency-answer.ts'
import type { Dossier, DossierList, DossierSummary } from '../../src/types/schemas.generated.ts'

const birth = example('birth-registration')
const personal = [
  birth.applicant.identity.number,
  (birth.data as { mother: { citizenId: string } }).mother.citizenId,
  (birth.data as { father: { citizenId: string } }).father.citizenId,
  birth.applicant.phone as string
]

t.test('maskText: citizen IDs, old IDs and phones, and nothing else', async (t) => {
  t.equal(maskText('001234567867'), '0012******67', 'the issue\'s example')
  t.equal(maskText('CCCD 038190012345, ĐT 0912345678'), 'CCCD 0381******45, ĐT 09******78')
  t.equal(maskText('+84912345678'), '+849******78')
  t.equal(maskText('CMND 123456789'), 'CMND 123****89')
  for (const keep of ['000.31.35.H56-261123-0001', '2026-11-23T10:00:00+07:00', '529ced6a17586897b3d1bd3b103dad696b84636205dc2b6584225f66f23933ce', 'DVC2026000123456', '14755', 'Nguyễn Thị Hoa']) {
    t.equal(maskText(keep), keep, `${keep} is not a personal number`)
  }
  const nested = maskPersonal({ a: ['038190012345', { b: 'tel 0987654321' }], n: 38190012345, ok: true })
  t.same(nested, { a: ['0381******45', { b: 'tel 09******21' }], n: 38190012345, ok: true }, 'deep, strings only')
})

t.test('maskText: citizen IDs and mobile numbers in groups (spaces, dots, hyphens) or glued to a label; look-alikes kept', async (t) => {
  const forms: Array<[string, string]> = [
    ['038 190 012 345', '0381******45'],
    ['038.190.012.345', '0381******45'],
    ['0381-9001-2345', '0381******45'],
    ['CCCD038190012345', 'CCCD0381******45'],
    ['Số CCCD: 038 190 012 345.', 'Số CCCD: 0381******45.'],
    ['0912.345.678', '09******78'],
    ['0912 345 678', '09******78'],
    ['0912-345-678', '09******78'],
    ['+84 912 345 678', '+849******78'],
    ['+84-912-345-678', '+849******78'],
    ['ĐT0912345678', 'ĐT09******78'],
    ['CMND123456789', 'CMND123****89'],
    ['mẹ 038 190 012 345, gọi 0912.345.678', 'mẹ 0381******45, gọi 09******78']
  ]
  for (const [given, masked] of forms) t.equal(maskText(given), masked, `${given} → ${masked}`)
  for (const keep of [
    '000.00.06.H56-231027-0361', '000.31.35.H56-261123-0001', 'H56-091027-0361', '1.001193.000.00.00.H56', 'GCS-2026-008812',
    '2026-11-23', '2026-11-23T10:00:00+07:00', '10/11/2026', '08:30:00',
    'cb5a4f1e0a3c2d9b8e7f60123456789012345678901234567890abcdef012345',
    '1.500.000.000 đồng', '125.000.000.000', '100 000 000 000', '16000', '0.912345678'
  ]) t.equal(maskText(keep), keep, `${keep} is not a personal number`)
})

t.test('redactAgencyAnswer: by key in JSON (each adapter\'s names), the request\'s personal values anywhere, numbers in any form; one short line', async (t) => {
  const sent = {
    nycHoTen: 'Nguyễn Thị Hoa',
    nycNgaySinh: '19900512',
    nycSoGiayTo: '038190012345',
    nycSoDienThoai: '0912345678',
    khaiSinh: { nksHoTen: 'Lê Minh An', nksNgaySinh: '20261110' },
    maHoSo: '000.00.06.H56-231027-0361'
  }
  const json = redactAgencyAnswer(JSON.stringify({
    maLoi: 'E-017',
    thongBao: 'Hồ sơ của NGUYỄN THỊ HOA, sinh 12/05/1990, con Le Minh An (10/11/2026) không hợp lệ',
    maHoSo: '000.00.06.H56-231027-0361',
    thoiDiem: '2026-11-23T10:00:00+07:00',
    duLieu: {
      hoTen: 'A',
      ngaySinh: 'B',
      meSoDinhDanh: 'C',
      chaHoTen: 'D',
      ChuHoSo: { HoTen: 'E', SoGiayTo: 'F' },
      NgaySinh: 'G',
      ReceiverPhone: 'H',
      ReceiverFullAddress: 'I',
      khachHang: { tenKhachHang: 'J' },
      applicant: { fullName: 'K' },
      diaChi: 'L',
      email: 'M'
    }
  }), sent)
  for (const gone of ['Nguyễn Thị Hoa', 'NGUYỄN THỊ HOA', '12/05/1990', 'Le Minh An', '10/11/2026', '"A"', '"B"', '"C"', '"D"', '"E"', '"F"', '"G"', '"H"', '"I"', '"J"', '"K"', '"L"', '"M"']) {
    t.notOk(json.includes(gone), `no ${gone}`)
  }
  for (const kept of ['E-017', 'không hợp lệ', '000.00.06.H56-231027-0361', '2026-11-23T10:00:00+07:00']) t.ok(json.includes(kept), `${kept} is kept`)

  const text = redactAgencyAnswer(`<html>\n<h1>500</h1> Nguyen Thi Hoa 1990-05-12 CCCD038190012345 ĐT +84 912 345 678, 0912.345.678 hoa@example.vn ${'x'.repeat(2000)}</html>`, sent)
  for (const gone of ['Nguyen Thi Hoa', '1990-05-12', '038190012345', '+84 912 345 678', '0912.345.678', 'hoa@example.vn']) t.notOk(text.includes(gone), `no ${gone} in free text`)
  t.ok(text.length <= 301 && !text.includes('\n'), 'one line of at most 300 characters and the ellipsis')
  t.equal(redactAgencyAnswer('{"broken": "CCCD 038 190 012 345', sent), '{"broken": "CCCD 0***********', 'a body that only looks like JSON: free text')
  t.equal(redactAgencyAnswer('Service Unavailable'), 'Service Unavailable', 'nothing personal: as it was')
})

t.test('an auditor reads the dossier with personal numbers masked; the portal and the agency in full', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  await asAgency(hub, 'justice').inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: 'm1', agency: 'justice', report: { status: 'processing', note: `Đã gọi 0912345678 để xác minh CCCD ${personal[0] ?? ''}` } } })

  const audited = await asAuditor(hub).inject({ url: `/v1/dossiers/${code}` })
  t.equal(audited.statusCode, 200)
  for (const p of personal) t.notOk(audited.body.includes(p), `${p.slice(0, 4)}… is not shown to the auditor`)
  const d = audited.json<Dossier>()
  t.equal(d.applicant.identity.number, '0381******45', 'masked as 0012******67')
  t.equal(d.applicant.phone, '09******78')
  t.equal(d.applicant.fullName, birth.applicant.fullName, 'names and everything else are kept')
  const history = await asAuditor(hub).inject({ url: `/v1/dossiers/${code}/history` })
  for (const p of personal) t.notOk(history.body.includes(p), 'nor in the history\'s notes')

  for (const key of [hub.keys.portal, hub.keys.agencies.justice ?? '', hub.keys.admin]) {
    const full = (await asKey(hub, key).inject({ url: `/v1/dossiers/${code}` })).json<Dossier>()
    t.equal(full.applicant.identity.number, birth.applicant.identity.number, 'the portal, the agency and admins see it in full')
  }
  // the agency's note travels in the step's state, also in list items
  const portalList = await asPortal(hub).inject({ url: '/v1/dossiers' })
  t.ok(portalList.body.includes(personal[0] ?? 'x'), 'the portal\'s list shows the note as the agency wrote it')
  const auditorList = await asAuditor(hub).inject({ url: '/v1/dossiers' })
  t.equal(auditorList.json<DossierList>().items.length, 1)
  for (const p of personal) t.notOk(auditorList.body.includes(p), `the auditor's list masks ${p.slice(0, 4)}…`)
  t.match(auditorList.json<DossierList>().items[0]?.routing['civil-status']?.note, /CCCD 0381\*{6}45/)
})

t.test('nothing personal in Redis key names, BullMQ job names or job data', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const { code } = (await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': `key-${personal[0] ?? ''}` })).json<DossierSummary>()
  await post(asAdmin(hub), example('electricity-new-connection'))
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivered')
  await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `ev-${personal[3] ?? ''}`, agency: 'justice', report: { status: 'resolved' } } })
  await waitFor(async () => (await hub.store.routingState(code, 'residence'))?.state === 'delivered', 'next stage delivered')

  const names = await keysUnder(hub.redis, hub.prefix)
  t.ok(names.length > 10, `${names.length} keys looked at`)
  const everyPersonal = [...personal, example('electricity-new-connection').applicant.identity.number]
  for (const name of names) {
    t.notOk(everyPersonal.some((p) => name.includes(p)), `key ${name.slice(hub.prefix.length)} names no personal number`)
  }
  for (const id of hub.queues.agencyIds) {
    for (const job of await hub.queues.queue(id).getJobs(['completed', 'waiting', 'active', 'delayed', 'failed'])) {
      const text = `${job.name} ${String(job.id)} ${JSON.stringify(job.data)}`
      t.notOk(everyPersonal.some((p) => text.includes(p)), `job ${String(job.id)}: name, id and data carry no personal number`)
      t.same(Object.keys(job.data).sort(), ['agency', 'code', 'step'], 'job data: the dossier code, the step and the agency, nothing else')
    }
  }
})
