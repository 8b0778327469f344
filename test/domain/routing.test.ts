/**
 * Linked routing as pure functions (src/domain/routing.ts), no Redis: route plans shaped like the
 * shipped routing table (config/hub.json), driven report by report.
 *
 *   birth registration   stage 0 [civil-status @ justice, lead]
 *                        stage 1 [residence @ police-residence, health-insurance @ social-insurance]
 *   death registration   stage 0 [civil-status @ justice, lead]
 *                        stage 1 [residence @ police-residence, funeral-allowance @ social-insurance (optional)]
 *   land transfer        [land-registration @ land-office] → [tax @ tax] → [land-certificate @ land-office]
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import {
  STEP_RANK, applyReport, initialRouting, isFinished, mergeDelivery, statusFromRouting, stepForAgency, stepsToDeliver,
  type DeliveryUpdate, type ReportOutcome, type Routing, type StepPlan, type StepState
} from '../../src/domain/routing.ts'
import type { DossierStatus } from '../../src/domain/status.ts'
import type { ResultDocument, RoutingState, StatusReport } from '../../src/types/schemas.generated.ts'

// ---------------------------------------------------------------------------------------------
// Route plans

const BIRTH: readonly StepPlan[] = [
  { id: 'civil-status', agency: 'justice', stage: 0, task: 'Đăng ký khai sinh, cấp số định danh cá nhân', required: true, lead: true },
  { id: 'residence', agency: 'police-residence', stage: 1, task: 'Đăng ký thường trú cho trẻ', required: true, lead: false },
  { id: 'health-insurance', agency: 'social-insurance', stage: 1, task: 'Cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi', required: true, lead: false }
]

const DEATH: readonly StepPlan[] = [
  { id: 'civil-status', agency: 'justice', stage: 0, task: 'Đăng ký khai tử', required: true, lead: true },
  { id: 'residence', agency: 'police-residence', stage: 1, task: 'Xóa đăng ký thường trú', required: true, lead: false },
  { id: 'funeral-allowance', agency: 'social-insurance', stage: 1, task: 'Giải quyết trợ cấp mai táng', required: false, lead: false }
]

const LAND: readonly StepPlan[] = [
  { id: 'land-registration', agency: 'land-office', stage: 0, task: 'Kiểm tra hồ sơ, lập phiếu chuyển thông tin địa chính', required: true, lead: true },
  { id: 'tax', agency: 'tax', stage: 1, task: 'Xác định nghĩa vụ tài chính, ra thông báo nộp', required: true, lead: false },
  { id: 'land-certificate', agency: 'land-office', stage: 2, task: 'Cập nhật biến động, cấp Giấy chứng nhận', required: true, lead: false }
]

/**
 * A route whose first stage has two required steps and an optional one in parallel, then a
 * second stage: to see that release waits for every required step and only for those.
 */
const PARALLEL_FIRST: readonly StepPlan[] = [
  { id: 'business', agency: 'planning-investment', stage: 0, required: true, lead: true },
  { id: 'tax-code', agency: 'tax', stage: 0, required: true, lead: false },
  { id: 'seal-notice', agency: 'police-admin', stage: 0, required: false, lead: false },
  { id: 'social-insurance', agency: 'social-insurance', stage: 1, required: true, lead: false }
]

// ---------------------------------------------------------------------------------------------
// Helpers

const T0 = Date.parse('2026-11-23T02:00:00.000Z')
/** `n` minutes after T0, as an ISO string */
const at = (n: number): string => new Date(T0 + n * 60_000).toISOString()

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
const doc = (name: string, componentCode: string): ResultDocument =>
  ({ name, componentCode, url: `https://files.example.vn/${componentCode}.pdf`, sha256: sha(name), mediaType: 'application/pdf' })

const report = (status: StatusReport['status'], n: number, extra: Partial<StatusReport> = {}): StatusReport =>
  ({ status, occurredAt: at(n), ...extra })

const step = (routing: Routing, id: string): RoutingState => {
  const s = routing[id]
  if (s === undefined) throw new Error(`no step ${id}`)
  return s
}
const states = (routing: Routing): Record<string, StepState> =>
  Object.fromEntries(Object.entries(routing).map(([id, r]) => [id, r.state]))

type Applied = Extract<ReportOutcome, { applied: true }>
type Refused = Extract<ReportOutcome, { applied: false }>

function mustApply (outcome: ReportOutcome): Applied {
  if (!outcome.applied) throw new Error(`expected the report to apply, got ${outcome.reason}: ${outcome.detail}`)
  return outcome
}
function mustRefuse (outcome: ReportOutcome): Refused {
  if (outcome.applied) throw new Error(`expected the report not to apply, but it did (step states ${JSON.stringify(states(outcome.routing))})`)
  return outcome
}

interface Dossier { routing: Routing, status: DossierStatus, last?: Applied | undefined }
/** Applies reports in order (each must apply); returns the route and status after the last. */
function drive (start: Dossier, ...reports: Array<[string, StatusReport]>): Dossier & { last: Applied } {
  let d: Dossier = start
  let last: Applied | undefined
  for (const [stepId, r] of reports) {
    last = mustApply(applyReport(d.routing, d.status, stepId, r, r.occurredAt ?? at(999)))
    d = { routing: last.routing, status: last.status }
  }
  if (last === undefined) throw new Error('no reports')
  return { ...d, last }
}

const fresh = (plan: readonly StepPlan[]): Dossier => ({ routing: initialRouting(plan, { at: at(0) }), status: 'received' })

/** Birth registration with civil-status resolved: stage 1 released. */
const birthAfterStage0 = (): Dossier => drive(fresh(BIRTH),
  ['civil-status', report('accepted', 1)],
  ['civil-status', report('processing', 2)],
  ['civil-status', report('resolved', 3, { results: [doc('Giấy khai sinh (bản chính)', 'KQ-KS')] })])

// ---------------------------------------------------------------------------------------------

t.test('STEP_RANK and isFinished: a step only moves forward', async (t) => {
  const r = STEP_RANK
  t.ok(r.waiting < r.pending, 'waiting before pending')
  t.equal(r.pending, r.retrying, 'pending, retrying and failed are one rank')
  t.equal(r.retrying, r.failed)
  t.ok(r.failed < r.delivered, 'delivery outcomes before delivered')
  t.ok(r.delivered < r.accepted)
  t.ok(r.accepted < r.processing)
  t.equal(r.processing, r['supplement-requested'], 'processing ⇄ supplement-requested ⇄ payment-requested')
  t.equal(r.processing, r['payment-requested'])
  t.ok(r.processing < r.resolved)
  t.equal(r.resolved, r.rejected, 'the three final states share the top rank')
  t.equal(r.resolved, r.cancelled)
  t.strictSame(Object.keys(r).sort(), ['accepted', 'cancelled', 'delivered', 'failed', 'payment-requested', 'pending', 'processing', 'rejected', 'resolved', 'retrying', 'supplement-requested', 'waiting'], 'every RoutingState state is ranked')

  for (const s of ['resolved', 'rejected', 'cancelled'] as const) t.equal(isFinished(s), true, `${s} is finished`)
  for (const s of ['waiting', 'pending', 'retrying', 'failed', 'delivered', 'accepted', 'processing', 'supplement-requested', 'payment-requested'] as const) {
    t.equal(isFinished(s), false, `${s} is not finished`)
  }
})

