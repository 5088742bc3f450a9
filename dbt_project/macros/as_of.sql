{#- The logical date of the run. Every rule is evaluated "as of" this day so that a rerun for the
    same day on the same data gives the same answer, and past days can be replayed. -#}
{% macro as_of() -%}
    cast('{{ var("as_of", run_started_at.strftime("%Y-%m-%d")) }}' as date)
{%- endmacro %}
