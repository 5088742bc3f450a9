{#- Changes inbound routing made between cycles; each carries the as_of of the cycle that reports it. -#}
with

source as (

    select * from {{ source('inbound', 'ownership_changes') }}

),

renamed as (

    select
        cast(change_id as {{ dbt.type_string() }}) as change_id,
        cast(as_of as date) as as_of,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(from_owner_id as {{ dbt.type_string() }}) as from_owner_id,
        cast(to_owner_id as {{ dbt.type_string() }}) as to_owner_id,
        cast(change_type as {{ dbt.type_string() }}) as change_type,
        cast(reason as {{ dbt.type_string() }}) as reason,
        cast(from_crm_owner_id as {{ dbt.type_string() }}) as from_crm_owner_id,
        cast(to_crm_owner_id as {{ dbt.type_string() }}) as to_crm_owner_id,
        cast(signal_type as {{ dbt.type_string() }}) as signal_type,
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        cast(routed_at as {{ dbt.type_timestamp() }}) as routed_at

    from source

)

select * from renamed
