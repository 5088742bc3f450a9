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

{#- History tables keep one set of rows per as_of: rebuilding a day replaces that day's rows.
    delete+insert does that by as_of where the adapter has it; Spark overwrites the as_of
    partition instead. -#}
{% macro history_strategy() -%}
    {{ return('insert_overwrite' if target.type in ('spark', 'databricks') else 'delete+insert') }}
{%- endmacro %}

{% macro history_partition_by() -%}
    {{ return(['as_of'] if target.type in ('spark', 'databricks') else none) }}
{%- endmacro %}
