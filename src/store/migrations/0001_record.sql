-- 0001: the record (hồ sơ, their history, audit trails, clients, receive-once keys, outbox).
--
-- Conventions
--   * Child tables point at a dossier by `dossier_id bigint` (8 bytes), not by its 25-character code:
--     the code is stored once, in dossiers.code. Every per-dossier child table has a primary key that
--     starts with dossier_id, so "everything of one dossier" is one index range and no other index
--     is needed for it.
--   * dossiers.id is given in intake order; lists page by it (newest first, cursor = last id seen):
--     intake order is receipt order (received_at is the time of intake), and an id cursor needs no
--     second sort key.
--   * Statuses are the national codes 1–10 (TrangThaiHoSo; domain/status.ts maps names), as smallint.
--   * Times are timestamptz (UTC inside; the API shows Vietnam time). Hashes are bytea (32 bytes for
--     SHA-256), not hex text (64).
--   * No table duplicates the dossier's jsonb: outbox messages whose content is in the record carry
--     no payload; history rows keep in jsonb only what their columns do not hold.
--   * Foreign keys (on delete cascade) only where the child's primary key starts with dossier_id:
--     deleting a dossier then costs one index range per table. Tables keyed by something else
--     (receive-once keys, content fingerprints, the outbox) name the dossier without a foreign key:
--     a foreign key would scan them once per deleted dossier, and an index on dossier_id would cost
--     bytes on every dossier; the retention job deletes their rows in batches of dossier ids.
--   * Receive-once is done by primary keys and unique constraints: a second insert of the same
--     key fails (or ON CONFLICT finds the first), under any number of concurrent copies.
--   * No counters of the present: lists and figures (Decision 766) are queries over dossiers and
--     dossier_history, so a past period gives the same answer later.

-- ---------------------------------------------------------------------------------------------
-- Dossiers: one row per dossier. `doc` is the canonical JSON of the submission (what the sender
-- sent, mapped: source, procedure, applicant, data, attachments, channel, resultReturn, fees,
-- submittedAt); the columns are what the hub assigns or changes, and what lists, filters, the
-- overdue sweeper and reports read without opening the jsonb. Figures that depend on the
-- submission's details (766 indicators 3.6 paid online, 4.2–4.5 digitized / reused components)
-- read `doc`; a column or an expression index comes in a later migration if one proves slow.
create table dossiers (
  id                 bigint generated always as identity primary key,
  -- mã hồ sơ, <receiving agency>-<YYMMDD>-<NNNN> (domain/dossier-code.ts)
  code               text        not null unique,
  status             smallint    not null check (status between 1 and 10),
  procedure_code     text        not null,
  -- the agency whose counter numbered the code (QCVN 102 code, e.g. 000.00.06.H56)
  receiving_agency   text        not null,
  -- KenhThucHien: 1 counter, 2 online, 3 postal
  channel            smallint    not null check (channel between 1 and 3),
  level              text        not null check (level in ('province', 'district', 'commune')),
  return_method      text        not null check (return_method in ('counter', 'postal', 'online')),
  source_system      text        not null,
  received_at        timestamptz not null,
  -- hạn xử lý in force (moved by pauses), and the date an agency announced it will be late by
  due_at             timestamptz,
  rescheduled_due_at timestamptz,
  paused_since       timestamptz,
  overdue_since      timestamptz,
  resolved_at        timestamptz,
  returned_at        timestamptz,
  -- not accepted (3), withdrawn (7) or stopped (8)
  closed_at          timestamptz,
  timeliness         text        check (timeliness in ('early', 'on-time', 'overdue')),
  -- the procedure's processing time when the catalogue gave one (DeadlineRule: days, count)
  deadline_rule      jsonb,
  -- SHA-256 of the submission: a repeat with the same key but other content is a conflict
  fingerprint        bytea       not null,
  -- compare-and-set: every change is `update … where id = $1 and version = $2`
  version            integer     not null default 1,
  updated_at         timestamptz not null,
  doc                jsonb       not null
);
-- GET /v1/dossiers?status=… (newest first, id cursor); also the open/paused counts of reports
create index dossiers_status on dossiers (status, id);
-- GET /v1/dossiers?procedure=…, and figures per procedure (2.2 average handling time, 3.6, 4.1)
create index dossiers_procedure on dossiers (procedure_code, id);
-- "received in the period" (every 766 indicator; ?receivedFrom/To): rows are inserted in receipt
-- order, so a BRIN index (a few pages for millions of rows) finds a period's block range
create index dossiers_received on dossiers using brin (received_at);
-- the overdue sweeper: open dossiers whose clock runs (received 2, processing 4; not paused, not
-- yet flagged), by due date; only those rows are in the index
create index dossiers_due on dossiers (due_at)
  where status in (1, 2, 4) and overdue_since is null and due_at is not null;

