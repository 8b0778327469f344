/**
 * Thông báo cho người nộp hồ sơ — notices to the applicant by SMS, Zalo ZNS and e-mail: which
 * change of a dossier is worth a notice, the Vietnamese texts from the config's templates, SMS
 * without diacritics and its GSM-7 length in segments, and the quiet hours (Vietnam time) a night
 * SMS waits out. Pure functions: no I/O, no clock but the one given.
 *
 * GSM 03.38: one segment holds 160 septets; a longer text is sent in parts of 153 each (the rest
 * is the concatenation header). Characters of the extension table (^ { } \ [ ~ ] | €) take two
 * septets. A text with any character outside both tables goes as UCS-2: 70 characters, or 67 per
 * part. Vietnamese with diacritics is UCS-2, hence public-service SMS without them.
 */
import { VIETNAM_OFFSET_MS } from './vietnam-time.ts'

/** The changes an applicant hears of. */
export type NoticeKind =
  | 'received' | 'not-accepted' | 'supplement-requested' | 'payment-requested' | 'withdrawn'
  | 'stopped' | 'resolved' | 'returned' | 'delay-announced'

export const NOTICE_KINDS: readonly NoticeKind[] = [
  'received', 'not-accepted', 'supplement-requested', 'payment-requested', 'withdrawn', 'stopped', 'resolved', 'returned', 'delay-announced'
]

export type NoticeChannel = 'sms' | 'zalo' | 'email'
export const NOTICE_CHANNELS: readonly NoticeChannel[] = ['sms', 'zalo', 'email']

/** The placeholders a template may use. */
export const NOTICE_PLACEHOLDERS = ['code', 'procedure', 'status', 'dueDate', 'newDueDate', 'amount', 'paymentUrl', 'lookup', 'note', 'missing'] as const
export type NoticePlaceholder = typeof NOTICE_PLACEHOLDERS[number]
export type NoticeValues = Partial<Record<NoticePlaceholder, string>>

/**
 * The notice a webhook notification's body calls for, or undefined (processing, the overdue flag:
 * nothing the applicant must know or do). The body is the one domain/notification.ts builds.
 */
export function noticeKindOf (body: Record<string, unknown>): NoticeKind | undefined {
  const event = body.event
  if (event === 'delay-announced') return 'delay-announced'
  if (event !== 'status-changed') return undefined
  const to = (body.to as { status?: unknown } | undefined)?.status
  const from = (body.from as { status?: unknown } | undefined)?.status
  if (typeof to !== 'string' || to === from) return undefined
  return (NOTICE_KINDS as readonly string[]).includes(to) ? to as NoticeKind : undefined
}

