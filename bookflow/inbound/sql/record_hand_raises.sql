insert into inbound.hand_raises
select
    decided.account_id,
    decided.signal_type,
    decided.occurred_at,
    decided.received_at,
    $now,
    case
        when decided.decision = 'route' and changes.change_id is not null then 'routed'
        when decided.decision = 'route' then 'quarantined'
        else decided.decision
    end,
    case
        when decided.decision = 'route' and changes.change_id is not null then changes.reason
        when decided.decision = 'route' then 'no rep with capacity in ' || decided.target_book || ': left to the daily cycle'
        else decided.decision_reason
    end,
    changes.change_id
from decided
left join inbound.ownership_changes as changes
    on decided.account_id = changes.account_id
    and changes.as_of = $as_of
    and changes.received_at = decided.received_at
    and changes.signal_type = decided.signal_type
    and decided.nth = 1
    and decided.routed_this_cycle_to is null
