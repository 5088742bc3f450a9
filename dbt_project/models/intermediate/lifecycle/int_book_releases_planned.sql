{#- The accounts that leave a book this run, per owner field: every pending return and completion;
    unworked accounts stalest first, as many as max_retrievals_per_run allows (the rest stay in
    their book and wait for the next run, never lost); and a leaver's book evenly over the days
    left, oldest untouched first. Few rows: only the candidates int_accounts_status_derived marks.

    The cap and a leaver's pace are per day: what the CRM already received today (the sync
    ledger, or the CRM's owner history) counts, so rerunning a day after its sync plans nothing
    more. -#}
with

candidates as (

    select * from {{ ref('int_accounts_status_derived') }}
    where release_candidate is not null

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

{#- Today's retrievals per book: by the ledger, or by the CRM's history of the owner field (moves
    to the field's pool today), whichever counts more: a new warehouse beside a CRM bookflow
    already synced today still knows what left. -#}
retrieved_today as (

    select owner_id, owner_field, max(retrieved) as retrieved
    from (
        select from_owner_id as owner_id, owner_field, count(*) as retrieved
        from {{ ref('stg_reverse_etl__applied_changes') }}
        where effective_on = {{ as_of() }}
            and change_type = 'retrieve'
        group by from_owner_id, owner_field

        union all

        select
            crm_owner_changes.previous_owner_id as owner_id,
            crm_owner_changes.owner_field,
            count(*) as retrieved
        from {{ ref('stg_crm__owner_changes') }} as crm_owner_changes
        where cast(crm_owner_changes.changed_at as date) = {{ as_of() }}
            and crm_owner_changes.is_move_to_pool
        group by crm_owner_changes.previous_owner_id, crm_owner_changes.owner_field
    ) as counted
    group by owner_id, owner_field

),

leaver_books as (

    select distinct owner_id, owner_field
    from candidates
    where release_candidate = 'leaver'

),

{#- Today's retrievals for lack of work: all of today's but those out of a leaver's book. #}
capped_today as (

    select coalesce(sum(retrieved_today.retrieved), 0) as retrieved
    from retrieved_today
    left join leaver_books
        on retrieved_today.owner_id = leaver_books.owner_id
        and retrieved_today.owner_field = leaver_books.owner_field
    where leaver_books.owner_id is null

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
            as candidates_in_book,
        coalesce(retrieved_today.retrieved, 0) as released_today

    from candidates
    left join retrieved_today
        on candidates.owner_id = retrieved_today.owner_id
        and candidates.owner_field = retrieved_today.owner_field

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
    cross join capped_today
    where ranked.release_candidate in ('return', 'complete')
        or (
            ranked.release_candidate = 'retrieve'
            and (
                settings.max_retrievals_per_run is null
                or ranked.staleness_rank <= settings.max_retrievals_per_run - capped_today.retrieved
            )
        )
        {#- The book as the day began (what stays plus what left today), a share of it per day left. #}
        or (
            ranked.release_candidate = 'leaver'
            and ranked.rank_in_book <= ceil(
                (ranked.candidates_in_book + ranked.released_today) * 1.0 / (ranked.release_days_left + 1)
            ) - ranked.released_today
        )

)

select * from planned
