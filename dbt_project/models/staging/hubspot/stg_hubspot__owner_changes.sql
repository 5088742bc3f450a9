{#- Every value each owner property has taken on each company, and when, with the value before it:
    hubspot_owner_id (the CRM owner) and the SDR property settings.csv names (macros/
    hubspot_owner_field.sql). An empty value is the company being unowned in that property (the
    pool). A version whose timestamp does not convert is left out (int_raw_rows_rejected lists
    it): the one before it then comes first. -#}
{%- set raw = raw_columns('hubspot', 'company_property_history') -%}
with

source as (

    select
        company_id,
        value,
        {{ hubspot_owner_field('name') }} as owner_field,
        {{ typed(raw, 'timestamp') }} as changed_at

    from {{ crm_source('hubspot', 'company_property_history') }}
    where {{ untyped_reason(raw) }} is null

),

renamed as (

    select
        cast(company_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_field as {{ dbt.type_string() }}) as owner_field,
        cast(
            lag(nullif(value, '')) over (
                partition by company_id, owner_field order by changed_at
            ) as {{ dbt.type_string() }}
        ) as previous_owner_id,
        cast(nullif(value, '') as {{ dbt.type_string() }}) as owner_id,
        changed_at

    from source
    where owner_field is not null

)

select * from renamed
