{#- Round-robin as a table: every open slot of every rep becomes one pick, ordered by round and
    then by the rep's seat at the table. The seating rotates one place per day so no rep always
    picks first. Pick n of a book then takes the n-th best ready account of that book. -#}
with

capacity as (

    select * from {{ ref('int_reps_capacity_measured') }}
    where open_slots_to_deal > 0

),

seated as (

    select
        rep_id,
        target_book,
        open_slots_to_deal,
        row_number() over (partition by target_book order by rep_id) - 1 as seat,
        count(*) over (partition by target_book) as reps_at_table

    from capacity

),

rotated as (

    select
        rep_id,
        target_book,
        open_slots_to_deal,
        mod(
            seat + reps_at_table
                - mod({{ dbt.datediff("cast('1970-01-01' as date)", as_of(), 'day') }}, reps_at_table),
            reps_at_table
        ) as seat_today

    from seated

),

rounds as (

    {{ numbers("(select max(open_slots_to_deal) from capacity)") }}

),

slots as (

    select
        rotated.rep_id,
        rotated.target_book,
        rotated.seat_today,
        rounds.n as deal_round

    from rotated
    inner join rounds
        on rounds.n <= rotated.open_slots_to_deal

),

ordered as (

    select
        rep_id,
        target_book,
        seat_today,
        deal_round,
        row_number() over (partition by target_book order by deal_round, seat_today) as pick_order

    from slots

)

select * from ordered
