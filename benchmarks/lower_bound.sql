-- The lower bound of `bookflow bench`: marts.ranked_assignments computed by one hand-written
-- DuckDB query, straight from the raw tables (salesforce.*, signals.*), the rules seeds (rules.*)
-- and the sync ledger, with the same rules of engagement as the dbt models. It computes only what
-- the deal needs (for instance, the last touch by the owner only for accounts reps own), so no
-- pipeline that also writes every mart can beat it. DuckDB only; set the day first:
--   set variable as_of = date '2026-06-01';
-- tests/test_lower_bound.py checks that it returns exactly marts.ranked_assignments.
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
        max(case when setting = 'signal_lookback_days' then value end)::integer as signal_lookback_days
    from rules.settings
),
live_accounts as (
    select * from salesforce.account where not coalesce(is_deleted, false)
),
accounts as (
    -- Quarantine: null or duplicate id, null or unknown owner.
    select
        a.id as account_id, a.owner_id, a.type, a.industry, a.number_of_employees as employees,
        a.annual_revenue, upper(a.billing_country) as country, a.created_date::date as created_on,
        coalesce(u.is_active, false) as is_active, r.rep_id is not null as owner_is_rep
    from live_accounts as a
    inner join salesforce."user" as u on a.owner_id = u.id
    left join rules.reps as r on a.owner_id = r.rep_id
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
prioritized as (
    select
        s.*,
        round(st.fit_weight * s.fit_score + st.timing_weight * s.timing_score, 2) as priority_score,
        seg.role || '-' || seg.segment || '-' || th.theater as target_book
    from scored as s
    cross join settings as st
    left join rules.segments as seg
        on s.employees >= seg.min_employees and (seg.max_employees is null or s.employees <= seg.max_employees)
    left join rules.theaters as th on s.country = upper(th.billing_country)
),
applied as (
    select distinct change_id, as_of::date as effective_on, account_id, change_type, to_owner_id
    from reverse_etl.sync_ledger
    where status = 'applied' and as_of::date <= getvariable('as_of')
),
assigned as (
    select a.account_id, max(c.effective_on) as assigned_on
    from accounts as a
    cross join settings as st
    inner join applied as c
        on a.account_id = c.account_id and coalesce(c.to_owner_id, st.pool_owner_id) = a.owner_id
    group by a.account_id
),
rep_owned_touch as (
    -- The one pass over the activities, kept to the few accounts reps own.
    select acts.account_id, max(acts.activity_date) as last_touched_by_owner_at
    from (
        select account_id, owner_id, type, activity_date, is_deleted from salesforce.task
        union all
        select account_id, owner_id, type, activity_date, is_deleted from salesforce.event
    ) as acts
    inner join accounts as a on acts.account_id = a.account_id and acts.owner_id = a.owner_id
    inner join rules.activity_types as t on acts.type = t.activity_type
    where a.owner_is_rep and a.is_active and t.is_meaningful and not coalesce(acts.is_deleted, false)
        and acts.activity_date::date <= getvariable('as_of')
    group by acts.account_id
),
opportunity_flags as (
    select account_id, bool_or(not coalesce(is_closed, false)) as has_open, bool_or(coalesce(is_won, false)) as has_won
    from salesforce.opportunity
    where not coalesce(is_deleted, false) and created_date::date <= getvariable('as_of')
    group by account_id
),
book_returns as (
    select br.id, br.account_c as account_id, br.returned_by_c, br.created_date as returned_at, rr.rest_days, rr.goes_to_review
    from salesforce.book_return_c as br
    inner join rules.return_reasons as rr on lower(br.reason_c) = lower(rr.reason)
    where not coalesce(br.is_deleted, false) and br.created_date is not null
        and br.account_c in (select account_id from accounts)
        and br.created_date::date <= getvariable('as_of')
),
pending_returns as (
    select
        br.account_id, br.goes_to_review, br.returned_at::date + br.rest_days as rest_until,
        row_number() over (partition by br.account_id order by br.returned_at desc, br.id desc) as recency
    from book_returns as br
    inner join accounts as a on br.account_id = a.account_id and br.returned_by_c = a.owner_id
    left join assigned as asg on a.account_id = asg.account_id
    where br.returned_at::date >= coalesce(asg.assigned_on, a.created_on)
),
latest_release as (
    select *, row_number() over (
        partition by account_id order by released_on desc, goes_to_review desc, rest_days desc
    ) as recency
    from (
        select account_id, returned_at::date as released_on, rest_days, goes_to_review from book_returns
        union all
        select c.account_id, c.effective_on, st.default_rest_days, false
        from applied as c, settings as st
        where c.change_type = 'retrieve'
    )
),
released as (
    select
        r.account_id, r.goes_to_review, r.released_on + r.rest_days as rest_until,
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
status as (
    select
        p.account_id, p.owner_id, p.target_book, p.priority_score, p.fit_score, p.timing_score,
        p.fit_score >= st.fit_threshold or p.timing_score >= st.timing_threshold as meets_threshold,
        case
            when p.owner_id = st.pool_owner_id then 'pool'
            when not p.is_active then 'inactive'
            when p.owner_is_rep then 'rep'
            else 'static'
        end as owner_kind,
        case when pr.account_id is not null then 1 else 0 end as is_pending_return,
        case
            when o.action in ('exclude', 'retire') then 'excluded'
            when p.owner_id <> st.pool_owner_id and p.is_active and not p.owner_is_rep then 'excluded'
            when lower(coalesce(p.type, '')) like 'customer%' or coalesce(f.has_won, false) then 'customer'
            when coalesce(f.has_open, false) then 'converted'
            when p.owner_id = st.pool_owner_id and p.target_book is null then 'excluded'
            when p.owner_id <> st.pool_owner_id then
                case
                    when pr.account_id is not null then case when pr.goes_to_review then 'review' else 'resting' end
                    when not p.is_active then 'unworked'
                    when getvariable('as_of') - t.last_touched_by_owner_at::date <= st.working_sla_days then 'working'
                    when getvariable('as_of') - coalesce(asg.assigned_on, p.created_on) < st.grace_days then 'new'
                    else 'unworked'
                end
            when r.goes_to_review and not r.reintroduced then 'review'
            when r.rest_until > getvariable('as_of') and not r.rest_broken then 'resting'
            else 'pool'
        end as status,
        coalesce(o.action = 'pin', false) as is_pinned
    from prioritized as p
    cross join settings as st
    left join opportunity_flags as f on p.account_id = f.account_id
    left join pending_returns as pr on p.account_id = pr.account_id and pr.recency = 1
    left join rep_owned_touch as t on p.account_id = t.account_id
    left join assigned as asg on p.account_id = asg.account_id
    left join released as r on p.account_id = r.account_id
    left join overrides as o on p.account_id = o.account_id
),
books as (
    select
        owner_id as rep_id,
        count(*) filter (where not (status = 'unworked' and not is_pinned)
            and not (is_pending_return = 1 and status in ('resting', 'review'))) as book_kept
    from status
    where owner_kind = 'rep' and status in ('new', 'working', 'unworked', 'resting', 'review')
    group by owner_id
),
capacity as (
    select
        r.rep_id,
        r.role || '-' || r.segment || '-' || r.theater as target_book,
        case
            when not coalesce(u.is_active, false) then 0
            when r.start_date > getvariable('as_of') then 0
            when r.time_off_start <= getvariable('as_of') and coalesce(r.time_off_end, getvariable('as_of')) >= getvariable('as_of') then 0
            when r.ramp_days > 0 and getvariable('as_of') - r.start_date < r.ramp_days
                then floor(r.capacity * (getvariable('as_of') - r.start_date) * 1.0 / r.ramp_days)::integer
            else r.capacity
        end as capacity
    from rules.reps as r
    left join salesforce."user" as u on r.rep_id = u.id
),
seats as (
    select
        c.rep_id, c.target_book, greatest(0, c.capacity - coalesce(b.book_kept, 0)) as open_slots,
        row_number() over (partition by c.target_book order by c.rep_id) - 1 as seat,
        count(*) over (partition by c.target_book) as reps_at_table
    from capacity as c
    left join books as b on c.rep_id = b.rep_id
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
        account_id, target_book, priority_score, fit_score, timing_score,
        case when priority_score >= st.tier_1 then 1 when priority_score >= st.tier_2 then 2 else 3 end as tier,
        row_number() over (partition by target_book order by priority_score desc, fit_score desc, account_id) as pool_rank
    from status, settings as st
    where status = 'pool' and meets_threshold
)
select
    getvariable('as_of') as as_of, pool.account_id, slots.rep_id, pool.target_book, pool.pool_rank,
    slots.deal_round, pool.priority_score, pool.fit_score, pool.timing_score, pool.tier
from pool
inner join slots on pool.target_book = slots.target_book and pool.pool_rank = slots.pick_order
