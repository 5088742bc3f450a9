-- The end of the day in world getvariable('world'), after behave.sql and a fresh latest.sql: each
-- rep's book and work, and the world's top-tier coverage and pool depth.
create or replace temp table touched_30d as
select distinct account_id
from touches
where world = getvariable('world')
    and day > getvariable('day') - getvariable('coverage_window')
    and day <= getvariable('day');

insert into rep_days
with books as (
    select
        held.rep_id,
        count(*) as book_accounts,
        count(*) filter (where not coalesce(latest.is_cooling, false)) as workable_accounts,
        count(touched_30d.account_id) as book_touched_30d,
        count(*) filter (where held.tier = 1) as top_tier_in_book,
        count(touched_30d.account_id) filter (where held.tier = 1) as top_tier_touched_30d
    from held
    left join latest using (account_id)
    left join touched_30d using (account_id)
    group by held.rep_id
),
events as (
    select rep_id, 'touch' as kind from touches
    where world = getvariable('world') and day = getvariable('day')
    union all
    select rep_id, 'completion' from sequences
    where world = getvariable('world') and completed_on = getvariable('day')
    union all
    select rep_id, 'opportunity' from opportunities
    where world = getvariable('world') and day = getvariable('day')
    union all
    select rep_id, 'return' from returns
    where world = getvariable('world') and day = getvariable('day')
),
done as (
    select
        rep_id,
        count(*) filter (where kind = 'touch') as touches,
        count(*) filter (where kind = 'completion') as completions,
        count(*) filter (where kind = 'opportunity') as opportunities,
        count(*) filter (where kind = 'return') as returns
    from events
    group by rep_id
)
select
    getvariable('world'),
    getvariable('day'),
    reps.rep_id,
    coalesce(effort.capacity, 0),
    coalesce(effort.touches, 0),
    coalesce(done.touches, 0),
    coalesce(done.completions, 0),
    coalesce(done.opportunities, 0),
    coalesce(done.returns, 0),
    coalesce(books.book_accounts, 0),
    coalesce(books.workable_accounts, 0),
    coalesce(books.book_touched_30d, 0),
    coalesce(books.top_tier_in_book, 0),
    coalesce(books.top_tier_touched_30d, 0),
    -- Capacity with no account the rep can still work: empty slots, and slots held by accounts
    -- already worked to completion that are waiting for retrieval or cooling down.
    greatest(0, coalesce(effort.capacity, 0) - coalesce(books.workable_accounts, 0))
from reps
left join effort on effort.rep_id = reps.rep_id and effort.day = getvariable('day')
left join books on books.rep_id = reps.rep_id
left join done on done.rep_id = reps.rep_id;

insert into world_days
with top_tier as (
    -- The same accounts in both worlds: today's tier-1 prospects, converted or not.
    select prospects.account_id
    from prospects
    inner join scores using (account_id)
    where scores.tier = 1
),
waiting as (
    -- Static territories have no pool: their ready accounts wait for their rep to reach them.
    select count(*) as accounts
    from territories
    inner join scores using (account_id)
    where scores.is_ready
        and territories.account_id not in (select account_id from opportunities where world = getvariable('world'))
        and territories.account_id not in (select account_id from touched_30d)
        and territories.account_id not in (select account_id from latest where is_cooling)
)
select
    getvariable('world'),
    getvariable('day'),
    (select count(*) from top_tier),
    (select count(*) from top_tier inner join touched_30d using (account_id)),
    case
        -- Dynamic books: the ready pool the pipeline could not deal today (no open slot in its book).
        when getvariable('world') = 'dynamic' then (select pool_depth from pipeline_days where day = getvariable('day'))
        else (select accounts from waiting)
    end,
    (select count(distinct account_id) from touches where world = getvariable('world') and day = getvariable('day'));
