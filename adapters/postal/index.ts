/**
 * Postal adapter: VNPost (Bưu điện Việt Nam), the public postal service (bưu chính công ích,
 * Decision 45/2016/QĐ-TTg) that carries results to applicants who chose a postal return. The hub
 * uses it for the last step of such a route, step id `return`:
 * - outbound creates a shipment (tạo đơn hàng): the hub's VNPost customer code (the postal
 *   agency's `code` in the hub config), the dossier code as the order number, the one-stop desk
 *   that received the dossier as the sender (VNPost collects the result there), the recipient from
 *   resultReturn.delivery, and the result documents in the parcel;
 * - VNPost answers with the tracking number (ItemCode, số hiệu bưu gửi): the step's receipt;
 * - VNPost then posts tracking updates (postal-status): StatusCode 100 picked up → accepted,
 *   200 in transit / 300 out for delivery / 500 a failed attempt → processing (the note says which,
 *   and why an attempt failed), 400 delivered → resolved (the note says who signed), 600 returned
 *   to the sender → rejected with the reason;
 * - a withdrawal cancels the order (hủy đơn hàng) at <endpoint>/huy-don-hang.
 * VNPost submits no dossiers and takes no supplements (it examines nothing, so it never asks for
 * papers) and asks for no fees: inbound, supplement and payment are mapping errors, and there is no
 * supplement or payment schema.
 * It also collects dossiers at the applicant's home (postal intake): pickupRequest (at
 * <endpoint>/thu-gom-ho-so) and pickupStatus (110 collected, 120 handed over, 150 not collected),
 * outside the agency contract (the hub's pickup service calls them). Every postal request carries
 * who pays the postage (PostagePaidBy: the province, or the applicant).
 */
import {
  AdapterMappingError,
  type AgencyAdapter,
  type AgencyResponse,
  type DeliverableDossier,
  type MappedStatus,
  type OutboundContext,
  type PickupOrder,
  type PickupUpdate,
  type ResultDocument,
  type StatusReport,
  type StepStatus,
  type PaymentNotice,
  type SupplementNotice,
  type WithdrawalNotice
} from '../contract.ts'
import { receiptField } from '../shared/receipt.ts'
import type { PostalDocument, PostalPickup, PostalPickupStatus, PostalRequest, PostalStatus, PostalWithdrawal } from './native.generated.ts'
import { nativeDateTime } from '../shared/vietnam-datetime.ts'
import { withdrawalReason, withdrawalTime } from '../shared/withdrawal.ts'
import { noticeReference } from '../shared/notice-fields.ts'
import requestSchema from './schemas/request.schema.json' with { type: 'json' }
import statusSchema from './schemas/status.schema.json' with { type: 'json' }
import withdrawalSchema from './schemas/withdrawal.schema.json' with { type: 'json' }
import pickupSchema from './schemas/pickup.schema.json' with { type: 'json' }
import pickupStatusSchema from './schemas/pickup-status.schema.json' with { type: 'json' }
import { RETURN_STEP } from '../contract.ts'

export { RETURN_STEP }
/** The VNPost service for result return under Decision 45/2016/QĐ-TTg. */
export const SERVICE_CODE: PostalRequest['ServiceCode'] = 'BCCI_TKQ'
export const SERVICE_NAME = 'Chuyển phát kết quả giải quyết thủ tục hành chính (bưu chính công ích)'
/** Where a withdrawal (order cancellation) goes, relative to the endpoint (the hub appends it). */
export const WITHDRAWAL_PATH = 'huy-don-hang'
/** The result document a delivered update with an electronic proof of delivery adds. */
export const PROOF_OF_DELIVERY_COMPONENT = 'BCCI-BAO-PHAT'

type StatusCode = PostalStatus['StatusCode']
type ReasonCode = NonNullable<PostalStatus['ReasonCode']>

/** Native StatusCode → the canonical step status (the table is in the status schema's description). */
export const STEP_STATUS: Readonly<Record<StatusCode, StepStatus>> = {
  100: 'accepted',
  200: 'processing',
  300: 'processing',
  400: 'resolved',
  500: 'processing',
  600: 'rejected'
}

