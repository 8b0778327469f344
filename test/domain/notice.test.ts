/**
 * The pure rules of notices to the applicant (src/domain/notice.ts): which change is worth a
 * notice, templates filled line by line, diacritics stripped (đ too), GSM-7 lengths and segments,
 * the start-up check of SMS templates, the quiet hours in Vietnam time; and the config section
 * (src/config/notice-config.ts) refusing a template that cannot fit.
 */
import t from 'tap'
import {
  internationalPhone, isGsm7, longestValues, maskRecipient, noticeKindOf, noticeValues, quietUntil, renderTemplate,
  smsLength, smsTemplateProblems, smsText, stripDiacritics, vietnamDate, vnd
} from '../../src/domain/notice.ts'
import { resolveHubConfig } from '../../src/config/hub-config.ts'
import { ConfigError } from '../../src/config/errors.ts'
import { shippedConfig } from '../helper.ts'

t.test('which change is worth a notice', async (t) => {
  const changed = (from: string | undefined, to: string): Record<string, unknown> => ({ event: 'status-changed', ...(from !== undefined && { from: { status: from } }), to: { status: to } })
  t.equal(noticeKindOf(changed(undefined, 'received')), 'received', 'the receipt')
  t.equal(noticeKindOf(changed('processing', 'supplement-requested')), 'supplement-requested')
  t.equal(noticeKindOf(changed('processing', 'payment-requested')), 'payment-requested')
  t.equal(noticeKindOf(changed('processing', 'resolved')), 'resolved', 'the result is ready')
  t.equal(noticeKindOf(changed('resolved', 'returned')), 'returned')
  t.equal(noticeKindOf(changed('received', 'withdrawn')), 'withdrawn')
  t.equal(noticeKindOf(changed('received', 'not-accepted')), 'not-accepted')
  t.equal(noticeKindOf(changed('processing', 'stopped')), 'stopped')
  t.equal(noticeKindOf({ event: 'delay-announced', to: { status: 'processing' } }), 'delay-announced', 'a late result\'s new date')
  t.equal(noticeKindOf(changed('received', 'processing')), undefined, 'processing: nothing to tell')
  t.equal(noticeKindOf({ event: 'overdue', to: { status: 'processing' } }), undefined, 'the overdue flag: nothing to tell')
  t.equal(noticeKindOf(changed('processing', 'processing')), undefined, 'no change of status')
})

t.test('templates are filled line by line; a line without its value is left out', async (t) => {
  const template = 'Ho so {code} can nop le phi.\nSo tien: {amount}\nNop tai: {paymentUrl}\nTra cuu: {lookup}'
  t.equal(renderTemplate(template, { code: 'A-1', amount: '10 đ', paymentUrl: 'https://p/1', lookup: 'dvc' }), 'Ho so A-1 can nop le phi.\nSo tien: 10 đ\nNop tai: https://p/1\nTra cuu: dvc')
  t.equal(renderTemplate(template, { code: 'A-1', amount: '10 đ', lookup: 'dvc' }), 'Ho so A-1 can nop le phi.\nSo tien: 10 đ\nTra cuu: dvc', 'no payment address: its line is omitted')
})

t.test('values from the notification body: dates in Vietnam time, amounts in đồng, the payment address only when given', async (t) => {
  const body = { event: 'status-changed', to: { status: 'payment-requested', name: 'Yêu cầu thực hiện nghĩa vụ tài chính' }, dueAt: '2026-12-03T17:30:00.000Z', payment: { url: 'https://pay.example/p/9', amount: 1250000 } }
  const v = noticeValues('X-261204-0001', 'Đăng ký khai sinh', body, 'dvc.example.gov.vn')
  t.equal(v.dueDate, '04/12/2026', '17:30 UTC on the 3rd is the 4th in Vietnam')
  t.equal(v.amount, '1.250.000 đ')
  t.equal(v.paymentUrl, 'https://pay.example/p/9')
  t.equal(v.status, 'Yêu cầu thực hiện nghĩa vụ tài chính')
  const fromSteps = noticeValues('X', 'p', { event: 'status-changed', to: { status: 'payment-requested' }, requests: [{ payment: { amount: 50000 } }, { payment: { amount: 20000 } }] }, 'l')
  t.equal(fromSteps.amount, '70.000 đ', 'the steps\' amounts added up')
  t.equal(fromSteps.paymentUrl, undefined, 'no address: none invented')
  t.equal(vietnamDate('not a date'), undefined)
  t.equal(vnd(0), '0 đ')
})

