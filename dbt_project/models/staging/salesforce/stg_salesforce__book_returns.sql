{%- set raw = raw_columns('salesforce', 'book_return_c') -%}
with

source as (

    select * from {{ crm_source('salesforce', 'book_return_c') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as book_return_id,
        cast(account_c as {{ dbt.type_string() }}) as account_id,
        cast(returned_by_c as {{ dbt.type_string() }}) as returned_by_id,
        lower(cast(reason_c as {{ dbt.type_string() }})) as return_reason,
        {{ typed(raw, 'created_date') }} as returned_at

    from source
    where not coalesce({{ typed(raw, 'is_deleted') }}, false)
        and {{ untyped_reason(raw) }} is null

)

select * from renamed
