{#- Every value each owner property has taken on each company, and when, with the value before it:
    hubspot_owner_id (the CRM owner) and the SDR property settings.csv names, matched by the column
    a loader lands it in (Fivetran's `property_<name>`, as bookflow.crm.sdr_field.column_of). An
    empty value is the company being unowned in that property (the pool). -#}
{%- set sdr_column = sdr_owner_column() -%}
with

source as (

    select * from {{ crm_source('hubspot', 'company_property_history') }}

),

fields as (

    select
        *,
        case
            when name = 'hubspot_owner_id' then 'owner'
            {%- if sdr_column %}
            when {{ dbt.concat(["'property_'", 'name']) }} = '{{ sdr_column }}' then 'sdr'
            {%- endif %}
        end as owner_field

    from source

),

renamed as (

    select
        cast(company_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_field as {{ dbt.type_string() }}) as owner_field,
        cast(
            lag(nullif(value, '')) over (
                partition by company_id, owner_field order by {{ adapter.quote('timestamp') }}
            ) as {{ dbt.type_string() }}
        ) as previous_owner_id,
        cast(nullif(value, '') as {{ dbt.type_string() }}) as owner_id,
        cast({{ adapter.quote('timestamp') }} as {{ dbt.type_timestamp() }}) as changed_at

    from fields
    where owner_field is not null

)

select * from renamed
