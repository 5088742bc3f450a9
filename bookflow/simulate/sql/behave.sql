-- One day of rep behaviour in world getvariable('world') on the temp table `book` (account_id, rep_id).

-- Work: the prospecting book (NBTAM accounts not yet converted or returned in this world), best
-- first-day priority first, at most floor(capacity x work_rate) accounts per rep.
create or replace temp table worked as
with prospecting as (
    select book.account_id, book.rep_id, truth.priority_score
    from book
    inner join truth using (account_id)
    where truth.is_nbtam
        and book.account_id not in (
            select account_id from opportunities where world = getvariable('world')
            union all
            select account_id from returns where world = getvariable('world')
        )
),
ranked as (
    select prospecting.*, capacity.capacity,
        row_number() over (
            partition by prospecting.rep_id order by prospecting.priority_score desc, prospecting.account_id
        ) as place
    from prospecting
    inner join capacity
        on capacity.rep_id = prospecting.rep_id and capacity.day = getvariable('day')
)
select account_id, rep_id from ranked
where place <= floor(capacity * getvariable('work_rate'));

insert into touches select getvariable('world'), getvariable('day'), account_id, rep_id from worked;

create or replace temp table days_worked as
select account_id, count(distinct day) as days_worked
from touches where world = getvariable('world') group by account_id;

-- Returns: worked on return_after_days distinct days and a draw below the tier's return rate.
insert into returns
select getvariable('world'), getvariable('day'), worked.account_id, worked.rep_id,
    getvariable('reasons')[1 + (hash(worked.account_id, getvariable('seed'), 'reason')
        % len(getvariable('reasons')))::bigint]
from worked
inner join days_worked using (account_id)
inner join truth using (account_id)
inner join rates using (tier)
where days_worked.days_worked >= getvariable('return_after_days')
    and u(worked.account_id, 'return') < rates.return_rate;

-- Conversion: each tier's opportunities topped up to floor(rate x qualified accounts).
insert into opportunities
with last_worked_by as (
    select account_id, arg_max(rep_id, day) as rep_id
    from touches where world = getvariable('world') group by account_id
),
qualified as (
    -- A qualified account counts for the rep who worked it last.
    select account_id, last_worked_by.rep_id, truth.tier
    from days_worked
    inner join last_worked_by using (account_id)
    inner join truth using (account_id)
    where days_worked.days_worked >= getvariable('days_to_convert')
        and account_id not in (select account_id from returns where world = getvariable('world'))
),
opened as (
    select rep_id, tier, count(*) as opened
    from opportunities where world = getvariable('world') group by rep_id, tier
),
shares as (
    select qualified.rep_id, qualified.tier, rates.conversion_rate * count(*) as share
    from qualified
    inner join rates using (tier)
    group by qualified.rep_id, qualified.tier, rates.conversion_rate
),
floored as (
    -- The epsilon keeps 0.1 x 30 = 3.0000000000000004 and 0.7 x 10 = 6.999999999999999 whole.
    select *,
        floor(share + 1e-9) as base,
        share - floor(share + 1e-9) as remainder,
        floor(sum(share) over (partition by tier) + 1e-9)
            - sum(floor(share + 1e-9)) over (partition by tier) as extra,
        row_number() over (
            partition by tier order by share - floor(share + 1e-9) desc, hash(rep_id, getvariable('seed'))
        ) as remainder_rank
    from shares
),
due as (
    -- Largest remainders: the world converts floor(rate x all its qualified accounts) of a
    -- tier, each rep their whole share and the reps with the largest fractions one more.
    select floored.rep_id, floored.tier,
        cast(floored.base + case when floored.remainder_rank <= floored.extra then 1 else 0 end as integer)
            - coalesce(opened.opened, 0) as due
    from floored
    left join opened using (rep_id, tier)
),
candidates as (
    select worked.account_id, worked.rep_id, qualified.tier,
        row_number() over (
            partition by worked.rep_id, qualified.tier
            order by u(worked.account_id, 'convert'), worked.account_id
        ) as place
    from worked
    inner join qualified using (account_id, rep_id)
    where worked.account_id not in (
        select account_id from opportunities where world = getvariable('world')
    )
)
select getvariable('world'), getvariable('day'), candidates.account_id, candidates.rep_id, candidates.tier
from candidates
inner join due using (rep_id, tier)
where candidates.place <= due.due;
