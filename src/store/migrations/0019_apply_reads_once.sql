-- 0019: a change reads its input once (issue 13, the record's speed), as intake does since 0018.
--
-- hub_apply took its whole input as one `json` value (the routing of every step, the history
-- entries, the notification, the facts, with the scalars); each of its `p->>'…'` reads parsed all
-- of that text again. Now the scalars come as one `jsonb`, parsed once, and each value stored in a
-- `json` column (the facts, the steps' details, the history entries, the notification) as a
-- parameter of its own, stored as the text it is. What the function does is unchanged (0002).

drop function hub_apply (json);

create function hub_apply (p jsonb, p_facts json, p_routing json, p_history json, p_notification json) returns json language plpgsql as $$
declare
  did bigint;
  v integer;
  seen text;
  at_ts timestamptz := (p->>'at')::timestamptz;
  now_ts timestamptz := to_timestamp((p->>'nowMs')::double precision / 1000);
  hseq integer;
  nseq integer := 0;
  f json := case when json_typeof(p_facts) = 'object' then p_facts end;
begin
  select d.id, d.version into did, v from dossiers d where d.code = p->>'code' for update;
  if not found then return json_build_object('outcome', 'missing'); end if;
  if p->>'eventId' is not null then
    select e.answer into seen from dossier_events e where e.dossier_id = did and e.event_id = p->>'eventId';
    if found then return json_build_object('outcome', 'seen', 'answer', seen); end if;
  end if;
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
  return json_build_object('outcome', 'ok', 'sequence', nseq);
end
$$;
