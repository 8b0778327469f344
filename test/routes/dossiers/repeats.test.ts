/**
 * A repeat of the same bytes (a portal's retry) is answered from the record's receive-once lookup,
 * without the whole intake (routes/dossiers.ts' preValidation, IntakeService.repeat); anything
 * that is not the same bytes from the same sender under the same key goes the whole way.
 */
import t from 'tap'
import type { Test } from 'tap'
import { build, example, post, startAgency, waitFor, asAdmin, asPortal, type TestHub } from '../../helper.ts'
import type { Dossier, DossierSummary } from '../../../src/types/schemas.generated.ts'

/** counts the whole-way intakes of `hub` (IntakeService.submit) from now on */
function countSubmits (t: Test, hub: TestHub): { readonly n: number } {
  const intake = hub.app.hub.intake
  const original = intake.submit
  const counter = { n: 0 }
  intake.submit = async function (...args) { counter.n++; return await original.apply(this, args) }
  t.teardown(() => { intake.submit = original })
  return counter
}

/** A test hub with its intakes counted, and the birth registration example submitted once by the portal. */
async function firstSubmitted (t: Test): Promise<{ hub: TestHub, submits: { readonly n: number }, submission: ReturnType<typeof example>, body: string, first: Awaited<ReturnType<typeof post>> }> {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const submits = countSubmits(t, hub)
  const submission = example('birth-registration')
  const body = JSON.stringify(submission)
  const first = await post(asPortal(hub), body)
  t.equal(first.statusCode, 201)
  return { hub, submits, submission, body, first }
}

t.test('the same bytes again are answered with the dossier as it is now, without the whole intake', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const submits = countSubmits(t, hub)
  const body = JSON.stringify(example('birth-registration'))
  const first = await post(asPortal(hub), body, { 'idempotency-key': 'k-1' })
  t.equal(first.statusCode, 201)
  const { code } = first.json<DossierSummary>()
  t.equal(first.json<DossierSummary>().routing?.['civil-status']?.state, 'pending', 'not delivered yet when first answered')
  await waitFor(async () => (await asAdmin(hub).inject({ url: `/v1/dossiers/${code}` })).json<Dossier>().routing?.['civil-status']?.state === 'delivered', 'delivered')
  for (let i = 0; i < 3; i++) {
    const again = await post(asPortal(hub), body, { 'idempotency-key': 'k-1' })
    t.equal(again.statusCode, 200, `repeat ${i + 1}: 200`)
    t.equal(again.json<DossierSummary>().code, code)
    t.equal(again.headers.location, `/v1/dossiers/${code}`)
    t.equal(again.json<DossierSummary>().routing?.['civil-status']?.state, 'delivered', 'the dossier as it is now')
  }
  t.equal(submits.n, 1, 'only the first went the whole way')
  // every repeat is on the dossier's audit trail, like any other
  const trail = await waitFor(async () => {
    const res = await asAdmin(hub).inject({ url: `/v1/dossiers/${code}/audit` })
    const entries = res.json<{ entries: Array<{ action: string, status: number }> }>().entries
    return entries.filter((e) => e.action === 'submit' && e.status === 200).length === 3 ? entries : undefined
  }, 'three repeats audited')
  t.equal(trail.filter((e) => e.action === 'submit' && e.status === 201).length, 1)
})

