{#- The logical date of the run. Every rule is evaluated "as of" this day so that a rerun for the
    same day on the same data gives the same answer, and past days can be replayed.

    In order: `--vars '{as_of: 2026-06-01}'` (by hand, and unit tests), then BOOKFLOW_AS_OF (what
    bookflow sets for its own runs), then the day the run starts. The env var is read only when
    executing: a value seen while parsing would be recorded in the manifest, and a new day would
    then cost every run a full re-parse of the project instead of a partial one. -#}
{% macro as_of() -%}
    {%- set day = var("as_of", none) -%}
    {%- if day is none and execute -%}
        {%- set day = env_var("BOOKFLOW_AS_OF", "") or none -%}
    {%- endif -%}
    cast('{{ day or run_started_at.strftime("%Y-%m-%d") }}' as date)
{%- endmacro %}
