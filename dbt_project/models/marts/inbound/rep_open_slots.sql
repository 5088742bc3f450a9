{#- Each rep's room for hand raises after this cycle, and where they sit at today's table: what
    inbound routing deals from until the next cycle. Routing subtracts what it moved since, takes
    the reps at work now (rep_availability_windows), gives each hand raise to the one with the
    most room and breaks ties by seat; when the whole book is full, when_book_full says what to do. -#}
with

capacity as (

    {#- Hand raises move the CRM owner: reps of a role writing the SDR field take none. #}
    select * from {{ ref('rep_capacity') }}
    where crm_field = 'owner_id'

),

seats as (

    select rep_id, min(seat_today) as seat_today
    from {{ ref('int_rep_slots_ordered') }}
    group by rep_id

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

final as (

    select
        capacity.as_of,
        capacity.rep_id,
        capacity.target_book,
        capacity.capacity,
        capacity.book_size_after,
        capacity.capacity - capacity.book_size_after as open_slots,
        -- Reps with no open slot before the deal have no seat: they come after every rep who has one.
        seats.seat_today,
        capacity.capacity > 0 as takes_hand_raises,
        settings.inbound_when_book_full as when_book_full

    from capacity
    cross join settings
    left join seats
        on capacity.rep_id = seats.rep_id

)

select * from final
