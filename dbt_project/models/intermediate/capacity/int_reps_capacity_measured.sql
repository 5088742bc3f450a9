{#- Each rep's capacity today (ramping reps get a share, reps on time off or inactive get none),
    their book before this run, what this run takes out of it, and the slots left to deal. -#}
with

reps as (

    select * from {{ ref('reps') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

books as (

    select
        owner_id as rep_id,
        cast(count(*) as {{ dbt.type_int() }}) as book_size_before,
        cast(sum(case when is_retrieved then 1 else 0 end) as {{ dbt.type_int() }}) as retrieved,
        cast(sum(case when is_returned then 1 else 0 end) as {{ dbt.type_int() }}) as returned

    from account_status
    where owner_kind = 'rep'
        and status in ('new', 'working', 'unworked', 'resting', 'review')
    group by owner_id

),

stated as (

    select
        reps.*,
        {{ days_between('reps.start_date', as_of()) }} as days_since_start,
        case
            when not coalesce(users.is_active, false) then 'inactive in the CRM'
            when reps.start_date > {{ as_of() }} then 'not started'
            when reps.time_off_start <= {{ as_of() }}
                and coalesce(reps.time_off_end, {{ as_of() }}) >= {{ as_of() }} then 'time off'
            when reps.ramp_days > 0
                and {{ days_between('reps.start_date', as_of()) }} < reps.ramp_days then 'ramping'
            else 'ramped'
        end as capacity_state

    from reps
    left join users
        on reps.rep_id = users.user_id

),

effective as (

    select
        stated.rep_id,
        stated.rep_name,
        stated.role,
        stated.segment,
        stated.theater,
        {{ dbt.concat(["stated.role", "'-'", "stated.segment", "'-'", "stated.theater"]) }} as target_book,
        stated.capacity as full_capacity,
        case stated.capacity_state
            when 'ramped' then stated.capacity
            when 'ramping' then cast(floor(stated.capacity * stated.days_since_start * 1.0 / stated.ramp_days) as {{ dbt.type_int() }})
            else 0
        end as capacity,
        stated.capacity_state,
        coalesce(books.book_size_before, 0) as book_size_before,
        coalesce(books.retrieved, 0) as retrieved,
        coalesce(books.returned, 0) as returned

    from stated
    left join books
        on stated.rep_id = books.rep_id

),

final as (

    select
        *,
        greatest(0, capacity - (book_size_before - retrieved - returned)) as open_slots_to_deal

    from effective

)

select * from final
