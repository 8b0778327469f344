-- 0026: intakes of the same content no longer wait for each other (issue 13, the record's speed).
--
-- hub_intake (0018) remembered each new dossier's content fingerprint with an upsert whose update
-- applies only when the stored fingerprint is older than the duplicate window. When it is newer
-- (the same applicant's procedure received again within the window, by another system or as a new
-- dossier of the same system) the update does nothing, yet ON CONFLICT DO UPDATE locks the row
-- until commit, WAL flush included: every intake of that content waited for the one before it to
-- reach the disk, and a statement taking several intakes (store/dossier-store.ts) waited for the
-- whole of another. The function already reads the fingerprint (the content match); when that
-- read finds it within the window, the upsert is left out. Otherwise unchanged.

create or replace function hub_intake (p jsonb, p_doc json, p_steps json, p_history json, p_notification json, p_facts json) returns json language plpgsql as $$
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
  n bigint;
  width integer := (p->>'width')::integer;
  new_code text;
  claimed boolean;
  fresh boolean := false; -- a dossier of the same content was received within the window
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
    if p->'origin' is not null and jsonb_typeof(p->'origin') = 'object' then
      select r.dossier_id into did from source_refs r where r.system = p->'origin'->>'system' and r.reference = p->'origin'->>'reference';
      if did is not null and not hub_known(did, asker) then did := null; end if;
    end if;
    if did is null and win > interval '0' then
      select c.dossier_id, c.system into did, rsys from content_fingerprints c where c.fingerprint = cfp and c.seen_at > arrived - win;
      fresh := found;
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
      n := hub_code_number(p->>'agencyCode', (p->>'day')::date, coalesce((p->>'codeDaysKept')::integer, 400));
      new_code := (p->>'codePrefix') || case when length(n::text) < width then lpad(n::text, width, '0') else n::text end;
      exit when not exists (select 1 from dossiers d where d.code = new_code);
    end loop;
  end if;

  insert into dossiers (id, code, status, procedure_code, procedure_name, receiving_agency, channel, level, return_method,
    source_system, received_at, arrived_at, due_at, deadline_rule, fingerprint, version, updated_at, doc, facts, due_index_at)
  overriding system value
  values (new_id, new_code, (p->>'status')::smallint, p->>'procedure', p->>'procedureName', p->>'agencyCode',
    (p->>'channel')::smallint, p_facts->>'level', p_facts->>'returnMethod', sys, received, arrived, (p->>'dueAt')::timestamptz,
    p_facts->'rule', fp, 1, arrived, p_doc, p_facts, (p->>'dueIndexAt')::timestamptz);
  insert into dossier_steps (dossier_id, step, position, agency, stage, state, attempts, detail)
    select new_id, s->>0, (o - 1)::smallint, s->1->>'agency', coalesce((s->1->>'stage')::smallint, 1), s->1->>'state',
      coalesce((s->1->>'attempts')::integer, 0), s->1
    from json_array_elements(p_steps) with ordinality as e(s, o);
  insert into dossier_history (dossier_id, seq, at, type, status_to, due_at_to, entry)
    values (new_id, 1, received, 'received', (p->>'status')::smallint, (p->>'dueAt')::timestamptz, p_history);
  if json_typeof(p_notification) = 'object' then
    insert into notifications (dossier_id, seq, at, body) values (new_id, 1, arrived, p_notification);
    insert into notify_pending (dossier_id, since) values (new_id, arrived);
  end if;
  -- a fingerprint seen within the window stays as it is (the upsert below would leave it so, but
  -- would lock its row until commit: every intake of that content would wait for the one before)
  if win > interval '0' and not fresh then
    insert into content_fingerprints as c (fingerprint, dossier_id, system, seen_at) values (cfp, new_id, sys, arrived)
      on conflict (fingerprint) do update set dossier_id = excluded.dossier_id, system = excluded.system, seen_at = excluded.seen_at
      where c.seen_at <= excluded.seen_at - win;
  end if;
  insert into outbox (kind, destination, dossier_id, step, idempotency_key, created_at)
    select 'dossier', s->1->>'agency', new_id, s->>0, new_code || '|' || (s->>0), arrived
    from json_array_elements(p_steps) as e(s) where s->1->>'state' = 'pending';
  return json_build_object('outcome', 'created', 'code', new_code);
end
$$;
