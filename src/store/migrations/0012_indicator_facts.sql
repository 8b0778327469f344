-- 0012: the facts the Decision 766 indicators read (store/indicator-queries.ts), kept beside the
-- record so a period's figures are one pass of GROUP BY over narrow rows, instead of history
-- lookups and json parsing per dossier (before this file, on 100 000 generated dossiers: 5 s for
-- a year; bench/indicators.ts).
--
-- Every fact carries its time, so "as the record stood at the period's end" stays a filter on
-- times, and a past period gives the same answer whenever it is asked. No counter of the present.
--
--   indicator_facts  one row per routing step of a dossier (the postal return, adapters/contract.ts
--                    RETURN_STEP 'return', excepted; a dossier without one: one row), so
--                    the dossier's and its agencies' figures come from one scan without a join.
--                    The dossier's facts, on each of its rows: what it was received as (unit,
--                    procedure, channel; fee lines and attachments of the submission, read from its
--                    json once), its end of handling (resolved_at, else closed_at: set once), the due
--                    date in force then, its second supplement request (more than one: overdue),
--                    its handling time less the time it waited for papers (2.2), its first step resolved with a result
--                    file (4.2). The step's: its agency, its own due date (the one the route gave
--                    it, set once: dossier_steps.due_at, now written when the step is; a report's
--                    later dueAt is an announced delay, which on-time figures do not count), its end (reportedAt
--                    of a resolved or rejected step) and its second own supplement request.
--                    dossier_row marks the one row of each dossier the dossier's figures count;
--                    pair_row the first of its steps at one agency (pair_steps: how many).
--   indicator_spans  how a dossier stood from one history row to the next: [from, to) with the
--                    status and the due date in force (an announced delay excepted), the time of
--                    the status row (one paused in 5 / 6 is judged at it) and the due date in force
--                    then. Spans stop at the end of handling, so those containing an instant are
--                    exactly the dossiers open at it (GiST on the range: a few thousand of a million).
--
-- Upkeep: indicator_refresh(ids) rebuilds both for some dossiers from the record, in the
-- transaction that wrote it: after every statement that appends history (hub_intake and hub_apply
-- append it last, after the dossier and its steps), that adds steps to a dossier with history, and
-- after an update of a dossier's end, due date or grouping columns. The migration fills them for
-- the dossiers already there. They are derived rows: retention neither archives nor restores them
-- (store/retention-tables.ts DERIVED_TABLES); a dossier put back is rebuilt by these triggers.

create table indicator_facts (
  dossier_id       bigint      not null references dossiers (id) on delete cascade,
  received_at      timestamptz not null,
  -- end of handling: resolved_at (9, or 10 without 9), else closed_at (3, 7, 8)
  ended_at         timestamptz,
  resolved_at      timestamptz,
  -- dossiers.due_at: once handling ended, the due date then in force (it does not move afterwards)
  due_at           timestamptz,
  -- the second change into 5
  request2_at      timestamptz,
  -- 4.2: the first step reported resolved with a result file
  result_at        timestamptz,
  -- 2.2, once resolved: resolved_at − received_at − the time waiting for papers (each change into 5
  -- until the next status row, or the resolution), in microseconds
  handling_us      bigint,
  -- the step's own due date, end, second own supplement request
  step_due_at      timestamptz,
  step_ended_at    timestamptz,
  step_request2_at timestamptz,
  channel          smallint    not null,
  -- steps of the dossier at this agency (0: no step)
  pair_steps       smallint    not null,
  dossier_row      boolean     not null,
  pair_row         boolean     not null,
  -- the receiving unit is a commune (level 'commune'): grouped per commune
  commune          boolean     not null,
  -- 3.6: a non-zero fee line; one collected online and paid
  with_fee         boolean     not null,
  paid_online      boolean     not null,
  -- 4.2: the submission has a component file
  attachments      boolean     not null,
  receiving_agency text        not null,
  procedure_code   text        not null,
  -- the step's agency (null: no step)
  agency           text
);
create index indicator_facts_dossier on indicator_facts (dossier_id);
-- dossiers with more than one step at one agency: judged there once, apart (few)
create index indicator_facts_pairs on indicator_facts (dossier_id) where pair_steps > 1;

