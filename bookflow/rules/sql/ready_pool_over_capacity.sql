-- Books whose ready pool in the last run is more than $factor times their reps' full capacity.
with

ready as (
    select target_book, count(*) as ready
    from marts.account_status
    where ready
    group by target_book
),

capacity as (
    select target_book, sum(full_capacity) as capacity
    from marts.rep_capacity
    group by target_book
)

select ready.target_book, ready.ready, coalesce(capacity.capacity, 0) as capacity
from ready
left join capacity
    on ready.target_book = capacity.target_book
where ready.ready > $factor * coalesce(capacity.capacity, 0)
order by ready.target_book