t.test('initialRouting', async (t) => {
  t.test('birth registration: stage 0 pending, stage 1 waiting, every field of the plan', async (t) => {
    const routing = initialRouting(BIRTH, { at: at(0) })
    t.strictSame(Object.keys(routing), ['civil-status', 'residence', 'health-insurance'], 'one entry per step, in plan order')
    t.strictSame(routing['civil-status'], {
      agency: 'justice', stage: 0, task: 'Đăng ký khai sinh, cấp số định danh cá nhân', lead: true, required: true, attempts: 0, state: 'pending'
    })
    t.strictSame(routing.residence, {
      agency: 'police-residence', stage: 1, task: 'Đăng ký thường trú cho trẻ', lead: false, required: true, attempts: 0, state: 'waiting'
    })
    t.strictSame(routing['health-insurance'], {
      agency: 'social-insurance', stage: 1, task: 'Cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi', lead: false, required: true, attempts: 0, state: 'waiting'
    })
    t.strictSame(stepsToDeliver(routing), ['civil-status'], 'only the first stage is delivered')
    t.equal(statusFromRouting(routing, 'received'), 'received')
    t.equal(statusFromRouting(routing, 'new'), 'new')
  })

  t.test('death registration: the optional step keeps required: false', async (t) => {
    const routing = initialRouting(DEATH, { at: at(0) })
    t.equal(step(routing, 'funeral-allowance').required, false)
    t.equal(step(routing, 'funeral-allowance').state, 'waiting')
    t.equal(step(routing, 'residence').required, true)
  })

  t.test('land transfer: three stages, one step each', async (t) => {
    const routing = initialRouting(LAND, { at: at(0) })
    t.strictSame(states(routing), { 'land-registration': 'pending', tax: 'waiting', 'land-certificate': 'waiting' })
    t.strictSame(Object.values(routing).map((r) => r.stage), [0, 1, 2])
    t.strictSame(Object.values(routing).map((r) => r.lead), [true, false, false])
    t.strictSame(stepsToDeliver(routing), ['land-registration'])
  })

  t.test('a step without a task has no task field', async (t) => {
    const routing = initialRouting(PARALLEL_FIRST, { at: at(0) })
    t.notOk('task' in step(routing, 'business'))
    t.strictSame(step(routing, 'seal-notice'), { agency: 'police-admin', stage: 0, lead: false, required: false, attempts: 0, state: 'pending' })
    t.strictSame(stepsToDeliver(routing), ['business', 'tax-code', 'seal-notice'], 'every stage-0 step, in parallel')
  })

  t.test('heldBy: the submitting agency holds its stage-0 steps already, not its later ones', async (t) => {
    const routing = initialRouting(LAND, { heldBy: 'land-office', heldReference: 'VPĐK-2026-004211', at: at(0) })
    t.strictSame(routing['land-registration'], {
      agency: 'land-office',
      stage: 0,
      task: 'Kiểm tra hồ sơ, lập phiếu chuyển thông tin địa chính',
      lead: true,
      required: true,
      attempts: 0,
      state: 'delivered',
      deliveredAt: at(0),
      agencyReference: 'VPĐK-2026-004211'
    })
    t.strictSame(routing['land-certificate'], {
      agency: 'land-office', stage: 2, task: 'Cập nhật biến động, cấp Giấy chứng nhận', lead: false, required: true, attempts: 0, state: 'waiting'
    }, 'its stage-2 step waits like any other, with no reference or delivery time')
    t.equal(step(routing, 'tax').state, 'waiting')
    t.strictSame(stepsToDeliver(routing), [], 'nothing to deliver: the only stage-0 step is held')
    t.equal(statusFromRouting(routing, 'received'), 'received', 'held is delivered, not accepted')
  })

  t.test('heldBy without a reference: delivered, no agencyReference', async (t) => {
    const routing = initialRouting(BIRTH, { heldBy: 'justice', at: at(5) })
    t.equal(step(routing, 'civil-status').state, 'delivered')
    t.equal(step(routing, 'civil-status').deliveredAt, at(5), 'the time passed in')
    t.notOk('agencyReference' in step(routing, 'civil-status'))
  })

  t.test('heldBy: only the holder\'s step of a parallel first stage', async (t) => {
    const routing = initialRouting(PARALLEL_FIRST, { heldBy: 'tax', heldReference: 'MST-01', at: at(0) })
    t.strictSame(states(routing), { business: 'pending', 'tax-code': 'delivered', 'seal-notice': 'pending', 'social-insurance': 'waiting' })
    t.equal(step(routing, 'tax-code').agencyReference, 'MST-01')
    t.notOk('agencyReference' in step(routing, 'business'))
    t.notOk('deliveredAt' in step(routing, 'business'))
    t.strictSame(stepsToDeliver(routing), ['business', 'seal-notice'])
  })

  t.test('heldBy an agency whose only step is in a later stage changes nothing', async (t) => {
    const routing = initialRouting(LAND, { heldBy: 'tax', heldReference: 'CT-9', at: at(0) })
    t.strictSame(routing, initialRouting(LAND, { at: at(0) }))
  })
})

t.test('stepsToDeliver: pending and retrying, not failed, delivered, waiting or finished', async (t) => {
  const base = { agency: 'a', stage: 0, attempts: 0 }
  const routing: Routing = {
    w: { ...base, stage: 1, state: 'waiting' },
    p: { ...base, state: 'pending' },
    r: { ...base, state: 'retrying', attempts: 2, lastError: 'HTTP 503' },
    f: { ...base, state: 'failed', attempts: 5, lastError: 'HTTP 400' },
    d: { ...base, state: 'delivered' },
    a: { ...base, state: 'accepted' },
    x: { ...base, state: 'cancelled' }
  }
  t.strictSame(stepsToDeliver(routing), ['p', 'r'])
  t.strictSame(stepsToDeliver({}), [])
})

t.test('stepsToDeliver: in stage order, whatever the order of the keys', async (t) => {
  const base = { agency: 'a', attempts: 0, required: true }
  // stage 1 released while an optional stage-0 step is still retrying, keys stored stage 1 first
  const routing: Routing = {
    late: { ...base, stage: 1, state: 'pending' },
    early: { ...base, stage: 0, required: false, state: 'retrying' }
  }
  t.strictSame(stepsToDeliver(routing), ['early', 'late'])
})

