{#- Which CRM the raw tables come from: `salesforce` (the default) or `hubspot`. bookflow sets
    BOOKFLOW_CRM for every dbt call from its `crm` setting (an env var, not a var: a var that
    changes makes dbt re-parse the whole project). -#}
{% macro crm() -%}
    {%- set chosen = env_var('BOOKFLOW_CRM', 'salesforce') | lower -%}
    {%- if chosen not in ('salesforce', 'hubspot') -%}
        {{ exceptions.raise_compiler_error("BOOKFLOW_CRM must be salesforce or hubspot, not '" ~ chosen ~ "'") }}
    {%- endif -%}
    {{- return(chosen) -}}
{%- endmacro %}


{#- A CRM's raw table, or an empty stand-in with its columns and types when the table is not
    there to read: the other CRM's tables (each staging layer is in the graph whichever CRM is
    chosen: a cycle builds the one in use, `bookflow build` both), and an optional table a CRM
    may lack (meta optional: true, e.g. salesforce.account_history). The stand-in's columns and
    types come from the source's YAML, so it fits the staging model that reads it. -#}
{% macro crm_source(source_name, table_name) -%}
    {%- set relation = source(source_name, table_name) -%}
    {#- A unit test's graph holds no sources: there source() is the test's fixture rows. -#}
    {%- if not execute or not graph.get('sources') -%}
        {{- return(relation) -}}
    {%- endif -%}
    {%- set node = graph.sources.values() | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name) | first -%}
    {%- set readable = source_name == crm() and (
        not node.meta.get('optional', false)
        or adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none
    ) -%}
    {%- if readable -%}
        {{- return(relation) -}}
    {%- endif -%}
    {#- The input contract's types (macros/typed_input.sql). -#}
    {%- set kinds = {
        'string': dbt.type_string(), 'integer': dbt.type_bigint(), 'number': dbt.type_float(),
        'boolean': dbt.type_boolean(), 'timestamp': dbt.type_timestamp(), 'date': 'date'
    } -%}
    {%- set columns = [] -%}
    {%- for column in node.columns.values() -%}
        {%- do columns.append('cast(null as ' ~ kinds[column.data_type] ~ ') as ' ~ adapter.quote(column.name)) -%}
    {%- endfor -%}
    {#- landed_at() may find the real table's landing stamp: the stand-in has the column too. -#}
    {%- do columns.append('cast(null as ' ~ dbt.type_timestamp() ~ ') as _fivetran_synced') -%}
    {#- Aliased: Postgres before 16 wants a name for every subquery in FROM. -#}
    {{- return('(select ' ~ columns | join(', ') ~ ' from (select 1 as one) as no_rows where 1 = 0) as '
        ~ adapter.quote(table_name ~ '_stand_in')) -}}
{%- endmacro %}
