{#- When each account was last meaningfully touched, by its current owner and by anyone.
    Only activity types RevOps marks meaningful count: an automated email proves nothing. -#}
with

accounts as (

    select * from {{ ref('int_accounts_checked') }}
    where quarantine_reason is null

),

activities as (

    select * from {{ ref('stg_salesforce__activities') }}

),

activity_types as (

    select * from {{ ref('activity_types') }}

),

meaningful_touches as (

    select
        activities.account_id,
        activities.owner_id,
        max(activities.activity_at) as last_activity_at

    from activities
    inner join activity_types
        on activities.activity_type = activity_types.activity_type
    where activity_types.is_meaningful
        and cast(activities.activity_at as date) <= {{ as_of() }}
    group by activities.account_id, activities.owner_id

),

by_account as (

    select
        accounts.account_id,
        max(case when meaningful_touches.owner_id = accounts.owner_id then meaningful_touches.last_activity_at end)
            as last_touched_by_owner_at,
        max(meaningful_touches.last_activity_at) as last_touched_at

    from accounts
    left join meaningful_touches
        on accounts.account_id = meaningful_touches.account_id
    group by accounts.account_id

)

select * from by_account
