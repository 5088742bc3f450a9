-- The ownership changes of this pass: an alert (same owner, told why) or a route to the dealt rep.
create or replace temp table pass_changes as
with

changes as (
    select
        decided.hand_raise_id,
        decided.matched_account_id as account_id,
        decided.signal_type,
        decided.received_at,
        case when decided.decision = 'alerted' or decided.owner_kind <> 'pool' then decided.current_owner_id end
            as from_owner_id,
        case when decided.decision = 'alerted' then decided.current_owner_id else dealt.rep_id end as to_owner_id,
        decided.current_crm_owner_id,
        case
            when decided.decision = 'alerted' then decided.decision_reason
            else 'hand raise (' || decided.signal_type || '): most open capacity in ' || decided.target_book
                || ' (' || cast(dealt.open_capacity_at_pick as varchar) || ' open'
                || case when dealt.open_capacity_at_pick <= 0 then ', the whole book full: least loaded' else '' end
                || ')'
                || coalesce(', ' || decided.hand_raise_reason, '')
        end as reason
    from decided
    left join dealt
        on decided.hand_raise_id = dealt.hand_raise_id
    where (decided.decision = 'alerted' and decided.current_owner_id is not null)
        or (decided.decision = 'route' and dealt.rep_id is not null)
)

select
    md5(concat_ws('|', 'inbound', cast($as_of as varchar), account_id, coalesce(from_owner_id, 'pool'),
        coalesce(to_owner_id, 'pool'), hand_raise_id)) as change_id,
    $as_of as as_of,
    account_id,
    from_owner_id,
    to_owner_id,
    'inbound' as change_type,
    reason,
    coalesce(from_owner_id, current_crm_owner_id) as from_crm_owner_id,
    to_owner_id as to_crm_owner_id,
    signal_type,
    received_at,
    $now as routed_at,
    hand_raise_id
from changes
