{#- When each account was last meaningfully touched, by its current owner and by anyone.
    Only activity types RevOps marks meaningful count: an automated email proves nothing.

    Activities are by far the largest input (about twenty rows per account), so this model is
    incremental on account_id and a daily run reads the activities once: the rows of the last few
    days (the window starts `incremental_lookback_days` before the newest touch already counted,
    so rows that land a little late still count), plus the whole history of the accounts whose
    owner changed or that are new to the run. Recent touches fold into the rows already there (a
    max only grows, and counting an activity twice changes nothing); changed accounts are
    recomputed. An account held back from a run (quarantined, or deleted) keeps its row and keeps
    being folded, so when it comes back with the same owner its row is up to date.

    What the window cannot see (an older activity deleted, backdated or retyped, or a change to
    which types are meaningful) needs a full refresh: `bookflow run --full-refresh`, which the cycle
    also does by itself when activity_types.csv changes or a run goes back in time. -#}
{#- delete+insert on DuckDB and Postgres, merge on Databricks (Delta). Plain Spark (session mode,
    Parquet tables) can neither delete nor merge, so there the model is rebuilt whole each run. -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    unique_key='account_id',
    incremental_strategy='merge' if target.type == 'databricks' else 'delete+insert',
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
changed_accounts as (

    select accounts.account_id, accounts.owner_id
    from accounts
    left join previous
        on accounts.account_id = previous.account_id
        and accounts.owner_id = previous.owner_id
    where previous.account_id is null

),

window_start as (

    select {{ dbt.dateadd('day', -var('incremental_lookback_days', 3), "coalesce(max(last_touched_at), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ "))") }}
        as starts_at
    from previous

),

{#- The one pass over the activities: the recent window, and every touch of a changed account. -#}
read_once as (

    select
        meaningful.account_id,
        meaningful.owner_id,
        meaningful.activity_at

    from meaningful
    cross join window_start
    left join changed_accounts
        on meaningful.account_id = changed_accounts.account_id
    where meaningful.activity_at >= window_start.starts_at
        or changed_accounts.account_id is not null

),

read_by_account as (

    select
        read_once.account_id,
        coalesce(changed_accounts.owner_id, previous.owner_id) as owner_id,
        changed_accounts.account_id is not null as is_changed,
        max(case when read_once.owner_id = coalesce(changed_accounts.owner_id, previous.owner_id)
            then read_once.activity_at end) as last_touched_by_owner_at,
        max(read_once.activity_at) as last_touched_at

    from read_once
    left join changed_accounts
        on read_once.account_id = changed_accounts.account_id
    left join previous
        on read_once.account_id = previous.account_id
    where changed_accounts.account_id is not null
        or previous.account_id is not null
    group by
        read_once.account_id,
        coalesce(changed_accounts.owner_id, previous.owner_id),
        changed_accounts.account_id is not null

),

folded as (

    select
        previous.account_id,
        previous.owner_id,
        case
            when previous.last_touched_by_owner_at is null then read_by_account.last_touched_by_owner_at
            when read_by_account.last_touched_by_owner_at is null then previous.last_touched_by_owner_at
            else greatest(previous.last_touched_by_owner_at, read_by_account.last_touched_by_owner_at)
        end as last_touched_by_owner_at,
        case
            when previous.last_touched_at is null then read_by_account.last_touched_at
            when read_by_account.last_touched_at is null then previous.last_touched_at
            else greatest(previous.last_touched_at, read_by_account.last_touched_at)
        end as last_touched_at

    from read_by_account
    inner join previous
        on read_by_account.account_id = previous.account_id
    where not read_by_account.is_changed

),

recomputed as (

    select
        changed_accounts.account_id,
        changed_accounts.owner_id,
        read_by_account.last_touched_by_owner_at,
        read_by_account.last_touched_at

    from changed_accounts
    left join read_by_account
        on changed_accounts.account_id = read_by_account.account_id

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
