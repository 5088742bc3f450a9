{#- The deal: the n-th pick of a target book takes the n-th account of its deal order (handoffs,
    then the ready pool). Picks beyond the pool, accounts beyond the picks, and picks beyond what
    max_new_per_book_per_run leaves of the day (after what the CRM already received today) find
    no partner. -#}
with

pool as (

    select * from {{ ref('int_pool_ranked') }}

),

slots as (

    select * from {{ ref('int_rep_slots_ordered') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

book_dealt_today as (

    select target_book, sum(dealt_today) as dealt_today
    from {{ ref('int_reps_capacity_measured') }}
    group by target_book

),

dealt as (

    select
        {{ as_of() }} as as_of,
        pool.account_id,
        slots.rep_id,
        pool.role,
        pool.crm_field,
        pool.owner_field,
        pool.target_book,
        pool.deal_kind,
        pool.pool_rank,
        slots.deal_round,
        pool.priority_score,
        pool.fit_score,
        pool.timing_score,
        pool.tier

    from pool
    inner join slots
        on pool.target_book = slots.target_book
        and pool.pool_rank = slots.pick_order
    cross join settings
    left join book_dealt_today
        on pool.target_book = book_dealt_today.target_book
    where settings.max_new_per_book_per_run is null
        or slots.pick_order <= settings.max_new_per_book_per_run - coalesce(book_dealt_today.dealt_today, 0)

)

select * from dealt
