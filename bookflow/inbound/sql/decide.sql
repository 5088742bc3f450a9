create or replace temp table decided as
with

raises as (
    select
        *,
        row_number() over (partition by account_id order by received_at, occurred_at, signal_type) as nth
    from new_raises
),

overrides as (
    select account_id, action, reason
    from rules_account_overrides
    where cast(effective_date as date) <= $as_of and action in ('pin', 'exclude', 'retire')
    qualify row_number() over (partition by account_id order by cast(effective_date as date) desc, action) = 1
),

routed_this_cycle as (
    select account_id, any_value(to_owner_id) as to_owner_id
    from inbound.ownership_changes
    where as_of = $as_of
    group by account_id
),

facts as (
    select
        raises.*,
        accounts.crm_rows,
        accounts.owner_id,
        case
            when accounts.owner_id = rules_in_force.pool_owner_id then 'pool'
            when owners.user_id is null then 'unknown'
            when not owners.is_active then 'inactive'
            when reps.rep_id is not null then 'rep'
            else 'static'
        end as owner_kind,
        case
            when segments.segment is not null and theaters.theater is not null
                then segments.role || '-' || segments.segment || '-' || theaters.theater
        end as target_book,
        coalesce(opportunities.has_open_opportunity, false) as has_open_opportunity,
        lower(coalesce(accounts.account_type, '')) like 'customer%'
            or coalesce(opportunities.has_won_opportunity, false) as is_customer,
        date_diff('day', cast(touches.last_touched_at as date), $as_of) <= rules_in_force.working_sla_days
            as is_worked,
        grace.account_id is not null as is_in_grace,
        overrides.action as override_action,
        overrides.reason as override_reason,
        routed_this_cycle.to_owner_id as routed_this_cycle_to,
        rules_in_force.working_sla_days,
        rules_in_force.pool_owner_id
    from raises
    cross join rules_in_force
    left join raised_accounts as accounts
        on raises.account_id = accounts.account_id
    left join raised_owners as owners
        on accounts.owner_id = owners.user_id
    left join rules_reps as reps
        on accounts.owner_id = reps.rep_id
    left join rules_segments as segments
        on accounts.employee_count >= cast(segments.min_employees as integer)
        and (segments.max_employees is null or accounts.employee_count <= cast(segments.max_employees as integer))
    left join rules_theaters as theaters
        on accounts.billing_country = upper(theaters.billing_country)
    left join raised_opportunities as opportunities
        on raises.account_id = opportunities.account_id
    left join raised_touches as touches
        on raises.account_id = touches.account_id
        and accounts.owner_id = touches.owner_id
    left join inbound.accounts_in_grace as grace
        on raises.account_id = grace.account_id
        and accounts.owner_id = grace.owner_id
    left join overrides
        on raises.account_id = overrides.account_id
    left join routed_this_cycle
        on raises.account_id = routed_this_cycle.account_id
)

select
    *,
    case
        when nth > 1 then 'duplicate'
        when crm_rows is null then 'quarantined'
        when crm_rows > 1 then 'quarantined'
        when routed_this_cycle_to is not null then 'duplicate'
        when override_action in ('exclude', 'retire') then 'kept'
        when is_customer or has_open_opportunity then 'kept'
        when owner_kind = 'unknown' then 'quarantined'
        when owner_kind = 'rep' and (override_action = 'pin' or is_worked or is_in_grace) then 'alerted'
        when owner_kind = 'static' then 'kept'
        when target_book is null then 'quarantined'
        else 'route'
    end as decision,
    case
        when nth > 1 then 'another hand raise for this account in the same pass'
        when crm_rows is null then 'account not found in the CRM (or deleted)'
        when crm_rows > 1 then 'account id appears more than once in the CRM'
        when routed_this_cycle_to is not null
            then 'already routed this cycle, to ' || coalesce(routed_this_cycle_to, 'the pool')
        when override_action in ('exclude', 'retire')
            then 'override: ' || coalesce(override_reason, override_action)
        when is_customer then 'customer: stays with its owner'
        when has_open_opportunity then 'converted (open opportunity): stays with its owner'
        when owner_kind = 'unknown' then 'owner ' || owner_id || ' is not a CRM user'
        when owner_kind = 'rep' and override_action = 'pin'
            then 'hand raise (' || signal_type || ') on an account pinned to its owner: owner alerted, follow up now'
        when owner_kind = 'rep' and is_worked
            then 'hand raise (' || signal_type || ') on an account its owner works: owner alerted, follow up now'
        when owner_kind = 'rep' and is_in_grace
            then 'hand raise (' || signal_type || ') on an account new to its owner: owner alerted, follow up now'
        when owner_kind = 'static' then 'owned outside dynamic books (static territory)'
        when target_book is null then 'no target book for its segment or country'
    end as decision_reason
from facts
