-- Per world and week (days 1-7 are week 1): each rep, and all reps together. Sums over the
-- week for the work done, the last day's state for books, coverage and slots.
with dated as (
    select *, 1 + datediff('day', getvariable('start'), day) // 7 as week
    from rep_days
),
per_rep as (
    select
        world,
        week,
        rep_id,
        min(day) as week_start,
        max(day) as week_end,
        sum(opportunities) as opportunities,
        sum(completions) as completions,
        sum(touches) as touches,
        sum(effort) - sum(touches) as unused_touches,
        arg_max(top_tier_in_book, day) as top_tier_accounts,
        arg_max(top_tier_touched_30d, day) as top_tier_touched_30d,
        arg_max(idle_slots, day) as idle_slots,
        arg_max(book_accounts, day) as book_accounts,
        arg_max(book_touched_30d, day) as book_touched_30d
    from dated
    group by world, week, rep_id
),
all_reps as (
    select
        per_rep.world,
        per_rep.week,
        'all' as rep_id,
        min(per_rep.week_start) as week_start,
        max(per_rep.week_end) as week_end,
        sum(per_rep.opportunities) as opportunities,
        sum(per_rep.completions) as completions,
        sum(per_rep.touches) as touches,
        sum(per_rep.unused_touches) as unused_touches,
        any_value(world_days.top_tier_accounts) as top_tier_accounts,
        any_value(world_days.top_tier_touched_30d) as top_tier_touched_30d,
        sum(per_rep.idle_slots) as idle_slots,
        sum(per_rep.book_accounts) as book_accounts,
        sum(per_rep.book_touched_30d) as book_touched_30d,
        any_value(world_days.pool_depth) as pool_depth
    from per_rep
    inner join world_days on world_days.world = per_rep.world and world_days.day = per_rep.week_end
    group by per_rep.world, per_rep.week
),
unioned as (
    select *, null as pool_depth from per_rep
    union all by name
    select * from all_reps
)
select
    unioned.world,
    unioned.week,
    unioned.week_start,
    unioned.week_end,
    unioned.rep_id,
    coalesce(reps.rep_name, 'all reps') as rep_name,
    unioned.opportunities,
    sum(unioned.opportunities) over (partition by unioned.world, unioned.rep_id order by unioned.week) as opportunities_to_date,
    unioned.completions,
    unioned.touches,
    unioned.unused_touches,
    unioned.top_tier_accounts,
    unioned.top_tier_touched_30d,
    unioned.pool_depth,
    unioned.idle_slots,
    unioned.book_accounts,
    unioned.book_touched_30d
from unioned
left join reps using (rep_id)
order by unioned.world desc, unioned.rep_id = 'all' desc, unioned.rep_id, unioned.week
