{#- A few rules shape the SQL itself rather than its rows (a column to read, an order to sort
    by, how far back to read activities): those are read from the rules seeds when a model is
    compiled, which in `dbt build` is after the seeds are loaded. The ref() runs while parsing
    too, so dbt orders the seed before every model that asks.

    Each rule has its own macro so that a unit test can override exactly that one (`overrides:
    macros:`); unit tests never query the warehouse. -#}
{% macro setting_at_compile(name, default=none) -%}
    {%- set relation = ref('settings') -%}
    {%- if not execute -%}{{ return(default) }}{%- endif -%}
    {%- set rows = run_query("select value from " ~ relation ~ " where setting = '" ~ name ~ "'").rows -%}
    {%- set value = rows[0][0] if rows else none -%}
    {{ return(default if value is none or (value | string | trim) == '' else (value | string | trim)) }}
{%- endmacro %}

{#- The raw column of salesforce.account holding the SDR/BDR owner (settings.csv
    sdr_owner_column), or none. bookflow.rules checks it is a plain identifier. -#}
{% macro sdr_owner_column() -%}
    {{ return(setting_at_compile('sdr_owner_column')) }}
{%- endmacro %}

{#- ORDER BY keys of the ready pool from pool_rank_keys (e.g. `tier,priority_score desc`), each
    key in its natural direction unless it names one, account_id last so the order is total.
    bookflow.rules checks the names; an unknown one never reaches the SQL. -#}
{% macro pool_rank_order() -%}
    {%- set natural = {'tier': 'asc', 'priority_score': 'desc', 'fit_score': 'desc', 'timing_score': 'desc',
        'last_signal_at': 'desc', 'created_at': 'desc', 'account_id': 'asc'} -%}
    {%- set text = setting_at_compile('pool_rank_keys', 'priority_score desc,fit_score desc,account_id') -%}
    {%- set keys = [] -%}
    {%- set seen = [] -%}
    {%- for part in text.split(',') -%}
        {%- set words = part.strip().split() -%}
        {%- if words and words[0] in natural and words[0] not in seen -%}
            {%- set direction = words[1] if words | length > 1 and words[1] in ('asc', 'desc') else natural[words[0]] -%}
            {%- do keys.append(words[0] ~ ' ' ~ direction ~ ' nulls last') -%}
            {%- do seen.append(words[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if 'account_id' not in seen -%}{%- do keys.append('account_id asc nulls last') -%}{%- endif -%}
    {{ return(keys | join(', ')) }}
{%- endmacro %}

{#- How many days of activities the working grades and completion count: the longest period of
    activity_thresholds.csv, or completion_days when completion_activities is set (365 without
    completion_days). 0 when neither rule is in use: nothing is read. -#}
{% macro activity_count_window_days() -%}
    {%- set relation = ref('activity_thresholds') -%}
    {%- set completion_activities = setting_at_compile('completion_activities') -%}
    {%- if not execute -%}{{ return(0) }}{%- endif -%}
    {%- set rows = run_query("select max(period_days) from " ~ relation).rows -%}
    {%- set longest = (rows[0][0] if rows and rows[0][0] is not none else 0) | int -%}
    {%- if completion_activities -%}
        {%- set longest = [longest, (setting_at_compile('completion_days', 365) | int)] | max -%}
    {%- endif -%}
    {{ return(longest) }}
{%- endmacro %}

{#- The activity types that hand an SDR's account to an AE (settings.csv handoff_activity_types,
    comma-separated), as a SQL list of literals; empty when only opportunities hand off. -#}
{% macro handoff_activity_types() -%}
    {%- set text = setting_at_compile('handoff_activity_types', '') -%}
    {%- set types = [] -%}
    {%- for part in text.split(',') if part.strip() -%}
        {%- do types.append("'" ~ part.strip().replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {{ return(types | join(', ')) }}
{%- endmacro %}

{#- Whether `relation` has `column` (lowercase names). Columns are looked up only when executing
    (parsing has no warehouse), so while parsing the answer is false. -#}
{% macro relation_has_column(relation, column) -%}
    {%- set names = [] -%}
    {%- if execute and column -%}
        {%- for found in adapter.get_columns_in_relation(relation) -%}
            {%- do names.append(found.name | lower) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(column is not none and (column | lower) in names) }}
{%- endmacro %}
