{#- When each account took each holder of each owner field, from the CRM's own history
    (Salesforce AccountHistory, HubSpot's property history): the CRM owner ('owner') and the SDR
    field ('sdr'). The pool is spelled as int_accounts_assigned spells it: the pool's owner id in
    the owner field, '' in the SDR field; a value missing before the first change (HubSpot) or
    emptied is the pool too. -#}
{%- set salesforce = ref('stg_salesforce__owner_changes') -%}
{%- set hubspot = ref('stg_hubspot__owner_changes') -%}
with

changes as (

    select * from {{ hubspot if crm() == 'hubspot' else salesforce }}

),

settings as (

    select pool_owner_id from {{ ref('stg_rules__settings') }}

),

pooled as (

    select
        changes.account_id,
        changes.owner_field,
        changes.previous_owner_id,
        changes.owner_id,
        changes.changed_at,
        case when changes.owner_field = 'owner' then settings.pool_owner_id else '' end as field_pool_id

    from changes
    cross join settings

),

final as (

    select
        account_id,
        owner_field,
        coalesce(previous_owner_id, field_pool_id) as previous_owner_id,
        coalesce(owner_id, field_pool_id) as owner_id,
        changed_at,
        (
            coalesce(owner_id, field_pool_id) = field_pool_id
            and coalesce(previous_owner_id, field_pool_id) <> field_pool_id
        ) as is_move_to_pool

    from pooled

)

select * from final
