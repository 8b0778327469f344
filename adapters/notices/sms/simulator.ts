/**
 * An SMS brandname gateway on 127.0.0.1 for demos and tests (npm run agencies): a real HTTP
 * server that takes both formats of ./index.ts — eSMS's at a path ending in
 * SendMultipleMessage_V4_post_json/ (ApiKey and SecretKey checked when given), the generic one
 * anywhere else (bearer token checked when given) — records each message once (a repeated
 * requestId / RequestId is answered with the first message's id and not recorded again) and can
 * be told to fail the next requests with a 5xx.
 */
import { outage, reply, startSimulatorServer } from '../../shared/http-server.ts'
import { randomUUID } from 'node:crypto'
import { smsLength } from '../../../src/domain/notice.ts'

export interface SentSms {
  format: 'generic' | 'esms'
  requestId: string
  id: string
  phone: string
  text: string
  brandname: string
  segments: number
  at: number
}

export interface SmsGatewaySimulator {
  url: string
  /** messages taken, once each, in order */
  messages: SentSms[]
  /** HTTP requests seen (repeats and failures included) */
  requests: number
  /** the next `n` requests are answered with `status` (default 503) */
  failNext(n: number, status?: number): void
  close(): Promise<void>
}

export interface SmsGatewayOptions {
  port?: number
  /** the generic format's bearer token, when it must be checked */
  token?: string
  /** eSMS ApiKey and SecretKey, when they must be checked */
  esms?: { apiKey: string, secretKey: string }
  log?: (line: string) => void
}

export async function startSmsGateway (o: SmsGatewayOptions = {}): Promise<SmsGatewaySimulator> {
  const messages: SentSms[] = []
  const byRequest = new Map<string, SentSms>()
  const failures = outage()
  const server = await startSimulatorServer((req, res, raw) => {
    const json = (status: number, body: unknown): void => { reply(res, status, body) }
    const failing = failures.take()
    if (failing !== undefined) {
      json(failing, { error: 'simulated gateway failure' })
      return
    }
    let body: Record<string, unknown>
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>
    } catch {
      json(400, { error: 'not JSON' })
      return
    }
    const esms = (req.url ?? '').includes('SendMultipleMessage_V4_post_json')
    if (esms) {
      if (o.esms !== undefined && (body.ApiKey !== o.esms.apiKey || body.SecretKey !== o.esms.secretKey)) {
        json(200, { CodeResult: '101', ErrorMessage: 'Authorize Failed' })
        return
      }
      if (typeof body.Phone !== 'string' || typeof body.Content !== 'string' || body.Content === '') {
        json(200, { CodeResult: '99', ErrorMessage: 'Phone and Content are required' })
        return
      }
    } else {
      if (o.token !== undefined && req.headers.authorization !== `Bearer ${o.token}`) {
        json(401, { error: 'bad token' })
        return
      }
      if (typeof body.to !== 'string' || typeof body.text !== 'string' || typeof body.requestId !== 'string') {
        json(400, { error: 'to, text and requestId are required' })
        return
      }
    }
    const requestId = String(esms ? body.RequestId ?? '' : body.requestId)
    const seen = requestId === '' ? undefined : byRequest.get(requestId)
    const sms = seen ?? {
      format: esms ? 'esms' as const : 'generic' as const,
      requestId,
      id: randomUUID().replaceAll('-', ''),
      phone: String(esms ? body.Phone : body.to),
      text: String(esms ? body.Content : body.text),
      brandname: String(esms ? body.Brandname : body.brandname),
      segments: smsLength(String(esms ? body.Content : body.text)).segments,
      at: Date.now()
    }
    if (seen === undefined) {
      messages.push(sms)
      if (requestId !== '') byRequest.set(requestId, sms)
      o.log?.(`SMS to ${sms.phone.slice(0, 4)}*** (${sms.segments} segment${sms.segments === 1 ? '' : 's'}): ${sms.text.replaceAll('\n', ' / ')}`)
    }
    if (esms) json(200, { CodeResult: '100', CountRegenerate: 0, SMSID: sms.id })
    else json(200, { id: sms.id })
  }, o)
  return {
    url: server.base,
    messages,
    get requests () { return server.requests },
    failNext: failures.failNext,
    close: server.close
  }
}
