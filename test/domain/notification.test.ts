/** src/domain/notification.ts: who the history says acted, and the body of a webhook notification. */
import t from 'tap'
import { actorOf, applicantRequests, notificationBody } from '../../src/domain/notification.ts'
import type { DossierHead } from '../../src/domain/lifecycle.ts'
import type { Routing } from '../../src/domain/routing.ts'

t.test('actorOf: an agency\'s client acts as its agency, a portal as itself, anyone else as an administrator', async (t) => {
  t.same(actorOf({ id: 'cmis-th', role: 'agency', agency: 'evn' }), { kind: 'agency', id: 'evn' })
  t.same(actorOf({ id: 'dvc-portal', role: 'portal' }), { kind: 'portal', id: 'dvc-portal' })
  t.same(actorOf({ id: 'ops', role: 'admin' }), { kind: 'admin', id: 'ops' })
  t.same(actorOf(undefined), { kind: 'admin', id: 'unknown' })
})

t.test('notificationBody: a supplement request names what each step asks for; the times are Vietnam times', async (t) => {
  const head: DossierHead = {
    status: 'supplement-requested',
    receivedAt: '2026-12-01T09:00:00+07:00',
    dueAt: '2026-12-08T17:00:00+07:00',
    facts: { channel: 'counter', level: 'commune', returnMethod: 'counter', rescheduledDueAt: '2026-12-10T17:00:00+07:00' }
  }
  const routing: Routing = {
    'civil-status': { agency: 'justice', stage: 0, lead: true, required: true, attempts: 1, state: 'supplement-requested', missing: [{ name: 'Giấy chứng sinh' }] },
    residence: { agency: 'police-residence', stage: 1, lead: false, required: true, attempts: 0, state: 'waiting' }
  } as unknown as Routing
  const body = notificationBody('1.001193.000.00.00.H56', 'status-changed', 'processing', head, new Date('2026-12-02T03:30:00Z'), { kind: 'agency', id: 'justice' }, 'thiếu giấy', routing)
  t.same(body, {
    event: 'status-changed',
    procedure: '1.001193.000.00.00.H56',
    at: '2026-12-02T10:30:00.000+07:00',
    from: { status: 'processing', code: 4, name: 'Đang xử lý' },
    to: { status: 'supplement-requested', code: 5, name: 'Yêu cầu bổ sung giấy tờ' },
    note: 'thiếu giấy',
    actor: { kind: 'agency', id: 'justice' },
    dueAt: '2026-12-08T17:00:00+07:00',
    rescheduledDueAt: '2026-12-10T17:00:00+07:00',
    requests: [{ step: 'civil-status', agency: 'justice', missing: [{ name: 'Giấy chứng sinh' }] }]
  })
  t.same(applicantRequests({ residence: routing.residence } as Routing), [], 'a waiting step asks nothing')
  const plain = notificationBody('p', 'overdue', undefined, { ...head, status: 'processing' }, new Date('2026-12-02T03:30:00Z'), { kind: 'hub', id: 'overdue-sweeper' }, '', routing) as Record<string, unknown>
  t.notOk('from' in plain || 'note' in plain || 'requests' in plain, 'no from, no empty note, no requests outside statuses 5 and 6')
})
