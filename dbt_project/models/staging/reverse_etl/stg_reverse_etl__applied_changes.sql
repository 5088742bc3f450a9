{#- Ownership changes the CRM really received. A change synced to several destinations is still
    one change, so it is kept once. Ledgers written before the SDR field existed have no crm_field:
    every change they hold wrote the CRM owner. -#}
with

source as (

    select
        *,
        {{ optional_column(source('reverse_etl', 'sync_ledger'), 'crm_field', dbt.type_string(), 'written_field') }}
    from {{ source('reverse_etl', 'sync_ledger') }}

),

applied as (

    select
        change_id,
        cast(as_of as date) as effective_on,
        account_id,
        change_type,
        from_owner_id,
        to_owner_id,
        coalesce(written_field, 'owner_id') as crm_field,
        {#- The two owner fields bookflow writes: the CRM owner, or the SDR field. #}
        case when coalesce(written_field, 'owner_id') = 'owner_id' then 'owner' else 'sdr' end as owner_field,
        min(applied_at) as applied_at

    from source
    where status = 'applied'
    group by 1, 2, 3, 4, 5, 6, 7, 8

)

select * from applied