-- ---------------------------------------------------------------------------------------------
-- Routing steps: one row per step of a dossier's route (the agency it goes to, its stage, the
-- step's state and the delivery outcome). `detail` holds the rest of the RoutingState
-- (task, lead, required, lastError, agencyReference, note, reason, missing, payment, results,
-- withdrawalNotice, lastSupplement).
create table dossier_steps (
  dossier_id      bigint      not null references dossiers (id) on delete cascade,
  step            text        not null,
  -- position in the route (route order, for reading the route back in order)
  position        smallint    not null,
  agency          text        not null,
  stage           smallint    not null,
  state           text        not null check (state in ('waiting', 'pending', 'retrying', 'delivered', 'failed', 'accepted',
                                'processing', 'supplement-requested', 'payment-requested', 'resolved', 'rejected', 'cancelled')),
  attempts        integer     not null default 0,
  last_attempt_at timestamptz,
  delivered_at    timestamptz,
  reported_at     timestamptz,
  due_at          timestamptz,
  detail          jsonb,
  primary key (dossier_id, step)
);
-- GET /v1/dossiers?agency=… and an agency client's own list (newest first, id cursor); figures
-- per agency
create index dossier_steps_agency on dossier_steps (agency, dossier_id);

-- ---------------------------------------------------------------------------------------------
-- History: every entry of a dossier's history, in order (received, agency reports, withdrawal,
-- return, overdue flag, delay announced, supplement provided). Status changes carry status_from /
-- status_to and the due date in force after them (the `received` entry: the first due date; later
-- ones when a pause moved it): with their times, these rows are what Decision
-- 766 figures of a past period read (the state at the period's end, supplement time from the
-- 5 → x changes, "more than one supplement request"), instead of counters of the present.
-- Agency reports are received once by their event id (unique per dossier, below): a repeat is
-- answered from the entry the first one wrote (applied, reason, the status change, released and
-- cancelled steps; the report itself, whose fingerprint tells a repeat from a conflicting reuse
-- of the id), so no second table keeps the answer.
-- `entry` holds the HistoryEntry's other fields (actor, step, report, applied, reason, released,
-- cancelled, note, method, dueAtFrom, inTime, supplementId, documents).
create table dossier_history (
  dossier_id  bigint      not null references dossiers (id) on delete cascade,
  seq         integer     not null,
  at          timestamptz not null,
  type        text        not null check (type in ('received', 'agency-report', 'withdrawn', 'returned', 'overdue',
                            'delay-announced', 'supplement-provided')),
  status_from smallint    check (status_from between 1 and 10),
  status_to   smallint    check (status_to between 1 and 10),
  due_at_to   timestamptz,
  -- the agency's id of the report (eventId)
  event_id    text,
  entry       jsonb       not null,
  -- the webhook notification this entry's change caused: its sequence number (1, 2, … per
  -- dossier) and what the entry and the dossier do not give (event, the applicant's requests, the
  -- rescheduled due date); null: none. A notification is rebuilt from the entry, the dossier's
  -- procedure and this, instead of a second copy of the same facts in a table of its own.
  notice_seq  smallint,
  notice      jsonb,
  check ((notice_seq is null) = (notice is null)),
  primary key (dossier_id, seq)
);
-- figures of a period from what happened in it (ended, resolved, paused in the period): history
-- rows are appended in time order, so BRIN again
create index dossier_history_at on dossier_history using brin (at);
-- receive once: an agency report's event id, once per dossier (only entries that have one)
create unique index dossier_history_event on dossier_history (dossier_id, event_id) where event_id is not null;

