{#- Every owner change this run asks of the CRM: retrievals and returns hand accounts back to the
    pool, distributions deal ready accounts to reps; and the inbound changes routing made for hand
    raisers since the previous cycle, reported with their own ids (already synced, as a rule). `from_crm_owner_id`/`to_crm_owner_id` say
    the same with the pool spelled as the CRM's pool user, which is what the sync writes. -#}
with

account_status as (

    select * from {{ ref('int_accounts_status_derived') }}

),

assignments as (

    select * from {{ ref('ranked_assignments') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

retrievals as (

    select
        account_id,
        owner_id as from_owner_id,
        cast(null as {{ dbt.type_string() }}) as to_owner_id,
        'retrieve' as change_type,
        retrieval_reason as reason

    from account_status
    where is_retrieved

),

returns as (

    select
        account_id,
        owner_id as from_owner_id,
        cast(null as {{ dbt.type_string() }}) as to_owner_id,
        'return' as change_type,
        'returned: ' || pending_return_reason as reason

    from account_status
    where is_returned

),

distributions as (

    select
        account_id,
        cast(null as {{ dbt.type_string() }}) as from_owner_id,
        rep_id as to_owner_id,
        'distribute' as change_type,
        'pool rank ' || cast(pool_rank as {{ dbt.type_string() }})
            || ' of ' || target_book || ', round ' || cast(deal_round as {{ dbt.type_string() }}) as reason

    from assignments

),

inbound as (

    select * from {{ ref('int_inbound_changes_in_cycle') }}

),

changes as (

    select * from retrievals
    union all
    select * from returns
    union all
    select * from distributions

),

final as (

    select
        {{ change_id(as_of(), 'changes.account_id', 'changes.change_type', 'changes.from_owner_id', 'changes.to_owner_id') }}
            as change_id,
        {{ as_of() }} as as_of,
        changes.account_id,
        changes.from_owner_id,
        changes.to_owner_id,
        changes.change_type,
        changes.reason,
        coalesce(changes.from_owner_id, settings.crm_pool_owner_id) as from_crm_owner_id,
        coalesce(changes.to_owner_id, settings.crm_pool_owner_id) as to_crm_owner_id

    from changes
    cross join settings
    -- A hand raiser routed during this cycle (after its extract read the CRM) keeps that owner:
    -- the cycle's own plan for the account is stale, and two changes would make two owners.
    left join inbound
        on changes.account_id = inbound.account_id
    where inbound.account_id is null

),

inbound_changes as (

    select
        change_id,
        as_of,
        account_id,
        from_owner_id,
        to_owner_id,
        change_type,
        reason,
        from_crm_owner_id,
        to_crm_owner_id

    from inbound

)

select * from final
union all
select * from inbound_changes