/** dd/mm/yyyy of an instant, in Vietnam time. */
export function vietnamDate (iso: string | undefined): string | undefined {
  if (iso === undefined) return undefined
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return undefined
  const d = new Date(ms + VIETNAM_OFFSET_MS)
  const p = (n: number): string => String(n).padStart(2, '0')
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`
}

/** An amount in đồng as Vietnamese write it: 1.250.000 đ. */
export function vnd (amount: number): string {
  return `${Math.round(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đ`
}

/**
 * The values of a notice from the notification's body (code, dates, the payment asked for) and
 * the hub's lookup address. A payment address appears only when the body carries one
 * (`payment: { url, amount }`, or a step's request with a url). {missing}: the papers the
 * agencies ask for (supplement requests), by name.
 */
export function noticeValues (code: string, procedureName: string, body: Record<string, unknown>, lookup: string): NoticeValues {
  const to = body.to as { name?: unknown } | undefined
  const requests = Array.isArray(body.requests) ? body.requests as Array<{ missing?: Array<{ name?: unknown }>, payment?: { amount?: unknown, total?: unknown, url?: unknown } }> : []
  const payments = [body.payment as { url?: unknown, amount?: unknown } | undefined, ...requests.map((r) => r.payment)].filter((p): p is { url?: unknown, amount?: unknown, total?: unknown } => p !== undefined && p !== null && typeof p === 'object')
  const url = payments.map((p) => p.url).find((u): u is string => typeof u === 'string' && u !== '')
  const amounts = payments.map((p) => typeof p.amount === 'number' ? p.amount : typeof (p as { total?: unknown }).total === 'number' ? (p as { total: number }).total : undefined)
  const amount = typeof (body.payment as { amount?: unknown } | undefined)?.amount === 'number'
    ? (body.payment as { amount: number }).amount
    : amounts.some((a) => a !== undefined) ? amounts.reduce<number>((s, a) => s + (a ?? 0), 0) : undefined
  const values: NoticeValues = { code, procedure: procedureName, lookup }
  if (typeof to?.name === 'string') values.status = to.name
  const due = vietnamDate(typeof body.dueAt === 'string' ? body.dueAt : undefined)
  if (due !== undefined) values.dueDate = due
  const newDue = vietnamDate(typeof body.rescheduledDueAt === 'string' ? body.rescheduledDueAt : undefined)
  if (newDue !== undefined) values.newDueDate = newDue
  if (amount !== undefined) values.amount = vnd(amount)
  if (url !== undefined) values.paymentUrl = url
  if (typeof body.note === 'string' && body.note !== '') values.note = body.note
  const missing = requests.flatMap((r) => Array.isArray(r.missing) ? r.missing.map((m) => m.name).filter((n): n is string => typeof n === 'string') : [])
  if (missing.length > 0) values.missing = missing.join('; ')
  return values
}

const PLACEHOLDER = /\{([A-Za-z]+)\}/g

/** Placeholders a template uses that are not NOTICE_PLACEHOLDERS. */
export function unknownPlaceholders (template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string).filter((n) => !(NOTICE_PLACEHOLDERS as readonly string[]).includes(n))
}

/**
 * Fills a template line by line: a line naming a placeholder without a value is left out (the
 * payment address line when there is none), so optional facts need no template of their own.
 */
export function renderTemplate (template: string, values: NoticeValues): string {
  return template.split('\n')
    .filter((line) => [...line.matchAll(PLACEHOLDER)].every((m) => values[m[1] as NoticePlaceholder] !== undefined))
    .map((line) => line.replace(PLACEHOLDER, (_all, name: string) => values[name as NoticePlaceholder] ?? ''))
    .join('\n')
}

/** Vietnamese (and other Latin) text without diacritics: NFD, combining marks out, đ → d, Đ → D. */
export function stripDiacritics (text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').normalize('NFC')
}

/** GSM 03.38 basic character set (one septet each). */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
)
/** The extension table (an escape and the character: two septets each). */
const GSM7_EXTENDED = new Set('\f^{}\\[~]|€')

/** Whether the text can go as GSM-7 (every character in the basic or extension table). */
export function isGsm7 (text: string): boolean {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENDED.has(ch)) return false
  return true
}

/** Characters that are not GSM-7, once each, in order of appearance. */
export function nonGsm7 (text: string): string[] {
  return [...new Set([...text].filter((ch) => !GSM7_BASIC.has(ch) && !GSM7_EXTENDED.has(ch)))]
}

export interface SmsLength {
  encoding: 'gsm7' | 'ucs2'
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number
  segments: number
}

/** The SMS length of a text: its encoding, its units and how many segments it takes. */
export function smsLength (text: string): SmsLength {
  if (isGsm7(text)) {
    let units = 0
    for (const ch of text) units += GSM7_EXTENDED.has(ch) ? 2 : 1
    return { encoding: 'gsm7', units, segments: units <= 160 ? 1 : Math.ceil(units / 153) }
  }
  const units = text.length
  return { encoding: 'ucs2', units, segments: units <= 70 ? 1 : Math.ceil(units / 67) }
}

/** The SMS text of a template: filled, without diacritics unless `unicode`, with any other non-GSM character as '?'. */
export function smsText (template: string, values: NoticeValues, unicode: boolean): string {
  const text = renderTemplate(template, values)
  if (unicode) return text
  return [...stripDiacritics(text)].map((ch) => GSM7_BASIC.has(ch) || GSM7_EXTENDED.has(ch) ? ch : '?').join('')
}

/**
 * Values as long as they can be, to check at start-up that a template fits: the longest code
 * the configured receiving agencies issue, dates, an amount in the hundreds of millions, a
 * payment address of `paymentUrlLength` characters, the longest procedure name.
 */
export function longestValues (o: { codeLength: number, procedure: string, lookup: string, paymentUrlLength: number }): NoticeValues {
  return {
    code: 'X'.repeat(o.codeLength),
    procedure: o.procedure,
    status: 'Yêu cầu thực hiện nghĩa vụ tài chính',
    dueDate: '31/12/2026',
    newDueDate: '31/12/2026',
    amount: vnd(999_999_999),
    paymentUrl: `https://${'x'.repeat(Math.max(0, o.paymentUrlLength - 8))}`,
    lookup: o.lookup,
    note: '',
    missing: ''
  }
}

/** Problems of one SMS template (empty: it fits in `maxSegments` with the longest values, in the encoding it will be sent in). */
export function smsTemplateProblems (template: string, longest: NoticeValues, unicode: boolean, maxSegments: number): string[] {
  const problems: string[] = []
  const unknown = unknownPlaceholders(template)
  if (unknown.length > 0) problems.push(`uses unknown placeholders ${unknown.map((n) => `{${n}}`).join(', ')} (known: ${NOTICE_PLACEHOLDERS.map((n) => `{${n}}`).join(', ')})`)
  if (!template.includes('{code}')) problems.push('does not include the dossier code {code}')
  if (!template.includes('{lookup}')) problems.push('does not say where to look the dossier up ({lookup})')
  if (!unicode) {
    const bad = nonGsm7(stripDiacritics(template.replace(PLACEHOLDER, '')))
    if (bad.length > 0) problems.push(`has characters outside GSM-7 even without diacritics: ${bad.map((c) => JSON.stringify(c)).join(' ')}`)
  }
  // the agency's free text and its list of papers never go in an SMS whose length is checked
  for (const free of ['note', 'missing']) {
    if (template.includes(`{${free}}`)) problems.push(`uses {${free}}, the agency's free text, whose length no check can bound`)
  }
  const length = smsLength(smsText(template, longest, unicode))
  if (length.segments > maxSegments) {
    problems.push(`takes ${length.segments} ${length.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'} segments (${length.units} ${length.encoding === 'gsm7' ? 'characters' : 'UTF-16 units'} with the longest values) where ${maxSegments} ${maxSegments === 1 ? 'is' : 'are'} allowed`)
  }
  return problems
}

/** Quiet hours in Vietnam time, "HH:MM" each; `from` after `to` spans midnight. */
export interface QuietHours {
  from: string
  to: string
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number)
  return (h ?? 0) * 60 + (m ?? 0)
}

