/**
 * The receiving desk's own dossier code and receipt time in an agency's native submission (issue 14
 * point 2): each adapter that takes submissions names them in its dialect and maps them to the
 * canonical `code` and `receivedAt`, so the hub checks them as it checks a portal's (format, the
 * receiving unit and the receipt date in the code, 409 when another dossier holds the code, not in
 * the future, not before the submission, not older than the bound). Shared by
 * test/adapters/<name>/desk-receipt.test.ts: the golden mapping, then the checks through a hub
 * whose clock is fixed (the results do not depend on the day the tests run).
 */
import type { Test } from 'tap'
import { readFileSync } from 'node:fs'
import { build, storedDossiers, asAdmin, type InjectResponse } from '../helper.ts'
import { expectGolden, goldenPath } from '../golden-files.ts'
import { adapters } from '../../adapters/index.ts'
import { fromCompactVietnam, toCompactVietnam } from '../../adapters/shared/vietnam-datetime.ts'
import type { Dossier, DossierSummary, FieldProblem } from '../../src/types/schemas.generated.ts'

export interface DeskReceiptCase {
  adapter: string
  /** the hub's agency id whose software submits */
  agency: string
  /** golden native submission without the desk's code and time */
  base: string
  /** the same with them (`<adapter>-submission-desk-receipt`), and the canonical it maps to */
  desk: string
  canonical: string
  /** native field names */
  fields: { code: string, receivedAt: string, submittedAt: string, reference: string, receivingUnit: string }
}

