/**
 * Agency simulators: real HTTP servers standing in for the agency systems of the hub config, for
 * demos and tests. Each one
 *  - listens where the config sends that agency's deliveries (every agency whose endpoint is on
 *    127.0.0.1 / localhost; agencies sharing a port share a server, told apart by path);
 *  - checks the hub's credentials as the config says (bearer token, or HMAC over timestamp + body)
 *    and answers 401 when they are wrong;
 *  - accepts a delivery in the agency's native format, answers with its own receipt number, and
 *    drops a repeat (same Idempotency-Key) by answering the first receipt again;
 *  - then, after a configurable delay, posts progress back to the hub in its native format, with
 *    the API key of the hub's client for that agency:
 *    accepted → processing → (sometimes supplement requested → processing) → (a tax notice to
 *    pay, for a step that determines financial obligations → processing) → resolved, with result
 *    documents it serves itself (GET /files/…, with their SHA-256); the postal service (adapter
 *    postal) instead answers with a tracking number and posts its tracking journey: picked up →
 *    in transit → out for delivery → (sometimes a failed attempt → out for delivery again) →
 *    delivered (or, with rejectRate, returned to the sender);
 *  - accepts a withdrawal notice in the adapter's native format at the adapter's withdrawal path
 *    (same credentials, repeats dropped by Idempotency-Key), answers 200, records it and posts
 *    nothing more for that dossier and step;
 *  - accepts a payment notice (the applicant paid online) in the adapter's native format at the
 *    adapter's payment path (a body in another format: 400; repeats dropped by Idempotency-Key);
 *  - accepts a supplement notice (the papers it asked for) in the adapter's native format at the
 *    adapter's supplement path (same credentials, repeats dropped by Idempotency-Key), answers
 *    200 and records it; its own progress plan goes on as planned. The postal service takes none;
 *  - the post office (adapter postal) takes a pickup request at the adapter's pickup path (same
 *    credentials; a repeat of its Idempotency-Key answers the same tracking number), then posts the
 *    collection (110, with the postage) and the hand-over to the desk (120).
 * Every server is adapters/shared/http-server.ts, as the other simulated outside systems.
 */
import type { ServerResponse } from 'node:http'
import { createHash, randomUUID } from 'node:crypto'
import { request } from 'undici'
import type { HubSettings, ResolvedAgency } from '../../src/config/hub-config.ts'
import { verifyBearer, verifyHubSignature } from '../../src/delivery/outbound-auth.ts'
import type { StatusReport } from '../../src/types/schemas.generated.ts'
import { dialects, type Delivered, type Dialect, type EventPayload, type Paid, type Supplemented } from './dialects.ts'
import { PICKUP_PATH } from '../../adapters/postal/index.ts'
import { s10 } from '../../adapters/postal/simulator.ts'
import { toCompactVietnam } from '../../adapters/shared/vietnam-datetime.ts'
import { startSimulatorServer, type SimulatorServer } from '../../adapters/shared/http-server.ts'

export interface SimulatorOptions {
  settings: HubSettings
  /** where to post status events (a function when the hub's port is known only later) */
  hubUrl: string | (() => string)
  /** the API key an agency posts its reports with (an agency client of the hub, bound to it) */
  keyFor: (agencyId: string) => string | undefined
  /** delay between one status event and the next */
  delayMs?: number
  /** share of deliveries that go through a supplement request first (0–1); for the postal service, a failed delivery attempt */
  supplementRate?: number
  /** share of deliveries refused (0–1) */
  rejectRate?: number
  /** simulate only these agencies (ids); unset: every agency whose endpoint is on this machine */
  only?: ReadonlySet<string>
  /** override: listen on these ports instead of those in the endpoints (tests: 0 = any free port) */
  portOverride?: (agency: ResolvedAgency) => number
  log?: (line: string) => void
  random?: () => number
}

export interface SimulatedDelivery {
  agency: string
  code: string
  step?: string
  idempotencyKey: string
  receipt: string
  at: number
  /** the stored documents the hub reused for the dossier's components (once-only), as the native format named them */
  reused?: string[]
}

export interface SimulatedWithdrawal {
  agency: string
  code: string
  /** absent when the notice names no step (the agency holds one step of the dossier) */
  step?: string
  idempotencyKey: string
  at: number
}

export interface SimulatedSupplement {
  agency: string
  code: string
  /** absent when the notice names no step (the agency holds one step of the dossier) */
  step?: string
  /** the supplement's number in the dossier (1, 2…) */
  sequence: number
  idempotencyKey: string
  at: number
  /** the stored documents reused for the papers supplied (once-only) */
  reused?: string[]
}

