-- 0025: the indicators' flush costs less database time (indicator_refresh, as in 0020, otherwise).
--
-- Measured on 2 000 dossiers of the bench (npm run bench), a refresh of 1 000 took 456-520 ms; of the
-- 320 ms of its main statement (auto_explain):
--   - about 110 ms compiling the statement to machine code (PostgreSQL's JIT: the planner's estimate
--     of the steps' lateral reading of the history passes jit_above_cost), for a statement that
--     then runs for a few hundred ms at most: the function runs with jit off;
--   - about 110 ms parsing the dossiers' documents (doc is json text, parsed whole by every
--     reading), once per row of the join, that is once per step of each dossier: now once per
--     dossier (the materialized dd).
-- Each write of a dossier marks it, and each mark costs a refresh: the flush runs beside intake and
-- delivery on the same database.

create or replace function indicator_refresh (ids bigint[]) returns void language plpgsql set jit = off as $$
begin
  delete from indicator_facts where dossier_id in (select unnest(ids));
  delete from indicator_spans where dossier_id in (select unnest(ids));

  insert into indicator_facts (dossier_id, received_at, ended_at, resolved_at, due_at, request2_at, result_at, handling_unit,
    paper_result, e_result_at, step, step_due_at, step_received_at, step_ended_at, step_resolved_at, step_request2_at, channel,
    pair_steps, dossier_row, pair_row, commune, with_fee, paid_online, attachments, receiving_agency, procedure_code, agency)
  with dd as materialized (
    -- what the document says (fees, attachments), each document read once: doc is json text, which
    -- every reading parses whole, and a dossier has a row per step below
    select d.id, coalesce(fee.with_fee, false) as with_fee, coalesce(fee.paid_online, false) as paid_online,
      json_array_length(case when json_typeof(doc.attachments) = 'array' then doc.attachments else '[]'::json end) > 0 as attachments
    from dossiers d
    cross join lateral json_to_record(case when json_typeof(d.doc) = 'object' then d.doc else '{}'::json end) as doc (fees json, attachments json)
    left join lateral (
      select bool_or(coalesce((x->>'amount')::numeric, 0) > 0) as with_fee,
        bool_or(coalesce((x->>'amount')::numeric, 0) > 0 and x->>'collection' = 'online' and x->>'paid' = 'true') as paid_online
      from json_array_elements(case when json_typeof(doc.fees) = 'array' then doc.fees else '[]'::json end) x
    ) fee on true
    where d.id in (select unnest(ids))
  ), sx as (
    -- every step, with the time it ended (resolved or rejected) as the hub recorded it: not before
    -- the first applied agency report of the history that put it in that state
    select s.dossier_id, s.step, s.position, s.agency, s.due_at, s.state,
      coalesce((s.detail->>'deliveredAt')::timestamptz, s.delivered_at) as delivered_at,
      case when s.state in ('resolved', 'rejected') then greatest((s.detail->>'reportedAt')::timestamptz, rec.at) end as ended_at,
      s.state = 'resolved' and json_typeof(s.detail->'results') = 'array' and json_array_length(s.detail->'results') > 0 as with_results
    from dossier_steps s
    left join lateral (
      select min(h.at) as at from dossier_history h
      where h.dossier_id = s.dossier_id and h.type = 'agency-report' and h.entry->>'step' = s.step
        and h.entry->'report'->>'status' = s.state and coalesce(h.entry->>'applied', 'true') <> 'false'
    ) rec on s.state in ('resolved', 'rejected')
    where s.dossier_id in (select unnest(ids))
  )
  select d.id, d.received_at, coalesce(d.resolved_at, d.closed_at), d.resolved_at, d.due_at, w.request2_at, r.result_at,
    case when d.deadline_rule->>'count' = 'calendar' then 2 else 1 end,
    case when json_typeof(d.facts) = 'object' and json_typeof(d.facts->'paperResult') = 'boolean' then (d.facts->>'paperResult')::boolean end,
    e.e_result_at, st.step, st.due_at, case when st.step is not null then coalesce(st.delivered_at, d.received_at) end,
    st.ended_at, case when st.state = 'resolved' then st.ended_at end, q.request2_at, d.channel, coalesce(st.pair_steps, 0),
    coalesce(st.dossier_rank = 1, true), coalesce(st.pair_rank = 1, false), d.level = 'commune',
    dd.with_fee, dd.paid_online, dd.attachments,
    d.receiving_agency, d.procedure_code, st.agency
  from dossiers d
  join dd on dd.id = d.id
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
    -- the dossier (its id is the result code, its url the file link), at the time it was issued, not
    -- before its step's end was recorded
    select y.id as dossier_id, min(greatest(x.issued_at, z.ended_at)) as e_result_at
    from documents x
    join dossiers y on y.code = x.dossier_code
    left join sx z on z.dossier_id = y.id and z.step = x.step
    where x.origin = 'result' and y.id in (select unnest(ids))
    group by y.id
  ) e on e.dossier_id = d.id
  left join (
    -- 4.2: the first step resolved with result files, as recorded
    select z.dossier_id, min(z.ended_at) as result_at from sx z where z.with_results group by z.dossier_id
  ) r on r.dossier_id = d.id
  left join (
    select z.dossier_id, z.step, z.agency, z.due_at, z.state, z.delivered_at, z.ended_at,
      row_number() over (partition by z.dossier_id order by z.position, z.step) as dossier_rank,
      row_number() over (partition by z.dossier_id, z.agency order by z.position, z.step) as pair_rank,
      count(*) over (partition by z.dossier_id, z.agency) as pair_steps
    from sx z
    where z.step <> 'return'
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