/** How the note names each StatusCode. */
export const STATUS_LABEL: Readonly<Record<StatusCode, string>> = {
  100: 'Đã nhận bưu gửi',
  200: 'Đang vận chuyển',
  300: 'Đang phát',
  400: 'Phát thành công',
  500: 'Phát không thành công',
  600: 'Đã chuyển hoàn'
}

/** How the note and the refusal name each ReasonCode. */
export const REASON_LABEL: Readonly<Record<ReasonCode, string>> = {
  VANG_NHA: 'Người nhận vắng nhà',
  SAI_DIA_CHI: 'Sai hoặc không tìm thấy địa chỉ người nhận',
  KHONG_LIEN_LAC_DUOC: 'Không liên lạc được người nhận',
  TU_CHOI_NHAN: 'Người nhận từ chối nhận',
  KHONG_XUAT_TRINH_GIAY_TO: 'Người nhận không xuất trình giấy tờ tùy thân',
  QUA_SO_LAN_PHAT: 'Quá số lần phát',
  KHAC: 'Lý do khác'
}

// ---------------------------------------------------------------- helpers

function present (s: string | undefined): s is string {
  return s !== undefined && s.trim() !== ''
}

/** Cut a text to a native field's maxLength (counted in code points, as JSON Schema does). */
function clip (s: string, max: number): string {
  const chars = Array.from(s)
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`
}

/** The hub's VNPost customer code: the postal agency's code in the hub config. */
function customerCode (context: OutboundContext): string {
  const code = context.agencyCode
  if (code === undefined || code.trim() === '') {
    throw new AdapterMappingError(`VNPost needs the hub's customer code (mã khách hàng, CustomerCode): set "code" of agency ${context.agencyId} in the hub config`)
  }
  return code
}

/** +84… / 84… → 0…: VNPost takes phone numbers in the national form. */
function nationalPhone (phone: string): string {
  return phone.replace(/^\+?84/, '0')
}

// ---------------------------------------------------------------- outbound

function documentToNative (r: ResultDocument): PostalDocument {
  return {
    Name: r.name,
    ComponentCode: r.componentCode,
    Link: r.url,
    ...(r.originalCopies !== undefined && { OriginalCopies: r.originalCopies }),
    ...(r.certifiedCopies !== undefined && { CertifiedCopies: r.certifiedCopies })
  }
}

function outbound (dossier: DeliverableDossier, context: OutboundContext): { method: 'POST', body: PostalRequest } {
  const customer = customerCode(context)
  const { resultReturn, procedure } = dossier
  if (resultReturn.method !== 'postal') {
    throw new AdapterMappingError(`dossier ${dossier.code} returns its result by ${resultReturn.method}, not by post (resultReturn.method): VNPost has nothing to carry`)
  }
  const delivery = resultReturn.delivery
  if (delivery === undefined) {
    throw new AdapterMappingError(`dossier ${dossier.code} has a postal return without a recipient and address (resultReturn.delivery)`)
  }
  const desk = procedure.receivingAgency
  const deskName = present(desk.name) ? desk.name : desk.code
  const address = delivery.address
  const results = dossier.results ?? []
  const body: PostalRequest = {
    CustomerCode: customer,
    OrderNumber: dossier.code,
    ServiceCode: SERVICE_CODE,
    ServiceName: SERVICE_NAME,
    SenderCode: desk.code,
    SenderName: deskName,
    SenderAddress: `Bộ phận tiếp nhận và trả kết quả, ${deskName}`,
    ReceiverName: delivery.recipientName,
    ReceiverPhone: nationalPhone(delivery.phone),
    ReceiverAddress: address.line,
    ...(present(address.fullText) && { ReceiverFullAddress: address.fullText }),
    ReceiverProvinceCode: address.provinceCode,
    ...(address.districtCode !== undefined && { ReceiverDistrictCode: address.districtCode }),
    ReceiverWardCode: address.wardCode,
    ContentDescription: `Kết quả giải quyết thủ tục hành chính: ${procedure.name} (hồ sơ ${dossier.code})`,
    ...(results.length > 0 && { Documents: results.map(documentToNative) }),
    PostagePaidBy: postagePaidBy(context.provincePaysPostage),
    ...(present(context.step.task) && { Note: clip(context.step.task, 1000) })
  }
  return { method: 'POST', body }
}

