{#- The last time each account left a rep's book, per owner field (a return filed in the CRM, or a
    retrieval, completion or displacement: one bookflow applied, or a move from a holder to the
    field's pool that the CRM's history of the field shows and no return explains) and
    what that means now: resting until a day, or waiting in review. A completed account rests
    completion_rest_days, a retrieved or displaced one default_rest_days. A strong signal after
    the release ends the rest early; a RevOps `reintroduce` override after it ends a review. -#}
with

book_returns as (

    select * from {{ ref('int_book_returns_checked') }}
    where quarantine_reason is null

),

applied_changes as (

    select * from {{ ref('stg_reverse_etl__applied_changes') }}

),

crm_owner_changes as (

    select
        account_id,
        owner_field,
        is_move_to_pool,
        cast(changed_at as date) as changed_on,
        lag(cast(changed_at as date)) over (
            partition by account_id, owner_field order by changed_at
        ) as previous_changed_on

    from {{ ref('stg_crm__owner_changes') }}

),

signals as (

    select * from {{ ref('int_account_signals_checked') }}
    where quarantine_reason is null

),

overrides as (

    select * from {{ ref('account_overrides') }}

),

reps as (

    select * from {{ ref('reps') }}

),

roles as (

    select * from {{ ref('roles') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

filed_returns as (

    select
        book_returns.account_id,
        {#- The field the returning rep held: theirs by role (roles.csv), the CRM owner by default. #}
        coalesce(roles.owner_field, 'owner') as owner_field,
        cast(book_returns.returned_at as date) as released_on,
        'return' as release_type,
        book_returns.return_reason as release_reason,
        book_returns.rest_days,
        book_returns.goes_to_review

    from book_returns
    left join reps
        on book_returns.returned_by_id = reps.rep_id
    left join roles
        on reps.role = roles.role
    where cast(book_returns.returned_at as date) <= {{ as_of() }}

),

releases as (

    select * from filed_returns

    union all

    select
        applied_changes.account_id,
        applied_changes.owner_field,
        applied_changes.effective_on as released_on,
        applied_changes.change_type as release_type,
        case applied_changes.change_type
            when 'complete' then 'completed'
            when 'displace' then 'displaced'
            else 'retrieved'
        end as release_reason,
        case
            when applied_changes.change_type = 'complete' then settings.completion_rest_days
            else settings.default_rest_days
        end as rest_days,
        false as goes_to_review

    from applied_changes
    cross join settings
    where applied_changes.change_type in ('retrieve', 'complete', 'displace')
        and applied_changes.effective_on <= {{ as_of() }}

    union all

    -- The same retrievals as the CRM recorded them, in either owner field: a warehouse without
    -- bookflow's ledger (or a pool move made by hand) still rests the account.
    select
        crm_owner_changes.account_id,
        crm_owner_changes.owner_field,
        crm_owner_changes.changed_on as released_on,
        'retrieve' as release_type,
        'retrieved' as release_reason,
        settings.default_rest_days as rest_days,
        false as goes_to_review

    from crm_owner_changes
    cross join settings
    where crm_owner_changes.is_move_to_pool
        and crm_owner_changes.changed_on <= {{ as_of() }}
        and not exists (
            select 1
            from filed_returns
            where filed_returns.account_id = crm_owner_changes.account_id
                and filed_returns.owner_field = crm_owner_changes.owner_field
                and filed_returns.released_on <= crm_owner_changes.changed_on
                and (
                    crm_owner_changes.previous_changed_on is null
                    or filed_returns.released_on >= crm_owner_changes.previous_changed_on
                )
        )

),

latest_release as (

    select
        *,
        row_number() over (
            partition by account_id, owner_field
            order by released_on desc, goes_to_review desc, rest_days desc
        ) as recency

    from releases

),

rest_breakers as (

    select
        latest_release.account_id,
        latest_release.owner_field,
        min(cast(signals.occurred_at as date)) as rest_broken_on

    from latest_release
    cross join settings
    inner join signals
        on latest_release.account_id = signals.account_id
        and cast(signals.occurred_at as date) > latest_release.released_on
        and cast(signals.occurred_at as date) <= {{ as_of() }}
        and (signals.is_hand_raise or signals.strength >= settings.rest_break_min_strength)
    where latest_release.recency = 1
    group by latest_release.account_id, latest_release.owner_field

),

reintroductions as (

    select
        latest_release.account_id,
        latest_release.owner_field,
        min(overrides.effective_date) as reintroduced_on

    from latest_release
    inner join overrides
        on latest_release.account_id = overrides.account_id
        and overrides.action = 'reintroduce'
        and overrides.effective_date >= latest_release.released_on
        and overrides.effective_date <= {{ as_of() }}
    where latest_release.recency = 1
    group by latest_release.account_id, latest_release.owner_field

),

final as (

    select
        latest_release.account_id,
        latest_release.owner_field,
        latest_release.released_on,
        latest_release.release_type,
        latest_release.release_reason,
        latest_release.goes_to_review,
        cast({{ dbt.dateadd('day', 'latest_release.rest_days', 'latest_release.released_on') }} as date) as rest_until,
        rest_breakers.rest_broken_on,
        reintroductions.reintroduced_on

    from latest_release
    left join rest_breakers
        on latest_release.account_id = rest_breakers.account_id
        and latest_release.owner_field = rest_breakers.owner_field
    left join reintroductions
        on latest_release.account_id = reintroductions.account_id
        and latest_release.owner_field = reintroductions.owner_field
    where latest_release.recency = 1

)

select * from final
