-- 0003: what the audit store (src/store/audit-store.ts) needs of 0001's audit tables.
--
-- The head record's HMAC. A trail's row (audit_trails) is its head: head_seq and head_hash say how
-- long the trail is and where it ends; head_mac is the HMAC-SHA256, under the hub's audit key, of
-- "audit-head|<name>|<head_seq>|<head_hash in hex>" (domain/audit-chain.ts headRecord). Someone
-- who can write rows but does not hold the key cannot cut a trail short or rewrite it and make
-- the head say so: the MAC would not verify. Null: the trail has no head record (a trail imported
-- from an earlier version, whose entries are unkeyed; or one whose head was erased, which the
-- verification names when its entries are keyed).
alter table audit_trails add column head_mac bytea;

-- Checkpoints keep the whole signed document in columns, so it is served again as signed:
-- `heads` holds the document's heads ([{dossier, entries, head}], head in hex), `unverified` the
-- names of the trails whose head record did not verify when it was taken.
alter table audit_checkpoints add column unverified jsonb not null default '[]';
comment on column audit_checkpoints.heads is 'the heads the digest covers, as in the signed document: [{dossier, entries, head}]';

-- Appends entries to a trail in one statement (one round trip), with compare-and-set on its head:
-- the entries' hashes chain from the head the caller read or remembered (they are HMACs computed
-- outside the database, which never sees the key), so they go in only when the head is still that
-- one. The row is locked (for update) while it is compared and moved, so concurrent appends of
-- one trail wait for each other instead of interleaving.
--   p_expect_mac null: the caller expects no trail yet; the trail row is created (a concurrent
--   creator makes this one find the row and answer false).
--   otherwise: the trail's head must be (p_expect_seq, p_expect_hash, p_expect_mac).
-- p_entries: [{seq, at, client, action, status, kid, hash (hex), entry}], in order.
-- Returns true when appended; false when the head was not the one expected (the caller reads it
-- again, under a lock). An entry number already taken (rows added outside the hub beyond the head)
-- fails with unique_violation and appends nothing.
create function audit_append(p_name text, p_expect_seq integer, p_expect_hash bytea, p_expect_mac bytea,
                             p_head_hash bytea, p_head_mac bytea, p_entries jsonb)
returns boolean
language plpgsql
as $$
declare
  v_id    bigint;
  v_count integer := jsonb_array_length(p_entries);
begin
  if p_expect_mac is null then
    insert into audit_trails (name, head_seq, head_hash, head_mac, updated_at)
      values (p_name, v_count, p_head_hash, p_head_mac, now())
      on conflict (name) do nothing
      returning id into v_id;
    if v_id is null then
      return false;
    end if;
  else
    update audit_trails
       set head_seq = p_expect_seq + v_count, head_hash = p_head_hash, head_mac = p_head_mac, updated_at = now()
     where name = p_name and head_seq = p_expect_seq and head_hash = p_expect_hash and head_mac = p_expect_mac
     returning id into v_id;
    if v_id is null then
      return false;
    end if;
  end if;
  insert into audit_entries (trail_id, seq, at, client, action, status, key_id, hash, entry)
    select v_id, x.seq, x.at, x.client, x.action, x.status, x.kid, decode(x.hash, 'hex'), x.entry
      from jsonb_to_recordset(p_entries)
        as x(seq integer, at timestamptz, client text, action text, status smallint, kid text, hash text, entry jsonb);
  return true;
end
$$;
