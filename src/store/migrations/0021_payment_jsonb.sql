-- 0021: the payments' fee lines and agency notices, and the pickups' addresses, as jsonb values.
--
-- PaymentStore and PickupStore wrote them as `${JSON.stringify(x)}::jsonb`: the driver sends a
-- parameter cast to jsonb through its own JSON serializer, so the text was encoded twice and each
-- row held a jsonb *string* containing the JSON (jsonb_typeof 'string'): `lines->0`,
-- `agency_notice->>'state'` and `address->>'line'` read nothing. The stores now send the text as
-- text (`::text::jsonb`); the rows written before are parsed once here. A row that already holds
-- an array or an object is left as it is, so this file is safe on any record.

update payments set lines = (lines #>> '{}')::jsonb where jsonb_typeof(lines) = 'string';
update payments set agency_notice = (agency_notice #>> '{}')::jsonb where jsonb_typeof(agency_notice) = 'string';
update postal_pickups set address = (address #>> '{}')::jsonb where jsonb_typeof(address) = 'string';

-- the administrators' list of payment notices that failed for good (GET /v1/admin/payments/notices/failed)
create index if not exists payments_notice_failed on payments (paid_at) where agency_notice->>'state' = 'failed';
