{#- Each rep's book as this run found it: how much of it is being worked (status, and the working
    grade of activity_thresholds.csv), how good it is, and how often accounts left it lately. The
    statuses describe the book before this run's releases (the same book as
    rep_capacity.book_size_before). An SDR keeps the credit for what they converted: the open
    opportunities of the accounts they still hold, and the accounts handed from them to an AE. -#}
with

rep_capacity as (

    select * from {{ ref('rep_capacity') }}

),

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

opportunity_flags as (

    select * from {{ ref('int_accounts_opportunity_flags') }}

),

book_returns as (

    select * from {{ ref('int_book_returns_checked') }}
    where quarantine_reason is null

),

applied_changes as (

    select * from {{ ref('stg_reverse_etl__applied_changes') }}

),

planned_changes as (

    select * from {{ ref('ownership_changes') }}

),

books as (

    select
        owner_id as rep_id,
        cast(sum(case when status = 'working' then 1 else 0 end) as {{ dbt.type_int() }}) as working,
        cast(sum(case when status = 'new' then 1 else 0 end) as {{ dbt.type_int() }}) as new_in_grace,
        cast(sum(case when status = 'unworked' then 1 else 0 end) as {{ dbt.type_int() }}) as unworked,
        cast(sum(case when working_grade = 'green' then 1 else 0 end) as {{ dbt.type_int() }}) as graded_green,
        cast(sum(case when working_grade = 'yellow' then 1 else 0 end) as {{ dbt.type_int() }}) as graded_yellow,
        cast(sum(case when working_grade = 'red' then 1 else 0 end) as {{ dbt.type_int() }}) as graded_red,
        {{ exact_mean("priority_score", 2) }} as avg_priority

    from account_status
    where owner_kind = 'rep'
        and status in ('new', 'working', 'unworked', 'completed', 'resting', 'review')
    group by owner_id

),

-- Converted accounts have left the prospecting book but stay with their owner: their open
-- opportunities are the rep's pipeline from dynamic books.
open_opportunities as (

    select
        account_status.owner_id as rep_id,
        cast(sum(opportunity_flags.open_opportunities) as {{ dbt.type_int() }}) as open_opportunities

    from account_status
    inner join opportunity_flags
        on account_status.account_id = opportunity_flags.account_id
    where account_status.owner_kind = 'rep'
    group by account_status.owner_id

),

returns_filed as (

    select
        returned_by_id as rep_id,
        cast(count(*) as {{ dbt.type_int() }}) as returns_30d

    from book_returns
    where {{ within_days('returned_at', 30) }}
    group by returned_by_id

),

-- Retrievals the CRM received in the window plus the ones this run plans; a change is counted
-- once whether it is still planned or already applied.
retrieval_changes as (

    select change_id, from_owner_id
    from applied_changes
    where change_type = 'retrieve'
        and {{ within_days('effective_on', 30) }}

    union

    select change_id, from_owner_id
    from planned_changes
    where change_type = 'retrieve'

),

-- Accounts handed from an SDR to an AE: the handoffs the CRM received in the window plus the ones
-- this run plans, credited to the SDR who still holds the account's SDR field.
handoff_changes as (

    select change_id, account_id
    from applied_changes
    where change_type = 'handoff'
        and {{ within_days('effective_on', 30) }}

    union

    select change_id, account_id
    from planned_changes
    where change_type = 'handoff'

),

handoffs as (

    select
        account_status.owner_id as rep_id,
        cast(count(*) as {{ dbt.type_int() }}) as handoffs_30d

    from handoff_changes
    inner join account_status
        on handoff_changes.account_id = account_status.account_id
        and account_status.owner_field = 'sdr'
        and account_status.owner_kind = 'rep'
    group by account_status.owner_id

),

retrievals as (

    select
        from_owner_id as rep_id,
        cast(count(*) as {{ dbt.type_int() }}) as retrievals_30d

    from retrieval_changes
    group by from_owner_id

),

final as (

    select
        rep_capacity.as_of,
        rep_capacity.rep_id,
        rep_capacity.target_book,
        rep_capacity.capacity,
        rep_capacity.book_size_before as book_size,
        coalesce(books.working, 0) as working,
        coalesce(books.new_in_grace, 0) as new_in_grace,
        coalesce(books.unworked, 0) as unworked,
        coalesce(books.graded_green, 0) as graded_green,
        coalesce(books.graded_yellow, 0) as graded_yellow,
        coalesce(books.graded_red, 0) as graded_red,
        books.avg_priority,
        coalesce(open_opportunities.open_opportunities, 0) as open_opportunities,
        coalesce(returns_filed.returns_30d, 0) as returns_30d,
        coalesce(retrievals.retrievals_30d, 0) as retrievals_30d,
        coalesce(handoffs.handoffs_30d, 0) as handoffs_30d

    from rep_capacity
    left join books
        on rep_capacity.rep_id = books.rep_id
    left join open_opportunities
        on rep_capacity.rep_id = open_opportunities.rep_id
    left join returns_filed
        on rep_capacity.rep_id = returns_filed.rep_id
    left join retrievals
        on rep_capacity.rep_id = retrievals.rep_id
    left join handoffs
        on rep_capacity.rep_id = handoffs.rep_id

)

select * from final
