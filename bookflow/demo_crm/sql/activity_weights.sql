-- Meaningful types share 88% of the activities drawn from this list; the non-meaningful 12%
-- lean to automated emails (weight 5 against 1). With the sequences of stale accounts and of
-- the pool user on top, 'Email - Automated' ends near 15% of all activities.
create temp table activity_weights as
with typed as (
    select
        activity_type, is_meaningful,
        case when not is_meaningful and activity_type ilike '%automated%' then 5 else 1 end as w
    from r_activity_types
),
shares as (
    select
        *,
        sum(w) over (partition by is_meaningful) as group_w,
        case
            when not is_meaningful then 12
            when bool_or(not is_meaningful) over () then 88
            else 100
        end as group_share
    from typed
)
select activity_type, is_meaningful, w, cast(round(group_share * w / group_w) as integer) as slots
from shares
