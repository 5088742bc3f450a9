{#- Every value hubspot_owner_id has taken on each company, and when, with the value before it:
    an empty value is the company being unowned (the pool). -#}
with

source as (

    select * from {{ crm_source('hubspot', 'company_property_history') }}

),

renamed as (

    select
        cast(company_id as {{ dbt.type_string() }}) as account_id,
        cast(
            lag(nullif(value, '')) over (partition by company_id order by {{ adapter.quote('timestamp') }})
            as {{ dbt.type_string() }}
        ) as previous_owner_id,
        cast(nullif(value, '') as {{ dbt.type_string() }}) as owner_id,
        cast({{ adapter.quote('timestamp') }} as {{ dbt.type_timestamp() }}) as changed_at

    from source
    where name = 'hubspot_owner_id'

)

select * from renamed
