{#- DuckDB hashes the side of a join it estimates smaller. A filtered view of every account (the
    checked accounts) is estimated at a fifth or less of its rows, so joining it to a table of as
    many rows (int_accounts_last_touched) built the hash table on the wide accounts side: 6 s of
    the status model at 10M accounts where building on the three narrow columns takes about 3.
    These hooks keep the build side the join order optimizer chose for the model they wrap.
    DuckDB's setting is database-wide, so the post-hook resets it (profiles.yml sets none of its
    own to restore; a failed model leaves it off for the rest of that dbt process, which then only
    plans as written); a query the other dbt thread plans meanwhile gets a plan as written, never a
    different result. Other warehouses: nothing. -#}
{% macro keep_join_build_sides() -%}
    {{ return(adapter.dispatch('keep_join_build_sides', 'bookflow')()) }}
{%- endmacro %}

{% macro default__keep_join_build_sides() -%}{%- endmacro %}

{% macro duckdb__keep_join_build_sides() -%}
    set disabled_optimizers = 'build_side_probe_side'
{%- endmacro %}

{% macro reset_join_build_sides() -%}
    {{ return(adapter.dispatch('reset_join_build_sides', 'bookflow')()) }}
{%- endmacro %}

{% macro default__reset_join_build_sides() -%}{%- endmacro %}

{% macro duckdb__reset_join_build_sides() -%}
    reset disabled_optimizers
{%- endmacro %}