t.test('other bytes, another sender or another key go the whole way', async (t) => {
  const { hub, submits, submission, body, first } = await firstSubmitted(t)
  const { code } = first.json<DossierSummary>()

  // the same submission with its keys in another order: other bytes, one dossier
  const reordered = await post(asPortal(hub), JSON.stringify(Object.fromEntries(Object.entries(submission).reverse())))
  t.equal(reordered.statusCode, 200)
  t.equal(reordered.json<DossierSummary>().code, code)
  t.equal(submits.n, 2, 'other bytes: the whole way')

  // another sender, the same bytes
  const byAdmin = await post(asAdmin(hub), body)
  t.equal(byAdmin.statusCode, 200)
  t.equal(submits.n, 3, 'another sender: the whole way')

  // the same bytes under a new key: the whole way, which binds the key to the dossier…
  const keyed = await post(asPortal(hub), body, { 'idempotency-key': 'k-new' })
  t.equal(keyed.statusCode, 200)
  t.equal(keyed.json<DossierSummary>().code, code)
  t.equal(submits.n, 4, 'a new key: the whole way')
  // …so the key with other content is a conflict
  const other = await post(asPortal(hub), { ...submission, source: { ...submission.source, reference: 'OTHER-REF' } }, { 'idempotency-key': 'k-new' })
  t.equal(other.statusCode, 409)

  // a bad key is refused as before, however often the body was seen
  const bad = await post(asPortal(hub), body, { 'idempotency-key': 'bad key with spaces' })
  t.equal(bad.statusCode, 400)
})

t.test('the record stays the judge: a repeat it no longer knows goes the whole way', async (t) => {
  const { hub, submits, submission, body, first } = await firstSubmitted(t)
  t.equal((await post(asPortal(hub), body)).statusCode, 200)
  t.equal(submits.n, 1)
  // the receive-once reference is gone (as retention deletes it with its dossier)
  await hub.db.sql`delete from source_refs where system = ${submission.source.system} and reference = ${submission.source.reference}`
  const after = await post(asPortal(hub), body)
  t.equal(submits.n, 2, 'the whole way')
  t.equal(after.statusCode, 201, 'received as new: the record no longer knew it')
  t.not(after.json<DossierSummary>().code, first.json<DossierSummary>().code)
})

/** counts JSON.parse calls on exactly `text` from now on (the JSON parser's work on that body) */
function countParses (t: Test, text: string): { readonly n: number } {
  const original = JSON.parse
  const counter = { n: 0 }
  JSON.parse = function (this: JSON, source: string, reviver?: Parameters<typeof original>[1]) {
    if (source === text) counter.n++
    return original.call(this, source, reviver)
  } as typeof JSON.parse
  t.teardown(() => { JSON.parse = original })
  return counter
}

t.test('a known repeat\'s JSON text is not parsed; when the record no longer answers it, it is parsed (in NFC) and goes the whole way', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const submits = countSubmits(t, hub)
  const submission = example('birth-registration')
  // decomposed Vietnamese in the text: what the parser turns to NFC, deferred or not
  const nfd = { ...submission, source: { ...submission.source, reference: 'NFD-REPEAT-1' }, applicant: { ...submission.applicant, fullName: 'Nguyễn Thị Hằng'.normalize('NFD') } }
  const body = JSON.stringify(nfd)
  t.not(body, body.normalize('NFC'), 'the body really is decomposed')
  const parses = countParses(t, body)
  const first = await post(asPortal(hub), body, { 'idempotency-key': 'k-defer' })
  t.equal(first.statusCode, 201)
  t.ok(parses.n >= 1, 'the first is parsed')
  const before = parses.n
  for (let i = 0; i < 3; i++) t.equal((await post(asPortal(hub), body, { 'idempotency-key': 'k-defer' })).statusCode, 200)
  t.equal(parses.n, before, 'three known repeats: their text not parsed')
  t.equal(submits.n, 1)

  // the record forgets the key and the reference (retention deleted the dossier's receive-once rows)
  await hub.db.sql`delete from idempotency_keys where dossier_id = (select id from dossiers where code = ${first.json<DossierSummary>().code})`
  await hub.db.sql`delete from source_refs where system = ${nfd.source.system} and reference = ${nfd.source.reference}`
  const after = await post(asPortal(hub), body, { 'idempotency-key': 'k-defer' })
  t.equal(after.statusCode, 201, 'received as new: the record no longer knew it')
  t.ok(parses.n > before, 'parsed once the record did not answer it')
  t.equal(submits.n, 2, 'the whole way')
  const stored = await asAdmin(hub).inject({ url: `/v1/dossiers/${after.json<DossierSummary>().code}` })
  t.equal(stored.json<Dossier>().applicant.fullName, 'Nguyễn Thị Hằng'.normalize('NFC'), 'stored in NFC, as any body')
})
