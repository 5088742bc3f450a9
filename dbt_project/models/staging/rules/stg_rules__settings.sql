{#- settings.csv is a key/value list so RevOps can read and edit it; the models want one typed row.
    pool_owner_id is the owner id the models give the pool; crm_pool_owner_id what the CRM holds
    for it. In Salesforce both are the pool user. In HubSpot the pool is the unowned companies:
    the models name it 'hubspot:unowned' and the CRM holds no owner (unless settings.csv names a
    pool owner, which then serves both). -#}
with

settings as (

    select * from {{ ref('settings') }}

),

pivoted as (

    select
        coalesce(
            max(case when setting = 'pool_owner_id' then nullif(value, '') end),
            {{ "'hubspot:unowned'" if crm() == 'hubspot' else 'null' }}
        ) as pool_owner_id,
        max(case when setting = 'pool_owner_id' then nullif(value, '') end) as crm_pool_owner_id,
        cast(max(case when setting = 'working_sla_days' then value end) as {{ dbt.type_int() }}) as working_sla_days,
        cast(max(case when setting = 'grace_days' then value end) as {{ dbt.type_int() }}) as grace_days,
        cast(max(case when setting = 'default_rest_days' then value end) as {{ dbt.type_int() }}) as default_rest_days,
        cast(max(case when setting = 'fit_threshold' then value end) as {{ dbt.type_float() }}) as fit_threshold,
        cast(max(case when setting = 'timing_threshold' then value end) as {{ dbt.type_float() }}) as timing_threshold,
        cast(max(case when setting = 'fit_weight' then value end) as {{ dbt.type_float() }}) as fit_weight,
        cast(max(case when setting = 'timing_weight' then value end) as {{ dbt.type_float() }}) as timing_weight,
        cast(max(case when setting = 'tier_1_min_priority' then value end) as {{ dbt.type_float() }}) as tier_1_min_priority,
        cast(max(case when setting = 'tier_2_min_priority' then value end) as {{ dbt.type_float() }}) as tier_2_min_priority,
        cast(max(case when setting = 'rest_break_min_strength' then value end) as {{ dbt.type_float() }}) as rest_break_min_strength,
        cast(max(case when setting = 'signal_lookback_days' then value end) as {{ dbt.type_int() }}) as signal_lookback_days,
        -- Optional in settings.csv: rules written before the coverage marts do not name it.
        coalesce(
            cast(max(case when setting = 'conversion_window_days' then value end) as {{ dbt.type_int() }}), 90
        ) as conversion_window_days,
        -- Optional: what a hand raise does when every available rep of its book is full.
        coalesce(max(case when setting = 'inbound_when_book_full' then value end), 'queue') as inbound_when_book_full

    from settings

)

select * from pivoted
