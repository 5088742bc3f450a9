{#- Schemas are part of the output contract (`marts.account_status`, not `main_marts.account_status`),
    so a custom schema is used as given instead of being prefixed with the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