/** When a notice due at `now` may go: undefined when now is outside the quiet hours, else the instant they end. */
export function quietUntil (now: Date, quiet: QuietHours | undefined): Date | undefined {
  if (quiet === undefined) return undefined
  const from = minutesOf(quiet.from)
  const to = minutesOf(quiet.to)
  if (from === to) return undefined
  const local = new Date(now.getTime() + VIETNAM_OFFSET_MS)
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes()
  const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to
  if (!inside) return undefined
  // the end: today at `to` (local) when that is still ahead, else tomorrow
  const dayStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate())
  let end = dayStart + to * 60_000
  if (end <= local.getTime()) end += 86_400_000
  return new Date(end - VIETNAM_OFFSET_MS)
}

/** A phone number as providers take it: 84 and the 9 digits (0912345678, +84912345678 → 84912345678). */
export function internationalPhone (phone: string): string {
  const digits = phone.replace(/[^\d]/g, '')
  return digits.startsWith('84') ? digits : digits.startsWith('0') ? `84${digits.slice(1)}` : digits
}

/** A phone or e-mail for the log: enough to tell which, not enough to use. */
export function maskRecipient (to: string): string {
  const at = to.indexOf('@')
  if (at > 0) return `${to.slice(0, 1)}***${to.slice(at)}`
  return to.length <= 4 ? '***' : `${'*'.repeat(to.length - 3)}${to.slice(-3)}`
}
