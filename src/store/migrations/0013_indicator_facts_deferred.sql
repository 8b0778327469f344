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

create table indicator_stale (dossier_id bigint primary key);

create or replace function indicator_history_appended () returns trigger language plpgsql as $$
begin
  insert into indicator_stale (dossier_id) select distinct dossier_id from appended on conflict do nothing;
  return null;
end
$$;

create or replace function indicator_steps_appended () returns trigger language plpgsql as $$
begin
  insert into indicator_stale (dossier_id)
    select distinct a.dossier_id from appended a where exists (select 1 from dossier_history h where h.dossier_id = a.dossier_id)
    on conflict do nothing;
  return null;
end
$$;

create or replace function indicator_dossier_changed () returns trigger language plpgsql as $$
begin
  insert into indicator_stale (dossier_id) values (new.id) on conflict do nothing;
  return null;
end
$$;

-- Rebuilds the facts of up to `batch` marked dossiers and takes their marks, in one transaction; the
-- number rebuilt. Marks another flush holds are left to it (skip locked). A write that commits while
-- this runs marks its dossier again once this commits, so the next flush sees it.
create function indicator_flush (batch integer default 2000) returns integer language plpgsql as $$
declare
  ids bigint[];
begin
  with taken as (
    delete from indicator_stale where dossier_id in (
      select dossier_id from indicator_stale order by dossier_id limit batch for update skip locked)
    returning dossier_id)
  select array_agg(dossier_id) into ids from taken;
  if ids is null then return 0; end if;
  perform indicator_refresh(ids);
  return cardinality(ids);
end
$$;
