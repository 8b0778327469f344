/**
 * Vietnamese text in NFC (issue 14, point 3): decomposed text (NFD, as some keyboards and older
 * systems send it) and precomposed text are one text. Every inbound body is stored in NFC, and the
 * two spellings of one submission, event or supplement are one (no second dossier, no 409).
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { build, dossierRow, example, post, storedDossiers, waitFor, asAdmin, type InjectResponse } from '../helper.ts'
import { mayHoldNonNfc, toNfc } from '../../src/validation/text.ts'
import type { Dossier, DossierSummary, HistoryEntry } from '../../src/types/schemas.generated.ts'
import { goldenPath } from '../golden-files.ts'

const nfd = (text: string): string => text.normalize('NFD')
const isNfc = (text: string): boolean => text.normalize('NFC') === text

/** Every string of a JSON value (names included) in NFD. */
const deepNfd = (value: unknown): unknown => JSON.parse(nfd(JSON.stringify(value)))

/** Every string of a JSON text, names included. */
function strings (value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) strings(v, out)
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) { out.push(k); strings(v, out) }
  return out
}

t.test('toNfc: every string and name, in place, without recursion; NFC text needs no walk', async (t) => {
  const decomposed = nfd('Nguyễn Thị Hoa')
  t.not(decomposed, 'Nguyễn Thị Hoa', 'the test text is really decomposed')
  const body = { [nfd('họ tên')]: decomposed, list: [decomposed, 1, null, { deep: [decomposed] }], n: 5 }
  const out = toNfc(body) as Record<string, unknown>
  t.same(out, { 'họ tên': 'Nguyễn Thị Hoa', list: ['Nguyễn Thị Hoa', 1, null, { deep: ['Nguyễn Thị Hoa'] }], n: 5 })
  t.same(Object.keys(out), ['họ tên', 'list', 'n'], 'names keep their order')
  t.equal(toNfc(decomposed), 'Nguyễn Thị Hoa')
  let deep: unknown = decomposed
  for (let i = 0; i < 100_000; i++) deep = [deep]
  t.doesNotThrow(() => toNfc(deep), 'a deeply nested body cannot overflow the stack')
  t.notOk(mayHoldNonNfc(JSON.stringify({ name: 'Nguyễn Thị Hoa' })), 'precomposed text: no walk')
  t.notOk(mayHoldNonNfc('{"a":"plain ascii \\u0041 \\n"}'), 'ASCII escapes: no walk')
  t.ok(mayHoldNonNfc(JSON.stringify({ name: decomposed })), 'decomposed text: walked')
  t.ok(mayHoldNonNfc('{"name":"Nguye\\u0302\\u0303n"}'), 'escaped non-ASCII: walked')
})

t.test('the NFD and the NFC spelling of one submission are one dossier, stored in NFC (no 409)', async (t) => {
  const hub = await build(t, { role: 'api' })
  const submission = example('birth-registration')
  const first = await post(asAdmin(hub), deepNfd(submission), { 'idempotency-key': 'nfd-1' })
  t.equal(first.statusCode, 201, 'NFD first')
  const { code } = first.json<DossierSummary>()
  const again = await post(asAdmin(hub), submission, { 'idempotency-key': 'nfd-1' })
  t.equal(again.statusCode, 200, 'the same key with the same submission precomposed: the same dossier, not a conflict')
  t.equal(again.json<DossierSummary>().code, code)
  const bySource = await post(asAdmin(hub), submission)
  t.equal(bySource.statusCode, 200, 'the same source reference, precomposed: the same dossier')
  t.equal(await storedDossiers(hub), 1)

  const d = (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>()
  t.equal(d.applicant.fullName, 'Nguyễn Thị Hoa')
  t.same(d.data, submission.data, 'procedure data precomposed, as the NFC spelling')
  const row = await dossierRow(hub, code)
  t.ok(strings(row?.doc).every(isNfc), 'every text of the record is NFC')

  // escaped decomposed text (\u0302\u0303, as JSON writers that escape non-ASCII send it) is NFC too
  const escaped = JSON.stringify(deepNfd(submission)).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  t.equal((await post(asAdmin(hub), escaped)).statusCode, 200, 'escaped NFD: the same dossier')
  t.equal(await storedDossiers(hub), 1)
})

t.test('content matching across systems compares the normalized text', async (t) => {
  const hub = await build(t, { role: 'api' })
  const portal = example('electricity-new-connection')
  t.equal((await post(asAdmin(hub), portal)).statusCode, 201)
  // another system sends the same content decomposed, under its own reference
  const other = deepNfd(portal) as typeof portal
  other.source = { system: 'desk-app', reference: 'QUAY-1' }
  const res = await post(asAdmin(hub), other)
  t.equal(res.statusCode, 200, 'recognised as the dossier already held')
  t.equal(await storedDossiers(hub), 1)
})

t.test('an agency\'s native submission, events and supplements: NFD and NFC are one, stored in NFC', async (t) => {
  const hub = await build(t, { role: 'api' })
  const native = JSON.parse(readFileSync(goldenPath('justice-submission-birth-registration.json'), 'utf8')) as unknown
  const send = async (body: unknown): Promise<InjectResponse> =>
    await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })
  const first = await send(deepNfd(native))
  t.equal(first.statusCode, 201)
  const { code } = first.json<DossierSummary>()
  t.equal((await send(native)).statusCode, 200, 'the precomposed copy is the same dossier')
  t.ok(strings((await dossierRow(hub, code))?.doc).every(isNfc), 'stored in NFC')

  const event = (note: string): object => ({ eventId: 'ev-1', agency: 'justice', report: { status: 'supplement-requested', note, missing: [{ componentCode: 'KS-01', name: 'Giấy chứng sinh bản chính', note: 'bản chụp không rõ' }] } })
  const r1 = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: deepNfd(event('Đề nghị bổ sung giấy chứng sinh')) as object })
  t.equal(r1.statusCode, 201, r1.body)
  const r2 = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/events`, payload: event('Đề nghị bổ sung giấy chứng sinh') })
  t.equal(r2.statusCode, 200, 'the same event precomposed: a repeat, not a conflict')
  const entries = (await asAdmin(hub).inject(`/v1/dossiers/${code}/history`)).json<{ entries: HistoryEntry[] }>().entries
  t.ok(strings(entries).every(isNfc), 'the history is NFC')

  const supplement = (note: string): object => ({ supplementId: 'S-1', note, attachments: [{ componentCode: 'KS-01', componentName: 'Giấy chứng sinh', fileName: 'giấy-chứng-sinh.pdf', mediaType: 'application/pdf', byteSize: 10, sha256: 'a'.repeat(64), url: 'https://dvc.example/tep/giay-chung-sinh.pdf' }] })
  await waitFor(async () => (await asAdmin(hub).inject(`/v1/dossiers/${code}`)).json<Dossier>().status === 'supplement-requested', 'supplement requested')
  const s1 = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: deepNfd(supplement('Bản chính giấy chứng sinh')) as object })
  t.equal(s1.statusCode, 201, s1.body)
  const s2 = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/supplements`, payload: supplement('Bản chính giấy chứng sinh') })
  t.equal(s2.statusCode, 200, 'the same supplement precomposed: a repeat, not a conflict')
  const [stored] = await hub.db.sql<Array<{ note: string, attachments: string }>>`select note, attachments::text as attachments from supplements`
  t.equal(stored?.note, 'Bản chính giấy chứng sinh')
  t.match(stored?.attachments, 'giấy-chứng-sinh.pdf')
})
