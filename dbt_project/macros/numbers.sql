{#- Whole numbers 1..upper_bound as a column `n`, built from cross joins of ten digits so it runs
    on any warehouse (no generate_series, no dbt_utils). Supports up to 99,999. -#}
{% macro numbers(upper_bound) -%}
    {%- set digits = "select 0 as d union all select 1 union all select 2 union all select 3 union all select 4 union all select 5 union all select 6 union all select 7 union all select 8 union all select 9" -%}
    select n from (
        select
            ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d + 10000 * ten_thousands.d + 1 as n
        from ({{ digits }}) as ones
        cross join ({{ digits }}) as tens
        cross join ({{ digits }}) as hundreds
        cross join ({{ digits }}) as thousands
        cross join ({{ digits }}) as ten_thousands
    ) as spine
    where n <= {{ upper_bound }}
{%- endmacro %}
