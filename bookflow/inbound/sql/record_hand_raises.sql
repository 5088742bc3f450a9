-- What became of every hand raise of this pass; a queued one is written again when it settles.
insert or replace into inbound.hand_raises
select
    decided.hand_raise_id,
    decided.matched_account_id,
    decided.match_rule,
    decided.match_confidence,
    decided.signal_type,
    decided.occurred_at,
    decided.received_at,
    $now,
    case
        when decided.decision = 'route' and changes.change_id is not null then 'routed'
        when decided.decision = 'route' then 'queued'
        else decided.decision
    end,
    case
        when changes.change_id is not null then changes.reason
        when decided.decision = 'route'
            then 'no rep of ' || decided.target_book || ' at work with room now: queued until one is'
        else decided.decision_reason
    end,
    changes.change_id
from decided
left join pass_changes as changes
    on decided.hand_raise_id = changes.hand_raise_id