t.test('diacritics stripped properly, đ → d, Đ → D', async (t) => {
  t.equal(stripDiacritics('Đăng ký khai sinh được tiếp nhận'), 'Dang ky khai sinh duoc tiep nhan')
  t.equal(stripDiacritics('Ường Ơn Ữa ỹ ỵ Ắ ặ đĐ'), 'Uong On Ua y y A a dD', 'horns, breves and stacked marks')
  const all = 'àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ'
  const stripped = stripDiacritics(all + all.toUpperCase())
  t.ok(isGsm7(stripped), 'every Vietnamese letter becomes GSM-7')
  t.match(stripped, /^[a-zA-Z]+$/, 'plain Latin letters only')
  t.equal(smsText('Hồ sơ {code} — “đã” nhận', { code: 'A-1' }, false), 'Ho so A-1 ? ?da? nhan', 'what is not GSM-7 even without diacritics becomes ?')
  t.equal(smsText('Hồ sơ {code}', { code: 'A-1' }, true), 'Hồ sơ A-1', 'unicode keeps the diacritics')
})

t.test('GSM-7 and UCS-2 lengths and segments', async (t) => {
  t.same(smsLength('a'.repeat(160)), { encoding: 'gsm7', units: 160, segments: 1 })
  t.same(smsLength('a'.repeat(161)), { encoding: 'gsm7', units: 161, segments: 2 })
  t.same(smsLength('a'.repeat(306)), { encoding: 'gsm7', units: 306, segments: 2 }, '153 per part')
  t.same(smsLength('a'.repeat(307)), { encoding: 'gsm7', units: 307, segments: 3 })
  t.same(smsLength('a'.repeat(159) + '{'), { encoding: 'gsm7', units: 161, segments: 2 }, 'an extension character takes two')
  t.same(smsLength('ă'.repeat(70)), { encoding: 'ucs2', units: 70, segments: 1 }, 'with diacritics: 70')
  t.same(smsLength('ă'.repeat(71)), { encoding: 'ucs2', units: 71, segments: 2 })
})

t.test('the start-up check of an SMS template', async (t) => {
  const longest = longestValues({ codeLength: 28, procedure: 'Đăng ký khai sinh', lookup: 'dvc.example.gov.vn', paymentUrlLength: 48 })
  t.same(smsTemplateProblems('Hồ sơ {code} đã được tiếp nhận. Tra cứu: {lookup}', longest, false, 1), [], 'fits')
  t.match(smsTemplateProblems('Hồ sơ {code} đã được tiếp nhận. {lookup} ' + 'x'.repeat(100), longest, false, 1).join(), /takes 2 GSM-7 segments/, 'too long for one')
  t.same(smsTemplateProblems('Hồ sơ {code} đã được tiếp nhận. {lookup} ' + 'x'.repeat(100), longest, false, 2), [], 'fits in two when two are allowed')
  t.match(smsTemplateProblems('Hồ sơ {code} đã được tiếp nhận. Tra cứu: {lookup}', longest, true, 1).join(), /UCS-2 segments/, 'with diacritics it does not fit one')
  t.match(smsTemplateProblems('Hồ sơ đã được tiếp nhận. {lookup}', longest, false, 1).join(), /\{code\}/, 'without the code')
  t.match(smsTemplateProblems('Hồ sơ {code} đã được tiếp nhận.', longest, false, 1).join(), /\{lookup\}/, 'without where to look it up')
  t.match(smsTemplateProblems('Hồ sơ {code} {lookup} {name}', longest, false, 1).join(), /unknown placeholders \{name\}/)
  t.match(smsTemplateProblems('Hồ sơ {code} {lookup} “ok”', longest, false, 1).join(), /outside GSM-7/)
  t.match(smsTemplateProblems('Hồ sơ {code} {lookup} {note}', longest, false, 1).join(), /\{note\}/, 'the agency\'s free text is never in an SMS')
})

