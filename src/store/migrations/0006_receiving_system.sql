-- 0006: the receiving system's code and time (issue 14, point 2).
--
-- A desk (bộ phận một cửa) or the national portal issues the dossier code printed on the citizen's
-- receipt and stamps the receipt time; a submission may carry both (`code`, `receivedAt`). The
-- receipt time is `received_at` (due dates, the 15:00 rule, statistics and the code's date count
-- from it); the hub's own arrival time is kept beside it in `arrived_at`, and is the clock of what
-- is the hub's own: receive-once rows and their windows, the outbox, notifications, updated_at.
-- Without them the hub issues both, as before (received_at = arrived_at).

alter table dossiers add column arrived_at timestamptz;
update dossiers set arrived_at = received_at;
-- a row written by anything but hub_intake arrived when it was written
alter table dossiers alter column arrived_at set default now();
alter table dossiers alter column arrived_at set not null;

-- Intake as in 0002, with: `code` (the receiving system's code, used as given; 'code-taken' when
-- another dossier holds it) and `arrivedAt` (the hub's clock; `receivedAt` is the receipt time).
create or replace function hub_intake (p json) returns json language plpgsql as $$
declare
  asker text := nullif(p->>'asAgency', '');
  fp bytea := decode(p->>'fingerprint', 'hex');
  kh bytea := case when p->>'keyHash' is null then null else decode(p->>'keyHash', 'hex') end;
  sys text := p->'source'->>'system';
  ref text := p->'source'->>'reference';
  received timestamptz := (p->>'receivedAt')::timestamptz;
  arrived timestamptz := coalesce((p->>'arrivedAt')::timestamptz, (p->>'receivedAt')::timestamptz);
  given_code text := nullif(p->>'code', '');
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
        insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('', kh, did, fp, arrived)
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
      select c.dossier_id, c.system into did, rsys from content_fingerprints c where c.fingerprint = cfp and c.seen_at > arrived - win;
      if did is not null and (rsys = sys or not hub_known(did, asker)) then did := null; end if;
    end if;
    if did is not null then
      -- another system's dossier: remember this submission's reference (and key) for it
      insert into source_refs (system, reference, dossier_id, fingerprint, created_at) values (sys, ref, did, fp, arrived)
        on conflict (system, reference) do update set dossier_id = excluded.dossier_id, fingerprint = excluded.fingerprint;
      if kh is not null then
        insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('', kh, did, fp, arrived)
          on conflict (client_id, key_hash) do update set dossier_id = excluded.dossier_id, fingerprint = excluded.fingerprint;
      end if;
      return hub_answer(did, null, fp);
    end if;

    -- the code the receiving system issued: a code another dossier holds is refused (before
    -- anything is claimed; a concurrent copy that takes it meanwhile fails the unique index)
    if given_code is not null and exists (select 1 from dossiers d where d.code = given_code) then
      return json_build_object('outcome', 'code-taken', 'code', given_code);
    end if;

    -- a new dossier: claim the key and the reference. A row already there (a concurrent copy's:
    -- the insert waited for its transaction) is taken over only when its dossier does not exist for
    -- the asker, decided by a statement of its own: in the insert's ON CONFLICT clause, a subquery
    -- would not see the dossier the other transaction committed while this one waited.
    new_id := nextval(pg_get_serial_sequence('dossiers', 'id'));
    claimed := true;
    if kh is not null then
      insert into idempotency_keys (client_id, key_hash, dossier_id, fingerprint, created_at) values ('', kh, new_id, fp, arrived)
        on conflict (client_id, key_hash) do nothing;
      if not found then
        select k.dossier_id into did from idempotency_keys k where k.client_id = '' and k.key_hash = kh;
        claimed := not hub_known(did, asker);
        if claimed then
          update idempotency_keys k set dossier_id = new_id, fingerprint = fp, created_at = arrived
            where k.client_id = '' and k.key_hash = kh and k.dossier_id = did;
          claimed := found;
        end if;
      end if;
    end if;
    if claimed then
      insert into source_refs (system, reference, dossier_id, fingerprint, created_at) values (sys, ref, new_id, fp, arrived)
        on conflict (system, reference) do nothing;
      if not found then
        select r.dossier_id into did from source_refs r where r.system = sys and r.reference = ref;
        claimed := not hub_known(did, asker);
        if claimed then
          update source_refs r set dossier_id = new_id, fingerprint = fp, created_at = arrived
            where r.system = sys and r.reference = ref and r.dossier_id = did;
          claimed := found;
        end if;
      end if;
    end if;
    exit when claimed;
  end loop;

  -- the code the receiving system issued, else the number: the receiving agency's counter of the
  -- day, passing over codes a receiving system gave (a code never given twice: dossiers.code is unique)
  if given_code is not null then
    new_code := given_code;
  else
    loop
      insert into code_counters (agency, day, last) values (p->>'agencyCode', (p->>'day')::date, 1)
        on conflict (agency, day) do update set last = code_counters.last + 1 returning last into n;
      new_code := (p->>'codePrefix') || case when length(n::text) < width then lpad(n::text, width, '0') else n::text end;
      exit when not exists (select 1 from dossiers d where d.code = new_code);
    end loop;
  end if;

  insert into dossiers (id, code, status, procedure_code, procedure_name, receiving_agency, channel, level, return_method,
    source_system, received_at, arrived_at, due_at, deadline_rule, fingerprint, version, updated_at, doc, facts, due_index_at)
  overriding system value
  values (new_id, new_code, (p->>'status')::smallint, p->>'procedure', p->>'procedureName', p->>'agencyCode',
    (p->>'channel')::smallint, p->'facts'->>'level', p->'facts'->>'returnMethod', sys, received, arrived, (p->>'dueAt')::timestamptz,
    p->'facts'->'rule', fp, 1, arrived, p->'doc', p->'facts', (p->>'dueIndexAt')::timestamptz);
  insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, detail)
    select new_id, s->>0, (o - 1)::smallint, s->1->>'agency', coalesce((s->1->>'stage')::smallint, 1), s->1->>'state',
      coalesce((s->1->>'attempts')::integer, 0), s->1
    from json_array_elements(p->'steps') with ordinality as e(s, o);
  insert into dossier_history (dossier_id, seq, at, type, status_to, due_at_to, entry)
    values (new_id, 1, received, 'received', (p->>'status')::smallint, (p->>'dueAt')::timestamptz, p->'history');
  if json_typeof(p->'notification') = 'object' then
    insert into notifications (dossier_id, seq, at, body) values (new_id, 1, arrived, p->'notification');
    insert into notify_pending (dossier_id, since) values (new_id, arrived);
  end if;
  if win > interval '0' then
    insert into content_fingerprints as c (fingerprint, dossier_id, system, seen_at) values (cfp, new_id, sys, arrived)
      on conflict (fingerprint) do update set dossier_id = excluded.dossier_id, system = excluded.system, seen_at = excluded.seen_at
      where c.seen_at <= excluded.seen_at - win;
  end if;
  insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at)
    select 'dossier', s->1->>'agency', new_id, s->>0, new_code || '|' || (s->>0), arrived
    from json_array_elements(p->'steps') as e(s) where s->1->>'state' = 'pending';
  return json_build_object('outcome', 'created', 'code', new_code);
end
$$;
