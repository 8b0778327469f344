/**
 * Text rules (issue 12): control characters and unpaired surrogates are refused in every string of
 * every inbound JSON body, with a 400 naming the field, nothing stored; identifiers that differ only
 * in invisible characters, spacing or width (source references, dossier codes in paths) are one.
 * Unit tests of the normalization (domain/identifiers.ts) and of the walk (validation/text.ts).
 */
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { build, dossierRow, example, post, storedDossiers, type TestHub, asAdmin, asPortal, asAgency } from '../helper.ts'
import { identifierProblem, normalizeIdentifier, normalizeSource } from '../../src/domain/identifiers.ts'
import { MAX_TEXT_PROBLEMS, mayHoldForbiddenText, textProblem, textProblems } from '../../src/validation/text.ts'
import type { DossierSummary, Problem } from '../../src/types/schemas.generated.ts'
import { goldenPath } from '../golden-files.ts'

const json = { 'content-type': 'application/json' }

function justiceNative (): Record<string, unknown> {
  return JSON.parse(readFileSync(goldenPath('justice-submission-birth-registration.json'), 'utf8')) as Record<string, unknown>
}

/** What the hub holds: dossiers, and the dossier's stored version and history. */
async function snapshot (hub: TestHub, code: string): Promise<unknown[]> {
  return [await storedDossiers(hub), await dossierRow(hub, code)]
}

function expectRefused (t: Test, res: { statusCode: number, headers: Record<string, unknown>, json: <T>() => T }, pointer: string, detail: RegExp, label: string): void {
  t.equal(res.statusCode, 400, `${label}: 400`)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', `${label}: problem+json`)
  const p = res.json<Problem>()
  t.equal(p.code, 'HUB_ERR_VALIDATION', `${label}: a validation problem`)
  t.match(p.errors, [{ pointer, detail }], `${label}: names ${pointer}`)
}

