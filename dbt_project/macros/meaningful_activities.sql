{#- The activities that prove an account is worked (activity_types.csv is_meaningful), up to the
    run date, as a query each reader narrows its own way: a CTE read several times would be
    materialized whole by DuckDB before any filter could skip a block. Ranges go on the column
    itself, not on a cast of it, so blocks outside them are skipped. -#}
{% macro meaningful_activities() -%}
    select
        activities.activity_id,
        activities.account_id,
        activities.owner_id,
        activities.who_id,
        activities.activity_at,
        activities.landed_at

    from {{ ref('stg_crm__activities') }} as activities
    inner join {{ ref('activity_types') }} as activity_types
        on activities.activity_type = activity_types.activity_type
    where activity_types.is_meaningful
        and activities.activity_at < {{ day_starts(dbt.dateadd('day', 1, as_of())) }}
{%- endmacro %}

{#- Since when a holder has an account, for the completion clock: the day bookflow gave it to
    them (its ledger's day, not the CRM's owner history); for an account they held before
    bookflow, the later of its creation and bookflow's first applied change (`first_change_on`,
    null before any: then today), so a book inherited from static territories is not completed
    on the first days. -#}
{% macro held_since(assigned_on, created_at, first_change_on) -%}
    coalesce(
        {{ assigned_on }},
        {{ later_of("cast(" ~ created_at ~ " as date)", "coalesce(" ~ first_change_on ~ ", " ~ as_of() ~ ")") }}
    )
{%- endmacro %}
