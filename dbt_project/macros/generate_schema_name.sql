{#- Schemas are part of the output contract (`marts.account_status`, not `main_marts.account_status`),
    so a custom schema is used as given instead of being prefixed with the target schema.

    A bookflow cycle on DuckDB builds into one of two slots (`marts__blue` or `marts__green`,
    named by BOOKFLOW_SLOT) and makes it current in one transaction only once every model and
    test passed; the plain schemas hold views onto the current slot (bookflow/slots.py). Without
    BOOKFLOW_SLOT (Postgres, Spark, dbt by hand) models go straight into the plain schemas. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set slot = env_var('BOOKFLOW_SLOT', '') -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}
    {%- elif slot -%}{{ custom_schema_name | trim }}__{{ slot }}
    {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