create table indicator_spans (
  dossier_id  bigint    not null references dossiers (id) on delete cascade,
  -- the history row the span starts at
  seq         integer   not null,
  during      tstzrange not null,
  status      smallint,
  status_at   timestamptz,
  due         timestamptz,
  status_due  timestamptz,
  primary key (dossier_id, seq)
);
-- the spans containing an instant, read from the index alone
create index indicator_spans_during on indicator_spans using gist (during) include (dossier_id, status, status_at, due, status_due);

-- A step's own due date (dossier_steps.due_at, never written before): the one the route gives it when
-- the step is written (intake: first-stage steps with a processing time), set once. A report's
-- later dueAt is an announced delay, which on-time figures do not count; it stays in `detail`.
create function indicator_step_due () returns trigger language plpgsql as $$
begin
  new.due_at := coalesce(new.due_at, (new.detail->>'dueAt')::timestamptz);
  return new;
end
$$;
create trigger indicator_step_due before insert on dossier_steps for each row execute function indicator_step_due();
-- the steps already there: their due date now (a delay announced since cannot be told apart)
update dossier_steps set due_at = (detail->>'dueAt')::timestamptz where due_at is null and detail->>'dueAt' is not null;

-- Rebuilds the facts of the dossiers `ids` from dossiers, dossier_steps and dossier_history.
create function indicator_refresh (ids bigint[]) returns void language plpgsql as $$
begin
  delete from indicator_facts where dossier_id in (select unnest(ids));
  delete from indicator_spans where dossier_id in (select unnest(ids));

  insert into indicator_facts (dossier_id, received_at, ended_at, resolved_at, due_at, request2_at, result_at, handling_us,
    step_due_at, step_ended_at, step_request2_at, channel, pair_steps, dossier_row, pair_row, commune, with_fee, paid_online,
    attachments, receiving_agency, procedure_code, agency)
  select d.id, d.received_at, coalesce(d.resolved_at, d.closed_at), d.resolved_at, d.due_at, w.request2_at, r.result_at,
    (extract(epoch from d.resolved_at - d.received_at - coalesce(w.waited, interval '0')) * 1000000)::bigint,
    st.due_at, st.ended_at, q.request2_at, d.channel, coalesce(st.pair_steps, 0),
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
    -- changes into 5 (supplement requests that paused it): the second in time, and the time waiting
    -- for papers before the resolution (each request until the next status row that is not 5)
    select h.dossier_id, (array_agg(h.at order by h.at, h.seq))[2] as request2_at,
      sum(coalesce(n.at, x.resolved_at) - h.at) filter (where h.at <= x.resolved_at) as waited
    from dossier_history h
    join dossiers x on x.id = h.dossier_id
    left join lateral (
      select n.at from dossier_history n
      where n.dossier_id = h.dossier_id and n.seq > h.seq and n.status_to is not null and n.status_to <> 5
      order by n.seq limit 1
    ) n on true
    where h.dossier_id in (select unnest(ids)) and h.status_to = 5 and h.status_from is distinct from 5
    group by h.dossier_id
  ) w on w.dossier_id = d.id
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

create function indicator_history_appended () returns trigger language plpgsql as $$
begin
  perform indicator_refresh(array(select distinct dossier_id from appended));
  return null;
end
$$;
create trigger indicator_history_appended after insert on dossier_history
  referencing new table as appended for each statement execute function indicator_history_appended();

-- steps written after the history (a dossier put back from the archive: its tables come back in
-- name order); at intake the steps come first, and the history's statement rebuilds
create function indicator_steps_appended () returns trigger language plpgsql as $$
begin
  perform indicator_refresh(array(select distinct a.dossier_id from appended a
    where exists (select 1 from dossier_history h where h.dossier_id = a.dossier_id)));
  return null;
end
$$;
create trigger indicator_steps_appended after insert on dossier_steps
  referencing new table as appended for each statement execute function indicator_steps_appended();

create function indicator_dossier_changed () returns trigger language plpgsql as $$
begin
  perform indicator_refresh(array[new.id]);
  return null;
end
$$;
create trigger indicator_dossier_changed after update on dossiers for each row
  when (old.resolved_at is distinct from new.resolved_at or old.closed_at is distinct from new.closed_at
    or old.due_at is distinct from new.due_at or old.received_at is distinct from new.received_at
    or old.receiving_agency is distinct from new.receiving_agency or old.level is distinct from new.level
    or old.procedure_code is distinct from new.procedure_code or old.channel is distinct from new.channel)
  execute function indicator_dossier_changed();

-- the dossiers already there
select indicator_refresh(array(select id from dossiers));
