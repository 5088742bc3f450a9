{#- Engagements as touches, one row per engagement, company it is associated with and contact it
    was with (who_id, as Salesforce's WhoId; one row with a null who_id for an engagement with no
    contact): an engagement with two contacts touched both, and readers that count activities
    count distinct activity_id. Types are spelled as activity_types.csv spells them (CALL -> Call).
    Engagements with a value that does not convert are left out (int_raw_rows_rejected lists
    them). -#}
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

engagement_contacts as (

    select engagement_id, contact_id
    from {{ crm_source('hubspot', 'engagement_contact') }}
    where contact_id is not null

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
        cast(engagement_contacts.contact_id as {{ dbt.type_string() }}) as who_id,
        engagements.landed_at

    from engagements
    inner join engagement_companies
        on engagements.id = engagement_companies.engagement_id
    left join engagement_contacts
        on engagements.id = engagement_contacts.engagement_id

)

select * from renamed
