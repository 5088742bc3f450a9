-- Room per rep now: the cycle's open slots (marts.rep_open_slots) minus what routing moved since
-- that cycle, for the reps at work right now (marts.rep_availability_windows).
create or replace temp table room as
with

slots as (
    select * from facts.marts.rep_open_slots where takes_hand_raises
),

moves as (
    select to_owner_id as rep_id, 1 as delta
    from inbound.ownership_changes
    where as_of > $facts_as_of and to_owner_id is not null and to_owner_id is distinct from from_owner_id
    union all
    select from_owner_id, -1
    from inbound.ownership_changes
    where as_of > $facts_as_of and from_owner_id is not null and to_owner_id is distinct from from_owner_id
),

net as (
    select rep_id, sum(delta) as routed_in from moves group by rep_id
),

at_work as (
    select distinct rep_id
    from facts.marts.rep_availability_windows
    -- No bounds: a rep who takes hand raises at any hour.
    where ($now >= available_from or available_from is null) and ($now < available_until or available_until is null)
)

select
    slots.rep_id,
    slots.target_book,
    slots.open_slots - coalesce(net.routed_in, 0) as open_capacity,
    coalesce(slots.seat_today, 1000000) as seat,
    slots.when_book_full
from slots
inner join at_work
    on slots.rep_id = at_work.rep_id
left join net
    on slots.rep_id = net.rep_id
