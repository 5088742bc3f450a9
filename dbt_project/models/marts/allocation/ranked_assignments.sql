{#- The deal: the n-th pick of a target book takes the n-th best ready account of that book.
    Picks beyond the pool and accounts beyond the picks simply find no partner. -#}
with

pool as (

    select * from {{ ref('int_pool_ranked') }}

),

slots as (

    select * from {{ ref('int_rep_slots_ordered') }}

),

dealt as (

    select
        {{ as_of() }} as as_of,
        pool.account_id,
        slots.rep_id,
        pool.target_book,
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

)

select * from dealt