t.test('quiet hours in Vietnam time', async (t) => {
  const q = { from: '21:00', to: '07:00' }
  // 22:30 in Vietnam = 15:30 UTC
  t.equal(quietUntil(new Date('2026-12-04T15:30:00Z'), q)?.toISOString(), '2026-12-05T00:00:00.000Z', 'a night SMS waits until 07:00 Vietnam time (00:00 UTC)')
  t.equal(quietUntil(new Date('2026-12-04T20:00:00Z'), q)?.toISOString(), '2026-12-05T00:00:00.000Z', '03:00 in Vietnam: until 07:00 the same morning')
  t.equal(quietUntil(new Date('2026-12-04T03:00:00Z'), q), undefined, '10:00 in Vietnam: goes now')
  t.equal(quietUntil(new Date('2026-12-04T14:00:00Z'), q)?.toISOString(), '2026-12-05T00:00:00.000Z', '21:00 sharp is quiet')
  t.equal(quietUntil(new Date('2026-12-05T00:00:00Z'), q), undefined, '07:00 sharp is not')
  t.equal(quietUntil(new Date('2026-12-04T06:00:00Z'), { from: '12:00', to: '14:00' })?.toISOString(), '2026-12-04T07:00:00.000Z', 'a window within the day')
  t.equal(quietUntil(new Date('2026-12-04T15:30:00Z'), undefined), undefined, 'none configured')
})

t.test('phones and masks', async (t) => {
  t.equal(internationalPhone('0912345678'), '84912345678')
  t.equal(internationalPhone('+84912345678'), '84912345678')
  t.equal(internationalPhone('84912345678'), '84912345678')
  t.equal(maskRecipient('84912345678'), '********678')
  t.equal(maskRecipient('an.nguyen@example.vn'), 'a***@example.vn')
})

t.test('the shipped templates fit one segment; a template that cannot fit stops the start-up', async (t) => {
  const shipped = shippedConfig() as Record<string, unknown>
  const env = { }
  const ok = resolveHubConfig(shipped, 'hub.json', { env })
  t.ok(ok.notices !== undefined, 'notices configured')
  t.same(ok.notices?.channels, ['sms', 'zalo', 'email'])
  const bad = structuredClone(shipped) as { notices: { templates: Record<string, { sms?: string }> } }
  bad.notices.templates.received = { sms: 'Hồ sơ {code} của ông/bà đã được bộ phận một cửa tiếp nhận đầy đủ và hợp lệ; thời hạn giải quyết theo quy định; hẹn trả kết quả {dueDate}. Tra cứu tình trạng hồ sơ tại {lookup}' }
  t.throws(() => resolveHubConfig(bad, 'hub.json', { env }), ConfigError)
  try {
    resolveHubConfig(bad, 'hub.json', { env })
  } catch (err) {
    t.match((err as Error).message, /\/notices\/templates\/received\/sms takes 2 GSM-7 segments/, 'names the template and its length')
  }
  const two = structuredClone(bad) as unknown as { notices: { sms: { maxSegments: number } } }
  two.notices.sms.maxSegments = 2
  t.doesNotThrow(() => resolveHubConfig(two, 'hub.json', { env }), 'fits when two segments are allowed')
  const noChannel = structuredClone(shipped) as { notices: Record<string, unknown> }
  delete noChannel.notices.sms
  delete noChannel.notices.zalo
  delete noChannel.notices.email
  t.throws(() => resolveHubConfig(noChannel, 'hub.json', { env }), /configures no channel/)
})

t.test('the shipped payment template: the payment address when the change carries one, its line omitted otherwise', async (t) => {
  const template = (shippedConfig() as unknown as { notices: { templates: Record<string, { sms: string }> } }).notices.templates['payment-requested']?.sms ?? ''
  const body = { event: 'status-changed', from: { status: 'processing' }, to: { status: 'payment-requested' } }
  const code = '000.00.06.H56-261204-0001'
  const withUrl = smsText(template, noticeValues(code, 'p', { ...body, payment: { url: 'https://pay.example.vn/p/AbC123', amount: 350000 } }, 'dvc.example.gov.vn'), false)
  t.equal(withUrl, `Ho so ${code} can nop le phi.\nSo tien: 350.000 d\nNop tai: https://pay.example.vn/p/AbC123\nTra cuu: dvc.example.gov.vn`)
  t.equal(smsLength(withUrl).segments, 1)
  const without = smsText(template, noticeValues(code, 'p', { ...body, requests: [{ step: 'evn', agency: 'evn', payment: { amount: 350000 } }] }, 'dvc.example.gov.vn'), false)
  t.equal(without, `Ho so ${code} can nop le phi.\nSo tien: 350.000 d\nTra cuu: dvc.example.gov.vn`, 'no address: no line')
})
