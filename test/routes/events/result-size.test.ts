/**
 * A result passed on to a later step of a linked route (liên thông) is carried like an attachment:
 * with its SHA-256 and, when the issuing agency reported it, its size — in the canonical dossier
 * (the tax authority, generic format) and in the land office's own format (KetQuaBuocTruoc[].
 * KichThuoc). A result reported without a size carries none (the hub invents nothing). Real HTTP,
 * PostgreSQL and Redis; the agencies are a real server the test starts.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { build, example, post, startAgency, testSettings, waitFor, asAdmin } from '../../helper.ts'
import type { DossierSummary, StatusReport } from '../../../src/types/schemas.generated.ts'
import type { GenericRequest } from '../../../adapters/generic/native.generated.ts'
import type { LandRequest } from '../../../adapters/land/native.generated.ts'

const sha = (text: string): string => createHash('sha256').update(text).digest('hex')

t.test('land transfer: the land office\'s result reaches the tax authority and the land office again with its size and digest', async (t) => {
  const agencies = await startAgency(t)
  const hub = await build(t, { settings: testSettings({ agencyUrl: agencies.url }) })
  const submission = example('land-use-right-transfer')
  submission.source = { ...submission.source, reference: `${submission.source.reference}-size` }
  const res = await post(asAdmin(hub), submission)
  t.equal(res.statusCode, 201, res.body)
  const code = res.json<DossierSummary>().code
  let n = 0
  const report = async (agency: string, r: StatusReport): Promise<void> => {
    const answer = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: { eventId: `size-${++n}`, agency, report: r } })
    if (answer.statusCode !== 201) throw new Error(`report answered ${answer.statusCode}: ${answer.body}`)
  }
  const deliveries = (prefix: string): Array<{ body: unknown }> => agencies.requests.filter((r) => r.path.startsWith(prefix) && !/bo-sung|supplements|withdrawals|rut-ho-so|payments|thanh-toan/.test(r.path))

  await waitFor(() => deliveries('/land-office').length === 1, 'the land office, first step')
  const cadastral = { name: 'Phiếu chuyển thông tin địa chính', componentCode: 'KQ-DC-01', url: 'https://vbdlis.thanhhoa.gov.vn/ketqua/phieu.pdf', sha256: sha('phieu'), mediaType: 'application/pdf', byteSize: 184320 }
  await report('land-office', { status: 'resolved', results: [cadastral] })

  await waitFor(() => deliveries('/tax').length === 1, 'the tax authority')
  const tax = deliveries('/tax')[0]?.body as GenericRequest
  t.match(tax.dossier.results, [{ componentCode: 'KQ-DC-01', sha256: cadastral.sha256, byteSize: 184320 }], 'the tax authority gets the result with its size and digest')

  const notice = { name: 'Thông báo nộp thuế', componentCode: 'KQ-THUE-01', url: 'https://thuedientu.gdt.gov.vn/tb.pdf', sha256: sha('tb') }
  await report('tax', { status: 'resolved', results: [notice] })
  await waitFor(() => deliveries('/land-office').length === 2, 'the land office, certificate step')
  const land = deliveries('/land-office')[1]?.body as LandRequest
  t.match(land.KetQuaBuocTruoc, [
    { MaThanhPhanHoSo: 'KQ-DC-01', MaBam: cadastral.sha256, KichThuoc: 184320 },
    { MaThanhPhanHoSo: 'KQ-THUE-01', MaBam: notice.sha256 }
  ], 'the land office gets both earlier results in its own format, the first with its size (KichThuoc)')
  t.notOk(land.KetQuaBuocTruoc?.[1] !== undefined && 'KichThuoc' in land.KetQuaBuocTruoc[1], 'a result reported without a size carries none')
})
