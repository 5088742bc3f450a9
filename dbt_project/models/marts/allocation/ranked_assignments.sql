{#- The deal: the n-th pick of a target book takes the n-th account of its deal order (handoffs,
    then the ready pool). Picks beyond the pool, accounts beyond the picks, and picks beyond
    max_new_per_book_per_run find no partner. -#}
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
    where settings.max_new_per_book_per_run is null
        or slots.pick_order <= settings.max_new_per_book_per_run

)

select * from dealt
