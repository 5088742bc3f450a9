with

capacity as (

    select * from {{ ref('int_reps_capacity_measured') }}

),

assignments as (

    select rep_id, cast(count(*) as {{ dbt.type_int() }}) as distributed
    from {{ ref('ranked_assignments') }}
    group by rep_id

),

final as (

    select
        {{ as_of() }} as as_of,
        capacity.rep_id,
        capacity.rep_name,
        capacity.target_book,
        capacity.full_capacity,
        capacity.capacity,
        capacity.capacity_state,
        capacity.book_size_before,
        capacity.retrieved,
        capacity.returned,
        coalesce(assignments.distributed, 0) as distributed,
        capacity.book_size_before - capacity.retrieved - capacity.returned
            + coalesce(assignments.distributed, 0) as book_size_after,
        greatest(
            0,
            capacity.capacity - (capacity.book_size_before - capacity.retrieved - capacity.returned
                + coalesce(assignments.distributed, 0))
        ) as open_slots_after

    from capacity
    left join assignments
        on capacity.rep_id = assignments.rep_id

)

select
    *,
    book_size_after > capacity as is_over_capacity
from final
