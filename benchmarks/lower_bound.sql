-- The lower bound of `bookflow bench`: marts.ranked_assignments computed by one hand-written
-- DuckDB query, straight from the raw tables (salesforce.*, signals.*), the rules seeds (rules.*)
-- and the sync ledger, with the same rules of engagement as the dbt models. It computes only what
-- the deal needs (for instance, the last touches only for accounts reps hold), so no pipeline that
-- also writes every mart can beat it. DuckDB only; set the day first:
--   set variable as_of = date '2026-06-01';
-- tests/test_lower_bound.py checks that it returns exactly marts.ranked_assignments.
--
-- It follows the rules the benchmark runs with, the bundled ones: the CRM owner and the BDRs'
-- SDR field (raw column sdr_owner_c, as the bundled settings name it), handoffs of accounts a BDR
-- converted, working grades that retrieve red accounts, completion, and the default pool order.
-- Settings the bundled rules leave off (per-run caps, other pool orders, displacement, leaver
-- pacing, completion by activities) are not in it.
with
settings as (
    select
        max(case when setting = 'pool_owner_id' then value end) as pool_owner_id,
        max(case when setting = 'working_sla_days' then value end)::integer as working_sla_days,
        max(case when setting = 'grace_days' then value end)::integer as grace_days,
        max(case when setting = 'default_rest_days' then value end)::integer as default_rest_days,
        max(case when setting = 'fit_threshold' then value end)::double as fit_threshold,
        max(case when setting = 'timing_threshold' then value end)::double as timing_threshold,
        max(case when setting = 'fit_weight' then value end)::double as fit_weight,
        max(case when setting = 'timing_weight' then value end)::double as timing_weight,
        max(case when setting = 'tier_1_min_priority' then value end)::double as tier_1,
        max(case when setting = 'tier_2_min_priority' then value end)::double as tier_2,
        max(case when setting = 'rest_break_min_strength' then value end)::double as rest_break_min_strength,
        max(case when setting = 'signal_lookback_days' then value end)::integer as signal_lookback_days,
        max(case when setting = 'sdr_owner_column' then value end) as sdr_owner_column,
        coalesce(string_split(max(case when setting = 'handoff_activity_types' then value end), ','), []) as handoff_types,
        coalesce(string_split(max(case when setting = 'retrieve_grades' then value end), ','), []) as retrieve_grades,
        max(case when setting = 'completion_days' then value end)::integer as completion_days,
        coalesce(max(case when setting = 'completion_rest_days' then value end)::integer, 90) as completion_rest_days
    from rules.settings
),
roster as (
    select r.*, coalesce(ro.owner_field, 'owner') as owner_field
    from rules.reps as r
    left join rules.roles as ro on r.role = ro.role
),
live_accounts as (
    select * from salesforce.account where not coalesce(is_deleted, false)
),
accounts as (
    -- Quarantine: null or duplicate id, null or unknown owner.
    select
        a.id as account_id, a.owner_id, a.sdr_owner_c as sdr_owner_id, a.type, a.industry,
        a.number_of_employees as employees, a.annual_revenue, upper(a.billing_country) as country,
        a.created_date::date as created_on
    from live_accounts as a
    inner join salesforce."user" as u on a.owner_id = u.id
    where a.id is not null
        and a.id not in (select id from live_accounts where id is not null group by id having count(*) > 1)
),
signals as (
    select s.account_id, s.occurred_at, s.strength, w.weight, w.half_life_days, coalesce(w.is_hand_raise, false) as is_hand_raise
    from signals.account_signal as s
    inner join rules.signal_weights as w on lower(s.signal_type) = lower(w.signal_type)
    where s.account_id is not null and s.occurred_at is not null and s.strength between 0 and 1
),
timing as (
    select
        account_id,
        round(100 * (1 - exp(-sum(weight * strength
            * power(0.5, (getvariable('as_of') - occurred_at::date) * 1.0 / half_life_days)))), 2) as timing_score
    from signals, settings
    where occurred_at::date <= getvariable('as_of')
        and getvariable('as_of') - occurred_at::date <= signal_lookback_days
    group by account_id
),
bands as (
    select
        a.account_id,
        max(case when b.attribute = 'employees' and a.employees >= b.min_value
            and (b.max_value is null or a.employees <= b.max_value) then b.points end) as employee_points,
        max(case when b.attribute = 'revenue' and a.annual_revenue >= b.min_value
            and (b.max_value is null or a.annual_revenue <= b.max_value) then b.points end) as revenue_points
    from accounts as a, rules.fit_bands as b
    group by a.account_id
),
scored as (
    select
        a.*,
        least(100, coalesce(i.points, 0) + coalesce(b.employee_points, 0) + coalesce(b.revenue_points, 0)) as fit_score,
        coalesce(t.timing_score, 0) as timing_score
    from accounts as a
    left join rules.fit_industries as i on lower(a.industry) = lower(i.industry)
    left join bands as b on a.account_id = b.account_id
    left join timing as t on a.account_id = t.account_id
),
segment_roles as (
    select
        seg.segment, seg.min_employees, seg.max_employees,
        max(case when coalesce(ro.owner_field, 'owner') = 'owner' then seg.role end) as owner_role,
        max(case when ro.owner_field = 'sdr' then seg.role end) as sdr_role
    from rules.segments as seg
    left join rules.roles as ro on seg.role = ro.role
    group by all
),
prioritized as (
    select
        s.*,
        round(st.fit_weight * s.fit_score + st.timing_weight * s.timing_score, 2) as priority_score,
        seg.segment, seg.owner_role, seg.sdr_role, th.theater
    from scored as s
    cross join settings as st
    left join segment_roles as seg
        on s.employees >= seg.min_employees and (seg.max_employees is null or s.employees <= seg.max_employees)
    left join rules.theaters as th on s.country = upper(th.billing_country)
),
applied as (
    select distinct
        change_id, as_of::date as effective_on, account_id, change_type, to_owner_id,
        case when coalesce(crm_field, 'owner_id') = 'owner_id' then 'owner' else 'sdr' end as owner_field
    from reverse_etl.sync_ledger
    where status = 'applied' and as_of::date <= getvariable('as_of')
),
first_change as (
    select min(effective_on) as first_change_on from applied
),
-- One row per account and owner field: the SDR field only where a role works it or someone holds it.
fields as (
    select
        p.*, f.owner_field,
        case f.owner_field when 'owner' then p.owner_id else p.sdr_owner_id end as holder_id,
        case f.owner_field when 'owner' then p.owner_role else p.sdr_role end as book_role
    from prioritized as p
    cross join (values ('owner'), ('sdr')) as f(owner_field)
    where f.owner_field = 'owner' or p.sdr_role is not null and p.theater is not null or p.sdr_owner_id is not null
),
holders as (
    select
        fl.*,
        fl.book_role || '-' || fl.segment || '-' || fl.theater as target_book,
        u.id is not null as holder_is_user,
        coalesce(u.is_active, false) as holder_is_active,
        r.rep_id is not null and r.owner_field = fl.owner_field as holder_is_rep
    from fields as fl
    left join salesforce."user" as u on fl.holder_id = u.id
    left join roster as r on fl.holder_id = r.rep_id
),
assigned as (
    select h.account_id, h.owner_field, max(c.effective_on) as assigned_on
    from holders as h
    cross join settings as st
    inner join applied as c
        on h.account_id = c.account_id and h.owner_field = c.owner_field
        and coalesce(c.to_owner_id, case h.owner_field when 'owner' then st.pool_owner_id else '' end)
            = coalesce(h.holder_id, '')
    group by all
),
held_touches as (
    -- The one pass over the activities, kept to the few accounts reps hold.
    select
        h.account_id, h.owner_field,
        max(case when t.is_meaningful and acts.activity_date::date <= getvariable('as_of') then acts.activity_date end)
            as last_touched_by_holder_at,
        max(case when h.owner_field = 'sdr' and list_contains(st.handoff_types, acts.type)
            and acts.activity_date >= (getvariable('as_of') - st.working_sla_days)::timestamp then acts.activity_date end)
            as handoff_at
    from (
        select account_id, owner_id, type, activity_date, is_deleted from salesforce.task
        union all
        select account_id, owner_id, type, activity_date, is_deleted from salesforce.event
    ) as acts
    cross join settings as st
    inner join holders as h on acts.account_id = h.account_id and acts.owner_id = h.holder_id
    inner join rules.activity_types as t on acts.type = t.activity_type
    where h.holder_is_rep and h.holder_is_active and not coalesce(acts.is_deleted, false)
    group by all
),
opportunity_flags as (
    select
        account_id,
        bool_or(not coalesce(is_closed, false)) as has_open,
        bool_or(coalesce(is_won, false)) as has_won,
        max(created_date::date) as last_progress_on
    from salesforce.opportunity
    where not coalesce(is_deleted, false) and created_date::date <= getvariable('as_of')
    group by account_id
),
book_returns as (
    select
        br.id, br.account_c as account_id, br.returned_by_c, br.created_date as returned_at, rr.rest_days,
        rr.goes_to_review, coalesce(r.owner_field, 'owner') as owner_field
    from salesforce.book_return_c as br
    inner join rules.return_reasons as rr on lower(br.reason_c) = lower(rr.reason)
    left join roster as r on br.returned_by_c = r.rep_id
    where not coalesce(br.is_deleted, false) and br.created_date is not null
        and br.account_c in (select account_id from accounts)
        and br.created_date::date <= getvariable('as_of')
),
pending_returns as (
    select
        br.account_id, br.owner_field, br.goes_to_review,
        row_number() over (partition by br.account_id, br.owner_field order by br.returned_at desc, br.id desc) as recency
    from book_returns as br
    inner join holders as h
        on br.account_id = h.account_id and br.owner_field = h.owner_field and br.returned_by_c = h.holder_id
    left join assigned as asg on h.account_id = asg.account_id and h.owner_field = asg.owner_field
    where br.returned_at::date >= coalesce(asg.assigned_on, h.created_on)
),
latest_release as (
    select *, row_number() over (
        partition by account_id, owner_field order by released_on desc, goes_to_review desc, rest_days desc
    ) as recency
    from (
        select account_id, owner_field, returned_at::date as released_on, rest_days, goes_to_review from book_returns
        union all
        select
            c.account_id, c.owner_field, c.effective_on,
            case when c.change_type = 'complete' then st.completion_rest_days else st.default_rest_days end, false
        from applied as c, settings as st
        where c.change_type in ('retrieve', 'complete', 'displace')
    )
),
released as (
    select
        r.account_id, r.owner_field, r.goes_to_review, r.released_on + r.rest_days as rest_until,
        exists (
            select 1 from signals as s, settings as st
            where s.account_id = r.account_id and s.occurred_at::date > r.released_on
                and s.occurred_at::date <= getvariable('as_of')
                and (s.is_hand_raise or s.strength >= st.rest_break_min_strength)
        ) as rest_broken,
        exists (
            select 1 from rules.account_overrides as o
            where o.account_id = r.account_id and o.action = 'reintroduce'
                and o.effective_date >= r.released_on and o.effective_date <= getvariable('as_of')
        ) as reintroduced
    from latest_release as r
    where r.recency = 1
),
overrides as (
    select account_id, action
    from rules.account_overrides
    where effective_date <= getvariable('as_of') and action in ('pin', 'exclude', 'retire')
    qualify row_number() over (partition by account_id order by effective_date desc, action) = 1
),
-- The period of each held row's working threshold: its role's row in its segment, else the role's.
periods as (
    select h.account_id, h.owner_field, coalesce(ins.period_days, gen.period_days) as period_days
    from holders as h
    inner join roster as r on h.holder_id = r.rep_id
    left join rules.activity_thresholds as ins on r.role = ins.role and h.segment = ins.segment
    left join rules.activity_thresholds as gen on r.role = gen.role and coalesce(gen.segment, '') = ''
    where h.holder_is_rep
),
status as (
    select
        h.account_id, h.owner_field, h.holder_id, h.target_book, h.book_role, h.priority_score, h.fit_score,
        h.timing_score, h.created_on,
        h.fit_score >= st.fit_threshold or h.timing_score >= st.timing_threshold as meets_threshold,
        case
            when h.owner_field = 'owner' and h.holder_id = st.pool_owner_id then 'pool'
            when h.owner_field = 'sdr' and h.holder_id is null then 'pool'
            when not h.holder_is_user then 'unknown'
            when not h.holder_is_active then 'inactive'
            when h.holder_is_rep then 'rep'
            else 'static'
        end as owner_kind,
        pr.account_id is not null as is_pending_return,
        sdr_touch.handoff_at is not null and sdr_holder.holder_is_rep and sdr_holder.holder_is_active
            or coalesce(f.has_open, false) and sdr_holder.holder_is_rep and sdr_holder.holder_is_active
            as converted_by_sdr,
        owner_row.holder_is_user and owner_row.holder_is_active and not owner_row.holder_is_rep
            and owner_row.holder_id <> st.pool_owner_id as crm_owner_is_static,
        coalesce(asg.assigned_on, h.created_on) as assigned_on,
        coalesce(asg.assigned_on, greatest(h.created_on, coalesce(fc.first_change_on, getvariable('as_of')))) as held_since,
        t.last_touched_by_holder_at, pe.period_days, f.has_open, f.has_won, f.last_progress_on, h.type,
        pr.goes_to_review as pending_to_review, r.goes_to_review as released_to_review, r.reintroduced,
        r.rest_until, r.rest_broken, o.action
    from holders as h
    cross join settings as st
    cross join first_change as fc
    left join holders as owner_row on h.account_id = owner_row.account_id and owner_row.owner_field = 'owner'
    left join holders as sdr_holder on h.account_id = sdr_holder.account_id and sdr_holder.owner_field = 'sdr'
    left join held_touches as sdr_touch on h.account_id = sdr_touch.account_id and sdr_touch.owner_field = 'sdr'
    left join opportunity_flags as f on h.account_id = f.account_id
    left join pending_returns as pr on h.account_id = pr.account_id and h.owner_field = pr.owner_field and pr.recency = 1
    left join held_touches as t on h.account_id = t.account_id and h.owner_field = t.owner_field
    left join assigned as asg on h.account_id = asg.account_id and h.owner_field = asg.owner_field
    left join released as r on h.account_id = r.account_id and h.owner_field = r.owner_field
    left join periods as pe on h.account_id = pe.account_id and h.owner_field = pe.owner_field
    left join overrides as o on h.account_id = o.account_id
),
decided as (
    select
        s.*,
        case
            when s.action in ('exclude', 'retire') or s.crm_owner_is_static or s.owner_kind in ('unknown', 'static') then 'excluded'
            when s.owner_kind = 'pool' and s.target_book is null and not coalesce(s.has_open, false) then 'excluded'
            when lower(coalesce(s.type, '')) like 'customer%' or coalesce(s.has_won, false) then 'customer'
            when s.owner_field = 'owner' and s.owner_kind = 'pool' and s.converted_by_sdr and s.target_book is not null
                and not (coalesce(s.released_to_review, false) and not coalesce(s.reintroduced, false)) then 'handoff'
            when coalesce(s.has_open, false) then 'converted'
            when s.converted_by_sdr and s.owner_kind <> 'pool' then 'converted'
            when s.owner_kind in ('rep', 'inactive') then
                case
                    when s.is_pending_return then case when s.pending_to_review then 'review' else 'resting' end
                    when s.owner_kind = 'inactive' then 'unworked'
                    when getvariable('as_of') - s.last_touched_by_holder_at::date <= st.working_sla_days then
                        case
                            when getvariable('as_of') - s.assigned_on >= st.grace_days
                                and list_contains(st.retrieve_grades, 'red')
                                and getvariable('as_of') - s.last_touched_by_holder_at::date > s.period_days then 'unworked'
                            when getvariable('as_of') - greatest(s.held_since, coalesce(s.last_progress_on, s.held_since))
                                >= st.completion_days then 'completed'
                            else 'working'
                        end
                    when getvariable('as_of') - s.assigned_on < st.grace_days then 'new'
                    else 'unworked'
                end
            when s.released_to_review and not s.reintroduced then 'review'
            when s.rest_until > getvariable('as_of') and not s.rest_broken then 'resting'
            else 'pool'
        end as status,
        coalesce(s.action = 'pin', false) as is_pinned
    from status as s
    cross join settings as st
),
books as (
    select
        holder_id as rep_id, owner_field,
        count(*) filter (where not (status in ('unworked', 'completed') and not is_pinned)
            and not (is_pending_return and status in ('resting', 'review'))) as book_kept
    from decided
    where owner_kind = 'rep' and status in ('new', 'working', 'unworked', 'completed', 'resting', 'review')
    group by all
),
capacity as (
    select
        r.rep_id, r.owner_field,
        r.role || '-' || r.segment || '-' || r.theater as target_book,
        case
            when not coalesce(u.is_active, false) then 0
            when r.end_date < getvariable('as_of') then 0
            when r.end_date - getvariable('as_of') <= coalesce(
                (select max(value)::integer from rules.settings where setting = 'leaver_release_days'), 0) then 0
            when r.start_date > getvariable('as_of') then 0
            when r.time_off_start <= getvariable('as_of') and coalesce(r.time_off_end, getvariable('as_of')) >= getvariable('as_of') then 0
            when r.ramp_days > 0 and getvariable('as_of') - r.start_date < r.ramp_days
                then floor(r.capacity * (getvariable('as_of') - r.start_date) * 1.0 / r.ramp_days)::integer
            else r.capacity
        end as capacity
    from roster as r
    left join salesforce."user" as u on r.rep_id = u.id
),
seats as (
    select
        c.rep_id, c.target_book, greatest(0, c.capacity - coalesce(b.book_kept, 0)) as open_slots,
        row_number() over (partition by c.target_book order by c.rep_id) - 1 as seat,
        count(*) over (partition by c.target_book) as reps_at_table
    from capacity as c
    left join books as b on c.rep_id = b.rep_id and c.owner_field = b.owner_field
    where c.capacity - coalesce(b.book_kept, 0) > 0
),
slots as (
    select
        rep_id, target_book, deal.n as deal_round,
        row_number() over (
            partition by target_book
            order by deal.n, (seat + reps_at_table - (getvariable('as_of') - date '1970-01-01') % reps_at_table) % reps_at_table
        ) as pick_order
    from seats, lateral (select unnest(range(1, open_slots + 1)) as n) as deal
),
pool as (
    select
        account_id, owner_field, book_role as role, target_book, priority_score, fit_score, timing_score,
        case when owner_field = 'owner' then 'owner_id' else st.sdr_owner_column end as crm_field,
        case when status = 'handoff' then 'handoff' else 'distribute' end as deal_kind,
        case when priority_score >= st.tier_1 then 1 when priority_score >= st.tier_2 then 2 else 3 end as tier,
        row_number() over (
            partition by target_book
            order by status = 'handoff' desc, priority_score desc, fit_score desc, account_id
        ) as pool_rank
    from decided, settings as st
    where (status = 'pool' and meets_threshold) or status = 'handoff'
)
select
    getvariable('as_of') as as_of, pool.account_id, slots.rep_id, pool.role, pool.crm_field, pool.owner_field,
    pool.target_book, pool.deal_kind, pool.pool_rank, slots.deal_round, pool.priority_score, pool.fit_score,
    pool.timing_score, pool.tier
from pool
inner join slots on pool.target_book = slots.target_book and pool.pool_rank = slots.pick_order
