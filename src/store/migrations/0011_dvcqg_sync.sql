-- 0011: the sync to the national public service portal (DVCQG) (issue 14, point 4).
--
-- Every dossier and every status change of it is pushed to DVCQG (Decree 118/2025/NĐ-CP: the
-- province's system for handling procedures syncs every dossier; Decision 766 indicator 1.4 counts
-- the share synced). The pushes of one dossier must reach DVCQG in order, so they are a stream
-- with a cursor, as webhook notifications are, not independent messages:
--
--   - a dossier's status changes are its history rows whose status changes (status_to set and not
--     status_from): the receipt first. The n-th of them is sync message n (SoThuTu n, dense: the
--     sink sees a gap or a reversal at once);
--   - `national_sync` holds, per dossier, how many there are (`wanted`) and how many DVCQG has
--     (`synced`): the row is the outbox entry of the DVCQG destination. It is written by a trigger
--     on dossier_history, in the transaction of the change (hub_intake, hub_apply), so no writer
--     of history can forget it and a committed change always owes its sync;
--   - the relay (queues/national-sync-queue.ts) queues a job for every row that owes something
--     and was not seen queued lately (`queued_at`), the worker sends messages synced+1..wanted in
--     order under the row's lease (`lease_token`, `lease_until`: one sender per dossier, taken
--     over when it expires) and moves `synced` after each; a failure stops there (order first).
create table national_sync (
  dossier_id      bigint      primary key references dossiers (id) on delete cascade,
  -- status changes of the dossier (its sync messages: 1 = the receipt)
  wanted          integer     not null,
  -- DVCQG has every message up to this one
  synced          integer     not null default 0,
  -- pending: owed, not tried yet or since a success; retrying: the last attempt failed and will be
  -- tried again; failed: failed for good (the later messages wait behind it) until an
  -- administrator retries it; synced: DVCQG has everything
  state           text        not null default 'pending' check (state in ('pending', 'retrying', 'failed', 'synced')),
  attempts        integer     not null default 0,
  last_attempt_at timestamptz,
  last_error      text,
  -- when DVCQG first took the dossier (its receipt message): what indicator 1.4 counts
  first_synced_at timestamptz,
  synced_at       timestamptz,
  -- owed since (the oldest owed change)
  since           timestamptz not null,
  -- the relay last saw its job queued (null: not yet, e.g. a new change): looked at again after a grace
  queued_at       timestamptz,
  lease_token     text,
  lease_until     timestamptz
);
-- the relay: rows that owe something, least recently seen first
create index national_sync_owed on national_sync ((coalesce(queued_at, since))) where synced < wanted and state <> 'failed';
-- the admin view and the metrics
create index national_sync_state on national_sync (state, dossier_id) where state <> 'synced';

-- A dossier put back from a retention archive (docs/operations.md: `set local hub.restoring = 'on'`)
-- brings its own national_sync row: its history rows owe nothing again.
create or replace function hub_national_sync () returns trigger language plpgsql as $$
begin
  if coalesce(current_setting('hub.restoring', true), '') = 'on' then return null; end if;
  insert into national_sync as s (dossier_id, wanted, since) values (new.dossier_id, 1, now())
    on conflict (dossier_id) do update set
      wanted = s.wanted + 1,
      state = case when s.state = 'synced' then 'pending' else s.state end,
      since = case when s.synced >= s.wanted then now() else s.since end,
      queued_at = null;
  return null;
end
$$;

create trigger dossier_history_national_sync after insert on dossier_history
  for each row when (new.status_to is not null and new.status_to is distinct from new.status_from)
  execute function hub_national_sync();

-- dossiers received before this migration: their status changes so far are owed
insert into national_sync (dossier_id, wanted, since)
  select h.dossier_id, count(*), min(h.at) from dossier_history h
  where h.status_to is not null and h.status_to is distinct from h.status_from
  group by h.dossier_id;
