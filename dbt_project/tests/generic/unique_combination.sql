{#- No two rows share the same values of `columns` (nulls compare equal, as in group by). -#}
{% test unique_combination(model, columns) %}
{{ config(meta={'description': 'No two rows share the same ' ~ columns | join(', ') ~ '.'}) }}
select {{ columns | join(', ') }}, count(*) as rows_sharing
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
