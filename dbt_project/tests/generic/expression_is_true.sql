{#- Every row satisfies `expression` (a boolean SQL expression over the model's columns); rows
    where it is false are the failures. Nulls pass, as in SQL check constraints. -#}
{% test expression_is_true(model, expression) %}
{{ config(meta={'description': 'Every row satisfies: ' ~ expression ~ '.'}) }}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
