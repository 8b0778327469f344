/**
 * The receiving desk's own dossier code and receipt time in the land adapter's native submission
 * (VBDLIS: MaHoSo and NgayTiepNhan, the names its requests from the hub already use): test/adapters/desk-receipt.ts.
 */
import t from 'tap'
import { deskReceiptTests } from '../desk-receipt.ts'

deskReceiptTests(t, {
  adapter: 'land',
  agency: 'land-office',
  base: 'land-submission-transfer',
  desk: 'land-submission-desk-receipt',
  canonical: 'land-canonical-desk-receipt',
  fields: { code: 'MaHoSo', receivedAt: 'NgayTiepNhan', submittedAt: 'NgayNop', reference: 'SoBienNhan', receivingUnit: 'MaDonViTiepNhan' }
})
