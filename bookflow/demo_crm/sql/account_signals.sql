create temp table account_signals as
with counted as (
    select i, id, 1 + hash(i, getvariable('seed'), 'sig_count') % 3 as signal_count
    from acc
    where u(i, 'sig') < 0.25 and getvariable('signal_types_count') > 0
),
expanded as (
    select i, id, i * 4 + unnest(range(signal_count::integer)) as num from counted
)
select
    id as account_id,
    pick('signal_types', num, 'sig_type') as signal_type,
    days_before(1 + floor(u(num, 'sig_day') * 180), num, 'sig_time') as occurred_at,
    round(0.05 + 0.95 * u(num, 'sig_strength'), 3) as strength
from expanded
union all
-- Hand raises are recent and strong; account 11 (excluded by the bundled overrides) gets
-- one so that the exclusion visibly wins over the signal.
select
    id,
    pick('hand_raise_types', i, 'hand_type'),
    days_before(1 + floor(u(i, 'hand_day') * 7), i, 'hand_time'),
    round(0.8 + 0.2 * u(i, 'hand_strength'), 3)
from acc
where getvariable('hand_raise_types_count') > 0
    and not is_deleted and (u(i, 'hand') < 0.005 or i = 11)
