{#- Every owner change this run asks of the CRM, per owner field (`crm_field`: the CRM owner, or
    the SDR field): returns, retrievals, completions and displacements hand accounts back to the
    pool; distributions deal ready accounts to reps and handoffs deal accounts SDRs converted to
    an AE; and the inbound changes routing made for hand raisers since the previous cycle,
    reported with their own ids (already synced, as a rule). `from_crm_owner_id`/`to_crm_owner_id`
    say the same as the CRM spells it, which is what the sync writes: the pool is the pool user in
    the owner field (no owner in HubSpot), and an empty SDR field. -#}
with

releases as (

    select * from {{ ref('int_book_releases_planned') }}

),

displaced as (

    select * from {{ ref('int_accounts_displaced') }}

),

assignments as (

    select * from {{ ref('ranked_assignments') }}

),

reps as (

    select * from {{ ref('reps') }}

),

settings as (

    select * from {{ ref('stg_rules__settings') }}

),

inbound as (

    select * from {{ ref('int_inbound_changes_in_cycle') }}

),

changes as (

    select
        account_id,
        owner_field,
        crm_field,
        role,
        owner_id as from_owner_id,
        cast(null as {{ dbt.type_string() }}) as to_owner_id,
        release_type as change_type,
        release_reason as reason

    from releases

    union all

    select
        account_id,
        owner_field,
        crm_field,
        role,
        owner_id as from_owner_id,
        cast(null as {{ dbt.type_string() }}) as to_owner_id,
        'displace' as change_type,
        reason

    from displaced

    union all

    select
        account_id,
        owner_field,
        crm_field,
        role,
        cast(null as {{ dbt.type_string() }}) as from_owner_id,
        rep_id as to_owner_id,
        deal_kind as change_type,
        case deal_kind
            when 'handoff' then 'handoff: converted by its SDR, dealt in round ' || cast(deal_round as {{ dbt.type_string() }})
                || ' of ' || target_book
            else 'pool rank ' || cast(pool_rank as {{ dbt.type_string() }})
                || ' of ' || target_book || ', round ' || cast(deal_round as {{ dbt.type_string() }})
        end as reason

    from assignments

),

final as (

    select
        {{ change_id(as_of(), 'changes.account_id', 'changes.change_type', 'changes.from_owner_id', 'changes.to_owner_id',
            "case when changes.owner_field = 'owner' then '' else '|' || changes.crm_field end") }} as change_id,
        {{ as_of() }} as as_of,
        changes.account_id,
        changes.role,
        changes.crm_field,
        changes.from_owner_id,
        changes.to_owner_id,
        changes.change_type,
        changes.reason,
        case when changes.owner_field = 'owner' then coalesce(changes.from_owner_id, settings.crm_pool_owner_id)
            else changes.from_owner_id end as from_crm_owner_id,
        case when changes.owner_field = 'owner' then coalesce(changes.to_owner_id, settings.crm_pool_owner_id)
            else changes.to_owner_id end as to_crm_owner_id

    from changes
    cross join settings
    -- A hand raiser routed during this cycle (after its extract read the CRM) keeps that owner:
    -- the cycle's own plan for the account is stale (its SDR field's too, read before the route),
    -- and two changes would make two owners.
    left join inbound
        on changes.account_id = inbound.account_id
    where inbound.account_id is null

),

inbound_changes as (

    select
        inbound.change_id,
        inbound.as_of,
        inbound.account_id,
        reps.role,
        'owner_id' as crm_field,
        inbound.from_owner_id,
        inbound.to_owner_id,
        inbound.change_type,
        inbound.reason,
        inbound.from_crm_owner_id,
        inbound.to_crm_owner_id

    from inbound
    left join reps
        on inbound.to_owner_id = reps.rep_id

)

select * from final
union all
select * from inbound_changes
