-- The deal, most room first, as a recursive query over each book's hand raises in arrival order:
-- each takes the rep at work with the most room left after the picks before it, ties to the
-- lower seat at today's table (the cycle's round-robin order). A rep without room is never
-- picked unless the rules say when_book_full = least_loaded. Never the account's own owner: an
-- unworked account taken for a hand raise goes to someone else, as retrieval would send it.
-- A handful of rows per pass, so one step per hand raise costs nothing.
create or replace temp table dealt as
with recursive

to_route as (
    select
        hand_raise_id,
        target_book,
        coalesce(left_unworked_by, case when owner_kind <> 'pool' then current_owner_id end) as owner_id,
        row_number() over (partition by target_book order by received_at, hand_raise_id) as pick
    from decided
    where decision = 'route'
),

deal(target_book, pick, hand_raise_id, rep_id, open_capacity_at_pick, dealt_to) as (
    -- One empty start per book; the nulls take the types of the columns the steps fill in.
    select
        target_book,
        0,
        any_value(hand_raise_id) filter (where false),
        any_value(owner_id) filter (where false),
        cast(null as bigint),
        cast([] as varchar[])
    from to_route
    group by target_book

    union all

    select
        deal.target_book,
        to_route.pick,
        to_route.hand_raise_id,
        best.rep_id,
        best.open_capacity_at_pick,
        case when best.rep_id is null then deal.dealt_to else list_append(deal.dealt_to, best.rep_id) end
    from deal
    inner join to_route
        on deal.target_book = to_route.target_book
        and to_route.pick = deal.pick + 1
    left join lateral (
        select
            room.rep_id,
            room.open_capacity
                - len(list_filter(deal.dealt_to, lambda dealt_rep: dealt_rep = room.rep_id)) as open_capacity_at_pick
        from room
        where room.target_book = deal.target_book
            and room.rep_id is distinct from to_route.owner_id
            and (
                room.when_book_full = 'least_loaded'
                or room.open_capacity - len(list_filter(deal.dealt_to, lambda dealt_rep: dealt_rep = room.rep_id)) > 0
            )
        order by open_capacity_at_pick desc, room.seat, room.rep_id
        limit 1
    ) as best on true
)

select hand_raise_id, rep_id, open_capacity_at_pick
from deal
where pick > 0 and rep_id is not null
