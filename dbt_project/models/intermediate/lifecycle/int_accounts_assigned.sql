{#- Since when the current owner holds each account: the latest day the account went to that
    owner, by the CRM's own owner history (Salesforce AccountHistory, HubSpot's hubspot_owner_id
    history) or by bookflow's sync ledger, whichever knows later. A warehouse that never synced
    anything (a new one beside a CRM bookflow already balanced) so still knows that an account
    dealt this morning is new. Accounts neither knows about have no row: the status model falls
    back to the account's creation, which only ever makes an account look older, never newer, so
    no grace period is invented. bookflow_assigned_on is the ledger's day alone (the coverage
    marts tell bookflow's deals from books it found). -#}
with

accounts as (

    select account_id, owner_id from {{ ref('int_accounts_checked') }}

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

owner_changes as (

    select
        applied_changes.account_id,
        coalesce(applied_changes.to_owner_id, settings.pool_owner_id) as owner_id,
        applied_changes.effective_on as changed_on,
        true as is_bookflow_change

    from applied_changes
    cross join settings

    union all

    select
        account_id,
        owner_id,
        cast(changed_at as date) as changed_on,
        false as is_bookflow_change

    from crm_owner_changes

),

assigned as (

    select
        accounts.account_id,
        accounts.owner_id,
        max(owner_changes.changed_on) as assigned_on,
        max(case when owner_changes.is_bookflow_change then owner_changes.changed_on end) as bookflow_assigned_on

    from owner_changes
    inner join accounts
        on owner_changes.account_id = accounts.account_id
        and owner_changes.owner_id = accounts.owner_id
    group by accounts.account_id, accounts.owner_id

)

select * from assigned
