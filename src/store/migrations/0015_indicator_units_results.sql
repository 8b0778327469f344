-- 0015: Decision 766 indicators 2.2, 3.3 and 4.1 from the record (issue 15).
--
-- 2.2 (average handling time) is counted in each dossier's own unit, the one its procedure's
-- deadline was counted in when it was received (dossiers.deadline_rule: working days, or calendar
-- days; a procedure without a processing time: working days, the catalogue's default count):
--   handling_unit  1 working days, 2 calendar days;
--   handling       once resolved: from the start of handling (domain/calendar.ts startOfHandling) to
--                  the resolution, less the time waiting for papers (each change into 5 until the next
--                  status row), in that unit (working time ÷ the working day's length, with the
--                  holiday table; or elapsed days). Working time needs the working calendar, which is
--                  configuration, not in the database: the flush leaves it null and
--                  store/indicator-handling.ts fills it (domain/indicators.ts handlingTime), in the
--                  flush's transaction lock. Fixed at the resolution, so a past period keeps its figure.
-- The calendar-day microseconds of 0012 (handling_us) go.
--
-- 3.3 and 4.1 need to know which procedures issue a paper result (the catalogue's paperResult,
-- recorded in the dossier's lifecycle facts when it is received, so a later catalogue change does not
-- alter past periods) and whether the dossier has an electronic result (a result document the hub
-- registered in its document store: result code and file link):
--   paper_result   the procedure's result is a paper document (null: the catalogue did not say);
--   e_result_at    when its first result document was issued (documents.issued_at).
-- A result registered after its dossier's facts were built marks the dossier (documents trigger).

alter table indicator_facts drop column handling_us;
alter table indicator_facts add column handling_unit smallint not null default 1 check (handling_unit in (1, 2));
alter table indicator_facts add column handling float8;
alter table indicator_facts add column paper_result boolean;
alter table indicator_facts add column e_result_at timestamptz;
-- the resolved dossiers whose handling time is still to be counted (store/indicator-handling.ts)
create index indicator_facts_handling_todo on indicator_facts (dossier_id) where resolved_at is not null and handling is null;

create or replace function indicator_refresh (ids bigint[]) returns void language plpgsql as $$
begin
  delete from indicator_facts where dossier_id in (select unnest(ids));
  delete from indicator_spans where dossier_id in (select unnest(ids));

  insert into indicator_facts (dossier_id, received_at, ended_at, resolved_at, due_at, request2_at, result_at, handling_unit,
    paper_result, e_result_at, step_due_at, step_ended_at, step_request2_at, channel, pair_steps, dossier_row, pair_row, commune,
    with_fee, paid_online, attachments, receiving_agency, procedure_code, agency)
  select d.id, d.received_at, coalesce(d.resolved_at, d.closed_at), d.resolved_at, d.due_at, w.request2_at, r.result_at,
    case when d.deadline_rule->>'count' = 'calendar' then 2 else 1 end,
    case when json_typeof(d.facts) = 'object' and json_typeof(d.facts->'paperResult') = 'boolean' then (d.facts->>'paperResult')::boolean end,
    e.e_result_at, st.due_at, st.ended_at, q.request2_at, d.channel, coalesce(st.pair_steps, 0),
    coalesce(st.dossier_rank = 1, true), coalesce(st.pair_rank = 1, false), d.level = 'commune',
    coalesce(fee.with_fee, false), coalesce(fee.paid_online, false),
    json_array_length(case when json_typeof(doc.attachments) = 'array' then doc.attachments else '[]'::json end) > 0,
    d.receiving_agency, d.procedure_code, st.agency
  from dossiers d
  cross join lateral json_to_record(case when json_typeof(d.doc) = 'object' then d.doc else '{}'::json end) as doc (fees json, attachments json)
  left join lateral (
    select bool_or(coalesce((x->>'amount')::numeric, 0) > 0) as with_fee,
      bool_or(coalesce((x->>'amount')::numeric, 0) > 0 and x->>'collection' = 'online' and x->>'paid' = 'true') as paid_online
    from json_array_elements(case when json_typeof(doc.fees) = 'array' then doc.fees else '[]'::json end) x
  ) fee on true
  left join (
    -- changes into 5 (supplement requests that paused it): the second in time (the time waiting for
    -- papers, which 2.2 subtracts, is counted in the procedure's unit by store/indicator-handling.ts)
    select h.dossier_id, (array_agg(h.at order by h.at, h.seq))[2] as request2_at
    from dossier_history h
    where h.dossier_id in (select unnest(ids)) and h.status_to = 5 and h.status_from is distinct from 5
    group by h.dossier_id
  ) w on w.dossier_id = d.id
  left join (
    -- 3.3, 4.1: the first electronic result, a result document registered in the document store for
    -- the dossier (its id is the result code, its url the file link), at the time it was issued
    select x.dossier_code, min(x.issued_at) as e_result_at
    from documents x
    where x.origin = 'result' and x.dossier_code in (select y.code from dossiers y where y.id in (select unnest(ids)))
    group by x.dossier_code
  ) e on e.dossier_code = d.code
  left join (
    select s.dossier_id, min((s.detail->>'reportedAt')::timestamptz) as result_at
    from dossier_steps s
    where s.dossier_id in (select unnest(ids)) and s.state = 'resolved'
      and json_typeof(s.detail->'results') = 'array' and json_array_length(s.detail->'results') > 0
    group by s.dossier_id
  ) r on r.dossier_id = d.id
  left join (
    select s.dossier_id, s.step, s.agency, s.due_at,
      case when s.state in ('resolved', 'rejected') then (s.detail->>'reportedAt')::timestamptz end as ended_at,
      row_number() over (partition by s.dossier_id order by s.position, s.step) as dossier_rank,
      row_number() over (partition by s.dossier_id, s.agency order by s.position, s.step) as pair_rank,
      count(*) over (partition by s.dossier_id, s.agency) as pair_steps
    from dossier_steps s
    where s.dossier_id in (select unnest(ids)) and s.step <> 'return'
  ) st on st.dossier_id = d.id
  left join (
    -- a supplement request on the step: it paused the dossier (→ 5) or found it paused already
    select h.dossier_id, h.entry->>'step' as step, (array_agg(h.at order by h.at, h.seq))[2] as request2_at
    from dossier_history h
    where h.dossier_id in (select unnest(ids))
      and h.type = 'agency-report' and (h.status_to = 5 or h.status_to is null)
      and h.entry->'report'->>'status' = 'supplement-requested'
      and coalesce(h.entry->>'applied', 'true') <> 'false'
    group by 1, 2
  ) q on q.dossier_id = d.id and q.step = st.step
  where d.id in (select unnest(ids));

  -- spans: from each history row that set the status or the due date (an announced delay does not
  -- count) until the next one, or the end of handling
  insert into indicator_spans (dossier_id, seq, during, status, status_at, due, status_due)
  select c.dossier_id, c.seq, tstzrange(c.at, c.until, '[)'), c.status, c.status_at, c.due,
    first_value(c.due) over (partition by c.dossier_id, c.sg order by c.seq)
  from (
    select g.dossier_id, g.seq, g.at, g.sg,
      case when g.next_at is null then g.ended_at when g.ended_at is null then g.next_at else least(g.next_at, g.ended_at) end as until,
      first_value(g.status_to) over (partition by g.dossier_id, g.sg order by g.seq) as status,
      first_value(g.at) over (partition by g.dossier_id, g.sg order by g.seq) as status_at,
      first_value(g.due_to) over (partition by g.dossier_id, g.dg order by g.seq) as due
    from (
      select r.*, coalesce(d.resolved_at, d.closed_at) as ended_at,
        count(r.status_to) over (partition by r.dossier_id order by r.seq) as sg,
        count(r.due_to) over (partition by r.dossier_id order by r.seq) as dg,
        lead(r.at) over (partition by r.dossier_id order by r.seq) as next_at
      from (
        select h.dossier_id, h.seq, h.at, h.status_to, case when h.type <> 'delay-announced' then h.due_at_to end as due_to
        from dossier_history h
        where h.dossier_id in (select unnest(ids))
          and (h.status_to is not null or (h.due_at_to is not null and h.type <> 'delay-announced'))
      ) r
      join dossiers d on d.id = r.dossier_id
    ) g
  ) c
  -- nothing from the end of handling on; no span running backwards (two hosts' clocks)
  where c.until is null or c.until > c.at;
end
$$;


-- a result registered in the document store (after the report's commit): its dossier's facts again
create function indicator_documents_appended () returns trigger language plpgsql as $$
begin
  insert into indicator_stale (dossier_id)
    select distinct d.id from appended a join dossiers d on d.code = a.dossier_code where a.origin = 'result';
  return null;
end
$$;
create trigger indicator_documents_appended after insert on documents
  referencing new table as appended for each statement execute function indicator_documents_appended();

-- the dossiers already there (their handling times are counted by the next flush)
select indicator_refresh(array(select id from dossiers));
