{#- Supply and demand per target book: the ready pool (good accounts waiting) against the open
    slots of its reps. A positive gap means more good accounts than capacity (hire, or raise
    capacity); a negative one means reps are starving (loosen the thresholds, widen the book). -#}
with

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

capacity as (

    select * from {{ ref('int_reps_capacity_measured') }}

),

assignments as (

    select * from {{ ref('ranked_assignments') }}

),

applied_changes as (

    select * from {{ ref('stg_reverse_etl__applied_changes') }}
    where effective_on < {{ as_of() }}

),

pool as (

    select
        target_book,
        cast(sum(case when ready then 1 else 0 end) as {{ dbt.type_int() }}) as ready_pool

    from account_status
    where target_book is not null
    group by target_book

),

slots as (

    select
        target_book,
        cast(count(*) as {{ dbt.type_int() }}) as reps,
        cast(sum(open_slots_to_deal) as {{ dbt.type_int() }}) as open_slots

    from capacity
    group by target_book

),

dealt_today as (

    select
        target_book,
        cast(count(*) as {{ dbt.type_int() }}) as distributed

    from assignments
    {#- Handoffs are dealt from outside the ready pool. #}
    where deal_kind = 'distribute'
    group by target_book

),

-- The distribution rate looks back four weeks, or over the days bookflow has been applying
-- changes if that is fewer, so a new rollout is not diluted by weeks that never happened.
rate_window as (

    select
        case
            when min(effective_on) is null then 1
            else least(28, {{ days_between('min(effective_on)', as_of()) }} + 1)
        end as observed_days

    from applied_changes

),

dealt_before as (

    select
        capacity.target_book,
        cast(count(*) as {{ dbt.type_int() }}) as distributed

    from applied_changes
    inner join capacity
        on applied_changes.to_owner_id = capacity.rep_id
    where applied_changes.change_type = 'distribute'
        and {{ within_days('applied_changes.effective_on', 27) }}
    group by capacity.target_book

),

target_books as (

    select target_book from pool
    union
    select target_book from slots

),

measured as (

    select
        target_books.target_book,
        coalesce(slots.reps, 0) as reps,
        coalesce(pool.ready_pool, 0) as ready_pool,
        coalesce(slots.open_slots, 0) as open_slots,
        coalesce(dealt_today.distributed, 0) as distributed,
        (coalesce(dealt_today.distributed, 0) + coalesce(dealt_before.distributed, 0)) * 7.0
            / rate_window.observed_days as distribution_rate_per_week

    from target_books
    cross join rate_window
    left join pool
        on target_books.target_book = pool.target_book
    left join slots
        on target_books.target_book = slots.target_book
    left join dealt_today
        on target_books.target_book = dealt_today.target_book
    left join dealt_before
        on target_books.target_book = dealt_before.target_book

),

final as (

    select
        {{ as_of() }} as as_of,
        target_book,
        reps,
        ready_pool,
        open_slots,
        ready_pool - open_slots as gap,
        distributed,
        ready_pool - distributed as ready_pool_left,
        distribution_rate_per_week,
        (ready_pool - distributed) / nullif(distribution_rate_per_week, 0) as weeks_of_pool_left

    from measured

)

select * from final
