-- What each hand raise does: its match first (review, new-account candidate), then its account's
-- action as the cycle decided it (marts.routing_facts), updated by what routing moved since that
-- cycle. Nothing here re-decides a rule of engagement.
create or replace temp table decided as
with

raises as (
    select
        pending.*,
        matched.matched_account_id,
        matched.match_rule,
        matched.match_confidence,
        matched.match_decision,
        matched.match_reason,
        row_number() over (
            partition by coalesce(matched.matched_account_id, pending.hand_raise_id)
            order by pending.received_at, pending.occurred_at, pending.hand_raise_id
        ) as nth
    from pending
    inner join matched
        on pending.hand_raise_id = matched.hand_raise_id
),

routed_since as (
    select
        account_id,
        arg_max(to_owner_id, routed_at) as to_owner_id,
        arg_max(to_crm_owner_id, routed_at) as to_crm_owner_id,
        bool_or(as_of = $as_of) as routed_this_cycle
    from inbound.ownership_changes
    where as_of > $facts_as_of
    group by account_id
),

joined as (
    select
        raises.*,
        facts.account_id is not null as is_known,
        facts.owner_id,
        facts.crm_owner_id,
        facts.owner_kind,
        facts.target_book,
        facts.hand_raise_action,
        facts.hand_raise_reason,
        facts.left_unworked_by,
        routed_since.account_id is not null as was_routed_since,
        routed_since.to_owner_id as routed_to,
        routed_since.to_crm_owner_id as routed_to_crm,
        coalesce(routed_since.routed_this_cycle, false) as routed_this_cycle
    from raises
    left join facts.marts.routing_facts as facts
        on raises.matched_account_id = facts.account_id
    left join routed_since
        on raises.matched_account_id = routed_since.account_id
)

select
    *,
    case
        when match_decision = 'review' then 'review'
        when match_decision <> 'matched' then 'quarantined'
        when nth > 1 then 'duplicate'
        when not is_known then 'quarantined'
        when routed_this_cycle then 'duplicate'
        when was_routed_since then 'alerted'
        when hand_raise_action = 'keep' then 'kept'
        when hand_raise_action = 'alert' then 'alerted'
        when hand_raise_action = 'quarantine' then 'quarantined'
        else 'route'
    end as decision,
    case
        when match_decision = 'review' then match_reason
        when match_decision <> 'matched' then 'new-account candidate: ' || match_reason
        when nth > 1 then 'another hand raise for this account in the same pass'
        when not is_known
            then 'account ' || matched_account_id || ' is not among the last cycle''s accounts (new, deleted or held back)'
        when routed_this_cycle then 'already routed this cycle, to ' || coalesce(routed_to, 'the pool')
        when was_routed_since
            then 'hand raise (' || signal_type || ') on an account routed to its owner since the last cycle: '
                || 'owner alerted, follow up now'
        when hand_raise_action = 'alert'
            then 'hand raise (' || signal_type || '): ' || hand_raise_reason || ': owner alerted, follow up now'
        else hand_raise_reason
    end as decision_reason,
    case when was_routed_since then routed_to else owner_id end as current_owner_id,
    case when was_routed_since then routed_to_crm else crm_owner_id end as current_crm_owner_id
from joined
