{#- Every day's conversion_by_source, one set of rows per as_of. A rerun or backfill of a day replaces that
    day's rows; --full-refresh leaves the history alone (full_refresh=false). -#}
{{
    config(
        materialized='incremental',
        unique_key='as_of',
        incremental_strategy=history_strategy(),
        partition_by=history_partition_by(),
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}

select * from {{ ref('conversion_by_source') }}
