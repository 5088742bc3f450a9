{#- Ownership changes the CRM really received. A change synced to several destinations is still
    one change, so it is kept once. -#}
with

source as (

    select * from {{ source('reverse_etl', 'sync_ledger') }}

),

applied as (

    select
        change_id,
        cast(as_of as date) as effective_on,
        account_id,
        change_type,
        from_owner_id,
        to_owner_id,
        min(applied_at) as applied_at

    from source
    where status = 'applied'
    group by 1, 2, 3, 4, 5, 6

)

select * from applied
