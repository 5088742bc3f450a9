{{ config(meta={
    'dagster': {'ref': {'name': 'int_book_releases_planned'}},
    'description': 'Unworked accounts leave stalest first, at most max_retrievals_per_run of them: no unworked account waits that its holder touched earlier (or never) than one retrieved for lack of work, and never more are retrieved than the cap. (A leaver\'s book is paced apart.)'
}) }}
with

unworked as (

    select
        derived.account_id,
        derived.owner_field,
        releases.account_id is not null as is_retrieved,
        coalesce(derived.last_activity_at, cast('1900-01-01' as {{ dbt.type_timestamp() }})) as touched_at

    from {{ ref('int_accounts_status_derived') }} as derived
    left join {{ ref('int_book_releases_planned') }} as releases
        on derived.account_id = releases.account_id
        and derived.owner_field = releases.owner_field
    where derived.release_candidate = 'retrieve'

),

retrieved as (

    select max(touched_at) as freshest_retrieved, count(*) as retrieved
    from unworked
    where is_retrieved

)

select unworked.account_id, unworked.touched_at, retrieved.freshest_retrieved, retrieved.retrieved
from unworked
cross join retrieved
where not unworked.is_retrieved
    and unworked.touched_at < retrieved.freshest_retrieved

union all

select 'over the cap', null, null, retrieved.retrieved
from retrieved
cross join {{ ref('stg_rules__settings') }} as settings
where retrieved.retrieved > coalesce(settings.max_retrievals_per_run, retrieved.retrieved)
