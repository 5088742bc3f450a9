{#- Each rep's capacity today (ramping reps get a share; reps on time off, leaving, gone or
    inactive get none), their book before this run (in the owner field their role writes), what
    this run takes out of it, the slots left, and the slots this run may deal under the
    distribution mode and the per-rep cap. The caps are per day: what the CRM already received
    today counts (`dealt_today`, from the sync ledger), so a rerun of the day deals no more. -#}
with

reps as (

    select * from {{ ref('reps') }}

),

roles as (

    select * from {{ ref('roles') }}

),

users as (

    select * from {{ ref('stg_crm__users') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

releases as (

    select * from {{ ref('int_book_releases_planned') }}

),

books as (

    select
        owner_id as rep_id,
        owner_field,
        cast(count(*) as {{ dbt.type_int() }}) as book_size_before

    from account_status
    {#- A rep the CRM deactivated still holds the accounts this run retrieves from them: counting
        them keeps the book that stays (before minus released) from going below zero. #}
    where owner_kind in ('rep', 'inactive')
        and status in ('new', 'working', 'unworked', 'completed', 'resting', 'review')
    group by owner_id, owner_field

),

dealt_today as (

    select to_owner_id as rep_id, owner_field, cast(count(*) as {{ dbt.type_int() }}) as dealt_today
    from {{ ref('stg_reverse_etl__applied_changes') }}
    where effective_on = {{ as_of() }}
        and change_type in ('distribute', 'handoff')
    group by to_owner_id, owner_field

),

released as (

    select
        owner_id as rep_id,
        owner_field,
        cast(sum(case when release_type = 'retrieve' then 1 else 0 end) as {{ dbt.type_int() }}) as retrieved,
        cast(sum(case when release_type = 'return' then 1 else 0 end) as {{ dbt.type_int() }}) as returned,
        cast(sum(case when release_type = 'complete' then 1 else 0 end) as {{ dbt.type_int() }}) as completed

    from releases
    group by owner_id, owner_field

),

stated as (

    select
        reps.*,
        coalesce(roles.owner_field, 'owner') as owner_field,
        {{ days_between('reps.start_date', as_of()) }} as days_since_start,
        case
            when not coalesce(users.is_active, false) then 'inactive in the CRM'
            when reps.end_date < {{ as_of() }} then 'left'
            when {{ days_between(as_of(), 'reps.end_date') }} <= settings.leaver_release_days then 'leaving'
            when reps.start_date > {{ as_of() }} then 'not started'
            when reps.time_off_start <= {{ as_of() }}
                and coalesce(reps.time_off_end, {{ as_of() }}) >= {{ as_of() }} then 'time off'
            when reps.ramp_days > 0
                and {{ days_between('reps.start_date', as_of()) }} < reps.ramp_days then 'ramping'
            else 'ramped'
        end as capacity_state

    from reps
    cross join settings
    left join roles
        on reps.role = roles.role
    left join users
        on reps.rep_id = users.user_id

),

effective as (

    select
        stated.rep_id,
        stated.rep_name,
        stated.role,
        stated.owner_field,
        case stated.owner_field when 'owner' then 'owner_id' else settings.sdr_owner_column end as crm_field,
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
        coalesce(released.retrieved, 0) as retrieved,
        coalesce(released.returned, 0) as returned,
        coalesce(released.completed, 0) as completed,
        coalesce(dealt_today.dealt_today, 0) as dealt_today,
        settings.distribution_mode,
        settings.distribution_per_rep,
        settings.max_new_per_rep_per_run

    from stated
    cross join settings
    left join books
        on stated.rep_id = books.rep_id
        and stated.owner_field = books.owner_field
    left join released
        on stated.rep_id = released.rep_id
        and stated.owner_field = released.owner_field
    left join dealt_today
        on stated.rep_id = dealt_today.rep_id
        and stated.owner_field = dealt_today.owner_field

),

open_slots as (

    select
        *,
        greatest(0, capacity - (book_size_before - retrieved - returned - completed)) as open_slots

    from effective

),

final as (

    select
        rep_id,
        rep_name,
        role,
        owner_field,
        crm_field,
        segment,
        theater,
        target_book,
        full_capacity,
        capacity,
        capacity_state,
        book_size_before,
        retrieved,
        returned,
        completed,
        dealt_today,
        open_slots,
        {#- top_off fills every open slot; fixed_per_rep deals at most distribution_per_rep a day;
            either is capped by max_new_per_rep_per_run a day. Never above the open slots. #}
        greatest(
            0,
            least(
                case
                    when distribution_mode = 'fixed_per_rep'
                        then least(open_slots, coalesce(distribution_per_rep, 0) - dealt_today)
                    else open_slots
                end,
                coalesce(max_new_per_rep_per_run - dealt_today, open_slots)
            )
        ) as open_slots_to_deal

    from open_slots

)

select * from final
