{#- What a hand raise on each account does, by the cycle's own rules, after this cycle's changes:
    the account's status, owner, target book and protection as int_accounts_status_derived
    decided them today, moved on by marts.ownership_changes (a retrieved or returned account is
    in the pool, resting or in review; a dealt one is new to its rep), and the action they imply.
    Inbound routing reads this (and what it moved since) and decides nothing else about an
    account: only which rep of the book gets it.

    - keep: protected (customer, open opportunity, RevOps exclusion, static territory);
    - alert: its rep works it, is new to it (grace) or has it pinned: the owner is told;
    - route: anything else in a target book (pool, resting, in review, unworked, owner inactive,
      being returned) goes to the rep of the book with the most room, never back to its owner;
    - quarantine: no target book for its segment or country.
    A view, like account_status: the same rows read once, not written twice. -#}
{{ config(materialized='view') }}

with

derived as (

    {#- Routing moves the CRM owner: the SDR field's rows (and changes) are not its business. #}
    select * from {{ ref('int_accounts_status_derived') }}
    where owner_field = 'owner'

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

changes as (

    select
        account_id,
        to_owner_id,
        from_owner_id,
        change_type,
        row_number() over (partition by account_id order by change_type) as nth

    from {{ ref('ownership_changes') }}
    where crm_field = 'owner_id'

),

after_cycle as (

    select
        derived.account_id,
        derived.target_book,
        derived.excluded_reason,
        derived.is_pinned,
        changes.change_type as changed_by,
        case when changes.account_id is null then derived.owner_id else changes.to_owner_id end as owner_id,
        case
            when changes.account_id is null then derived.owner_kind
            when changes.to_owner_id is null then 'pool'
            else 'rep'
        end as owner_kind,
        case
            when changes.account_id is null then derived.status
            when changes.to_owner_id is not null then 'new'
            when derived.status = 'unworked' then 'resting'
            else derived.status
        end as status,
        {#- The rep who left it unworked: a hand raise never sends it back to them. -#}
        case
            when changes.change_type = 'retrieve' then changes.from_owner_id
            when changes.account_id is null and derived.status = 'unworked' then derived.owner_id
        end as left_unworked_by

    from derived
    left join changes
        on derived.account_id = changes.account_id
        and changes.nth = 1

),

actions as (

    select
        after_cycle.*,
        case
            when after_cycle.status = 'excluded' and after_cycle.owner_kind = 'pool' and after_cycle.target_book is null
                and after_cycle.excluded_reason not like 'override:%' then 'quarantine'
            when after_cycle.status in ('excluded', 'customer', 'converted') then 'keep'
            when after_cycle.owner_kind = 'rep'
                and (after_cycle.is_pinned or after_cycle.status in ('working', 'new')) then 'alert'
            when after_cycle.target_book is null then 'quarantine'
            else 'route'
        end as hand_raise_action

    from after_cycle

),

final as (

    select
        {{ as_of() }} as as_of,
        actions.account_id,
        actions.owner_id,
        coalesce(actions.owner_id, settings.pool_owner_id) as crm_owner_id,
        actions.owner_kind,
        actions.target_book,
        actions.status,
        actions.is_pinned,
        actions.status = 'working' as is_worked,
        actions.status = 'new' as is_in_grace,
        actions.hand_raise_action in ('keep', 'alert') as is_protected,
        case
            when actions.hand_raise_action = 'quarantine' then 'no target book for its segment or country'
            when actions.status = 'excluded' then actions.excluded_reason
            when actions.status = 'customer' then 'customer: stays with its owner'
            when actions.status = 'converted' then 'converted (open opportunity): stays with its owner'
            when actions.hand_raise_action = 'alert' and actions.is_pinned then 'pinned to its owner'
            when actions.hand_raise_action = 'alert' and actions.status = 'working' then 'its owner works it'
            when actions.hand_raise_action = 'alert' and actions.changed_by is not null then 'dealt to its owner today'
            when actions.hand_raise_action = 'alert' then 'new to its owner (grace period)'
            when actions.owner_kind = 'inactive' then 'taken from an owner inactive in the CRM'
            when actions.owner_kind = 'rep' and actions.status = 'unworked'
                then 'taken from an owner with no meaningful activity in '
                    || cast(settings.working_sla_days as {{ dbt.type_string() }}) || ' days'
            when actions.owner_kind = 'rep' then 'taken from an owner returning it'
            when actions.changed_by = 'retrieve' then 'retrieved today from an owner who left it unworked'
        end as hand_raise_reason,
        actions.hand_raise_action,
        actions.left_unworked_by

    from actions
    cross join settings

)

select
    *,
    case when is_protected then hand_raise_reason end as protection_reason
from final
