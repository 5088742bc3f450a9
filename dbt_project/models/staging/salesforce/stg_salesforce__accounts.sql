{#- Accounts renamed and typed; deleted rows removed. Rows whose values do not convert to the
    input contract's types are left out here and listed, with the column and the value, by
    int_raw_rows_rejected (macros/typed_input.sql). -#}
{%- set raw = raw_columns('salesforce', 'account') -%}
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
        {{ typed(raw, 'number_of_employees') }} as employee_count,
        {{ typed(raw, 'annual_revenue') }} as annual_revenue,
        upper(cast(billing_country as {{ dbt.type_string() }})) as billing_country,
        cast(billing_state as {{ dbt.type_string() }}) as billing_state,
        {{ typed(raw, 'created_date') }} as created_at,
        {{ optional_column(source('salesforce', 'account'), 'website', dbt.type_string()) }} as website

    from source
    where not coalesce({{ typed(raw, 'is_deleted') }}, false)
        and {{ untyped_reason(raw) }} is null

)

select * from renamed
