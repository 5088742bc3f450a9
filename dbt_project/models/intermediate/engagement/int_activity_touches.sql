{#- The last meaningful activity of each (account, person) pair: the only thing the working
    status needs from the activity tables, which are by far the largest input (about twenty rows
    per account). Incremental: a daily run reads only the activities of the last few days and
    merges them into the pairs they touch, so its cost follows the new activities, not the history.

    The window reaches `incremental_lookback_days` before the newest touch already counted, so
    activities that land a little late are still counted; a max is idempotent, so counting an
    activity twice changes nothing. What the window cannot see (an activity deleted, backdated
    further or retyped, or a change to which activity types are meaningful) needs a full refresh:
    `bookflow run --full-refresh`, which the cycle also does by itself when activity_types.csv
    changes or a run goes back in time. -#}
{{ config(
    materialized='incremental',
    unique_key=['account_id', 'owner_id'],
    incremental_strategy='delete+insert',
) }}

with

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
        and activities.account_id is not null
        and activities.owner_id is not null
        and cast(activities.activity_at as date) <= {{ as_of() }}
    {% if is_incremental() %}
        and activities.activity_at >= (
            select {{ dbt.dateadd('day', -var('incremental_lookback_days', 3), "coalesce(max(last_activity_at), cast('1900-01-01' as " ~ dbt.type_timestamp() ~ "))") }}
            from {{ this }}
        )
    {% endif %}

),

{% if is_incremental() %}

{#- A pair already counted keeps its older maximum when the new rows are older still. -#}
merged as (

    select account_id, owner_id, activity_at from meaningful
    union all
    select previous.account_id, previous.owner_id, previous.last_activity_at as activity_at
    from {{ this }} as previous
    inner join (select distinct account_id, owner_id from meaningful) as touched
        on previous.account_id = touched.account_id
        and previous.owner_id = touched.owner_id

),

{% else %}

merged as (

    select * from meaningful

),

{% endif %}

touches as (

    select
        account_id,
        owner_id,
        max(activity_at) as last_activity_at

    from merged
    group by account_id, owner_id

)

select * from touches
