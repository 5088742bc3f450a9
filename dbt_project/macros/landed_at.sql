{#- When a raw row landed in the warehouse: Fivetran stamps every row with `_fivetran_synced`
    (and so does bookflow's demo extract), so incremental models can read only what landed since
    their last run. A loader that keeps no such column gives null, and those models fall back to
    a window of recent days. Columns are looked up only when executing (parsing has no warehouse). -#}
{% macro landed_at(relation) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(column.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if '_fivetran_synced' in names -%}
        cast(_fivetran_synced as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}
