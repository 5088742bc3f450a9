{#- Do accounts dealt by bookflow convert better than the ones reps already held? Each time an
    account enters a rep's book is one entry, by source: `distributed` (dealt from the pool),
    `inbound` (a hand raiser routed at once) or `owned_before` (held by a roster rep without
    bookflow ever assigning it). An entry converts when an opportunity is created on the account
    within conversion_window_days of entering (settings.csv).

    owned_before accounts have no entry day of their own: their clock starts when dynamic books
    went live (the first change bookflow applied), or, before any change was applied, one window
    before the run date, so the three sources are measured over windows of the same length.
    Entries whose account already had an opportunity open on the day it entered are left out:
    they were converted before the book got them. Books of the CRM owner field only: an SDR's book
    converts into a handoff to an AE (book_health.handoffs_30d), not into a new entry here. -#}
with

applied_changes as (

    select * from {{ ref('stg_reverse_etl__applied_changes') }}
    where effective_on <= {{ as_of() }}

),

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

opportunities as (

    select * from {{ ref('stg_crm__opportunities') }}
    where cast(created_at as date) <= {{ as_of() }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

go_live as (

    select min(effective_on) as first_applied_on
    from applied_changes

),

sources as (

    select 'distributed' as source
    union all
    select 'inbound' as source
    union all
    select 'owned_before' as source

),

bookflow_entries as (

    select
        account_id,
        case change_type when 'distribute' then 'distributed' else 'inbound' end as source,
        effective_on as entered_on

    from applied_changes
    where change_type in ('distribute', 'inbound')
        and owner_field = 'owner'

),

owned_before_entries as (

    select
        account_status.account_id,
        'owned_before' as source,
        coalesce(
            go_live.first_applied_on,
            cast({{ dbt.dateadd('day', '-1 * settings.conversion_window_days', as_of()) }} as date)
        ) as entered_on

    from account_status
    cross join go_live
    cross join settings
    where account_status.owner_field = 'owner'
        and account_status.owner_kind = 'rep'
        and not account_status.was_assigned_by_bookflow
        and {{ is_nbtam('account_status.status') }}

),

entries as (

    select * from bookflow_entries
    union all
    select * from owned_before_entries

),

already_open as (

    select distinct
        entries.account_id,
        entries.source,
        entries.entered_on

    from entries
    inner join opportunities
        on entries.account_id = opportunities.account_id
        and cast(opportunities.created_at as date) < entries.entered_on
        and (not opportunities.is_closed or opportunities.close_date >= entries.entered_on)

),

measured as (

    select
        entries.account_id,
        entries.source,
        entries.entered_on,
        {{ days_between('entries.entered_on', as_of()) }} >= settings.conversion_window_days as is_matured,
        count(opportunities.opportunity_id) as opportunities

    from entries
    cross join settings
    left join already_open
        on entries.account_id = already_open.account_id
        and entries.source = already_open.source
        and entries.entered_on = already_open.entered_on
    left join opportunities
        on entries.account_id = opportunities.account_id
        and cast(opportunities.created_at as date) >= entries.entered_on
        and {{ days_between('entries.entered_on', 'opportunities.created_at') }} <= settings.conversion_window_days
    where already_open.account_id is null
    group by entries.account_id, entries.source, entries.entered_on, settings.conversion_window_days

),

by_source as (

    select
        source,
        cast(count(*) as {{ dbt.type_int() }}) as accounts,
        cast(sum(case when opportunities > 0 then 1 else 0 end) as {{ dbt.type_int() }}) as converted_accounts,
        cast(sum(opportunities) as {{ dbt.type_int() }}) as opportunities,
        cast(sum(case when is_matured then 1 else 0 end) as {{ dbt.type_int() }}) as matured_accounts,
        cast(sum(case when is_matured and opportunities > 0 then 1 else 0 end) as {{ dbt.type_int() }})
            as matured_converted_accounts

    from measured
    group by source

),

final as (

    select
        {{ as_of() }} as as_of,
        sources.source,
        settings.conversion_window_days,
        coalesce(by_source.accounts, 0) as accounts,
        coalesce(by_source.converted_accounts, 0) as converted_accounts,
        coalesce(by_source.opportunities, 0) as opportunities,
        {{ share('by_source.converted_accounts', 'by_source.accounts') }} as conversion_rate,
        coalesce(by_source.matured_accounts, 0) as matured_accounts,
        coalesce(by_source.matured_converted_accounts, 0) as matured_converted_accounts,
        {{ share('by_source.matured_converted_accounts', 'by_source.matured_accounts') }} as matured_conversion_rate

    from sources
    cross join settings
    left join by_source
        on sources.source = by_source.source

)

select * from final
