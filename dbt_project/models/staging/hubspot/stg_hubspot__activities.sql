{#- Engagements as touches, one row per engagement and company it is associated with. Types are
    spelled as activity_types.csv spells them (CALL -> Call). Engagements with a value that does
    not convert are left out (int_raw_rows_rejected lists them). -#}
{%- set raw = raw_columns('hubspot', 'engagement') -%}
with

engagements as (

    select
        id,
        type,
        owner_id,
        {{ typed(raw, 'timestamp') }} as engaged_at,
        {{ landed_at(source('hubspot', 'engagement')) }} as landed_at

    from {{ crm_source('hubspot', 'engagement') }}
    where coalesce({{ typed(raw, 'active') }}, true)
        and {{ untyped_reason(raw) }} is null

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
        engagements.engaged_at as activity_at,
        {#- Engagements name their contacts through an association table bookflow does not read: no
            distinct-contact counts for HubSpot (activity_thresholds.csv min_contacts is not checked). #}
        cast(null as {{ dbt.type_string() }}) as who_id,
        engagements.landed_at

    from engagements
    inner join engagement_companies
        on engagements.id = engagement_companies.engagement_id

)

select * from renamed
