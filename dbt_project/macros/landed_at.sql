{#- When a raw row landed in the warehouse: Fivetran stamps every row with `_fivetran_synced`
    (and so does bookflow's demo extract), so incremental models can read only what landed since
    their last run. A loader that keeps no such column gives null, and those models fall back to
    a window of recent days. Columns are looked up only when executing (parsing has no warehouse). -#}
{% macro landed_at(relation) -%}
    {{ optional_column(relation, '_fivetran_synced', dbt.type_timestamp()) }}
{%- endmacro %}
