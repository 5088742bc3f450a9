{#- Accounts renamed and typed; deleted rows removed. -#}
with

source as (

    select * from {{ crm_source('salesforce', 'account') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(name as {{ dbt.type_string() }}) as account_name,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        {#- The SDR/BDR owner, from the column settings.csv names (sdr_owner_column); null without one. #}
        {{ optional_column(source('salesforce', 'account'), sdr_owner_column(), dbt.type_string(), 'sdr_owner_id') }},
        cast(type as {{ dbt.type_string() }}) as account_type,
        cast(industry as {{ dbt.type_string() }}) as industry,
        cast(number_of_employees as {{ dbt.type_int() }}) as employee_count,
        cast(annual_revenue as {{ dbt.type_float() }}) as annual_revenue,
        upper(cast(billing_country as {{ dbt.type_string() }})) as billing_country,
        cast(billing_state as {{ dbt.type_string() }}) as billing_state,
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        {{ optional_column(source('salesforce', 'account'), 'website', dbt.type_string()) }} as website

    from source
    where not coalesce(is_deleted, false)

)

select * from renamed
