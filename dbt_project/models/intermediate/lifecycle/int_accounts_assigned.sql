{#- Since when the current holder of each owner field has each account: the latest day the
    account went to that holder, by the CRM's own history of the field (Salesforce AccountHistory,
    HubSpot's property history: the CRM owner and the SDR field alike) or by bookflow's sync
    ledger, whichever knows later: a warehouse that never synced anything (a new one beside a CRM
    bookflow already balanced) so still knows that an account dealt this morning is new. Holders
    neither knows about (a field without history tracking, changes made before it was turned on)
    have no row: the status model falls back to the account's creation, or to bookflow's first
    day, which only ever makes an account look older, never newer, so no grace period is
    invented. bookflow_assigned_on is the ledger's day alone (the coverage marts tell bookflow's
    deals from books it found). -#}
with

accounts as (

    select account_id, owner_id, sdr_owner_id from {{ ref('int_accounts_checked') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

applied_changes as (

    select * from {{ ref('stg_reverse_etl__applied_changes') }}
    where effective_on <= {{ as_of() }}

),

crm_owner_changes as (

    select * from {{ ref('stg_crm__owner_changes') }}
    where cast(changed_at as date) <= {{ as_of() }}

),

{#- The pool is the pool user in the owner field, an empty SDR field (''). -#}
owner_changes as (

    select
        applied_changes.account_id,
        applied_changes.owner_field,
        case
            when applied_changes.owner_field = 'owner' then coalesce(applied_changes.to_owner_id, settings.pool_owner_id)
            else coalesce(applied_changes.to_owner_id, '')
        end as owner_id,
        applied_changes.effective_on as changed_on,
        true as is_bookflow_change

    from applied_changes
    cross join settings

    union all

    select
        account_id,
        owner_field,
        owner_id,
        cast(changed_at as date) as changed_on,
        false as is_bookflow_change

    from crm_owner_changes

),

holders as (

    select account_id, 'owner' as owner_field, owner_id, owner_id as holder_key from accounts
    union all
    select account_id, 'sdr' as owner_field, sdr_owner_id as owner_id, coalesce(sdr_owner_id, '') as holder_key
    from accounts

),

assigned as (

    select
        holders.account_id,
        holders.owner_field,
        holders.owner_id,
        max(owner_changes.changed_on) as assigned_on,
        max(case when owner_changes.is_bookflow_change then owner_changes.changed_on end) as bookflow_assigned_on

    from owner_changes
    inner join holders
        on owner_changes.account_id = holders.account_id
        and owner_changes.owner_field = holders.owner_field
        and owner_changes.owner_id = holders.holder_key
    group by holders.account_id, holders.owner_field, holders.owner_id

)

select * from assigned
