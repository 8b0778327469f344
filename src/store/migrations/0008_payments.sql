-- 0008: online payments (thanh toán trực tuyến) and postal pickups (thu gom hồ sơ qua bưu chính).
--
-- payments: one row per payment request an agency's step made (status 6, a payment-requested
-- report): created with the change's read of the step (dossier, step, the report's time), once
-- (unique), then opened on the payment platform through the outbox (kind 'payment-create'), paid
-- by the platform's signed callback (its transaction number and e-receipt kept), and the agency
-- told (outbox kind 'payment-notice'). A reminder is sent once when it stays unpaid.
create table payments (
  id              bigint      generated always as identity primary key,
  -- the hub's reference on the platform (vnp_TxnRef): unique, alphanumeric
  reference       text        not null unique,
  dossier_id      bigint      not null references dossiers (id) on delete cascade,
  step            text        not null,
  -- the step's payment-requested report time: one payment per request
  requested_at    timestamptz not null,
  agency          text        not null,
  provider        text        not null,
  amount          bigint      not null check (amount > 0),
  lines           jsonb       not null,
  note            text,
  -- the agency's notice number (số thông báo), when it gave one
  notice_ref      text,
  state           text        not null check (state in ('creating', 'open', 'paid', 'failed', 'cancelled')),
  url             text,
  created_at      timestamptz not null,
  expires_at      timestamptz not null,
  opened_at       timestamptz,
  paid_at         timestamptz,
  transaction_no  text,
  receipt_no      text,
  bank_code       text,
  attempts        integer     not null default 0,
  last_error      text,
  reminded_at     timestamptz,
  -- how telling the agency went: {state, attempts, at, lastError}
  agency_notice   jsonb,
  unique (dossier_id, step, requested_at)
);
-- the reminder sweep: open payments by when they were opened
create index payments_open on payments (opened_at) where state = 'open' and reminded_at is null;
-- one payment platform transaction is one payment
create unique index payments_transaction on payments (provider, transaction_no) where transaction_no is not null;

-- Postal pickups: the applicant asked the post office to collect the dossier at an address
-- (Decision 45/2016/QĐ-TTg); the dossier waits as new (1) until the post office reports it
-- collected (its time becomes the receipt time) and handed over to the desk.
create table postal_pickups (
  dossier_id      bigint      primary key references dossiers (id) on delete cascade,
  agency          text        not null,
  state           text        not null check (state in ('requested', 'ordered', 'collected', 'handed-over', 'failed', 'cancelled')),
  address         jsonb       not null,
  province_pays   boolean     not null,
  requested_at    timestamptz not null,
  item_code       text,
  collected_at    timestamptz,
  handed_over_at  timestamptz,
  -- the postage the post office charged (đồng), with collection
  postage         bigint,
  attempts        integer     not null default 0,
  last_error      text
);
create index postal_pickups_collected on postal_pickups (collected_at) where collected_at is not null;

-- history entries of the new kinds
alter table dossier_history drop constraint dossier_history_type_check;
alter table dossier_history add constraint dossier_history_type_check check (type in ('received', 'agency-report', 'withdrawn',
  'returned', 'overdue', 'delay-announced', 'supplement-provided', 'payment-received', 'postal-collected', 'postal-handed-over'));

-- the relay for deliveries to agencies (DossierStore.outboxDue) reads only its own kinds; these
-- kinds have their relay in the payment and postal services (outbox rows by kind)
create index outbox_relay_kind on outbox (kind, (coalesce(queued_at, created_at))) where confirmed_at is null and discarded_at is null;

-- Every payment callback the hub answered, accepted or refused (a forged signature, an unknown
-- payment, a wrong amount, a replay): the trail of what the platform, or someone posing as it,
-- sent. A callback about a known dossier is on that dossier's audit trail too.
create table payment_callbacks (
  id         bigint      generated always as identity primary key,
  at         timestamptz not null,
  provider   text        not null,
  reference  text,
  outcome    text        not null,
  status     smallint    not null,
  detail     text
);
create index payment_callbacks_reference on payment_callbacks (reference, id);

-- the payment relay looks for steps waiting for a payment without their payment row
create index dossier_steps_payment on dossier_steps (dossier_id) where state = 'payment-requested';
