-- 0017: once-only (issue 17): the files of papers digitised at the desk, kept by the hub itself.
--
-- Until now the hub kept a document's address and SHA-256, never its bytes; a paper digitised at a
-- one-stop desk had to live on some other server. document_files keeps the bytes of a paper posted
-- with its content (POST /v1/documents, contentBase64), one row per document, in the record:
--   * one backup: pg_dump / base backups / WAL archiving already protect the record; a directory of
--     files beside it would need its own backup, kept consistent with the rows by hand;
--   * one transaction: the document row and its file are written together (never a row without
--     its file or a file without a row), and deleted together (on delete cascade) when retention
--     or an operator removes the document;
--   * one access path: the hub reads the file only through GET /v1/documents/{id}/content, with
--     its checks and its access log.
-- Files are bounded (hub config documents.contentLimit, 10 MiB by default, 50 MiB at most), which
-- bytea holds well (TOAST, out of line). Storage EXTERNAL: scans and PDFs are compressed already,
-- so PostgreSQL does not try to compress them again.
create table document_files (
  document_id text primary key references documents (id) on delete cascade,
  byte_size   bigint not null check (byte_size >= 0),
  sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  content     bytea not null,
  stored_at   timestamptz not null default now(),
  check (octet_length(content) = byte_size)
);
alter table document_files alter column content set storage external;

-- the access log records reads of a kept file too (with their purpose, Decree 13/2023/NĐ-CP)
alter table document_access drop constraint document_access_action_check;
alter table document_access add constraint document_access_action_check
  check (action in ('lookup', 'reuse', 'register', 'revoke', 'fetch', 'read'));
-- which dossiers reused a document (an agency may read a kept file when a dossier routed to it reused it)
create index document_access_reused on document_access using gin (document_ids) where action = 'reuse';
