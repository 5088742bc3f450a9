-- Each account's latest sequence in this world, and whether it is cooling down: completed without
-- converting, before its cool_until, and no strong signal (the rules' rest breaker) since.
create or replace temp table latest as
select
    sequences.*,
    sequences.completed_on is not null
        and sequences.outcome in ('return', 'idle')
        and sequences.cool_until > getvariable('day')
        and not exists (
            select 1
            from new_signals
            where new_signals.account_id = sequences.account_id
                and new_signals.day > sequences.completed_on
                and new_signals.day < getvariable('day')
                and (new_signals.is_hand_raise or new_signals.strength >= getvariable('rest_break_min_strength'))
        ) as is_cooling
from sequences
where sequences.world = getvariable('world')
qualify row_number() over (partition by sequences.account_id order by sequences.started_on desc) = 1;
