import t from 'tap'
import { BIRTH, build, ELECTRICITY, example, post, startAgency, storedDossiers, waitFor, deliveriesSettled, asAdmin } from '../../helper.ts'
import type { Dossier, DossierSummary } from '../../../src/types/schemas.generated.ts'

t.test('each example dossier: 201 with code and Location, delivered to its agency, visible in GET', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  for (const [name, procedure, agencyId, path] of [
    ['birth-registration', BIRTH, 'civil-status', '/justice'],
    ['electricity-new-connection', ELECTRICITY, 'evn', '/evn']
  ] as const) {
    const submission = example(name)
    const res = await post(asAdmin(hub), submission)
    t.equal(res.statusCode, 201, `${name}: 201`)
    const receipt = res.json<DossierSummary>()
    t.match(receipt.code, new RegExp(`^${submission.procedure.receivingAgency.code.replaceAll('.', '\\.')}-\\d{6}-0001$`), `${name}: code in the official format`)
    t.equal(res.headers.location, `/v1/dossiers/${receipt.code}`)
    t.equal(receipt.status, 'received')
    t.equal(receipt.statusCode, 2)
    t.equal(Object.keys(receipt.routing)[0], agencyId, 'the first step of its route')
    t.equal(receipt.procedure.code, procedure)

    const delivered = await waitFor(async () => {
      const d = (await asAdmin(hub).inject({ url: `/v1/dossiers/${receipt.code}` })).json<Dossier>()
      return d.routing?.[agencyId]?.state === 'delivered' ? d : undefined
    }, `${name} delivered`)
    t.equal(delivered.code, receipt.code)
    t.same(delivered.applicant, submission.applicant, 'applicant kept as submitted')
    t.same(delivered.data, submission.data, 'procedure data kept as submitted')
    t.equal(delivered.routing?.[agencyId]?.attempts, 1)
    t.ok(delivered.routing?.[agencyId]?.deliveredAt, 'deliveredAt recorded')

    const got = agency.requests.filter((r) => r.path === path)
    t.equal(got.length, 1, `${name}: the agency got exactly one request`)
    t.equal(got[0]?.headers['idempotency-key'], `${receipt.code}/${agencyId}`, 'idempotency key = dossier code + step')
  }
  // each agency received its native format
  const evn = agency.requests.find((r) => r.path === '/evn')?.body as Record<string, unknown>
  t.equal(evn.loaiYeuCau, 'CAP_DIEN_MOI_HA_AP')
  t.equal(evn.congSuatDangKy, 5)
  const justice = agency.requests.find((r) => r.path === '/justice')?.body as Record<string, unknown>
  t.equal(justice.maTTHC, BIRTH)
  t.equal(justice.loaiHoSo, 'KS', 'the civil-status software\'s birth module')
  t.notOk('routing' in justice, 'agencies do not receive the hub\'s routing state')
  // agency receipts are recorded
  const evnDossier = await hub.store.get(evn.maYeuCau as string)
  t.match(evnDossier?.routing?.evn?.agencyReference, /^EVN-\d+$/)
})

t.test('receive once: the same Idempotency-Key returns the same dossier and creates nothing', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const first = await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': 'portal-key-1' })
  t.equal(first.statusCode, 201)
  const again = await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': 'portal-key-1' })
  t.equal(again.statusCode, 200)
  t.equal(again.json<DossierSummary>().code, first.json<DossierSummary>().code)
  t.equal(again.headers.location, first.headers.location)
  // key order does not make a submission different
  const reordered = Object.fromEntries(Object.entries(example('birth-registration')).reverse())
  const third = await post(asAdmin(hub), reordered, { 'idempotency-key': '"portal-key-1"' })
  t.equal(third.statusCode, 200, 'same content in another key order, key as a structured-field string')
  t.equal(await storedDossiers(hub), 1, 'one dossier stored')
  await waitFor(() => agency.requests.length >= 1, 'delivery')
  await deliveriesSettled(hub)
  t.equal(agency.requests.length, 1, 'one delivery')
})

t.test('receive once: the same source system + reference without a key returns the same dossier', async (t) => {
  const hub = await build(t, { role: 'api' })
  const first = await post(asAdmin(hub), example('electricity-new-connection'))
  const again = await post(asAdmin(hub), example('electricity-new-connection'), { 'idempotency-key': 'new-key' })
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 200)
  t.equal(again.json<DossierSummary>().code, first.json<DossierSummary>().code)
  const third = await post(asAdmin(hub), example('electricity-new-connection'), { 'idempotency-key': 'new-key' })
  t.equal(third.statusCode, 200, 'the new key now leads to the same dossier')
  t.equal(await storedDossiers(hub), 1)
})

