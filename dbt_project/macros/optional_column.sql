{#- A column some loaders land and others do not (Account.Website): the column where the raw
    table has it, else a typed null. Columns are looked up only when executing (parsing has no warehouse). -#}
{% macro optional_column(relation, column, type) -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for found in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(found.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if column in names -%}
        cast({{ column }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
{%- endmacro %}
