{#- When each account was last meaningfully touched, by its current owner and by anyone.
    Only activity types RevOps marks meaningful count: an automated email proves nothing.

    Activities are by far the largest input (about twenty rows per account), so this model is
    incremental on account_id. A daily run reads only the activities of the last few days (the
    window starts `incremental_lookback_days` before the newest touch already counted, so rows that
    land a little late still count) and folds them into the accounts they touch: a max only grows,
    and counting an activity twice changes nothing. Only accounts whose owner changed, or that are
    new to the run, are recomputed from their whole history. Rows of accounts that left the run
    (quarantined or deleted) are dropped, so one that comes back is recomputed, not trusted.

    What the window cannot see (an older activity deleted, backdated or retyped, or a change to
    which types are meaningful) needs a full refresh: `bookflow run --full-refresh`, which the cycle
    also does by itself when activity_types.csv changes or a run goes back in time. -#}
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

activities as (

    select * from {{ ref('stg_salesforce__activities') }}

),

activity_types as (

    select * from {{ ref('activity_types') }}

),

meaningful as (

    select
        activities.account_id,
        activities.owner_id,
        activities.activity_at

    from activities
    inner join activity_types
        on activities.activity_type = activity_types.activity_type
    where activity_types.is_meaningful
        and cast(activities.activity_at as date) <= {{ as_of() }}

),

{% if is_incremental() %}

previous as (

    select * from {{ this }}

),

{#- Accounts this run sees for the first time, or with another owner than last time. -#}
reowned as (

    select accounts.account_id, accounts.owner_id
    from accounts
    left join previous
        on accounts.account_id = previous.account_id
        and accounts.owner_id = previous.owner_id
    where previous.account_id is null

),

recent as (

    select meaningful.*
    from meaningful
    where meaningful.activity_at >= (
        select {{ dbt.dateadd('day', -var('incremental_lookback_days', 3), "coalesce(max(last_touched_at), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ "))") }}
        from previous
    )

),

recent_by_account as (

    select
        previous.account_id,
        previous.owner_id,
        max(case when recent.owner_id = previous.owner_id then recent.activity_at end) as last_touched_by_owner_at,
        max(recent.activity_at) as last_touched_at

    from recent
    inner join previous
        on recent.account_id = previous.account_id
    inner join accounts
        on previous.account_id = accounts.account_id
        and previous.owner_id = accounts.owner_id
    group by previous.account_id, previous.owner_id

),

folded as (

    select
        previous.account_id,
        previous.owner_id,
        case
            when previous.last_touched_by_owner_at is null then recent_by_account.last_touched_by_owner_at
            when recent_by_account.last_touched_by_owner_at is null then previous.last_touched_by_owner_at
            else greatest(previous.last_touched_by_owner_at, recent_by_account.last_touched_by_owner_at)
        end as last_touched_by_owner_at,
        case
            when previous.last_touched_at is null then recent_by_account.last_touched_at
            when recent_by_account.last_touched_at is null then previous.last_touched_at
            else greatest(previous.last_touched_at, recent_by_account.last_touched_at)
        end as last_touched_at

    from recent_by_account
    inner join previous
        on recent_by_account.account_id = previous.account_id

),

recomputed as (

    select
        reowned.account_id,
        reowned.owner_id,
        max(case when meaningful.owner_id = reowned.owner_id then meaningful.activity_at end)
            as last_touched_by_owner_at,
        max(meaningful.activity_at) as last_touched_at

    from reowned
    left join meaningful
        on reowned.account_id = meaningful.account_id
    group by reowned.account_id, reowned.owner_id

),

by_account as (

    select * from folded
    union all
    select * from recomputed

)

{% else %}

by_account as (

    select
        accounts.account_id,
        accounts.owner_id,
        max(case when meaningful.owner_id = accounts.owner_id then meaningful.activity_at end)
            as last_touched_by_owner_at,
        max(meaningful.activity_at) as last_touched_at

    from accounts
    left join meaningful
        on accounts.account_id = meaningful.account_id
    group by accounts.account_id, accounts.owner_id

)

{% endif %}

select * from by_account
