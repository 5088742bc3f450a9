create temp table act_owned as
with counted as (
    select
        i, owner_id, status, age_days,
        case
            when status = 'working' then 1 + floor(u(i, 'act_count') * $working_spread)
            when getvariable('idle_types_count') = 0 then case when status = 'stale_old' then 1 else 0 end
            when status in ('stale_old', 'stale_auto') then 1 + floor(u(i, 'act_count') * $stale_spread)
            else 0
        end::integer as activity_count
    from acc
    where owner_kind = 'rep'
),
expanded as (
    select *, unnest(range(activity_count)) as k from counted where activity_count > 0
),
keyed as (
    select *, i * getvariable('owned_stride') + k as num from expanded
)
select
    num,
    i,
    case
        when status = 'working' and k > 0 and u(num, 'act_other') < 0.2
            then pick('previous_owners', num, 'act_owner')
        else owner_id
    end as owner_id,
    case
        when k = 0 and status in ('working', 'stale_old') then pick('meaningful_types', num, 'act_type')
        when status = 'working' then pick('activity_types', num, 'act_type')
        else pick('idle_types', num, 'act_type')
    end as type,
    case
        -- The touch that proves the account is worked: inside the last 25 days.
        when k = 0 and status = 'working' then 1 + floor(u(num, 'act_day') * least(24, age_days))
        -- The last real touch of a stale account: 35-89 days ago.
        when k = 0 and status = 'stale_old' then 35 + floor(u(num, 'act_day') * 55)
        else 1 + floor(u(num, 'act_day') * least(89, age_days))
    end::integer as days_ago,
    false as is_deleted
from keyed
