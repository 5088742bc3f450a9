-- One day of rep behaviour in world getvariable('world') on the temp table `book` (account_id,
-- rep_id), after latest.sql. The same for both worlds: only the books differ.

-- Effort: each rep spends today's touches on the due steps of the sequences they started, best
-- priority first, then on new sequences on the best accounts of their book that are neither
-- converted nor cooling down.
create or replace temp table worked as
with staged as (
    select
        held.account_id,
        held.rep_id,
        held.priority_score,
        latest.started_on as sequence_started_on,
        case
            when latest.account_id is null or latest.rep_id <> held.rep_id or latest.outcome = 'abandoned' then 'start'
            when latest.completed_on is null then
                case when latest.last_touch_on <= getvariable('day') - getvariable('touch_interval_days') then 'due' end
            when latest.outcome <> 'convert' and not latest.is_cooling then 'start'
        end as stage
    from held
    left join latest using (account_id)
),
ranked as (
    select
        *,
        row_number() over (
            partition by rep_id order by stage = 'due' desc, priority_score desc, account_id
        ) as place
    from staged
    where stage is not null
)
select ranked.account_id, ranked.rep_id, ranked.stage, ranked.sequence_started_on
from ranked
inner join effort on effort.rep_id = ranked.rep_id and effort.day = getvariable('day')
where ranked.place <= effort.touches;

insert into touches
select getvariable('world'), getvariable('day'), account_id, rep_id from worked;

-- A sequence started by the account's new holder ends the one another rep left unfinished.
update sequences set outcome = 'abandoned'
where world = getvariable('world')
    and completed_on is null
    and outcome is null
    and account_id in (select account_id from worked where stage = 'start');

insert into sequences
select getvariable('world'), account_id, rep_id, getvariable('day'), 1, getvariable('day'), null, null, null, null, null
from worked
where stage = 'start';

update sequences set touches = sequences.touches + 1, last_touch_on = getvariable('day')
from worked
where sequences.world = getvariable('world')
    and worked.stage = 'due'
    and sequences.account_id = worked.account_id
    and sequences.started_on = worked.sequence_started_on;

-- Completion: the sequence's last touch; the account's tier today sets its conversion rate.
update sequences set completed_on = getvariable('day'), tier = scores.tier
from scores
where sequences.world = getvariable('world')
    and sequences.completed_on is null
    and sequences.outcome is null
    and sequences.touches >= getvariable('sequence_touches')
    and scores.account_id = sequences.account_id;

-- Today's completions, each with its number among the account's completions in this world, so
-- an account's n-th completion draws the same numbers in both worlds.
create or replace temp table completing as
select
    sequences.account_id,
    sequences.rep_id,
    sequences.started_on,
    sequences.tier,
    (
        select count(*)
        from sequences as earlier
        where earlier.world = sequences.world
            and earlier.account_id = sequences.account_id
            and earlier.completed_on is not null
    ) as nth
from sequences
where sequences.world = getvariable('world')
    and sequences.completed_on = getvariable('day')
    and sequences.outcome is null;

-- Conversion is counted, not drawn: each tier's opportunities are topped up to
-- floor(rate x the world's completions of that tier), shared between reps by largest remainders.
insert into opportunities
with completions as (
    select rep_id, tier, count(*) as completed
    from sequences
    where world = getvariable('world') and completed_on is not null and tier is not null
    group by rep_id, tier
),
opened as (
    select rep_id, tier, count(*) as opened
    from opportunities
    where world = getvariable('world')
    group by rep_id, tier
),
shares as (
    select completions.rep_id, completions.tier, rates.conversion_rate * completions.completed as share
    from completions
    inner join rates using (tier)
),
floored as (
    -- The epsilon keeps 0.1 x 30 = 3.0000000000000004 and 0.7 x 10 = 6.999999999999999 whole.
    select
        *,
        floor(share + 1e-9) as base,
        floor(sum(share) over (partition by tier) + 1e-9)
            - sum(floor(share + 1e-9)) over (partition by tier) as extra,
        row_number() over (
            partition by tier order by share - floor(share + 1e-9) desc, hash(rep_id, getvariable('seed'))
        ) as remainder_rank
    from shares
),
due as (
    -- Each rep their whole share, and the reps with the largest fractions one more.
    select
        floored.rep_id,
        floored.tier,
        floored.remainder_rank,
        cast(floored.base + case when floored.remainder_rank <= floored.extra then 1 else 0 end as integer)
            - coalesce(opened.opened, 0) as due
    from floored
    left join opened using (rep_id, tier)
),
world_due as (
    -- Which reps hold the fractions can change from day to day: the world as a whole never
    -- opens more than floor(rate x its completions).
    select
        tier,
        cast(floor(sum(share) + 1e-9) as integer)
            - coalesce((select sum(opened.opened) from opened where opened.tier = shares.tier), 0) as due
    from shares
    group by tier
),
candidates as (
    select
        completing.account_id,
        completing.rep_id,
        completing.tier,
        row_number() over (
            partition by completing.rep_id, completing.tier
            order by u(completing.account_id, 'convert-' || completing.nth), completing.account_id
        ) as place
    from completing
),
picked as (
    select
        candidates.*,
        row_number() over (partition by candidates.tier order by candidates.place, due.remainder_rank) as world_place
    from candidates
    inner join due using (rep_id, tier)
    where candidates.place <= due.due
)
select getvariable('world'), getvariable('day'), picked.account_id, picked.rep_id, picked.tier
from picked
inner join world_due using (tier)
where picked.world_place <= world_due.due;

-- The other completions are returned with a reason (weighted draw) or left idle; either way the
-- account cools down: its reason's rest days (review: for good), or cooldown_days when idle.
create or replace temp table drawn as
with outcomes as (
    select
        completing.account_id,
        completing.started_on,
        case
            when opportunities.account_id is not null then 'convert'
            when u(completing.account_id, 'return-' || completing.nth) < getvariable('return_share') then 'return'
            else 'idle'
        end as outcome,
        reasons.reason,
        reasons.rest_days,
        reasons.goes_to_review
    from completing
    left join opportunities
        on opportunities.world = getvariable('world')
        and opportunities.day = getvariable('day')
        and opportunities.account_id = completing.account_id
    left join reasons
        on u(completing.account_id, 'reason-' || completing.nth) >= reasons.band_from
        and u(completing.account_id, 'reason-' || completing.nth) < reasons.band_to
)
select
    account_id,
    started_on,
    outcome,
    case when outcome = 'return' then reason end as reason,
    case
        when outcome = 'idle' then getvariable('day') + getvariable('cooldown_days')
        when outcome = 'return' and goes_to_review then date '9999-12-31'
        when outcome = 'return' then getvariable('day') + rest_days
    end as cool_until
from outcomes;

update sequences set outcome = drawn.outcome, reason = drawn.reason, cool_until = drawn.cool_until
from drawn
where sequences.world = getvariable('world')
    and sequences.account_id = drawn.account_id
    and sequences.started_on = drawn.started_on;

insert into returns
select world, completed_on, account_id, rep_id, reason
from sequences
where world = getvariable('world') and completed_on = getvariable('day') and outcome = 'return';