t.test('NUL, C1 controls and unpaired surrogates are refused in every body, naming the field; nothing is stored', async (t) => {
  const hub = await build(t, { role: 'api' })
  const created = await post(asAdmin(hub), example('birth-registration'))
  t.equal(created.statusCode, 201)
  const { code } = created.json<DossierSummary>()
  const before = await snapshot(hub, code)

  const nul = example('electricity-new-connection')
  nul.applicant.fullName = 'Trần\u0000Văn Bình'
  expectRefused(t, await post(asAdmin(hub), nul), '#/applicant/fullName', /control character U\+0000/, 'portal submission, NUL in a name')

  // raw JSON: the escape \ud800 stands alone (JSON.stringify writes a lone surrogate as this escape)
  const raw = JSON.stringify(example('electricity-new-connection')).replace('"summary":"', '"summary":"\\ud800')
  t.match(raw, /"summary":"\\ud800/, 'the body holds a lone surrogate escape')
  expectRefused(t, await post(asAdmin(hub), raw), '#/summary', /unpaired surrogate \(U\+D800\)/, 'portal submission, lone surrogate in the summary')

  const lowSurrogate = example('electricity-new-connection')
  lowSurrogate.applicant.address = { ...lowSurrogate.applicant.address, line: 'Số 8\udc00' } as typeof lowSurrogate.applicant.address
  expectRefused(t, await post(asAdmin(hub), lowSurrogate), '#/applicant/address/line', /unpaired surrogate \(U\+DC00\)/, 'portal submission, lone low surrogate')

  const c1 = example('electricity-new-connection')
  c1.source.reference = 'DVC\u0085-1'
  expectRefused(t, await post(asAdmin(hub), c1), '#/source/reference', /control character U\+0085/, 'portal submission, C1 in the reference')

  const del = example('electricity-new-connection')
  del.attachments = [{ ...(del.attachments?.[0] as NonNullable<typeof del.attachments>[number]), fileName: 'cccd\u007f.jpg' }]
  expectRefused(t, await post(asAdmin(hub), del), '#/attachments/0/fileName', /control character U\+007F/, 'portal submission, DEL in a file name')

  const native = justiceNative()
  native.nycHoTen = 'Trịnh\u0000Văn Dũng'
  expectRefused(t, await asAdmin(hub).inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', headers: json, payload: native }), '#/nycHoTen', /U\+0000/, 'agency-native submission')

  const others: Array<[string, string, unknown, string]> = [
    ['agency report', `/v1/dossiers/${code}/events`, { eventId: 'e1', agency: 'justice', report: { status: 'processing', note: 'đang\u0000xử lý' } }, '#/report/note'],
    ['withdrawal', `/v1/dossiers/${code}/withdraw`, { reason: 'nộp\u009bnhầm' }, '#/reason'],
    ['return', `/v1/dossiers/${code}/return`, { method: 'counter', note: 'nhận\ud800' }, '#/note'],
    ['supplement', `/v1/dossiers/${code}/supplements`, { supplementId: 'S\u0001', attachments: [] }, '#/supplementId'],
    ['admin discard', `/v1/admin/dossiers/${code}/steps/civil-status/discard`, { reason: '\u001b[31m' }, '#/reason'],
    ['a property name', `/v1/dossiers/${code}/withdraw`, { reason: 'x', 'a/b\u0000': 1 }, '#/a~1b\u0000']
  ]
  for (const [label, url, body, pointer] of others) {
    expectRefused(t, await asAdmin(hub).inject({ method: 'POST', url, headers: json, payload: JSON.stringify(body) }), pointer, /U\+/, label)
  }
  t.same(await snapshot(hub, code), before, 'nothing stored: no new dossier, the dossier and its history unchanged')

  const many = example('electricity-new-connection')
  many.attachments = Array.from({ length: 50 }, (_, i) => ({ ...(many.attachments?.[0] as NonNullable<typeof many.attachments>[number]), fileName: `f${i}\u0000.jpg` }))
  const bounded = await post(asAdmin(hub), many)
  t.equal(bounded.json<Problem>().errors?.length, MAX_TEXT_PROBLEMS, 'fifty bad strings: the first few are named')

  const lines = await asAdmin(hub).inject({ method: 'POST', url: `/v1/dossiers/${code}/withdraw`, headers: json, payload: { reason: 'dòng 1\r\ndòng 2\tcột' } })
  t.equal(lines.statusCode, 200, 'tab and line breaks are accepted in free text')
})

t.test('a reference with a zero-width space, surrounding spaces or full-width letters is the same submission: 200 with the first dossier', async (t) => {
  const hub = await build(t, { role: 'api' })
  const first = await post(asPortal(hub), example('electricity-new-connection'))
  t.equal(first.statusCode, 201)
  const { code } = first.json<DossierSummary>()
  const reference = example('electricity-new-connection').source.reference
  const fullWidth = [...reference].map((c) => c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c).join('')
  for (const [label, variant] of [
    ['a zero-width space', `${reference}\u200b`],
    ['a trailing space', `${reference} `],
    ['a leading no-break space and a byte-order mark', `\u00a0\ufeff${reference}`],
    ['full-width letters', fullWidth]
  ] as const) {
    const again = example('electricity-new-connection')
    again.source.reference = variant
    const res = await post(asPortal(hub), again)
    t.equal(res.statusCode, 200, `${label}: 200, not a new dossier`)
    t.equal(res.json<DossierSummary>().code, code, `${label}: the first dossier`)
  }
  const blank = example('electricity-new-connection')
  blank.source.reference = '\u200b \u2060'
  expectRefused(t, await post(asPortal(hub), blank), '#/source/reference', /empty once invisible characters/, 'a reference of invisible characters only')

  // an agency's own reference, in its native format, becomes the source reference: the same rule
  const native = justiceNative()
  const agency = asAgency(hub, 'justice')
  const nativeFirst = await agency.inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', headers: json, payload: native })
  t.equal(nativeFirst.statusCode, 201)
  const nativeAgain = await agency.inject({ method: 'POST', url: '/v1/agencies/justice/dossiers', headers: json, payload: { ...native, soBienNhan: `${String(native.soBienNhan)}\u200b ` } })
  t.equal(nativeAgain.statusCode, 200, 'native reference with a zero-width space and a trailing space: 200')
  t.equal(nativeAgain.json<DossierSummary>().code, nativeFirst.json<DossierSummary>().code, 'the first dossier')
  t.equal(await storedDossiers(hub), 2, 'two dossiers in all')

  // a new dossier whose reference carries invisible characters is stored, and sent on, with the plain one
  const fresh = example('birth-registration')
  fresh.source.reference = '\u200bＨＳ-9 '
  const created = await post(asPortal(hub), fresh)
  t.equal(created.statusCode, 201)
  const doc = (await dossierRow(hub, created.json<DossierSummary>().code))?.doc as { source?: { reference?: string } }
  t.equal(doc.source?.reference, 'HS-9', 'the stored reference is the normalized one')
})

t.test('a dossier code in a path with an invisible character or full-width letters finds the dossier', async (t) => {
  const hub = await build(t, { role: 'api' })
  const { code } = (await post(asAdmin(hub), example('birth-registration'))).json<DossierSummary>()
  const fullWidth = [...code].map((c) => c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c).join('')
  for (const [label, variant] of [['a zero-width space', `${code}\u200b`], ['full-width letters', fullWidth]] as const) {
    const res = await asAdmin(hub).inject({ url: `/v1/dossiers/${encodeURIComponent(variant)}` })
    t.equal(res.statusCode, 200, `${label}: 200`)
    t.equal(res.json<{ code: string }>().code, code, `${label}: the dossier`)
  }
})

t.test('normalizeIdentifier: width, invisible characters and surrounding spaces go; letters, case and diacritics stay', async (t) => {
  t.equal(normalizeIdentifier('ＤＶＣ－２０２６'), 'DVC-2026', 'full-width to ASCII')
  t.equal(normalizeIdentifier('DVC\u200b-1\u200c\u200d\u2060\ufeff'), 'DVC-1', 'zero-width characters, word joiner, BOM removed')
  t.equal(normalizeIdentifier('DVC\u00ad-1'), 'DVC-1', 'soft hyphen removed')
  t.equal(normalizeIdentifier(' \u00a0\u3000DVC-1\t '), 'DVC-1', 'surrounding spaces of any kind trimmed')
  t.equal(normalizeIdentifier('Hồ sơ 01'), 'Hồ sơ 01', 'Vietnamese letters and inner spaces kept')
  t.equal(normalizeIdentifier('Ho\u0302\u0300 so\u031b'), 'Hồ sơ', 'decomposed diacritics composed')
  t.equal(normalizeIdentifier('dvc-1'), 'dvc-1', 'case kept')
  t.equal(identifierProblem(normalizeIdentifier('\u200b ')), 'is empty once invisible characters and surrounding spaces are removed')
  t.match(identifierProblem(normalizeIdentifier('DVC\n1')), /control character \(U\+000A\)/, 'a line break inside an identifier is a problem')
  t.equal(identifierProblem(normalizeIdentifier('DVC-1')), undefined)
  const source = { system: 'dvc', reference: 'R-1' }
  t.equal(normalizeSource(source), source, 'nothing to change: the same object')
  t.same(normalizeSource({ system: 'dvc', reference: 'R-1 ', origin: { system: 'x', reference: 'Ｏ-1' } }), { system: 'dvc', reference: 'R-1', origin: { system: 'x', reference: 'O-1' } })
})

t.test('textProblems: pointers, property names, a bound, deep nesting without recursion', async (t) => {
  t.same(textProblems({ a: { 'b/c': ['ok', 'x\u0000'] } }).map((p) => p.pointer), ['#/a/b~1c/1'])
  t.same(textProblems({ 'k\u0007': 1 }).map((p) => p.pointer), ['#/k\u0007'])
  t.same(textProblems({ ok: 'tab\tnew line\ncarriage\r', pair: '😀', vi: 'Hồ sơ' }), [], 'tab, line breaks, surrogate pairs and Vietnamese pass')
  t.equal(textProblems(Array.from({ length: 1000 }, () => '\u0000')).length, MAX_TEXT_PROBLEMS, 'stops after the first few')
  let deep: unknown = '\u0000'
  for (let i = 0; i < 200_000; i++) deep = [deep]
  t.equal(textProblems(deep)[0]?.detail?.includes('U+0000'), true, '200 000 levels deep: found, no stack overflow')
})

t.test('the JSON text scan lets no refused string through: every refused code unit, as JSON writes it, is caught before the walk', async (t) => {
  // every UTF-16 code unit: those the rules refuse must make the text suspect however JSON.stringify
  // writes them (escaped, short escape or as is), in a value and in a property name
  let refused = 0
  let missed = 0
  for (let unit = 0; unit <= 0xffff; unit++) {
    const c = String.fromCharCode(unit)
    if (textProblem(`a${c}b`) === undefined) continue
    refused++
    if (!mayHoldForbiddenText(JSON.stringify({ note: `a${c}b` })) || !mayHoldForbiddenText(JSON.stringify({ [`a${c}b`]: 1 }))) missed++
  }
  t.ok(refused > 2048 + 60, `the rules refuse C0 (but tab and line breaks), DEL, C1 and every lone surrogate (${refused} code units)`)
  t.equal(missed, 0, 'none of them passes the scan')
  const ordinary = JSON.stringify({ name: 'Nguyễn Thị Ánh', note: 'dòng một\ndòng hai\tcột', emoji: '👍', path: 'C:\\hồ sơ\\a' })
  t.equal(mayHoldForbiddenText(ordinary), false, 'Vietnamese text, tab, line breaks, a surrogate pair and backslashes are not suspect: no walk')
})
