{#- The values of `measure` joined by `delimiter` in the order of `order_key`. dbt's listagg
    ignores the order on Spark, so Spark sorts (key, value) pairs itself. -#}
{% macro ordered_listagg(measure, order_key, delimiter="'; '") -%}
    {{ return(adapter.dispatch('ordered_listagg', 'bookflow')(measure, order_key, delimiter)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, order_key, delimiter) -%}
    {{ dbt.listagg(measure, delimiter, 'order by ' ~ order_key) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, order_key, delimiter) -%}
    array_join(
        transform(array_sort(collect_list(named_struct('k', {{ order_key }}, 'v', {{ measure }}))), x -> x.v),
        {{ delimiter }}
    )
{%- endmacro %}
