/**
 * Zalo ZNS on 127.0.0.1 for demos and tests (npm run agencies): POST …/message/template as
 * ./index.ts sends it, the access_token header checked when one is given, each message recorded
 * once (a repeated tracking_id is answered with the first msg_id), and the answers Zalo gives:
 * { error: 0, message: "Success", data: { msg_id, sent_time, quota } }, or a negative error.
 * Templates it knows can be listed: a message with another template_id is refused (-1124 here).
 */
import { outage, reply, startSimulatorServer } from '../../shared/http-server.ts'
import { randomUUID } from 'node:crypto'

export interface SentZns {
  id: string
  trackingId: string
  phone: string
  templateId: string
  data: Record<string, string>
  at: number
}

export interface ZnsSimulator {
  url: string
  messages: SentZns[]
  requests: number
  failNext(n: number, status?: number): void
  close(): Promise<void>
}

export async function startZnsSimulator (o: { port?: number, accessToken?: string, templates?: readonly string[], log?: (line: string) => void } = {}): Promise<ZnsSimulator> {
  const messages: SentZns[] = []
  const byTracking = new Map<string, SentZns>()
  const failures = outage()
  const server = await startSimulatorServer((req, res, raw) => {
    const json = (status: number, body: unknown): void => { reply(res, status, body) }
    const failing = failures.take()
    if (failing !== undefined) {
      json(failing, { error: -1, message: 'simulated failure' })
      return
    }
    if (o.accessToken !== undefined && req.headers.access_token !== o.accessToken) {
      json(200, { error: -124, message: 'Access token is invalid' })
      return
    }
    let body: { phone?: unknown, template_id?: unknown, template_data?: unknown, tracking_id?: unknown }
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body
    } catch {
      json(200, { error: -100, message: 'Body is not JSON' })
      return
    }
    if (typeof body.phone !== 'string' || !/^84\d{9}$/.test(body.phone)) {
      json(200, { error: -108, message: 'Phone number is invalid' })
      return
    }
    if (typeof body.template_id !== 'string' || (o.templates !== undefined && !o.templates.includes(body.template_id))) {
      json(200, { error: -1124, message: 'Template is not approved' })
      return
    }
    const tracking = typeof body.tracking_id === 'string' ? body.tracking_id : ''
    const seen = tracking === '' ? undefined : byTracking.get(tracking)
    const msg = seen ?? { id: randomUUID().replaceAll('-', ''), trackingId: tracking, phone: body.phone, templateId: body.template_id, data: (body.template_data ?? {}) as Record<string, string>, at: Date.now() }
    if (seen === undefined) {
      messages.push(msg)
      if (tracking !== '') byTracking.set(tracking, msg)
      o.log?.(`ZNS ${msg.templateId} to ${msg.phone.slice(0, 4)}***: ${JSON.stringify(msg.data)}`)
    }
    json(200, { error: 0, message: 'Success', data: { msg_id: msg.id, sent_time: String(msg.at), quota: { dailyQuota: '500', remainingQuota: String(500 - messages.length) } } })
  }, o)
  return {
    url: server.base,
    messages,
    get requests () { return server.requests },
    failNext: failures.failNext,
    close: server.close
  }
}