t.test('applyReport: birth registration end to end', async (t) => {
  let d = fresh(BIRTH)

  d = drive(d, ['civil-status', report('accepted', 1, { agencyReference: 'TP-KS-2026-117' })])
  t.equal(d.status, 'processing', 'accepted by the lead: the dossier is being processed')
  t.strictSame(states(d.routing), { 'civil-status': 'accepted', residence: 'waiting', 'health-insurance': 'waiting' })
  t.equal(step(d.routing, 'civil-status').reportedAt, at(1), 'reportedAt is the report\'s occurredAt')
  t.equal(step(d.routing, 'civil-status').agencyReference, 'TP-KS-2026-117')
  t.strictSame(d.last?.released, [])
  t.strictSame(d.last?.cancelled, [])

  d = drive(d, ['civil-status', report('processing', 2, { note: 'Đang thẩm định' })])
  t.equal(step(d.routing, 'civil-status').state, 'processing')
  t.equal(step(d.routing, 'civil-status').note, 'Đang thẩm định')
  t.equal(step(d.routing, 'civil-status').agencyReference, 'TP-KS-2026-117', 'the reference stays when a later report has none')
  t.equal(d.status, 'processing')

  const certificate = doc('Giấy khai sinh (bản chính)', 'KQ-KS')
  const idNumber = doc('Thông báo số định danh cá nhân', 'KQ-DDCN')
  d = drive(d, ['civil-status', report('resolved', 3, { results: [certificate, idNumber] })])
  t.strictSame(d.last?.released, ['residence', 'health-insurance'], 'exactly the next stage, both parallel steps')
  t.strictSame(states(d.routing), { 'civil-status': 'resolved', residence: 'pending', 'health-insurance': 'pending' })
  t.strictSame(stepsToDeliver(d.routing), ['residence', 'health-insurance'])
  t.strictSame(step(d.routing, 'civil-status').results, [
    { ...certificate, step: 'civil-status', agency: 'justice' },
    { ...idNumber, step: 'civil-status', agency: 'justice' }
  ], 'results keep every field and gain step and agency')
  t.notOk('note' in step(d.routing, 'civil-status'), 'the note is the last applied report\'s: none')
  t.equal(d.status, 'processing', 'not resolved: stage 1 is still to do')

  d = drive(d, ['residence', report('accepted', 4)], ['residence', report('resolved', 5)])
  t.strictSame(d.last?.released, [], 'stage 1 is the last stage: nothing to release')
  t.notOk('results' in step(d.routing, 'residence'), 'a resolution without documents has no results field')
  t.equal(d.status, 'processing', 'health insurance, required, is still pending')
  t.equal(step(d.routing, 'health-insurance').state, 'pending')

  d = drive(d, ['health-insurance', report('resolved', 6, { results: [doc('Thẻ bảo hiểm y tế', 'KQ-BHYT')] })])
  t.equal(d.status, 'resolved', 'every required step resolved')
  t.strictSame(d.last?.released, [])
  t.match(step(d.routing, 'health-insurance').results, [{ name: 'Thẻ bảo hiểm y tế', step: 'health-insurance', agency: 'social-insurance' }])
  t.equal(step(d.routing, 'health-insurance').reportedAt, at(6))
})

t.test('applyReport: release waits for every required step of the stage, and only those', async (t) => {
  let d = fresh(PARALLEL_FIRST)
  d = drive(d, ['business', report('resolved', 1)])
  t.strictSame(d.last?.released, [], 'tax-code (required) is not resolved yet')
  t.equal(step(d.routing, 'social-insurance').state, 'waiting')

  d = drive(d, ['seal-notice', report('resolved', 2)])
  t.strictSame(d.last?.released, [], 'the optional step resolving does not release either')
  t.equal(step(d.routing, 'social-insurance').state, 'waiting')

  d = drive(d, ['tax-code', report('processing', 3)])
  t.strictSame(d.last?.released, [], 'processing is not resolved')

  d = drive(d, ['tax-code', report('resolved', 4)])
  t.strictSame(d.last?.released, ['social-insurance'], 'the last required step of stage 0 releases stage 1')
  t.equal(step(d.routing, 'social-insurance').state, 'pending')
})

t.test('applyReport: an optional unresolved step does not hold back the next stage', async (t) => {
  let d = fresh(PARALLEL_FIRST)
  d = drive(d, ['seal-notice', report('accepted', 1)], ['business', report('resolved', 2)], ['tax-code', report('resolved', 3)])
  t.strictSame(d.last?.released, ['social-insurance'])
  t.equal(step(d.routing, 'seal-notice').state, 'accepted', 'the optional step goes on in parallel')
  t.equal(d.status, 'processing')

  // it resolving later releases nothing a second time
  d = drive(d, ['seal-notice', report('resolved', 4)])
  t.strictSame(d.last?.released, [])
  t.equal(step(d.routing, 'social-insurance').state, 'pending')

  d = drive(d, ['social-insurance', report('resolved', 5)])
  t.equal(d.status, 'resolved')
})

t.test('applyReport: death registration resolves without the optional funeral allowance', async (t) => {
  let d = fresh(DEATH)
  d = drive(d, ['civil-status', report('resolved', 1, { results: [doc('Trích lục khai tử', 'KQ-KT')] })])
  t.strictSame(d.last?.released, ['residence', 'funeral-allowance'], 'optional steps are released with the stage too')

  d = drive(d, ['funeral-allowance', report('processing', 2)])
  d = drive(d, ['residence', report('resolved', 3)])
  t.equal(d.status, 'resolved', 'residence was the last required step; the allowance is optional')
  t.equal(step(d.routing, 'funeral-allowance').state, 'processing', 'the optional step is left as it was')

  // and the other way round: the optional one resolving alone resolves nothing
  let e = fresh(DEATH)
  e = drive(e, ['civil-status', report('resolved', 1)], ['funeral-allowance', report('resolved', 2)])
  t.equal(e.status, 'processing', 'residence (required) is still pending')
})

t.test('applyReport: land transfer runs its three stages strictly in order', async (t) => {
  let d = fresh(LAND)

  const early = mustRefuse(applyReport(d.routing, d.status, 'tax', report('accepted', 1), at(1)))
  t.equal(early.reason, 'step-not-started', 'tax cannot report before land registration resolves')

  d = drive(d, ['land-registration', report('accepted', 1)], ['land-registration', report('processing', 2)])
  t.equal(step(d.routing, 'tax').state, 'waiting', 'still waiting while land registration processes')

  d = drive(d, ['land-registration', report('resolved', 3, { results: [doc('Phiếu chuyển thông tin địa chính', 'KQ-PCTT')] })])
  t.strictSame(d.last?.released, ['tax'], 'only the tax step, not the land certificate')
  t.strictSame(states(d.routing), { 'land-registration': 'resolved', tax: 'pending', 'land-certificate': 'waiting' })
  t.strictSame(stepsToDeliver(d.routing), ['tax'])

  const notYet = mustRefuse(applyReport(d.routing, d.status, 'land-certificate', report('accepted', 4), at(4)))
  t.equal(notYet.reason, 'step-not-started')

  const payment = { amount: 36_500_000, note: 'Thuế thu nhập cá nhân và lệ phí trước bạ', reference: 'TB-2026-889' }
  d = drive(d, ['tax', report('accepted', 4)], ['tax', report('payment-requested', 5, { payment })])
  t.equal(d.status, 'payment-requested')
  t.strictSame(step(d.routing, 'tax').payment, payment)
  t.equal(step(d.routing, 'land-certificate').state, 'waiting')

  d = drive(d, ['tax', report('processing', 6, { note: 'Đã nộp đủ' })])
  t.equal(d.status, 'processing', 'back to processing once paid')
  t.notOk('payment' in step(d.routing, 'tax'), 'the payment request belongs to the payment-requested report only')

  d = drive(d, ['tax', report('resolved', 7)])
  t.strictSame(d.last?.released, ['land-certificate'], 'tax resolved releases the land certificate')
  t.equal(d.status, 'processing', 'two of three resolved is not resolved')
  t.strictSame(stepsToDeliver(d.routing), ['land-certificate'])

  d = drive(d, ['land-certificate', report('resolved', 8, { results: [doc('Giấy chứng nhận quyền sử dụng đất', 'KQ-GCN')] })])
  t.strictSame(d.last?.released, [], 'no stage after the last')
  t.equal(d.status, 'resolved')
  t.strictSame(step(d.routing, 'land-certificate').results?.map((r) => [r.step, r.agency]), [['land-certificate', 'land-office']])
  t.strictSame(step(d.routing, 'land-registration').results?.map((r) => [r.step, r.agency]), [['land-registration', 'land-office']], 'earlier results untouched')
})

