/**
 * Notices to the applicant (docs/notices.md): plans the notices of one webhook notification (one
 * per configured channel: queued, or skipped with the reason) and sends one notice through its
 * channel's adapter. Knows nothing of BullMQ: the worker turns outcomes into job semantics.
 *
 * Only to the phone and e-mail the submission gives, only on the channels it consents to
 * (applicant.noticeConsent); both are read from the stored dossier when the notice is planned
 * and again when it is sent, and never travel in job data. A notice's key "<code>/<seq>/<channel>"
 * is its job id and the provider's request id (eSMS RequestId, the generic gateway's requestId,
 * ZNS tracking_id, the e-mail's Message-ID): the same on every attempt. A notice already sent
 * is never sent again (the record is asked first; the record moves only an open notice).
 */
import type { Logger } from 'pino'
import type { Transporter } from 'nodemailer'
import type { ResolvedNotices } from '../config/notice-config.ts'
import type { DossierStore } from '../store/dossier-store.ts'
import type { NotificationStore } from '../store/notification-store.ts'
import type { NoticeStore, PlannedNotice } from '../store/notice-store.ts'
import type { Dossier } from '../types/schemas.generated.ts'
import {
  internationalPhone, maskRecipient, noticeKindOf, noticeValues, quietUntil, renderTemplate, smsLength, smsText,
  type NoticeChannel, type NoticeValues
} from '../domain/notice.ts'
import { DeliveryError, type AgencyHttpClient } from './http-client.ts'
import { smsAnswer, smsRequest, type ProviderAnswer } from '../../adapters/notices/sms/index.ts'
import { znsAnswer, znsRequest } from '../../adapters/notices/zalo/index.ts'
import { emailMessage, emailTransport, smtpRetryable } from '../../adapters/notices/email/index.ts'

export type SendOutcome =
  | { outcome: 'sent', providerId: string }
  /** already settled (sent, failed, skipped) or not planned: nothing sent */
  | { outcome: 'settled' }
  | { outcome: 'wait', until: Date }
  | { outcome: 'retry', error: string, retryAfterMs?: number }
  | { outcome: 'failed', error: string }

export const noticeKey = (code: string, sequence: number, channel: NoticeChannel): string => `${code}/${sequence}/${channel}`

export interface NoticeServiceOptions {
  config: ResolvedNotices
  store: DossierStore
  notifications: NotificationStore
  notices: NoticeStore
  http: AgencyHttpClient
  log: Logger
  now?: () => Date
  /**
   * No webhook subscriber: the notifications exist for the notices only, so once planned they
   * leave the webhooks' pending list (which would otherwise keep them, and hold their dossiers
   * back from retention) — NotificationStore.settle with no subscribers.
   */
  settleNotifications?: boolean
}

type Applicant = Dossier['applicant'] & { noticeConsent?: Partial<Record<NoticeChannel, boolean>> }

/** Who a channel's notice goes to, or why it cannot go: the applicant's own contact, with consent. */
export function recipientOf (applicant: Applicant, channel: NoticeChannel): { to: string } | { skip: string } {
  if (applicant.noticeConsent?.[channel] !== true) return { skip: `the applicant did not consent to ${channel} notices` }
  const to = channel === 'email' ? applicant.email : applicant.phone
  if (to === undefined || to === '') return { skip: `the applicant gave no ${channel === 'email' ? 'e-mail address' : 'phone number'}` }
  return { to: channel === 'email' ? to : internationalPhone(to) }
}

export class NoticeService {
  readonly #o: Required<NoticeServiceOptions>
  #transport: Transporter | undefined

  constructor (options: NoticeServiceOptions) {
    this.#o = { now: () => new Date(), settleNotifications: false, ...options }
  }

