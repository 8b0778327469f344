/**
 * The `notices` section of the hub config: channels (SMS gateway, Zalo ZNS, SMTP) with their
 * secrets read, rate limits and retries, the quiet hours, and the templates per change, each
 * checked here so that a template that cannot fit its SMS segments, uses an unknown placeholder
 * or leaves out the dossier code or the lookup is a config error at start-up (domain/notice.ts).
 */
import type { HubConfig, RetryPolicy } from '../types/schemas.generated.ts'
import {
  NOTICE_CHANNELS, longestValues, smsTemplateProblems, unknownPlaceholders,
  type NoticeChannel, type NoticeKind, type QuietHours
} from '../domain/notice.ts'

type NoticesConfig = NonNullable<HubConfig['notices']>

export interface ChannelLimits {
  timeoutMs: number
  retry: Required<RetryPolicy>
  /** BullMQ limiter: at most `max` jobs per `duration` ms on this channel's queue */
  rateLimit: { max: number, duration: number }
}

export type ResolvedSms = ChannelLimits & {
  format: 'generic' | 'esms'
  url: string
  brandname: string
  apiKey?: string
  smsType: string
  /** the bearer token (generic) or the SecretKey (esms) */
  secret?: string
  unicode: boolean
  maxSegments: number
}

export type ResolvedZalo = ChannelLimits & { url: string, accessToken?: string }

export type ResolvedEmail = ChannelLimits & { host: string, port: number, secure: boolean, from: string, user?: string, password?: string }

export interface NoticeTemplateSet {
  sms?: string
  zalo?: { templateId: string, data: Record<string, string> }
  email?: { subject: string, text: string }
}

export interface ResolvedNotices {
  lookup: string
  quietHours?: QuietHours & { channels: ReadonlySet<NoticeChannel> }
  sms?: ResolvedSms
  zalo?: ResolvedZalo
  email?: ResolvedEmail
  templates: Partial<Record<NoticeKind, NoticeTemplateSet>>
  /** the channels configured, in order */
  channels: NoticeChannel[]
}

/** Length of the longest dossier code the start-up check assumes: a 16-character agency code (000.00.12.H56 has 13), the date, a 4-digit sequence. */
export const CHECKED_CODE_LENGTH = 28

const DEFAULT_RATE = { max: 20, durationMs: 1000 }

type SecretReader = (ref: { secretEnv?: string, secretFile?: string }, at: string) => string | undefined

function limits (c: { timeoutMs?: number, retry?: RetryPolicy, rateLimit?: { max: number, durationMs: number } }, defaultRetry: Required<RetryPolicy>): ChannelLimits {
  const rate = c.rateLimit ?? DEFAULT_RATE
  return { timeoutMs: c.timeoutMs ?? 10_000, retry: { ...defaultRetry, ...c.retry }, rateLimit: { max: rate.max, duration: rate.durationMs } }
}

const optionalSecret = (read: SecretReader, c: { secretEnv?: string, secretFile?: string }, at: string): string | undefined =>
  c.secretEnv === undefined && c.secretFile === undefined ? undefined : read(c, at)

/** Resolves and checks the section; problems are pushed, each naming the pointer. */
export function resolveNotices (n: NoticesConfig, procedureNames: readonly string[], origin: string, readSecret: SecretReader, defaultRetry: Required<RetryPolicy>, problems: string[]): ResolvedNotices {
  const at = `${origin}: /notices`
  const out: ResolvedNotices = { lookup: n.lookup, templates: {}, channels: [] }
  if (n.quietHours !== undefined) out.quietHours = { from: n.quietHours.from, to: n.quietHours.to, channels: new Set(n.quietHours.channels ?? ['sms']) }
  if (n.sms !== undefined) {
    const s = n.sms
    if (s.format === 'esms' && (s.apiKey === undefined || (s.secretEnv === undefined && s.secretFile === undefined))) problems.push(`${at}/sms: the esms format needs apiKey and its SecretKey (secretEnv or secretFile)`)
    const secret = optionalSecret(readSecret, s, `${at}/sms`)
    out.sms = {
      ...limits(s, defaultRetry),
      format: s.format,
      url: s.url,
      brandname: s.brandname,
      ...(s.apiKey !== undefined && { apiKey: s.apiKey }),
      smsType: s.smsType ?? '2',
      ...(secret !== undefined && { secret }),
      unicode: s.unicode ?? false,
      maxSegments: s.maxSegments ?? 1
    }
  }
  if (n.zalo !== undefined) {
    const token = optionalSecret(readSecret, n.zalo, `${at}/zalo`)
    out.zalo = { ...limits(n.zalo, defaultRetry), url: n.zalo.url, ...(token !== undefined && { accessToken: token }) }
  }
  if (n.email !== undefined) {
    const e = n.email
    const password = optionalSecret(readSecret, e, `${at}/email`)
    out.email = {
      ...limits(e, defaultRetry),
      host: e.host,
      port: e.port,
      secure: e.secure ?? false,
      from: e.from,
      ...(e.user !== undefined && { user: e.user }),
      ...(password !== undefined && { password })
    }
  }
  out.channels = NOTICE_CHANNELS.filter((c) => out[c] !== undefined)
  const longest = longestValues({
    codeLength: CHECKED_CODE_LENGTH,
    procedure: procedureNames.reduce((a, b) => (b.length > a.length ? b : a), ''),
    lookup: n.lookup,
    paymentUrlLength: n.paymentUrlLength ?? 60
  })
  for (const [kind, set] of Object.entries(n.templates)) {
    if (set === undefined) continue
    const tAt = `${at}/templates/${kind}`
    if (set.sms !== undefined) {
      for (const p of smsTemplateProblems(set.sms, longest, out.sms?.unicode ?? false, out.sms?.maxSegments ?? 1)) problems.push(`${tAt}/sms ${p}`)
    }
    if (set.zalo !== undefined) {
      for (const [param, text] of Object.entries(set.zalo.data)) {
        const unknown = unknownPlaceholders(text ?? '')
        if (unknown.length > 0) problems.push(`${tAt}/zalo/data/${param} uses unknown placeholders ${unknown.map((u) => `{${u}}`).join(', ')}`)
      }
    }
    if (set.email !== undefined) {
      const unknown = [...unknownPlaceholders(set.email.subject), ...unknownPlaceholders(set.email.text)]
      if (unknown.length > 0) problems.push(`${tAt}/email uses unknown placeholders ${unknown.map((u) => `{${u}}`).join(', ')}`)
      if (!set.email.text.includes('{code}') && !set.email.subject.includes('{code}')) problems.push(`${tAt}/email does not include the dossier code {code}`)
    }
    out.templates[kind as NoticeKind] = {
      ...(set.sms !== undefined && { sms: set.sms }),
      ...(set.zalo !== undefined && { zalo: { templateId: set.zalo.templateId, data: { ...set.zalo.data } as Record<string, string> } }),
      ...(set.email !== undefined && { email: { subject: set.email.subject, text: set.email.text } })
    }
  }
  if (out.channels.length === 0) problems.push(`${at} configures no channel: give sms, zalo or email (or remove the section)`)
  return out
}