t.test('applyReport: results only on a resolved report, and only when there are some', async (t) => {
  const d = birthAfterStage0()
  const withEmpty = drive(d, ['residence', report('resolved', 4, { results: [] })])
  t.notOk('results' in step(withEmpty.routing, 'residence'), 'an empty results list adds nothing')

  // results on a non-resolved report are not kept on the step
  const processing = drive(d, ['residence', report('processing', 4, { results: [doc('x', 'X')] })])
  t.notOk('results' in step(processing.routing, 'residence'))
})

t.test('applyReport: fields carried from report to step', async (t) => {
  const d0 = birthAfterStage0()
  const missing = [{ name: 'Giấy xác nhận nơi cư trú', componentCode: 'TP-CT', note: 'bản sao không rõ' }]
  const d1 = drive(d0, ['residence', report('supplement-requested', 4, { missing, dueAt: '2026-12-01T17:00:00+07:00', agencyReference: 'CA-TT-55' })])
  const r1 = step(d1.routing, 'residence')
  t.strictSame(r1.missing, missing)
  t.equal(r1.dueAt, '2026-12-01T17:00:00+07:00')
  t.equal(r1.agencyReference, 'CA-TT-55')
  t.equal(r1.reportedAt, at(4))
  t.equal(r1.attempts, 0, 'attempts are the delivery\'s, unchanged')

  const d2 = drive(d1, ['residence', report('processing', 5)])
  const r2 = step(d2.routing, 'residence')
  t.notOk('missing' in r2, 'missing belongs to the supplement request')
  t.equal(r2.dueAt, '2026-12-01T17:00:00+07:00', 'the announced date stays')
  t.equal(r2.agencyReference, 'CA-TT-55', 'the reference stays')

  const d3 = drive(d2, ['residence', report('processing', 6, { dueAt: '2026-12-05T17:00:00+07:00', agencyReference: 'CA-TT-55/B' })])
  t.equal(step(d3.routing, 'residence').dueAt, '2026-12-05T17:00:00+07:00', 'a new date replaces it')
  t.equal(step(d3.routing, 'residence').agencyReference, 'CA-TT-55/B', 'a new reference replaces it')

  // missing on another status, payment on another status: not kept
  const d4 = drive(d0, ['residence', report('processing', 4, { missing, payment: { amount: 1 } })])
  t.notOk('missing' in step(d4.routing, 'residence'))
  t.notOk('payment' in step(d4.routing, 'residence'))

  const noTime = mustApply(applyReport(d0.routing, d0.status, 'residence', { status: 'accepted' }, at(42)))
  t.equal(step(noTime.routing, 'residence').reportedAt, at(42), 'without occurredAt, the hub\'s receipt time')
})

t.test('applyReport: same rank and newer applies; supplement and payment show in the dossier status', async (t) => {
  let d = drive(fresh(BIRTH), ['civil-status', report('processing', 2)])
  t.equal(d.status, 'processing')

  d = drive(d, ['civil-status', report('supplement-requested', 3, { missing: [{ name: 'Giấy chứng sinh' }] })])
  t.equal(step(d.routing, 'civil-status').state, 'supplement-requested')
  t.equal(d.status, 'supplement-requested')

  d = drive(d, ['civil-status', report('processing', 4)])
  t.equal(step(d.routing, 'civil-status').state, 'processing')
  t.equal(d.status, 'processing', 'back to processing')

  d = drive(d, ['civil-status', report('payment-requested', 5, { payment: { amount: 8000 } })])
  t.equal(d.status, 'payment-requested')

  d = drive(d, ['civil-status', report('supplement-requested', 6, { missing: [{ name: 'CCCD của người đi đăng ký' }] })])
  t.equal(d.status, 'supplement-requested', 'payment → supplement, same rank')
  t.notOk('payment' in step(d.routing, 'civil-status'))

  d = drive(d, ['civil-status', report('processing', 7)])
  t.equal(d.status, 'processing')

  // the same status again, newer: applied (its note and time replace the old)
  d = drive(d, ['civil-status', report('processing', 8, { note: 'Chờ ký' })])
  t.equal(step(d.routing, 'civil-status').note, 'Chờ ký')
  t.equal(step(d.routing, 'civil-status').reportedAt, at(8))

  // the same time as the current one: not older, applied
  d = drive(d, ['civil-status', report('supplement-requested', 8, { missing: [{ name: 'x' }] })])
  t.equal(step(d.routing, 'civil-status').state, 'supplement-requested')
})

t.test('applyReport: reports are ordered by instant, whatever their offset', async (t) => {
  const d = drive(fresh(BIRTH), ['civil-status', { status: 'processing', occurredAt: '2026-11-23T16:30:00+07:00' }])
  // 09:45Z is 16:45 in Vietnam: later, although it sorts earlier as text
  const later = applyReport(d.routing, d.status, 'civil-status', { status: 'supplement-requested', occurredAt: '2026-11-23T09:45:00Z', missing: [{ name: 'x' }] }, at(99))
  t.equal(later.applied, true, 'newer by the clock')
  // 09:15Z is 16:15 in Vietnam: earlier, although it sorts later than "…T0" strings would
  const earlier = mustRefuse(applyReport(d.routing, d.status, 'civil-status', { status: 'supplement-requested', occurredAt: '2026-11-23T09:15:00Z', missing: [{ name: 'x' }] }, at(99)))
  t.equal(earlier.reason, 'older-than-current')
})

