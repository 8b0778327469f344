-- 0022: once-only (issue 17): a digitised paper's file sent as raw bytes instead of base64.
--
-- POST /v1/documents with `upload: true` registers the paper with its size and SHA-256 and no file
-- yet (content_pending); PUT /v1/documents/{id}/content then sends the bytes as
-- application/octet-stream (a third smaller than base64, never held as JSON), checked against the
-- registered size and SHA-256 and kept in document_files like a file given inline. Until the file
-- is there the document is neither offered (lookup) nor reusable: no dossier can carry an address
-- that serves nothing. The flag is cleared in the transaction that writes the file.
alter table documents add column content_pending boolean not null default false;

-- the access log records uploads too, accepted or refused (Decree 13/2023/NĐ-CP)
alter table document_access drop constraint document_access_action_check;
alter table document_access add constraint document_access_action_check
  check (action in ('lookup', 'reuse', 'register', 'revoke', 'fetch', 'read', 'upload'));
