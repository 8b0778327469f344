-- 0005: retention (thời hạn lưu trữ) of closed dossiers: the runs of `npm run retention` and the
-- register of what each run archived and deleted (src/store/retention-store.ts; the policy is in
-- the hub config, docs/operations.md#retention).
--
-- A run is: select the dossiers due (one statement, into retention_dossiers) → write the archive
-- file, fsync it and read it back (archived_at) → delete in batches, each dossier only when its rows
-- are still exactly what the archive holds (its `digest`) → delete the rows of the tables that name
-- a dossier without a foreign key (receive-once keys, source references, content fingerprints,
-- outbox) → finished_at. Nothing is deleted before archived_at, so a crash before it leaves a run
-- that the next invocation abandons (its files removed, its register rows dropped) and a crash after
-- it a run that the next invocation finishes.

create table retention_runs (
  -- e.g. 20260301T020304Z-1a2b (the time it was taken, UTC, and 4 random hex)
  id             text        primary key,
  started_at     timestamptz not null,
  -- the instant the policy's years are counted back from
  as_of          timestamptz not null,
  -- the policy applied, as the hub config gave it (defaultYears, sectors, procedures); json, not
  -- jsonb: it goes into the archive's header and manifest in the order written
  policy         json        not null,
  -- where the archive, its manifest and its signature are written (an absolute folder) and the
  -- archive's file name
  out_dir        text        not null,
  archive_file   text        not null,
  -- one process works on a run at a time: the one whose lease has not lapsed (renewed every
  -- batch). A lapsed lease is a dead process: the next invocation takes the run over.
  lease_owner    text        not null,
  lease_until    timestamptz not null,
  -- set once the archive is written, fsynced, read back and its manifest signed: from then on the
  -- run's dossiers may be deleted
  archived_at    timestamptz,
  archive_bytes  bigint,
  archive_sha256 bytea,
  dossiers       integer,
  finished_at    timestamptz
);
-- one unfinished run at a time (two would archive the same dossiers twice)
create unique index retention_runs_open on retention_runs ((true)) where finished_at is null;

-- The register of archived dossiers (sổ hồ sơ đã lưu trữ và hủy khỏi hệ thống): one row per dossier
-- a run selected. Kept after the run (≈ 90 bytes a dossier, against the kilobytes deleted): it says
-- which archive holds a dossier that is gone, and lets an audit of trails tell a trail deleted by
-- retention from one deleted by someone else.
create table retention_dossiers (
  run_id         text        not null references retention_runs (id) on delete cascade,
  dossier_id     bigint      not null,
  code           text        not null,
  procedure_code text        not null,
  status         smallint    not null,
  -- when it ended (closed_at, resolved_at or returned_at, by status)
  ended_at       timestamptz not null,
  -- SHA-256 of its rows as the archive holds them (the dossier, its child rows, its audit trail);
  -- null until archived, and when it was gone by the time the archive was written
  digest         bytea,
  deleted_at     timestamptz,
  -- why it was not deleted: its rows changed after they were archived (it stays, and a later run
  -- archives it again if it is still due), or it was already gone
  skipped        text        check (skipped in ('changed', 'gone')),
  primary key (run_id, dossier_id)
);
