/** The pure rules of once-only (src/domain/once-only.ts) and the national data store's mapping. */
import t from 'tap'
import { applicantHolder, dossierSubjects, holderProblem, isReuse, resultHolder, reuseLogOf, reuseRefusal, reusedAttachment, validAt } from '../../src/domain/once-only.ts'
import { fromNationalDocument, toNationalDocument } from '../../adapters/national-data-store/index.ts'
import type { DossierSubmission, StoredDocument } from '../../src/types/schemas.generated.ts'
import { example } from '../helper.ts'

const doc = (over: Partial<StoredDocument> = {}): StoredDocument => ({
  id: 'doc_0123456789abcdef0123456789abcdef',
  holder: '038226001234',
  kind: 'KQ-KS',
  name: 'Giấy khai sinh',
  issuer: 'justice',
  origin: 'result',
  issuedAt: '2026-11-12T09:00:00.000+07:00',
  fileName: 'gks.pdf',
  url: 'https://x.vn/gks.pdf',
  sha256: 'a'.repeat(64),
  registeredAt: '2026-11-12T09:00:01.000+07:00',
  ...over
})
const received = new Date('2026-11-25T09:00:00+07:00')
const consent = { given: true, at: '2026-11-25T08:55:00+07:00' }

t.test('who a dossier is about: the applicant and the personal numbers its data names', async (t) => {
  const birth = example('birth-registration')
  t.same([...dossierSubjects(birth)].sort(), ['038088001234', '038190012345'], 'the applicant (the mother) and the father')
  t.same([...dossierSubjects(example('child-residence-insurance'))].sort(), ['038190012345', '038226001234'], 'the applicant and the child')
  const passport: DossierSubmission = { ...birth, applicant: { ...birth.applicant, identity: { type: 'passport', number: 'B1234567' } }, data: { nested: [{ personalNumber: '001099000001' }, { citizenId: 'not-a-number' }] } }
  t.same([...dossierSubjects(passport)], ['001099000001'], 'a passport is no holder; numbers in nested arrays count; a malformed one does not')
  t.equal(applicantHolder({ ...birth.applicant, identity: { type: 'tax-code', number: '0101234567' } }), '0101234567', 'an organisation\'s code')
})

t.test('holders', async (t) => {
  t.equal(holderProblem('038190012345'), undefined)
  t.equal(holderProblem('0101234567-001'), undefined)
  t.type(holderProblem('x'), 'string')
  t.type(holderProblem('0381 9001'), 'string')
  const applicant = example('birth-registration').applicant
  t.equal(resultHolder({ name: 'n', componentCode: 'c', url: 'https://x.vn', sha256: 'a'.repeat(64), holder: '038226001234' }, applicant), '038226001234', 'the holder the agency named')
  t.equal(resultHolder({ name: 'n', componentCode: 'c', url: 'https://x.vn', sha256: 'a'.repeat(64) }, applicant), '038190012345', 'else the applicant')
})

