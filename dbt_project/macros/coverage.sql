{#- NBTAM (new-business TAM) in one place, so every coverage figure counts the same accounts:
    accounts eligible for dynamic books that are not customers. Converted accounts (an open
    opportunity) are still new business and count; excluded ones (RevOps overrides, static
    territories, no target book) and customers do not. -#}
{% macro is_nbtam(status_column) -%}
    ({{ status_column }} not in ('excluded', 'customer'))
{%- endmacro %}

{#- numerator / denominator, null when the denominator is 0 (no division by zero on any
    warehouse). `1.0 *` makes it a double or exact numeric rather than a 4-byte float. -#}
{% macro share(numerator, denominator) -%}
    (1.0 * {{ numerator }} / nullif({{ denominator }}, 0))
{%- endmacro %}

{#- A coverage mart's history: one set of rows per as_of. A rerun or backfill of a day replaces
    that day's rows: delete+insert by as_of where the adapter has it; Spark overwrites the as_of
    partition instead. --full-refresh leaves the history alone (full_refresh=false). Each
    models/marts/coverage/history model is one call, so the five cannot drift apart. -#}
{% macro history_of(mart) -%}
    {%- set spark_like = target.type in ('spark', 'databricks') -%}
    {{ config(
        materialized='incremental',
        unique_key='as_of',
        incremental_strategy='insert_overwrite' if spark_like else 'delete+insert',
        partition_by=['as_of'] if spark_like else none,
        on_schema_change='append_new_columns',
        full_refresh=false,
    ) }}
    select * from {{ ref(mart) }}
{%- endmacro %}
