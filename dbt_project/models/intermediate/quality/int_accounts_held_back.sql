{#- Account rows that cannot be trusted, with the reason: a missing or unknown owner, or an id
    that is missing or appears twice. Bad CRM rows are not guessed at: they take no part in the
    run and RevOps sees them in marts.quarantine. A few rows, so int_accounts_checked can be a view
    that leaves them out instead of a second copy of every account. One row per id and reason,
    with the raw rows it stands for (the copies of a duplicate id are one row). -#}
with

accounts as (

    select account_id, owner_id from {{ ref('stg_crm__accounts') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

{#- Only the ids that repeat: a few rows, so the check below joins a small table, not every id. -#}
duplicate_ids as (

    select account_id
    from accounts
    group by account_id
    having count(*) > 1

),

checked as (

    select
        accounts.account_id,
        accounts.owner_id,
        case
            when accounts.account_id is null then 'null account id'
            when duplicate_ids.account_id is not null then 'duplicate account id'
            when accounts.owner_id is null then 'null owner_id'
            when users.user_id is null then 'unknown owner_id ' || accounts.owner_id
        end as quarantine_reason

    from accounts
    left join duplicate_ids
        on accounts.account_id = duplicate_ids.account_id
    left join users
        on accounts.owner_id = users.user_id

),

held_back as (

    select
        account_id,
        quarantine_reason,
        count(*) as rows_held

    from checked
    where quarantine_reason is not null
    group by account_id, quarantine_reason

)

select * from held_back
