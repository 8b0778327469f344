/**
 * VNPost (bưu chính công ích), simulated (npm run agencies): it carries results and reports a
 * tracking journey of its own: picked up → in transit → out for delivery → (a failed attempt, then
 * out for delivery again) → delivered, or returned to the sender. Its codes are the adapter's
 * (SERVICE_CODE, STEP_STATUS).
 */
import type { PostalStatus } from './native.generated.ts'
import { RETURN_STEP, SERVICE_CODE, STEP_STATUS, WITHDRAWAL_PATH as POSTAL_WITHDRAWAL } from './index.ts'
import { toCompactVietnam } from '../shared/vietnam-datetime.ts'
import { clip, code, nativeCode, objectOf, present, required, text, type Delivered, type Dialect, type EventPayload, type JourneyStep } from '../shared/simulator.ts'

const POSTAL = 'a VNPost shipment (postal-request: CustomerCode, OrderNumber, Receiver… )'
const POSTAL_WITHDRAWAL_FORMAT = 'a VNPost order cancellation (postal-withdrawal: CustomerCode, OrderNumber, CancelReason …)'
/** Where the simulated parcels pass. */
const PICK_UP = { PostOfficeCode: '40100', PostOfficeName: 'Bưu cục Hạc Thành' }
const HUB_OFFICE = { PostOfficeCode: '40000', PostOfficeName: 'Trung tâm khai thác vận chuyển Thanh Hóa' }
const DELIVERY_OFFICE = { PostOfficeCode: '40105', PostOfficeName: 'Bưu cục phát Hạc Thành' }
const POSTMAN = 'Nguyễn Văn Bình (mô phỏng)'

/** A UPU S10 tracking number: EB, eight digits, their check digit, VN. */
export function s10 (serial: number): string {
  const digits = String(serial % 100_000_000).padStart(8, '0')
  const weights = [8, 6, 4, 2, 3, 5, 9, 7]
  const sum = Array.from(digits).reduce((s, d, i) => s + Number(d) * (weights[i] ?? 0), 0)
  const check = 11 - (sum % 11)
  return `EB${digits}${check === 10 ? 0 : check === 11 ? 5 : check}VN`
}

function tracking (d: Delivered, update: Omit<PostalStatus, 'ItemCode' | 'OrderNumber' | 'StatusTime'>): (occurredAt: string) => EventPayload {
  return (occurredAt) => {
    const native: PostalStatus = {
      ItemCode: d.receipt ?? s10(0),
      OrderNumber: d.code,
      ...update,
      StatusTime: toCompactVietnam(occurredAt)
    }
    return { native }
  }
}

export const postalSimulator: Dialect = {
  parse: (body) => {
    const b = objectOf(body, POSTAL)
    text(b, 'CustomerCode', POSTAL)
    const orderNumber = text(b, 'OrderNumber', POSTAL)
    const kind = code(b, 'ServiceCode', [SERVICE_CODE], POSTAL)
    return { code: orderNumber, step: RETURN_STEP, kind, recipient: text(b, 'ReceiverName', POSTAL) }
  },
  // the adapter's receipt() reads ItemCode
  receipt: (receipt, d) => ({ ItemCode: receipt, ...(d !== undefined && { OrderNumber: d.code }), Message: 'Tạo đơn hàng thành công (mô phỏng)' }),
  newReceipt: (seq) => s10(seq),
  // VNPost issues no result documents: it carries those of the other agencies
  results: () => [],
  event: (d, report) => {
    const status = nativeCode(STEP_STATUS, report.status, (k) => Number(k) as PostalStatus['StatusCode'])
    // no tracking code for a supplement or payment request: reported in canonical terms
    if (status === undefined) return { report }
    const update: Omit<PostalStatus, 'ItemCode' | 'OrderNumber' | 'StatusTime'> = status === 400
      ? { StatusCode: 400, SignedBy: clip(d.recipient ?? 'Người nhận', 300) }
      : status === 600
        ? { StatusCode: 600, Reason: clip(required(report.reason, 'reason', report.status), 1000) }
        : { StatusCode: status }
    return tracking(d, { ...update, ...(present(report.note) && { Note: clip(report.note, 1000) }) })(report.occurredAt ?? new Date().toISOString())
  },
  withdrawalPath: POSTAL_WITHDRAWAL,
  parseWithdrawal: (body) => ({ code: text(objectOf(body, POSTAL_WITHDRAWAL_FORMAT), 'OrderNumber', POSTAL_WITHDRAWAL_FORMAT), step: RETURN_STEP }),
  // no supplement: VNPost examines no papers, so it never asks for any (the adapter refuses a supplement)
  journey: (d, { failure, refusal }) => {
    const steps: JourneyStep[] = [
      { status: 'accepted', payload: tracking(d, { StatusCode: 100, ...PICK_UP, Note: 'Đã nhận kết quả tại Bộ phận một cửa (mô phỏng)' }) },
      { status: 'processing', payload: tracking(d, { StatusCode: 200, ...HUB_OFFICE }) }
    ]
    const attempt = (n: number): JourneyStep => ({ status: 'processing', payload: tracking(d, { StatusCode: 300, ...DELIVERY_OFFICE, Postman: POSTMAN, DeliveryAttempt: n }) })
    const failed = (n: number): JourneyStep => ({
      status: 'processing',
      payload: tracking(d, { StatusCode: 500, ...DELIVERY_OFFICE, Postman: POSTMAN, DeliveryAttempt: n, ReasonCode: 'VANG_NHA', Reason: 'Hẹn phát lại (mô phỏng)' })
    })
    if (refusal) {
      steps.push(attempt(1), failed(1), attempt(2), failed(2))
      steps.push({ status: 'rejected', payload: tracking(d, { StatusCode: 600, ...DELIVERY_OFFICE, ReasonCode: 'QUA_SO_LAN_PHAT', Reason: 'Phát 2 lần không gặp người nhận (mô phỏng)' }) })
      return steps
    }
    let n = 1
    if (failure) steps.push(attempt(n), failed(n++))
    steps.push(attempt(n))
    steps.push({ status: 'resolved', payload: tracking(d, { StatusCode: 400, ...DELIVERY_OFFICE, Postman: POSTMAN, DeliveryAttempt: n, SignedBy: clip(d.recipient ?? 'Người nhận', 300) }) })
    return steps
  }
}
