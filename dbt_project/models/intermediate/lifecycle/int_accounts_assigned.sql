{#- Since when the current owner holds each account, for the accounts bookflow gave to that owner
    (the sync ledger knows the day of every change it applied). Owners bookflow did not set have
    no row here: the status model falls back to the account's creation, which only ever makes an
    account look older, never newer, so no grace period is invented. -#}
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

assigned as (

    select
        accounts.account_id,
        accounts.owner_id,
        max(applied_changes.effective_on) as assigned_on

    from applied_changes
    cross join settings
    inner join accounts
        on applied_changes.account_id = accounts.account_id
        and coalesce(applied_changes.to_owner_id, settings.pool_owner_id) = accounts.owner_id
    group by accounts.account_id, accounts.owner_id

)

select * from assigned