t.test('applyReport: not applied', async (t) => {
  t.test('a report for a waiting step: step-not-started', async (t) => {
    const d = fresh(BIRTH)
    const out = mustRefuse(applyReport(d.routing, d.status, 'residence', report('accepted', 1), at(1)))
    t.equal(out.reason, 'step-not-started')
    t.match(out.detail, /residence/)
    t.match(out.detail, /police-residence/)
    t.notOk('routing' in out, 'no new routing to store')
    t.equal(step(d.routing, 'residence').state, 'waiting', 'the step is unchanged')
  })

  t.test('a report for a finished step: step-finished', async (t) => {
    const d = birthAfterStage0()
    t.equal(d.status, 'processing', 'the dossier itself is still open')
    for (const s of ['accepted', 'processing', 'resolved', 'rejected'] as const) {
      const out = mustRefuse(applyReport(d.routing, d.status, 'civil-status', report(s, 10, s === 'rejected' ? { reason: 'late' } : {}), at(10)))
      t.equal(out.reason, 'step-finished', `${s} after resolved`)
      t.match(out.detail, /resolved/)
    }

    // a step rejected while optional, the dossier open
    const death = drive(fresh(DEATH), ['civil-status', report('resolved', 1)], ['funeral-allowance', report('rejected', 2, { reason: 'Không đủ điều kiện' })])
    t.equal(death.status, 'processing')
    t.equal(mustRefuse(applyReport(death.routing, death.status, 'funeral-allowance', report('processing', 3), at(3))).reason, 'step-finished')
  })

  t.test('a lower rank after a higher one: older-than-current, even with a later time', async (t) => {
    const d = drive(fresh(BIRTH), ['civil-status', report('processing', 5)])
    const out = mustRefuse(applyReport(d.routing, d.status, 'civil-status', report('accepted', 6), at(6)))
    t.equal(out.reason, 'older-than-current', 'accepted after processing')
    t.match(out.detail, /processing/)

    const sup = drive(fresh(BIRTH), ['civil-status', report('supplement-requested', 5, { missing: [{ name: 'x' }] })])
    t.equal(mustRefuse(applyReport(sup.routing, sup.status, 'civil-status', report('accepted', 9), at(9))).reason, 'older-than-current', 'accepted after supplement-requested')
  })

  t.test('the same rank with an older occurredAt: older-than-current', async (t) => {
    const d = drive(fresh(BIRTH), ['civil-status', report('supplement-requested', 5, { missing: [{ name: 'x' }] })])
    const out = mustRefuse(applyReport(d.routing, d.status, 'civil-status', report('processing', 4), at(10)))
    t.equal(out.reason, 'older-than-current', 'processing from minute 4 after a supplement request from minute 5')
    t.match(out.detail, new RegExp(at(5).replace(/[.]/g, '\\.')), 'the detail names the current report time')

    const acc = drive(fresh(BIRTH), ['civil-status', report('accepted', 5)])
    t.equal(mustRefuse(applyReport(acc.routing, acc.status, 'civil-status', report('accepted', 3), at(10))).reason, 'older-than-current', 'accepted twice, the second older')

    // without occurredAt, the receipt time is compared
    t.equal(mustRefuse(applyReport(acc.routing, acc.status, 'civil-status', { status: 'accepted' }, at(4))).reason, 'older-than-current')
    t.equal(applyReport(acc.routing, acc.status, 'civil-status', { status: 'accepted' }, at(6)).applied, true)
  })

  t.test('any report once the dossier status is final: dossier-closed', async (t) => {
    const d = birthAfterStage0()
    for (const status of ['resolved', 'returned', 'not-accepted', 'stopped', 'withdrawn'] as const) {
      const out = mustRefuse(applyReport(d.routing, status, 'residence', report('accepted', 10), at(10)))
      t.equal(out.reason, 'dossier-closed', `dossier ${status}`)
      t.match(out.detail, new RegExp(`the dossier is ${status}`))
      // checked before the step: a waiting or finished step gives the same answer
      t.equal(mustRefuse(applyReport(fresh(BIRTH).routing, status, 'residence', report('accepted', 10), at(10))).reason, 'dossier-closed')
      t.equal(mustRefuse(applyReport(d.routing, status, 'civil-status', report('accepted', 10), at(10))).reason, 'dossier-closed')
    }
    for (const status of ['new', 'received', 'processing', 'supplement-requested', 'payment-requested'] as const) {
      t.equal(applyReport(d.routing, status, 'residence', report('accepted', 10), at(10)).applied, true, `dossier ${status} is open`)
    }
  })

  t.test('a step not in the route throws', async (t) => {
    const d = fresh(BIRTH)
    t.throws(() => applyReport(d.routing, d.status, 'funeral-allowance', report('accepted', 1), at(1)), /no step funeral-allowance/)
  })
})

t.test('applyReport: a step whose delivery is not confirmed yet takes the report and drops lastError', async (t) => {
  const base = fresh(BIRTH)
  const cases: Array<[StepState, Partial<RoutingState>]> = [
    ['pending', {}],
    ['retrying', { attempts: 2, lastAttemptAt: at(1), lastError: 'connect ECONNREFUSED 10.0.0.7:443' }],
    ['failed', { attempts: 5, lastAttemptAt: at(2), lastError: 'HTTP 400: invalid envelope' }]
  ]
  for (const [state, extra] of cases) {
    const routing: Routing = { ...base.routing, 'civil-status': { ...step(base.routing, 'civil-status'), ...extra, state } }
    const out = mustApply(applyReport(routing, 'received', 'civil-status', report('accepted', 3, { agencyReference: 'TP-9' }), at(3)))
    const s = step(out.routing, 'civil-status')
    t.equal(s.state, 'accepted', `${state} → accepted`)
    t.notOk('lastError' in s, `${state}: lastError dropped`)
    t.equal(s.attempts, extra.attempts ?? 0, `${state}: attempts kept`)
    t.equal(s.lastAttemptAt, extra.lastAttemptAt, `${state}: lastAttemptAt kept`)
    t.notOk('deliveredAt' in s, `${state}: no delivery time is made up`)
    t.equal(s.agencyReference, 'TP-9')
    t.equal(out.status, 'processing')
  }

  // straight to resolved from failed releases the next stage
  const failed: Routing = { ...base.routing, 'civil-status': { ...step(base.routing, 'civil-status'), state: 'failed', attempts: 5, lastError: 'HTTP 500' } }
  const out = mustApply(applyReport(failed, 'received', 'civil-status', report('resolved', 4), at(4)))
  t.strictSame(out.released, ['residence', 'health-insurance'])
  t.notOk('lastError' in step(out.routing, 'civil-status'))
})

