{#- None of `columns` is null. One test for all of a model's required columns rather than a
    `not_null` per column: every dbt test is a node with about 70 ms of fixed cost in every run,
    and the per-column tests were half of the project's nodes. A failing row names its first null
    column, so the failure says which one as a per-column test would. -#}
{% test not_null_columns(model, columns) %}
{{ config(meta={'description': 'No row has a null in ' ~ columns | join(', ') ~ '.'}) }}
select
    case
        {%- for column in columns %}
        when {{ column }} is null then '{{ column }}'
        {%- endfor %}
    end as null_column

from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
