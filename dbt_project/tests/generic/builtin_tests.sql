{#- dbt's own unique, not_null, accepted_values and relationships tests, unchanged (each calls
    dbt's implementation), with a description that Dagster shows on the asset check. A project
    test of the same name takes the place of dbt's. -#}
{% test unique(model, column_name) %}
{{ config(meta={'description': 'No two rows share a value of ' ~ column_name ~ '.'}) }}
{{ adapter.dispatch('test_unique', 'dbt')(model, column_name) }}
{% endtest %}

{% test not_null(model, column_name) %}
{{ config(meta={'description': column_name ~ ' is never null.'}) }}
{{ adapter.dispatch('test_not_null', 'dbt')(model, column_name) }}
{% endtest %}

{% test accepted_values(model, column_name, values, quote=True) %}
{{ config(meta={'description': column_name ~ ' is one of: ' ~ values | join(', ') ~ '.'}) }}
{{ adapter.dispatch('test_accepted_values', 'dbt')(model, column_name, values, quote) }}
{% endtest %}

{% test relationships(model, column_name, to, field) %}
{{ config(meta={'description': 'Every ' ~ column_name ~ ' is a ' ~ field ~ ' of ' ~ to ~ '.'}) }}
{{ adapter.dispatch('test_relationships', 'dbt')(model, column_name, to, field) }}
{% endtest %}
