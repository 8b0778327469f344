-- 0004: what GET /v1/stats needs to judge a period at its end (store/stats-queries.ts).
--
-- "Open at the end of the period" (đang giải quyết, đang quá hạn) asks, for one instant, which
-- dossiers were received by then and had not ended yet. Without an index that means every dossier
-- received before the instant, or every status change since it: for a period a year past, most of
-- the record (measured on 1 million dossiers over two years: 10 s for one past month, most of it
-- spent there). The interval each dossier was open, [received, ended), in a GiST index answers
-- "which intervals contain this instant" from the index alone (5–9 ms for ~13 000 open dossiers
-- on the same data), for a period ending today as for one long past. About 70 bytes per dossier.
--
-- ended = resolved_at (9, or 10 without 9) or closed_at (3, 7, 8), both set once; unbounded while
-- open. greatest(…) keeps the end from lying before the receipt (two hosts' clocks may differ by a
-- little; a range ending before it starts would make the row's insert or update fail).
-- store/stats-queries.ts writes this same expression: change both together.
create index dossiers_open_during on dossiers using gist (
  tstzrange(received_at, case when coalesce(resolved_at, closed_at) is null then null
    else greatest(received_at, coalesce(resolved_at, closed_at)) end, '[)')
);
