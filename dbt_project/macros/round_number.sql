{#- `expression` rounded to `places` decimals, as a float on every warehouse. Postgres rounds only
    numerics (there is no round(double precision, integer)), so it rounds a numeric copy and
    hands back a double like DuckDB and Spark do. -#}
{% macro round_number(expression, places) -%}
    {{ return(adapter.dispatch('round_number', 'bookflow')(expression, places)) }}
{%- endmacro %}

{% macro default__round_number(expression, places) -%}
    round({{ expression }}, {{ places }})
{%- endmacro %}

{% macro postgres__round_number(expression, places) -%}
    cast(round(cast({{ expression }} as numeric), {{ places }}) as double precision)
{%- endmacro %}
