{#- Round-robin as a table: every slot a rep may fill this run becomes one pick, ordered by round
    and then by the rep's seat at the table. The seating rotates one place per day so no rep always
    picks first. Pick n of a book then takes the n-th account of that book's deal order. A slot
    freed by a displacement is one more pick for its rep. -#}
with

capacity as (

    select * from {{ ref('int_reps_capacity_measured') }}

),

displaced as (

    select owner_id as rep_id, owner_field, count(*) as displaced
    from {{ ref('int_accounts_displaced') }}
    group by owner_id, owner_field

),

dealing as (

    select
        capacity.rep_id,
        capacity.target_book,
        capacity.open_slots_to_deal + coalesce(displaced.displaced, 0) as slots_this_run

    from capacity
    left join displaced
        on capacity.rep_id = displaced.rep_id
        and capacity.owner_field = displaced.owner_field
    where capacity.open_slots_to_deal + coalesce(displaced.displaced, 0) > 0

),

seated as (

    select
        rep_id,
        target_book,
        slots_this_run,
        row_number() over (partition by target_book order by rep_id) - 1 as seat,
        count(*) over (partition by target_book) as reps_at_table

    from dealing

),

rotated as (

    select
        rep_id,
        target_book,
        slots_this_run,
        mod(
            seat + reps_at_table
                - mod({{ dbt.datediff("cast('1970-01-01' as date)", as_of(), 'day') }}, reps_at_table),
            reps_at_table
        ) as seat_today

    from seated

),

rounds as (

    {{ numbers("(select max(slots_this_run) from dealing)") }}

),

slots as (

    select
        rotated.rep_id,
        rotated.target_book,
        rotated.seat_today,
        rounds.n as deal_round

    from rotated
    inner join rounds
        on rounds.n <= rotated.slots_this_run

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
