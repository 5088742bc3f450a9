with

source as (

    select * from {{ crm_source('salesforce', 'opportunity') }}

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as opportunity_id,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(stage_name as {{ dbt.type_string() }}) as stage_name,
        coalesce(is_closed, false) as is_closed,
        coalesce(is_won, false) as is_won,
        cast(created_date as {{ dbt.type_timestamp() }}) as created_at,
        cast(close_date as date) as close_date

    from source
    where not coalesce(is_deleted, false)

)

select * from renamed
