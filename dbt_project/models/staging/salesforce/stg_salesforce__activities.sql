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
        {{ optional_column(source('salesforce', 'task'), 'who_id', dbt.type_string()) }} as who_id,
        {{ landed_at(source('salesforce', 'task')) }} as landed_at
    from tasks
    union all
    select
        id, account_id, owner_id, type, activity_date, is_deleted, 'event' as activity_source,
        {{ optional_column(source('salesforce', 'event'), 'who_id', dbt.type_string()) }} as who_id,
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
        {#- The contact or lead the activity was with (Salesforce WhoId), where the loader keeps it. #}
        who_id,
        landed_at

    from unioned
    where not coalesce(is_deleted, false)

)

select * from renamed
