{#- What a hand raise on each account does, by the cycle's own rules: the account's status, owner,
    target book and protection as int_accounts_status_derived decided them today, and the action
    they imply. Inbound routing reads this (and what it moved since) and decides nothing else
    about an account: only which rep of the book gets it.

    - keep: protected (customer, open opportunity, RevOps exclusion, static territory);
    - alert: its rep works it, is new to it (grace) or has it pinned: the owner is told;
    - route: anything else in a target book (pool, resting, in review, unworked, owner inactive,
      being returned) goes to the rep of the book with the most room, never back to its owner;
    - quarantine: no target book for its segment or country.
    A view, like account_status: the same rows read once, not written twice. -#}
{{ config(materialized='view') }}

with

derived as (

    select * from {{ ref('int_accounts_status_derived') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

actions as (

    select
        derived.*,
        case
            when derived.status = 'excluded' and derived.owner_kind = 'pool' and derived.target_book is null
                and derived.excluded_reason not like 'override:%' then 'quarantine'
            when derived.status in ('excluded', 'customer', 'converted') then 'keep'
            when derived.owner_kind = 'rep' and (derived.is_pinned or derived.status in ('working', 'new')) then 'alert'
            when derived.target_book is null then 'quarantine'
            else 'route'
        end as hand_raise_action

    from derived

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
            when actions.hand_raise_action = 'alert' then 'new to its owner (grace period)'
            when actions.owner_kind = 'inactive' then 'taken from an owner inactive in the CRM'
            when actions.owner_kind = 'rep' and actions.status = 'unworked'
                then 'taken from an owner with no meaningful activity in '
                    || cast(settings.working_sla_days as {{ dbt.type_string() }}) || ' days'
            when actions.owner_kind = 'rep' then 'taken from an owner returning it'
        end as hand_raise_reason,
        actions.hand_raise_action

    from actions
    cross join settings

)

select
    *,
    case when is_protected then hand_raise_reason end as protection_reason
from final
