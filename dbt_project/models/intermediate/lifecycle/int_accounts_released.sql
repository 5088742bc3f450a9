{#- The last time each account left a rep's book (a return filed in the CRM, or a retrieval:
    one bookflow applied, or a move from an owner to the pool that the CRM's owner history shows
    and no return explains) and what that means now: resting until a day, or waiting in review.
    A strong signal after the release ends the rest early; a RevOps `reintroduce` override
    after it ends a review. -#}
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
        previous_owner_id,
        owner_id,
        cast(changed_at as date) as changed_on,
        lag(cast(changed_at as date)) over (partition by account_id order by changed_at) as previous_changed_on

    from {{ ref('stg_crm__owner_changes') }}

),

signals as (

    select * from {{ ref('int_account_signals_checked') }}
    where quarantine_reason is null

),

overrides as (

    select * from {{ ref('account_overrides') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

releases as (

    select
        account_id,
        cast(returned_at as date) as released_on,
        'return' as release_type,
        return_reason as release_reason,
        rest_days,
        goes_to_review

    from book_returns
    where cast(returned_at as date) <= {{ as_of() }}

    union all

    select
        applied_changes.account_id,
        applied_changes.effective_on as released_on,
        'retrieve' as release_type,
        'retrieved' as release_reason,
        settings.default_rest_days as rest_days,
        false as goes_to_review

    from applied_changes
    cross join settings
    where applied_changes.change_type = 'retrieve'
        and applied_changes.effective_on <= {{ as_of() }}

    union all

    -- The same retrievals as the CRM recorded them: a warehouse without bookflow's ledger (or a
    -- pool move made by hand) still rests the account.
    select
        crm_owner_changes.account_id,
        crm_owner_changes.changed_on as released_on,
        'retrieve' as release_type,
        'retrieved' as release_reason,
        settings.default_rest_days as rest_days,
        false as goes_to_review

    from crm_owner_changes
    cross join settings
    where crm_owner_changes.owner_id = settings.pool_owner_id
        and crm_owner_changes.previous_owner_id <> settings.pool_owner_id
        and crm_owner_changes.changed_on <= {{ as_of() }}
        and not exists (
            select 1
            from book_returns
            where book_returns.account_id = crm_owner_changes.account_id
                and cast(book_returns.returned_at as date) <= crm_owner_changes.changed_on
                and (
                    crm_owner_changes.previous_changed_on is null
                    or cast(book_returns.returned_at as date) >= crm_owner_changes.previous_changed_on
                )
        )

),

latest_release as (

    select
        *,
        row_number() over (
            partition by account_id
            order by released_on desc, goes_to_review desc, rest_days desc
        ) as recency

    from releases

),

rest_breakers as (

    select
        latest_release.account_id,
        min(cast(signals.occurred_at as date)) as rest_broken_on

    from latest_release
    cross join settings
    inner join signals
        on latest_release.account_id = signals.account_id
        and cast(signals.occurred_at as date) > latest_release.released_on
        and cast(signals.occurred_at as date) <= {{ as_of() }}
        and (signals.is_hand_raise or signals.strength >= settings.rest_break_min_strength)
    where latest_release.recency = 1
    group by latest_release.account_id

),

reintroductions as (

    select
        latest_release.account_id,
        min(overrides.effective_date) as reintroduced_on

    from latest_release
    inner join overrides
        on latest_release.account_id = overrides.account_id
        and overrides.action = 'reintroduce'
        and overrides.effective_date >= latest_release.released_on
        and overrides.effective_date <= {{ as_of() }}
    where latest_release.recency = 1
    group by latest_release.account_id

),

final as (

    select
        latest_release.account_id,
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
    left join reintroductions
        on latest_release.account_id = reintroductions.account_id
    where latest_release.recency = 1

)

select * from final