t.test('applyReport: rejection at a required step', async (t) => {
  t.test('stage 0, before accepting: not-accepted, every unfinished step cancelled', async (t) => {
    const d = fresh(BIRTH)
    const out = mustApply(applyReport(d.routing, d.status, 'civil-status', report('rejected', 1, { reason: 'Hồ sơ không thuộc thẩm quyền' }), at(1)))
    t.equal(out.status, 'not-accepted')
    t.strictSame(out.cancelled, ['residence', 'health-insurance'])
    t.strictSame(out.released, [])
    t.strictSame(states(out.routing), { 'civil-status': 'rejected', residence: 'cancelled', 'health-insurance': 'cancelled' })
    t.equal(step(out.routing, 'civil-status').reason, 'Hồ sơ không thuộc thẩm quyền', 'the agency\'s reason on its step')
    for (const id of ['residence', 'health-insurance']) {
      const r = step(out.routing, id)
      t.match(r.reason, /civil-status/, `${id}: the reason names the rejecting step`)
      t.match(r.reason, /justice/, `${id}: and its agency`)
      t.equal(r.stage, 1, `${id}: other fields kept`)
    }
    t.strictSame(stepsToDeliver(out.routing), [], 'nothing left to deliver')
  })

  t.test('stage 0, delivered (or held) but not accepted: not-accepted', async (t) => {
    const held = initialRouting(BIRTH, { heldBy: 'justice', heldReference: 'TP-1', at: at(0) })
    const out = mustApply(applyReport(held, 'received', 'civil-status', report('rejected', 1, { reason: 'Thiếu giấy chứng sinh' }), at(1)))
    t.equal(out.status, 'not-accepted')
    t.equal(step(out.routing, 'civil-status').agencyReference, 'TP-1')
  })

  t.test('stage 0, after accepting: stopped', async (t) => {
    const priors: Array<[StatusReport['status'], Partial<StatusReport>]> = [['accepted', {}], ['processing', {}], ['supplement-requested', { missing: [{ name: 'x' }] }]]
    for (const [prior, extra] of priors) {
      const d = drive(fresh(BIRTH), ['civil-status', report(prior, 1, extra)])
      const out = mustApply(applyReport(d.routing, d.status, 'civil-status', report('rejected', 2, { reason: 'Không đủ điều kiện' }), at(2)))
      t.equal(out.status, 'stopped', `rejected after ${prior}`)
      t.strictSame(out.cancelled, ['residence', 'health-insurance'])
    }
  })

  t.test('stage 1: stopped; finished steps stay as they are', async (t) => {
    const d = drive(birthAfterStage0(), ['health-insurance', report('accepted', 4)])
    const before = step(d.routing, 'civil-status')
    const out = mustApply(applyReport(d.routing, d.status, 'residence', report('rejected', 5, { reason: 'Chỗ ở không hợp pháp' }), at(5)))
    t.equal(out.status, 'stopped', 'a later stage refused: stopped, not not-accepted')
    t.strictSame(out.cancelled, ['health-insurance'])
    t.strictSame(states(out.routing), { 'civil-status': 'resolved', residence: 'rejected', 'health-insurance': 'cancelled' })
    t.strictSame(step(out.routing, 'civil-status'), before, 'the resolved step with its results is untouched')
  })

  t.test('stage 1, not yet delivered: still stopped', async (t) => {
    const d = birthAfterStage0()
    const out = mustApply(applyReport(d.routing, d.status, 'residence', report('rejected', 4, { reason: 'x' }), at(4)))
    t.equal(out.status, 'stopped', 'only a first-stage refusal is not-accepted')
  })

  t.test('land: tax refuses; the waiting land certificate is cancelled too', async (t) => {
    const d = drive(fresh(LAND), ['land-registration', report('resolved', 1)], ['tax', report('accepted', 2)])
    const out = mustApply(applyReport(d.routing, d.status, 'tax', report('rejected', 3, { reason: 'Giá chuyển nhượng không hợp lệ' }), at(3)))
    t.equal(out.status, 'stopped')
    t.strictSame(out.cancelled, ['land-certificate'])
    t.strictSame(states(out.routing), { 'land-registration': 'resolved', tax: 'rejected', 'land-certificate': 'cancelled' })
    t.match(step(out.routing, 'land-certificate').reason, /tax/)
    // the dossier is now final: later reports are closed out
    t.equal(mustRefuse(applyReport(out.routing, out.status, 'land-certificate', report('accepted', 4), at(4))).reason, 'dossier-closed')
  })

  t.test('parallel first stage: the optional step still going is cancelled too', async (t) => {
    const d = drive(fresh(PARALLEL_FIRST), ['seal-notice', report('processing', 1)], ['business', report('resolved', 2)])
    const out = mustApply(applyReport(d.routing, d.status, 'tax-code', report('rejected', 3, { reason: 'Trùng mã số thuế' }), at(3)))
    t.strictSame(out.cancelled, ['seal-notice', 'social-insurance'])
    t.equal(step(out.routing, 'business').state, 'resolved')
    t.equal(d.status, 'processing', 'other first-stage steps were under way')
    t.equal(out.status, 'stopped', 'so the refusal stops a dossier already in processing (not "not accepted")')
  })
})

t.test('applyReport: rejection at an optional step stops nothing', async (t) => {
  const d = drive(fresh(DEATH), ['civil-status', report('resolved', 1)], ['residence', report('accepted', 2)])
  const out = mustApply(applyReport(d.routing, d.status, 'funeral-allowance', report('rejected', 3, { reason: 'Không đủ thời gian đóng BHXH' }), at(3)))
  t.strictSame(out.cancelled, [])
  t.strictSame(out.released, [])
  t.equal(out.status, 'processing')
  t.strictSame(states(out.routing), { 'civil-status': 'resolved', residence: 'accepted', 'funeral-allowance': 'rejected' })
  t.equal(step(out.routing, 'funeral-allowance').reason, 'Không đủ thời gian đóng BHXH')

  const end = drive({ routing: out.routing, status: out.status }, ['residence', report('resolved', 4)])
  t.equal(end.status, 'resolved', 'the dossier still resolves with its required steps')
})

t.test('applyReport does not mutate its input', async (t) => {
  const scenarios: Array<[string, Dossier, string, StatusReport]> = [
    ['accepted on a pending step', fresh(BIRTH), 'civil-status', report('accepted', 1)],
    ['resolved releasing stage 1', drive(fresh(BIRTH), ['civil-status', report('processing', 1)]), 'civil-status', report('resolved', 2, { results: [doc('Giấy khai sinh', 'KQ-KS')] })],
    ['rejected cancelling the rest', drive(fresh(LAND), ['land-registration', report('resolved', 1)]), 'tax', report('rejected', 2, { reason: 'x' })],
    ['accepted on a failed step', { routing: { ...fresh(BIRTH).routing, 'civil-status': { ...step(fresh(BIRTH).routing, 'civil-status'), state: 'failed', lastError: 'HTTP 500', attempts: 5 } }, status: 'received' }, 'civil-status', report('accepted', 1)],
    ['supplement-requested', drive(fresh(BIRTH), ['civil-status', report('processing', 1)]), 'civil-status', report('supplement-requested', 2, { missing: [{ name: 'x' }] })]
  ]
  for (const [name, d, id, r] of scenarios) {
    const before = structuredClone(d.routing)
    const reportBefore = structuredClone(r)
    const out = mustApply(applyReport(d.routing, d.status, id, r, at(50)))
    t.strictSame(d.routing, before, `${name}: the routing passed in is unchanged`)
    t.strictSame(r, reportBefore, `${name}: the report is unchanged`)
    t.not(out.routing, d.routing, `${name}: a new routing object`)
    t.not(step(out.routing, id), step(d.routing, id), `${name}: a new step object`)
  }
  // results added to the step are copies: the report's documents get no step/agency
  const d = drive(fresh(BIRTH), ['civil-status', report('processing', 1)])
  const r = report('resolved', 2, { results: [doc('Giấy khai sinh', 'KQ-KS')] })
  mustApply(applyReport(d.routing, d.status, 'civil-status', r, at(2)))
  t.notOk('step' in (r.results?.[0] ?? {}), 'the report\'s result document is not changed')
})

