{#- The latest meaningful touch of each account by each person who touched it. Only activity
    types RevOps marks meaningful count: an automated email proves nothing.

    Activities are by far the largest input (about twenty rows per account), and keeping one row
    per account and toucher (not per account and its owner of the day) means an ownership change
    needs no look back at the history: the new owner's row is already here. So this model is
    incremental on (account_id, toucher_id), and a daily run reads only
      - the activities that landed since the last run (`landed_at`, Fivetran's `_fivetran_synced`),
      - and those dated after the last run's day, up to this one (a meeting booked ahead counts
        on its day, not when it landed);
    and folds them into the rows already here (a max only grows; counting a row twice changes
    nothing). A loader that stamps no landing time gets a window of `incremental_lookback_days`
    (default 3) before the last run's day instead.

    What this cannot see (an activity deleted, backdated or retyped after it was counted, or a
    change to which types are meaningful) needs a full refresh: `bookflow run --full-refresh`,
    which the cycle also does by itself when activity_types.csv changes or a run goes back in time. -#}
{#- delete+insert on DuckDB and Postgres, merge on Databricks (Delta). Plain Spark (session mode,
    Parquet tables) can neither delete nor merge, so there the model is rebuilt whole each run. -#}
{{ config(
    materialized='table' if target.type == 'spark' else 'incremental',
    unique_key=['account_id', 'toucher_id'],
    incremental_strategy='merge' if target.type == 'databricks' else 'delete+insert',
) }}

{#- The watermarks are read before the query is written, so they reach the warehouse as
    constants it can prune the activities with (zone maps on DuckDB, partitions elsewhere). -#}
{%- set watermark = {'landed_through': none, 'counted_through': none} -%}
{%- if is_incremental() and execute -%}
    {%- set row = run_query('select max(landed_through), max(counted_through) from ' ~ this).rows[0] -%}
    {%- do watermark.update({'landed_through': row[0], 'counted_through': row[1]}) -%}
{%- endif -%}

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
        coalesce(activities.owner_id, 'unknown') as toucher_id,
        activities.activity_at,
        activities.landed_at

    from activities
    inner join activity_types
        on activities.activity_type = activity_types.activity_type
    where activity_types.is_meaningful
        and activities.account_id is not null
        and cast(activities.activity_at as date) <= {{ as_of() }}
    {%- if watermark.counted_through is not none %}
        {%- set lookback = 0 if watermark.landed_through is not none else var('incremental_lookback_days', 3) %}
        and (
            {%- if watermark.landed_through is not none %}
            activities.landed_at > cast('{{ watermark.landed_through }}' as {{ dbt.type_timestamp() }})
            or
            {%- endif %}
            cast(activities.activity_at as date)
                > {{ dbt.dateadd('day', -lookback, "cast('" ~ watermark.counted_through ~ "' as date)") }}
        )
    {%- endif %}

),

read_now as (

    select
        account_id,
        toucher_id,
        max(activity_at) as last_touched_at,
        max(landed_at) as landed_through

    from meaningful
    group by account_id, toucher_id

),

{% if is_incremental() %}

folded as (

    select
        read_now.account_id,
        read_now.toucher_id,
        {{ later_of('previous.last_touched_at', 'read_now.last_touched_at') }} as last_touched_at,
        {{ later_of('previous.landed_through', 'read_now.landed_through') }} as landed_through

    from read_now
    left join {{ this }} as previous
        on read_now.account_id = previous.account_id
        and read_now.toucher_id = previous.toucher_id

)

{% else %}

folded as (

    select * from read_now

)

{% endif %}

select
    account_id,
    toucher_id,
    last_touched_at,
    landed_through,
    {{ as_of() }} as counted_through

from folded
