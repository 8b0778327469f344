-- 0002: what the dossier store (store/dossier-store.ts) needs beyond 0001, and its two writers.
--
-- * `json`, not `jsonb`, for what the hub gives back as it was written: the canonical document
--   (`doc`), routing states, history entries, lifecycle facts, notifications. jsonb reorders keys
--   (by length) and drops duplicates; json keeps the text, so a dossier reads back exactly as it
--   was stored, and a step's state can be compared as text (compare-and-set). Queries read them
--   with -> / ->> as before; the columns beside them are what filters and figures use.
-- * hub_intake and hub_apply are the only writers of a dossier's rows, each one statement (one
--   round trip) and one transaction: what a change writes commits together or not at all.

alter table dossiers alter column doc type json using doc::json;
alter table dossiers alter column deadline_rule type json using deadline_rule::json;
-- tên thủ tục, as the catalogue named it at receipt (lists and duplicate answers show it)
alter table dossiers add column procedure_name text not null default '';
-- the domain's LifecycleFacts as written (the typed columns of 0001 are copies for queries)
alter table dossiers add column facts json not null default '{}';
-- the overdue sweeper's clock: set while the dossier's clock runs and it is not yet flagged, to its
-- due date; null otherwise (the lifecycle decides, store/dossier-store.ts dueIndex)
alter table dossiers add column due_index_at timestamptz;
-- hồ sơ bổ sung supplied so far
alter table dossiers add column supplements smallint not null default 0;
drop index dossiers_due;
-- Lists go newest first by receivedAt, ties by code descending (the API's order; a cursor is the last
-- one's (receivedAt, code)): intake order is not receipt order when a sender gives the time. Codes
-- compare byte by byte (collation "C"), as clients sort them.
drop index dossiers_status;
drop index dossiers_procedure;
create index dossiers_recent on dossiers (received_at desc, code collate "C" desc);
create index dossiers_status on dossiers (status, received_at desc, code collate "C" desc);
create index dossiers_procedure on dossiers (procedure_code, received_at desc, code collate "C" desc);
create index dossiers_due_index on dossiers (due_index_at) where due_index_at is not null;

alter table dossier_steps alter column detail type json using detail::json;
alter table dossier_steps alter column detail set not null;
alter table dossier_history alter column entry type json using entry::json;
-- notifications have a table of their own (below): not every change that notifies writes history
alter table dossier_history drop column notice_seq;
alter table dossier_history drop column notice;

-- Agency report / supplement event ids, received once per dossier, with the answer given to the
-- first (a repeat gets the same answer).
create table dossier_events (
  dossier_id bigint not null references dossiers (id) on delete cascade,
  event_id   text   not null,
  answer     text   not null,
  primary key (dossier_id, event_id)
);

-- Webhook notifications of a dossier, in order; `seq` is the notification's sequence number.
create table notifications (
  dossier_id bigint      not null references dossiers (id) on delete cascade,
  seq        integer     not null,
  at         timestamptz not null,
  body       json        not null,
  primary key (dossier_id, seq)
);
-- dossiers with notifications some subscriber may not have yet, since when
create table notify_pending (
  dossier_id bigint      primary key references dossiers (id) on delete cascade,
  since      timestamptz not null
);
create index notify_pending_since on notify_pending (since);

-- An outbox row for an agency delivery names its step's agency as destination. The relay
-- (queues/reconciler.ts) looks at unconfirmed rows least recently seen first: queued_at is when it
-- last saw the message in its queue.
drop index outbox_unconfirmed;
create index outbox_relay on outbox ((coalesce(queued_at, created_at))) where confirmed_at is null and discarded_at is null;
-- The failed steps an administrator can retry are the steps in state 'failed' (no list of their own).
create index dossier_steps_failed on dossier_steps (agency, dossier_id) where state = 'failed';

-- Whether dossier `id` exists for `asker`: it exists and, when an agency asks (asker not null), is
-- routed to it. Receive-once lookups pass over the others as if they did not exist, so an agency
-- never learns of a dossier that is not its own (docs/security.md).
create function hub_known (id bigint, asker text) returns boolean language sql stable as $$
  select case when asker is null then exists (select 1 from dossiers d where d.id = hub_known.id)
    else exists (select 1 from dossier_steps s where s.dossier_id = hub_known.id and s.agency = asker) end
$$;

-- The answer to a repeat: the stored dossier's summary ('duplicate'), or 'conflict' when `expected`
-- (the fingerprint the key or reference was first used with) is not this submission's `fp`.
create function hub_answer (id bigint, expected bytea, fp bytea) returns json language sql stable as $$
  select case when expected is not null and expected <> fp then json_build_object('outcome', 'conflict', 'code', d.code)
    else json_build_object('outcome', 'duplicate', 'code', d.code, 'status', d.status, 'receivedAt', d.received_at,
      'dueAt', d.due_at, 'procedure', d.procedure_code, 'procedureName', d.procedure_name,
      'steps', (select json_agg(json_build_array(s.step, s.detail) order by s.position) from dossier_steps s where s.dossier_id = d.id))
    end
  from dossiers d where d.id = hub_answer.id
$$;

-- Intake: receive once, number, store. `p` (json) is built by DossierStore.intake; see there.
-- Receive once: the Idempotency-Key, the sender's source reference, the first system's reference
-- (source.origin), then the content fingerprint within its window (another system's copy). A new
-- dossier first claims its key and reference rows (primary keys: a concurrent copy waits for this
-- transaction and then finds the dossier), then takes its number, so a repeat never uses one.
create function hub_intake (p json) returns json language plpgsql as $$
declare
  asker text := nullif(p->>'asAgency', '');
  fp bytea := decode(p->>'fingerprint', 'hex');
  kh bytea := case when p->>'keyHash' is null then null else decode(p->>'keyHash', 'hex') end;
  sys text := p->'source'->>'system';
  ref text := p->'source'->>'reference';
  received timestamptz := (p->>'receivedAt')::timestamptz;
  cfp bytea := decode(p->>'contentFingerprint', 'hex');
  win interval := ((p->>'windowMs')::bigint * interval '1 millisecond');
  did bigint;
  rfp bytea;
  rsys text;
  new_id bigint;
  n integer;
  width integer := (p->>'width')::integer;
  new_code text;
  claimed boolean;
  rounds integer := 0;
begin
  loop
    rounds := rounds + 1;
    if rounds > 20 then raise exception 'hub_intake: no progress after 20 rounds'; end if;
    if kh is not null then
      select k.dossier_id, k.fingerprint into did, rfp from idempotency_keys k where k.client_id = '' and k.key_hash = kh;
      if found and hub_known(did, asker) then return hub_answer(did, rfp, fp); end if;
    end if;
    select r.dossier_id, r.fingerprint into did, rfp from source_refs r where r.system = sys and r.reference = ref;
    if found and hub_known(did, asker) then
      -- the same submission under a new key: remember the key too
      if kh is not null and rfp = fp then
        insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('', kh, did, fp, received)
          on conflict (client_id, key_hash) do update set dossier_id = excluded.dossier_id, fingerprint = excluded.fingerprint;
      end if;
      return hub_answer(did, rfp, fp);
    end if;
    did := null;
    if p->'origin' is not null and json_typeof(p->'origin') = 'object' then
      select r.dossier_id into did from source_refs r where r.system = p->'origin'->>'system' and r.reference = p->'origin'->>'reference';
      if did is not null and not hub_known(did, asker) then did := null; end if;
    end if;
    if did is null and win > interval '0' then
      select c.dossier_id, c.system into did, rsys from content_fingerprints c where c.fingerprint = cfp and c.seen_at > received - win;
      if did is not null and (rsys = sys or not hub_known(did, asker)) then did := null; end if;
    end if;
    if did is not null then
      -- another system's dossier: remember this submission's reference (and key) for it
      insert into source_refs (system, reference, dossier_id, fingerprint, created_at) values (sys, ref, did, fp, received)
        on conflict (system, reference) do update set dossier_id = excluded.dossier_id, fingerprint = excluded.fingerprint;
      if kh is not null then
        insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('', kh, did, fp, received)
          on conflict (client_id, key_hash) do update set dossier_id = excluded.dossier_id, fingerprint = excluded.fingerprint;
      end if;
      return hub_answer(did, null, fp);
    end if;

    -- a new dossier: claim the key and the reference. A row already there (a concurrent copy's:
    -- the insert waited for its transaction) is taken over only when its dossier does not exist for
    -- the asker, decided by a statement of its own: in the insert's ON CONFLICT clause, a subquery
    -- would not see the dossier the other transaction committed while this one waited.
    new_id := nextval(pg_get_serial_sequence('dossiers', 'id'));
    claimed := true;
    if kh is not null then
      insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('', kh, new_id, fp, received)
        on conflict (client_id, key_hash) do nothing;
      if not found then
        select k.dossier_id into did from idempotency_keys k where k.client_id = '' and k.key_hash = kh;
        claimed := not hub_known(did, asker);
        if claimed then
          update idempotency_keys k set dossier_id = new_id, fingerprint = fp, created_at = received
            where k.client_id = '' and k.key_hash = kh and k.dossier_id = did;
          claimed := found;
        end if;
      end if;
    end if;
    if claimed then
      insert into source_refs (system, reference, dossier_id, fingerprint, created_at) values (sys, ref, new_id, fp, received)
        on conflict (system, reference) do nothing;
      if not found then
        select r.dossier_id into did from source_refs r where r.system = sys and r.reference = ref;
        claimed := not hub_known(did, asker);
        if claimed then
          update source_refs r set dossier_id = new_id, fingerprint = fp, created_at = received
            where r.system = sys and r.reference = ref and r.dossier_id = did;
          claimed := found;
        end if;
      end if;
    end if;
    exit when claimed;
  end loop;

  -- the number: the receiving agency's counter of the day (a code never given twice: dossiers.code is unique)
  loop
    insert into code_counters (agency, day, last) values (p->>'agencyCode', (p->>'day')::date, 1)
      on conflict (agency, day) do update set last = code_counters.last + 1 returning last into n;
    new_code := (p->>'codePrefix') || case when length(n::text) < width then lpad(n::text, width, '0') else n::text end;
    exit when not exists (select 1 from dossiers d where d.code = new_code);
  end loop;

  insert into dossiers (id, code, status, procedure_code, procedure_name, receiving_agency, channel, level, return_method,
    source_system, received_at, due_at, deadline_rule, fingerprint, version, updated_at, doc, facts, due_index_at)
  overriding system value
  values (new_id, new_code, (p->>'status')::smallint, p->>'procedure', p->>'procedureName', p->>'agencyCode',
    (p->>'channel')::smallint, p->'facts'->>'level', p->'facts'->>'returnMethod', sys, received, (p->>'dueAt')::timestamptz,
    p->'facts'->'rule', fp, 1, received, p->'doc', p->'facts', (p->>'dueIndexAt')::timestamptz);
  insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, detail)
    select new_id, s->>0, (o - 1)::smallint, s->1->>'agency', coalesce((s->1->>'stage')::smallint, 1), s->1->>'state',
      coalesce((s->1->>'attempts')::integer, 0), s->1
    from json_array_elements(p->'steps') with ordinality as e(s, o);
  insert into dossier_history (dossier_id, seq, at, type, status_to, due_at_to, entry)
    values (new_id, 1, received, 'received', (p->>'status')::smallint, (p->>'dueAt')::timestamptz, p->'history');
  if json_typeof(p->'notification') = 'object' then
    insert into notifications (dossier_id, seq, at, body) values (new_id, 1, received, p->'notification');
    insert into notify_pending (dossier_id, since) values (new_id, received);
  end if;
  if win > interval '0' then
    insert into content_fingerprints as c (fingerprint, dossier_id, system, seen_at) values (cfp, new_id, sys, received)
      on conflict (fingerprint) do update set dossier_id = excluded.dossier_id, system = excluded.system, seen_at = excluded.seen_at
      where c.seen_at <= excluded.seen_at - win;
  end if;
  insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at)
    select 'dossier', s->1->>'agency', new_id, s->>0, new_code || '|' || (s->>0), received
    from json_array_elements(p->'steps') as e(s) where s->1->>'state' = 'pending';
  return json_build_object('outcome', 'created', 'code', new_code);
