{#- Raw rows holding a value that does not convert to its type in the input contract
    ('n/a' in number_of_employees, 'maybe' in is_deleted), with the column and the value. The
    staging models leave these rows out (macros/typed_input.sql); this lists them for
    marts.quarantine. A table the warehouse holds in the contract's types cannot have any, and is
    not read at all, nor is a table of the CRM not in use (macros/crm.sql: an empty stand-in).
    Only the rows staging reads are listed: not the deleted or archived ones, nor the history of
    HubSpot properties other than the owner fields. HubSpot's association tables hold ids only,
    which any value is. One row per table, id and reason, with the raw rows it stands for. -#}
{#- (schema, table, the record's id, the rows staging reads: all (none), those not is_deleted,
    those active, or the owner's versions) -#}
{%- set raw_tables = [
    ('salesforce', 'account', 'id', 'not deleted'),
    ('salesforce', 'user', 'id', none),
    ('salesforce', 'opportunity', 'id', 'not deleted'),
    ('salesforce', 'task', 'id', 'not deleted'),
    ('salesforce', 'event', 'id', 'not deleted'),
    ('salesforce', 'book_return_c', 'id', 'not deleted'),
    ('hubspot', 'company', 'id', 'not deleted'),
    ('hubspot', 'owner', 'owner_id', none),
    ('hubspot', 'deal', 'deal_id', 'not deleted'),
    ('hubspot', 'engagement', 'id', 'active'),
    ('hubspot', 'company_property_history', 'company_id', 'owner versions'),
    ('signals', 'account_signal', 'account_id', none),
] -%}

{#- The SDR property (settings.csv, read when compiling) names owner history rows; the ref is
    written here as parsing renders only the branch for tables landed as text. #}
-- depends_on: {{ ref('settings') }}

with

{% for source_name, table_name, record_id, rows_read in raw_tables %}
{%- set relation = source(source_name, table_name) if source_name == 'signals' else crm_source(source_name, table_name) -%}
{%- set raw = raw_columns(source_name, table_name) -%}
{%- set reason = untyped_reason(raw) -%}
{{ source_name }}_{{ table_name }}_rejected as (

    select
        cast('{{ source_name }}.{{ table_name }}' as {{ dbt.type_string() }}) as source_table,
        cast({{ adapter.quote(record_id) }} as {{ dbt.type_string() }}) as record_id,
        {{ reason }} as reason

    from {{ relation }}
    {%- if not needs_typing(raw) %}
    where 1 = 0
    {%- else %}
    where {{ reason }} is not null
        {%- if rows_read == 'not deleted' %}
        and not coalesce({{ typed(raw, 'is_deleted') }}, false)
        {%- elif rows_read == 'active' %}
        and coalesce({{ typed(raw, 'active') }}, true)
        {%- elif rows_read == 'owner versions' %}
        and {{ hubspot_owner_field('name') }} is not null
        {%- endif %}
    {%- endif %}

),

{% endfor %}

unioned as (

    {%- for source_name, table_name, record_id, rows_read in raw_tables %}
    select * from {{ source_name }}_{{ table_name }}_rejected
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
