/**
 * Notices to the applicant end to end, with real servers on 127.0.0.1: the SMS gateway simulator
 * (generic and eSMS formats), the Zalo ZNS simulator and a real SMTP server (smtp-server, read
 * with mailparser), a real Redis and PostgreSQL. Each change's text on each channel, SMS without
 * diacritics in one GSM-7 segment, consent and contact respected, retries after a 5xx, a refusal
 * ending failed and visible, no second send of a notice, quiet hours, the log and the counts.
 */
import t from 'tap'
import type { Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { build, example, post, shippedConfig, startAgency, testSettings, waitFor, type TestHub, asAdmin, asPortal, asAgency, queuesSettled } from '../../helper.ts'
import { startSmsGateway, type SmsGatewaySimulator } from '../../../adapters/notices/sms/simulator.ts'
import { startZnsSimulator, type ZnsSimulator } from '../../../adapters/notices/zalo/simulator.ts'
import { isGsm7 } from '../../../src/domain/notice.ts'
import type { DossierSubmission, DossierSummary, StatusReport } from '../../../src/types/schemas.generated.ts'
import type { NoticeAttempt, NoticeRow } from '../../../src/store/notice-store.ts'

interface Smtp {
  port: number
  mails: ParsedMail[]
  /** the next `n` messages are kept (the server has them) but answered 451, as if the answer never reached the hub */
  loseAnswers: (n: number) => void
}

async function startSmtp (t: Test): Promise<Smtp> {
  const mails: ParsedMail[] = []
  let lost = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData (stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push(mail)
        if (lost > 0) {
          lost--
          callback(Object.assign(new Error('Requested action aborted: local error in processing'), { responseCode: 451 }))
        } else callback()
      }, (err: Error) => { callback(err) })
    }
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', () => { resolve() }) })
  t.teardown(async () => { await new Promise<void>((resolve) => { server.close(() => { resolve() }) }) })
  return { port: (server.server.address() as AddressInfo).port, mails, loseAnswers: (n) => { lost = n } }
}

const FAST = { attempts: 4, baseDelayMs: 50, maxDelayMs: 200 }

interface Servers { sms: SmsGatewaySimulator, zns: ZnsSimulator, smtp: Smtp }

async function servers (t: Test, esms?: { apiKey: string, secretKey: string }): Promise<Servers> {
  const sms = await startSmsGateway({ ...(esms !== undefined && { esms }) })
  const zns = await startZnsSimulator({ accessToken: 'zalo-oa-token-for-tests' })
  t.teardown(async () => { await sms.close(); await zns.close() })
  return { sms, zns, smtp: await startSmtp(t) }
}

function noticesConfig (s: Servers, o: { esmsSecretFile?: string, quietHours?: object, zaloTokenFile: string, smsRate?: { max: number, durationMs: number } }): Record<string, unknown> {
  const shipped = shippedConfig().notices as { templates: object }
  return {
    lookup: 'dvc.example.gov.vn',
    paymentUrlLength: 48,
    ...(o.quietHours !== undefined && { quietHours: o.quietHours }),
    sms: o.esmsSecretFile !== undefined
      ? { format: 'esms', url: `${s.sms.url}/MainService.svc/json/SendMultipleMessage_V4_post_json/`, brandname: 'MOTCUA', apiKey: 'ESMS-KEY-1', secretFile: o.esmsSecretFile, retry: FAST, timeoutMs: 2000 }
      : { format: 'generic', url: `${s.sms.url}/sms`, brandname: 'MOTCUA', retry: FAST, timeoutMs: 2000, rateLimit: o.smsRate ?? { max: 100, durationMs: 1000 } },
    zalo: { url: `${s.zns.url}/message/template`, secretFile: o.zaloTokenFile, retry: FAST, timeoutMs: 2000 },
    email: { host: '127.0.0.1', port: s.smtp.port, from: 'Bộ phận Một cửa <motcua@example.gov.vn>', retry: FAST, timeoutMs: 2000 },
    templates: shipped.templates
  }
}

