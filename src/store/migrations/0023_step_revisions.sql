-- 0023: a delivery outcome no longer writes the dossier's row again (issue 13, bytes per dossier).
--
-- hub_step (0002) moved dossiers.version on every delivery outcome, so that hub_apply's
-- compare-and-set on that version would see that a step it had read had changed since. That rewrote
-- the whole dossier row (its document inline) once per delivery: after VACUUM the old version's
-- space stays in the table, about 0.7 KB per delivered dossier (npm run bench, dossiers 2.7 KB
-- after intake, 3.4 KB once delivered). Now each step has its own revision (dossier_steps.rev),
-- which hub_step moves instead; the version a change reads and compares is the dossier's own plus
-- the sum of its steps' revisions (both only grow, so an equal sum is an unchanged dossier), and
-- hub_apply locks the steps as it compares. dossiers.updated_at now moves with the dossier's own
-- changes only (nothing reads it; a step's times are its own columns).

alter table dossier_steps add column rev integer not null default 0;

create or replace function hub_step (code text, step_id text, expected text, next json, confirm text, at_ts timestamptz) returns integer
language plpgsql as $$
declare
  did bigint;
  cur text;
begin
  select d.id into did from dossiers d where d.code = hub_step.code;
  if not found then return -1; end if;
  select s.detail::text into cur from dossier_steps s where s.dossier_id = did and s.step = step_id for update;
  if not found then return -2; end if;
  if cur <> expected then return 0; end if;
  if next is not null then
    update dossier_steps s set detail = next, state = next->>'state', attempts = coalesce((next->>'attempts')::integer, 0),
        last_attempt_at = (next->>'lastAttemptAt')::timestamptz, delivered_at = (next->>'deliveredAt')::timestamptz, rev = s.rev + 1
      where s.dossier_id = did and s.step = step_id;
  end if;
  if confirm is not null then
    update outbox o set confirmed_at = at_ts where o.idempotency_key = confirm and o.confirmed_at is null;
  end if;
  return 1;
end
$$;

-- hub_apply as in 0019, but for the version it compares (above), and the DVCQG sync marked queued
-- in the change's own statement (below)
create or replace function hub_apply (p jsonb, p_facts json, p_routing json, p_history json, p_notification json) returns json language plpgsql as $$
declare
  did bigint;
  v integer;
  seen text;
  at_ts timestamptz := (p->>'at')::timestamptz;
  now_ts timestamptz := to_timestamp((p->>'nowMs')::double precision / 1000);
  hseq integer;
  nseq integer := 0;
  sync_up_to integer;
  f json := case when json_typeof(p_facts) = 'object' then p_facts end;
begin
  select d.id, d.version into did, v from dossiers d where d.code = p->>'code' for update;
  if not found then return json_build_object('outcome', 'missing'); end if;
  if p->>'eventId' is not null then
    select e.answer into seen from dossier_events e where e.dossier_id = did and e.event_id = p->>'eventId';
    if found then return json_build_object('outcome', 'seen', 'answer', seen); end if;
  end if;
  -- the version read: the dossier's own plus its steps' revisions, each step locked (as it is
  -- now: a delivery outcome committed meanwhile is counted, and none can come until this commits)
  select v + coalesce(sum(x.rev), 0) into v from (select s.rev from dossier_steps s where s.dossier_id = did for no key update) x;
  if v <> (p->>'expectedVersion')::integer then return json_build_object('outcome', 'stale'); end if;

  update dossiers set
    version = version + 1,
    updated_at = at_ts,
    status = (p->>'nextStatus')::smallint,
    due_at = coalesce((p->>'dueAt')::timestamptz, due_at),
    due_index_at = case p->>'dueIndex' when 'remove' then null when 'keep' then due_index_at
      else to_timestamp((p->>'dueIndex')::double precision / 1000) end,
    supplements = case when jsonb_typeof(p->'supplement') = 'object' then (p->'supplement'->>'sequence')::smallint else supplements end,
    facts = coalesce(f, facts),
    rescheduled_due_at = case when f is null then rescheduled_due_at else (f->>'rescheduledDueAt')::timestamptz end,
    paused_since = case when f is null then paused_since else (f->>'pausedSince')::timestamptz end,
    overdue_since = case when f is null then overdue_since else (f->>'overdueSince')::timestamptz end,
    resolved_at = case when f is null then resolved_at else (f->>'resolvedAt')::timestamptz end,
    returned_at = case when f is null then returned_at else (f->>'returnedAt')::timestamptz end,
    closed_at = case when f is null then closed_at else (f->>'closedAt')::timestamptz end,
    timeliness = case when f is null then timeliness else f->>'timeliness' end
  where id = did;

  update dossier_steps s set detail = r.value, state = r.value->>'state', agency = r.value->>'agency',
      attempts = coalesce((r.value->>'attempts')::integer, 0)
    from json_each(p_routing) as r where s.dossier_id = did and s.step = r.key;

  select coalesce(max(h.seq), 0) into hseq from dossier_history h where h.dossier_id = did;
  -- history entries: {e: the entry, from, to: national status codes when it changed the status};
  -- the report's event id goes on the first
  insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, due_at_to, event_id, entry)
    select did, hseq + o::integer, coalesce((x->'e'->>'at')::timestamptz, at_ts), x->'e'->>'type',
      (x->>'from')::smallint, (x->>'to')::smallint, (x->'e'->>'dueAtTo')::timestamptz,
      case when o = 1 then p->>'eventId' end, x->'e'
    from json_array_elements(p_history) with ordinality as h(x, o);

  if p->>'eventId' is not null then
    insert into dossier_events (dossier_id, event_id, answer) values (did, p->>'eventId', coalesce(p->>'answer', ''));
  end if;

  -- deliveries released: the outbox row of each (the same message again is queued again)
  insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at)
    select coalesce(r->>'kind', 'dossier'), s.agency, did, s.step, r->>'member', now_ts
    from jsonb_array_elements(p->'release') as x(r) join dossier_steps s on s.dossier_id = did and s.step = r->>'step'
    on conflict (idempotency_key) do update set created_at = excluded.created_at, queued_at = null, confirmed_at = null, discarded_at = null;

  if jsonb_typeof(p->'supplement') = 'object' then
    insert into supplements (dossier_id, seq, supplement_id, submitted_at, attachments, note)
      values (did, (p->'supplement'->>'sequence')::smallint, p->'supplement'->>'id', (p->'supplement'->>'submittedAt')::timestamptz,
        p->'supplement'->'attachments', p->'supplement'->>'note');
  end if;

  if json_typeof(p_notification) = 'object' then
    select coalesce(max(x.seq), 0) + 1 into nseq from notifications x where x.dossier_id = did;
    insert into notifications (dossier_id, seq, at, body) values (did, nseq, now_ts, p_notification);
    insert into notify_pending (dossier_id, since) values (did, now_ts) on conflict (dossier_id) do nothing;
  end if;
  -- the DVCQG sync (0011): when the caller queues the sync job itself (`syncNow`), what the
  -- dossier owes is marked queued now and the number of its last message answered, in this
  -- statement (it was a statement of its own after the commit: NationalSyncStore.queueNow)
  if coalesce((p->>'syncNow')::boolean, false) then
    update national_sync s set queued_at = now() where s.dossier_id = did and s.synced < s.wanted and s.state <> 'failed'
      returning s.wanted into sync_up_to;
  end if;
  return json_build_object('outcome', 'ok', 'sequence', nseq, 'syncUpTo', sync_up_to);
end
$$;
