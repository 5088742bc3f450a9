{#- Postgres plans a query from the statistics ANALYZE gathers, and a table dbt has just created
    has none until autovacuum gets to it, minutes later: the planner then takes each upstream
    table for a few pages and picks nested loops that scan the real rows over and over. On the
    1,500-account test demo that made int_accounts_status_derived take 33 s instead of about 1.
    So every table a model or seed writes is analyzed as its last step, on Postgres only: DuckDB
    keeps its statistics as it writes, and on Spark statistics are a choice with a cost of its own. -#}
{% macro analyze_relation() -%}
    {{ return(adapter.dispatch('analyze_relation', 'bookflow')()) }}
{%- endmacro %}

{% macro default__analyze_relation() -%}{%- endmacro %}

{% macro postgres__analyze_relation() -%}
    {%- if model.resource_type == 'seed' or config.get('materialized') in ('table', 'incremental') -%}
        analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
