{{ config(meta={
    'dagster': {'ref': {'name': 'rep_capacity'}},
    'description': 'Dealing never pushes a rep over capacity, and a rep already at or over capacity, or without capacity today (time off, leaving, inactive), gets nothing, but for the accounts taking the places its displacements free (a swap never grows a book).'
}) }}
select rep_id, capacity, book_size_before, retrieved, returned, completed, displaced, distributed, book_size_after
from {{ ref('rep_capacity') }}
where distributed > displaced
    and (
        book_size_after > capacity
        or book_size_before - retrieved - returned - completed >= capacity
        or capacity = 0
    )
