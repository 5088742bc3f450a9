{{ config(meta={
    'dagster': {'ref': {'name': 'ranked_assignments'}},
    'description': 'Within a target book, either every ready account was dealt or no rep has an open slot left.'
}) }}
with

undealt as (

    select account_status.target_book, count(*) as ready_left
    from {{ ref('account_status') }} as account_status
    left join {{ ref('ranked_assignments') }} as assignments
        on account_status.account_id = assignments.account_id
    where account_status.ready and assignments.account_id is null
    group by account_status.target_book

),

open_slots as (

    select target_book, sum(open_slots_after) as open_slots
    from {{ ref('rep_capacity') }}
    group by target_book

)

select undealt.target_book, undealt.ready_left, open_slots.open_slots
from undealt
inner join open_slots
    on undealt.target_book = open_slots.target_book
where open_slots.open_slots > 0
