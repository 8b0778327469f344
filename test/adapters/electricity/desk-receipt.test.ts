/**
 * The receiving desk's own dossier code and receipt time in the electricity adapter's native submission
 * (the power company's system: maHoSo and ngayTiepNhan (camelCase, as ngayTiepNhan in its requests from the hub)): test/adapters/desk-receipt.ts.
 */
import t from 'tap'
import { deskReceiptTests } from '../desk-receipt.ts'

deskReceiptTests(t, {
  adapter: 'electricity',
  agency: 'evn',
  base: 'electricity-submission-contract-holder-change',
  desk: 'electricity-submission-desk-receipt',
  canonical: 'electricity-canonical-desk-receipt',
  fields: { code: 'maHoSo', receivedAt: 'ngayTiepNhan', submittedAt: 'ngayYeuCau', reference: 'maYeuCauDienLuc', receivingUnit: 'maDonViTiepNhan' }
})