-- ---------------------------------------------------------------------------------------------
-- Supplements (hồ sơ bổ sung): the papers the applicant supplied, in order. The portal's id of a
-- supplement is received once per dossier.
create table supplements (
  dossier_id    bigint      not null references dossiers (id) on delete cascade,
  seq           smallint    not null,
  supplement_id text        not null,
  submitted_at  timestamptz not null,
  attachments   jsonb       not null,
  note          text,
  primary key (dossier_id, seq),
  unique (dossier_id, supplement_id)
);

-- ---------------------------------------------------------------------------------------------
-- Webhook notifications have no table of their own: each is caused by one change, which writes
-- history, and is kept on the last history entry of that change (dossier_history.notice_seq and
-- notice). Their sequence number is their position; how far each subscriber has got and the log
-- of delivery attempts are below.
create table webhook_cursors (
  dossier_id bigint  not null references dossiers (id) on delete cascade,
  subscriber text    not null,
  -- the subscriber has every notification up to this sequence number
  delivered  integer not null,
  primary key (dossier_id, subscriber)
);

create table webhook_attempts (
  dossier_id  bigint      not null references dossiers (id) on delete cascade,
  id          bigint      generated always as identity,
  at          timestamptz not null,
  subscriber  text        not null,
  seq         integer     not null,
  event       text        not null,
  attempt     smallint    not null,
  outcome     text        not null check (outcome in ('delivered', 'retrying', 'failed', 'skipped')),
  http_status smallint,
  error       text,
  -- a dossier's log, oldest first
  primary key (dossier_id, id)
);

-- ---------------------------------------------------------------------------------------------
-- Audit trails: who read or changed what, as hash chains. A trail is a dossier's (name = its code)
-- or another object's (e.g. `clients`). The trail row is the chain's head (last seq and hash):
-- appenders lock it (select … for update), so entries of one trail are appended one after another
-- without retries, and a truncated trail is detected against its head.
create table audit_trails (
  id         bigint      generated always as identity primary key,
  name       text        not null unique,
  head_seq   integer     not null default 0,
  head_hash  bytea,
  updated_at timestamptz not null default now()
);

-- Entries: `hash` is the keyed hash (HMAC-SHA-256 under the key `key_id` names; SHA-256 for
-- entries written before keys) over the entry with its trail, seq and the previous entry's hash.
-- `prev` is not stored: it is the hash of entry seq - 1. `entry` holds the fields without a
-- column (role, agency, method, route, requestId, note).
create table audit_entries (
  trail_id  bigint      not null references audit_trails (id) on delete cascade,
  seq       integer     not null,
  at        timestamptz not null,
  client    text        not null,
  action    text        not null,
  status    smallint    not null,
  key_id    text,
  hash      bytea       not null,
  entry     jsonb       not null,
  primary key (trail_id, seq)
);
-- reviews by time ("who read dossiers yesterday"); entries are appended in time order
create index audit_entries_at on audit_entries using brin (at);

-- Signed daily checkpoints: at the end of a Vietnam day, the hub signs (Ed25519) a digest of every
-- trail head that changed that day, so a later rewrite of a trail, head included, shows.
create table audit_checkpoints (
  day        date        primary key,
  created_at timestamptz not null,
  -- how many trail heads the digest covers, and the digest
  trails     integer     not null,
  digest     bytea       not null,
  -- the signing key's id (its public key is published) and the signature
  key_id     text        not null,
  signature  bytea       not null,
  -- the heads it covers: [{trail, seq, hash}] (kept so the digest can be recomputed)
  heads      jsonb       not null
);