t.test('409 when a key or source reference comes back with different content; nothing changes', async (t) => {
  const hub = await build(t, { role: 'api' })
  const first = await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': 'k-409' })
  t.equal(first.statusCode, 201)
  const code = first.json<DossierSummary>().code
  const before = await hub.store.get(code)

  const changed = example('birth-registration')
  changed.summary = 'something else'
  changed.source.reference = 'DVC-OTHER'
  const byKey = await post(asAdmin(hub), changed, { 'idempotency-key': 'k-409' })
  t.equal(byKey.statusCode, 409)
  t.match(byKey.headers['content-type'], /^application\/problem\+json/)
  t.equal(byKey.json().code, 'HUB_ERR_IDEMPOTENCY_CONFLICT')
  t.match(byKey.json().detail, code)

  const sameRef = example('birth-registration')
  sameRef.summary = 'changed content, same source reference'
  const byRef = await post(asAdmin(hub), sameRef)
  t.equal(byRef.statusCode, 409)

  t.equal(await storedDossiers(hub), 1, 'still one dossier')
  t.same(await hub.store.get(code), before, 'the stored dossier is unchanged')
})

t.test('50 concurrent copies: exactly one dossier, one delivery', async (t) => {
  const agency = await startAgency(t)
  const hub = await build(t, { agencyUrl: agency.url })
  const byKey = await Promise.all(Array.from({ length: 50 }, async () => await post(asAdmin(hub), example('birth-registration'), { 'idempotency-key': 'burst' })))
  const bySource = await Promise.all(Array.from({ length: 50 }, async () => await post(asAdmin(hub), example('electricity-new-connection'))))
  for (const [label, answers] of [['same key', byKey], ['same source reference', bySource]] as const) {
    t.equal(answers.filter((r) => r.statusCode === 201).length, 1, `${label}: one 201`)
    t.equal(answers.filter((r) => r.statusCode === 200).length, 49, `${label}: 49 × 200`)
    t.equal(new Set(answers.map((r) => r.json<DossierSummary>().code)).size, 1, `${label}: one code`)
  }
  t.equal(await storedDossiers(hub), 2, 'two dossiers in all')
  await waitFor(() => agency.requests.length >= 2, 'deliveries')
  await deliveriesSettled(hub)
  t.equal(agency.requests.length, 2, 'one delivery each')
})

t.test('the dossier code counter under concurrency: no two dossiers share a code', async (t) => {
  const hub = await build(t, { role: 'api' })
  const n = 120
  const answers = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const s = example('electricity-new-connection')
    s.source.reference = `REF-${i}`
    return await post(asAdmin(hub), s)
  }))
  t.ok(answers.every((r) => r.statusCode === 201), 'all created')
  const codes = answers.map((r) => r.json<DossierSummary>().code)
  t.equal(new Set(codes).size, n, 'all codes distinct')
  const sequences = codes.map((c) => Number(c.split('-').at(-1))).sort((a, b) => a - b)
  t.same(sequences, Array.from({ length: n }, (_, i) => i + 1), 'the day numbering is 1..n without gaps')
})

t.test('the code uses the Vietnam date and a counter per receiving agency per day', async (t) => {
  let now = new Date('2026-11-23T16:59:59.000Z') // 23:59:59 in Vietnam
  const hub = await build(t, { role: 'api', now: () => now })
  const submit = async (agencyCode: string, ref: string): Promise<string> => {
    const s = example('electricity-new-connection')
    s.procedure.receivingAgency.code = agencyCode
    s.source.reference = ref
    const r = await post(asAdmin(hub), s)
    t.equal(r.statusCode, 201)
    return r.json<DossierSummary>().code
  }
  t.equal(await submit('000.00.06.H56', 'a'), '000.00.06.H56-261123-0001')
  t.equal(await submit('000.00.06.H56', 'b'), '000.00.06.H56-261123-0002')
  t.equal(await submit('000.00.07.H56', 'c'), '000.00.07.H56-261123-0001', 'another agency counts on its own')
  now = new Date('2026-11-23T17:00:00.000Z') // midnight in Vietnam
  t.equal(await submit('000.00.06.H56', 'd'), '000.00.06.H56-261124-0001', 'a new Vietnam day starts again at 0001')
  const d = await hub.store.get('000.00.06.H56-261124-0001')
  t.equal(d?.receivedAt, '2026-11-24T00:00:00.000+07:00', 'receivedAt in Vietnam time with offset')
})