t.test('reuse refusals, and acceptance', async (t) => {
  const subjects = new Set(['038190012345', '038226001234'])
  t.equal(reuseRefusal(doc(), subjects, received, consent), undefined, 'the child\'s valid document, with consent')
  t.match(reuseRefusal(doc({ holder: '038226009999' }), subjects, received, consent), /belongs to another holder/)
  t.notMatch(reuseRefusal(doc({ holder: '038226009999' }), subjects, received, consent), /038226009999/, 'never names the other holder')
  t.match(reuseRefusal(doc({ issuedAt: '2026-11-26T00:00:00+07:00' }), subjects, received, consent), /not yet issued/)
  t.match(reuseRefusal(doc({ validUntil: '2026-11-25T09:00:00+07:00' }), subjects, received, consent), /expired/, 'expired at the very receipt')
  t.equal(reuseRefusal(doc({ validUntil: '2026-11-25T09:00:00.001+07:00' }), subjects, received, consent), undefined, 'valid until just after the receipt')
  t.match(reuseRefusal(doc({ revokedAt: '2026-11-25T08:00:00+07:00' }), subjects, received, consent), /revoked/)
  t.equal(reuseRefusal(doc({ revokedAt: '2026-11-25T10:00:00+07:00' }), subjects, received, consent), undefined, 'revoked after the receipt: reusable for this dossier')
  t.match(reuseRefusal(doc(), subjects, received, undefined), /consent .* is missing/)
  t.match(reuseRefusal(doc(), subjects, received, { given: false, at: consent.at }), /consent .* is missing/)
  t.match(reuseRefusal(doc(), subjects, received, { given: true, at: '2026-11-25T09:00:01+07:00' }), /after the dossier's receipt/)
  t.ok(validAt(doc(), received))
  t.notOk(validAt(doc({ revokedAt: '2026-11-20T00:00:00+07:00' }), received))
})

t.test('a reused document becomes an attachment with its file reference and digest, marked reused', async (t) => {
  const component = { componentCode: 'TT-02', componentName: 'Giấy khai sinh', reuse: { documentId: doc().id, consent } }
  t.ok(isReuse(component))
  t.notOk(isReuse({ componentCode: 'a', fileName: 'f', mediaType: 'a/b', byteSize: 1, sha256: 'a'.repeat(64), url: 'https://x.vn' }))
  t.same(reusedAttachment(component, doc({ mediaType: 'application/pdf', byteSize: 12 }), consent.at), {
    componentCode: 'TT-02', componentName: 'Giấy khai sinh', fileName: 'gks.pdf', mediaType: 'application/pdf', byteSize: 12, sha256: 'a'.repeat(64), url: 'https://x.vn/gks.pdf', digitized: false, reused: { documentId: doc().id, consentAt: consent.at }
  })
  t.same(reusedAttachment(component, doc({ origin: 'national-store' }), consent.at).reused, { documentId: doc().id, fromNationalStore: true, consentAt: consent.at }, 'from the national store')
  t.equal(reusedAttachment(component, doc({ origin: 'digitized' }), consent.at).digitized, true, 'a paper digitised at a desk')
})

t.test('the national data store\'s document, both ways', async (t) => {
  const native = toNationalDocument(doc({ validUntil: '2031-01-01T00:00:00.000+07:00', dossier: '000.31.35.H56-261125-0001' }), 'Sở Tư pháp')
  t.match(native, { MaGiayTo: doc().id, SoDinhDanh: '038226001234', NgayCap: '20261112090000', HieuLucDen: '20310101000000', TrangThai: 1, CoQuanCap: 'Sở Tư pháp', MaHoSo: '000.31.35.H56-261125-0001' })
  const back = fromNationalDocument(native)
  t.match(back, { holder: '038226001234', kind: 'KQ-KS', issuedAt: '2026-11-12T09:00:00+07:00', validUntil: '2031-01-01T00:00:00+07:00', url: 'https://x.vn/gks.pdf', nationalStoreReference: doc().id })
  t.equal(toNationalDocument(doc({ revokedAt: '2026-11-20T10:00:00.000+07:00' }), 'x').TrangThai, 0, 'revoked: TrangThai 0')
  t.match(fromNationalDocument({ ...native, TrangThai: 0, NgayThuHoi: '20261120100000' }).revokedAt, /^2026-11-20T10:00:00/)
  t.throws(() => fromNationalDocument({ ...native, TrangThai: 0 }), /no NgayThuHoi/)
})

t.test('the access-log rows of a reuse: one per holder, its documents in order, with the client', async (t) => {
  const log = reuseLogOf([{ id: 'doc_a', holder: '038226001234' }, { id: 'doc_b', holder: '038190012345' }, { id: 'doc_c', holder: '038226001234' }], { id: 'test-portal', role: 'portal' })
  t.same(log, { client: 'test-portal', role: 'portal', holders: [{ holder: '038226001234', documentIds: ['doc_a', 'doc_c'] }, { holder: '038190012345', documentIds: ['doc_b'] }] })
  t.same(reuseLogOf([], { id: 'x', role: 'admin' }).holders, [], 'nothing reused: no row')
})
