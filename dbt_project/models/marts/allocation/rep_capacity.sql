{#- One row per rep: capacity, the book before and after this run, and what the run moved. -#}
with

capacity as (

    select * from {{ ref('int_reps_capacity_measured') }}

),

assignments as (

    select
        rep_id,
        cast(count(*) as {{ dbt.type_int() }}) as distributed,
        cast(sum(case when deal_kind = 'handoff' then 1 else 0 end) as {{ dbt.type_int() }}) as handed_off

    from {{ ref('ranked_assignments') }}
    group by rep_id

),

displaced as (

    select owner_id as rep_id, owner_field, cast(count(*) as {{ dbt.type_int() }}) as displaced
    from {{ ref('int_accounts_displaced') }}
    group by owner_id, owner_field

),

moved as (

    select
        capacity.*,
        coalesce(displaced.displaced, 0) as displaced,
        coalesce(assignments.distributed, 0) as distributed,
        coalesce(assignments.handed_off, 0) as handed_off,
        capacity.book_size_before - capacity.retrieved - capacity.returned - capacity.completed
            - coalesce(displaced.displaced, 0) + coalesce(assignments.distributed, 0) as book_size_after

    from capacity
    left join displaced
        on capacity.rep_id = displaced.rep_id
        and capacity.owner_field = displaced.owner_field
    left join assignments
        on capacity.rep_id = assignments.rep_id

),

final as (

    select
        {{ as_of() }} as as_of,
        rep_id,
        rep_name,
        role,
        crm_field,
        target_book,
        full_capacity,
        capacity,
        capacity_state,
        book_size_before,
        retrieved,
        returned,
        completed,
        displaced,
        open_slots_to_deal + displaced as slots_this_run,
        dealt_today,
        distributed,
        handed_off,
        book_size_after,
        greatest(0, capacity - book_size_after) as open_slots_after,
        book_size_after > capacity as is_over_capacity

    from moved

)

select * from final
