{#- The values of `measure` joined by `delimiter` in the order of `order_key` (newest first when
    `descending`). dbt's listagg ignores the order on Spark, so Spark sorts (key, value) pairs itself. -#}
{% macro ordered_listagg(measure, order_key, descending=false, delimiter="'; '") -%}
    {{ return(adapter.dispatch('ordered_listagg', 'bookflow')(measure, order_key, descending, delimiter)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, order_key, descending, delimiter) -%}
    {{ dbt.listagg(measure, delimiter, 'order by ' ~ order_key ~ (' desc' if descending else '')) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, order_key, descending, delimiter) -%}
    {%- set sorted = "array_sort(collect_list(named_struct('k', " ~ order_key ~ ", 'v', " ~ measure ~ ")))" -%}
    array_join(transform({{ 'reverse(' ~ sorted ~ ')' if descending else sorted }}, x -> x.v), {{ delimiter }})
{%- endmacro %}
