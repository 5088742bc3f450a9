{{ config(meta={
    'dagster': {'ref': {'name': 'ranked_assignments'}},
    'description': 'Within a target book, either every ready account (and every account waiting for a handoff) was dealt, or no rep has a slot left this run (open slots under distribution_mode and max_new_per_rep_per_run), or the book reached max_new_per_book_per_run.'
}) }}
with

undealt as (

    select account_status.target_book, count(*) as ready_left
    from {{ ref('account_status') }} as account_status
    left join {{ ref('ranked_assignments') }} as assignments
        on account_status.account_id = assignments.account_id
        and account_status.crm_field = assignments.crm_field
    where (account_status.ready or account_status.status = 'handoff')
        and assignments.account_id is null
    group by account_status.target_book

),

slots_left as (

    select
        target_book,
        sum(slots_this_run - distributed) as slots_left,
        sum(distributed + dealt_today) as distributed
    from {{ ref('rep_capacity') }}
    group by target_book

)

select undealt.target_book, undealt.ready_left, slots_left.slots_left
from undealt
inner join slots_left
    on undealt.target_book = slots_left.target_book
cross join {{ ref('stg_rules__settings') }} as settings
where slots_left.slots_left > 0
    and (settings.max_new_per_book_per_run is null or slots_left.distributed < settings.max_new_per_book_per_run)