end
$$;

-- A change computed from a read of the dossier (an agency report, a withdrawal, a supplement, a
-- return, the overdue flag…), applied only if the dossier's version is still the one read
-- (optimistic concurrency). `p` is built by DossierStore.applyChange; see there.
-- Returns {outcome: 'ok', sequence} | {outcome: 'seen', answer} | {outcome: 'stale'} | {outcome: 'missing'}.
create function hub_apply (p json) returns json language plpgsql as $$
declare
  did bigint;
  v integer;
  seen text;
  at_ts timestamptz := (p->>'at')::timestamptz;
  now_ts timestamptz := to_timestamp((p->>'nowMs')::double precision / 1000);
  hseq integer;
  nseq integer := 0;
  f json := case when json_typeof(p->'facts') = 'object' then p->'facts' end;
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
    supplements = case when json_typeof(p->'supplement') = 'object' then (p->'supplement'->>'sequence')::smallint else supplements end,
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
    from json_each(p->'routing') as r where s.dossier_id = did and s.step = r.key;

  select coalesce(max(h.seq), 0) into hseq from dossier_history h where h.dossier_id = did;
  -- history entries: {e: the entry, from, to: national status codes when it changed the status};
  -- the report's event id goes on the first
  insert into dossier_history (dossier_id, seq, at, type, status_from, status_to, due_at_to, event_id, entry)
    select did, hseq + o::integer, coalesce((x->'e'->>'at')::timestamptz, at_ts), x->'e'->>'type',
      (x->>'from')::smallint, (x->>'to')::smallint, (x->'e'->>'dueAtTo')::timestamptz,
      case when o = 1 then p->>'eventId' end, x->'e'
    from json_array_elements(p->'history') with ordinality as h(x, o);

  if p->>'eventId' is not null then
    insert into dossier_events (dossier_id, event_id, answer) values (did, p->>'eventId', coalesce(p->>'answer', ''));
  end if;

  -- deliveries released: the outbox row of each (the same message again is queued again)
  insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at)
    select coalesce(r->>'kind', 'dossier'), s.agency, did, s.step, r->>'member', now_ts
    from json_array_elements(p->'release') as x(r) join dossier_steps s on s.dossier_id = did and s.step = r->>'step'
    on conflict (idempotency_key) do update set created_at = excluded.created_at, queued_at = null, confirmed_at = null, discarded_at = null;

  if json_typeof(p->'supplement') = 'object' then
    insert into supplements (dossier_id, seq, supplement_id, submitted_at, attachments, note)
      values (did, (p->'supplement'->>'sequence')::smallint, p->'supplement'->>'id', (p->'supplement'->>'submittedAt')::timestamptz,
        p->'supplement'->'attachments', p->'supplement'->>'note');
  end if;

  if json_typeof(p->'notification') = 'object' then
    select coalesce(max(x.seq), 0) + 1 into nseq from notifications x where x.dossier_id = did;
    insert into notifications (dossier_id, seq, at, body) values (did, nseq, now_ts, p->'notification');
    insert into notify_pending (dossier_id, since) values (did, now_ts) on conflict (dossier_id) do nothing;
  end if;
  return json_build_object('outcome', 'ok', 'sequence', nseq);
end
$$;

-- A delivery outcome for one step (compare-and-set on the step's state as text), and, when `confirm`
-- names an outbox row, that row confirmed: the destination has the message, or it will not be sent
-- (failed for good, not needed). `next` null: only confirm.
-- Returns 1 updated (or confirmed), 0 stale, -1 no such dossier, -2 no such step.
create function hub_step (code text, step_id text, expected text, next json, confirm text, at_ts timestamptz) returns integer
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
        last_attempt_at = (next->>'lastAttemptAt')::timestamptz, delivered_at = (next->>'deliveredAt')::timestamptz
      where s.dossier_id = did and s.step = step_id;
    update dossiers d set version = d.version + 1, updated_at = at_ts where d.id = did;
  end if;
  if confirm is not null then
    update outbox o set confirmed_at = at_ts where o.idempotency_key = confirm and o.confirmed_at is null;
  end if;
  return 1;
end
$$;
