{#- `columns` identify a row: none of them is null and no two rows share their values. One test
    (one node, one scan) instead of a `unique` and a `not_null` per key column; a failing row
    shows the key and how many rows share it. -#}
{% test primary_key(model, columns) %}
{{ config(meta={'description': 'Each row is identified by ' ~ columns | join(', ') ~ ': never null, never shared by two rows.'}) }}
select
    {{ columns | join(', ') }},
    count(*) as rows_sharing

from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}
{% endtest %}