type Native = Record<string, unknown>
const golden = <T = Native>(name: string): T => JSON.parse(readFileSync(goldenPath(`${name}.json`), 'utf8')) as T
const pretty = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`
interface Problem { code?: string, detail?: string, errors?: FieldProblem[] }

/** The hub's clock in these tests: Thu 26 Nov 2026, 15:20 in Vietnam. */
const NOW = '2026-11-26T15:20:00+07:00'
const minutes = (n: number): number => n * 60_000

export function deskReceiptTests (t: Test, c: DeskReceiptCase): void {
  const adapter = adapters.get(c.adapter)
  if (adapter === undefined) throw new Error(`no adapter ${c.adapter}`)
  const f = c.fields

  t.test(`${c.adapter}: the desk's code and receipt time map to the canonical code and receivedAt (golden)`, async (t) => {
    const native = golden(c.desk)
    const base = golden(c.base)
    t.same(Object.keys(native).filter((k) => !(k in base)).sort(), [f.code, f.receivedAt].sort(), 'the desk variant adds exactly the two fields')
    const canonical = adapter.inbound(native as never, { agencyId: c.agency })
    expectGolden(t, `${c.canonical}.json`, pretty(canonical), 'byte for byte as the golden file')
    t.equal(canonical.code, native[f.code], `${f.code} → code`)
    t.equal(canonical.receivedAt, fromCompactVietnam(native[f.receivedAt] as string), `${f.receivedAt} (Vietnam time) → receivedAt with +07:00`)
    const without = adapter.inbound(base as never, { agencyId: c.agency })
    t.notOk('code' in without || 'receivedAt' in without, 'without them: none (the hub issues both)')
    t.same(adapter.submissionPointers, { '/code': `/${f.code}`, '/receivedAt': `/${f.receivedAt}` }, 'the adapter says where they come from')
    t.throws(() => adapter.inbound({ ...native, [f.receivedAt]: '20261131090000' } as never, { agencyId: c.agency }), new RegExp(`${f.receivedAt} is not a real yyyyMMddHHmmss`), 'an impossible date names the field')
  })

  t.test(`${c.adapter}: through the hub, checked as a portal's: kept, 409 when held, 400 naming the native field; nothing stored on a refusal`, async (t) => {
    const hub = await build(t, { role: 'api', now: () => new Date(NOW) })
    const base = golden(c.base)
    const unit = base[f.receivingUnit] as string
    const now = Date.parse(NOW)
    let n = 0
    /** the base submission, received by the desk `receivedAgo` minutes ago, submitted `submittedAgo` minutes ago, with a code of that receipt day */
    const body = (receivedAgo: number, submittedAgo: number, extra: Native = {}): Native => {
      const received = toCompactVietnam(new Date(now - minutes(receivedAgo)).toISOString())
      n++
      return {
        ...base,
        [f.reference]: `${String(base[f.reference])}-Q${n}`,
        [f.submittedAt]: toCompactVietnam(new Date(now - minutes(submittedAgo)).toISOString()),
        [f.receivedAt]: received,
        [f.code]: `${unit}-${received.slice(2, 8)}-${String(400 + n).padStart(4, '0')}`,
        ...extra
      }
    }
    const submit = async (native: Native): Promise<InjectResponse> =>
      await asAdmin(hub).inject({ method: 'POST', url: `/v1/agencies/${c.agency}/dossiers`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(native) })

    // an hour ago at the desk (14:20, before the 15:00 cut-off), forwarded now
    const first = body(60, 70)
    const res = await submit(first)
    t.equal(res.statusCode, 201, `201: ${res.body.slice(0, 300)}`)
    const summary = res.json<DossierSummary>()
    t.equal(summary.code, first[f.code], 'the dossier has the desk\'s code')
    const dossier = (await asAdmin(hub).inject(`/v1/dossiers/${summary.code}`)).json<Dossier>()
    t.equal(Date.parse(dossier.receivedAt), now - minutes(60), 'its receipt time is the desk\'s')
    t.equal(Date.parse(dossier.arrivedAt ?? ''), now, 'the hub\'s own arrival kept beside it')
    const again = await submit(first)
    t.same([again.statusCode, again.json<DossierSummary>().code], [200, summary.code], 'the same submission again: the same dossier')

    const taken = await submit({ ...body(30, 40), [f.code]: first[f.code] })
    t.equal(taken.statusCode, 409, 'another dossier with that code: 409')
    t.equal(taken.json<Problem>().code, 'HUB_ERR_DOSSIER_CODE_TAKEN')

    const dayOf = (ago: number): string => toCompactVietnam(new Date(now - minutes(ago)).toISOString()).slice(2, 8)
    const refusals: Array<[string, Native, string, RegExp]> = [
      ['in the future', body(-30, 10), `#/${f.receivedAt}`, /in the future/],
      ['before the submission', body(50, 40), `#/${f.receivedAt}`, /before submittedAt/],
      ['older than the bound', body(31 * 24 * 60, 31 * 24 * 60 + 10), `#/${f.receivedAt}`, /more than 30 days/],
      ['a code of another day', { ...body(60, 70), [f.code]: `${unit}-${dayOf(3 * 24 * 60)}-0999` }, `#/${f.code}`, /carries the date/],
      ['a code of another unit', { ...body(60, 70), [f.code]: `000.99.99.H56-${dayOf(60)}-0999` }, `#/${f.code}`, /receiving agency is/],
      ['not a code', { ...body(60, 70), [f.code]: 'HS-0001' }, `#/${f.code}`, /is not valid: expected Mã hồ sơ — the dossier code the receiving system printed/],
      ['not a time', { ...body(60, 70), [f.receivedAt]: '2026-11-26T14:20:00+07:00' }, `#/${f.receivedAt}`, /is not valid: expected Ngày tiếp nhận — the receipt time the receiving system stamped/]
    ]
    for (const [name, native, pointer, detail] of refusals) {
      const r = await submit(native)
      t.equal(r.statusCode, 400, `${name}: 400`)
      t.equal(r.headers['content-type'], 'application/problem+json; charset=utf-8', `${name}: problem+json`)
      const errors = r.json<Problem>().errors ?? []
      t.ok(errors.some((e) => e.pointer === pointer && detail.test(e.detail)), `${name}: names ${pointer} and the rule`, { errors })
    }
    t.equal(await storedDossiers(hub), 1, 'only the first was stored')
  })
}
