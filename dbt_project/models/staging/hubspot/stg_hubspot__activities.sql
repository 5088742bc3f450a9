{#- Engagements as touches, one row per engagement and company it is associated with. Types are
    spelled as activity_types.csv spells them (CALL -> Call). -#}
with

engagements as (

    select
        *,
        {{ landed_at(source('hubspot', 'engagement')) }} as landed_at
    from {{ crm_source('hubspot', 'engagement') }}

),

engagement_companies as (

    select * from {{ crm_source('hubspot', 'engagement_company') }}

),

renamed as (

    select
        cast(engagements.id as {{ dbt.type_string() }}) as activity_id,
        'engagement' as activity_source,
        cast(engagement_companies.company_id as {{ dbt.type_string() }}) as account_id,
        cast(engagements.owner_id as {{ dbt.type_string() }}) as owner_id,
        cast(
            upper(substring(engagements.type, 1, 1)) || lower(substring(engagements.type, 2)) as {{ dbt.type_string() }}
        ) as activity_type,
        cast(engagements.{{ adapter.quote('timestamp') }} as {{ dbt.type_timestamp() }}) as activity_at,
        {#- Engagements name their contacts through an association table bookflow does not read: no
            distinct-contact counts for HubSpot (activity_thresholds.csv min_contacts is not checked). #}
        cast(null as {{ dbt.type_string() }}) as who_id,
        engagements.landed_at

    from engagements
    inner join engagement_companies
        on engagements.id = engagement_companies.engagement_id
    where coalesce(engagements.active, true)

)

select * from renamed
