{#- True when `event` (a date or timestamp) falls within `days` days up to and including the run
    date, the same "within N days" the working SLA uses: 0 <= as_of - day <= days. Events after
    the run date never count, so a replayed past day sees only what was known then. -#}
{% macro within_days(event, days) -%}
    ({{ days_between(event, as_of()) }} between 0 and {{ days }})
{%- endmacro %}
