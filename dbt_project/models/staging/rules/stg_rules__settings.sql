{#- settings.csv is a key/value list so RevOps can read and edit it; the models want one typed row.
    pool_owner_id is the owner id the models give the pool; crm_pool_owner_id what the CRM holds
    for it. In Salesforce both are the pool user. In HubSpot the pool is the unowned companies:
    the models name it 'hubspot:unowned' and the CRM holds no owner (unless settings.csv names a
    pool owner, which then serves both). Settings added after the first rules files were written are
    optional: a missing one takes the default here, which keeps the rule off or as it was
    (docs/rules.md). -#}
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
        coalesce(
            cast(max(case when setting = 'conversion_window_days' then value end) as {{ dbt.type_int() }}), 90
        ) as conversion_window_days,
        -- Optional: what a hand raise does when every available rep of its book is full.
        coalesce(max(case when setting = 'inbound_when_book_full' then value end), 'queue') as inbound_when_book_full,
        {#- An empty value is the same as a missing one. #}
        nullif(max(case when setting = 'sdr_owner_column' then value end), '') as sdr_owner_column,
        coalesce(nullif(max(case when setting = 'distribution_mode' then value end), ''), 'top_off') as distribution_mode,
        cast(nullif(max(case when setting = 'distribution_per_rep' then value end), '') as {{ dbt.type_int() }})
            as distribution_per_rep,
        cast(nullif(max(case when setting = 'max_new_per_rep_per_run' then value end), '') as {{ dbt.type_int() }})
            as max_new_per_rep_per_run,
        cast(nullif(max(case when setting = 'max_new_per_book_per_run' then value end), '') as {{ dbt.type_int() }})
            as max_new_per_book_per_run,
        cast(nullif(max(case when setting = 'max_retrievals_per_run' then value end), '') as {{ dbt.type_int() }})
            as max_retrievals_per_run,
        {#- A list such as 'red' or 'red,yellow', kept as ',red,yellow,' so a grade matches with one like. #}
        ',' || replace(coalesce(max(case when setting = 'retrieve_grades' then value end), ''), ' ', '') || ','
            as retrieve_grades,
        coalesce(
            cast(nullif(max(case when setting = 'leaver_release_days' then value end), '') as {{ dbt.type_int() }}), 0
        ) as leaver_release_days,
        cast(nullif(max(case when setting = 'retrieve_during_time_off_days' then value end), '') as {{ dbt.type_int() }})
            as retrieve_during_time_off_days,
        cast(nullif(max(case when setting = 'completion_days' then value end), '') as {{ dbt.type_int() }})
            as completion_days,
        cast(nullif(max(case when setting = 'completion_activities' then value end), '') as {{ dbt.type_int() }})
            as completion_activities,
        {#- Opportunity stages that count as progress, kept as ',Stage A,Stage B,' (stages may hold spaces). #}
        case
            when nullif(max(case when setting = 'completion_progress_stages' then value end), '') is not null
                then ',' || replace(max(case when setting = 'completion_progress_stages' then value end), ', ', ',') || ','
        end as completion_progress_stages,
        coalesce(
            cast(nullif(max(case when setting = 'completion_rest_days' then value end), '') as {{ dbt.type_int() }}), 90
        ) as completion_rest_days,
        coalesce(lower(max(case when setting = 'displace_for_higher_tier' then value end)) = 'true', false)
            as displace_for_higher_tier

    from settings

)

select * from pivoted