function secretFiles (): { zalo: string, esms: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hub-notices-'))
  writeFileSync(join(dir, 'zalo.token'), 'zalo-oa-token-for-tests\n')
  writeFileSync(join(dir, 'esms.key'), 'esms-secret-key-for-tests\n')
  return { zalo: join(dir, 'zalo.token'), esms: join(dir, 'esms.key') }
}

async function hubWith (t: Test, s: Servers, o: { esms?: boolean, quietHours?: object, now?: () => Date, smsRate?: { max: number, durationMs: number } } = {}): Promise<TestHub> {
  const agency = await startAgency(t)
  const files = secretFiles()
  const notices = noticesConfig(s, { zaloTokenFile: files.zalo, ...(o.smsRate !== undefined && { smsRate: o.smsRate }), ...(o.esms === true && { esmsSecretFile: files.esms }), ...(o.quietHours !== undefined && { quietHours: o.quietHours }) })
  return await build(t, { settings: testSettings({ agencyUrl: agency.url, notices }), ...(o.now !== undefined && { now: o.now }) })
}

let submitted = 0

/** The electricity example (one agency, evn), with the applicant's e-mail and consent as given. */
function submission (consent: DossierSubmission['applicant']['noticeConsent'] | undefined, contact: { phone?: string, email?: string } = { phone: '0987654321', email: 'tran.van.binh@example.vn' }): DossierSubmission {
  const s = example('electricity-new-connection')
  delete s.applicant.phone
  delete s.applicant.email
  if (contact.phone !== undefined) s.applicant.phone = contact.phone
  if (contact.email !== undefined) s.applicant.email = contact.email
  if (consent !== undefined) s.applicant.noticeConsent = consent
  s.source.reference = `PORTAL-${++submitted}-${Date.now()}`
  return s
}

async function submit (hub: TestHub, s: DossierSubmission): Promise<string> {
  const res = await post(asAdmin(hub), s)
  if (res.statusCode !== 201) throw new Error(`intake answered ${res.statusCode}: ${res.body}`)
  return res.json<DossierSummary>().code
}

async function delivered (hub: TestHub, code: string): Promise<void> {
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered to evn')
}

async function report (hub: TestHub, code: string, eventId: string, r: StatusReport): Promise<void> {
  const res = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId, agency: 'evn', report: r } })
  if (res.statusCode >= 300) throw new Error(`report ${eventId} answered ${res.statusCode}: ${res.body}`)
}

async function noticeLog (hub: TestHub, code: string): Promise<{ notices: NoticeRow[], attempts: NoticeAttempt[] }> {
  return (await asAdmin(hub).inject(`/v1/dossiers/${code}/notices`)).json()
}

const sentOn = async (hub: TestHub, code: string, channel: string, n: number): Promise<NoticeRow[]> => await waitFor(async () => {
  const rows = (await noticeLog(hub, code)).notices.filter((r) => r.channel === channel && r.state === 'sent')
  return rows.length >= n ? rows : undefined
}, `${n} ${channel} notices sent`, 20_000).catch(async (err: unknown) => { console.error(JSON.stringify(await noticeLog(hub, code), null, 1)); throw err })

const VIETNAMESE = /[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]/i

