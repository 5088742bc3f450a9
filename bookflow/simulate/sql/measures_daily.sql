-- Each world's measures at the end of each day.
with days as (select distinct day from capacity),
worlds as (select unnest(['static', 'dynamic']) as world),
top_tier as (select account_id from truth where is_nbtam and tier = 1),
capacity_by_day as (select day, sum(capacity) as capacity from capacity group by day),
grid as (
    select worlds.world, days.day,
        (select avg(capacity) from capacity_by_day where capacity_by_day.day <= days.day) as capacity
    from worlds cross join days
)
select
    grid.world,
    grid.day,
    (select count(*) from opportunities as opps
        where opps.world = grid.world and opps.day <= grid.day) as opportunities,
    (select count(*) from opportunities as opps
        where opps.world = grid.world and opps.day <= grid.day and opps.tier = 1) as top_tier_opportunities,
    (select count(distinct touches.account_id) from touches
        where touches.world = grid.world and touches.day = grid.day) as accounts_worked,
    (select count(*) from returns
        where returns.world = grid.world and returns.day <= grid.day) as returns,
    (select count(distinct touches.account_id) from touches
        inner join top_tier using (account_id)
        where touches.world = grid.world
            and touches.day > grid.day - getvariable('coverage_window')
            and touches.day <= grid.day) as top_tier_worked,
    (select count(*) from top_tier) as top_tier_accounts,
    grid.capacity
from grid
order by grid.world desc, grid.day