t.test('stepForAgency', async (t) => {
  let d = fresh(LAND)
  t.equal(stepForAgency(d.routing, 'land-office'), 'land-registration', 'the active one (stage 0, pending)')
  t.equal(stepForAgency(d.routing, 'tax'), 'tax', 'its only step, waiting')
  t.equal(stepForAgency(d.routing, 'justice'), undefined, 'an agency not in the route')

  d = drive(d, ['land-registration', report('resolved', 1)])
  t.equal(stepForAgency(d.routing, 'land-office'), 'land-registration', 'none active: the finished one (the certificate still waits)')

  d = drive(d, ['tax', report('resolved', 2)])
  t.equal(step(d.routing, 'land-certificate').state, 'pending')
  t.equal(stepForAgency(d.routing, 'land-office'), 'land-certificate', 'the certificate step is under way now')

  d = drive(d, ['land-certificate', report('processing', 3)])
  t.equal(stepForAgency(d.routing, 'land-office'), 'land-certificate')

  d = drive(d, ['land-certificate', report('resolved', 4)])
  t.equal(stepForAgency(d.routing, 'land-office'), 'land-certificate', 'both finished: the latest')

  // both waiting (the land office enters at stage 1 here), keys in reverse stage order
  const lateRoute: Routing = {
    'land-certificate': { agency: 'land-office', stage: 3, state: 'waiting', attempts: 0 },
    tax: { agency: 'tax', stage: 2, state: 'waiting', attempts: 0 },
    'land-registration': { agency: 'land-office', stage: 1, state: 'waiting', attempts: 0 },
    survey: { agency: 'survey', stage: 0, state: 'pending', attempts: 0 }
  }
  t.equal(stepForAgency(lateRoute, 'land-office'), 'land-registration', 'all waiting: the first by stage, not by key order')

  const lateActive: Routing = { ...lateRoute, 'land-registration': { agency: 'land-office', stage: 1, state: 'delivered', attempts: 1 } }
  t.equal(stepForAgency(lateActive, 'land-office'), 'land-registration')
  const lateBoth: Routing = {
    ...lateRoute,
    'land-certificate': { agency: 'land-office', stage: 3, state: 'cancelled', attempts: 0 },
    'land-registration': { agency: 'land-office', stage: 1, state: 'resolved', attempts: 1 }
  }
  t.equal(stepForAgency(lateBoth, 'land-office'), 'land-certificate', 'both finished: the latest by stage, not the first key')
  const lateOneDone: Routing = {
    ...lateRoute,
    'land-registration': { agency: 'land-office', stage: 1, state: 'resolved', attempts: 1 },
    'land-certificate': { agency: 'land-office', stage: 3, state: 'failed', attempts: 5 }
  }
  t.equal(stepForAgency(lateOneDone, 'land-office'), 'land-certificate', 'a failed delivery is under way, not finished')
})

t.test('mergeDelivery', async (t) => {
  const plan = { agency: 'justice', stage: 0, task: 'Đăng ký khai sinh', lead: true, required: true }
  const delivered: DeliveryUpdate = { state: 'delivered', attempts: 2, lastAttemptAt: at(3), deliveredAt: at(3), agencyReference: 'TP-KS-7' }
  const retrying: DeliveryUpdate = { state: 'retrying', attempts: 1, lastAttemptAt: at(1), lastError: 'HTTP 503' }
  const failed: DeliveryUpdate = { state: 'failed', attempts: 5, lastAttemptAt: at(9), lastError: 'HTTP 400: bad envelope' }

  t.test('delivered over pending, retrying, failed', async (t) => {
    t.strictSame(mergeDelivery({ ...plan, state: 'pending', attempts: 0 }, delivered), {
      ...plan, state: 'delivered', attempts: 2, lastAttemptAt: at(3), deliveredAt: at(3), agencyReference: 'TP-KS-7'
    })
    t.strictSame(mergeDelivery({ ...plan, state: 'retrying', attempts: 1, lastAttemptAt: at(1), lastError: 'HTTP 503' }, delivered), {
      ...plan, state: 'delivered', attempts: 2, lastAttemptAt: at(3), deliveredAt: at(3), agencyReference: 'TP-KS-7'
    }, 'lastError removed')
    const fromFailed = mergeDelivery({ ...plan, state: 'failed', attempts: 5, lastAttemptAt: at(9), lastError: 'HTTP 400' }, { ...delivered, attempts: 6, lastAttemptAt: at(20), deliveredAt: at(20) })
    t.equal(fromFailed?.state, 'delivered', 'a redelivery after failing')
    t.notOk(fromFailed !== undefined && 'lastError' in fromFailed, 'lastError removed')
    t.equal(fromFailed?.attempts, 6)
    t.equal(fromFailed?.deliveredAt, at(20))

    const noRef = mergeDelivery({ ...plan, state: 'pending', attempts: 0 }, { state: 'delivered', attempts: 1, lastAttemptAt: at(1), deliveredAt: at(1) })
    t.notOk(noRef !== undefined && 'agencyReference' in noRef, 'no reference given, none added')
  })

  t.test('retrying and failed over pending / retrying / failed', async (t) => {
    t.strictSame(mergeDelivery({ ...plan, state: 'pending', attempts: 0 }, retrying), { ...plan, state: 'retrying', attempts: 1, lastAttemptAt: at(1), lastError: 'HTTP 503' })
    t.strictSame(mergeDelivery({ ...plan, state: 'retrying', attempts: 1, lastAttemptAt: at(1), lastError: 'HTTP 503' }, failed),
      { ...plan, state: 'failed', attempts: 5, lastAttemptAt: at(9), lastError: 'HTTP 400: bad envelope' })
    t.equal(mergeDelivery({ ...plan, state: 'failed', attempts: 5, lastError: 'x' }, { ...retrying, attempts: 6 })?.state, 'retrying', 'a failed step retried by hand')
  })

  t.test('a late failure never undoes delivered or anything an agency reported', async (t) => {
    const later: StepState[] = ['delivered', 'accepted', 'processing', 'supplement-requested', 'payment-requested']
    for (const state of later) {
      const current: RoutingState = { ...plan, state, attempts: 2, deliveredAt: at(3) }
      t.equal(mergeDelivery(current, retrying), undefined, `retrying after ${state}`)
      t.equal(mergeDelivery(current, failed), undefined, `failed after ${state}`)
    }
    t.equal(mergeDelivery({ ...plan, state: 'delivered', attempts: 1, deliveredAt: at(1) }, delivered), undefined, 'delivered twice: nothing to change')
  })

  t.test('waiting and finished steps never change', async (t) => {
    for (const state of ['waiting', 'resolved', 'rejected', 'cancelled'] as const) {
      const current: RoutingState = { ...plan, state, attempts: 0 }
      for (const u of [delivered, retrying, failed]) t.equal(mergeDelivery(current, u), undefined, `${u.state} on ${state}`)
    }
  })

  t.test('delivered confirmed after the agency already reported: the report stays, the delivery facts are added', async (t) => {
    const reported: RoutingState = { ...plan, state: 'accepted', attempts: 1, lastAttemptAt: at(1), lastError: 'timeout', reportedAt: at(2), note: 'Đã tiếp nhận' }
    const merged = mergeDelivery(reported, delivered)
    t.strictSame(merged, {
      ...plan, state: 'accepted', attempts: 2, lastAttemptAt: at(3), deliveredAt: at(3), agencyReference: 'TP-KS-7', reportedAt: at(2), note: 'Đã tiếp nhận'
    }, 'state, reportedAt and note kept; deliveredAt and reference added; lastError gone')

    const withRef = mergeDelivery({ ...reported, state: 'processing', agencyReference: 'TP-KS-REPORTED' }, delivered)
    t.equal(withRef?.state, 'processing')
    t.equal(withRef?.agencyReference, 'TP-KS-REPORTED', 'the reference the agency reported wins over the delivery answer\'s')

    const moreAttempts = mergeDelivery({ ...reported, attempts: 4 }, { ...delivered, attempts: 3 })
    t.equal(moreAttempts?.attempts, 4, 'attempts never go down')

    const hadDelivery = mergeDelivery({ ...reported, deliveredAt: at(1) }, delivered)
    t.equal(hadDelivery?.deliveredAt, at(1), 'an earlier delivery time stays')

    // the whole chain: report lands first, then the delivery job finishes, then a stale retry
    const d = fresh(BIRTH)
    const accepted = mustApply(applyReport(d.routing, d.status, 'civil-status', report('accepted', 2), at(2)))
    const confirmed = mergeDelivery(step(accepted.routing, 'civil-status'), delivered)
    t.equal(confirmed?.state, 'accepted')
    t.equal(confirmed?.deliveredAt, at(3))
    if (confirmed !== undefined) t.equal(mergeDelivery(confirmed, retrying), undefined, 'and a stale retry after that changes nothing')
  })

  t.test('does not mutate the step passed in', async (t) => {
    const current: RoutingState = { ...plan, state: 'retrying', attempts: 1, lastError: 'HTTP 503' }
    const before = structuredClone(current)
    mergeDelivery(current, delivered)
    mergeDelivery(current, failed)
    mergeDelivery({ ...current, state: 'accepted' }, delivered)
    t.strictSame(current, before)
  })
})

