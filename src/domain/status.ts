/**
 * Trạng thái hồ sơ — the national portal's dossier statuses (codes 1–10) by canonical name.
 * The names are the canonical schema's `status` enum; the transition table comes with the
 * lifecycle work.
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
  stopped: { code: 8, vi: 'Dừng xử lý', group: 'paused' },
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
