{#- HubSpot companies in the shape of stg_salesforce__accounts; an unowned company keeps a null
    owner here (stg_crm__accounts makes it the pool's). Rows whose values do not convert to the
    input contract's types are left out here and listed, with the column and the value, by
    int_raw_rows_rejected (macros/typed_input.sql). -#}
{%- set raw = raw_columns('hubspot', 'company') -%}
with

source as (

    select * from {{ crm_source('hubspot', 'company') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as account_id,
        cast(property_name as {{ dbt.type_string() }}) as account_name,
        cast(nullif(property_hubspot_owner_id, '') as {{ dbt.type_string() }}) as owner_id,
        {#- The SDR/BDR owner, from the company property settings.csv names (sdr_owner_column, the
            column as Fivetran lands it, e.g. property_sdr_owner); null without one. #}
        {{ optional_column(source('hubspot', 'company'), sdr_owner_column(), dbt.type_string(), 'sdr_owner_id') }},
        cast(property_lifecyclestage as {{ dbt.type_string() }}) as account_type,
        cast(property_industry as {{ dbt.type_string() }}) as industry,
        {{ typed(raw, 'property_numberofemployees') }} as employee_count,
        {{ typed(raw, 'property_annualrevenue') }} as annual_revenue,
        upper(cast(property_country as {{ dbt.type_string() }})) as billing_country,
        cast(property_state as {{ dbt.type_string() }}) as billing_state,
        {{ typed(raw, 'property_createdate') }} as created_at,
        {{ optional_column(source('hubspot', 'company'), 'property_website', dbt.type_string()) }} as website

    from source
    where not coalesce({{ typed(raw, 'is_deleted') }}, false)
        and {{ untyped_reason(raw) }} is null

)

select * from renamed
