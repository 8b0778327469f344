/**
 * Logs: one line per request; every line about a dossier carries its code; citizen ID numbers
 * and phone numbers never appear.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { LogCapture, build, example, post, startAgency, waitFor } from './helper.ts'
import { createLogger } from '../src/logger.ts'
import { fromRoot } from '../src/paths.ts'
import type { DossierSummary } from '../src/types/schemas.generated.ts'

const birth = example('birth-registration')
const secrets = [
  birth.applicant.identity.number,
  (birth.data as { mother: { citizenId: string } }).mother.citizenId,
  (birth.data as { father: { citizenId: string } }).father.citizenId,
  birth.applicant.phone as string,
  example('electricity-new-connection').applicant.identity.number,
  example('electricity-new-connection').applicant.phone as string
]

t.test('a full flow logs one line per request, with the dossier code, and no ID or phone number', async (t) => {
  const agency = await startAgency(t)
  const logs = new LogCapture()
  const hub = await build(t, { agencyUrl: agency.url, logs })

  const created = await post(hub.app, example('birth-registration'), { 'idempotency-key': 'log-test' })
  const code = created.json<DossierSummary>().code
  await post(hub.app, example('birth-registration'), { 'idempotency-key': 'log-test' })
  const conflicting = example('birth-registration')
  conflicting.summary = 'other'
  await post(hub.app, conflicting, { 'idempotency-key': 'log-test' })
  const invalid = example('electricity-new-connection')
  invalid.applicant.identity.number = '03808500432' // one digit short: must not be echoed either
  invalid.applicant.phone = '0987654321x'
  await post(hub.app, invalid)
  const electricity = await post(hub.app, example('electricity-new-connection'))
  const code2 = electricity.json<DossierSummary>().code
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivery')
  await waitFor(async () => (await hub.store.routingState(code2, 'evn'))?.state === 'delivered', 'delivery')
  await hub.app.inject({ url: `/v1/dossiers/${code}` })
  await hub.app.inject({ url: '/v1/dossiers?limit=5' })

  const records = logs.records
  const requestLines = records.filter((r) => r.msg === 'request')
  t.equal(requestLines.length, 7, 'one line per request (7 requests)')
  t.same(requestLines.map((r) => r.statusCode), [201, 200, 409, 400, 201, 200, 200])
  t.same(requestLines.map((r) => r.dossier), [code, code, code, undefined, code2, code, undefined], 'request lines about a dossier carry its code')
  for (const r of requestLines) t.ok(typeof r.ms === 'number' && typeof r.url === 'string' && typeof r.method === 'string', 'method, url and time on each line')

  const mentioning = logs.lines.filter((l) => l.includes(code) || l.includes(code2))
  t.ok(mentioning.length >= 4, 'the dossiers are mentioned (requests and deliveries)')
  for (const line of mentioning) {
    const r = JSON.parse(line) as { dossier?: string }
    t.ok(r.dossier === code || r.dossier === code2, `line about a dossier has its code in "dossier": ${line.slice(0, 160)}`)
  }
  const delivered = records.filter((r) => r.msg === 'delivered')
  t.same(new Set(delivered.map((r) => r.dossier)), new Set([code, code2]), 'delivery lines carry the code')

  const all = logs.lines.join('\n')
  for (const s of [...secrets, '03808500432']) t.notOk(all.includes(s), `no ${s.slice(0, 3)}… in the logs`)
})

t.test('even a careless log call with a whole dossier reveals no ID or phone number', async (t) => {
  const logs = new LogCapture()
  const log = createLogger('info', logs)
  log.info({ dossier: birth }, 'careless')
  log.info({ applicant: birth.applicant }, 'careless too')
  log.info(`applicant ${birth.applicant.identity.number} phone ${birth.applicant.phone as string} +84912345678`)
  await new Promise((r) => setImmediate(r))
  const all = logs.lines.join('\n')
  t.equal(logs.lines.length, 3)
  for (const s of [...secrets, '+84912345678']) t.notOk(all.includes(s), `no ${s.slice(0, 4)}… in the logs`)
  t.notOk(all.includes(birth.applicant.email ?? '@'), 'no e-mail address')
  t.notOk(all.includes('Số 12, đường Lê Hoàn'), 'no postal address')
  t.match(all, /Nguyễn Thị Hoa/, 'the rest of the record is still there')
})

t.test('agency reports and native agency submissions: lines carry the dossier code, no ID or phone number', async (t) => {
  const agency = await startAgency(t)
  const logs = new LogCapture()
  const hub = await build(t, { agencyUrl: agency.url, logs })
  const native = JSON.parse(readFileSync(fromRoot('test', 'golden', 'land-submission-transfer.json'), 'utf8')) as Record<string, unknown>
  const canonical = JSON.parse(readFileSync(fromRoot('test', 'golden', 'land-canonical-transfer.json'), 'utf8')) as typeof birth
  const landSecrets = [canonical.applicant.identity.number, canonical.applicant.phone].filter((s): s is string => typeof s === 'string')
  t.ok(landSecrets.length >= 1, 'the land example has an ID number to look for')

  const res = await hub.app.inject({ method: 'POST', url: '/v1/agencies/land-office/dossiers', payload: native })
  const code = res.json<DossierSummary>().code
  const broken = structuredClone(native)
  ;(broken.ChuHoSo as Record<string, unknown>).SoGiayTo = 'not-a-number'
  await hub.app.inject({ method: 'POST', url: '/v1/agencies/land-office/dossiers', payload: broken })
  const event = (status: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ eventId: `log-${status}`, agency: 'land-office', report: { status, ...extra } })
  await hub.app.inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event('processing', { note: `CCCD ${canonical.applicant.identity.number}` }) })
  await hub.app.inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { ...event('accepted'), agency: 'evn' } })

  const requestLines = logs.records.filter((r) => r.msg === 'request')
  t.same(requestLines.map((r) => r.statusCode), [201, 400, 201, 403])
  t.same(requestLines.map((r) => r.dossier), [code, undefined, code, code], 'lines about a dossier carry its code')
  const report = logs.records.find((r) => r.msg === 'agency report')
  t.equal(report?.dossier, code, 'the report line names the dossier')
  const all = logs.lines.join('\n')
  for (const s of [...landSecrets, 'not-a-number']) t.notOk(all.includes(s), `no ${s.slice(0, 3)}… in the logs`)
})
