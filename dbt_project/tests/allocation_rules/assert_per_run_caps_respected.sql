{{ config(meta={
    'dagster': {'ref': {'name': 'rep_capacity'}},
    'description': 'No rep is dealt more than max_new_per_rep_per_run (or, in fixed_per_rep mode, more than distribution_per_rep) besides the accounts filling slots displacements freed, and no book more than max_new_per_book_per_run.'
}) }}
with

per_rep as (

    select rep_capacity.rep_id, rep_capacity.target_book, rep_capacity.distributed, rep_capacity.displaced
    from {{ ref('rep_capacity') }} as rep_capacity
    cross join {{ ref('stg_rules__settings') }} as settings
    where rep_capacity.distributed - rep_capacity.displaced > least(
        coalesce(settings.max_new_per_rep_per_run, rep_capacity.distributed),
        case
            when settings.distribution_mode = 'fixed_per_rep' then coalesce(settings.distribution_per_rep, 0)
            else rep_capacity.distributed
        end
    )

),

per_book as (

    select assignments.target_book, count(*) as distributed
    from {{ ref('ranked_assignments') }} as assignments
    cross join {{ ref('stg_rules__settings') }} as settings
    group by assignments.target_book, settings.max_new_per_book_per_run
    having count(*) > coalesce(settings.max_new_per_book_per_run, count(*))

)

select rep_id as over_cap, target_book, distributed from per_rep
union all
select 'book' as over_cap, target_book, distributed from per_book
