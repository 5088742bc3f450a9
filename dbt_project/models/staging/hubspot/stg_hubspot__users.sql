{%- set raw = raw_columns('hubspot', 'owner') -%}
with

source as (

    select * from {{ crm_source('hubspot', 'owner') }}

),

renamed as (

    select
        cast(owner_id as {{ dbt.type_string() }}) as user_id,
        cast(trim(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) as {{ dbt.type_string() }}) as user_name,
        cast(email as {{ dbt.type_string() }}) as email,
        coalesce({{ typed(raw, 'is_active') }}, false) as is_active

    from source
    where {{ untyped_reason(raw) }} is null

)

select * from renamed