/** Who pays the postage: the province when the hub config says so (Decision 45/2016/QĐ-TTg), else the applicant. */
export const postagePaidBy = (provincePays: boolean | undefined): 'PROVINCE' | 'APPLICANT' => provincePays === true ? 'PROVINCE' : 'APPLICANT'

// ---------------------------------------------------------------- pickup (thu gom hồ sơ)

/** Where a collection request goes, relative to the endpoint. */
export const PICKUP_PATH = 'thu-gom-ho-so'
export const PICKUP_SERVICE_CODE: PostalPickup['ServiceCode'] = 'BCCI_TNHS'
export const PICKUP_SERVICE_NAME = 'Tiếp nhận hồ sơ giải quyết thủ tục hành chính qua dịch vụ bưu chính công ích'
/** Native pickup StatusCode → what happened. */
export const PICKUP_EVENT: Readonly<Record<PostalPickupStatus['StatusCode'], 'collected' | 'handed-over' | 'failed'>> = {
  110: 'collected',
  120: 'handed-over',
  150: 'failed'
}
export const PICKUP_LABEL: Readonly<Record<PostalPickupStatus['StatusCode'], string>> = {
  110: 'Đã thu gom hồ sơ',
  120: 'Đã bàn giao hồ sơ cho Bộ phận tiếp nhận và trả kết quả',
  150: 'Không thu gom được hồ sơ'
}

/** The collection request (tạo yêu cầu thu gom), POSTed to <endpoint>/thu-gom-ho-so. */
export function pickupRequest (order: PickupOrder, context: { agencyId: string, agencyCode?: string }): { method: 'POST', path: string, body: PostalPickup } {
  const customer = customerCode(context as OutboundContext)
  const deskName = present(order.desk.name) ? order.desk.name : order.desk.code
  const a = order.address
  const body: PostalPickup = {
    CustomerCode: customer,
    OrderNumber: order.dossierCode,
    ServiceCode: PICKUP_SERVICE_CODE,
    ServiceName: PICKUP_SERVICE_NAME,
    SenderName: clip(order.contactName, 300),
    SenderPhone: nationalPhone(order.phone),
    SenderAddress: clip(a.line, 500),
    ...(present(a.fullText) && { SenderFullAddress: clip(a.fullText, 1000) }),
    SenderProvinceCode: a.provinceCode,
    ...(a.districtCode !== undefined && { SenderDistrictCode: a.districtCode }),
    SenderWardCode: a.wardCode,
    ReceiverCode: order.desk.code,
    ReceiverName: `Bộ phận tiếp nhận và trả kết quả, ${deskName}`,
    ContentDescription: clip(`Hồ sơ thủ tục hành chính: ${order.procedureName} (hồ sơ ${order.dossierCode})`, 1000),
    ...(order.preferredDate !== undefined && { PreferredDate: order.preferredDate.replaceAll('-', '') }),
    PostagePaidBy: postagePaidBy(order.provincePaysPostage),
    ...(present(order.note) && { Note: clip(order.note, 1000) })
  }
  return { method: 'POST', path: PICKUP_PATH, body }
}

export type { PickupOrder, PickupUpdate }

/** A collection update (already validated against nativeSchemas.pickupStatus by the gateway), read. */
export function pickupStatus (native: PostalPickupStatus): PickupUpdate {
  const event = PICKUP_EVENT[native.StatusCode]
  if (native.StatusCode === 150 && !present(native.Reason)) throw new AdapterMappingError('StatusCode 150 (không thu gom được) needs Reason')
  if (native.StatusCode !== 110 && native.Postage !== undefined) throw new AdapterMappingError(`Postage belongs to StatusCode 110 (đã thu gom), not ${native.StatusCode}`)
  const place = present(native.PostOfficeName) ? ` — ${native.PostOfficeName}` : ''
  const parts = [
    `${PICKUP_LABEL[native.StatusCode]} ${native.ItemCode}${place}`,
    present(native.Postman) ? `Bưu tá: ${native.Postman}` : undefined,
    present(native.ReceivedBy) ? `Người nhận bàn giao: ${native.ReceivedBy}` : undefined,
    present(native.Reason) ? `Lý do: ${native.Reason}` : undefined,
    native.Note
  ].filter((p): p is string => present(p))
  return {
    event,
    dossierCode: native.OrderNumber,
    itemCode: native.ItemCode,
    at: nativeDateTime(native.StatusTime, 'StatusTime'),
    ...(native.Postage !== undefined && { postage: native.Postage }),
    note: clip(parts.join('. '), 2000)
  }
}

