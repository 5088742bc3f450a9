{#- When each clean account was last meaningfully touched, by its current owner and by anyone.
    A view: the incremental work is in int_account_touches, and this is read once, by
    int_accounts_status_derived. -#}
{{ config(materialized='view') }}

with

accounts as (

    select account_id, owner_id from {{ ref('int_accounts_checked') }}
    where quarantine_reason is null

),

touches as (

    select * from {{ ref('int_account_touches') }}

)

select
    accounts.account_id,
    accounts.owner_id,
    max(case when touches.toucher_id = accounts.owner_id then touches.last_touched_at end)
        as last_touched_by_owner_at,
    max(touches.last_touched_at) as last_touched_at

from accounts
inner join touches
    on accounts.account_id = touches.account_id
group by accounts.account_id, accounts.owner_id