  get channels (): readonly NoticeChannel[] { return this.#o.config.channels }

  /** The config of a channel (its limits for the queue). */
  channel (c: NoticeChannel): { rateLimit: { max: number, duration: number }, retry: { attempts: number, baseDelayMs: number, maxDelayMs: number } } | undefined {
    return this.#o.config[c]
  }

  /** Plans the notices of notification `sequence` of a dossier; returns the channels queued. A repeat plans nothing new. */
  async plan (code: string, sequence: number): Promise<NoticeChannel[]> {
    const { notifications, notices, store, config, now } = this.#o
    const [body] = await notifications.range(code, sequence, sequence)
    const dossier = body === undefined ? undefined : await store.get(code)
    const kind = body === undefined ? undefined : noticeKindOf(body)
    const planned: PlannedNotice[] = []
    if (dossier !== undefined && kind !== undefined) {
      const templates = config.templates[kind]
      for (const channel of config.channels) {
        if (templates?.[channel] === undefined) continue
        const r = recipientOf(dossier.applicant as Applicant, channel)
        planned.push('to' in r ? { channel, kind, state: 'queued', recipient: maskRecipient(r.to) } : { channel, kind, state: 'skipped', error: r.skip })
      }
    }
    await notices.plan(code, sequence, planned, now())
    if (this.#o.settleNotifications) await notifications.settle(code, [])
    return planned.filter((p) => p.state === 'queued').map((p) => p.channel)
  }

  /** What a notice says: the text of an SMS, the subject and text of an e-mail, the ZNS template and its parameters. */
  #content (channel: NoticeChannel, values: NoticeValues, templates: NonNullable<ResolvedNotices['templates'][keyof ResolvedNotices['templates']]>): { text: string, subject?: string, data?: Record<string, string>, templateId?: string } | undefined {
    const { config } = this.#o
    if (channel === 'sms' && templates.sms !== undefined) return { text: smsText(templates.sms, values, config.sms?.unicode ?? false) }
    if (channel === 'email' && templates.email !== undefined) {
      return { subject: renderTemplate(templates.email.subject, values).replaceAll('\n', ' '), text: renderTemplate(templates.email.text, values) }
    }
    if (channel === 'zalo' && templates.zalo !== undefined) {
      const data = Object.fromEntries(Object.entries(templates.zalo.data).map(([k, v]) => [k, renderTemplate(v, values)]))
      return { text: `${templates.zalo.templateId} ${JSON.stringify(data)}`, templateId: templates.zalo.templateId, data }
    }
    return undefined
  }

  /** Attempt `attempt` of at most `maxAttempts` to send one notice. */
  async send (code: string, sequence: number, channel: NoticeChannel, attempt: number, maxAttempts: number): Promise<SendOutcome> {
    const { notices, notifications, store, config, now, log } = this.#o
    const notice = await notices.get(code, sequence, channel)
    if (notice === undefined || notice.state === 'sent' || notice.state === 'failed' || notice.state === 'skipped') return { outcome: 'settled' }
    const at = now()
    if (config.quietHours?.channels.has(channel) === true) {
      const until = quietUntil(at, config.quietHours)
      if (until !== undefined) {
        await notices.record(code, sequence, channel, { at, state: 'waiting', attempt: notice.attempts, notBefore: until })
        return { outcome: 'wait', until }
      }
    }
    const fail = async (error: string, retryable: boolean, extra: { status?: number, content?: string, segments?: number } = {}): Promise<SendOutcome> => {
      const final = !retryable || attempt >= maxAttempts
      await notices.record(code, sequence, channel, { at: now(), state: final ? 'failed' : 'retrying', attempt, error, ...extra })
      log.warn({ dossier: code, sequence, channel, err: error, final }, 'notice not sent')
      return final ? { outcome: 'failed', error } : { outcome: 'retry', error }
    }
    const [body] = await notifications.range(code, sequence, sequence)
    const dossier = await store.get(code)
    const templates = config.templates[notice.kind]
    if (body === undefined || dossier === undefined || templates === undefined) return await fail('the notification, the dossier or the template is gone', false)
    // the consent and contact as stored now (a repeat of the plan's check: nothing else decides where a notice goes)
    const r = recipientOf(dossier.applicant as Applicant, channel)
    if ('skip' in r) return await fail(r.skip, false)
    const values = noticeValues(code, dossier.procedure.name, body, config.lookup)
    const content = this.#content(channel, values, templates)
    if (content === undefined) return await fail(`no ${channel} template for ${notice.kind}`, false)
    const key = noticeKey(code, sequence, channel)
    let segments: number | undefined
    let answer: ProviderAnswer
    try {
      if (channel === 'sms' && config.sms !== undefined) {
        const sms = config.sms
        const length = smsLength(content.text)
        segments = length.segments
        if (length.segments > sms.maxSegments) return await fail(`the SMS takes ${length.segments} segments (${length.units} characters), more than sms.maxSegments ${sms.maxSegments}`, false, { content: content.text, segments })
        const res = await this.#o.http.send(
          { method: 'POST', headers: {}, body: smsRequest(sms, { phone: r.to, text: content.text, unicode: sms.unicode, requestId: key }) },
          { endpoint: sms.url, timeoutMs: sms.timeoutMs, idempotencyKey: key, ...(sms.format === 'generic' && sms.secret !== undefined && { auth: { type: 'bearer', secret: sms.secret } }) }
        )
        answer = smsAnswer(sms.format, res.body)
      } else if (channel === 'zalo' && config.zalo !== undefined) {
        const z = config.zalo
        const res = await this.#o.http.send(
          { method: 'POST', headers: z.accessToken !== undefined ? { access_token: z.accessToken } : {}, body: znsRequest({ phone: r.to, templateId: content.templateId ?? '', data: content.data ?? {}, trackingId: key }) },
          { endpoint: z.url, timeoutMs: z.timeoutMs, idempotencyKey: key }
        )
        answer = znsAnswer(res.body)
      } else if (channel === 'email' && config.email !== undefined) {
        this.#transport ??= emailTransport(config.email)
        try {
          const info = await this.#transport.sendMail(emailMessage(config.email, { to: r.to, subject: content.subject ?? '', text: content.text, key })) as { messageId?: string }
          answer = { ok: true, providerId: info.messageId ?? key }
        } catch (err) {
          answer = { ok: false, error: `SMTP: ${(err as Error).message.slice(0, 300)}`, retryable: smtpRetryable(err) }
        }
      } else {
        return await fail(`the ${channel} channel is not configured any more`, false)
      }
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message, true)
      const out = await fail(e.message.replace('the agency', `the ${channel} provider`), e.retryable, { ...(e.status !== undefined && { status: e.status }), content: content.subject ?? content.text, ...(segments !== undefined && { segments }) })
      return out.outcome === 'retry' && e.retryAfterMs !== undefined ? { ...out, retryAfterMs: e.retryAfterMs } : out
    }
    const shown = content.subject ?? content.text
    if (!answer.ok) return await fail(answer.error, answer.retryable, { content: shown, ...(segments !== undefined && { segments }) })
    await notices.record(code, sequence, channel, { at: now(), state: 'sent', attempt, content: shown, providerId: answer.providerId, ...(segments !== undefined && { segments }) })
    return { outcome: 'sent', providerId: answer.providerId }
  }

  close (): void {
    this.#transport?.close()
  }
}
