{%- set raw = raw_columns('salesforce', 'opportunity') -%}
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
        coalesce({{ typed(raw, 'is_closed') }}, false) as is_closed,
        coalesce({{ typed(raw, 'is_won') }}, false) as is_won,
        {{ typed(raw, 'created_date') }} as created_at,
        {{ typed(raw, 'close_date') }} as close_date

    from source
    where not coalesce({{ typed(raw, 'is_deleted') }}, false)
        and {{ untyped_reason(raw) }} is null

)

select * from renamed
