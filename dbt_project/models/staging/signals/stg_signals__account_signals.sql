with

source as (

    select * from {{ source('signals', 'account_signal') }}

),

renamed as (

    select
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        lower(cast(signal_type as {{ dbt.type_string() }})) as signal_type,
        cast(occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(strength as {{ dbt.type_float() }}) as strength

    from source

)

select * from renamed
