{#- Raw values converted to the input contract's types (bookflow/contract.py; each source column's
    `data_type` in the sources YAML), without ever stopping the run on a value that does not fit.

    A column the warehouse already holds in its type is cast as before: nothing to check, nothing
    to pay. A column landed as text (a CSV load, a loader that keeps strings) is read from its
    unambiguous spellings: ' 42 ', '1,200' (commas only between groups of three digits) and
    '1200.0' for numbers, true/false, t/f, yes/no, y/n, 1/0 for booleans, YYYY-MM-DD with an
    optional time (and Z) for timestamps. An empty value is null, as a missing one is. Anything
    else converts to null, and `untyped_reason` names the column and the value, so the staging
    model leaves the row out and int_raw_rows_rejected puts it in marts.quarantine. -#}

{#- column -> {'type': its contract type, 'native': the warehouse holds it in that type already}.
    Columns are looked up only when executing (parsing has no warehouse); a relation whose
    columns cannot be read (a unit test's fixture) counts as native: plain casts, as before, and
    so does a table of the CRM not in use (its staging reads an empty stand-in, macros/crm.sql).
    A unit test's graph holds no sources: nothing is known there, and its fixture's values are
    read as they are given. -#}
{% macro raw_columns(source_name, table_name) -%}
    {%- set columns = {} -%}
    {%- if execute -%}
        {%- for node in graph.get('sources', {}).values() -%}
            {%- if node['source_name'] == source_name and node['name'] == table_name -%}
                {%- for name, column in node['columns'].items() if column['data_type'] -%}
                    {%- do columns.update({name | lower: {'type': column['data_type'] | lower, 'native': true}}) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set in_use = source_name not in ('salesforce', 'hubspot') or source_name == bookflow.crm() -%}
        {%- set relation_columns = adapter.get_columns_in_relation(source(source_name, table_name)) if in_use and columns else [] -%}
        {%- for column in relation_columns -%}
            {%- set name = column.name | lower -%}
            {%- if name in columns -%}
                {%- do columns[name].update({'native': bookflow.holds_type(column, columns[name]['type'])}) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro holds_type(column, kind) -%}
    {%- set dtype = column.dtype | lower -%}
    {%- if kind == 'string' -%}{{ return(true) }}
    {%- elif kind == 'integer' -%}{{ return(column.is_integer()) }}
    {%- elif kind == 'number' -%}{{ return(column.is_integer() or column.is_float() or column.is_numeric()) }}
    {%- elif kind == 'boolean' -%}{{ return('bool' in dtype) }}
    {%- else -%}{{ return(dtype.startswith('timestamp') or dtype == 'date') }}
    {%- endif -%}
{%- endmacro %}

{% macro contract_type(kind) -%}
    {%- if kind == 'integer' -%}{{ dbt.type_int() }}
    {%- elif kind == 'number' -%}{{ dbt.type_float() }}
    {%- elif kind == 'boolean' -%}{{ dbt.type_boolean() }}
    {%- elif kind == 'timestamp' -%}{{ dbt.type_timestamp() }}
    {%- elif kind == 'date' -%}date
    {%- else -%}{{ dbt.type_string() }}
    {%- endif -%}
{%- endmacro %}

{#- The value of raw column `name` in its contract type (null when it does not convert). -#}
{% macro typed(columns, name) -%}
    {%- set column = columns.get(name) -%}
    {%- if column is none -%}{{ adapter.quote(name) }}
    {%- elif column['native'] -%}cast({{ adapter.quote(name) }} as {{ bookflow.contract_type(column['type']) }})
    {%- else -%}{{ bookflow.parsed(name, column['type']) }}
    {%- endif -%}
{%- endmacro %}

{#- Column names are quoted: HubSpot's engagements and property history have one called
    `timestamp`. -#}
{% macro raw_text(name) -%}
    nullif(trim(cast({{ adapter.quote(name) }} as {{ dbt.type_string() }})), '')
{%- endmacro %}

{#- The patterns hold no backslash (Spark reads one as an escape inside a string literal), and
    exponents stop at two digits, so no spelling they admit overflows a double anywhere. -#}
{% macro parsed(name, kind) -%}
    {%- set text = bookflow.raw_text(name) -%}
    {%- if kind in ('integer', 'number') -%}
        {%- set number -%}
            case when {{ bookflow.matches(text, '^[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)([.][0-9]*)?([eE][+-]?[0-9]{1,2})?$') }}
                then {{ bookflow.try_cast("replace(" ~ text ~ ", ',', '')", dbt.type_float()) }} end
        {%- endset -%}
        {%- if kind == 'integer' -%}
            case when {{ number }} = floor({{ number }}) and abs({{ number }}) < 2147483648
                then cast({{ number }} as {{ dbt.type_int() }}) end
        {%- else -%}
            {{ number }}
        {%- endif -%}
    {%- elif kind == 'boolean' -%}
        case
            when lower({{ text }}) in ('true', 't', 'yes', 'y', '1') then true
            when lower({{ text }}) in ('false', 'f', 'no', 'n', '0') then false
        end
    {%- elif kind in ('timestamp', 'date') -%}
        case when {{ bookflow.matches(text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?)?Z?$') }}
            then {{ bookflow.try_cast("replace(" ~ text ~ ", 'Z', '')", bookflow.contract_type(kind)) }} end
    {%- else -%}
        cast({{ adapter.quote(name) }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- Whether any column of a raw table is landed in another type than the contract's. -#}
{% macro needs_typing(columns) -%}
    {%- for column in columns.values() if not column['native'] -%}
        {{ return(true) }}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- Why a raw row cannot be read: the first column (in contract order) whose value does not
    convert, with the value (its first 40 characters); null when every value converts. -#}
{% macro untyped_reason(columns) -%}
    {%- set checked = [] -%}
    {%- for name, column in columns.items() if not column['native'] -%}
        {%- do checked.append(name) -%}
    {%- endfor -%}
    {%- if checked -%}
        case
        {%- for name in checked %}
            {%- set kind = columns[name]['type'] %}
            when {{ bookflow.raw_text(name) }} is not null and {{ bookflow.parsed(name, kind) }} is null
                then '{{ name }} ''' || substr({{ bookflow.raw_text(name) }}, 1, 40) || ''' is not {{ bookflow.kind_words(kind) }}'
        {%- endfor %}
        end
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{% macro kind_words(kind) -%}
    {%- if kind == 'integer' -%}a whole number
    {%- elif kind == 'number' -%}a number
    {%- elif kind == 'boolean' -%}true or false
    {%- elif kind == 'timestamp' -%}a timestamp (YYYY-MM-DD, optionally HH:MM:SS, UTC)
    {%- else -%}a date (YYYY-MM-DD)
    {%- endif -%}
{%- endmacro %}

{#- Dialects: a regular-expression match, and a cast that gives null instead of failing (Postgres
    has no try_cast: there the patterns above have already admitted only castable spellings, but
    for an impossible calendar day such as 2026-02-30, which fails the run there). -#}
{% macro matches(expression, pattern) -%}
    {{ return(adapter.dispatch('matches', 'bookflow')(expression, pattern)) }}
{%- endmacro %}

{% macro default__matches(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__matches(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern }}')
{%- endmacro %}

{% macro try_cast(expression, type) -%}
    {{ return(adapter.dispatch('try_cast', 'bookflow')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, type) -%}
    cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro duckdb__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro spark__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}
