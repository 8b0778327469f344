/**
 * Trạng thái hồ sơ — the national portal's dossier statuses (codes 1–10) by canonical name.
 * The names are the canonical schema's `status` enum; the transition table is in lifecycle.ts.
 * Report groups: in progress 2, 4; paused 5, 6 (the applicant must act; the clock stops); ended
 * without a result 3 (not accepted at the desk), 7 (withdrawn), 8 (stopped: handling ended, no way
 * out); done 9, 10.
 */
import type { Dossier } from '../types/schemas.generated.ts'

export type DossierStatus = Dossier['status']

export interface StatusInfo {
  code: number
  /** Vietnamese name as the national portal uses it */
  vi: string
  group: 'new' | 'in-progress' | 'paused' | 'done' | 'ended'
}

export const STATUSES: Readonly<Record<DossierStatus, StatusInfo>> = {
  new: { code: 1, vi: 'Mới đăng ký', group: 'new' },
  received: { code: 2, vi: 'Được tiếp nhận', group: 'in-progress' },
  'not-accepted': { code: 3, vi: 'Không được tiếp nhận', group: 'ended' },
  processing: { code: 4, vi: 'Đang xử lý', group: 'in-progress' },
  'supplement-requested': { code: 5, vi: 'Yêu cầu bổ sung giấy tờ', group: 'paused' },
  'payment-requested': { code: 6, vi: 'Yêu cầu thực hiện nghĩa vụ tài chính', group: 'paused' },
  withdrawn: { code: 7, vi: 'Công dân yêu cầu rút hồ sơ', group: 'ended' },
  // stopped ends handling (Decision 766/QĐ-TTg counts it with 3 and 7 as an end), it does not pause it
  stopped: { code: 8, vi: 'Dừng xử lý', group: 'ended' },
  resolved: { code: 9, vi: 'Đã xử lý xong', group: 'done' },
  returned: { code: 10, vi: 'Đã trả kết quả', group: 'done' }
}

export function nationalStatusCode (status: DossierStatus): number {
  return STATUSES[status].code
}

const byCode = new Map(Object.entries(STATUSES).map(([name, info]) => [info.code, name as DossierStatus]))

export function statusFromNationalCode (code: number): DossierStatus | undefined {
  return byCode.get(code)
}

/** The status a dossier has once the hub has received it. */
export const STATUS_ON_RECEIPT: DossierStatus = 'received'
