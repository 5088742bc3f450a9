-- At 5,000 accounts and more, reps fill 60-110% of today's capacity (so the rep-owned share
-- shrinks as demos grow); smaller demos scale the books down with the account count (the parameter,
-- FULL_BOOKS_AT), so the pool keeps its majority and the first run has accounts to deal. A rep who has not started
-- owns nothing, nor one who has left, and a ramping rep a ramp-sized share, the way the capacity model
-- measures them.
create temp table rep_quota as
with effective as (
    select
        *,
        case
            when start_date > getvariable('as_of') then 0
            when end_date < getvariable('as_of') then 0
            when coalesce(ramp_days, 0) > 0 and getvariable('as_of') - start_date < ramp_days
                then floor(capacity * (getvariable('as_of') - start_date) / ramp_days)
            else greatest(capacity, 0)
        end as effective_capacity
    from r_reps
)
select
    rep_id, owner_field, segment, theater,
    cast(round(
        effective_capacity * (0.6 + 0.5 * u(rep_id, 'fill')) * least(1.0, getvariable('n') / ?)
    ) as integer) as quota
from effective
