{#- A column some loaders land and others do not (Account.Website, a custom SDR owner field): the
    column where the raw table has it, else a typed null; `as alias` when one is given. `column`
    may be none (a setting naming no column): always null then. -#}
{% macro optional_column(relation, column, type, alias=none) -%}
    {%- if relation_has_column(relation, column) -%}
        cast({{ adapter.quote(column) }} as {{ type }})
    {%- else -%}
        cast(null as {{ type }})
    {%- endif -%}
    {%- if alias %} as {{ alias }}{% endif -%}
{%- endmacro %}
