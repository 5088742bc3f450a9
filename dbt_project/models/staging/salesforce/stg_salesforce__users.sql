with

source as (

    select * from {{ crm_source('salesforce', 'user') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as user_id,
        cast(name as {{ dbt.type_string() }}) as user_name,
        cast(email as {{ dbt.type_string() }}) as email,
        coalesce(is_active, false) as is_active

    from source

)

select * from renamed
