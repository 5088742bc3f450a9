{#- Raw rows holding a value that does not convert to its type in the input contract
    ('n/a' in number_of_employees, 'maybe' in is_deleted), with the column and the value. The
    staging models leave these rows out (macros/typed_input.sql); this lists them for
    marts.quarantine. A table the warehouse holds in the contract's types cannot have any, and is
    not read at all, nor is a table of the CRM not in use (macros/crm.sql: an empty stand-in).
    HubSpot's raw tables are not checked here: their staging casts as before. One row per table,
    id and reason, with the raw rows it stands for. -#}
{%- set raw_tables = [
    ('salesforce', 'account', 'id'),
    ('salesforce', 'user', 'id'),
    ('salesforce', 'opportunity', 'id'),
    ('salesforce', 'task', 'id'),
    ('salesforce', 'event', 'id'),
    ('salesforce', 'book_return_c', 'id'),
    ('signals', 'account_signal', 'account_id'),
] -%}

with

{% for source_name, table_name, record_id in raw_tables %}
{%- set relation = crm_source(source_name, table_name) if source_name == 'salesforce' else source(source_name, table_name) -%}
{%- set raw = raw_columns(source_name, table_name) -%}
{%- set reason = untyped_reason(raw) -%}
{{ table_name }}_rejected as (

    select
        cast('{{ source_name }}.{{ table_name }}' as {{ dbt.type_string() }}) as source_table,
        cast({{ record_id }} as {{ dbt.type_string() }}) as record_id,
        {{ reason }} as reason

    from {{ relation }}
    {%- if not needs_typing(raw) %}
    where 1 = 0
    {%- else %}
    where {{ reason }} is not null
        {%- if 'is_deleted' in raw %}
        and not coalesce({{ typed(raw, 'is_deleted') }}, false)
        {%- endif %}
    {%- endif %}

),

{% endfor %}

unioned as (

    {%- for source_name, table_name, record_id in raw_tables %}
    select * from {{ table_name }}_rejected
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

rejected as (

    select
        source_table,
        record_id,
        reason,
        count(*) as rows_held

    from unioned
    group by source_table, record_id, reason

)

select * from rejected
