{#- Is the NBTAM being worked? Per target book and tier, the share of NBTAM accounts with a
    meaningful activity (by anyone) within 30, 60 and 90 days of the run date. -#}
with

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

nbtam as (

    select
        target_book,
        tier,
        owner_id,
        last_touched_at

    from account_status
    where {{ is_nbtam('status') }}

),

counted as (

    select
        target_book,
        tier,
        cast(count(*) as {{ dbt.type_int() }}) as nbtam_accounts,
        cast(sum(case when owner_id is not null then 1 else 0 end) as {{ dbt.type_int() }}) as owned_accounts,
        cast(sum(case when {{ within_days('last_touched_at', 30) }} then 1 else 0 end) as {{ dbt.type_int() }})
            as worked_30d,
        cast(sum(case when {{ within_days('last_touched_at', 60) }} then 1 else 0 end) as {{ dbt.type_int() }})
            as worked_60d,
        cast(sum(case when {{ within_days('last_touched_at', 90) }} then 1 else 0 end) as {{ dbt.type_int() }})
            as worked_90d

    from nbtam
    group by target_book, tier

),

final as (

    select
        {{ as_of() }} as as_of,
        target_book,
        tier,
        nbtam_accounts,
        owned_accounts,
        worked_30d,
        worked_60d,
        worked_90d,
        {{ share('worked_30d', 'nbtam_accounts') }} as coverage_30d,
        {{ share('worked_60d', 'nbtam_accounts') }} as coverage_60d,
        {{ share('worked_90d', 'nbtam_accounts') }} as coverage_90d

    from counted

)

select * from final
