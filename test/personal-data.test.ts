/**
 * Personal data: auditors see citizen IDs and phone numbers masked; lists carry none; and nothing
 * personal ever becomes a Redis key name, a BullMQ job name or job data.
 */
import t from 'tap'
import { bearer, build, example, keysUnder, post, startAgency, waitFor } from './helper.ts'
import { maskPersonal, maskText } from '../src/domain/masking.ts'
import type { Dossier, DossierList, DossierSummary } from '../src/types/schemas.generated.ts'

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

t.test('an auditor reads the dossier with personal numbers masked; the portal and the agency in full', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(hub.app, example('birth-registration'))).json<DossierSummary>()
  await hub.app.inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, headers: bearer(hub.keys.agencies.justice ?? ''), payload: { eventId: 'm1', agency: 'justice', report: { status: 'processing', note: `Đã gọi 0912345678 để xác minh CCCD ${personal[0] ?? ''}` } } })

  const audited = await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(hub.keys.auditor) })
  t.equal(audited.statusCode, 200)
  for (const p of personal) t.notOk(audited.body.includes(p), `${p.slice(0, 4)}… is not shown to the auditor`)
  const d = audited.json<Dossier>()
  t.equal(d.applicant.identity.number, '0381******45', 'masked as 0012******67')
  t.equal(d.applicant.phone, '09******78')
  t.equal(d.applicant.fullName, birth.applicant.fullName, 'names and everything else are kept')
  const history = await hub.app.inject({ url: `/v1/dossiers/${code}/history`, headers: bearer(hub.keys.auditor) })
  for (const p of personal) t.notOk(history.body.includes(p), 'nor in the history\'s notes')

  for (const key of [hub.keys.portal, hub.keys.agencies.justice ?? '', hub.keys.admin]) {
    const full = (await hub.app.inject({ url: `/v1/dossiers/${code}`, headers: bearer(key) })).json<Dossier>()
    t.equal(full.applicant.identity.number, birth.applicant.identity.number, 'the portal, the agency and admins see it in full')
  }
  // the agency's note travels in the step's state, also in list items
  const portalList = await hub.app.inject({ url: '/v1/dossiers', headers: bearer(hub.keys.portal) })
  t.ok(portalList.body.includes(personal[0] ?? 'x'), 'the portal\'s list shows the note as the agency wrote it')
  const auditorList = await hub.app.inject({ url: '/v1/dossiers', headers: bearer(hub.keys.auditor) })
  t.equal(auditorList.json<DossierList>().items.length, 1)
  for (const p of personal) t.notOk(auditorList.body.includes(p), `the auditor's list masks ${p.slice(0, 4)}…`)
  t.match(auditorList.json<DossierList>().items[0]?.routing['civil-status']?.note, /CCCD 0381\*{6}45/)
})

t.test('nothing personal in Redis key names, BullMQ job names or job data', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const { code } = (await post(hub.app, example('birth-registration'), { 'idempotency-key': `key-${personal[0] ?? ''}` })).json<DossierSummary>()
  await post(hub.app, example('electricity-new-connection'))
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivered')
  await hub.app.inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `ev-${personal[3] ?? ''}`, agency: 'justice', report: { status: 'resolved' } } })
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