// ---------------------------------------------------------------- status

/** Fields that only belong with some codes; given with another, the update contradicts itself. */
function onlyWith (native: PostalStatus, fields: ReadonlyArray<keyof PostalStatus>, codes: readonly StatusCode[]): void {
  if (codes.includes(native.StatusCode)) return
  for (const f of fields) {
    if (native[f] !== undefined) throw new AdapterMappingError(`${f} does not belong to StatusCode ${native.StatusCode} (only to ${codes.join(', ')})`)
  }
}

/** Why an attempt failed or the parcel went back, in words: the code's label, and Reason. */
function reasonText (native: PostalStatus): string | undefined {
  const code = native.ReasonCode
  const words = present(native.Reason) ? native.Reason.trim() : undefined
  if (code === 'KHAC') {
    if (words === undefined) throw new AdapterMappingError('ReasonCode KHAC needs Reason (what happened)')
    return words
  }
  if (code === undefined) return words
  return words !== undefined ? `${REASON_LABEL[code]}: ${words}` : REASON_LABEL[code]
}

/** What happened, where, on which attempt; why it failed; who signed; the post office's note. */
function noteOf (native: PostalStatus, reason: string | undefined): string {
  const place = present(native.PostOfficeName)
    ? ` tại ${native.PostOfficeName}${native.PostOfficeCode !== undefined ? ` (${native.PostOfficeCode})` : ''}`
    : native.PostOfficeCode !== undefined ? ` tại bưu cục ${native.PostOfficeCode}` : ''
  const attempt = native.DeliveryAttempt !== undefined ? ` (lần ${native.DeliveryAttempt})` : ''
  const parts = [
    `${STATUS_LABEL[native.StatusCode]} ${native.ItemCode}${attempt}${place}`,
    native.StatusCode === 500 && reason !== undefined ? `Lý do: ${reason}` : undefined,
    native.SignedBy !== undefined ? `Người ký nhận: ${native.SignedBy}` : undefined,
    native.Note
  ].filter((p): p is string => present(p))
  return clip(parts.join('. '), 2000)
}

function status (native: PostalStatus): MappedStatus {
  const code = native.StatusCode
  const step = Object.hasOwn(STEP_STATUS, code) ? STEP_STATUS[code] : undefined
  if (step === undefined) throw new AdapterMappingError(`unknown StatusCode ${JSON.stringify(code)}`)
  onlyWith(native, ['SignedBy', 'ProofOfDelivery'], [400])
  onlyWith(native, ['ReasonCode', 'Reason'], [500, 600])
  onlyWith(native, ['DeliveryAttempt'], [300, 400, 500])
  if (code === 400 && !present(native.SignedBy)) throw new AdapterMappingError('StatusCode 400 (phát thành công) needs SignedBy (who signed for the parcel)')
  if (code === 500 && native.ReasonCode === undefined) throw new AdapterMappingError('StatusCode 500 (phát không thành công) needs ReasonCode (why the attempt failed)')
  if (code === 500 && native.ReasonCode === 'QUA_SO_LAN_PHAT') throw new AdapterMappingError('ReasonCode QUA_SO_LAN_PHAT ends the delivery: it belongs to StatusCode 600 (chuyển hoàn), not 500')
  const reason = reasonText(native)
  if (code === 600 && reason === undefined) throw new AdapterMappingError('StatusCode 600 (chuyển hoàn) needs ReasonCode or Reason (why the parcel went back)')

  const report: StatusReport = {
    status: step,
    occurredAt: nativeDateTime(native.StatusTime, 'StatusTime'),
    note: noteOf(native, reason),
    ...(present(native.Postman) && {
      officer: {
        name: native.Postman,
        ...(present(native.PostOfficeName) && { department: native.PostOfficeName })
      }
    }),
    agencyReference: native.ItemCode
  }
  if (step === 'rejected') report.reason = clip(`Bưu gửi ${native.ItemCode} chuyển hoàn về nơi gửi: ${reason ?? ''}`, 2000)
  const proof = native.ProofOfDelivery
  if (step === 'resolved' && proof !== undefined) {
    report.results = [{
      name: `Phiếu báo phát bưu gửi ${native.ItemCode}`,
      componentCode: PROOF_OF_DELIVERY_COMPONENT,
      url: proof.Link,
      sha256: proof.Sha256.toLowerCase(),
      ...(proof.MediaType !== undefined && { mediaType: proof.MediaType })
    }]
  }
  return { report, dossierCode: native.OrderNumber, step: RETURN_STEP }
}

