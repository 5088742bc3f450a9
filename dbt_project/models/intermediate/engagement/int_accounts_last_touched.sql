{#- When each account was last meaningfully touched, by its current owner and by anyone.
    Only activity types RevOps marks meaningful count: an automated email proves nothing.

    Incremental on account_id: a daily run recomputes only the accounts that have a new touch
    (see int_activity_touches) or whose owner changed since the last run; every other account
    keeps its row. Accounts that left the run (quarantined or deleted) lose their row, so one
    that comes back is recomputed rather than trusted. -#}
{{ config(
    materialized='incremental',
    unique_key='account_id',
    incremental_strategy='delete+insert',
    post_hook=[
        "{% if is_incremental() %}delete from {{ this }} where account_id not in (select account_id from "
        ~ "{{ ref('int_accounts_checked') }} where quarantine_reason is null){% endif %}"
    ],
) }}

with

accounts as (

    select account_id, owner_id from {{ ref('int_accounts_checked') }}
    where quarantine_reason is null

),

touches as (

    select * from {{ ref('int_activity_touches') }}

),

{% if is_incremental() %}

changed as (

    select account_id
    from touches
    where last_activity_at >= (
        select {{ dbt.dateadd('day', -var('incremental_lookback_days', 3), 'max(last_touched_at)') }}
        from {{ this }}
    )

    union

    select accounts.account_id
    from accounts
    left join {{ this }} as previous
        on accounts.account_id = previous.account_id
        and accounts.owner_id = previous.owner_id
    where previous.account_id is null

),

in_scope as (

    select accounts.account_id, accounts.owner_id
    from accounts
    inner join changed
        on accounts.account_id = changed.account_id

),

{% else %}

in_scope as (

    select * from accounts

),

{% endif %}

by_account as (

    select
        in_scope.account_id,
        in_scope.owner_id,
        max(case when touches.owner_id = in_scope.owner_id then touches.last_activity_at end)
            as last_touched_by_owner_at,
        max(touches.last_activity_at) as last_touched_at

    from in_scope
    left join touches
        on in_scope.account_id = touches.account_id
    group by in_scope.account_id, in_scope.owner_id

)

select * from by_account
