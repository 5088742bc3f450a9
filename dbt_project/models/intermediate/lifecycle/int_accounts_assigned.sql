{#- Since when the current owner holds each account. bookflow knows the day of every change it
    applied (the sync ledger); for owners it did not set, the account's creation is the fallback,
    which only ever makes an account look older, never newer, so no grace period is invented. -#}
with

accounts as (

    select * from {{ ref('int_accounts_checked') }}
    where quarantine_reason is null

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

applied_changes as (

    select * from {{ ref('stg_reverse_etl__applied_changes') }}

),

last_change_to_owner as (

    select
        accounts.account_id,
        max(applied_changes.effective_on) as assigned_on

    from accounts
    cross join settings
    inner join applied_changes
        on accounts.account_id = applied_changes.account_id
        and coalesce(applied_changes.to_owner_id, settings.pool_owner_id) = accounts.owner_id
    where applied_changes.effective_on <= {{ as_of() }}
    group by accounts.account_id

),

assigned as (

    select
        accounts.account_id,
        accounts.owner_id,
        coalesce(last_change_to_owner.assigned_on, cast(accounts.created_at as date)) as assigned_on,
        last_change_to_owner.assigned_on is not null as was_assigned_by_bookflow

    from accounts
    left join last_change_to_owner
        on accounts.account_id = last_change_to_owner.account_id

)

select * from assigned
