{#- The accounts that leave a book this run, per owner field: every pending return and completion;
    unworked accounts stalest first, as many as max_retrievals_per_run allows (the rest stay in
    their book and wait for the next run, never lost); and a leaver's book evenly over the days
    left, oldest untouched first. Few rows: only the candidates int_accounts_status_derived marks. -#}
with

candidates as (

    select * from {{ ref('int_accounts_status_derived') }}
    where release_candidate is not null

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

ranked as (

    select
        candidates.*,
        {#- Stalest first: never touched by the holder, then touched longest ago, then held longest. #}
        row_number() over (
            partition by candidates.release_candidate
            order by candidates.last_activity_at asc nulls first, candidates.held_since asc, candidates.account_id,
                candidates.owner_field
        ) as staleness_rank,
        row_number() over (
            partition by candidates.release_candidate, candidates.owner_field, candidates.owner_id
            order by candidates.last_activity_at asc nulls first, candidates.held_since asc, candidates.account_id
        ) as rank_in_book,
        count(*) over (partition by candidates.release_candidate, candidates.owner_field, candidates.owner_id)
            as candidates_in_book

    from candidates

),

planned as (

    select
        ranked.account_id,
        ranked.owner_field,
        ranked.crm_field,
        ranked.role,
        ranked.owner_id,
        ranked.target_book,
        case ranked.release_candidate when 'leaver' then 'retrieve' else ranked.release_candidate end as release_type,
        ranked.release_reason

    from ranked
    cross join settings
    where ranked.release_candidate in ('return', 'complete')
        or (
            ranked.release_candidate = 'retrieve'
            and (settings.max_retrievals_per_run is null or ranked.staleness_rank <= settings.max_retrievals_per_run)
        )
        or (
            ranked.release_candidate = 'leaver'
            and ranked.rank_in_book <= ceil(ranked.candidates_in_book * 1.0 / (ranked.release_days_left + 1))
        )

)

select * from planned
