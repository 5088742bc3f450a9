-- Each world's totals at the end of each day.
with totals as (
    select
        world,
        day,
        sum(capacity) as capacity,
        sum(effort) - sum(touches) as unused_touches,
        sum(touches) as touches,
        sum(completions) as completions,
        sum(opportunities) as opportunities_today,
        sum(returns) as returns_today,
        sum(book_accounts) as book_accounts,
        sum(book_touched_30d) as book_touched_30d,
        sum(idle_slots) as idle_slots
    from rep_days
    group by world, day
)
select
    totals.world,
    totals.day,
    sum(totals.opportunities_today) over days_so_far as opportunities,
    (
        select count(*)
        from opportunities
        where opportunities.world = totals.world and opportunities.day <= totals.day and opportunities.tier = 1
    ) as top_tier_opportunities,
    world_days.accounts_touched as accounts_worked,
    sum(totals.returns_today) over days_so_far as returns,
    world_days.top_tier_touched_30d as top_tier_worked,
    world_days.top_tier_accounts,
    -- Book productivity divides by the capacity of the days so far, on average.
    avg(totals.capacity) over days_so_far as capacity,
    totals.opportunities_today,
    totals.completions,
    totals.touches,
    totals.unused_touches,
    world_days.pool_depth,
    totals.idle_slots,
    totals.book_accounts,
    totals.book_touched_30d
from totals
inner join world_days using (world, day)
window days_so_far as (partition by totals.world order by totals.day)
order by totals.world desc, totals.day