-- ---------------------------------------------------------------------------------------------
-- Clients of the API and their keys: only the SHA-256 of the key's secret is stored
-- (auth/clients.ts). A removed client keeps its row (removed_at) so audit entries still name it.
create table clients (
  id          text        primary key,
  name        text        not null,
  role        text        not null check (role in ('portal', 'agency', 'admin', 'auditor')),
  agency      text,
  secret_hash bytea       not null,
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  removed_at  timestamptz,
  check (role <> 'agency' or agency is not null)
);

-- ---------------------------------------------------------------------------------------------
-- Receive once. Each table maps something a sender chose to the dossier it created; the primary
-- key is the receive-once rule. `fingerprint` is the SHA-256 of the submission that first used
-- the key or reference: a repeat with other content is a conflict, not a duplicate.

-- Idempotency-Key header values, per client (two clients may choose the same key); the key is
-- stored as its SHA-256 (keys are opaque and of any length).
create table idempotency_keys (
  client_id   text        not null,
  key_hash    bytea       not null,
  dossier_id  bigint      not null,
  fingerprint bytea       not null,
  created_at  timestamptz not null,
  primary key (client_id, key_hash)
);

-- The sending system's own reference (source.system + source.reference; source.origin names the
-- first system's, found here too). One dossier may have several (the portal's, then an agency's).
create table source_refs (
  system      text        not null,
  reference   text        not null,
  dossier_id  bigint      not null,
  fingerprint bytea       not null,
  created_at  timestamptz not null,
  primary key (system, reference)
);

-- Cross-channel duplicates: SHA-256 of procedure + applicant ID + data, with the system that sent
-- it and when. A dossier from another system with the same content within the window
-- (seen_at > now() - window) is the same dossier; after the window the row may be taken over
-- (insert … on conflict (fingerprint) do update … where content_fingerprints.seen_at <= excluded.seen_at - window).
create table content_fingerprints (
  fingerprint bytea       primary key,
  dossier_id  bigint      not null,
  system      text        not null,
  seen_at     timestamptz not null
);

-- ---------------------------------------------------------------------------------------------
-- Day counters of dossier codes: the last number given by a receiving agency on a Vietnam day
-- (the NNNN of <agency>-<YYMMDD>-<NNNN>). Taken with
--   insert … values ($agency, $day, 1) on conflict (agency, day) do update set last = day_counters.last + 1 returning last
-- A row lock that lives until commit would queue every intake of one agency behind the one before
-- it; taken in its own short statement instead, a failed intake leaves a gap in the day's numbers
-- (as a sequence would), never a number given twice (dossiers.code is unique).
create table code_counters (
  agency text     not null,
  day    date     not null,
  last   integer  not null,
  primary key (agency, day)
);

-- ---------------------------------------------------------------------------------------------
-- Outbox: every message the hub sends (a delivery to an agency, a withdrawal or supplement notice,
-- a webhook, a DVCQG sync, an SMS…), written in the transaction of the change that causes it. A
-- relay moves rows into their BullMQ queue (`destination`) and stamps queued_at; the worker stamps
-- confirmed_at when the destination has it. A row not confirmed is queued again (after a crash, or
-- when Redis was lost); destinations drop repeats by the idempotency key.
-- `payload` only for messages whose content is not in the record (a delivery of a dossier or a
-- supplement is built from the record when sent: no second copy of the dossier's jsonb).
create table outbox (
  id              bigint      generated always as identity primary key,
  kind            text        not null,
  destination     text        not null,
  dossier_id      bigint,
  -- the step of the route it goes to, for agency messages
  step            text,
  idempotency_key text        not null unique,
  payload         jsonb,
  created_at      timestamptz not null default now(),
  queued_at       timestamptz,
  confirmed_at    timestamptz,
  -- an administrator discarded it (audited); it is not sent again
  discarded_at    timestamptz
);
-- the relay: messages still to send, oldest first; confirmed rows leave the index
create index outbox_unconfirmed on outbox (created_at)
  where confirmed_at is null and discarded_at is null;
