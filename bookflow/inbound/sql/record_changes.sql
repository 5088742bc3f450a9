insert into inbound.ownership_changes
select
    md5(concat_ws('|', 'inbound', cast($as_of as varchar), decided.account_id,
        coalesce(changes.from_owner_id, 'pool'), coalesce(changes.to_owner_id, 'pool'),
        cast(decided.received_at as varchar))) as change_id,
    $as_of as as_of,
    decided.account_id,
    changes.from_owner_id,
    changes.to_owner_id,
    'inbound' as change_type,
    changes.reason,
    coalesce(changes.from_owner_id, decided.pool_owner_id) as from_crm_owner_id,
    coalesce(changes.to_owner_id, decided.pool_owner_id) as to_crm_owner_id,
    decided.signal_type,
    decided.received_at,
    $now as routed_at
from decided
inner join (
    select
        decided.account_id,
        decided.signal_type,
        decided.occurred_at,
        case when decided.owner_kind = 'pool' then null else decided.owner_id end as from_owner_id,
        case when decided.decision = 'alerted' then decided.owner_id else dealt.rep_id end as to_owner_id,
        case
            when decided.decision = 'alerted' then decided.decision_reason
            else 'hand raise (' || decided.signal_type || '): most open capacity in ' || decided.target_book
                || ' (' || cast(dealt.open_capacity_at_pick as varchar) || ' open)'
                || case decided.owner_kind
                    when 'inactive' then ', taken from an owner inactive in the CRM'
                    when 'rep' then ', taken from an owner with no meaningful activity in '
                        || cast(decided.working_sla_days as varchar) || ' days'
                    else ''
                end
        end as reason
    from decided
    left join dealt
        on decided.account_id = dealt.account_id
        and decided.signal_type = dealt.signal_type
        and decided.occurred_at = dealt.occurred_at
    where decided.decision = 'alerted' or (decided.decision = 'route' and dealt.rep_id is not null)
) as changes
    on decided.account_id = changes.account_id
    and decided.signal_type = changes.signal_type
    and decided.occurred_at = changes.occurred_at
