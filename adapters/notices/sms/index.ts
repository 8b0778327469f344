/**
 * SMS brandname gateways (tin nhắn thương hiệu): the request the hub POSTs and how it reads the
 * answer, in two formats. Pure mapping: the notice service sends it (delivery/notice-service.ts).
 *
 * - `generic`: JSON { requestId, to, brandname, text, unicode } with a bearer token; a 2xx answer
 *   { id } is accepted (id: the gateway's message id), anything else is refused by HTTP status.
 *   A gateway must drop a repeated requestId (answering the first id again).
 * - `esms`: eSMS.vn "SendMultipleMessage_V4_post_json" (POST
 *   https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/, JSON body
 *   ApiKey, SecretKey, Phone, Content, Brandname, SmsType "2" = customer-care brandname,
 *   IsUnicode 0/1, Sandbox, RequestId, CallbackUrl), answered with HTTP 200 and
 *   { CodeResult: "100", CountRegenerate, SMSID } when accepted, another CodeResult when not
 *   (eSMS developer documentation, "Gửi tin Chăm sóc khách hàng (TypeSMS 2) dạng POST":
 *   github.com/devesms/gitbook_esms_for_develop, esms-api/ham-gui-tin-nhan-sms-brandname/
 *   gui-tin-cham-soc-khach-hang-typesms-2-dang-post.md). RequestId carries the notice's key.
 */

export interface SmsMessage {
  /** 84xxxxxxxxx */
  phone: string
  text: string
  unicode: boolean
  /** the notice's key: the same on every attempt */
  requestId: string
}

export interface SmsAccount {
  format: 'generic' | 'esms'
  brandname: string
  apiKey?: string
  /** the SecretKey (esms); the generic format's token goes as a bearer header instead */
  secret?: string
  smsType: string
}

export type ProviderAnswer = { ok: true, providerId: string } | { ok: false, error: string, retryable: boolean }

/** The JSON body of one SMS. */
export function smsRequest (account: SmsAccount, m: SmsMessage): Record<string, unknown> {
  if (account.format === 'esms') {
    return {
      ApiKey: account.apiKey ?? '',
      SecretKey: account.secret ?? '',
      Phone: m.phone,
      Content: m.text,
      Brandname: account.brandname,
      SmsType: account.smsType,
      IsUnicode: m.unicode ? 1 : 0,
      Sandbox: 0,
      RequestId: m.requestId
    }
  }
  return { requestId: m.requestId, to: m.phone, brandname: account.brandname, text: m.text, unicode: m.unicode }
}

/**
 * eSMS result codes the hub tells apart (eSMS documentation, "Bảng mã lỗi"): 100 accepted; 99
 * an error of eSMS's own (worth another try); the rest are the account's or the request's
 * (wrong key, no balance, brandname not registered, content not matching the registered
 * template…) and another try cannot help.
 */
export const ESMS_RETRYABLE = new Set(['99'])

/** Reads a gateway's 2xx answer. */
export function smsAnswer (format: SmsAccount['format'], body: unknown): ProviderAnswer {
  const b = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>
  if (format === 'esms') {
    const code = String(b.CodeResult ?? '')
    if (code === '100' && typeof b.SMSID === 'string' && b.SMSID !== '') return { ok: true, providerId: b.SMSID }
    const said = typeof b.ErrorMessage === 'string' ? `: ${b.ErrorMessage.slice(0, 200)}` : ''
    return { ok: false, error: `eSMS refused the message (CodeResult ${code === '' ? 'missing' : code}${said})`, retryable: code === '' || ESMS_RETRYABLE.has(code) }
  }
  if (typeof b.id === 'string' && b.id !== '') return { ok: true, providerId: b.id }
  return { ok: false, error: 'the SMS gateway accepted the message without its id', retryable: true }
}
