{#- No two rows share the same values of `columns` (nulls compare equal, as in group by). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_sharing
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
