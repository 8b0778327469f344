/**
 * Logs: one line per request; every line about a dossier carries its code; citizen ID numbers
 * and phone numbers never appear.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { LogCapture, answerJson, build, example, post, startAgency, waitFor, asAdmin } from '../helper.ts'
import { createLogger, scrubLine } from '../../src/logger.ts'
import type { DossierSummary } from '../../src/types/schemas.generated.ts'
import { Keys } from '../../src/store/keys.ts'
import { goldenPath } from '../golden-files.ts'

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

  const created = await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': 'log-test' })
  const code = created.json<DossierSummary>().code
  await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': 'log-test' })
  const conflicting = example('birth-registration')
  conflicting.summary = 'other'
  await post(asAdmin(hub), conflicting, { 'idempotency-key': 'log-test' })
  const invalid = example('electricity-new-connection')
  invalid.applicant.identity.number = '03808500432' // one digit short: must not be echoed either
  invalid.applicant.phone = '0987654321x'
  await post(asAdmin(hub), invalid)
  const electricity = await post(asAdmin(hub), example('electricity-new-connection'))
  const code2 = electricity.json<DossierSummary>().code
  await waitFor(async () => (await hub.store.routingState(code, 'civil-status'))?.state === 'delivered', 'delivery')
  await waitFor(async () => (await hub.store.routingState(code2, 'evn'))?.state === 'delivered', 'delivery')
  await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })
  await asAdmin(hub).inject({ url: '/v1/dossiers?limit=5' })

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
  await new Promise((resolve) => setImmediate(resolve))
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
  const native = JSON.parse(readFileSync(goldenPath('land-submission-transfer.json'), 'utf8')) as Record<string, unknown>
  const canonical = JSON.parse(readFileSync(goldenPath('land-canonical-transfer.json'), 'utf8')) as typeof birth
  const landSecrets = [canonical.applicant.identity.number, canonical.applicant.phone].filter((s): s is string => typeof s === 'string')
  t.ok(landSecrets.length >= 1, 'the land example has an ID number to look for')

  const res = await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/land-office/dossiers', payload: native })
  const code = res.json<DossierSummary>().code
  const broken = structuredClone(native)
  ;(broken.ChuHoSo as Record<string, unknown>).SoGiayTo = 'not-a-number'
  await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/land-office/dossiers', payload: broken })
  const event = (status: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ eventId: `log-${status}`, agency: 'land-office', report: { status, ...extra } })
  await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event('processing', { note: `CCCD ${canonical.applicant.identity.number}` }) })
  await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { ...event('accepted'), agency: 'evn' } })

  const requestLines = logs.records.filter((r) => r.msg === 'request')
  t.same(requestLines.map((r) => r.statusCode), [201, 400, 201, 403])
  t.same(requestLines.map((r) => r.dossier), [code, undefined, code, code], 'lines about a dossier carry its code')
  const report = logs.records.find((r) => r.msg === 'agency report')
  t.equal(report?.dossier, code, 'the report line names the dossier')
  const all = logs.lines.join('\n')
  for (const s of [...landSecrets, 'not-a-number']) t.notOk(all.includes(s), `no ${s.slice(0, 3)}… in the logs`)
})

t.test('scrubLine: citizen IDs and mobile numbers written in groups or glued to a label are hidden; codes, dates, hashes and amounts are kept', async (t) => {
  const forms: Array<[string, string]> = [
    ['CCCD 038 190 012 345', 'CCCD 0***********'],
    ['038.190.012.345', '0***********'],
    ['0381-9001-2345', '0***********'],
    ['CCCD038190012345', 'CCCD0***********'],
    ['cccd038190012345', 'cccd0***********'],
    ['ĐT 0912.345.678', 'ĐT **********'],
    ['0912 345 678', '**********'],
    ['0912-345-678', '**********'],
    ['+84 912 345 678', '**********'],
    ['SĐT+84912345678', 'SĐT**********'],
    ['"note":"gọi\\n0912 345 678"', '"note":"gọi\\n**********"'],
    ['038 190 012 345 0912 345 678', '0*********** **********']
  ]
  for (const [given, hidden] of forms) t.equal(scrubLine(given), hidden, `${given} → ${hidden}`)
  for (const keep of [
    '"dossier":"000.00.06.H56-231027-0361"', '000.31.35.H56-261123-0001', 'H56-091027-0361', '1.001193.000.00.00.H56',
    '"at":"2026-11-23T10:00:00.123+07:00"', '"time":1764694172000', '"ms":0.912345678', '"bytes":123456789012',
    '529ced6a17586897b3d1bd3b103dad696b84636205dc2b6584225f66f23933ce', 'giá 1.500.000.000 đồng', '125.000.000.000', '100 000 000 000 đồng', 'DVC2026000123456'
  ]) t.equal(scrubLine(keep), keep, `${keep} is kept`)
})

t.test('an agency\'s error answers that echo the applicant (name, date of birth, numbers in any form) leave no trace of them in the logs or the step', async (t) => {
  const applicant = birth.applicant
  const name = applicant.fullName
  const echo = [
    name, name.toUpperCase(), 'Nguyen Thi Hoa', '12/05/1990', '19900512', '1990-05-12',
    '038 190 012 345', 'CCCD038190012345', '038190012345', '0912.345.678', '+84 912 345 678', '0912345678', applicant.email ?? '@'
  ]
  const agency = await startAgency(t, (_req, res, n) => {
    if (n === 1) {
      // the justice system's JSON error, echoing the declarant in its own field names and in its message
      answerJson(res, 400, {
        maLoi: 'E-HS-017',
        thongBao: `Hồ sơ của ${name.toUpperCase()} (sinh 12/05/1990, CCCD 038 190 012 345, ĐT 0912.345.678) không hợp lệ`,
        duLieu: { nycHoTen: name, nycNgaySinh: '19900512', nycSoGiayTo: '038190012345', nycSoDienThoai: '+84 912 345 678', nycEmail: applicant.email }
      })
      return
    }
    // a proxy's plain-text page, the applicant written without diacritics
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
    res.end(`Internal error while processing Nguyen Thi Hoa, born 1990-05-12\nCCCD038190012345 tel +84 912 345 678 / 0912.345.678 mail ${applicant.email ?? ''}`)
  })
  const logs = new LogCapture()
  const hub = await build(t, { agencyUrl: agency.url, logs, attempts: 2 })

  const first = (await post(asAdmin(hub), birth)).json<DossierSummary>().code
  await waitFor(async () => (await hub.store.routingState(first, 'civil-status'))?.state === 'failed', 'the 400 to fail the step')
  const other = structuredClone(birth)
  other.source = { ...other.source, reference: 'DVC-2026-11-000999' }
  ;(other.data as { child: { fullName: string } }).child.fullName = 'Lê Minh Khang'
  const second = (await post(asAdmin(hub), other)).json<DossierSummary>().code
  t.not(second, first, 'a second dossier')
  await waitFor(async () => (await hub.store.routingState(second, 'civil-status'))?.state === 'failed', 'the 500s to fail the step')

  const said = logs.records.filter((r) => typeof r.err === 'string' && /answered HTTP/.test(r.err))
  t.ok(said.some((r) => /HTTP 400/.test(String(r.err))) && said.some((r) => /HTTP 500/.test(String(r.err))), 'both answers are logged')
  t.match(said.find((r) => /HTTP 400/.test(String(r.err)))?.err, /E-HS-017/, 'with what the agency said that is not personal')
  const all = logs.lines.join('\n')
  for (const s of echo) t.notOk(all.includes(s), `no "${s}" in the logs`)

  for (const code of [first, second]) {
    const lastError = (await hub.store.routingState(code, 'civil-status'))?.lastError ?? ''
    t.match(lastError, /the agency answered HTTP (400|500)/)
    t.ok(lastError.length < 400, 'clipped')
    for (const s of echo) t.notOk(lastError.includes(s), `the step's lastError has no "${s}"`)
  }
  // the queue's failure reasons (BullMQ job hashes) hold the same redacted words
  const failed = await Promise.all((await hub.redis.keys(`${new Keys(hub.prefix).queuePrefix}:*`)).map(async (k) => await hub.redis.type(k) === 'hash' ? await hub.redis.hget(k, 'failedReason') : null))
  t.ok(failed.some((f) => f !== null && /HTTP 400/.test(f)), 'the failure reason was found')
  for (const f of failed) for (const s of echo) if (f !== null) t.notOk(f.includes(s), `no "${s}" in a failure reason`)
})
