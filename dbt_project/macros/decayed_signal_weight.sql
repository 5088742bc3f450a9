{#- What one signal adds to an account's timing today: weight x strength, halved every half-life.
    The timing score and the account explanations both use it, so the rule lives once. -#}
{% macro decayed_signal_weight(signals) -%}
    {{ signals }}.weight * {{ signals }}.strength
        * power(0.5, {{ days_between(signals ~ '.occurred_at', as_of()) }} * 1.0 / {{ signals }}.half_life_days)
{%- endmacro %}

{#- A signal counts towards today's timing once it has occurred and while it is within the lookback. -#}
{% macro signal_counts_today(signals, settings) -%}
    cast({{ signals }}.occurred_at as date) <= {{ as_of() }}
        and {{ days_between(signals ~ '.occurred_at', as_of()) }} <= {{ settings }}.signal_lookback_days
{%- endmacro %}
