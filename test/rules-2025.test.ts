/**
 * The rules that changed with the date a dossier is received (issue 14), on real dates: the two
 * levels of local government from 1 July 2025, the 9-digit CMND lapsed on 31 December 2024.
 */
import t from 'tap'
import { build, example, post, storedDossiers } from './helper.ts'
import type { Dossier, DossierSummary } from '../src/types/schemas.generated.ts'

interface Problem { code: string, detail: string, errors: Array<{ pointer: string, detail: string }> }

const at = (iso: string) => () => new Date(iso)

t.test('levels: district is refused on a dossier received on or after 1 July 2025, naming the reform; nothing is stored', async (t) => {
  for (const when of ['2025-07-01T00:00:00+07:00', '2026-11-24T10:00:00+07:00']) {
    const hub = await build(t, { role: 'api', now: at(when) })
    const submission = example('electricity-new-connection')
    submission.procedure.level = 'district'
    const res = await post(hub.app, submission)
    t.equal(res.statusCode, 400, `received ${when}: 400`)
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    const p = res.json<Problem>()
    t.equal(p.code, 'HUB_ERR_VALIDATION')
    t.match(p.errors, [{ pointer: '#/procedure/level', detail: /2025-07-01.*two-level local government reform of 1 July 2025.*districts \(cấp huyện\) were abolished/ }])
    t.equal(await storedDossiers(hub), 0, 'nothing stored')
    submission.procedure.level = 'commune'
    t.equal((await post(hub.app, submission)).statusCode, 201, 'commune is a level')
    submission.procedure.level = 'province'
    submission.source.reference += '-p'
    t.equal((await post(hub.app, submission)).statusCode, 201, 'province is a level')
  }
})

t.test('levels: a dossier received before 1 July 2025 keeps its district level, is read and counted with it', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2025-06-30T23:59:59+07:00') })
  const submission = example('electricity-new-connection')
  submission.procedure.level = 'district'
  const res = await post(hub.app, submission)
  t.equal(res.statusCode, 201, 'the last second of 30 June 2025 still had districts')
  const { code } = res.json<DossierSummary>()
  const d = (await hub.app.inject(`/v1/dossiers/${code}`)).json<Dossier>()
  t.equal(d.procedure.level, 'district')
  const stats = (await hub.app.inject('/v1/stats?from=2025-06-01&to=2025-06-30&groupBy=level')).json<{ groups: Array<{ key: string, received: number }> }>()
  t.same(stats.groups.map((g) => [g.key, g.received]), [['district', 1]], 'an older dossier is counted at its district level')
})

t.test('levels: the figures of dossiers received since the reform have no district level', async (t) => {
  const hub = await build(t, { role: 'api', now: at('2026-11-24T10:00:00+07:00') })
  const a = example('electricity-new-connection')
  const b = example('birth-registration')
  t.equal((await post(hub.app, a)).statusCode, 201)
  t.equal((await post(hub.app, b)).statusCode, 201)
  a.procedure.level = 'district'
  a.source.reference += '-d'
  t.equal((await post(hub.app, a)).statusCode, 400)
  const stats = (await hub.app.inject('/v1/stats?from=2026-11-01&to=2026-11-30&groupBy=level')).json<{ groups: Array<{ key: string, received: number }> }>()
  t.same(stats.groups.map((g) => g.key).sort(), ['commune', 'province'], 'province and commune only')
})
