{#- The later of two timestamps, either of which may be null. `greatest` would do on DuckDB,
    Postgres and Spark, but returns null on Snowflake and MySQL as soon as one side is. -#}
{% macro later_of(left, right) -%}
    case
        when {{ left }} is null then {{ right }}
        when {{ right }} is null then {{ left }}
        when {{ left }} > {{ right }} then {{ left }}
        else {{ right }}
    end
{%- endmacro %}
