-- 0007: notices to the applicant — SMS, Zalo ZNS, e-mail (issue 16, point 1; docs/notices.md).
--
-- A notice is caused by the same change as a webhook notification: every row written to
-- `notifications` (by hub_intake and hub_apply, in the change's own transaction) puts a row in
-- `notice_pending` through the trigger below, in that same transaction, when notices are on
-- (`notice_switch`, set by the hub at start-up from its config). The pending row is the notice
-- outbox: the planner turns it into one `notices` row per channel (queued, or skipped with the
-- reason) and deletes it in one statement; the relay queues again what a crash or a Redis loss
-- left behind (queues/notice-queue.ts).

create table notice_switch (
  id      boolean primary key default true check (id),
  enabled boolean not null
);

create table notice_pending (
  dossier_id bigint      not null references dossiers (id) on delete cascade,
  seq        integer     not null,
  since      timestamptz not null,
  primary key (dossier_id, seq)
);
create index notice_pending_since on notice_pending (since);

create function hub_notice_pending () returns trigger language plpgsql as $$
begin
  if exists (select 1 from notice_switch where enabled) then
    insert into notice_pending (dossier_id, seq, since) values (new.dossier_id, new.seq, new.at) on conflict do nothing;
  end if;
  return new;
end
$$;

create trigger notifications_notice after insert on notifications for each row execute function hub_notice_pending();

-- One notice: one notification of the dossier (seq) on one channel. Its key "<code>/<seq>/<channel>"
-- is the job id and the provider's request id (idempotency). `recipient` is masked; the text is
-- what was (or will be) sent: for ZNS the template id and parameters, for e-mail the subject.
create table notices (
  dossier_id  bigint      not null references dossiers (id) on delete cascade,
  seq         integer     not null,
  channel     text        not null check (channel in ('sms', 'zalo', 'email')),
  kind        text        not null,
  state       text        not null check (state in ('queued', 'waiting', 'retrying', 'sent', 'failed', 'skipped')),
  recipient   text,
  content     text,
  segments    smallint,
  attempts    smallint    not null default 0,
  provider_id text,
  error       text,
  not_before  timestamptz,
  created_at  timestamptz not null,
  updated_at  timestamptz not null,
  primary key (dossier_id, seq, channel)
);
-- the relay looks at notices not settled, least recently touched first
create index notices_open on notices (updated_at) where state in ('queued', 'waiting', 'retrying');

-- Every attempt to send a notice, oldest first (the dossier's notice log).
create table notice_attempts (
  dossier_id  bigint      not null references dossiers (id) on delete cascade,
  id          bigint      generated always as identity,
  at          timestamptz not null,
  seq         integer     not null,
  channel     text        not null,
  attempt     smallint    not null,
  outcome     text        not null check (outcome in ('sent', 'retrying', 'failed', 'waiting')),
  http_status smallint,
  provider_id text,
  error       text,
  primary key (dossier_id, id)
);

-- Messages per month (Vietnam time) and channel: what the province pays for. Not a dossier's
-- rows: they stay when retention deletes the dossiers they counted.
create table notice_counts (
  month    date    not null,
  channel  text    not null,
  sent     integer not null default 0,
  failed   integer not null default 0,
  segments integer not null default 0,
  primary key (month, channel)
);
