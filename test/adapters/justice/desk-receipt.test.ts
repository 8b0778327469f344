/**
 * The receiving desk's own dossier code and receipt time in the justice adapter's native submission
 * (the justice software: maHoSo and ngayTiepNhan, the names its requests from the hub already use): test/adapters/desk-receipt.ts.
 */
import t from 'tap'
import { deskReceiptTests } from '../desk-receipt.ts'

deskReceiptTests(t, {
  adapter: 'justice',
  agency: 'justice',
  base: 'justice-submission-birth-registration',
  desk: 'justice-submission-desk-receipt',
  canonical: 'justice-canonical-desk-receipt',
  fields: { code: 'maHoSo', receivedAt: 'ngayTiepNhan', submittedAt: 'ngayNop', reference: 'soBienNhan', receivingUnit: 'maDonViTiepNhan' }
})