// ---------------------------------------------------------------- receipt, withdrawal, supplement

/** VNPost answers a shipment request with the tracking number it assigned, ItemCode. */
const receipt = (response: AgencyResponse): string | undefined => receiptField(response, 'ItemCode')

/** The applicant withdrew the dossier: cancel the shipment order (hủy đơn hàng). */
function withdrawal (notice: WithdrawalNotice, context: OutboundContext): { method: 'POST', path: string, body: PostalWithdrawal } {
  const customer = customerCode(context)
  const itemCode = noticeReference(notice.agencyReference)
  const reason = notice.reason.trim()
  const body: PostalWithdrawal = {
    CustomerCode: customer,
    OrderNumber: notice.dossierCode,
    ...(itemCode !== undefined && { ItemCode: itemCode }),
    CancelReason: withdrawalReason(reason === '' ? '' : `Người nộp hồ sơ đã rút hồ sơ: ${reason}`, 1000),
    CancelTime: withdrawalTime(notice.withdrawnAt)
  }
  return { method: 'POST', path: WITHDRAWAL_PATH, body }
}

/**
 * VNPost takes no supplements: it carries results and examines no papers, so it never asks for
 * any (its tracking has no supplement-requested code). A notice addressed to it is a mistake.
 */
function supplement (notice: SupplementNotice): never {
  throw new AdapterMappingError(`VNPost takes no supplements: the postal service only carries results (bưu chính công ích) and never asks for papers, so supplement ${String(notice.sequence)} of dossier ${notice.dossierCode} (step ${notice.step}) has nowhere to go there`)
}

/**
 * VNPost asks for no fees through the hub: its tracking has no payment-requested code, and the
 * postage of a return or a pickup is settled outside the hub, as PostagePaidBy says. A payment
 * notice addressed to it (a postal step could only be payment-requested by a canonical report that
 * should not have been made) is a mistake, shown as a failed notice naming the step.
 */
function payment (notice: PaymentNotice): never {
  throw new AdapterMappingError(`VNPost takes no payment notices: the postal service asks for no fees through the hub (its tracking has no payment-requested code, and postage is settled as PostagePaidBy says), so payment ${notice.reference} of dossier ${notice.dossierCode} (step ${notice.step}) has nowhere to go there`)
}

function inbound (): never {
  throw new AdapterMappingError('VNPost submits no dossiers to the hub: the postal adapter only returns results (bưu chính công ích). A dossier that came by post is submitted by the one-stop desk that received it')
}

export const postalAdapter: AgencyAdapter<never, PostalRequest, PostalStatus> = {
  name: 'postal',
  description: 'VNPost (Bưu điện Việt Nam), bưu chính công ích: returns results to applicants by post (tạo đơn hàng chuyển phát kết quả, theo dõi hành trình bưu gửi, hủy đơn hàng).',
  nativeSchemas: {
    request: requestSchema,
    status: statusSchema,
    withdrawal: withdrawalSchema,
    pickup: pickupSchema,
    pickupStatus: pickupStatusSchema
  },
  inbound,
  outbound,
  status,
  receipt,
  withdrawal,
  supplement,
  payment,
  pickup: pickupRequest,
  pickupStatus: (native) => pickupStatus(native as PostalPickupStatus)
}

export default postalAdapter
