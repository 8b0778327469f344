-- 0024: the receive-once helpers and the code-sequence name as PL/pgSQL (issue 13, the record's speed).
--
-- hub_known and hub_answer (0002) and hub_code_sequence (0018) were SQL-language functions whose
-- bodies PostgreSQL cannot inline (a subquery, a FROM), so each call ran the SQL-function executor,
-- which parses and plans the body again for every statement that calls it: a repeat's lookup
-- (DossierStore.prior) called hub_answer and hub_known once each per request, and every intake called
-- hub_code_sequence. PL/pgSQL plans each statement of a function once per connection and keeps the
-- plan. Measured with track_functions on the duplicates load: 177 µs (hub_known) and 230 µs
-- (hub_answer) of the database's time per repeat, on a machine also running the test suite.
--
-- What each returns is unchanged, and so is what it sees: a STABLE function, in either language,
-- reads with the snapshot of the statement that calls it.

create or replace function hub_known (id bigint, asker text) returns boolean language plpgsql stable as $$
begin
  if asker is null then
    return exists (select 1 from dossiers d where d.id = hub_known.id);
  end if;
  return exists (select 1 from dossier_steps s where s.dossier_id = hub_known.id and s.agency = asker);
end
$$;

create or replace function hub_answer (id bigint, expected bytea, fp bytea) returns json language plpgsql stable as $$
declare
  answer json;
begin
  select case when expected is not null and expected <> fp then json_build_object('outcome', 'conflict', 'code', d.code)
    else json_build_object('outcome', 'duplicate', 'code', d.code, 'status', d.status, 'receivedAt', d.received_at,
      'dueAt', d.due_at, 'procedure', d.procedure_code, 'procedureName', d.procedure_name,
      'steps', (select json_agg(json_build_array(s.step, s.detail) order by s.position) from dossier_steps s where s.dossier_id = d.id))
    end into answer
  from dossiers d where d.id = hub_answer.id;
  return answer;
end
$$;

create or replace function hub_code_sequence (p_agency text, p_day date) returns text language plpgsql immutable as $$
begin
  return 'code_' || to_char(p_day, 'YYYYMMDD') || '_' || left(md5(p_agency), 16);
end
$$;
