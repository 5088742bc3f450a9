{#- A wall-clock time in an IANA time zone, as a plain UTC timestamp (daylight saving included). -#}
{% macro local_to_utc(local_timestamp, time_zone) -%}
    {{ return(adapter.dispatch('local_to_utc')(local_timestamp, time_zone)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_timestamp, time_zone) -%}
    timezone('UTC', timezone({{ time_zone }}, {{ local_timestamp }}))
{%- endmacro %}

{% macro postgres__local_to_utc(local_timestamp, time_zone) -%}
    (({{ local_timestamp }}) at time zone {{ time_zone }}) at time zone 'UTC'
{%- endmacro %}

{% macro spark__local_to_utc(local_timestamp, time_zone) -%}
    to_utc_timestamp({{ local_timestamp }}, {{ time_zone }})
{%- endmacro %}
