{#- Tasks and events are one idea for bookflow: proof that someone touched an account. Each is
    typed by its own raw columns: a loader may land one as text and the other typed. -#}
{%- set task = raw_columns('salesforce', 'task') -%}
{%- set event = raw_columns('salesforce', 'event') -%}
with

tasks as (

    select * from {{ crm_source('salesforce', 'task') }}

),

events as (

    select * from {{ crm_source('salesforce', 'event') }}

),

unioned as (

    select
        id, account_id, owner_id, type, 'task' as activity_source,
        {{ typed(task, 'activity_date') }} as activity_at,
        {{ optional_column(source('salesforce', 'task'), 'who_id', dbt.type_string()) }} as who_id,
        {{ landed_at(source('salesforce', 'task')) }} as landed_at
    from tasks
    where not coalesce({{ typed(task, 'is_deleted') }}, false)
        and {{ untyped_reason(task) }} is null
    union all
    select
        id, account_id, owner_id, type, 'event' as activity_source,
        {{ typed(event, 'activity_date') }} as activity_at,
        {{ optional_column(source('salesforce', 'event'), 'who_id', dbt.type_string()) }} as who_id,
        {{ landed_at(source('salesforce', 'event')) }} as landed_at
    from events
    where not coalesce({{ typed(event, 'is_deleted') }}, false)
        and {{ untyped_reason(event) }} is null

),

renamed as (

    select
        cast(id as {{ dbt.type_string() }}) as activity_id,
        activity_source,
        cast(account_id as {{ dbt.type_string() }}) as account_id,
        cast(owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(type as {{ dbt.type_string() }}) as activity_type,
        cast(activity_at as {{ dbt.type_timestamp() }}) as activity_at,
        {#- The contact or lead the activity was with (Salesforce WhoId), where the loader keeps it. #}
        who_id,
        landed_at

    from unioned

)

select * from renamed
