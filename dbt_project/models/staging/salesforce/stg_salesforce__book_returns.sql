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
        cast(created_date as {{ dbt.type_timestamp() }}) as returned_at

    from source
    where not coalesce(is_deleted, false)

)

select * from renamed
