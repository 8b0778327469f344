-- 0009: once-only (issue 17): the document store and its access log.
--
-- documents: every valid electronic document the hub can offer for reuse instead of asking the
-- citizen again (Decree 45/2020/NĐ-CP; Decision 766 indicators 4.2–4.4): results an agency issued
-- through the hub (origin 'result', registered when its report is applied), papers digitised at a
-- desk (origin 'digitized', POST /v1/documents), documents fetched from the national personal data
-- store on DVCQG (origin 'national-store'). The hub keeps the file reference and SHA-256, not the
-- file. `holder`: a person's 12-digit personal number or an organisation's code. `dossier_code`:
-- the dossier it came from. A revoked document (revoked_at) cannot be reused by a dossier received
-- after revoked_at; one past valid_until cannot be reused either.
create table documents (
  id             text primary key,
  holder         text not null,
  kind           text not null,
  name           text not null,
  issuer         text not null,
  origin         text not null check (origin in ('result', 'digitized', 'national-store')),
  issued_at      timestamptz not null,
  valid_until    timestamptz,
  revoked_at     timestamptz,
  revocation_reason text,
  file_name      text not null,
  media_type     text,
  byte_size      bigint,
  url            text not null,
  sha256         text not null,
  dossier_code   text,
  -- a result: the route step that produced it (with the dossier, the file's digest and kind it is registered once)
  step           text,
  national_ref   text,
  -- the sync of a result to the national personal data store (indicator 4.4): the row is its own
  -- outbox entry (pending while national_synced_at and national_sync_failed_at are null); the
  -- relay (maintenance job national-store-sync) posts it with Idempotency-Key "<id>/sync", retries
  -- with backoff (attempts, next_at, last error) and ends in synced or a visible failed state
  national_synced_at timestamptz,
  national_sync_attempts integer not null default 0,
  national_sync_next_at timestamptz,
  national_sync_error text,
  national_sync_failed_at timestamptz,
  registered_at  timestamptz not null default now(),
  registered_by  text not null
);
-- a holder's documents by kind (GET /v1/holders/:id/documents)
create index documents_holder on documents (holder, kind, issued_at desc);
-- a result is registered once, however often its report is repeated
create unique index documents_result_once on documents (dossier_code, step, kind, sha256) where origin = 'result';
-- the results still to sync, oldest first
create index documents_sync_pending on documents (registered_at)
  where origin = 'result' and national_synced_at is null and national_sync_failed_at is null;
-- a national-store document is fetched once
create unique index documents_national_once on documents (national_ref) where origin = 'national-store';

-- document_access: who looked up, reused, registered or revoked which documents, and for what
-- (Decree 13/2023/NĐ-CP: every lookup and reuse with its purpose, the dossier). Append-only.
create table document_access (
  id           bigserial primary key,
  at           timestamptz not null default now(),
  client       text not null,
  role         text not null,
  action       text not null check (action in ('lookup', 'reuse', 'register', 'revoke', 'fetch')),
  holder       text,
  document_ids text[] not null default '{}',
  purpose      text,
  status       smallint not null
);
create index document_access_holder on document_access (holder, at);
create index document_access_purpose on document_access (purpose);