t.test('every change worth a notice reaches the applicant by SMS, Zalo and e-mail, with its own text', async (t) => {
  const s = await servers(t)
  const hub = await hubWith(t, s)
  const code = await submit(hub, submission({ sms: true, zalo: true, email: true }))
  await waitFor(async () => (await hub.store.routingState(code, 'evn'))?.state === 'delivered', 'delivered to evn')
  await report(hub, code, 'e1', { status: 'accepted' })
  await report(hub, code, 'e2', { status: 'supplement-requested', missing: [{ name: 'Giấy chứng nhận quyền sử dụng đất' }] })
  await report(hub, code, 'e3', { status: 'processing' })
  await report(hub, code, 'e4', { status: 'payment-requested', payment: { amount: 1250000, note: 'Phí đấu nối' } })
  await report(hub, code, 'e5', { status: 'processing' })
  const dossier = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<{ dueAt: string }>()
  const later = new Date(Date.parse(dossier.dueAt) + 10 * 86_400_000).toISOString()
  await report(hub, code, 'e6', { status: 'processing', dueAt: later, note: 'Chờ vật tư' })
  await report(hub, code, 'e7', { status: 'resolved', note: 'Đã đóng điện' })
  t.equal((await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/return`, payload: { method: 'counter' } })).statusCode, 200)

  const kinds = ['received', 'supplement-requested', 'payment-requested', 'delay-announced', 'resolved', 'returned']
  const sms = await sentOn(hub, code, 'sms', kinds.length)
  await sentOn(hub, code, 'zalo', kinds.length)
  await sentOn(hub, code, 'email', kinds.length)
  await waitFor(() => s.smtp.mails.length >= kinds.length ? true : undefined, 'the mails in the SMTP server')
  t.same(sms.map((r) => r.kind).sort(), [...kinds].sort(), 'one SMS per change worth it (processing and the receipt\'s own processing are not)')

  // SMS: the text the gateway received is the one logged, without diacritics, one GSM-7 segment, with the code and the lookup
  t.equal(s.sms.messages.length, kinds.length, 'the gateway took each once')
  const byKind = new Map(sms.map((r) => [r.kind, s.sms.messages.find((m) => m.id === r.providerId)?.text ?? '']))
  for (const [kind, text] of byKind) {
    t.ok(text.includes(code), `${kind}: names the dossier`)
    t.ok(text.includes('dvc.example.gov.vn'), `${kind}: says where to look it up`)
    t.ok(isGsm7(text) && !VIETNAMESE.test(text), `${kind}: no diacritics: ${text}`)
    t.ok(text.length <= 160, `${kind}: ${text.length} characters, one segment`)
    t.equal(sms.find((r) => r.kind === kind)?.content, text, `${kind}: the log shows the text sent`)
  }
  t.ok(s.sms.messages.every((m) => m.phone === '84987654321' && m.brandname === 'MOTCUA' && m.segments === 1), 'to the applicant\'s phone, from the brandname, one segment each')
  t.match(byKind.get('received'), /^Ho so .+ da duoc tiep nhan\.\nHen tra ket qua: \d\d\/\d\d\/\d{4}\.\nTra cuu: dvc\.example\.gov\.vn$/)
  t.match(byKind.get('supplement-requested'), /can bo sung giay to/)
  t.equal(byKind.get('payment-requested'), `Ho so ${code} can nop le phi.\nSo tien: 1.250.000 d\nTra cuu: dvc.example.gov.vn`, 'the amount; no payment address line without one')
  const newDate = new Date(Date.parse(later) + 7 * 3_600_000).toISOString().slice(0, 10).split('-').reverse().join('/')
  t.match(byKind.get('delay-announced'), `Hen tra moi: ${newDate}.`, 'the late result\'s new date')
  t.match(byKind.get('resolved'), /da co ket qua/)
  t.match(byKind.get('returned'), /da tra ket qua/)

  // Zalo ZNS: the template id and its parameters, to 84…, tracking id = the notice's key
  t.equal(s.zns.messages.length, kinds.length)
  const payment = s.zns.messages.find((m) => m.templateId === '301002')
  t.same(payment?.data, { ma_ho_so: code, so_tien: '1.250.000 đ', link_thanh_toan: '', tra_cuu: 'dvc.example.gov.vn' }, 'ZNS parameters with diacritics, the missing address empty')
  t.ok(s.zns.messages.every((m) => m.phone === '84987654321' && m.trackingId.startsWith(`${code}/`) && m.trackingId.endsWith('/zalo')))
  t.equal(s.zns.messages.find((m) => m.templateId === '301003')?.data.ngay_hen_moi, newDate)

  // e-mail: through the real SMTP server, UTF-8 with diacritics, Message-ID from the notice key
  const mails = s.smtp.mails
  t.equal(mails.length, kinds.length)
  t.ok(mails.every((m) => (m.to as { text: string }).text === 'tran.van.binh@example.vn'), 'to the applicant\'s e-mail')
  const receipt = mails.find((m) => m.subject === `Hồ sơ ${code} đã được tiếp nhận`)
  t.ok(receipt !== undefined, 'the receipt\'s subject, with diacritics')
  t.match(receipt?.text, 'Cấp điện mới từ lưới điện hạ áp', 'the procedure by name')
  t.match(receipt?.from?.text, 'motcua@example.gov.vn')
  t.match(receipt?.messageId, new RegExp(`^<${code.replaceAll('.', '\\.')}\\.1\\.email@example\\.gov\\.vn>$`), 'Message-ID from the notice key')
  t.match(mails.find((m) => m.subject?.includes('cần bổ sung') === true)?.text, 'Giấy tờ cần bổ sung: Giấy chứng nhận quyền sử dụng đất\n', 'the papers asked for go in the e-mail')
  t.match(mails.find((m) => m.subject?.includes('hẹn lại') === true)?.text, '\nChờ vật tư\n', 'and the agency\'s note')

  // the counts per month and channel, for administrators; the log for the portal, never for the agency
  const counts = (await asAdmin(hub).inject('/v1/stats/notices')).json<{ months: Array<{ channel: string, sent: number, failed: number, segments: number }> }>()
  t.same(counts.months.map(({ channel, sent, failed, segments }) => ({ channel, sent, failed, segments })), [
    { channel: 'email', sent: 6, failed: 0, segments: 6 },
    { channel: 'sms', sent: 6, failed: 0, segments: 6 },
    { channel: 'zalo', sent: 6, failed: 0, segments: 6 }
  ])
  t.equal((await asPortal(hub).inject({ url: `/v1/dossiers/${code}/notices` })).statusCode, 200, 'the portal reads the log')
  const byAgency = await asAgency(hub, 'evn').inject({ url: `/v1/dossiers/${code}/notices` })
  t.equal(byAgency.statusCode, 403, 'the agency does not')
  t.equal((await asPortal(hub).inject({ url: '/v1/stats/notices' })).statusCode, 403, 'the counts are for administrators')
  const bad = await asAdmin(hub).inject('/v1/stats/notices?from=2026-13')
  t.equal(bad.statusCode, 400)
  t.equal(bad.json<{ code: string }>().code, 'HUB_ERR_VALIDATION')
  t.equal((await asAdmin(hub).inject('/v1/dossiers/000.00.06.H56-261204-9999/notices')).statusCode, 404)
})

t.test('only with consent, only to the phone and e-mail given: nothing sent otherwise', async (t) => {
  const s = await servers(t)
  const hub = await hubWith(t, s)
  const none = await submit(hub, submission(undefined))
  const noPhone = await submit(hub, submission({ sms: true, zalo: false, email: true }, { email: 'tran.van.binh@example.vn' }))
  const logNone = await waitFor(async () => { const l = await noticeLog(hub, none); return l.notices.length === 3 ? l : undefined }, 'the receipt planned')
  t.same(logNone.notices.map((n) => [n.channel, n.state]), [['email', 'skipped'], ['sms', 'skipped'], ['zalo', 'skipped']], 'no consent: every channel skipped')
  t.match(logNone.notices[1]?.error, /did not consent to sms/)
  await sentOn(hub, noPhone, 'email', 1)
  const log = (await noticeLog(hub, noPhone)).notices
  t.match(log.find((n) => n.channel === 'sms'), { state: 'skipped', error: 'the applicant gave no phone number' })
  t.match(log.find((n) => n.channel === 'zalo'), { state: 'skipped', error: 'the applicant did not consent to zalo notices' })
  t.equal(log.find((n) => n.channel === 'email')?.recipient, 't***@example.vn', 'the recipient masked in the log')
  // no notice job left to run: nothing more can reach a provider
  await queuesSettled([hub.notices?.plan, ...hub.notices?.send.values() ?? []], 'the notice queues settled')
  t.equal(s.sms.requests, 0, 'the SMS gateway heard nothing')
  t.equal(s.zns.requests, 0, 'Zalo heard nothing')
  t.equal(s.smtp.mails.length, 1, 'one e-mail: the one consented to and given')
  t.equal((s.smtp.mails[0]?.to as { text: string } | undefined)?.text, 'tran.van.binh@example.vn')
})

t.test('a process started without notices on the same record does not turn them off for the processes that send them', async (t) => {
  const s = await servers(t)
  const agency = await startAgency(t)
  const settings = testSettings({ agencyUrl: agency.url, notices: noticesConfig(s, { zaloTokenFile: secretFiles().zalo }) })
  // an API process with notices, then another API process of the same hub (same record and Redis prefix) without
  const api = await build(t, { role: 'api', settings })
  const other = await build(t, { prefix: api.prefix, role: 'api', settings: testSettings({ agencyUrl: agency.url }) })
  t.equal(other.notices, undefined, 'the second process has no notices')
  const code = await submit(api, submission({ sms: false, zalo: false, email: true }))
  // no worker yet: the receipt's notice waits in the record's notice outbox, where the switch puts it
  const pending = await api.db.sql`select p.seq from notice_pending p join dossiers d on d.id = p.dossier_id where d.code = ${code}`
  t.equal(pending.length, 1, 'the receipt is a pending notice')
  const worker = await build(t, { prefix: api.prefix, role: 'worker', settings })
  t.ok(worker.notices !== undefined)
  const [mail] = await sentOn(api, code, 'email', 1)
  t.equal(mail?.kind, 'received', 'the receipt notice is sent')
  t.equal(s.smtp.mails.length, 1)
})

t.test('a gateway 5xx is retried; a refusal ends in a visible failed state and is counted', async (t) => {
  const s = await servers(t)
  const hub = await hubWith(t, s)
  s.sms.failNext(2, 503)
  const code = await submit(hub, submission({ sms: true }))
  const [sent] = await sentOn(hub, code, 'sms', 1)
  t.equal(sent?.attempts, 3, 'sent on the third attempt')
  const attempts = (await noticeLog(hub, code)).attempts.filter((a) => a.channel === 'sms')
  t.same(attempts.map((a) => [a.outcome, a.status ?? null]), [['retrying', 503], ['retrying', 503], ['sent', null]], 'each attempt in the log')
  t.equal(s.sms.messages.length, 1, 'one SMS for all that')

  s.sms.failNext(100, 400)
  t.ok((await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, payload: { reason: 'nộp nhầm' } })).statusCode < 300, 'withdrawn')
  const failed = await waitFor(async () => (await noticeLog(hub, code)).notices.find((n) => n.channel === 'sms' && n.kind === 'withdrawn' && n.state === 'failed'), 'the withdrawal SMS failed')
  t.match(failed.error, /HTTP 400/, 'the gateway\'s refusal, for good at once (a 4xx)')
  t.equal(failed.attempts, 1)
  t.match(failed.content, /da duoc rut theo yeu cau/, 'with the text it would have sent')
  const job = await hub.notices?.send.get('sms')?.getJob(`${code}/${failed.sequence}/sms`)
  t.equal(await job?.getState(), 'failed', 'the job failed too (the console shows it)')
  const counts = (await asAdmin(hub).inject('/v1/stats/notices')).json<{ months: Array<{ channel: string, sent: number, failed: number }> }>()
  t.match(counts.months, [{ channel: 'sms', sent: 1, failed: 1 }])
})

t.test('a notice is sent once: a repeated job sends nothing, a repeat after a lost record is dropped by the eSMS request id', async (t) => {
  const s = await servers(t, { apiKey: 'ESMS-KEY-1', secretKey: 'esms-secret-key-for-tests' })
  const hub = await hubWith(t, s, { esms: true })
  const code = await submit(hub, submission({ sms: true }))
  const [sent] = await sentOn(hub, code, 'sms', 1)
  t.equal(s.sms.messages[0]?.format, 'esms', 'in eSMS\'s format, its ApiKey and SecretKey accepted')
  t.equal(s.sms.messages[0]?.requestId, `${code}/1/sms`, 'RequestId is the notice\'s key')
  t.equal(sent?.providerId, s.sms.messages[0]?.id, 'the SMSID recorded')
  const queue = hub.notices?.send.get('sms')
  if (queue === undefined) throw new Error('no sms queue')

  // the same job again (removed, queued again): the record says sent, the gateway hears nothing
  const requests = s.sms.requests
  await (await queue.getJob(`${code}/1/sms`))?.remove()
  await hub.notices?.enqueueSend(code, 1, 'sms')
  await waitFor(async () => await (await queue.getJob(`${code}/1/sms`))?.isCompleted(), 'the repeated job done')
  t.equal(s.sms.requests, requests, 'no request for a notice already sent')

  // the send happened but its record was lost (a crash between the two): the next attempt repeats the request id, the gateway drops it
  await hub.db.sql`update notices set state = 'queued' where seq = 1 and channel = 'sms'`
  await (await queue.getJob(`${code}/1/sms`))?.remove()
  await hub.notices?.enqueueSend(code, 1, 'sms')
  await waitFor(async () => s.sms.requests > requests ? true : undefined, 'the request repeated')
  const again = await sentOn(hub, code, 'sms', 1)
  t.equal(s.sms.messages.length, 1, 'still one SMS at the gateway')
  t.equal(again[0]?.providerId, sent?.providerId, 'the same SMSID')
})

t.test('a night SMS waits for the morning (Vietnam time); e-mail does not', async (t) => {
  const s = await servers(t)
  // a night ahead of the real clock (BullMQ's delays are real time): 22:30 in Vietnam
  let current = new Date('2027-01-12T15:30:00Z')
  const hub = await hubWith(t, s, { quietHours: { from: '21:00', to: '07:00' }, now: () => current })
  const code = await submit(hub, submission({ sms: true, email: true }))
  await sentOn(hub, code, 'email', 1)
  const waiting = await waitFor(async () => (await noticeLog(hub, code)).notices.find((n) => n.channel === 'sms' && n.state === 'waiting'), 'the SMS waiting')
  t.equal(waiting.notBefore, '2027-01-13T07:00:00.000+07:00', 'until 07:00 the next morning')
  const job = await hub.notices?.send.get('sms')?.getJob(`${code}/1/sms`)
  t.equal(await job?.getState(), 'delayed', 'its job is delayed')
  t.ok(Math.abs((job?.timestamp ?? 0) + (job?.delay ?? 0) - Date.parse('2027-01-13T00:00:00Z')) < 2000, 'until then')
  t.equal(s.sms.requests, 0, 'nothing sent at night')
  // Redis loses the delayed job overnight: the relay queues it again from the record
  await job?.remove()
  current = new Date('2027-01-13T00:30:00Z') // 07:30
  const queues = hub.notices
  if (queues === undefined) throw new Error('no notice queues')
  t.equal(await queues.reconcile(hub.noticeStore, 0, current), 1, 'the relay (on the hub\'s clock) queued the open notice again')
  await sentOn(hub, code, 'sms', 1)
  t.equal(s.sms.messages.length, 1, 'sent in the morning')

  // a notification planned already and found pending again (a crash before the plan's commit was seen): planned again, nothing new sent
  await hub.db.sql`insert into notice_pending (dossier_id, seq, since) select id, 1, now() from dossiers where code = ${code}`
  await (await queues.plan.getJob(`${code}/1`))?.remove()
  t.equal(await queues.reconcile(hub.noticeStore, 0, new Date(Date.now() + 1000)), 1, 'the plan queued again (pending since the real now)')
  await waitFor(async () => (await hub.db.sql`select 1 from notice_pending`).length === 0 ? true : undefined, 'planned again')
  await queuesSettled([queues.plan, ...queues.send.values()], 'the notice queues settled')
  t.equal(s.sms.messages.length + s.smtp.mails.length, 2, 'no notice twice')
  t.same((await noticeLog(hub, code)).notices.map((n) => [n.channel, n.state]), [['email', 'sent'], ['sms', 'sent'], ['zalo', 'skipped']], 'one row per channel still')
})

t.test('refusals tell the applicant too; the SMS gateway\'s rate limit holds across the sends', async (t) => {
  const s = await servers(t)
  const hub = await hubWith(t, s, { smsRate: { max: 2, durationMs: 1000 } })
  const codes: string[] = []
  for (let i = 0; i < 5; i++) codes.push(await submit(hub, submission({ sms: true })))
  const [refused, stopped] = codes as [string, string]
  await delivered(hub, refused)
  await report(hub, refused, 'r1', { status: 'rejected', reason: 'Thiếu giấy tờ' })
  await delivered(hub, stopped)
  await report(hub, stopped, 's1', { status: 'accepted' })
  await report(hub, stopped, 's2', { status: 'rejected', reason: 'Không đủ điều kiện cấp điện' })
  await sentOn(hub, refused, 'sms', 2)
  await sentOn(hub, stopped, 'sms', 2)
  for (const code of codes.slice(2)) await sentOn(hub, code, 'sms', 1)
  const text = (code: string, kind: string): string | undefined => s.sms.messages.find((m) => m.requestId.startsWith(`${code}/`) && m.text.includes(kind))?.text
  t.equal(text(refused, 'khong duoc tiep nhan'), `Ho so ${refused} khong duoc tiep nhan.\nLy do va huong dan: dvc.example.gov.vn`, 'refused at the desk: not accepted (3)')
  t.equal(text(stopped, 'dung xu ly'), `Ho so ${stopped} da dung xu ly.\nLy do: xem tai dvc.example.gov.vn`, 'refused later: stopped (8)')
  // BullMQ's limiter: at most 2 sends a second through this gateway, whatever the workers' concurrency (it
  // limits when jobs start; each send's own reads before the request add a little jitter to the arrivals)
  const at = s.sms.messages.map((m) => m.at).sort((a, b) => a - b)
  t.equal(at.length, 7)
  const tightest = Math.min(...at.slice(2).map((x, i) => x - (at[i] as number)))
  t.ok(tightest >= 700, `any three SMS span close to a second or more (tightest: ${tightest} ms; without the limiter: 63 ms, all seven within about 300 ms)`)
  t.ok((at[6] as number) - (at[0] as number) >= 2500, `seven SMS took ${(at[6] as number) - (at[0] as number)} ms at 2 a second`)
})

t.test('an e-mail sent again carries the same Message-ID: the server kept it but its answer was lost, the next attempt repeats it', async (t) => {
  const s = await servers(t)
  const hub = await hubWith(t, s)
  s.smtp.loseAnswers(1)
  const code = await submit(hub, submission({ email: true }))
  const [sent] = await sentOn(hub, code, 'email', 1)
  t.equal(sent?.attempts, 2, 'the hub saw the first attempt fail (451) and sent again')
  await waitFor(() => s.smtp.mails.length >= 2 ? true : undefined, 'both copies at the SMTP server')
  const [first, second] = s.smtp.mails
  t.match(first?.messageId, new RegExp(`^<${code.replaceAll('.', '\\.')}\\.1\\.email@example\\.gov\\.vn>$`), 'the first copy\'s Message-ID is the notice key\'s')
  t.equal(second?.messageId, first?.messageId, 'the repeat has the same Message-ID: a receiving system can drop it')
  t.equal(second?.headers.get('x-hub-notice'), `${code}/1/email`, 'and the same X-Hub-Notice')
  t.equal(second?.text, first?.text, 'the same text')

  // a crash after the server took the mail but before the record heard of it: the record says queued again
  await hub.db.sql`update notices set state = 'queued' where seq = 1 and channel = 'email'`
  const queue = hub.notices?.send.get('email')
  if (queue === undefined) throw new Error('no email queue')
  await (await queue.getJob(`${code}/1/email`))?.remove()
  await hub.notices?.enqueueSend(code, 1, 'email')
  await waitFor(() => s.smtp.mails.length >= 3 ? true : undefined, 'the third copy at the SMTP server')
  t.equal(s.smtp.mails[2]?.messageId, first?.messageId, 'sent again after the lost record: still the same Message-ID')
  await sentOn(hub, code, 'email', 1)
})
