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

{#- The mean of a column of numbers with `places` decimals (scores rounded to 2), the same on
    every run. A mean of doubles sums them in whatever order the warehouse's threads finish, and
    the last bits of the sum follow that order; exact decimals add up the same in any order. A
    double on every warehouse, as avg() of doubles is. -#}
{% macro exact_mean(expression, places) -%}
    {{ return(adapter.dispatch('exact_mean', 'bookflow')(expression, places)) }}
{%- endmacro %}

{% macro default__exact_mean(expression, places) -%}
    cast(avg(cast({{ expression }} as decimal(38, {{ places }}))) as double)
{%- endmacro %}

{% macro postgres__exact_mean(expression, places) -%}
    cast(avg(cast({{ expression }} as numeric(38, {{ places }}))) as double precision)
{%- endmacro %}
