create temp table act_background as
with counted as (
    select
        i, owner_id, owner_kind, age_days,
        floor(u(i, 'bg_count') * $spread)::integer as activity_count
    from acc
    where owner_kind <> 'rep'
),
expanded as (
    select *, unnest(range(activity_count)) as k from counted where activity_count > 0
),
keyed as (
    select *, (getvariable('n') + 1) * getvariable('owned_stride') + i * $stride + k as num from expanded
),
attributed as (
    select
        *,
        case
            when owner_kind = 'static' and u(num, 'bg_who') < 0.9 then owner_id
            when owner_kind = 'former' then owner_id
            when owner_kind in ('pool', 'dirty') and u(num, 'bg_who') >= 0.95 then getvariable('pool_id')
            else pick('previous_owners', num, 'bg_owner')
        end as actor
    from keyed
)
select
    num,
    i,
    actor as owner_id,
    -- The pool user is an integration: it only sends sequences.
    case when actor = getvariable('pool_id') then pick('idle_types', num, 'bg_type')
         else pick('activity_types', num, 'bg_type') end as type,
    case
        -- The former rep left about 40 days ago.
        when owner_kind = 'former' then least(age_days, 40 + floor(u(num, 'bg_day') * 50))
        else 1 + floor(u(num, 'bg_day') * least(89, age_days))
    end::integer as days_ago,
    u(num, 'bg_deleted') < 0.005 as is_deleted
from attributed