t.test('statusFromRouting', async (t) => {
  const s = (stage: number, state: StepState, required?: boolean): RoutingState =>
    ({ agency: `agency-${stage}`, stage, state, attempts: 0, ...(required !== undefined && { required }) })
  const route = (...steps: RoutingState[]): Routing => Object.fromEntries(steps.map((r, i) => [`s${i}`, r]))

  const table: Array<[string, Routing, DossierStatus, DossierStatus]> = [
    ['first stage pending', route(s(0, 'pending'), s(1, 'waiting')), 'received', 'received'],
    ['first stage pending, dossier new', route(s(0, 'pending'), s(1, 'waiting')), 'new', 'new'],
    ['first stage retrying/failed', route(s(0, 'retrying'), s(0, 'failed'), s(1, 'waiting')), 'received', 'received'],
    ['first stage delivered', route(s(0, 'delivered'), s(1, 'waiting')), 'received', 'received'],
    ['accepted', route(s(0, 'accepted'), s(1, 'waiting')), 'received', 'processing'],
    ['processing', route(s(0, 'processing'), s(1, 'waiting')), 'received', 'processing'],
    ['first stage resolved, second pending', route(s(0, 'resolved'), s(1, 'pending')), 'processing', 'processing'],
    ['second stage delivered only', route(s(0, 'resolved'), s(1, 'delivered'), s(1, 'pending')), 'processing', 'processing'],
    ['supplement requested', route(s(0, 'resolved'), s(1, 'supplement-requested'), s(1, 'processing')), 'processing', 'supplement-requested'],
    ['payment requested', route(s(0, 'resolved'), s(1, 'payment-requested'), s(1, 'accepted')), 'processing', 'payment-requested'],
    ['supplement before payment', route(s(0, 'resolved'), s(1, 'payment-requested'), s(1, 'supplement-requested')), 'processing', 'supplement-requested'],
    ['supplement requested by an optional step', route(s(0, 'processing'), s(0, 'supplement-requested', false)), 'processing', 'supplement-requested'],
    ['supplement answered: back to processing', route(s(0, 'processing')), 'supplement-requested', 'processing'],
    ['every step resolved', route(s(0, 'resolved'), s(1, 'resolved'), s(1, 'resolved')), 'processing', 'resolved'],
    ['required resolved, optional still processing', route(s(0, 'resolved'), s(1, 'resolved'), s(1, 'processing', false)), 'processing', 'resolved'],
    ['required resolved, optional rejected', route(s(0, 'resolved'), s(1, 'resolved'), s(1, 'rejected', false)), 'processing', 'resolved'],
    ['optional resolved, required not', route(s(0, 'resolved'), s(1, 'processing'), s(1, 'resolved', false)), 'processing', 'processing'],
    ['a step without required counts as required', route(s(0, 'resolved', true), s(1, 'accepted')), 'processing', 'processing'],
    ['required rejected while received', route(s(0, 'rejected'), s(1, 'cancelled')), 'received', 'not-accepted'],
    ['required rejected while processing', route(s(0, 'resolved'), s(1, 'rejected'), s(1, 'cancelled')), 'processing', 'stopped'],
    ['required rejected while supplement requested', route(s(0, 'rejected')), 'supplement-requested', 'stopped'],
    ['optional rejected, required going on', route(s(0, 'resolved'), s(1, 'accepted'), s(1, 'rejected', false)), 'processing', 'processing'],
    ['a rejection beats a resolved required step', route(s(0, 'resolved'), s(1, 'resolved'), s(1, 'rejected')), 'processing', 'stopped'],
    ['final: returned stays', route(s(0, 'processing')), 'returned', 'returned'],
    ['final: withdrawn stays', route(s(0, 'resolved')), 'withdrawn', 'withdrawn'],
    ['final: resolved stays', route(s(0, 'pending')), 'resolved', 'resolved'],
    ['final: not-accepted stays', route(s(0, 'resolved')), 'not-accepted', 'not-accepted'],
    ['final: stopped stays', route(s(0, 'resolved')), 'stopped', 'stopped']
  ]
  for (const [name, routing, current, expected] of table) {
    t.equal(statusFromRouting(routing, current), expected, `${name}: ${current} → ${expected}`)
  }
})
