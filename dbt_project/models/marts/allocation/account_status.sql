{#- A view: a projection of int_accounts_status_derived with the run date added, and this run's
    releases from int_book_releases_planned (a few rows, joined by account and field). One row per
    account for the CRM owner field, and a second for the SDR field where a role works it. As a
    table it wrote every account a second time each run (8 s at 10M accounts); readers, the
    published copy included, get the same rows. -#}
{{ config(materialized='view') }}

with

derived as (

    select * from {{ ref('int_accounts_status_derived') }}

),

releases as (

    select * from {{ ref('int_book_releases_planned') }}

),

final as (

    select
        {{ as_of() }} as as_of,
        derived.account_id,
        derived.role,
        derived.crm_field,
        derived.owner_id,
        derived.target_book,
        derived.status,
        derived.ready,
        derived.last_activity_at,
        derived.rest_until,
        derived.excluded_reason,
        derived.is_pinned,
        coalesce(releases.release_type = 'retrieve', false) as is_retrieved,
        coalesce(releases.release_type = 'return', false) as is_returned,
        coalesce(releases.release_type = 'complete', false) as is_completed,
        {#- Unworked but over max_retrievals_per_run: stays in its book until a later run. #}
        coalesce(derived.release_candidate = 'retrieve', false) and releases.account_id is null as is_retrieval_deferred,
        derived.pending_return_reason as return_reason,
        derived.assigned_on,
        derived.working_grade,
        derived.activities_in_period,
        derived.contacts_in_period,
        derived.tier,
        derived.priority_score

    from derived
    left join releases
        on derived.account_id = releases.account_id
        and derived.owner_field = releases.owner_field

)

select * from final
