{#- Tasks and events are one idea for bookflow: proof that someone touched an account. -#}
with

tasks as (

    select * from {{ crm_source('salesforce', 'task') }}

),

events as (

    select * from {{ crm_source('salesforce', 'event') }}

),

unioned as (

    select
        id, account_id, owner_id, type, activity_date, is_deleted, 'task' as activity_source,
        {{ landed_at(source('salesforce', 'task')) }} as landed_at
    from tasks
    union all
    select
        id, account_id, owner_id, type, activity_date, is_deleted, 'event' as activity_source,
        {{ landed_at(source('salesforce', 'event')) }} as landed_at
    from events

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as activity_id,
        activity_source,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(type as {{ dbt.type_string() }}) as activity_type,
        cast(activity_date as {{ dbt.type_timestamp() }}) as activity_at,
        landed_at

    from unioned
    where not coalesce(is_deleted, false)

)

select * from renamed
