{%- set raw = raw_columns('salesforce', 'user') -%}
with

source as (

    select * from {{ crm_source('salesforce', 'user') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as user_id,
        cast(name as {{ dbt.type_string() }}) as user_name,
        cast(email as {{ dbt.type_string() }}) as email,
        coalesce({{ typed(raw, 'is_active') }}, false) as is_active

    from source
    where {{ untyped_reason(raw) }} is null

)

select * from renamed
