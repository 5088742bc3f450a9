{#- The first instant of a day, as a timestamp: `activity_at < day_starts(d + 1)` keeps the same
    rows as `cast(activity_at as date) <= d`, but compares the column itself, so the warehouse can
    skip blocks (zone maps, partitions) instead of casting every row. -#}
{% macro day_starts(day) -%}
    cast(cast({{ day }} as date) as {{ dbt.type_timestamp() }})
{%- endmacro %}