export interface SimulatedPayment {
  agency: string
  code: string
  /** absent when the notice names no step (the agency holds one step of the dossier) */
  step?: string
  /** the hub's payment reference */
  reference: string
  amount: number
  receiptNumber?: string
  idempotencyKey: string
  at: number
}

export interface SimulatedPickup {
  agency: string
  code: string
  /** the collection order's tracking number (S10) */
  itemCode: string
  idempotencyKey: string
  at: number
}

export interface Simulators {
  /** base URL of each agency's server, by agency id */
  urls: Map<string, string>
  deliveries: SimulatedDelivery[]
  /** withdrawal notices taken in (repeats not counted again) */
  withdrawals: SimulatedWithdrawal[]
  /** supplement notices taken in (repeats not counted again) */
  supplements: SimulatedSupplement[]
  /** payment notices taken in, each in its agency's native format (repeats not counted again) */
  payments: SimulatedPayment[]
  /** postal pickup requests the post office took (repeats not counted again) */
  pickups: SimulatedPickup[]
  /** repeats dropped by Idempotency-Key (deliveries, withdrawal, supplement and payment notices, pickup requests) */
  duplicates: number
  /** requests refused for bad credentials (deliveries, notices, pickup requests) */
  unauthorized: number
  /** events posted to the hub, with the hub's answer status */
  events: Array<{ agency: string, code: string, status: StatusReport['status'], answer: number }>
  close(): Promise<void>
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '[::1]'])

