-- The BDRs' own touches on the accounts they hold in the SDR field, numbered after every other
-- activity ($base). A working account has its touches in the last 12 days, a slowing one its
-- last 15-29 days ago, a stale one 31-60 days ago; a converted one a meeting (the first handoff
-- type) in the last 6 days. Their other touches avoid the handoff types, so only converted
-- accounts hand off.
create temp table act_sdr as
with counted as (
    select
        i, sdr_owner_id, sdr_status, age_days,
        case
            when sdr_status in ('working', 'converted') then 1 + floor(u(i, 'sdr_count') * $spread)
            else 1
        end::integer as activity_count
    from acc
    where sdr_owner_id is not null
),
expanded as (
    select *, unnest(range(activity_count)) as k from counted where activity_count > 0
),
keyed as (
    select *, $base + i * $stride + k as num from expanded
)
select
    num,
    i,
    sdr_owner_id as owner_id,
    case
        when k = 0 and sdr_status = 'converted' then getvariable('handoff_types')[1]
        else pick('prospecting_types', num, 'sdr_type')
    end as type,
    case
        when k = 0 and sdr_status = 'converted' then 1 + floor(u(num, 'sdr_day') * 6)
        when sdr_status = 'slowing' then least(age_days, 15 + floor(u(num, 'sdr_day') * 15))
        when sdr_status = 'stale' then least(age_days, 31 + floor(u(num, 'sdr_day') * 30))
        else 1 + floor(u(num, 'sdr_day') * least(12, age_days))
    end::integer as days_ago,
    false as is_deleted
from keyed
