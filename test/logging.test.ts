/**
 * Logs: one line per request; every line about a dossier carries its code; citizen ID numbers
 * and phone numbers never appear.
 */
import t from 'tap'
import { LogCapture, build, example, post, startAgency, waitFor } from './helper.ts'
import { createLogger } from '../src/logger.ts'
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
  t.match(all, /Nguyễn Thị Hoa/, 'the rest of the record is still there')
})