function json (res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

/** A small PDF-like result file, different per dossier and document, served at /files/<name>. */
function resultFile (code: string, name: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${name}\n% ${code}\n%%EOF\n`, 'utf8')
}

export async function startSimulators (o: SimulatorOptions): Promise<Simulators> {
  const delayMs = o.delayMs ?? 1500
  const random = o.random ?? Math.random
  const log = o.log ?? ((line: string) => { console.log(line) })
  const deliveries: SimulatedDelivery[] = []
  const events: Simulators['events'] = []
  const counters = { duplicates: 0, unauthorized: 0 }
  const receipts = new Map<string, { receipt: string, d: Delivered }>()
  const withdrawals: SimulatedWithdrawal[] = []
  const withdrawalKeys = new Set<string>()
  const supplements: SimulatedSupplement[] = []
  const supplementKeys = new Set<string>()
  const payments: SimulatedPayment[] = []
  const paymentKeys = new Set<string>()
  const pickups: SimulatedPickup[] = []
  /** the post office's answer to each pickup request, by agency and Idempotency-Key: a repeat gets it again */
  const pickupKeys = new Map<string, { ItemCode: string, OrderNumber: string, Message: string }>()
  /** whether a withdrawal stopped this step (a notice without a step stops every step of the dossier at that agency) */
  const withdrawn = (agency: string, code: string, step: string | undefined): boolean =>
    withdrawals.some((w) => w.agency === agency && w.code === code && (w.step === undefined || w.step === step))
  const files = new Map<string, Buffer>()
  const timers = new Set<NodeJS.Timeout>()
  let closed = false
  let receiptSeq = 0

  // group the local agencies by port
  const byPort = new Map<number, Array<{ agency: ResolvedAgency, path: string, withdrawalPath: string, supplementPath?: string, paymentPath?: string, pickupPath?: string, dialect: Dialect }>>()
  for (const agency of o.settings.agencies.values()) {
    const url = new URL(agency.endpoint)
    if (!LOCAL.has(url.hostname)) continue
    // an endpoint it is not asked to serve is left alone (an agency's own software may listen there)
    if (o.only !== undefined && !o.only.has(agency.id)) continue
    const dialect = dialects[agency.adapter]
    if (dialect === undefined) {
      log(`no simulator dialect for adapter ${agency.adapter}; ${agency.id} is not simulated`)
      continue
    }
    const port = o.portOverride?.(agency) ?? Number(url.port || 80)
    const list = byPort.get(port) ?? []
    // the hub appends the adapter's relative withdrawal and supplement paths to the endpoint (as in its HTTP client)
    const under = agency.endpoint.endsWith('/') ? agency.endpoint : `${agency.endpoint}/`
    const withdrawalPath = new URL(dialect.withdrawalPath, under).pathname
    const supplementPath = dialect.supplement !== undefined ? new URL(dialect.supplement.path, under).pathname : undefined
    // a payment notice (the applicant paid online, in the adapter's native format) and, for the post office, a pickup request
    const paymentPath = dialect.paid !== undefined ? new URL(dialect.paid.path, under).pathname : undefined
    const pickupPath = agency.adapter === 'postal' ? new URL(PICKUP_PATH, under).pathname : undefined
    list.push({ agency, path: url.pathname, withdrawalPath, ...(supplementPath !== undefined && { supplementPath }), ...(paymentPath !== undefined && { paymentPath }), ...(pickupPath !== undefined && { pickupPath }), dialect })
    byPort.set(port, list)
  }

  const later = (ms: number, fn: () => Promise<void>): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (!closed) fn().catch((err: unknown) => { log(`simulator: ${String(err)}`) })
    }, ms)
    timers.add(timer)
  }

  async function post (agency: ResolvedAgency, dialect: Dialect, d: Delivered, report: StatusReport): Promise<void> {
    await postPayload(agency, d, report.status, dialect.event(d, report, { agencyId: agency.id }))
  }

  async function postPayload (agency: ResolvedAgency, d: Delivered, status: StatusReport['status'], payload: EventPayload): Promise<void> {
    const body = { eventId: randomUUID(), agency: agency.id, ...(d.step !== undefined && { step: d.step }), ...payload }
    // eslint-disable-next-line no-unmodified-loop-condition -- close() sets `closed` while the loop awaits
    for (let attempt = 1; attempt <= 5 && !closed; attempt++) {
      if (withdrawn(agency.id, d.code, d.step)) return
      try {
        const hubUrl = typeof o.hubUrl === 'string' ? o.hubUrl : o.hubUrl()
        const key = o.keyFor(agency.id)
        const res = await request(`${hubUrl}/v1/dossiers/${encodeURIComponent(d.code)}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(key !== undefined && { authorization: `Bearer ${key}` }) },
          body: JSON.stringify(body)
        })
        const text = await res.body.text()
        events.push({ agency: agency.id, code: d.code, status, answer: res.statusCode })
        log(`${agency.id}: ${d.code}${d.step !== undefined ? ` [${d.step}]` : ''} → ${status} (hub answered ${res.statusCode}${res.statusCode >= 400 ? `: ${text.slice(0, 200)}` : ''})`)
        // 401 too: the development keys may not be written yet when the hub has just started
        if (res.statusCode < 500 && res.statusCode !== 401) return
      } catch (err) {
        log(`${agency.id}: cannot reach the hub (${String(err)}); retrying`)
      }
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt))
    }
  }

  function schedule (agency: ResolvedAgency, dialect: Dialect, d: Delivered, base: string): void {
    const roll = random()
    const rejected = roll < (o.rejectRate ?? 0)
    const supplement = !rejected && roll < (o.rejectRate ?? 0) + (o.supplementRate ?? 0.2)
    if (dialect.journey !== undefined) {
      dialect.journey(d, { failure: supplement, refusal: rejected }).forEach((step, i) => {
        later((i + 1) * delayMs, async () => {
          if (withdrawn(agency.id, d.code, d.step)) return
          await postPayload(agency, d, step.status, step.payload(new Date().toISOString()))
        })
      })
      return
    }
    const plan: StatusReport[] = [{ status: 'accepted', note: 'Đã tiếp nhận hồ sơ' }]
    if (rejected) {
      plan.push({ status: 'rejected', reason: 'Hồ sơ không đủ điều kiện giải quyết (mô phỏng)' })
    } else {
      plan.push({ status: 'processing', note: 'Đang thẩm định hồ sơ' })
      if (supplement) {
        plan.push({ status: 'supplement-requested', missing: [{ name: 'Bản sao giấy tờ tùy thân có chứng thực', note: 'Bản chụp không rõ nét (mô phỏng)' }] })
        plan.push({ status: 'processing', note: 'Đã nhận giấy tờ bổ sung' })
      }
      const results = dialect.results(d).map((r) => {
        const name = `${d.code}-${d.step ?? agency.id}-${r.componentCode}.pdf`.replace(/[^A-Za-z0-9._-]/g, '_')
        const bytes = resultFile(d.code, r.name)
        files.set(name, bytes)
        return { ...r, url: `${base}/files/${name}`, sha256: createHash('sha256').update(bytes).digest('hex'), mediaType: 'application/pdf' }
      })
      const payment = dialect.payment?.(d)
      if (payment !== undefined) {
        plan.push({ status: 'payment-requested', payment })
        plan.push({ status: 'processing', note: 'Người sử dụng đất đã nộp tiền' })
      }
      plan.push({ status: 'resolved', note: 'Đã có kết quả giải quyết', results })
    }
    plan.forEach((report, i) => {
      const occurredAt = new Date(Date.now() + (i + 1) * delayMs).toISOString()
      later((i + 1) * delayMs, async () => {
        if (withdrawn(agency.id, d.code, d.step)) return
        await post(agency, dialect, d, { ...report, occurredAt })
      })
    })
  }

  const servers: SimulatorServer[] = []
  const urls = new Map<string, string>()
  for (const [port, agencies] of byPort) {
    let base = ''
    const server = await startSimulatorServer((req, res, raw) => {
      const path = (req.url ?? '').split('?')[0] ?? ''
      if (req.method === 'GET' && path.startsWith('/files/')) {
        const file = files.get(path.slice(7))
        if (file === undefined) { json(res, 404, { error: 'no such file' }); return }
        res.writeHead(200, { 'content-type': 'application/pdf' })
        res.end(file)
        return
      }
      const target = agencies.find((a) => a.path === path || a.withdrawalPath === path || a.supplementPath === path || a.paymentPath === path || a.pickupPath === path)
      if (target === undefined || req.method !== 'POST') { json(res, 404, { error: `nothing at ${req.method ?? ''} ${path}` }); return }
      const isWithdrawal = target.withdrawalPath === path && target.path !== path
      const isSupplement = target.supplementPath === path && target.path !== path && !isWithdrawal
      const isPayment = target.paymentPath === path && target.path !== path && !isWithdrawal && !isSupplement
      const isPickup = target.pickupPath === path && target.path !== path
      try {
        const { agency, dialect } = target
        if (agency.auth !== undefined) {
          const ok = agency.auth.type === 'bearer'
            ? verifyBearer(agency.auth.secret, req.headers.authorization)
            : verifyHubSignature(agency.auth.secret, req.headers, raw, Date.now()).ok
          if (!ok) {
            counters.unauthorized++
            log(`${agency.id}: refused a ${isPickup ? 'pickup request' : 'delivery'} with bad credentials`)
            json(res, 401, { error: 'unauthorized' })
            return
          }
        }
        let body: unknown
        try { body = JSON.parse(raw.toString('utf8')) } catch { json(res, 400, { error: 'not JSON' }); return }
        const key = String(req.headers['idempotency-key'] ?? '')
        if (isPickup) {
          const ordered = pickupKeys.get(`${agency.id}\n${key}`)
          if (ordered !== undefined) {
            counters.duplicates++
            log(`${agency.id}: repeat of pickup request ${key} dropped (${ordered.ItemCode})`)
            json(res, 201, ordered)
            return
          }
          const b = (typeof body === 'object' && body !== null ? body : {}) as { OrderNumber?: unknown, PostagePaidBy?: unknown }
          if (typeof b.OrderNumber !== 'string' || b.OrderNumber === '') { json(res, 400, { Code: 'E02', Message: 'OrderNumber is missing (mô phỏng)' }); return }
          const code = b.OrderNumber
          const item = s10(++receiptSeq)
          const answer = { ItemCode: item, OrderNumber: code, Message: 'Tạo yêu cầu thu gom thành công (mô phỏng)' }
          pickupKeys.set(`${agency.id}\n${key}`, answer)
          pickups.push({ agency: agency.id, code, itemCode: item, idempotencyKey: key, at: Date.now() })
          log(`${agency.id}: pickup of ${code} ordered (${item}; postage paid by ${typeof b.PostagePaidBy === 'string' ? b.PostagePaidBy : '?'})`)
          json(res, 201, answer)
          const report = (statusCode: number, extra: Record<string, unknown>) => async (): Promise<void> => {
            const hubUrl = typeof o.hubUrl === 'string' ? o.hubUrl : o.hubUrl()
            const hubKey = o.keyFor(agency.id)
            const r = await request(`${hubUrl}/v1/dossiers/${encodeURIComponent(code)}/postal-pickup/events`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(hubKey !== undefined && { authorization: `Bearer ${hubKey}` }) },
              body: JSON.stringify({ eventId: `${item}-${statusCode}`, native: { ItemCode: item, OrderNumber: code, StatusCode: statusCode, StatusTime: toCompactVietnam(new Date().toISOString()), ...extra } })
            })
            log(`${agency.id}: ${code} pickup ${statusCode} (hub answered ${r.statusCode})`)
            await r.body.text()
          }
          later(delayMs, report(110, { Postage: 22_000, PostOfficeCode: '40100', PostOfficeName: 'Bưu cục Hạc Thành', Postman: 'Nguyễn Văn Bình (mô phỏng)' }))
          later(2 * delayMs, report(120, { ReceivedBy: 'Bộ phận một cửa (mô phỏng)' }))
          return
        }
        if (isWithdrawal) {
          if (withdrawalKeys.has(`${agency.id}\n${key}`)) {
            counters.duplicates++
            log(`${agency.id}: repeat of withdrawal ${key} dropped`)
            json(res, 200, { received: true })
            return
          }
          let w: ReturnType<Dialect['parseWithdrawal']>
          try { w = dialect.parseWithdrawal(body) } catch (err) { json(res, 400, { error: (err as Error).message }); return }
          withdrawalKeys.add(`${agency.id}\n${key}`)
          withdrawals.push({ agency: agency.id, code: w.code, ...(w.step !== undefined && { step: w.step }), idempotencyKey: key, at: Date.now() })
          log(`${agency.id}: ${w.code}${w.step !== undefined ? ` [${w.step}]` : ''} withdrawn by the applicant; no further progress`)
          json(res, 200, { received: true })
          return
        }
        if (isSupplement && dialect.supplement !== undefined) {
          if (supplementKeys.has(`${agency.id}\n${key}`)) {
            counters.duplicates++
            log(`${agency.id}: repeat of supplement ${key} dropped`)
            json(res, 200, { received: true })
            return
          }
          let sup: Supplemented
          try { sup = dialect.supplement.parse(body) } catch (err) { json(res, 400, { error: (err as Error).message }); return }
          supplementKeys.add(`${agency.id}\n${key}`)
          supplements.push({ agency: agency.id, code: sup.code, ...(sup.step !== undefined && { step: sup.step }), sequence: sup.sequence, idempotencyKey: key, at: Date.now(), ...(sup.reused !== undefined && { reused: sup.reused }) })
          log(`${agency.id}: ${sup.code}${sup.step !== undefined ? ` [${sup.step}]` : ''} supplement ${sup.sequence} received (the papers asked for)`)
          json(res, 200, { received: true })
          return
        }
        if (isPayment && dialect.paid !== undefined) {
          if (paymentKeys.has(`${agency.id}\n${key}`)) {
            counters.duplicates++
            log(`${agency.id}: repeat of payment notice ${key} dropped`)
            json(res, 200, { received: true })
            return
          }
          let p: Paid
          try { p = dialect.paid.parse(body) } catch (err) { json(res, 400, { error: (err as Error).message }); return }
          paymentKeys.add(`${agency.id}\n${key}`)
          payments.push({ agency: agency.id, code: p.code, ...(p.step !== undefined && { step: p.step }), reference: p.reference, amount: p.amount, ...(p.receiptNumber !== undefined && { receiptNumber: p.receiptNumber }), idempotencyKey: key, at: Date.now() })
          log(`${agency.id}: ${p.code}${p.step !== undefined ? ` [${p.step}]` : ''} paid online, ${p.amount} đồng, e-receipt ${p.receiptNumber ?? '-'}`)
          json(res, 200, { received: true })
          return
        }
        const seen = receipts.get(`${agency.id}\n${key}`)
        if (seen !== undefined) {
          counters.duplicates++
          log(`${agency.id}: repeat of ${key} dropped (receipt ${seen.receipt})`)
          json(res, 200, dialect.receipt(seen.receipt, seen.d))
          return
        }
        let d: Delivered
        try { d = dialect.parse(body) } catch (err) { json(res, 400, { error: (err as Error).message }); return }
        const seq = ++receiptSeq
        const receipt = dialect.newReceipt?.(seq) ?? `${agency.id.toUpperCase().replace(/[^A-Z0-9]/g, '')}-${String(seq).padStart(6, '0')}`
        receipts.set(`${agency.id}\n${key}`, { receipt, d })
        deliveries.push({ agency: agency.id, code: d.code, ...(d.step !== undefined && { step: d.step }), idempotencyKey: key, receipt, at: Date.now(), ...(d.reused !== undefined && { reused: d.reused }) })
        log(`${agency.id}: received ${d.code}${d.step !== undefined ? ` [${d.step}]` : ''}, receipt ${receipt}${d.reused !== undefined ? `, ${d.reused.length} reused document(s)` : ''}`)
        json(res, 201, dialect.receipt(receipt, d))
        schedule(agency, dialect, { ...d, receipt }, base)
      } catch {
        json(res, 500, { error: 'simulator failure' })
      }
    }, { port })
    base = server.base
    for (const a of agencies) urls.set(a.agency.id, `${base}${a.path}`)
    servers.push(server)
  }

  return {
    urls,
    deliveries,
    withdrawals,
    supplements,
    payments,
    pickups,
    get duplicates () { return counters.duplicates },
    get unauthorized () { return counters.unauthorized },
    events,
    close: async () => {
      closed = true
      for (const t of timers) clearTimeout(t)
      await Promise.all(servers.map(async (s) => { await s.close() }))
    }
  }
}
