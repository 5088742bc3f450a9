{#- Whole days from `start` to `end` (dates or timestamps), portable through dbt's datediff. -#}
{% macro days_between(start, end) -%}
    {{ dbt.datediff("cast(" ~ start ~ " as date)", "cast(" ~ end ~ " as date)", "day") }}
{%- endmacro %}
