-- 0013: the indicators' facts (0012) are rebuilt off the request path.
--
-- 0012 rebuilt a dossier's facts inside every statement that wrote its history, steps or grouping
-- columns: about 2 ms of database time in each intake and report, which halved the rate of intake
-- (npm run bench: 766 → 322 new dossiers/s on 2 cores). Now those statements only mark the dossier
-- (indicator_stale, one small row, idempotent), and indicator_flush() rebuilds the marked ones in
-- batches: the maintenance job does every few seconds, and a report on the record flushes before it
-- reads, so its figures are those of the record as committed (store/indicator-queries.ts; a report
-- read from a replica lags by the maintenance interval). The facts still carry their times, so a
-- past period gives the same answer whenever it is asked.

-- No key: a write appends its mark and never waits (a unique mark would make a write that re-marks a
-- dossier wait for a flush holding its mark, while the flush's facts rows wait, through their foreign
-- key, for the dossier row that write holds: a deadlock). A dossier may have several marks.
create table indicator_stale (dossier_id bigint not null);

create or replace function indicator_history_appended () returns trigger language plpgsql as $$
begin
  insert into indicator_stale (dossier_id) select distinct dossier_id from appended;
  return null;
end
$$;

create or replace function indicator_steps_appended () returns trigger language plpgsql as $$
begin
  insert into indicator_stale (dossier_id)
    select distinct a.dossier_id from appended a where exists (select 1 from dossier_history h where h.dossier_id = a.dossier_id);
  return null;
end
$$;

create or replace function indicator_dossier_changed () returns trigger language plpgsql as $$
begin
  insert into indicator_stale (dossier_id) values (new.id);
  return null;
end
$$;

-- Takes up to `batch` marks and rebuilds the facts of their dossiers, in one transaction; the number
-- of marks taken. One flush at a time (a transaction advisory lock): two would rebuild one dossier
-- side by side and leave its facts twice. A write that commits while this runs marks its dossier
-- again, so the next flush sees it.
create function indicator_flush (batch integer default 2000) returns integer language plpgsql as $$
declare
  ids bigint[];
  taken integer;
begin
  perform pg_advisory_xact_lock(hashtext('indicator_flush'));
  with marks as (
    delete from indicator_stale where ctid in (select ctid from indicator_stale limit batch)
    returning dossier_id)
  select array_agg(distinct dossier_id), count(*) into ids, taken from marks;
  if taken = 0 then return 0; end if;
  perform indicator_refresh(ids);
  return taken;
end
$$;
