/**
 * Zalo Notification Service (ZNS): a template Zalo approved, with its parameters, sent to the
 * applicant's phone number. POST https://business.openapi.zalo.me/message/template with the
 * Official Account's token in the `access_token` header and the JSON body
 * { phone: "84…", template_id, template_data: { param: value }, tracking_id }; Zalo answers
 * HTTP 200 with { error: 0, message: "Success", data: { msg_id, sent_time, quota } } when it takes
 * the message, or with a negative `error` and its `message` when not (Zalo for Developers,
 * "Gửi ZNS": developers.zalo.me/docs/zalo-notification-service/; the same shape in Zalo SDKs,
 * e.g. @warriorteam/redai-zalo-sdk dist/services/zns.service.js, sendMessage). tracking_id
 * carries the notice's key. Pure mapping: the notice service sends it.
 */
import type { ProviderAnswer } from '../sms/index.ts'

export interface ZnsMessage {
  /** 84xxxxxxxxx */
  phone: string
  templateId: string
  data: Record<string, string>
  trackingId: string
}

export function znsRequest (m: ZnsMessage): Record<string, unknown> {
  return { phone: m.phone, template_id: m.templateId, template_data: m.data, tracking_id: m.trackingId }
}

/**
 * Reads Zalo's 2xx answer. A non-zero error is Zalo's refusal of this message (template not
 * approved, parameters not matching it, a phone without Zalo, the token expired, the quota
 * spent): another try of the same message cannot help, except the quota and rate errors (-1xx
 * "out of quota" / "too many requests" are not told apart here), which the limiter and the
 * backoff leave to a later attempt when `retryableErrors` names them.
 */
export function znsAnswer (body: unknown, retryableErrors: ReadonlySet<number> = new Set()): ProviderAnswer {
  const b = (body !== null && typeof body === 'object' ? body : {}) as { error?: unknown, message?: unknown, data?: { msg_id?: unknown } }
  if (b.error === 0 && typeof b.data?.msg_id === 'string' && b.data.msg_id !== '') return { ok: true, providerId: b.data.msg_id }
  const code = typeof b.error === 'number' ? b.error : undefined
  const said = typeof b.message === 'string' ? `: ${b.message.slice(0, 200)}` : ''
  return { ok: false, error: `Zalo refused the ZNS message (error ${code ?? 'missing'}${said})`, retryable: code === undefined || retryableErrors.has(code) }
}
